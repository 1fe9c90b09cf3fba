package kernels

import (
	"math"
	"testing"
)

// TestGelu compares with the exact GELU in float64 (math.Erf): the erf
// approximation is within 1.5e-7 absolute (Abramowitz & Stegun 7.1.26),
// so GELU = x·(1+erf)/2 is within |x|·0.75e-7, plus float32 rounding in
// the polynomial and exponential (a few 1e-8 relative to the terms, ≤ 1e-7
// absolute for |x| ≤ 12) and of the result; GELU' within 1e-6.
func TestGelu(t *testing.T) { eachISA(t, testGelu) }

func testGelu(t *testing.T) {
	var xs []float32
	for v := -12.0; v <= 12; v += 0.001 {
		xs = append(xs, float32(v))
	}
	xs = append(xs, 0, -0, 1e-30, -1e-30, 100, -100, 1e10, -1e10)
	got := make([]float32, len(xs))
	Gelu(got, xs)
	d := make([]float32, len(xs))
	for i := range d {
		d[i] = 1
	}
	GeluBack(d, xs)
	in := append([]float32(nil), xs...)
	Gelu(in, in)
	for i, x := range xs {
		f := float64(x)
		phi := 0.5 * (1 + math.Erf(f/math.Sqrt2))
		want := f * phi
		if e := math.Abs(float64(got[i]) - want); e > math.Abs(f)*1e-7+1e-7*math.Abs(want)+1e-7 {
			t.Errorf("Gelu(%g) = %.9g, want %.9g", x, got[i], want)
		}
		if in[i] != got[i] {
			t.Errorf("in-place Gelu(%g) = %g, out of place %g", x, in[i], got[i])
		}
		dw := phi + f*math.Exp(-f*f/2)/math.Sqrt(2*math.Pi)
		if math.Abs(f) < 1e5 && math.Abs(float64(d[i])-dw) > 1e-6 {
			t.Errorf("GeluBack(%g) = %.9g, want %.9g", x, d[i], dw)
		}
	}
}

var sink float32

func BenchmarkGelu(b *testing.B) {
	x := make([]float32, 1<<16)
	for i := range x {
		x[i] = float32(i%2000)/100 - 10
	}
	y := make([]float32, len(x))
	for b.Loop() {
		Gelu(y, x)
	}
	sink = y[1]
	b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N*len(x)), "ns/elem")
}

func BenchmarkGeluBack(b *testing.B) {
	x := make([]float32, 1<<16)
	for i := range x {
		x[i] = float32(i%2000)/100 - 10
	}
	y := make([]float32, len(x))
	for b.Loop() {
		GeluBack(y, x)
	}
	sink = y[1]
	b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N*len(x)), "ns/elem")
}

func TestGeluBiasAxpb(t *testing.T) { eachISA(t, testGeluBiasAxpb) }

func testGeluBiasAxpb(t *testing.T) {
	x := []float32{-3, -0.5, 0, 0.25, 2}
	want := make([]float32, len(x))
	for i, v := range x {
		want[i] = v + 0.5
	}
	Gelu(want, want)
	in := append([]float32(nil), x...)
	GeluBias(in, in, 0.5) // in place
	out := make([]float32, len(x))
	y := append([]float32(nil), x...)
	GeluBias(out, y, 0.5)
	for i := range x {
		if in[i] != want[i] || out[i] != want[i] || y[i] != x[i]+0.5 {
			t.Errorf("GeluBias(%g): in place %g, out %g (x %g), want %g", x[i], in[i], out[i], y[i], want[i])
		}
	}
	Axpb(y, x, 2, -1)
	for i := range x {
		if y[i] != 2*x[i]-1 {
			t.Errorf("Axpb: %g, want %g", y[i], 2*x[i]-1)
		}
	}
}

// TestGeluBothMul: GeluBoth gives Gelu's and GeluBack's values from one
// evaluation (the same formulas, so the same float32 values), and Mul
// applies a stored derivative as GeluBack would.
func TestGeluBothMul(t *testing.T) { eachISA(t, testGeluBothMul) }

func testGeluBothMul(t *testing.T) {
	var xs []float32
	for v := -9.0; v <= 9; v += 0.0137 {
		xs = append(xs, float32(v))
	}
	g := make([]float32, len(xs))
	d := append([]float32(nil), xs...)
	GeluBoth(g, d)
	want := make([]float32, len(xs))
	Gelu(want, xs)
	d0 := make([]float32, len(xs))
	for i := range d0 {
		d0[i] = 0.5 + float32(i%7)
	}
	wantBack := append([]float32(nil), d0...)
	GeluBack(wantBack, xs)
	Mul(d0, d)
	for i, x := range xs {
		if g[i] != want[i] {
			t.Errorf("GeluBoth(%g): GELU %g, Gelu gives %g", x, g[i], want[i])
		}
		if e := math.Abs(float64(d0[i] - wantBack[i])); e > 1e-6*math.Abs(float64(wantBack[i])) {
			t.Errorf("Mul(d, GELU'(%g)) = %g, GeluBack gives %g", x, d0[i], wantBack[i])
		}
	}
}

