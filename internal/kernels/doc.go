// Package kernels implements the elementwise float32 kernels of the
// neural operator that would otherwise dominate its run time: the exact
// (erf) GELU and its derivative.
//
// erf is evaluated as PyTorch's vectorized CPU kernel does
// (aten/src/ATen/cpu/vec Vectorized<float>::erf): Abramowitz & Stegun
// 7.1.26, erf(z) ≈ 1 − (a1·t + a2·t² + … + a5·t⁵)·exp(−z²), t = 1/(1 + p·|z|),
// absolute error below 1.5e-7, odd extension for z < 0; exp is the Cephes
// expf polynomial (Moshier, Cephes Math Library, expf.c) after reduction by
// ln 2, accurate to about 1 ulp. GELU(x) = ½x(1 + erf(x/√2)) and GELU'(x) =
// Φ(x) + x·φ(x) share one exponential, exp(−x²/2).
//
// With cgo the loops are C compiled with GCC function multi-versioning
// (AVX-512, AVX2+FMA, baseline), so that they vectorize on any x86-64 CPU.
//
// The block kernels (GateBack, GeluBoth2, MulSum, GeluRows, GeluBiasRows,
// AxpbRows; fused.c) serve package fno's fused pointwise passes: each takes
// a block of rows × cols values with row strides, so that fno can walk the
// channel-major activations a few hundred positions at a time, and makes
// one cgo call per block and step. Their GELU loops run in chunks of four
// cache lines and prefetch the same columns of the next row (after the
// last row, the first row of the next block), because a block's rows are
// hundreds of KB apart; their reductions are the one-row Sum64 and Dot64.
// Without cgo they are compositions of the one-row loops below (without
// prefetching).
//
// # Without cgo
//
// Built with CGO_ENABLED=0 or the tag purego, the same formulas run in Go
// (purego.go), and on amd64 the loops that matter to a training step run
// in Go assembly instead, chosen at run time with golang.org/x/sys/cpu:
// GELU, GELU', GeluBoth and GeluBias on AVX-512 or AVX2 + FMA
// (gelu_amd64.s; the FMA contractions make them differ from the scalar Go
// code by an ulp or so, within TestGelu's tolerances, and both vector
// widths give the same bits), and Sum64, Dot64, Axpb, Fold, Unfold, Mix,
// MixBack, the optimizer loops (Adam, AdamW, AdamWComplex) and Add on AVX2
// (loops_amd64.s), which perform the scalar code's operations in its order,
// each rounded (no FMA), and so give its bits (TestAdamExact,
// TestVectorExact). The
// environment variable NOBLE_KERNELS_ISA=generic forces the scalar Go
// loops, for tests and benchmarks; the tests run every set the CPU has.
// The assembly is written by hand: each loop is a page of straight-line
// vector code sharing one macro for Φ(x) and exp(−x²/2).
package kernels
