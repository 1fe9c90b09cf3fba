//go:build cgo && amd64 && !openblas && !purego

// AVX2 + FMA kernels of the float32 product (doc.go): the same two kernels
// as sgemm_avx512.c on 8-lane vectors and 16 registers. Compiled for
// AVX2 whatever the build machine; called only where the CPU has it.

#pragma GCC target("avx2,fma")
#include <immintrin.h>
#include "sgemm.h"

// The broadcast kernel: an MR × 16 tile of C in 12 registers.
#define MR 6

static inline __m256i lanes(long n) {
	static const int src[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
	n = n < 0 ? 0 : n > 8 ? 8 : n;
	return _mm256_loadu_si256((const __m256i *)(src + 8 - n));
}

static inline __attribute__((always_inline)) void tile(const int mr, const int full, long kc,
							const float *restrict ap, const float *restrict b, long ldb,
							__m256i k0, __m256i k1, float *c, long ldc, float alpha,
							float beta, int first) {
	__m256 acc[MR][2];
	#pragma GCC unroll 8
	for (int i = 0; i < mr; i++) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
	for (long p = 0; p < kc; p++) {
		const float *bp = b + p * ldb;
		__m256 b0, b1;
		if (full) {
			b0 = _mm256_loadu_ps(bp);
			b1 = _mm256_loadu_ps(bp + 8);
		} else {
			b0 = _mm256_maskload_ps(bp, k0);
			b1 = _mm256_maskload_ps(bp + 8, k1);
		}
		const float *a = ap + p * MR;
		#pragma GCC unroll 8
		for (int i = 0; i < mr; i++) {
			__m256 ai = _mm256_broadcast_ss(a + i);
			acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
			acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
		}
	}
	__m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
	const __m256i ks[2] = {k0, k1};
	#pragma GCC unroll 8
	for (int i = 0; i < mr; i++) {
		float *ci = c + i * ldc;
		#pragma GCC unroll 8
		for (int v = 0; v < 2; v++) {
			// Later passes add with an explicit FMA (see
			// sgemm_avx512.c).
			__m256 r = _mm256_mul_ps(va, acc[i][v]);
			__m256 old = full ? _mm256_loadu_ps(ci + 8 * v) : _mm256_maskload_ps(ci + 8 * v, ks[v]);
			if (!first)
				r = _mm256_fmadd_ps(va, acc[i][v], old);
			else if (beta != 0)
				r = _mm256_fmadd_ps(vb, old, r);
			if (full)
				_mm256_storeu_ps(ci + 8 * v, r);
			else
				_mm256_maskstore_ps(ci + 8 * v, ks[v], r);
		}
	}
}

#define TILE(mr)                                                                                            \
	case mr:                                                                                            \
		if (full)                                                                                   \
			tile(mr, 1, kc, api, bp + j, ldb, k0, k1, cij, ldc, alpha, beta, first);           \
		else                                                                                        \
			tile(mr, 0, kc, api, bp + j, ldb, k0, k1, cij, ldc, alpha, beta, first);           \
		break;

// panel adds (or, first, sets with beta) alpha·Ap·B to C for one pass of
// kc values of k, A packed into ap (noble_pack, noble_pack_fold).
static void panel(const float *ap, long m, long n, long kc, float alpha, const float *bp, long ldb, float beta,
		  float *c, long ldc, int first) {
	long mb = (m + MR - 1) / MR;
	for (long j = 0; j < n; j += 16) {
		int full = n - j >= 16;
		__m256i k0 = lanes(n - j), k1 = lanes(n - j - 8);
		for (long ib = 0; ib < mb; ib++) {
			const float *api = ap + ib * kc * MR;
			float *cij = c + ib * MR * ldc + j;
			switch (m - ib * MR < MR ? m - ib * MR : MR) {
				TILE(6)
				TILE(5)
				TILE(4)
				TILE(3)
				TILE(2)
			default:
				if (full)
					tile(1, 1, kc, api, bp + j, ldb, k0, k1, cij, ldc, alpha, beta, first);
				else
					tile(1, 0, kc, api, bp + j, ldb, k0, k1, cij, ldc, alpha, beta, first);
			}
		}
	}
}

// nn is the broadcast product, A packed pass by pass into ap
// (mb·MR·noble_kc(k) values).
static void nn(float *ap, long m, long n, long k, float alpha, const float *a, long rsa, long csa, const float *b,
	       long ldb, float beta, float *c, long ldc) {
	long kcmax = noble_kc(k);
	for (long p0 = 0; p0 < k; p0 += kcmax) {
		long kc = k - p0 < kcmax ? k - p0 : kcmax;
		noble_pack(ap, MR, m, kc, a + p0 * csa, rsa, csa);
		panel(ap, m, n, kc, alpha, b + p0 * ldb, ldb, beta, c, ldc, p0 == 0);
	}
}

// fold2 is the fold product: the passes over k of the even and odd
// products alternate, so that the odd pack reads the rows of x the even
// one has just brought into the cache (each pass as in nn: the sums are
// those of the plain products). ap holds mb·MR·(kce + kco) values.
static void fold2(float *ap, long m, long n, long l, float alpha, const float *x, const float *be, long ldbe,
		  const float *bo, long ldbo, float *ce, float *co, long ldc) {
	long ne = l / 2 + 1, h = (l - 1) / 2, kce = noble_kc(ne), kco = h > 0 ? noble_kc(h) : 1;
	float *aq = ap + (m + MR - 1) / MR * MR * kce;
	for (long pe = 0, po = 0; pe < ne || po < h; pe += kce, po += kco) {
		if (pe < ne) {
			long kc = ne - pe < kce ? ne - pe : kce;
			noble_pack_fold(ap, MR, m, pe, kc, x, l, 0);
			panel(ap, m, n, kc, alpha, be + pe * ldbe, ldbe, 0, ce, ldc, pe == 0);
		}
		if (po < h) {
			long kc = h - po < kco ? h - po : kco;
			noble_pack_fold(aq, MR, m, po, kc, x, l, 1);
			panel(aq, m, n, kc, alpha, bo + po * ldbo, ldbo, 0, co, ldc, po == 0);
		}
	}
}

void noble_nn_avx2(long m, long n, long k, float alpha, const float *a, long rsa, long csa, const float *b,
		long ldb, float beta, float *c, long ldc) {
	float *ap = noble_scratch((m + MR - 1) / MR * MR * noble_kc(k));
	if (!ap) {
		noble_nn_generic(m, n, k, alpha, a, rsa, csa, b, ldb, beta, c, ldc);
		return;
	}
	nn(ap, m, n, k, alpha, a, rsa, csa, b, ldb, beta, c, ldc);
}

void noble_fold_avx2(long m, long n, long l, float alpha, const float *x, const float *be, long ldbe,
		const float *bo, long ldbo, float *ce, float *co, long ldc) {
	long h = (l - 1) / 2;
	float *ap = noble_scratch((m + MR - 1) / MR * MR * (noble_kc(l / 2 + 1) + (h > 0 ? noble_kc(h) : 1)));
	if (!ap) {
		noble_fold_generic(m, n, l, alpha, x, be, ldbe, bo, ldbo, ce, co, ldc);
		return;
	}
	fold2(ap, m, n, l, alpha, x, be, ldbe, bo, ldbo, ce, co, ldc);
}

// tile0 is the tile of mr ≤ MR rows that sets (first) or adds to c the
// product alpha·A·B.
static void tile0(int mr, int full, long kc, const float *ap, const float *b, long ldb, __m256i k0, __m256i k1,
		  float *c, long ldc, float alpha, int first) {
	switch (mr) {
	case 6:
		if (full)
			tile(6, 1, kc, ap, b, ldb, k0, k1, c, ldc, alpha, 0, first);
		else
			tile(6, 0, kc, ap, b, ldb, k0, k1, c, ldc, alpha, 0, first);
		break;
	case 5: tile(5, 0, kc, ap, b, ldb, k0, k1, c, ldc, alpha, 0, first); break;
	case 4: tile(4, 0, kc, ap, b, ldb, k0, k1, c, ldc, alpha, 0, first); break;
	case 3: tile(3, 0, kc, ap, b, ldb, k0, k1, c, ldc, alpha, 0, first); break;
	case 2: tile(2, 0, kc, ap, b, ldb, k0, k1, c, ldc, alpha, 0, first); break;
	default: tile(1, 0, kc, ap, b, ldb, k0, k1, c, ldc, alpha, 0, first); break;
	}
}

// noble_unfold_avx2 is noble_unfold_avx512 on 6 × 16 tiles.
void noble_unfold_avx2(long m, long l, long t0, long t1, long k, float alpha, const float *a, long lda,
		       const float *bc, long ldbc, const float *bs, long ldbs, float *y, int add, const float *bias,
		       long per) {
	long h = (l - 1) / 2, mb = (m + MR - 1) / MR;
	float *ap = noble_scratch(2 * mb * MR * k + mb * MR * 16);
	if (!ap) {
		noble_unfold_generic(m, l, t0, t1, k, alpha, a, lda, bc, ldbc, bs, ldbs, y, add, bias, per);
		return;
	}
	// A in the passes over k of noble_nn_*, so that the sums are those of
	// the plain product: the pass at p0 packed at ap + p0·mb·MR.
	float *aq = ap + mb * MR * k;
	long kcmax = noble_kc(k);
	for (long p0 = 0; p0 < k; p0 += kcmax) {
		long kc = k - p0 < kcmax ? k - p0 : kcmax;
		noble_pack(ap + p0 * mb * MR, MR, m, kc, a + p0, lda, 1);
		noble_pack(aq + p0 * mb * MR, MR, m, kc, a + k + p0, lda, 1);
	}
	// The even tiles of all rows first, into a strip (the level-2
	// cache), then the odd tiles, unfolded with the strip: each product
	// keeps its own panel of B in the level-1 cache.
	float *eb = aq + mb * MR * k, ob[MR * 16] __attribute__((aligned(64)));
	for (long j = t0; j < t1; j += 16) {
		long w = t1 - j < 16 ? t1 - j : 16;
		long lo = j == 0, hi = h + 1 - j < w ? h + 1 - j : w;
		int full = w == 16, ofull = full && lo == 0 && hi == 16;
		__m256i e0 = lanes(w), e1 = lanes(w - 8);
		__m256i o0 = _mm256_andnot_si256(lanes(lo), lanes(hi)), o1 = lanes(hi - 8);
		for (long ib = 0; ib < mb; ib++) {
			int mr = m - ib * MR < MR ? (int)(m - ib * MR) : MR;
			for (long p0 = 0; p0 < k; p0 += kcmax) {
				long kc = k - p0 < kcmax ? k - p0 : kcmax, off = p0 * mb * MR + ib * kc * MR;
				tile0(mr, full, kc, ap + off, bc + p0 * ldbc + j, ldbc, e0, e1, eb + ib * MR * 16, 16,
				      alpha, p0 == 0);
			}
		}
		for (long ib = 0; ib < mb; ib++) {
			int mr = m - ib * MR < MR ? (int)(m - ib * MR) : MR;
			if (!ofull)
				for (int q = 0; q < MR * 16; q++) ob[q] = 0;
			for (long p0 = 0; p0 < k; p0 += kcmax) {
				long kc = k - p0 < kcmax ? k - p0 : kcmax, off = p0 * mb * MR + ib * kc * MR;
				tile0(mr, ofull, kc, aq + off, bs + p0 * ldbs + j - 1, ldbs, o0, o1, ob, 16, alpha,
				      p0 == 0);
			}
			for (int i = 0; i < mr; i++) {
				long r = ib * MR + i;
				float bi = bias ? bias[r / per] : 0;
				const float *ei = eb + r * 16;
				noble_unfold_tile(y + r * l, l, j, w, lo, hi, ei, ob + i * 16, bi, add);
			}
		}
	}
}

static inline float hsum(__m256 v) {
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}

// The dot kernel: an mr × 4 tile of C (mr ≤ 3) as 12 vector sums along k.
static inline __attribute__((always_inline)) void dot(const int mr, long kc, const float *const *ar,
						       const float *const *br, int nr, float *c, long ldc,
						       float alpha, float beta, int first) {
	__m256 acc[3][4];
	#pragma GCC unroll 8
	for (int i = 0; i < mr; i++)
		#pragma GCC unroll 8
		for (int j = 0; j < 4; j++) acc[i][j] = _mm256_setzero_ps();
	long p = 0;
	for (; p + 8 <= kc; p += 8) {
		__m256 av[3];
		#pragma GCC unroll 8
		for (int i = 0; i < mr; i++) av[i] = _mm256_loadu_ps(ar[i] + p);
		#pragma GCC unroll 8
		for (int j = 0; j < 4; j++) {
			__m256 bv = _mm256_loadu_ps(br[j] + p);
			#pragma GCC unroll 8
			for (int i = 0; i < mr; i++) acc[i][j] = _mm256_fmadd_ps(av[i], bv, acc[i][j]);
		}
	}
	if (p < kc) {
		__m256i t = lanes(kc - p);
		__m256 av[3];
		#pragma GCC unroll 8
		for (int i = 0; i < mr; i++) av[i] = _mm256_maskload_ps(ar[i] + p, t);
		#pragma GCC unroll 8
		for (int j = 0; j < 4; j++) {
			__m256 bv = _mm256_maskload_ps(br[j] + p, t);
			#pragma GCC unroll 8
			for (int i = 0; i < mr; i++) acc[i][j] = _mm256_fmadd_ps(av[i], bv, acc[i][j]);
		}
	}
	#pragma GCC unroll 8
	for (int i = 0; i < mr; i++)
		#pragma GCC unroll 8
		for (int j = 0; j < nr; j++) {
			float *cij = c + i * ldc + j;
			*cij = noble_upd(*cij, hsum(acc[i][j]), alpha, beta, first);
		}
}

void noble_nt_avx2(long m, long n, long k, float alpha, const float *a, long lda, const float *b, long ldb,
		   float beta, float *c, long ldc) {
	for (long p0 = 0; p0 < k; p0 += NOBLE_KCD) {
		long kc = k - p0 < NOBLE_KCD ? k - p0 : NOBLE_KCD;
		int first = p0 == 0;
		for (long i = 0; i < m; i += 3) {
			long mr = m - i < 3 ? m - i : 3;
			const float *ar[3];
			for (long q = 0; q < 3; q++) ar[q] = a + (i + (q < mr ? q : 0)) * lda + p0;
			for (long j = 0; j < n; j += 4) {
				int nr = n - j < 4 ? (int)(n - j) : 4;
				const float *br[4];
				#pragma GCC unroll 8
				for (int q = 0; q < 4; q++) br[q] = b + (j + (q < nr ? q : 0)) * ldb + p0;
				float *cij = c + i * ldc + j;
				switch (mr) {
				case 3: dot(3, kc, ar, br, nr, cij, ldc, alpha, beta, first); break;
				case 2: dot(2, kc, ar, br, nr, cij, ldc, alpha, beta, first); break;
				default: dot(1, kc, ar, br, nr, cij, ldc, alpha, beta, first); break;
				}
			}
		}
	}
}