// TestUnfoldBias: Unfold with a bias per channel equals Unfold followed by
// adding the bias, for both the set and the add forms, odd and even L.
func TestUnfoldBias(t *testing.T) { eachISA(t, testUnfoldBias) }

func testUnfoldBias(t *testing.T) {
	for _, l := range []int{9, 10} {
		const rows, per = 6, 2
		h := (l - 1) / 2
		ne := h + 1
		if l%2 == 0 {
			ne++
		}
		e := make([]float32, rows*ne)
		o := make([]float32, rows*h)
		for i := range e {
			e[i] = float32(i%5) - 1.5
		}
		for i := range o {
			o[i] = float32(i%3) * 0.7
		}
		bias := []float32{0.25, -1, 3}
		for _, add := range []bool{false, true} {
			y0 := make([]float32, rows*l)
			y1 := make([]float32, rows*l)
			for i := range y0 {
				y0[i] = float32(i) * 0.01
				y1[i] = y0[i]
			}
			Unfold(y0, e, o, rows, l, h, ne, add, nil, 0)
			Unfold(y1, e, o, rows, l, h, ne, add, bias, per)
			for i := range y0 {
				want := y0[i] + bias[i/l/per]
				if math.Abs(float64(y1[i]-want)) > 1e-6 {
					t.Fatalf("L=%d add=%v: y[%d] = %g, want %g", l, add, i, y1[i], want)
				}
			}
		}
	}
}

// TestAdamExact: the optimizer loops give the bits of plain scalar Go
// float32 code (each operation rounded, no fused multiply-add) for both
// rules, with and without weight decay, on lengths that leave vector tails.
func TestAdamExact(t *testing.T) { eachISA(t, testAdamExact) }

func testAdamExact(t *testing.T) {
	for _, n := range []int{1, 7, 8, 17, 64, 333} {
		mk := func(seed float32) []float32 {
			s := make([]float32, n)
			for i := range s {
				s[i] = float32(math.Sin(float64(seed)+float64(i)*0.37)) * 0.1
			}
			return s
		}
		for _, wd := range []float32{0, 0.01} {
			p, g, m, v := mk(1), mk(2), mk(3), mk(4)
			for i := range v {
				v[i] *= v[i]
			}
			c := AdamCoef{Step: 0.0042, BC2Sqrt: 0.0316, W1: 0.1, B2: 0.999, W2: 0.001, Eps: 1e-8, WD: wd}
			wp, wm, wv := append([]float32(nil), p...), append([]float32(nil), m...), append([]float32(nil), v...)
			for i := range wp {
				gi := g[i]
				if wd != 0 {
					gi = gi + float32(wd*wp[i])
				}
				wm[i] = wm[i] + float32(c.W1*float32(gi-wm[i]))
				wv[i] = float32(wv[i]*c.B2) + float32(float32(c.W2*gi)*gi)
				den := float32(float32(math.Sqrt(float64(wv[i])))/c.BC2Sqrt) + c.Eps
				wp[i] = wp[i] - float32(c.Step*float32(wm[i]/den))
			}
			Adam(p, g, m, v, c)
			for i := range p {
				if p[i] != wp[i] || m[i] != wm[i] || v[i] != wv[i] {
					t.Fatalf("Adam n=%d wd=%g: [%d] p %g m %g v %g, want %g %g %g", n, wd, i, p[i], m[i], v[i], wp[i], wm[i], wv[i])
				}
			}
			cw := AdamWCoef{B1: 0.9, W1: 0.1, B2: 0.999, W2: 0.001, Eps: 1e-6, Step: 0.0001, Decay: -4e-5, WD: wd != 0}
			for _, pairs := range []bool{false, true} {
				p, g, m, v := mk(5), mk(6), mk(7), mk(8)
				for i := range v {
					v[i] *= v[i]
					if pairs && i%2 == 1 {
						v[i] = v[i-1]
					}
				}
				wp, wm, wv := append([]float32(nil), p...), append([]float32(nil), m...), append([]float32(nil), v...)
				step := func(i int, den float32) {
					x := wp[i] - float32(cw.Step*float32(wm[i]/den))
					if cw.WD {
						x = x + float32(cw.Decay*x)
					}
					wp[i] = x
				}
				if pairs {
					for i := 0; i+1 < n; i += 2 {
						wm[i] = float32(wm[i]*cw.B1) + float32(cw.W1*g[i])
						wm[i+1] = float32(wm[i+1]*cw.B1) + float32(cw.W1*g[i+1])
						vv := float32(wv[i]*cw.B2) + float32(float32(float32(cw.W2*g[i])*g[i])+float32(float32(cw.W2*g[i+1])*g[i+1]))
						wv[i], wv[i+1] = vv, vv
						den := float32(math.Sqrt(float64(vv))) + cw.Eps
						step(i, den)
						step(i+1, den)
					}
					AdamWComplex(p, g, m, v, cw)
				} else {
					for i := range wp {
						wm[i] = float32(wm[i]*cw.B1) + float32(cw.W1*g[i])
						wv[i] = float32(wv[i]*cw.B2) + float32(float32(cw.W2*g[i])*g[i])
						step(i, float32(math.Sqrt(float64(wv[i])))+cw.Eps)
					}
					AdamW(p, g, m, v, cw)
				}
				for i := range p {
					if p[i] != wp[i] || m[i] != wm[i] || v[i] != wv[i] {
						t.Fatalf("AdamW pairs=%v n=%d wd=%g: [%d] p %g m %g v %g, want %g %g %g", pairs, n, wd, i, p[i], m[i], v[i], wp[i], wm[i], wv[i])
					}
				}
			}
		}
	}
}

