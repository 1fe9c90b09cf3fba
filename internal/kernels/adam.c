//go:build cgo && !purego

// The optimizer updates of package fno (see fno.Adam.Update for the
// formulas): one pass over the 1.8 million parameters per step, the bulk of
// a step's serial part. Every operation rounds to float32 as in the Go code
// (no contraction into FMA; sqrt and division are correctly rounded in
// both), so the results are the same bits with and without cgo
// (TestAdamExact). The vector loops are AVX2 intrinsics: GCC vectorizes
// sqrtf only under -fno-math-errno, a flag cgo does not accept.

#pragma GCC optimize("no-trapping-math", "fp-contract=off")

#include <immintrin.h>

static int avx2;
__attribute__((constructor)) static void init(void) {
	__builtin_cpu_init();
	avx2 = __builtin_cpu_supports("avx2");
}

static inline float adam1(float *p, const float *g, float *m, float *v, long i, float step, float bc2sqrt,
			  float w1, float b2, float w2, float eps, float wd) {
	float x = p[i], gi = g[i];
	if (wd != 0) gi = gi + wd * x;
	float mi = m[i] + w1 * (gi - m[i]);
	float vi = v[i] * b2 + (w2 * gi) * gi;
	float den = __builtin_sqrtf(vi) / bc2sqrt + eps;
	m[i] = mi;
	v[i] = vi;
	return x - step * (mi / den);
}

__attribute__((target("avx2"))) static long adam8(float *restrict p, const float *restrict g, float *restrict m,
						  float *restrict v, long n, float step, float bc2sqrt, float w1,
						  float b2, float w2, float eps, float wd) {
	__m256 vs = _mm256_set1_ps(step), vb = _mm256_set1_ps(bc2sqrt), vw1 = _mm256_set1_ps(w1),
	       vb2 = _mm256_set1_ps(b2), vw2 = _mm256_set1_ps(w2), ve = _mm256_set1_ps(eps),
	       vwd = _mm256_set1_ps(wd);
	long i = 0;
	for (; i + 8 <= n; i += 8) {
		__m256 x = _mm256_loadu_ps(p + i), gi = _mm256_loadu_ps(g + i), mi = _mm256_loadu_ps(m + i);
		if (wd != 0) gi = _mm256_add_ps(gi, _mm256_mul_ps(vwd, x));
		mi = _mm256_add_ps(mi, _mm256_mul_ps(vw1, _mm256_sub_ps(gi, mi)));
		__m256 vi = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(v + i), vb2),
					  _mm256_mul_ps(_mm256_mul_ps(vw2, gi), gi));
		__m256 den = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vi), vb), ve);
		_mm256_storeu_ps(m + i, mi);
		_mm256_storeu_ps(v + i, vi);
		_mm256_storeu_ps(p + i, _mm256_sub_ps(x, _mm256_mul_ps(vs, _mm256_div_ps(mi, den))));
	}
	return i;
}

void noble_adam(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, long n,
		float step, float bc2sqrt, float w1, float b2, float w2, float eps, float wd) {
	long i = avx2 ? adam8(p, g, m, v, n, step, bc2sqrt, w1, b2, w2, eps, wd) : 0;
	for (; i < n; i++) p[i] = adam1(p, g, m, v, i, step, bc2sqrt, w1, b2, w2, eps, wd);
}

static inline float adamw1(float x, float mi, float den, float step, float decay, int wd) {
	x = x - step * (mi / den);
	if (wd) x = x + decay * x;
	return x;
}

__attribute__((target("avx2"))) static long adamw8(float *restrict p, const float *restrict g, float *restrict m,
						   float *restrict v, long n, float b1, float w1, float b2, float w2,
						   float eps, float step, float decay, int wd, int pairs) {
	__m256 vb1 = _mm256_set1_ps(b1), vw1 = _mm256_set1_ps(w1), vb2 = _mm256_set1_ps(b2),
	       vw2 = _mm256_set1_ps(w2), ve = _mm256_set1_ps(eps), vs = _mm256_set1_ps(step),
	       vd = _mm256_set1_ps(decay);
	long i = 0;
	for (; i + 8 <= n; i += 8) {
		__m256 gi = _mm256_loadu_ps(g + i);
		__m256 mi = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(m + i), vb1), _mm256_mul_ps(vw1, gi));
		__m256 sq = _mm256_mul_ps(_mm256_mul_ps(vw2, gi), gi);
		// A complex pair's |g|² term: re² + im² in both lanes (addition
		// commutes exactly, so the odd lane's im² + re² is the same).
		if (pairs) sq = _mm256_add_ps(sq, _mm256_permute_ps(sq, 0xB1));
		// A pair's second moment is its first element's, as in the scalar
		// loop (the two are equal unless the state was written otherwise).
		__m256 vo = _mm256_loadu_ps(v + i);
		if (pairs) vo = _mm256_moveldup_ps(vo);
		__m256 vi = _mm256_add_ps(_mm256_mul_ps(vo, vb2), sq);
		__m256 den = _mm256_add_ps(_mm256_sqrt_ps(vi), ve);
		__m256 x = _mm256_sub_ps(_mm256_loadu_ps(p + i), _mm256_mul_ps(vs, _mm256_div_ps(mi, den)));
		if (wd) x = _mm256_add_ps(x, _mm256_mul_ps(vd, x));
		_mm256_storeu_ps(m + i, mi);
		_mm256_storeu_ps(v + i, vi);
		_mm256_storeu_ps(p + i, x);
	}
	return i;
}

void noble_adamw_real(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, long n,
		      float b1, float w1, float b2, float w2, float eps, float step, float decay, int wd) {
	long i = avx2 ? adamw8(p, g, m, v, n, b1, w1, b2, w2, eps, step, decay, wd, 0) : 0;
	for (; i < n; i++) {
		float gi = g[i];
		float mi = m[i] * b1 + w1 * gi;
		float vi = v[i] * b2 + (w2 * gi) * gi;
		m[i] = mi;
		v[i] = vi;
		p[i] = adamw1(p[i], mi, __builtin_sqrtf(vi) + eps, step, decay, wd);
	}
}

// n is the number of floats, (re, im) pairs sharing one second moment; an
// odd last element is left alone.
void noble_adamw_complex(float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
			 long n, float b1, float w1, float b2, float w2, float eps, float step, float decay,
			 int wd) {
	long i = avx2 ? adamw8(p, g, m, v, n, b1, w1, b2, w2, eps, step, decay, wd, 1) : 0;
	for (; i + 1 < n; i += 2) {
		float re = g[i], im = g[i + 1];
		float m0 = m[i] * b1 + w1 * re;
		float m1 = m[i + 1] * b1 + w1 * im;
		float vv = v[i] * b2 + ((w2 * re) * re + (w2 * im) * im);
		float den = __builtin_sqrtf(vv) + eps;
		m[i] = m0;
		m[i + 1] = m1;
		v[i] = vv;
		v[i + 1] = vv;
		p[i] = adamw1(p[i], m0, den, step, decay, wd);
		p[i + 1] = adamw1(p[i + 1], m1, den, step, decay, wd);
	}
}

#define CLONES __attribute__((target_clones("avx512f", "arch=haswell", "default")))

CLONES void noble_add(float *restrict d, const float *restrict x, long n) {
	for (long i = 0; i < n; i++) d[i] += x[i];
}
