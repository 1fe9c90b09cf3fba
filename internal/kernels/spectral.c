//go:build cgo && !purego

// Loops of the folded truncated DFT and of the spectral mixing of package
// fno (see its type dft and functions mix and mixBack for the formulas).

#pragma GCC optimize("no-trapping-math")

#define CLONES __attribute__((target_clones("avx512f", "arch=haswell", "default")))

CLONES void noble_fold(float *restrict e, float *restrict o, const float *restrict x, long rows, long l, long h, long ne) {
	for (long r = 0; r < rows; r++) {
		const float *xr = x + r * l;
		float *er = e + r * ne, *orow = o + r * h;
		er[0] = xr[0];
		for (long t = 1; t <= h; t++) {
			float a = xr[t], b = xr[l - t];
			er[t] = a + b;
			orow[t - 1] = a - b;
		}
		if (ne > h + 1) er[h + 1] = xr[l / 2];
	}
}

// With bias, row r also gets bias[r / per] (the spectral convolution's
// bias of the row's channel).
CLONES void noble_unfold(float *restrict y, const float *restrict e, const float *restrict o, long rows, long l, long h, long ne, int add, const float *bias, long per) {
	for (long r = 0; r < rows; r++) {
		float *yr = y + r * l;
		const float *er = e + r * ne, *orow = o + r * h;
		float b = bias ? bias[r / per] : 0;
		if (add) {
			yr[0] += er[0] + b;
			for (long t = 1; t <= h; t++) {
				yr[t] += (er[t] + orow[t - 1]) + b;
				yr[l - t] += (er[t] - orow[t - 1]) + b;
			}
			if (ne > h + 1) yr[l / 2] += er[h + 1] + b;
		} else {
			yr[0] = er[0] + b;
			for (long t = 1; t <= h; t++) {
				yr[t] = (er[t] + orow[t - 1]) + b;
				yr[l - t] = (er[t] - orow[t - 1]) + b;
			}
			if (ne > h + 1) yr[l / 2] = er[h + 1] + b;
		}
	}
}

CLONES void noble_mix(float *restrict ys, const float *restrict xs, const float *restrict wre, const float *restrict wim, long width, long batch, long m) {
	long m2 = 2 * m;
	for (long o = 0; o < width; o++) {
		for (long b = 0; b < batch; b++) {
			float *yr = ys + (o * batch + b) * m2, *yi = yr + m;
			for (long k = 0; k < m2; k++) yr[k] = 0;
			for (long i = 0; i < width; i++) {
				const float *xr = xs + (i * batch + b) * m2, *xi = xr + m;
				const float *wr = wre + (i * width + o) * m, *wi = wim + (i * width + o) * m;
				for (long k = 0; k < m; k++) {
					float a = xr[k], c = xi[k], p = wr[k], q = wi[k];
					yr[k] += a * p - c * q;
					yi[k] += a * q + c * p;
				}
			}
		}
	}
}

CLONES void noble_mixback(float *restrict dxs, float *restrict dw, const float *restrict dys, const float *restrict xs,
		const float *restrict wre, const float *restrict wim, long width, long batch, long m, long modes) {
	long m2 = 2 * m;
	for (long i = 0; i < width; i++) {
		for (long b = 0; b < batch; b++) {
			float *dxr = dxs + (i * batch + b) * m2, *dxi = dxr + m;
			for (long k = 0; k < m2; k++) dxr[k] = 0;
			for (long o = 0; o < width; o++) {
				const float *dyr = dys + (o * batch + b) * m2, *dyi = dyr + m;
				const float *wr = wre + (i * width + o) * m, *wi = wim + (i * width + o) * m;
				for (long k = 0; k < m; k++) {
					float p = wr[k], q = wi[k];
					dxr[k] += dyr[k] * p + dyi[k] * q;
					dxi[k] += dyi[k] * p - dyr[k] * q;
				}
			}
		}
		for (long o = 0; o < width; o++) {
			float *g = dw + (i * width + o) * modes * 2;
			for (long b = 0; b < batch; b++) {
				const float *xr = xs + (i * batch + b) * m2, *xi = xr + m;
				const float *dyr = dys + (o * batch + b) * m2, *dyi = dyr + m;
				for (long k = 0; k < m; k++) {
					g[2 * k] += dyr[k] * xr[k] + dyi[k] * xi[k];
					g[2 * k + 1] += dyi[k] * xr[k] - dyr[k] * xi[k];
				}
			}
		}
	}
}

// Sums with eight double accumulators (fixed order: the result depends
// only on n and the data).
CLONES double noble_sum64(const float *restrict x, long n) {
	double s[8] = {0};
	long i = 0;
	for (; i + 8 <= n; i += 8)
		for (int j = 0; j < 8; j++) s[j] += (double)x[i + j];
	for (; i < n; i++) s[0] += (double)x[i];
	return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

CLONES double noble_dot64(const float *restrict a, const float *restrict b, long n) {
	double s[8] = {0};
	long i = 0;
	for (; i + 8 <= n; i += 8)
		for (int j = 0; j < 8; j++) s[j] += (double)a[i + j] * (double)b[i + j];
	for (; i < n; i++) s[0] += (double)a[i] * (double)b[i];
	return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}
