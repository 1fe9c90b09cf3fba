//go:build (!cgo || purego) && amd64

package kernels

import "github.com/noble-neuro/noble/internal/cpuisa"

// detect reports the best assembly loops the CPU (and its operating
// system, for the AVX-512 registers) supports.
func detect() cpuisa.Level { return cpuisa.CPU() }

// The loops of gelu_amd64.s over n values, n a multiple of 8.

//go:noescape
func geluAVX2(dst, x *float32, n int)

//go:noescape
func geluBackAVX2(d, x *float32, n int)

//go:noescape
func geluBothAVX2(gl, x *float32, n int)

//go:noescape
func geluBiasAVX2(dst, x *float32, b float32, n int)

// The same on AVX-512, n a multiple of 16.

//go:noescape
func gelu512(dst, x *float32, n int)

//go:noescape
func geluBack512(d, x *float32, n int)

//go:noescape
func geluBoth512(gl, x *float32, n int)

//go:noescape
func geluBias512(dst, x *float32, b float32, n int)

// The vector forms of Gelu, GeluBack, GeluBoth and GeluBias: whole vectors
// in place (16 values on AVX-512, then 8), the last len mod 8 values
// through a zero-padded buffer, so that every value gets the same
// operations wherever it stands (the AVX-512 and AVX2 loops give the same
// bits). dst and x have one length.

// head512 is the number of leading values the AVX-512 loops take.
func head512(n int) int {
	if isa == isaAVX512 {
		return n &^ 15
	}
	return 0
}

func geluVec(dst, x []float32) {
	if h := head512(len(x)); h > 0 {
		gelu512(&dst[0], &x[0], h)
		dst, x = dst[h:], x[h:]
	}
	n := len(x) &^ 7
	if n > 0 {
		geluAVX2(&dst[0], &x[0], n)
	}
	if n < len(x) {
		var bx, bd [8]float32
		copy(bx[:], x[n:])
		geluAVX2(&bd[0], &bx[0], 8)
		copy(dst[n:], bd[:])
	}
}

func geluBackVec(d, x []float32) {
	if h := head512(len(x)); h > 0 {
		geluBack512(&d[0], &x[0], h)
		d, x = d[h:], x[h:]
	}
	n := len(x) &^ 7
	if n > 0 {
		geluBackAVX2(&d[0], &x[0], n)
	}
	if n < len(x) {
		var bx, bd [8]float32
		copy(bx[:], x[n:])
		copy(bd[:], d[n:])
		geluBackAVX2(&bd[0], &bx[0], 8)
		copy(d[n:], bd[:])
	}
}

func geluBothVec(g, x []float32) {
	if h := head512(len(x)); h > 0 {
		geluBoth512(&g[0], &x[0], h)
		g, x = g[h:], x[h:]
	}
	n := len(x) &^ 7
	if n > 0 {
		geluBothAVX2(&g[0], &x[0], n)
	}
	if n < len(x) {
		var bx, bg [8]float32
		copy(bx[:], x[n:])
		geluBothAVX2(&bg[0], &bx[0], 8)
		copy(x[n:], bx[:])
		copy(g[n:], bg[:])
	}
}

func geluBiasVec(dst, x []float32, b float32) {
	if h := head512(len(x)); h > 0 {
		geluBias512(&dst[0], &x[0], b, h)
		dst, x = dst[h:], x[h:]
	}
	n := len(x) &^ 7
	if n > 0 {
		geluBiasAVX2(&dst[0], &x[0], b, n)
	}
	if n < len(x) {
		var bx, bd [8]float32
		copy(bx[:], x[n:])
		geluBiasAVX2(&bd[0], &bx[0], b, 8)
		copy(x[n:], bx[:])
		copy(dst[n:], bd[:])
	}
}

// The loops of loops_amd64.s over n values, n a multiple of 8.

//go:noescape
func sum64AVX2(x *float32, n int, s *[8]float64)

//go:noescape
func dot64AVX2(a, b *float32, n int, s *[8]float64)

