//go:build cgo && openblas && !purego

package gemm

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
*/
import "C"

import "fmt"

// Backend names the implementation in use.
const Backend = "openblas"

func trans(t bool) C.enum_CBLAS_TRANSPOSE {
	if t {
		return C.CblasTrans
	}
	return C.CblasNoTrans
}

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
	C.cblas_sgemm(C.CblasRowMajor, trans(transA), trans(transB), C.blasint(m), C.blasint(n), C.blasint(k),
		C.float(alpha), (*C.float)(&a[0]), C.blasint(lda), (*C.float)(&b[0]), C.blasint(ldb),
		C.float(beta), (*C.float)(&c[0]), C.blasint(ldc))
}

// Dgemm is Sgemm for float64.
func Dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	check(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if k == 0 {
		scaleD(m, n, beta, c, ldc)
		return
	}
	C.cblas_dgemm(C.CblasRowMajor, trans(transA), trans(transB), C.blasint(m), C.blasint(n), C.blasint(k),
		C.double(alpha), (*C.double)(&a[0]), C.blasint(lda), (*C.double)(&b[0]), C.blasint(ldb),
		C.double(beta), (*C.double)(&c[0]), C.blasint(ldc))
}

// SetThreads sets the number of threads one call may use (n ≥ 1); it must
// not be called while a product is running.
func SetThreads(n int) { C.openblas_set_num_threads(C.int(max(n, 1))) }

// Threads reports the number of threads one call may use.
func Threads() int { return int(C.openblas_get_num_threads()) }

// ISA reports "openblas" for both: OpenBLAS selects its kernels itself.
func ISA() (inUse, best string) { return "openblas", "openblas" }

// SetISA accepts only "openblas" in the OpenBLAS build.
func SetISA(name string) error {
	if name != "openblas" {
		return fmt.Errorf("gemm: instruction set %q: OpenBLAS selects its own kernels", name)
	}
	return nil
}
