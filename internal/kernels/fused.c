//go:build cgo && !purego

// The block kernels of fno's fused backward pass: each processes rows rows
// of cols values with a row stride. Their GELU loops go in chunks of four
// cache lines and prefetch, per chunk, the same columns of the next row
// (after the last row: the first row of the next block): a block's rows
// are a few KB each and far apart, streams too short and too many for the
// hardware prefetchers, and these loops are the first to touch them. The
// reductions and products after them use the one-row loops of gelu.c and
// spectral.c on data then in L1, so a row gets the same sums, in the same
// order, as Sum64 and Dot64 (and as the pure-Go build's compositions).
#pragma GCC optimize("no-trapping-math")

#include "gelu.h"

#define CLONES __attribute__((target_clones("avx512f", "arch=haswell", "default")))
#define INLINE static inline __attribute__((always_inline))
#define CH 64

void noble_axpb(float *y, const float *x, float a, float b, long n);
void noble_mul(float *d, const float *x, long n);
double noble_sum64(const float *x, long n);
double noble_dot64(const float *a, const float *b, long n);

INLINE void pf_read(const float *p) {
	if (!p) return;
	__builtin_prefetch(p, 0, 3);
	__builtin_prefetch(p + 16, 0, 3);
	__builtin_prefetch(p + 32, 0, 3);
	__builtin_prefetch(p + 48, 0, 3);
}

INLINE void pf_write(const float *p) {
	if (!p) return;
	__builtin_prefetch(p, 1, 3);
	__builtin_prefetch(p + 16, 1, 3);
	__builtin_prefetch(p + 32, 1, 3);
	__builtin_prefetch(p + 48, 1, 3);
}

// ahead is where row r's loop prefetches: row r+1 of the block at base, or
// after the last row the first row of the next block (next columns on).
INLINE const float *ahead(const float *base, long r, long rows, long ld, long cols, long next) {
	if (!base) return 0;
	if (r + 1 < rows) return base + (r + 1) * ld;
	return next > 0 ? base + cols : 0;
}

INLINE void gelu_back_n(float *restrict d, const float *restrict x, long n) {
	for (long i = 0; i < n; i++) {
		float e;
		float v = x[i];
		float phi = k_phi(v, &e);
		d[i] *= phi + v * e * 0.39894228040143268f;
	}
}

INLINE void gelu_n(float *restrict dst, const float *restrict x, long n) {
	for (long i = 0; i < n; i++) {
		float e;
		float v = x[i];
		dst[i] = v * k_phi(v, &e);
	}
}

INLINE void gelu_both_n(float *restrict g, float *restrict d, const float *restrict x, long n) {
	for (long i = 0; i < n; i++) {
		float e;
		float v = x[i];
		float phi = k_phi(v, &e);
		g[i] = v * phi;
		d[i] = phi + v * e * 0.39894228040143268f;
	}
}

CLONES void noble_gate_back(float *dz, float *dx, float *x, const float *z, const float *pre, const float *gate,
			    double *dot, double *sum, long rows, long cols, long ld, long ldx, long next) {
	for (long r = 0; r < rows; r++) {
		float *d = dz + r * ld, *xr = x + r * ldx;
		const float *zr = z ? z + r * ld : 0, *pr = pre ? pre + r * ld : 0;
		const float *ad = ahead(dz, r, rows, ld, cols, next), *adx = ahead(dx, r, rows, ld, cols, next);
		const float *az = ahead(z, r, rows, ld, cols, next);
		const float *ax = pre ? ahead(pre, r, rows, ld, cols, next) : ahead(x, r, rows, ldx, cols, next);
		for (long i = 0; i < cols; i += CH) {
			long m = cols - i < CH ? cols - i : CH;
			pf_write(ad ? ad + i : 0);
			pf_write(adx ? adx + i : 0);
			pf_read(az ? az + i : 0);
			pf_read(ax ? ax + i : 0);
			if (zr) {
				if (m == CH)
					gelu_back_n(d + i, zr + i, CH);
				else
					gelu_back_n(d + i, zr + i, m);
			}
			if (pr) {
				if (m == CH)
					gelu_n(xr + i, pr + i, CH);
				else
					gelu_n(xr + i, pr + i, m);
			}
		}
		dot[r] += noble_dot64(d, xr, cols);
		sum[r] += noble_sum64(d, cols);
		noble_axpb(dx + r * ld, d, gate[r], 0.0f, cols);
	}
}