// TestGeluTails runs the GELU kernels on short and odd lengths, the vector
// loops' tails, against the exact GELU and GELU' in float64 (the
// tolerances of TestGelu), and checks that nothing past the length is
// written.
func TestGeluTails(t *testing.T) { eachISA(t, testGeluTails) }

func testGeluTails(t *testing.T) {
	const guard = 12345
	for _, n := range []int{1, 3, 7, 8, 9, 15, 16, 17, 31, 33} {
		x := make([]float32, n+8)
		for i := range x {
			x[i] = float32(math.Sin(float64(i)*1.7)) * 5
		}
		buf := func() []float32 {
			s := make([]float32, n+8)
			for i := range s {
				s[i] = guard
			}
			return s
		}
		g, d, both, gb := buf(), buf(), buf(), buf()
		for i := range n {
			d[i] = 1
		}
		xb := append([]float32(nil), x...)
		xs := append([]float32(nil), x...)
		Gelu(g[:n], x[:n])
		GeluBack(d[:n], x[:n])
		GeluBoth(both[:n], xb[:n])
		for i := range xs[:n] {
			xs[i] -= 0.25
		}
		GeluBias(gb[:n], xs[:n], 0.25)
		for i := range n {
			f := float64(x[i])
			phi := 0.5 * (1 + math.Erf(f/math.Sqrt2))
			want, dw := f*phi, phi+f*math.Exp(-f*f/2)/math.Sqrt(2*math.Pi)
			tol := math.Abs(f)*1e-7 + 1e-7*math.Abs(want) + 1e-7
			for name, got := range map[string]float32{"Gelu": g[i], "GeluBoth": both[i]} {
				if math.Abs(float64(got)-want) > tol {
					t.Errorf("n=%d: %s(%g) = %.9g, want %.9g", n, name, x[i], got, want)
				}
			}
			// The bias is added in float32 first: x − 0.25 + 0.25 = x exactly
			// for these |x| ≤ 5 only up to rounding, so compare with GELU of xs.
			fb := float64(xs[i])
			wb := fb * 0.5 * (1 + math.Erf(fb/math.Sqrt2))
			if math.Abs(float64(gb[i])-wb) > math.Abs(fb)*1e-7+1e-7*math.Abs(wb)+1e-7 {
				t.Errorf("n=%d: GeluBias(%g) = %.9g, want %.9g", n, xs[i], gb[i], wb)
			}
			for name, got := range map[string]float32{"GeluBack": d[i], "GeluBoth": xb[i]} {
				if math.Abs(float64(got)-dw) > 1e-6 {
					t.Errorf("n=%d: %s'(%g) = %.9g, want %.9g", n, name, x[i], got, dw)
				}
			}
		}
		for i := n; i < n+8; i++ {
			if g[i] != guard || d[i] != guard || both[i] != guard || gb[i] != guard || xb[i] != x[i] || xs[i] != x[i] {
				t.Fatalf("n=%d: element %d past the end written", n, i)
			}
		}
	}
}
