package mech

import "github.com/noble-neuro/noble/internal/cpuisa"

// The instruction sets of the vector kernels (vec_body.h, with cgo on
// amd64): generic (the Go loops), avx2 (4 lanes) and avx512 (2 × 8 lanes).
// Every one gives the same bits. NOBLE_MECH_ISA names one at or below the
// CPU's best, for tests and benchmarks; an unusable value is reported on
// stderr and ignored.
const (
	isaAVX2   = cpuisa.AVX2
	isaAVX512 = cpuisa.AVX512
)

var (
	detected = detectISA()
	isa      = cpuisa.FromEnv("NOBLE_MECH_ISA", detected)
)

// vecWidth is the number of instances a kernel takes per block (its lanes),
// which is also what it leaves to the Go loops when it stops.
func vecWidth() int {
	switch isa {
	case isaAVX512:
		return 16 // W of vec_avx512.c
	case isaAVX2:
		return 4
	}
	return 0
}