CLONES void noble_gelu_both2(float *g, float *d, const float *x, long rows, long cols, long ldg, long ldx, long next) {
	for (long r = 0; r < rows; r++) {
		float *gr = g + r * ldg, *dr = d + r * ldg;
		const float *xr = x + r * ldx;
		const float *ax = ahead(x, r, rows, ldx, cols, next);
		for (long i = 0; i < cols; i += CH) {
			long m = cols - i < CH ? cols - i : CH;
			pf_read(ax ? ax + i : 0);
			if (m == CH)
				gelu_both_n(gr + i, dr + i, xr + i, CH);
			else
				gelu_both_n(gr + i, dr + i, xr + i, m);
		}
	}
}

// noble_mul_sum prefetches, for writing, the same row of the next block:
// d is written next by a product, whose stores do not prefetch.
void noble_mul_sum(float *d, const float *x, double *sum, long rows, long cols, long ldd, long ldx, long next) {
	for (long r = 0; r < rows; r++) {
		float *dr = d + r * ldd;
		if (next > 0)
			for (long i = 0; i < next; i += CH) pf_write(dr + cols + i);
		if (x) noble_mul(dr, x + r * ldx, cols);
		if (sum) sum[r] += noble_sum64(dr, cols);
	}
}

// The block kernels of fno's fused forward pass (pointForward), prefetching
// as noble_gate_back does.

INLINE void gelu_bias_n(float *restrict dst, float *restrict x, float b, long n) {
	for (long i = 0; i < n; i++) {
		float e;
		float v = x[i] + b;
		x[i] = v;
		dst[i] = v * k_phi(v, &e);
	}
}

// y may equal x: each element is read before it is written.
INLINE void axpb_n(float *y, const float *x, float a, float b, long n) {
#pragma GCC ivdep
	for (long i = 0; i < n; i++) y[i] = a * x[i] + b;
}

// dst may equal x (in place, ldd = ldx).
CLONES void noble_gelu_rows(float *dst, const float *x, long rows, long cols, long ldd, long ldx, long next) {
	int inplace = dst == x;
	for (long r = 0; r < rows; r++) {
		float *dr = dst + r * ldd;
		const float *xr = x + r * ldx;
		const float *ax = ahead(x, r, rows, ldx, cols, next);
		const float *ad = inplace ? 0 : ahead(dst, r, rows, ldd, cols, next);
		for (long i = 0; i < cols; i += CH) {
			long m = cols - i < CH ? cols - i : CH;
			pf_read(ax ? ax + i : 0);
			pf_write(ad ? ad + i : 0);
			if (inplace) {
				float *p = dr + i;
				if (m == CH)
					gelu_n(p, p, CH);
				else
					gelu_n(p, p, m);
			} else if (m == CH)
				gelu_n(dr + i, xr + i, CH);
			else
				gelu_n(dr + i, xr + i, m);
		}
	}
}

CLONES void noble_gelu_bias_rows(float *dst, float *x, const float *b, long rows, long cols, long ldd, long ldx, long next) {
	for (long r = 0; r < rows; r++) {
		float *dr = dst + r * ldd, *xr = x + r * ldx;
		const float *ax = ahead(x, r, rows, ldx, cols, next);
		for (long i = 0; i < cols; i += CH) {
			long m = cols - i < CH ? cols - i : CH;
			pf_write(ax ? ax + i : 0);
			if (m == CH)
				gelu_bias_n(dr + i, xr + i, b[r], CH);
			else
				gelu_bias_n(dr + i, xr + i, b[r], m);
		}
	}
}

CLONES void noble_axpb_rows(float *y, const float *x, const float *a, const float *b, long rows, long cols, long ld, long next) {
	for (long r = 0; r < rows; r++) {
		float *yr = y + r * ld;
		const float *xr = x + r * ld;
		const float *ax = ahead(x, r, rows, ld, cols, next), *ay = ahead(y, r, rows, ld, cols, next);
		for (long i = 0; i < cols; i += CH) {
			long m = cols - i < CH ? cols - i : CH;
			pf_read(ax ? ax + i : 0);
			pf_write(ay ? ay + i : 0);
			if (m == CH)
				axpb_n(yr + i, xr + i, a[r], b[r], CH);
			else
				axpb_n(yr + i, xr + i, a[r], b[r], m);
		}
	}
}
