//go:build cgo && !purego

package kernels

/*
#cgo CFLAGS: -O3
#cgo LDFLAGS: -lm
void noble_gelu(float *dst, const float *x, long n);
void noble_gelu_inplace(float *x, long n);
void noble_gelu_back(float *d, const float *x, long n);
void noble_gelu_bias(float *dst, float *x, float b, long n);
void noble_axpb(float *y, const float *x, float a, float b, long n);
void noble_fold(float *e, float *o, const float *x, long rows, long l, long h, long ne);
void noble_unfold(float *y, const float *e, const float *o, long rows, long l, long h, long ne, int add, const float *bias, long per);
void noble_gelu_both(float *g, float *x, long n);
void noble_adam(float *p, const float *g, float *m, float *v, long n, float step, float bc2sqrt, float w1, float b2, float w2, float eps, float wd);
void noble_adamw_real(float *p, const float *g, float *m, float *v, long n, float b1, float w1, float b2, float w2, float eps, float step, float decay, int wd);
void noble_adamw_complex(float *p, const float *g, float *m, float *v, long n, float b1, float w1, float b2, float w2, float eps, float step, float decay, int wd);
void noble_add(float *d, const float *x, long n);
void noble_mul(float *d, const float *x, long n);
void noble_mix(float *ys, const float *xs, const float *wre, const float *wim, long width, long batch, long m);
void noble_mixback(float *dxs, float *dw, const float *dys, const float *xs, const float *wre, const float *wim, long width, long batch, long m, long modes);
double noble_sum64(const float *x, long n);
double noble_dot64(const float *a, const float *b, long n);
void noble_gate_back(float *dz, float *dx, float *x, const float *z, const float *pre, const float *gate, double *dot, double *sum, long rows, long cols, long ld, long ldx, long next);
void noble_gelu_both2(float *g, float *d, const float *x, long rows, long cols, long ldg, long ldx, long next);
void noble_mul_sum(float *d, const float *x, double *sum, long rows, long cols, long ldd, long ldx, long next);
void noble_gelu_rows(float *dst, const float *x, long rows, long cols, long ldd, long ldx, long next);
void noble_gelu_bias_rows(float *dst, float *x, const float *b, long rows, long cols, long ldd, long ldx, long next);
void noble_axpb_rows(float *y, const float *x, const float *a, const float *b, long rows, long cols, long ld, long next);
*/
import "C"

import "unsafe"

// Backend names the implementation in use.
const Backend = "c"

// Gelu sets dst[i] = GELU(x[i]); dst may be x itself. It panics if
// len(dst) < len(x).
func Gelu(dst, x []float32) {
	if len(x) == 0 {
		return
	}
	dst = dst[:len(x)]
	if unsafe.SliceData(dst) == unsafe.SliceData(x) {
		C.noble_gelu_inplace((*C.float)(&dst[0]), C.long(len(x)))
		return
	}
	C.noble_gelu((*C.float)(&dst[0]), (*C.float)(&x[0]), C.long(len(x)))
}

// GeluBack sets d[i] *= GELU'(x[i]). It panics if len(d) < len(x).
func GeluBack(d, x []float32) {
	if len(x) == 0 {
		return
	}
	d = d[:len(x)]
	C.noble_gelu_back((*C.float)(&d[0]), (*C.float)(&x[0]), C.long(len(x)))
}

func ptr(s []float32) *C.float {
	if len(s) == 0 {
		return nil
	}
	return (*C.float)(&s[0])
}

// Fold forms, for each of rows rows of x ([rows][l]), the even part
// e[r] = [x0, x1+x(l−1), …, xh+x(l−h), (x(l/2) if ne = h+2)] and the odd
// part o[r] = [x1−x(l−1), …, xh−x(l−h)], h = (l−1)/2. It panics if a
// slice is too short.
func Fold(e, o, x []float32, rows, l, h, ne int) {
	_, _, _ = e[rows*ne-1], x[rows*l-1], o[:rows*h]
	C.noble_fold(ptr(e), ptr(o), ptr(x), C.long(rows), C.long(l), C.long(h), C.long(ne))
}

// Unfold sets (or with add, adds to) y[r][t] = e[t] + o[t−1] and
// y[r][l−t] = e[t] − o[t−1], y[r][0] = e[0], y[r][l/2] = e[h+1] if ne = h+2;
// with a non-nil bias, every value of row r also gets bias[r/per]. It
// panics if a slice is too short.
func Unfold(y, e, o []float32, rows, l, h, ne int, add bool, bias []float32, per int) {
	_, _, _ = e[rows*ne-1], y[rows*l-1], o[:rows*h]
	a := 0
	if add {
		a = 1
	}
	var bp *C.float
	if bias != nil {
		_ = bias[(rows-1)/per]
		bp = ptr(bias)
	}
	C.noble_unfold(ptr(y), ptr(e), ptr(o), C.long(rows), C.long(l), C.long(h), C.long(ne), C.int(a), bp, C.long(max(per, 1)))
}

