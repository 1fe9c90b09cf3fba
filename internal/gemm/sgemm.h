// Shared declarations of the float32 kernels of package gemm (see doc.go).

#ifndef NOBLE_SGEMM_H
#define NOBLE_SGEMM_H

// The row-major product C = alpha·op(A)·op(B) + beta·C with A's elements
// addressed as a[i·rsa + p·csa] (so that op(A) = A and op(A) = Aᵀ are the
// same call) and B = op(B) stored row-major [k][n] with row stride ldb.
// beta = 0 does not read C.
typedef void (*noble_nn_fn)(long m, long n, long k, float alpha, const float *a, long rsa, long csa,
			    const float *b, long ldb, float beta, float *c, long ldc);

// C = alpha·A·Bᵀ + beta·C with A [m][k] and B [n][k] row-major: dot
// products along k, for the weight gradients, whose k is the batch·length
// of the activations.
typedef void (*noble_nt_fn)(long m, long n, long k, float alpha, const float *a, long lda, const float *b,
			    long ldb, float beta, float *c, long ldc);

void noble_nn_generic(long m, long n, long k, float alpha, const float *a, long rsa, long csa, const float *b,
		      long ldb, float beta, float *c, long ldc);
void noble_nt_generic(long m, long n, long k, float alpha, const float *a, long lda, const float *b, long ldb,
		      float beta, float *c, long ldc);
void noble_nn_avx2(long m, long n, long k, float alpha, const float *a, long rsa, long csa, const float *b,
		   long ldb, float beta, float *c, long ldc);
void noble_nt_avx2(long m, long n, long k, float alpha, const float *a, long lda, const float *b, long ldb,
		   float beta, float *c, long ldc);
void noble_nn_avx512(long m, long n, long k, float alpha, const float *a, long rsa, long csa, const float *b,
		     long ldb, float beta, float *c, long ldc);
void noble_nt_avx512(long m, long n, long k, float alpha, const float *a, long lda, const float *b, long ldb,
		     float beta, float *c, long ldc);

// Scratch for packed blocks of A, one per thread, grown on demand; NULL
// when memory is exhausted.
float *noble_scratch(long n);

// Blocking: KC values of k per pass over C, so that a micro-panel of B
// (KC × the kernel's width) stays in the level-1 cache while every row
// block of A streams past it; KCD values of k per pass of the dot kernel,
// so that its rows of A and B stay in the level-2 cache.
#define NOBLE_KC 160
#define NOBLE_KCD 2048

// C tile update after one pass over k: the first pass applies beta (0:
// C is not read), later ones add.
static inline float noble_upd(float c, float s, float alpha, float beta, int first) {
	if (!first) return c + alpha * s;
	if (beta == 0) return alpha * s;
	return beta * c + alpha * s;
}

// Splits k into passes of at most NOBLE_KC values, as even as possible (a
// k of 129 is one pass, not 128 + 1).
static inline long noble_kc(long k) {
	long passes = (k + NOBLE_KC - 1) / NOBLE_KC;
	return (k + passes - 1) / passes;
}

// Packs rows [0, m) × columns [0, kc) of A (a[i·rsa + p·csa]) into blocks
// of mr rows, [m/mr][kc][mr], the rows past m zero.
static inline void noble_pack(float *restrict dst, int mr, long m, long kc, const float *a, long rsa, long csa) {
	for (long i0 = 0; i0 < m; i0 += mr) {
		long r = m - i0 < mr ? m - i0 : mr;
		for (long p = 0; p < kc; p++) {
			const float *ap = a + i0 * rsa + p * csa;
			long q = 0;
			for (; q < r; q++) dst[q] = ap[q * rsa];
			for (; q < mr; q++) dst[q] = 0;
			dst += mr;
		}
	}
}

#endif