//go:noescape
func axpbAVX2(y, x *float32, a, b float32, n int)

//go:noescape
func foldAVX2(e, o, xf, xb *float32, n int)

//go:noescape
func unfoldAVX2(yf, yb, e, o *float32, b float32, n, add int)

//go:noescape
func mixAVX2(yr, yi, xr, xi, wr, wi *float32, n int)

//go:noescape
func mixBackAVX2(dxr, dxi, dyr, dyi, wr, wi *float32, n int)

//go:noescape
func mixGradAVX2(dw, xr, xi, dyr, dyi *float32, n int)

//go:noescape
func adamAVX2(p, grad, m, v *float32, n int, step, bc2sqrt, w1, b2, w2, eps, wd float32, decay int)

//go:noescape
func adamwAVX2(p, grad, m, v *float32, n int, b1, w1, b2, w2, eps, step, decay float32, wd, pairs int)

//go:noescape
func addAVX2(d, x *float32, n int)

// The vector forms of Sum64, Dot64, Axpb, Fold, Unfold, Mix and MixBack:
// the same operations in the same order as the scalar loops of purego.go,
// whole vectors in assembly and the rest in Go.

func sum64Vec(x []float32) float64 {
	var s [8]float64
	n := len(x) &^ 7
	if n > 0 {
		sum64AVX2(&x[0], n, &s)
	}
	for _, v := range x[n:] {
		s[0] += float64(v)
	}
	return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
}

func dot64Vec(a, b []float32) float64 {
	var s [8]float64
	n := len(a) &^ 7
	if n > 0 {
		dot64AVX2(&a[0], &b[0], n, &s)
	}
	for i := n; i < len(a); i++ {
		s[0] += float64(a[i]) * float64(b[i])
	}
	return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
}

func axpbVec(y, x []float32, a, b float32) {
	n := len(x) &^ 7
	if n > 0 {
		axpbAVX2(&y[0], &x[0], a, b, n)
	}
	for i := n; i < len(x); i++ {
		y[i] = a*x[i] + b
	}
}

func foldVec(e, o, x []float32, rows, l, h, ne int) {
	hv := h &^ 7
	for r := range rows {
		xr, er, or := x[r*l:(r+1)*l], e[r*ne:(r+1)*ne], o[r*h:(r+1)*h]
		er[0] = xr[0]
		if hv > 0 {
			_, _ = er[hv], or[hv-1]
			foldAVX2(&er[1], &or[0], &xr[1], &xr[l-8], hv)
		}
		for t := hv + 1; t <= h; t++ {
			a, b := xr[t], xr[l-t]
			er[t] = a + b
			or[t-1] = a - b
		}
		if ne > h+1 {
			er[h+1] = xr[l/2]
		}
	}
}

func unfoldVec(y, e, o []float32, rows, l, h, ne int, add bool, bias []float32, per int) {
	hv := h &^ 7
	flag := 0
	if add {
		flag = 1
	}
	for r := range rows {
		yr, er, or := y[r*l:(r+1)*l], e[r*ne:(r+1)*ne], o[r*h:(r+1)*h]
		var b float32
		if bias != nil {
			b = bias[r/per]
		}
		if !add {
			// What the vectors do not set, cleared as the scalar loop does.
			yr[0] = 0
			clear(yr[hv+1 : l-hv])
		}
		yr[0] += er[0] + b
		if hv > 0 {
			_, _ = er[hv], or[hv-1]
			unfoldAVX2(&yr[1], &yr[l-8], &er[1], &or[0], b, hv, flag)
		}
		for t := hv + 1; t <= h; t++ {
			yr[t] += (er[t] + or[t-1]) + b
			yr[l-t] += (er[t] - or[t-1]) + b
		}
		if ne > h+1 {
			yr[l/2] += er[h+1] + b
		}
	}
}

