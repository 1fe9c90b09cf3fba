//go:build !cgo || purego || (!amd64 && !openblas)

package gemm

import (
	"fmt"

	"github.com/noble-neuro/noble/internal/cpuisa"
)

// Sgemm computes c = alpha·op(a)·op(b) + beta·c for row-major float32
// matrices, op(a) being m×k and op(b) k×n.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	check(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if k == 0 {
		scaleS(m, n, beta, c, ldc)
		return
	}
	if isa != cpuisa.Generic && sgemmVec(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
		return
	}
	impl.Sgemm(trans(transA), trans(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// The instruction sets of the pure-Go build: gonum's Sgemm (generic), and
// on amd64 the assembly kernels of sgemm_amd64.s (avx2, avx512).
// NOBLE_GEMM_ISA applies as in the default build: an unusable value is
// reported on stderr and the best set kept.
var (
	detected = detect()
	isa      = cpuisa.FromEnv("NOBLE_GEMM_ISA", detected)
)

// ISA reports the instruction set the float32 products use ("avx512",
// "avx2" or "generic") and the best one this build and CPU support.
func ISA() (inUse, best string) { return isa.String(), detected.String() }

// SetISA selects the float32 kernels by instruction set, for tests and
// benchmarks that compare them; it must not be called while a product
// runs. It returns an error for a set this build or CPU lacks.
func SetISA(name string) error {
	l, err := cpuisa.Choose(name, detected)
	if err != nil {
		return fmt.Errorf("gemm: %w", err)
	}
	isa = l
	return nil
}

// SetThreads has no effect in the pure-Go build: the assembly kernels run
// on the calling thread (gonum's generic ones parallelize large products
// over GOMAXPROCS themselves).
func SetThreads(n int) {}

// Threads reports 1 in the pure-Go build.
func Threads() int { return 1 }
