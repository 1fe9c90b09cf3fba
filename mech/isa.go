package mech

import (
	"fmt"
	"os"
)

// The instruction sets of the vector kernels (vec_body.h, with cgo on
// amd64): generic (the Go loops), avx2 (4 lanes) and avx512 (2 × 8 lanes).
// Every one gives the same bits. NOBLE_MECH_ISA names one at or below the
// CPU's best, for tests and benchmarks; an unusable value is reported on
// stderr and ignored.
const (
	isaGeneric = iota
	isaAVX2
	isaAVX512
)

var (
	isaNames = []string{"generic", "avx2", "avx512"}
	detected = detectISA()
	isa      = detected
)

func init() {
	if s := os.Getenv("NOBLE_MECH_ISA"); s != "" {
		if err := setISA(s); err != nil {
			fmt.Fprintf(os.Stderr, "NOBLE_MECH_ISA: %v\n", err)
		}
	}
}

// setISA selects the kernels by instruction set; it must not be called
// while a mechanism runs.
func setISA(name string) error {
	for i, s := range isaNames {
		if s == name {
			if i > detected {
				return fmt.Errorf("mech: this CPU or build has no %s (best: %s)", name, isaNames[detected])
			}
			isa = i
			return nil
		}
	}
	return fmt.Errorf("mech: unknown instruction set %q (want one of %v)", name, isaNames)
}

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
