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
func TestGelu(t *testing.T) {
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

func TestGeluBiasAxpb(t *testing.T) {
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
func TestGeluBothMul(t *testing.T) {
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
func TestUnfoldBias(t *testing.T) {
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
