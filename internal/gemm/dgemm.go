//go:build !cgo || !openblas || purego

package gemm

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// impl is gonum's pure-Go BLAS: float64 products (tests and the float64
// engine only) everywhere but in the OpenBLAS build, float32 ones in the
// pure-Go build.
var impl gonum.Implementation

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
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
	impl.Dgemm(trans(transA), trans(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