func mixVec(ys, xs, wre, wim []float32, width, batch, m int) {
	m2, mv := 2*m, m&^7
	for o := range width {
		for b := range batch {
			y := ys[(o*batch+b)*m2 : (o*batch+b+1)*m2]
			yr, yi := y[:m], y[m:]
			clear(y)
			for i := range width {
				x := xs[(i*batch+b)*m2 : (i*batch+b+1)*m2]
				xr, xi := x[:m], x[m:]
				wr, wi := wre[(i*width+o)*m:(i*width+o+1)*m], wim[(i*width+o)*m:(i*width+o+1)*m]
				if mv > 0 {
					mixAVX2(&yr[0], &yi[0], &xr[0], &xi[0], &wr[0], &wi[0], mv)
				}
				for k := mv; k < m; k++ {
					a, c, p, q := xr[k], xi[k], wr[k], wi[k]
					yr[k] += a*p - c*q
					yi[k] += a*q + c*p
				}
			}
		}
	}
}

func mixBackVec(dxs, dw, dys, xs, wre, wim []float32, width, batch, m, modes int) {
	m2, mv := 2*m, m&^7
	for i := range width {
		for b := range batch {
			dx := dxs[(i*batch+b)*m2 : (i*batch+b+1)*m2]
			dxr, dxi := dx[:m], dx[m:]
			clear(dx)
			for o := range width {
				dy := dys[(o*batch+b)*m2 : (o*batch+b+1)*m2]
				dyr, dyi := dy[:m], dy[m:]
				wr, wi := wre[(i*width+o)*m:(i*width+o+1)*m], wim[(i*width+o)*m:(i*width+o+1)*m]
				if mv > 0 {
					mixBackAVX2(&dxr[0], &dxi[0], &dyr[0], &dyi[0], &wr[0], &wi[0], mv)
				}
				for k := mv; k < m; k++ {
					p, q := wr[k], wi[k]
					dxr[k] += dyr[k]*p + dyi[k]*q
					dxi[k] += dyi[k]*p - dyr[k]*q
				}
			}
		}
		for o := range width {
			g := dw[(i*width+o)*modes*2 : (i*width+o)*modes*2+2*m]
			for b := range batch {
				x := xs[(i*batch+b)*m2 : (i*batch+b+1)*m2]
				dy := dys[(o*batch+b)*m2 : (o*batch+b+1)*m2]
				xr, xi, dyr, dyi := x[:m], x[m:], dy[:m], dy[m:]
				if mv > 0 {
					mixGradAVX2(&g[0], &xr[0], &xi[0], &dyr[0], &dyi[0], mv)
				}
				for k := mv; k < m; k++ {
					g[2*k] += dyr[k]*xr[k] + dyi[k]*xi[k]
					g[2*k+1] += dyi[k]*xr[k] - dyr[k]*xi[k]
				}
			}
		}
	}
}

// adamVec, adamwVec and addVec run Adam, AdamW (or with pairs AdamWComplex)
// and Add over the leading whole vectors of their arguments (all of one
// length) and return how many values they did; the callers in purego.go do
// the rest with the scalar code.

func adamVec(p, g, m, v []float32, c AdamCoef) int {
	n := len(p) &^ 7
	if n > 0 {
		decay := 0
		if c.WD != 0 {
			decay = 1
		}
		adamAVX2(&p[0], &g[0], &m[0], &v[0], n, c.Step, c.BC2Sqrt, c.W1, c.B2, c.W2, c.Eps, c.WD, decay)
	}
	return n
}

func adamwVec(p, g, m, v []float32, c AdamWCoef, pairs bool) int {
	n := len(p) &^ 7
	if n > 0 {
		wd, pr := 0, 0
		if c.WD {
			wd = 1
		}
		if pairs {
			pr = 1
		}
		adamwAVX2(&p[0], &g[0], &m[0], &v[0], n, c.B1, c.W1, c.B2, c.W2, c.Eps, c.Step, c.Decay, wd, pr)
	}
	return n
}

func addVec(d, x []float32) int {
	n := len(d) &^ 7
	if n > 0 {
		addAVX2(&d[0], &x[0], n)
	}
	return n
}
