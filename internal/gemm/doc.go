// Package gemm implements row-major single- and double-precision general
// matrix multiplication, C = alpha·op(A)·op(B) + beta·C, for the neural
// operator in package fno:
//
//	gemm.Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n) // c = a·b
//
// All matrices are row-major with leading dimensions lda, ldb, ldc as in
// CBLAS; beta = 0 does not read C. The functions panic on inconsistent
// shapes (a programmer error).
//
// # Backends
//
// The default build (cgo, which Go uses when gcc is present) runs noble's
// own float32 kernels, written in C with AVX-512 and AVX2 intrinsics and
// selected at run time from the CPU (ISA, SetISA; the environment variable
// NOBLE_GEMM_ISA=avx2 or generic forces a lesser set, for tests and
// benchmarks), with portable C below AVX2. Built with CGO_ENABLED=0 or the
// tag purego, the same two kernels run in Go assembly on amd64 (see
// below), selected at run time with golang.org/x/sys/cpu, and gonum's
// pure-Go Sgemm elsewhere ("generic", also forced by NOBLE_GEMM_ISA);
// built with the tag openblas, OpenBLAS's cblas_sgemm and cblas_dgemm
// (Debian libopenblas-dev). float64 products, which only the tests and
// the float64 engine use, are gonum's outside the OpenBLAS build.
//
// # Why own kernels
//
// The operator's products have few, fixed shapes, none of them the large
// square products general libraries are tuned for, and OpenBLAS reached
// only 18 % of this CPU's peak in a training step, a fifth of its time
// going to packing the constant DFT tables and the activations again on
// every call (docs/benchmarks.md). Two kernels cover every shape:
//
//   - The broadcast kernel, for op(B) = B: C tiles of 8 × 48 (AVX-512, 24
//     zmm accumulators) or 6 × 16 (AVX2, 12 ymm), per k three (two) vector
//     loads of a row of B and 8 (6) broadcasts of a column of A. A, small
//     (the 1×1 convolutions' weights) or a block of 160 columns of it (the
//     folded signals of the DFT), is packed into tile order; B is read in
//     place, so a table stored padded to 16 values per row (fno's DFT
//     tables, packed once per length) or a batch of activations is never
//     copied. k is split into passes of at most 160 so that a 160 × 48
//     panel of B stays in the level-1 cache while every row block of A
//     passes it, and the first row block prefetches the next panel (the
//     rows of a batch of activations are too far apart for the hardware
//     prefetcher to follow 24 of them). Shapes: the 1×1 convolutions
//     (24·8,583·batch columns, k = 12 to 96), the DFT analysis (129
//     columns, k = 4,292) and synthesis (4,292 columns, k = 129).
//   - The dot kernel, for op(B) = Bᵀ: vector sums along k of 4 × 6 (3 × 4)
//     tiles, reduced once per 2,048 values of k. It serves the weight
//     gradients, whose k is the batch's 8,583·batch positions.
//
// Both handle any size through masked loads and stores at the column edge
// and row-count variants of the tile; op(A)ᵀ costs only the packing.
// Results do not depend on the calling thread or on timing; they do depend
// on the instruction set (other tiles sum in another order), so a
// bit-for-bit resume of training needs the same CPU features.
//
// # The folded DFT
//
// Package fno's spectral layers multiply by DFT tables halved by the
// symmetry t ↔ L−t: the analysis reads the even and odd folds x[t] ±
// x[L−t] of each signal row, the synthesis writes y[t] = e + o and
// y[L−t] = e − o from its even and odd sums. SgemmFold and SgemmUnfold
// (the default build only: Fused) do this inside the broadcast kernel
// instead of in passes over memory of their own. SgemmFold packs the
// folds straight from x into the kernel's panels (the fold is one add
// per value the packing copies anyway) and alternates the passes over k
// of the even and odd products, so that the odd pack finds the rows of x
// in the cache where the even one left them: x is read from memory once
// and E, O never exist. SgemmUnfold computes, per 48 (AVX2: 16) columns t,
// the even tiles of all rows into a strip and then the odd tiles, whose
// table it reads one column to the left so that both hold the same t,
// and unfolds each odd tile with its strip rows into y (with the bias, or
// added): each product keeps its own panel of B in the level-1 cache, and
// the even and odd sums are never stored. Both follow the plain
// products' passes over k, so their results equal the separate fold,
// products and unfold bit for bit (the later passes over k add with an
// explicit FMA, which makes a tile's result independent of how the
// compiler contracts it where it is inlined).
//
// Measured single-threaded (BenchmarkSgemm, GFLOP per CPU-second, the
// shapes at batch 8, beside OpenBLAS 0.3.21 in the same session): DFT
// analysis 143 (OpenBLAS 95), synthesis 200 (102), convolution 136 (64),
// its input gradient 191 (67), its weight gradient 90–104 (50).
//
// # Without cgo
//
// The pure-Go build has the same kernels in Go assembly
// (sgemm_amd64.s, for amd64 only): the broadcast kernel as 8 × 48 tiles
// on AVX-512 (the column edge masked in the kernel, whole tiles stored
// unmasked, the next panel prefetched by the first row block) and as
// 6 × 16 or 6 × 8 tiles on AVX2 + FMA (a column edge copied into a
// zero-padded panel), A packed by Go code; the dot kernel as 3 × 4 tiles
// on AVX2 for both. Rows past the last whole tile go through a scratch
// tile merged into C by Go code. Each call takes its scratch from a
// free list, so products do not allocate in the steady state.
//
// The assembly is printed by asm_gen.go (go generate), a small
// standard-library Go program, and the output is committed: the kernels
// are a few fixed register tiles unrolled into several hundred repetitive
// instructions, which a loop writes more reliably than a hand, while
// avo (github.com/mmcloughlin/avo), whose register allocation and
// argument loading this code does not need, would add a module to the
// build of the generator. go vet checks the frames and argument names
// against the Go declarations in pure_amd64.go.
//
// Measured as above, alternating with the C build (two runs each, load
// average 7.5): on AVX-512 DFT analysis 132–152 (C 120–164), synthesis
// 188–222 (153–182), convolution 109–191 (97–144), its input gradient
// 111–185 (95–130), its weight gradient 60–74 (80–106); on AVX2 70–77
// (73–76), 93–100 (90–93), 42–43 (28–30), 33–47 (32–38), 53–64 (55–71).
package gemm
