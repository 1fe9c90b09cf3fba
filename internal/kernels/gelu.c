//go:build cgo && !purego

// Comparisons may be if-converted into blends: no floating-point traps are
// relied upon, and this lets GCC vectorize the loops without AVX-512 masks.
#pragma GCC optimize("no-trapping-math")

#include "gelu.h"

#define CLONES __attribute__((target_clones("avx512f", "arch=haswell", "default")))

CLONES void noble_gelu(float *restrict dst, const float *restrict x, long n) {
	for (long i = 0; i < n; i++) {
		float e;
		float v = x[i];
		dst[i] = v * k_phi(v, &e);
	}
}

CLONES void noble_gelu_inplace(float *x, long n) {
	for (long i = 0; i < n; i++) {
		float e;
		float v = x[i];
		x[i] = v * k_phi(v, &e);
	}
}

CLONES void noble_gelu_back(float *restrict d, const float *restrict x, long n) {
	for (long i = 0; i < n; i++) {
		float e;
		float v = x[i];
		float phi = k_phi(v, &e);
		d[i] *= phi + v * e * 0.39894228040143268f;
	}
}

// One evaluation for both: g = GELU(x) for the weight gradient of the next
// product, and x = GELU'(x) in place for the gradient through it later.
CLONES void noble_gelu_both(float *restrict g, float *restrict x, long n) {
	for (long i = 0; i < n; i++) {
		float e;
		float v = x[i];
		float phi = k_phi(v, &e);
		g[i] = v * phi;
		x[i] = phi + v * e * 0.39894228040143268f;
	}
}

CLONES void noble_mul(float *restrict d, const float *restrict x, long n) {
	for (long i = 0; i < n; i++) d[i] *= x[i];
}

// dst may equal x (exactly): each element is read before it is written.
CLONES void noble_gelu_bias(float *dst, float *x, float b, long n) {
#pragma GCC ivdep
	for (long i = 0; i < n; i++) {
		float e;
		float v = x[i] + b;
		x[i] = v;
		dst[i] = v * k_phi(v, &e);
	}
}

CLONES void noble_axpb(float *y, const float *x, float a, float b, long n) {
#pragma GCC ivdep
	for (long i = 0; i < n; i++) y[i] = a * x[i] + b;
}
