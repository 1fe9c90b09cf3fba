//go:build !cgo || !amd64 || openblas || purego

package gemm

// Fused reports whether this build has SgemmFold and SgemmUnfold (the
// default build; the others fold and unfold in separate passes).
const Fused = false

// SgemmFold is not available in this build (Fused is false); it panics.
func SgemmFold(m, n, l int, alpha float32, x, be []float32, ldbe int, bo []float32, ldbo int, ce, co []float32, ldc int) {
	panic("gemm: SgemmFold needs the default cgo build")
}

// SgemmUnfold is not available in this build (Fused is false); it panics.
func SgemmUnfold(m, l, t0, t1, k int, alpha float32, a []float32, lda int, bc []float32, ldbc int, bs []float32, ldbs int, y []float32, add bool, bias []float32, per int) {
	panic("gemm: SgemmUnfold needs the default cgo build")
}
