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

// fold1 is the fold product of noble_nn_generic: the same sums in the
// same order, the fold computed where A is read.
static void fold1(int odd, long m, long n, long l, float alpha, const float *x, const float *b, long ldb, float *c,
		  long ldc) {
	long k = odd ? (l - 1) / 2 : l / 2 + 1;
	for (long i = 0; i < m; i++) {
		float *restrict ci = c + i * ldc;
		const float *xr = x + i * l;
		for (long j = 0; j < n; j++) ci[j] = 0;
		for (long p = 0; p < k; p++) {
			float s = alpha * noble_fold_at(xr, l, odd, p);
			const float *restrict bp = b + p * ldb;
			for (long j = 0; j < n; j++) ci[j] += s * bp[j];
		}
	}
}

void noble_fold_generic(long m, long n, long l, float alpha, const float *x, const float *be, long ldbe,
			const float *bo, long ldbo, float *ce, float *co, long ldc) {
	fold1(0, m, n, l, alpha, x, be, ldbe, ce, ldc);
	fold1(1, m, n, l, alpha, x, bo, ldbo, co, ldc);
}

// noble_unfold_generic is the unfolding synthesis on the sums of
// noble_nn_generic, one row at a time in scratch.
void noble_unfold_generic(long m, long l, long t0, long t1, long k, float alpha, const float *a, long lda,
			  const float *bc, long ldbc, const float *bs, long ldbs, float *y, int add, const float *bias,
			  long per) {
	long h = (l - 1) / 2, w = t1 - t0;
	float *e = noble_scratch(2 * (w + 1));
	if (!e) abort();
	float *o = e + w + 1;
	long lo = t0 == 0 ? 1 : 0, hi = h + 1 - t0 < w ? h + 1 - t0 : w;
	for (long i = 0; i < m; i++) {
		const float *ai = a + i * lda;
		for (long q = 0; q < w; q++) e[q] = o[q] = 0;
		for (long p = 0; p < k; p++) {
			float s = alpha * ai[p], u = alpha * ai[k + p];
			const float *restrict cp = bc + p * ldbc + t0, *restrict sp = bs + p * ldbs + t0 - 1;
			for (long q = 0; q < w; q++) e[q] += s * cp[q];
			for (long q = lo; q < hi; q++) o[q] += u * sp[q];
		}
		noble_unfold_tile(y + i * l, l, t0, w, lo, hi, e, o, bias ? bias[i / per] : 0, add);
	}
}

static const noble_fold_fn fold[] = {noble_fold_generic, noble_fold_avx2, noble_fold_avx512};
static const noble_unfold_fn unfold[] = {noble_unfold_generic, noble_unfold_avx2, noble_unfold_avx512};

// noble_sgemm_fold sets Ce = alpha·E·Be and Co = alpha·O·Bo, E and O being
// the even (ke = l/2 + 1 columns) and odd (ko = (l−1)/2) folds of the m
// rows of x (stride l), Be [ke][n] and Bo [ko][n] row-major, Ce and Co
// with row stride ldc: the analysis of fno's folded DFT, the fold done
// while A is packed. m, n ≥ 1, l ≥ 1; Co is not written if ko = 0.
void noble_sgemm_fold(long m, long n, long l, float alpha, const float *x, const float *be, long ldbe,
		      const float *bo, long ldbo, float *ce, float *co, long ldc) {
	fold[isa](m, n, l, alpha, x, be, ldbe, bo, ldbo, ce, co, ldc);
}

// noble_sgemm_unfold computes, for the m rows of A = [Re | Im] ([m][2k],
// row stride lda), the even sums E = alpha·Re·Bc (Bc [k][ne]) and the odd
// sums O = alpha·Im·Bs (Bs [k][h]) at the columns t in [t0, t1) (t1 ≤ ne)
// and stores them unfolded into y ([m][l]): y[t] = (E_t + O_(t−1)) + b,
// y[l−t] = (E_t − O_(t−1)) + b (the O term absent at t = 0 and t > h),
// set, or added with add; b = bias[i/per] for row i, 0 without bias.
void noble_sgemm_unfold(long m, long l, long t0, long t1, long k, float alpha, const float *a, long lda,
			const float *bc, long ldbc, const float *bs, long ldbs, float *y, int add, const float *bias,
			long per) {
	unfold[isa](m, l, t0, t1, k, alpha, a, lda, bc, ldbc, bs, ldbs, y, add, bias, per);
}
