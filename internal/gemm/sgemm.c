//go:build cgo && amd64 && !openblas && !purego

// Dispatch, scratch and the portable kernels of the float32 product (see
// doc.go for the design and sgemm_avx512.c, sgemm_avx2.c for the vector
// kernels).

#include <stdlib.h>
#include "sgemm.h"

enum { ISA_GENERIC = 0, ISA_AVX2 = 1, ISA_AVX512 = 2 };

static int detected, isa;

static int detect(void) {
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
	    __builtin_cpu_supports("avx512dq"))
		return ISA_AVX512;
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return ISA_AVX2;
	return ISA_GENERIC;
}

// noble_gemm_isa returns the instruction set in use (0 portable C, 1 AVX2 +
// FMA, 2 AVX-512) and the best one the CPU supports.
int noble_gemm_isa(int *best) {
	*best = detected;
	return isa;
}

// Detection runs once, before Go calls into C from any thread.
__attribute__((constructor)) static void init(void) { isa = detected = detect(); }

// noble_gemm_set_isa selects an instruction set the CPU supports; it must
// not be called while a product runs. It returns 0, or -1 if unsupported.
int noble_gemm_set_isa(int want) {
	if (want < 0 || want > detected) return -1;
	isa = want;
	return 0;
}

static __thread float *scratch;
static __thread long scratchLen;

float *noble_scratch(long n) {
	if (n > scratchLen) {
		free(scratch);
		scratch = aligned_alloc(64, (size_t)((n + 15) / 16 * 16) * sizeof(float));
		scratchLen = scratch ? n : 0;
	}
	return scratch;
}

void noble_nn_generic(long m, long n, long k, float alpha, const float *a, long rsa, long csa, const float *b,
		      long ldb, float beta, float *c, long ldc) {
	for (long i = 0; i < m; i++) {
		float *restrict ci = c + i * ldc;
		if (beta == 0)
			for (long j = 0; j < n; j++) ci[j] = 0;
		else if (beta != 1)
			for (long j = 0; j < n; j++) ci[j] *= beta;
		for (long p = 0; p < k; p++) {
			float s = alpha * a[i * rsa + p * csa];
			const float *restrict bp = b + p * ldb;
			for (long j = 0; j < n; j++) ci[j] += s * bp[j];
		}
	}
}

void noble_nt_generic(long m, long n, long k, float alpha, const float *a, long lda, const float *b, long ldb,
		      float beta, float *c, long ldc) {
	for (long i = 0; i < m; i++)
		for (long j = 0; j < n; j++) {
			const float *ai = a + i * lda, *bj = b + j * ldb;
			float s[8] = {0};
			long p = 0;
			for (; p + 8 <= k; p += 8)
				for (int q = 0; q < 8; q++) s[q] += ai[p + q] * bj[p + q];
			for (; p < k; p++) s[0] += ai[p] * bj[p];
			float t = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
			c[i * ldc + j] = noble_upd(c[i * ldc + j], t, alpha, beta, 1);
		}
}

// op(A)·op(B) with both transposed: not used by the operator; plain loops.
static void tt_generic(long m, long n, long k, float alpha, const float *a, long lda, const float *b, long ldb,
		       float beta, float *c, long ldc) {
	for (long i = 0; i < m; i++)
		for (long j = 0; j < n; j++) {
			float s = 0;
			for (long p = 0; p < k; p++) s += a[p * lda + i] * b[j * ldb + p];
			c[i * ldc + j] = noble_upd(c[i * ldc + j], s, alpha, beta, 1);
		}
}

static const noble_nn_fn nn[] = {noble_nn_generic, noble_nn_avx2, noble_nn_avx512};
static const noble_nt_fn nt[] = {noble_nt_generic, noble_nt_avx2, noble_nt_avx512};

// noble_sgemm computes C = alpha·op(A)·op(B) + beta·C, row-major, m, n, k ≥ 1.
void noble_sgemm(int ta, int tb, long m, long n, long k, float alpha, const float *a, long lda, const float *b,
		 long ldb, float beta, float *c, long ldc) {
	int s = isa;
	if (!tb) {
		nn[s](m, n, k, alpha, a, ta ? 1 : lda, ta ? lda : 1, b, ldb, beta, c, ldc);
	} else if (!ta) {
		nt[s](m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
	} else {
		tt_generic(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
	}
}