// GeluBoth sets g[i] = GELU(x[i]) and x[i] = GELU'(x[i]) from one
// evaluation of the error function. It panics if len(g) < len(x).
func GeluBoth(g, x []float32) {
	if len(x) == 0 {
		return
	}
	g = g[:len(x)]
	C.noble_gelu_both(ptr(g), ptr(x), C.long(len(x)))
}

// Mul sets d[i] *= x[i]. It panics if len(x) < len(d).
func Mul(d, x []float32) {
	if len(d) == 0 {
		return
	}
	x = x[:len(d)]
	C.noble_mul(ptr(d), ptr(x), C.long(len(d)))
}

// Mix sets ys[o][b] = Σ_i xs[i][b]·W[i][o] per mode (complex; rows of 2m:
// real parts then imaginary; wre, wim [in][out][m]).
func Mix(ys, xs, wre, wim []float32, width, batch, m int) {
	_, _, _, _ = ys[width*batch*2*m-1], xs[width*batch*2*m-1], wre[width*width*m-1], wim[width*width*m-1]
	C.noble_mix(ptr(ys), ptr(xs), ptr(wre), ptr(wim), C.long(width), C.long(batch), C.long(m))
}

// MixBack sets dxs[i][b] = Σ_o dys[o][b]·conj(W[i][o]) and adds
// Σ_b conj(xs[i][b])·dys[o][b] to the interleaved gradient dw
// [in][out][modes][2].
func MixBack(dxs, dw, dys, xs, wre, wim []float32, width, batch, m, modes int) {
	_, _, _, _ = dxs[width*batch*2*m-1], dys[width*batch*2*m-1], xs[width*batch*2*m-1], dw[width*width*modes*2-1]
	_, _ = wre[width*width*m-1], wim[width*width*m-1]
	C.noble_mixback(ptr(dxs), ptr(dw), ptr(dys), ptr(xs), ptr(wre), ptr(wim), C.long(width), C.long(batch), C.long(m), C.long(modes))
}

// Sum64 returns Σ x with float64 accumulators in a fixed order.
func Sum64(x []float32) float64 { return float64(C.noble_sum64(ptr(x), C.long(len(x)))) }

// Dot64 returns Σ a·b with float64 accumulators in a fixed order. It
// panics if len(b) < len(a).
func Dot64(a, b []float32) float64 {
	b = b[:len(a)]
	return float64(C.noble_dot64(ptr(a), ptr(b), C.long(len(a))))
}

// GeluBias adds b to x in place and sets dst = GELU(x); dst may be x. It
// panics if len(dst) < len(x).
func GeluBias(dst, x []float32, b float32) {
	if len(x) == 0 {
		return
	}
	dst = dst[:len(x)]
	C.noble_gelu_bias(ptr(dst), ptr(x), C.float(b), C.long(len(x)))
}

// Axpb sets y = a·x + b elementwise; y may be x. It panics if
// len(y) < len(x).
func Axpb(y, x []float32, a, b float32) {
	if len(x) == 0 {
		return
	}
	y = y[:len(x)]
	C.noble_axpb(ptr(y), ptr(x), C.float(a), C.float(b), C.long(len(x)))
}

// Adam is one torch.optim.Adam step over p with gradients g and moments m,
// v (all of one length; g, m and v are checked): the loop of fno.Adam.Update,
// whose documentation has the formulas. It does not allocate.
func Adam(p, g, m, v []float32, c AdamCoef) {
	if len(p) == 0 {
		return
	}
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	C.noble_adam(ptr(p), ptr(g), ptr(m), ptr(v), C.long(len(p)), C.float(c.Step), C.float(c.BC2Sqrt),
		C.float(c.W1), C.float(c.B2), C.float(c.W2), C.float(c.Eps), C.float(c.WD))
}

// AdamW is one step of neuralop's AdamW over real parameters (fno.Adam.Update).
func AdamW(p, g, m, v []float32, c AdamWCoef) {
	if len(p) == 0 {
		return
	}
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	C.noble_adamw_real(ptr(p), ptr(g), ptr(m), ptr(v), C.long(len(p)), C.float(c.B1), C.float(c.W1), C.float(c.B2),
		C.float(c.W2), C.float(c.Eps), C.float(c.Step), C.float(c.Decay), cflag(c.WD))
}

// AdamWComplex is AdamW over (re, im) pairs sharing one second moment; an
// odd last element is left alone.
func AdamWComplex(p, g, m, v []float32, c AdamWCoef) {
	if len(p) == 0 {
		return
	}
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	C.noble_adamw_complex(ptr(p), ptr(g), ptr(m), ptr(v), C.long(len(p)), C.float(c.B1), C.float(c.W1), C.float(c.B2),
		C.float(c.W2), C.float(c.Eps), C.float(c.Step), C.float(c.Decay), cflag(c.WD))
}

// Add sets d[i] += x[i]. It panics if len(x) < len(d).
func Add(d, x []float32) {
	if len(d) == 0 {
		return
	}
	x = x[:len(d)]
	C.noble_add(ptr(d), ptr(x), C.long(len(d)))
}

