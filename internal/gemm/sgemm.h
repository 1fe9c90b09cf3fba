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

// The folded DFT operands of package fno (its type dft): for a row x of
// length l and h = (l−1)/2, the even fold E = [x0, x1+x(l−1), …,
// xh+x(l−h), (x(l/2) if l is even)] and the odd fold O = [x1−x(l−1), …,
// xh−x(l−h)]. noble_fold_at returns column p of E (odd = 0) or O (odd = 1).
static inline float noble_fold_at(const float *xr, long l, int odd, long p) {
	if (odd) return xr[p + 1] - xr[l - p - 1];
	if (p == 0) return xr[0];
	if (2 * p >= l) return xr[l / 2];
	return xr[p] + xr[l - p];
}

// Packs rows [0, m) × columns [p0, p0 + kc) of the even or odd fold of
// the rows of x (stride l) into blocks of mr rows, as noble_pack: the fold
// happens here, while the rows are read for packing anyway.
static inline void noble_pack_fold(float *restrict dst, int mr, long m, long p0, long kc, const float *x, long l,
				   int odd) {
	for (long i0 = 0; i0 < m; i0 += mr) {
		long r = m - i0 < mr ? m - i0 : mr;
		// The rows are far apart and each is read only kc values at
		// both ends, too short for the hardware prefetcher: fetch the
		// next block's while this one is packed.
		for (long q = i0 + mr; q < i0 + 2 * mr && q < m; q++) {
			const char *f = (const char *)(x + q * l + p0), *b = (const char *)(x + q * l + l - p0 - kc);
			for (long off = 0; off < (kc + 1) * 4; off += 64) {
				__builtin_prefetch(f + off);
				__builtin_prefetch(b + off);
			}
		}
		for (long q = 0; q < mr; q++) {
			float *restrict d = dst + q;
			if (q >= r) {
				for (long p = 0; p < kc; p++) d[p * mr] = 0;
				continue;
			}
			const float *xr = x + (i0 + q) * l;
			long p = 0;
			// The interior of the fold, two rows of x read in opposite
			// directions; the ends (x0 and x(l/2) of E) one by one.
			long lo = odd ? 0 : 1, hi = (l - 1) / 2 + (odd ? 0 : 1);
			long a = lo > p0 ? lo - p0 : 0, b = hi - p0 < kc ? hi - p0 : kc;
			for (; p < a && p < kc; p++) d[p * mr] = noble_fold_at(xr, l, odd, p0 + p);
			if (odd)
				for (; p < b; p++) d[p * mr] = xr[p0 + p + 1] - xr[l - p0 - p - 1];
			else
				for (; p < b; p++) d[p * mr] = xr[p0 + p] + xr[l - p0 - p];
			for (; p < kc; p++) d[p * mr] = noble_fold_at(xr, l, odd, p0 + p);
		}
		dst += kc * mr;
	}
}

// Unfolds the products of one tile into one row yr of length l: with
// e[q] and o[q] the even and odd sums at t = j + q (o zero where the odd
// part has no column, t = 0 and t > h), sets (or, with add, adds to)
// yr[t] = (e+o)+b for q < w and yr[l−t] = (e−o)+b for q in [lo, hi).
static inline void noble_unfold_tile(float *yr, long l, long j, long w, long lo, long hi, const float *restrict e,
				     const float *restrict o, float b, int add) {
	float *restrict yf = yr + j, *restrict yb = yr + l - j;
	if (add) {
		for (long q = 0; q < w; q++) yf[q] += (e[q] + o[q]) + b;
		for (long q = lo; q < hi; q++) yb[-q] += (e[q] - o[q]) + b;
	} else {
		for (long q = 0; q < w; q++) yf[q] = (e[q] + o[q]) + b;
		for (long q = lo; q < hi; q++) yb[-q] = (e[q] - o[q]) + b;
	}
}

// The fused products of the folded DFT (doc.go): the even and odd
// analysis products Ce = alpha·E·Be, Co = alpha·O·Bo of the m rows of x
// (see noble_sgemm_fold in sgemm.c), and the unfolding synthesis of the
// columns t in [t0, t1) (noble_sgemm_unfold).
typedef void (*noble_fold_fn)(long m, long n, long l, float alpha, const float *x, const float *be, long ldbe,
			      const float *bo, long ldbo, float *ce, float *co, long ldc);
typedef void (*noble_unfold_fn)(long m, long l, long t0, long t1, long k, float alpha, const float *a, long lda,
				const float *bc, long ldbc, const float *bs, long ldbs, float *y, int add,
				const float *bias, long per);

void noble_fold_generic(long m, long n, long l, float alpha, const float *x, const float *be, long ldbe,
			const float *bo, long ldbo, float *ce, float *co, long ldc);
void noble_unfold_generic(long m, long l, long t0, long t1, long k, float alpha, const float *a, long lda,
			  const float *bc, long ldbc, const float *bs, long ldbs, float *y, int add, const float *bias,
			  long per);
void noble_fold_avx2(long m, long n, long l, float alpha, const float *x, const float *be, long ldbe,
		const float *bo, long ldbo, float *ce, float *co, long ldc);
void noble_unfold_avx2(long m, long l, long t0, long t1, long k, float alpha, const float *a, long lda,
		       const float *bc, long ldbc, const float *bs, long ldbs, float *y, int add, const float *bias,
		       long per);
void noble_fold_avx512(long m, long n, long l, float alpha, const float *x, const float *be, long ldbe,
		const float *bo, long ldbo, float *ce, float *co, long ldc);
void noble_unfold_avx512(long m, long l, long t0, long t1, long k, float alpha, const float *a, long lda,
			 const float *bc, long ldbc, const float *bs, long ldbs, float *y, int add, const float *bias,
			 long per);

#endif
