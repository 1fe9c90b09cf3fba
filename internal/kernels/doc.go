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
// (AVX-512, AVX2+FMA, baseline), so that they vectorize on any x86-64 CPU;
// without cgo (or with the tag purego) the same formulas run in Go.
package kernels
