//go:build cgo && amd64 && !openblas && !purego

// AVX-512 kernels of the float32 product (doc.go). Compiled for AVX-512
// whatever the build machine; called only where the CPU has it.

#pragma GCC target("avx512f,avx512vl,avx512dq,avx2,fma")
#include <immintrin.h>
#include "sgemm.h"

// The broadcast kernel: an MR × 48 tile of C in 24 registers; per k, three
// vectors of a row of B and MR broadcasts of a column of packed A.
#define MR 8

// With full, the tile is 48 columns wide and its loads are not masked;
// with pf, the kernel also prefetches the next 48 columns of B (the first
// row block of a panel brings it in for the others: B's rows are far apart
// when B is a batch of activations, too many streams for the hardware
// prefetcher).
static inline __attribute__((always_inline)) void tile(const int mr, const int full, const int pf, long kc,
							const float *restrict ap, const float *restrict b, long ldb,
							__mmask16 k0, __mmask16 k1, __mmask16 k2, float *c, long ldc,
							float alpha, float beta, int first) {
	__m512 acc[MR][3];
	#pragma GCC unroll 8
	for (int i = 0; i < mr; i++) acc[i][0] = acc[i][1] = acc[i][2] = _mm512_setzero_ps();
	for (long p = 0; p < kc; p++) {
		const float *bp = b + p * ldb;
		__m512 b0, b1, b2;
		if (full) {
			b0 = _mm512_loadu_ps(bp);
			b1 = _mm512_loadu_ps(bp + 16);
			b2 = _mm512_loadu_ps(bp + 32);
		} else {
			b0 = _mm512_maskz_loadu_ps(k0, bp);
			b1 = _mm512_maskz_loadu_ps(k1, bp + 16);
			b2 = _mm512_maskz_loadu_ps(k2, bp + 32);
		}
		if (pf) {
			_mm_prefetch((const char *)(bp + 48), _MM_HINT_T0);
			_mm_prefetch((const char *)(bp + 64), _MM_HINT_T0);
			_mm_prefetch((const char *)(bp + 80), _MM_HINT_T0);
		}
		const float *a = ap + p * MR;
		#pragma GCC unroll 8
		for (int i = 0; i < mr; i++) {
			__m512 ai = _mm512_set1_ps(a[i]);
			acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
			acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
			acc[i][2] = _mm512_fmadd_ps(ai, b2, acc[i][2]);
		}
	}
	__m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
	const __mmask16 ks[3] = {k0, k1, k2};
	#pragma GCC unroll 8
	for (int i = 0; i < mr; i++) {
		float *ci = c + i * ldc;
		#pragma GCC unroll 8
		for (int v = 0; v < 3; v++) {
			// Later passes add with an explicit FMA: whether the
			// compiler would contract a multiply and add depends on
			// the caller it is inlined into, and the fused products
			// (noble_unfold_avx512) must sum as the plain ones.
			__m512 r = _mm512_mul_ps(va, acc[i][v]);
			if (full) {
				if (!first)
					r = _mm512_fmadd_ps(va, acc[i][v], _mm512_loadu_ps(ci + 16 * v));
				else if (beta != 0)
					r = _mm512_fmadd_ps(vb, _mm512_loadu_ps(ci + 16 * v), r);
				_mm512_storeu_ps(ci + 16 * v, r);
				continue;
			}
			if (!first)
				r = _mm512_fmadd_ps(va, acc[i][v], _mm512_maskz_loadu_ps(ks[v], ci + 16 * v));
			else if (beta != 0)
				r = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(ks[v], ci + 16 * v), r);
			_mm512_mask_storeu_ps(ci + 16 * v, ks[v], r);
		}
	}
}

static inline __mmask16 mask(long n) { return n >= 16 ? 0xffff : n <= 0 ? 0 : (__mmask16)((1u << n) - 1); }