func cflag(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// GateBack is the first step of fno's fused backward pass over a block of
// rows rows of cols values (row r of dz, dx, z and pre at r·ld, of x at
// r·ldx): with a non-nil z it sets dz *= GELU'(z); with a non-nil pre it
// sets x = GELU(pre) (otherwise x is read); then it adds Σ dz·x to dot[r]
// and Σ dz to sum[r] (Dot64, Sum64 of the row) and sets dx = gate[r]·dz.
// With next > 0 it may prefetch the next block, the next values after the
// block's columns of each row of dz, dx, z and pre (or x), into the cache. It
// panics if a slice is too short.
func GateBack(dz, dx, x, z, pre, gate []float32, dot, sum []float64, rows, cols, ld, ldx, next int) {
	if rows == 0 || cols == 0 {
		return
	}
	checkBlock(rows, cols, ld, dz, dx, z, pre)
	checkBlock(rows, cols, ldx, x)
	_, _, _ = gate[rows-1], dot[rows-1], sum[rows-1]
	C.noble_gate_back(ptr(dz), ptr(dx), ptr(x), ptr(z), ptr(pre), ptr(gate), (*C.double)(&dot[0]), (*C.double)(&sum[0]),
		C.long(rows), C.long(cols), C.long(ld), C.long(ldx), C.long(next))
}

// GeluBoth2 sets g = GELU(x) and d = GELU'(x) from one evaluation over
// rows rows of cols values (row r of g and d at r·ldg, of x at r·ldx),
// leaving x unchanged; with next > 0 it may prefetch the next values after
// each row of x. It panics if a slice is too short.
func GeluBoth2(g, d, x []float32, rows, cols, ldg, ldx, next int) {
	if rows == 0 || cols == 0 {
		return
	}
	checkBlock(rows, cols, ldg, g, d)
	checkBlock(rows, cols, ldx, x)
	C.noble_gelu_both2(ptr(g), ptr(d), ptr(x), C.long(rows), C.long(cols), C.long(ldg), C.long(ldx), C.long(next))
}

// MulSum sets d *= x (unless x is nil) and then, with a non-nil sum, adds
// Σ d of row r to sum[r] (Sum64 of the row), over rows rows of cols values
// (row r of d at r·ldd, of x at r·ldx); with next > 0 it may prefetch the
// next values after each row of d. It panics if a slice is too short.
func MulSum(d, x []float32, sum []float64, rows, cols, ldd, ldx, next int) {
	if rows == 0 || cols == 0 {
		return
	}
	checkBlock(rows, cols, ldd, d)
	checkBlock(rows, cols, ldx, x)
	var sp *C.double
	if sum != nil {
		_ = sum[rows-1]
		sp = (*C.double)(&sum[0])
	}
	C.noble_mul_sum(ptr(d), ptr(x), sp, C.long(rows), C.long(cols), C.long(ldd), C.long(ldx), C.long(next))
}

// GeluRows sets dst = GELU(x) over rows rows of cols values (row r of dst
// at r·ldd, of x at r·ldx); dst may be x itself (then ldd = ldx). With
// next > 0 it may prefetch the next block (see GateBack). It panics if a
// slice is too short.
func GeluRows(dst, x []float32, rows, cols, ldd, ldx, next int) {
	if rows == 0 || cols == 0 {
		return
	}
	checkBlock(rows, cols, ldd, dst)
	checkBlock(rows, cols, ldx, x)
	C.noble_gelu_rows(ptr(dst), ptr(x), C.long(rows), C.long(cols), C.long(ldd), C.long(ldx), C.long(next))
}

// GeluBiasRows adds b[r] to row r of x in place and sets dst = GELU(x),
// over rows rows of cols values (row r of dst at r·ldd, of x at r·ldx);
// dst must not overlap x. With next > 0 it may prefetch the next block. It
// panics if a slice is too short.
func GeluBiasRows(dst, x, b []float32, rows, cols, ldd, ldx, next int) {
	if rows == 0 || cols == 0 {
		return
	}
	checkBlock(rows, cols, ldd, dst)
	checkBlock(rows, cols, ldx, x)
	_ = b[rows-1]
	C.noble_gelu_bias_rows(ptr(dst), ptr(x), ptr(b), C.long(rows), C.long(cols), C.long(ldd), C.long(ldx), C.long(next))
}

// AxpbRows sets y = a[r]·x + b[r] over rows rows of cols values (row r of
// x and y at r·ld); y may be x. With next > 0 it may prefetch the next
// block. It panics if a slice is too short.
func AxpbRows(y, x, a, b []float32, rows, cols, ld, next int) {
	if rows == 0 || cols == 0 {
		return
	}
	checkBlock(rows, cols, ld, y, x)
	_, _ = a[rows-1], b[rows-1]
	C.noble_axpb_rows(ptr(y), ptr(x), ptr(a), ptr(b), C.long(rows), C.long(cols), C.long(ld), C.long(next))
}
