//go:build !cgo || purego

package kernels

import (
	"fmt"
	"math"

	"github.com/noble-neuro/noble/internal/cpuisa"
)

// Backend names the implementation in use.
const Backend = "go"

// The instruction sets of the pure-Go build: scalar Go (generic) and, on
// amd64, the assembly loops of gelu_amd64.s and loops_amd64.s (avx2 with
// FMA; avx512, which only the GELU loops use beyond AVX2).
const (
	isaGeneric = cpuisa.Generic
	isaAVX512  = cpuisa.AVX512
)

// NOBLE_KERNELS_ISA=generic forces the scalar Go loops (for tests and
// benchmarks); an unusable value is reported on stderr.
var (
	detected = detect()
	isa      = cpuisa.FromEnv("NOBLE_KERNELS_ISA", detected)
)

// setISA selects the loops by instruction set, for tests and benchmarks;
// it must not be called while a kernel runs.
func setISA(name string) error {
	l, err := cpuisa.Choose(name, detected)
	if err != nil {
		return fmt.Errorf("kernels: %w", err)
	}
	isa = l
	return nil
}

// Gelu sets dst[i] = GELU(x[i]); dst may be x itself. It panics if
// len(dst) < len(x).
func Gelu(dst, x []float32) {
	dst = dst[:len(x)]
	if isa != isaGeneric {
		geluVec(dst, x)
		return
	}
	for i, v := range x {
		e := float32(0)
		dst[i] = v * phi(v, &e)
	}
}

// GeluBack sets d[i] *= GELU'(x[i]). It panics if len(d) < len(x).
func GeluBack(d, x []float32) {
	d = d[:len(x)]
	if isa != isaGeneric {
		geluBackVec(d, x)
		return
	}
	for i, v := range x {
		var e float32
		p := phi(v, &e)
		d[i] *= p + v*e*0.39894228040143268
	}
}

func expf(x float32) float32 {
	x = max(min(x, 88), -87)
	fn := (x*1.44269504088896341 + 12582912) - 12582912
	r := x - fn*0.693359375
	r = r + fn*2.12194440e-4
	p := float32(1.9875691500e-4)
	p = p*r + 1.3981999507e-3
	p = p*r + 8.3334519073e-3
	p = p*r + 4.1665795894e-2
	p = p*r + 1.6666665459e-1
	p = p*r + 5.0000001201e-1
	e := p*r*r + r + 1
	return e * math.Float32frombits(uint32(int32(fn)+127)<<23)
}

func phi(x float32, e *float32) float32 {
	z := x * 0.70710678118654752
	az := z
	if az < 0 {
		az = -az
	}
	t := 1 / (1 + 0.3275911*az)
	p := float32(1.061405429)
	p = p*t - 1.453152027
	p = p*t + 1.421413741
	p = p*t - 0.284496736
	p = p*t + 0.254829592
	p = p * t
	ex := expf(-z * z)
	*e = ex
	erf := 1 - p*ex
	if z < 0 {
		erf = -erf
	}
	return 0.5 + 0.5*erf
}

// Fold forms, for each of rows rows of x ([rows][l]), the even part
// e[r] = [x0, x1+x(l−1), …, xh+x(l−h), (x(l/2) if ne = h+2)] and the odd
// part o[r] = [x1−x(l−1), …, xh−x(l−h)], h = (l−1)/2.
func Fold(e, o, x []float32, rows, l, h, ne int) {
	if isa != isaGeneric {
		foldVec(e, o, x, rows, l, h, ne)
		return
	}
	for r := range rows {
		xr, er, or := x[r*l:(r+1)*l], e[r*ne:(r+1)*ne], o[r*h:(r+1)*h]
		er[0] = xr[0]
		for t := 1; t <= h; t++ {
			a, b := xr[t], xr[l-t]
			er[t] = a + b
			or[t-1] = a - b
		}
		if ne > h+1 {
			er[h+1] = xr[l/2]
		}
	}
}