// panel adds (or, first, sets with beta) alpha·Ap·B to C for one pass of
// kc values of k, A packed into ap (noble_pack, noble_pack_fold).
static void panel(const float *ap, long m, long n, long kc, float alpha, const float *bp, long ldb, float beta,
		  float *c, long ldc, int first) {
	long mb = (m + MR - 1) / MR;
	for (long j = 0; j < n; j += 48) {
		__mmask16 k0 = mask(n - j), k1 = mask(n - j - 16), k2 = mask(n - j - 32);
		int full = n - j >= 48, pf = n - j >= 96;
		for (long ib = 0; ib < mb; ib++) {
			const float *api = ap + ib * kc * MR;
			float *cij = c + ib * MR * ldc + j;
			int mr = m - ib * MR < MR ? (int)(m - ib * MR) : MR;
			if (full && mr == MR) {
				if (pf && ib == 0)
					tile(MR, 1, 1, kc, api, bp + j, ldb, k0, k1, k2, cij, ldc, alpha, beta, first);
				else
					tile(MR, 1, 0, kc, api, bp + j, ldb, k0, k1, k2, cij, ldc, alpha, beta, first);
				continue;
			}
			switch (mr) {
			case 8: tile(8, 0, 0, kc, api, bp + j, ldb, k0, k1, k2, cij, ldc, alpha, beta, first); break;
			case 7: tile(7, 0, 0, kc, api, bp + j, ldb, k0, k1, k2, cij, ldc, alpha, beta, first); break;
			case 6: tile(6, 0, 0, kc, api, bp + j, ldb, k0, k1, k2, cij, ldc, alpha, beta, first); break;
			case 5: tile(5, 0, 0, kc, api, bp + j, ldb, k0, k1, k2, cij, ldc, alpha, beta, first); break;
			case 4: tile(4, 0, 0, kc, api, bp + j, ldb, k0, k1, k2, cij, ldc, alpha, beta, first); break;
			case 3: tile(3, 0, 0, kc, api, bp + j, ldb, k0, k1, k2, cij, ldc, alpha, beta, first); break;
			case 2: tile(2, 0, 0, kc, api, bp + j, ldb, k0, k1, k2, cij, ldc, alpha, beta, first); break;
			default: tile(1, 0, 0, kc, api, bp + j, ldb, k0, k1, k2, cij, ldc, alpha, beta, first); break;
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

// pack_fold is noble_pack_fold for MR = 8 with the interior of each whole
// block of rows in vectors: per 8 values of k, the 8 rows' values at both
// ends (the far end reversed), their sums or differences, and an 8 × 8
// transpose into the panel's order, 8 stores instead of 64.
static void pack_fold(float *restrict dst, long m, long p0, long kc, const float *x, long l, int odd) {
	const __m256i rev = _mm256_set_epi32(0, 1, 2, 3, 4, 5, 6, 7);
	long lo = odd ? 0 : 1, hi = (l - 1) / 2 + (odd ? 0 : 1), s = odd; // x[P+s] ± x[l−P−s]
	long a = lo > p0 ? lo - p0 : 0, b = hi - p0 < kc ? hi - p0 : kc;
	long mw = m / MR * MR;
	for (long i0 = 0; i0 < mw; i0 += MR) {
		for (long q = i0 + MR; q < i0 + 2 * MR && q < m; q++) {
			const char *f = (const char *)(x + q * l + p0), *g = (const char *)(x + q * l + l - p0 - kc);
			for (long off = 0; off < (kc + 1) * 4; off += 64) {
				__builtin_prefetch(f + off);
				__builtin_prefetch(g + off);
			}
		}
		const float *xr = x + i0 * l;
		long p = 0;
		for (; p < a && p < kc; p++)
			for (int q = 0; q < MR; q++) dst[p * MR + q] = noble_fold_at(xr + q * l, l, odd, p0 + p);
		for (; p + 8 <= b; p += 8) {
			long t = p0 + p + s;
			__m256 v[MR];
			#pragma GCC unroll 8
			for (int q = 0; q < MR; q++) {
				const float *r = xr + q * l;
				__m256 f = _mm256_loadu_ps(r + t);
				__m256 g = _mm256_permutevar8x32_ps(_mm256_loadu_ps(r + l - t - 7), rev);
				v[q] = odd ? _mm256_sub_ps(f, g) : _mm256_add_ps(f, g);
			}
			__m256 t0 = _mm256_unpacklo_ps(v[0], v[1]), t1 = _mm256_unpackhi_ps(v[0], v[1]);
			__m256 t2 = _mm256_unpacklo_ps(v[2], v[3]), t3 = _mm256_unpackhi_ps(v[2], v[3]);
			__m256 t4 = _mm256_unpacklo_ps(v[4], v[5]), t5 = _mm256_unpackhi_ps(v[4], v[5]);
			__m256 t6 = _mm256_unpacklo_ps(v[6], v[7]), t7 = _mm256_unpackhi_ps(v[6], v[7]);
			__m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
			__m256 u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
			__m256 u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
			__m256 u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
			__m256 u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
			__m256 u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
			__m256 u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
			__m256 u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
			float *d = dst + p * MR;
			_mm256_storeu_ps(d + 0 * MR, _mm256_permute2f128_ps(u0, u4, 0x20));
			_mm256_storeu_ps(d + 1 * MR, _mm256_permute2f128_ps(u1, u5, 0x20));
			_mm256_storeu_ps(d + 2 * MR, _mm256_permute2f128_ps(u2, u6, 0x20));
			_mm256_storeu_ps(d + 3 * MR, _mm256_permute2f128_ps(u3, u7, 0x20));
			_mm256_storeu_ps(d + 4 * MR, _mm256_permute2f128_ps(u0, u4, 0x31));
			_mm256_storeu_ps(d + 5 * MR, _mm256_permute2f128_ps(u1, u5, 0x31));
			_mm256_storeu_ps(d + 6 * MR, _mm256_permute2f128_ps(u2, u6, 0x31));
			_mm256_storeu_ps(d + 7 * MR, _mm256_permute2f128_ps(u3, u7, 0x31));
		}
		for (; p < kc; p++)
			for (int q = 0; q < MR; q++) dst[p * MR + q] = noble_fold_at(xr + q * l, l, odd, p0 + p);
		dst += kc * MR;
	}
	if (mw < m) noble_pack_fold(dst, MR, m - mw, p0, kc, x + mw * l, l, odd);
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
			pack_fold(ap, m, pe, kc, x, l, 0);
			panel(ap, m, n, kc, alpha, be + pe * ldbe, ldbe, 0, ce, ldc, pe == 0);
		}
		if (po < h) {
			long kc = h - po < kco ? h - po : kco;
			pack_fold(aq, m, po, kc, x, l, 1);
			panel(aq, m, n, kc, alpha, bo + po * ldbo, ldbo, 0, co, ldc, po == 0);
		}
	}
}

void noble_nn_avx512(long m, long n, long k, float alpha, const float *a, long rsa, long csa, const float *b,
		long ldb, float beta, float *c, long ldc) {
	float *ap = noble_scratch((m + MR - 1) / MR * MR * noble_kc(k));
	if (!ap) {
		noble_nn_generic(m, n, k, alpha, a, rsa, csa, b, ldb, beta, c, ldc);
		return;
	}
	nn(ap, m, n, k, alpha, a, rsa, csa, b, ldb, beta, c, ldc);
}

void noble_fold_avx512(long m, long n, long l, float alpha, const float *x, const float *be, long ldbe,
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
// product alpha·A·B; with pf it prefetches the next 48 columns of B (see
// tile).
static void tile0(int mr, int full, int pf, long kc, const float *ap, const float *b, long ldb, __mmask16 k0,
		  __mmask16 k1, __mmask16 k2, float *c, long ldc, float alpha, int first) {
	if (full && mr == MR) {
		if (pf)
			tile(MR, 1, 1, kc, ap, b, ldb, k0, k1, k2, c, ldc, alpha, 0, first);
		else
			tile(MR, 1, 0, kc, ap, b, ldb, k0, k1, k2, c, ldc, alpha, 0, first);
		return;
	}
	switch (mr) {
	case 8: tile(8, 0, 0, kc, ap, b, ldb, k0, k1, k2, c, ldc, alpha, 0, first); break;
	case 7: tile(7, 0, 0, kc, ap, b, ldb, k0, k1, k2, c, ldc, alpha, 0, first); break;
	case 6: tile(6, 0, 0, kc, ap, b, ldb, k0, k1, k2, c, ldc, alpha, 0, first); break;
	case 5: tile(5, 0, 0, kc, ap, b, ldb, k0, k1, k2, c, ldc, alpha, 0, first); break;
	case 4: tile(4, 0, 0, kc, ap, b, ldb, k0, k1, k2, c, ldc, alpha, 0, first); break;
	case 3: tile(3, 0, 0, kc, ap, b, ldb, k0, k1, k2, c, ldc, alpha, 0, first); break;
	case 2: tile(2, 0, 0, kc, ap, b, ldb, k0, k1, k2, c, ldc, alpha, 0, first); break;
	default: tile(1, 0, 0, kc, ap, b, ldb, k0, k1, k2, c, ldc, alpha, 0, first); break;
	}
}

// unfold48 is noble_unfold_tile for a whole tile (48 values both ways).
static inline void unfold48(float *yr, long l, long j, const float *e, const float *o, float b, int add) {
	const __m512i rev = _mm512_set_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	__m512 vb = _mm512_set1_ps(b);
	#pragma GCC unroll 3
	for (int v = 0; v < 3; v++) {
		__m512 ev = _mm512_loadu_ps(e + 16 * v), ov = _mm512_loadu_ps(o + 16 * v);
		__m512 f = _mm512_add_ps(_mm512_add_ps(ev, ov), vb);
		__m512 g = _mm512_permutexvar_ps(rev, _mm512_add_ps(_mm512_sub_ps(ev, ov), vb));
		float *pf = yr + j + 16 * v, *pb = yr + l - j - 16 * v - 15;
		if (add) {
			f = _mm512_add_ps(_mm512_loadu_ps(pf), f);
			g = _mm512_add_ps(_mm512_loadu_ps(pb), g);
		}
		_mm512_storeu_ps(pf, f);
		_mm512_storeu_ps(pb, g);
	}
}

// noble_unfold_avx512: per 48 columns t and 8 rows, the even tile and the
// odd tile (its B read one column to the left, so that both hold the
// same t) in one pass over k each, then unfolded into y from the level-1
// cache: E and O are never stored.
void noble_unfold_avx512(long m, long l, long t0, long t1, long k, float alpha, const float *a, long lda,
			 const float *bc, long ldbc, const float *bs, long ldbs, float *y, int add, const float *bias,
			 long per) {
	long h = (l - 1) / 2, mb = (m + MR - 1) / MR;
	float *ap = noble_scratch(2 * mb * MR * k + mb * MR * 48);
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
	float *eb = aq + mb * MR * k, ob[MR * 48] __attribute__((aligned(64)));
	for (long j = t0; j < t1; j += 48) {
		long w = t1 - j < 48 ? t1 - j : 48;
		long lo = j == 0, hi = h + 1 - j < w ? h + 1 - j : w;
		int full = w == 48, ofull = full && lo == 0 && hi == 48;
		__mmask16 e0 = mask(w), e1 = mask(w - 16), e2 = mask(w - 32);
		__mmask16 o0 = mask(hi) & ~mask(lo), o1 = mask(hi - 16), o2 = mask(hi - 32);
		for (long ib = 0; ib < mb; ib++) {
			int mr = m - ib * MR < MR ? (int)(m - ib * MR) : MR;
			for (long p0 = 0; p0 < k; p0 += kcmax) {
				long kc = k - p0 < kcmax ? k - p0 : kcmax, off = p0 * mb * MR + ib * kc * MR;
				tile0(mr, full, ib == 0 && t1 - j >= 96, kc, ap + off, bc + p0 * ldbc + j, ldbc, e0, e1,
				      e2, eb + ib * MR * 48, 48, alpha, p0 == 0);
			}
		}
		for (long ib = 0; ib < mb; ib++) {
			int mr = m - ib * MR < MR ? (int)(m - ib * MR) : MR;
			if (!ofull)
				for (int q = 0; q < MR * 48; q++) ob[q] = 0;
			for (long p0 = 0; p0 < k; p0 += kcmax) {
				long kc = k - p0 < kcmax ? k - p0 : kcmax, off = p0 * mb * MR + ib * kc * MR;
				tile0(mr, ofull, ib == 0 && h + 1 - j >= 96, kc, aq + off, bs + p0 * ldbs + j - 1, ldbs,
				      o0, o1, o2, ob, 48, alpha, p0 == 0);
			}
			for (int i = 0; i < mr; i++) {
				long r = ib * MR + i;
				float bi = bias ? bias[r / per] : 0;
				const float *ei = eb + r * 48;
				if (ofull)
					unfold48(y + r * l, l, j, ei, ob + i * 48, bi, add);
				else
					noble_unfold_tile(y + r * l, l, j, w, lo, hi, ei, ob + i * 48, bi, add);
			}
		}
	}
}

// The dot kernel: an mr × 6 tile of C (mr ≤ 4) as 24 vector sums along k,
// four rows of A and six of B loaded per 16 values of k; the sums are
// reduced once per pass of NOBLE_KCD values.
static inline __attribute__((always_inline)) void dot(const int mr, long kc, const float *const *ar,
						       const float *const *br, int nr, float *c, long ldc,
						       float alpha, float beta, int first) {
	__m512 acc[4][6];
	#pragma GCC unroll 8
	for (int i = 0; i < mr; i++)
		#pragma GCC unroll 8
		for (int j = 0; j < 6; j++) acc[i][j] = _mm512_setzero_ps();
	long p = 0;
	for (; p + 16 <= kc; p += 16) {
		__m512 av[4];
		#pragma GCC unroll 8
		for (int i = 0; i < mr; i++) av[i] = _mm512_loadu_ps(ar[i] + p);
		#pragma GCC unroll 8
		for (int j = 0; j < 6; j++) {
			__m512 bv = _mm512_loadu_ps(br[j] + p);
			#pragma GCC unroll 8
			for (int i = 0; i < mr; i++) acc[i][j] = _mm512_fmadd_ps(av[i], bv, acc[i][j]);
		}
	}
	if (p < kc) {
		__mmask16 t = mask(kc - p);
		__m512 av[4];
		#pragma GCC unroll 8
		for (int i = 0; i < mr; i++) av[i] = _mm512_maskz_loadu_ps(t, ar[i] + p);
		#pragma GCC unroll 8
		for (int j = 0; j < 6; j++) {
			__m512 bv = _mm512_maskz_loadu_ps(t, br[j] + p);
			#pragma GCC unroll 8
			for (int i = 0; i < mr; i++) acc[i][j] = _mm512_fmadd_ps(av[i], bv, acc[i][j]);
		}
	}
	#pragma GCC unroll 8
	for (int i = 0; i < mr; i++)
		#pragma GCC unroll 8
		for (int j = 0; j < nr; j++) {
			float *cij = c + i * ldc + j;
			*cij = noble_upd(*cij, _mm512_reduce_add_ps(acc[i][j]), alpha, beta, first);
		}
}

void noble_nt_avx512(long m, long n, long k, float alpha, const float *a, long lda, const float *b, long ldb,
		     float beta, float *c, long ldc) {
	for (long p0 = 0; p0 < k; p0 += NOBLE_KCD) {
		long kc = k - p0 < NOBLE_KCD ? k - p0 : NOBLE_KCD;
		int first = p0 == 0;
		for (long i = 0; i < m; i += 4) {
			long mr = m - i < 4 ? m - i : 4;
			const float *ar[4];
			for (long q = 0; q < 4; q++) ar[q] = a + (i + (q < mr ? q : 0)) * lda + p0;
			for (long j = 0; j < n; j += 6) {
				int nr = n - j < 6 ? (int)(n - j) : 6;
				const float *br[6];
				#pragma GCC unroll 8
				for (int q = 0; q < 6; q++) br[q] = b + (j + (q < nr ? q : 0)) * ldb + p0;
				float *cij = c + i * ldc + j;
				switch (mr) {
				case 4: dot(4, kc, ar, br, nr, cij, ldc, alpha, beta, first); break;
				case 3: dot(3, kc, ar, br, nr, cij, ldc, alpha, beta, first); break;
				case 2: dot(2, kc, ar, br, nr, cij, ldc, alpha, beta, first); break;
				default: dot(1, kc, ar, br, nr, cij, ldc, alpha, beta, first); break;
				}
			}
		}
	}
}
