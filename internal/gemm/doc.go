// Package gemm implements row-major single- and double-precision general
// matrix multiplication, C = alpha·op(A)·op(B) + beta·C, for the neural
// operator in package fno.
//
// With cgo (the default) the calls go to OpenBLAS's cblas_sgemm and
// cblas_dgemm (Debian package libopenblas-dev), whose hand-written AVX2 and
// AVX-512 kernels reach a large fraction of the CPU's peak; built with
// CGO_ENABLED=0 or the tag purego, the pure-Go gonum.org/v1/gonum/blas/gonum
// implementation is used instead (same results to rounding, several times
// slower). The measurements behind this choice are in package fno's
// documentation and in docs/benchmarks.md.
//
// All matrices are row-major with leading dimensions lda, ldb, ldc as in
// CBLAS. The functions panic on inconsistent shapes (a programmer error).
package gemm
