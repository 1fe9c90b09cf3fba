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
			__m512 r = _mm512_mul_ps(va, acc[i][v]);
			if (full) {
				if (!first)
					r = _mm512_add_ps(_mm512_loadu_ps(ci + 16 * v), r);
				else if (beta != 0)
					r = _mm512_fmadd_ps(vb, _mm512_loadu_ps(ci + 16 * v), r);
				_mm512_storeu_ps(ci + 16 * v, r);
				continue;
			}
			if (!first)
				r = _mm512_add_ps(_mm512_maskz_loadu_ps(ks[v], ci + 16 * v), r);
			else if (beta != 0)
				r = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(ks[v], ci + 16 * v), r);
			_mm512_mask_storeu_ps(ci + 16 * v, ks[v], r);
		}
	}
}

static inline __mmask16 mask(long n) { return n >= 16 ? 0xffff : n <= 0 ? 0 : (__mmask16)((1u << n) - 1); }

void noble_nn_avx512(long m, long n, long k, float alpha, const float *a, long rsa, long csa, const float *b,
		     long ldb, float beta, float *c, long ldc) {
	long mb = (m + MR - 1) / MR, kcmax = noble_kc(k);
	float *ap = noble_scratch(mb * MR * kcmax);
	if (!ap) {
		noble_nn_generic(m, n, k, alpha, a, rsa, csa, b, ldb, beta, c, ldc);
		return;
	}
	for (long p0 = 0; p0 < k; p0 += kcmax) {
		long kc = k - p0 < kcmax ? k - p0 : kcmax;
		int first = p0 == 0;
		noble_pack(ap, MR, m, kc, a + p0 * csa, rsa, csa);
		const float *bp = b + p0 * ldb;
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
