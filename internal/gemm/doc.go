// Package gemm implements row-major single- and double-precision general
// matrix multiplication, C = alpha·op(A)·op(B) + beta·C, for the neural
// operator in package fno.
//
// By default the pure-Go gonum.org/v1/gonum/blas/gonum implementation is
// used, so that noble builds on any machine with Go alone. Built with the tag
// openblas (and cgo), the calls go to OpenBLAS's cblas_sgemm and cblas_dgemm
// (Debian package libopenblas-dev), whose hand-written AVX2 and AVX-512
// kernels reach a large fraction of the CPU's peak: 49–93 GFLOP/s per core
// against gonum's 9–13 on the neural operator's shapes. Results agree to
// rounding. Build with -tags openblas for training and serving; the
// measurements behind this are in package fno's
// documentation and in docs/benchmarks.md.
//
// All matrices are row-major with leading dimensions lda, ldb, ldc as in
// CBLAS. The functions panic on inconsistent shapes (a programmer error).
package gemm