// Unfold sets (or with add, adds to) y[r][t] = e[t] + o[t−1] and
// y[r][l−t] = e[t] − o[t−1], y[r][0] = e[0], y[r][l/2] = e[h+1] if ne = h+2.
func Unfold(y, e, o []float32, rows, l, h, ne int, add bool, bias []float32, per int) {
	if isa != isaGeneric {
		unfoldVec(y, e, o, rows, l, h, ne, add, bias, per)
		return
	}
	for r := range rows {
		yr, er, or := y[r*l:(r+1)*l], e[r*ne:(r+1)*ne], o[r*h:(r+1)*h]
		var b float32
		if bias != nil {
			b = bias[r/per]
		}
		if !add {
			clear(yr)
		}
		yr[0] += er[0] + b
		for t := 1; t <= h; t++ {
			yr[t] += (er[t] + or[t-1]) + b
			yr[l-t] += (er[t] - or[t-1]) + b
		}
		if ne > h+1 {
			yr[l/2] += er[h+1] + b
		}
	}
}

// GeluBoth sets g[i] = GELU(x[i]) and x[i] = GELU'(x[i]) from one
// evaluation of the error function. It panics if len(g) < len(x).
func GeluBoth(g, x []float32) {
	g = g[:len(x)]
	if isa != isaGeneric {
		geluBothVec(g, x)
		return
	}
	for i, v := range x {
		var e float32
		p := phi(v, &e)
		g[i] = v * p
		x[i] = p + v*e*0.39894228040143268
	}
}

// Mul sets d[i] *= x[i]. It panics if len(x) < len(d).
func Mul(d, x []float32) {
	x = x[:len(d)]
	for i := range d {
		d[i] *= x[i]
	}
}

// Mix sets ys[o][b] = Σ_i xs[i][b]·W[i][o] per mode (complex; rows of 2m:
// real parts then imaginary; wre, wim [in][out][m]).
func Mix(ys, xs, wre, wim []float32, width, batch, m int) {
	if isa != isaGeneric {
		mixVec(ys, xs, wre, wim, width, batch, m)
		return
	}
	m2 := 2 * m
	for o := range width {
		for b := range batch {
			y := ys[(o*batch+b)*m2 : (o*batch+b+1)*m2]
			yr, yi := y[:m], y[m:]
			clear(y)
			for i := range width {
				x := xs[(i*batch+b)*m2 : (i*batch+b+1)*m2]
				xr, xi := x[:m], x[m:]
				wr, wi := wre[(i*width+o)*m:(i*width+o+1)*m], wim[(i*width+o)*m:(i*width+o+1)*m]
				for k := range yr {
					a, c, p, q := xr[k], xi[k], wr[k], wi[k]
					yr[k] += a*p - c*q
					yi[k] += a*q + c*p
				}
			}
		}
	}
}

// MixBack sets dxs[i][b] = Σ_o dys[o][b]·conj(W[i][o]) and adds
// Σ_b conj(xs[i][b])·dys[o][b] to the interleaved gradient dw
// [in][out][modes][2].
func MixBack(dxs, dw, dys, xs, wre, wim []float32, width, batch, m, modes int) {
	if isa != isaGeneric {
		mixBackVec(dxs, dw, dys, xs, wre, wim, width, batch, m, modes)
		return
	}
	m2 := 2 * m
	for i := range width {
		for b := range batch {
			dx := dxs[(i*batch+b)*m2 : (i*batch+b+1)*m2]
			dxr, dxi := dx[:m], dx[m:]
			clear(dx)
			for o := range width {
				dy := dys[(o*batch+b)*m2 : (o*batch+b+1)*m2]
				dyr, dyi := dy[:m], dy[m:]
				wr, wi := wre[(i*width+o)*m:(i*width+o+1)*m], wim[(i*width+o)*m:(i*width+o+1)*m]
				for k := range dxr {
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
				for k := range xr {
					g[2*k] += dyr[k]*xr[k] + dyi[k]*xi[k]
					g[2*k+1] += dyi[k]*xr[k] - dyr[k]*xi[k]
				}
			}
		}
	}
}

// Sum64 returns Σ x with float64 accumulators in a fixed order.
func Sum64(x []float32) float64 {
	if isa != isaGeneric {
		return sum64Vec(x)
	}
	var s [8]float64
	i := 0
	for ; i+8 <= len(x); i += 8 {
		for j := range s {
			s[j] += float64(x[i+j])
		}
	}
	for ; i < len(x); i++ {
		s[0] += float64(x[i])
	}
	return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
}

// Dot64 returns Σ a·b with float64 accumulators in a fixed order. It
// panics if len(b) < len(a).
func Dot64(a, b []float32) float64 {
	b = b[:len(a)]
	if isa != isaGeneric {
		return dot64Vec(a, b)
	}
	var s [8]float64
	i := 0
	for ; i+8 <= len(a); i += 8 {
		for j := range s {
			s[j] += float64(a[i+j]) * float64(b[i+j])
		}
	}
	for ; i < len(a); i++ {
		s[0] += float64(a[i]) * float64(b[i])
	}
	return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
}

// GeluBias adds b to x in place and sets dst = GELU(x); dst may be x. It
// panics if len(dst) < len(x).
func GeluBias(dst, x []float32, b float32) {
	dst = dst[:len(x)]
	if isa != isaGeneric {
		geluBiasVec(dst, x, b)
		return
	}
	for i := range x {
		x[i] += b
	}
	Gelu(dst, x)
}

// Axpb sets y = a·x + b elementwise; y may be x. It panics if
// len(y) < len(x).
func Axpb(y, x []float32, a, b float32) {
	y = y[:len(x)]
	if isa != isaGeneric {
		axpbVec(y, x, a, b)
		return
	}
	for i, v := range x {
		y[i] = a*v + b
	}
}

// The optimizer loops and Add below run their leading whole vectors in
// assembly where there is some (adamVec, adamwVec, addVec: the same
// operations, so the same bits) and the rest, or everything, in Go.

// Adam is one torch.optim.Adam step over p with gradients g and moments m,
// v (all of one length; g, m and v are checked): the loop of fno.Adam.Update,
// whose documentation has the formulas. It does not allocate.
func Adam(p, g, m, v []float32, c AdamCoef) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	if isa != isaGeneric {
		n := adamVec(p, g, m, v, c)
		p, g, m, v = p[n:], g[n:], m[n:], v[n:]
	}
	for i, x := range p {
		gi := g[i]
		if c.WD != 0 {
			gi += c.WD * x
		}
		m[i] += c.W1 * (gi - m[i])
		v[i] = v[i]*c.B2 + c.W2*gi*gi
		den := float32(math.Sqrt(float64(v[i])))/c.BC2Sqrt + c.Eps
		p[i] = x - c.Step*(m[i]/den)
	}
}

