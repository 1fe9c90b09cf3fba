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
			__m256 r = _mm256_mul_ps(va, acc[i][v]);
			__m256 old = full ? _mm256_loadu_ps(ci + 8 * v) : _mm256_maskload_ps(ci + 8 * v, ks[v]);
			if (!first)
				r = _mm256_add_ps(old, r);
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

void noble_nn_avx2(long m, long n, long k, float alpha, const float *a, long rsa, long csa, const float *b,
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
