//go:build !amd64 && (!cgo || purego || !openblas)

package gemm

import "github.com/noble-neuro/noble/internal/cpuisa"

// Backend names the implementation in use.
const Backend = "gonum"

// detect reports the generic products: there are no assembly kernels
// outside amd64.
func detect() cpuisa.Level { return cpuisa.Generic }

func sgemmVec(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) bool {
	return false
}
