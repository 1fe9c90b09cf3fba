//go:build !cgo || purego || (!amd64 && !openblas)

package gemm

import "fmt"

// Backend names the implementation in use.
const Backend = "gonum"

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
	impl.Sgemm(trans(transA), trans(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// ISA reports "go" for both: the pure-Go build has no vector kernels.
func ISA() (inUse, best string) { return "go", "go" }

// SetISA accepts only "go" in the pure-Go build.
func SetISA(name string) error {
	if name != "go" {
		return fmt.Errorf("gemm: instruction set %q needs cgo (pure-Go build)", name)
	}
	return nil
}

// SetThreads has no effect in the pure-Go build (gonum parallelizes
// large products over GOMAXPROCS itself).
func SetThreads(n int) {}

// Threads reports 1 in the pure-Go build.
func Threads() int { return 1 }