// AdamW is one step of neuralop's AdamW over real parameters (fno.Adam.Update).
func AdamW(p, g, m, v []float32, c AdamWCoef) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	if isa != isaGeneric {
		n := adamwVec(p, g, m, v, c, false)
		p, g, m, v = p[n:], g[n:], m[n:], v[n:]
	}
	for i, x := range p {
		gi := g[i]
		m[i] = float32(m[i]*c.B1) + float32(c.W1*gi)
		// addcmul_(g, g, value=1−β2) evaluates value·g·g left to right.
		v[i] = float32(v[i]*c.B2) + float32(float32(c.W2*gi)*gi)
		den := float32(math.Sqrt(float64(v[i]))) + c.Eps
		x -= c.Step * (m[i] / den)
		if c.WD {
			x += c.Decay * x
		}
		p[i] = x
	}
}

// AdamWComplex is AdamW over (re, im) pairs sharing one second moment; an
// odd last element is left alone.
func AdamWComplex(p, g, m, v []float32, c AdamWCoef) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	if isa != isaGeneric {
		n := adamwVec(p, g, m, v, c, true) // even: whole pairs
		p, g, m, v = p[n:], g[n:], m[n:], v[n:]
	}
	for i := 0; i+1 < len(p); i += 2 {
		re, im := g[i], g[i+1]
		m[i] = float32(m[i]*c.B1) + float32(c.W1*re)
		m[i+1] = float32(m[i+1]*c.B1) + float32(c.W1*im)
		// (value·g)·conj(g): real part (w·re)·re + (w·im)·im, imaginary
		// part exactly 0, so v stays real.
		sq := float32(float32(c.W2*re)*re) + float32(float32(c.W2*im)*im)
		vv := float32(v[i]*c.B2) + sq
		v[i], v[i+1] = vv, vv
		den := float32(math.Sqrt(float64(vv))) + c.Eps
		for k := i; k < i+2; k++ {
			x := p[k] - c.Step*(m[k]/den)
			if c.WD {
				x += c.Decay * x
			}
			p[k] = x
		}
	}
}

// Add sets d[i] += x[i]. It panics if len(x) < len(d).
func Add(d, x []float32) {
	x = x[:len(d)]
	if isa != isaGeneric {
		n := addVec(d, x)
		d, x = d[n:], x[n:]
	}
	for i := range d {
		d[i] += x[i]
	}
}
