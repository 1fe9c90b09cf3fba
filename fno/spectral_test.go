package fno

import (
	"fmt"
	"math"
	"math/cmplx"
	"testing"
)

// TestDFT compares analysis with rfft(x, norm="forward") written as a
// complex sum, and synthesis with irfft(·, n=L, norm="forward") of the
// kept modes, and checks that the backward routines are the adjoints
// (⟨S a, b⟩ = ⟨a, Sᵀ b⟩), in float64 for even, odd, tiny and clipped
// lengths.
func TestDFT(t *testing.T) {
	for _, tc := range []struct{ l, modes int }{{1, 3}, {2, 3}, {3, 3}, {8, 5}, {9, 5}, {16, 9}, {17, 4}, {31, 16}} {
		t.Run(fmt.Sprintf("L%d_M%d", tc.l, tc.modes), func(t *testing.T) {
			const rows = 3
			l := tc.l
			var d dft[float64]
			d.reset(l, tc.modes, rows)
			m := d.m
			if m != min(tc.modes, l/2+1) {
				t.Fatalf("m = %d", m)
			}
			x := randomSlice(rows*l, 1)
			spec := make([]float64, rows*2*m)
			d.analysis(spec, x, rows, d.c, d.s, 1/float64(l))
			for r := range rows {
				for k := range m {
					var want complex128
					for tt := range l {
						want += complex(x[r*l+tt], 0) * cmplx.Exp(complex(0, -2*math.Pi*float64(k*tt)/float64(l)))
					}
					want /= complex(float64(l), 0)
					if k == 0 || 2*k == l {
						want = complex(real(want), 0) // discarded by irfft
					}
					got := complex(spec[r*2*m+k], spec[r*2*m+m+k])
					if cmplx.Abs(got-want) > 1e-13 {
						t.Fatalf("row %d mode %d: %v, want %v", r, k, got, want)
					}
				}
			}
			// synthesis = irfft of the kept modes.
			z := randomSlice(rows*2*m, 2)
			y := make([]float64, rows*l)
			d.synthesis(y, z, rows, d.ca, d.sa, 1, false, nil, 1)
			for r := range rows {
				for tt := range l {
					want := z[r*2*m]
					for k := 1; k < m; k++ {
						c := complex(z[r*2*m+k], z[r*2*m+m+k]) * cmplx.Exp(complex(0, 2*math.Pi*float64(k*tt)/float64(l)))
						if 2*k == l {
							want += z[r*2*m+k] * math.Cos(math.Pi*float64(tt))
						} else {
							want += 2 * real(c)
						}
					}
					if math.Abs(y[r*l+tt]-want) > 1e-12 {
						t.Fatalf("row %d t %d: %v, want %v", r, tt, y[r*l+tt], want)
					}
				}
			}
			// Adjoints: ⟨analysis x, z⟩ = ⟨x, analysisᵀ z⟩ with analysisᵀ =
			// synthesis(c, s, 1/L); ⟨synthesis z, w⟩ = ⟨z, synthesisᵀ w⟩
			// with synthesisᵀ = analysis(ca, sa, 1).
			dot := func(a, b []float64) float64 {
				s := 0.0
				for i := range a {
					s += a[i] * b[i]
				}
				return s
			}
			// Components that never reach an output (imaginary parts of
			// DC and Nyquist) are zero in both directions.
			at := make([]float64, rows*l)
			d.synthesis(at, z, rows, d.c, d.s, 1/float64(l), false, nil, 1)
			if a, b := dot(spec, z), dot(x, at); math.Abs(a-b) > 1e-12*(1+math.Abs(a)) {
				t.Errorf("analysis adjoint: %v vs %v", a, b)
			}
			w := randomSlice(rows*l, 3)
			st := make([]float64, rows*2*m)
			d.analysis(st, w, rows, d.ca, d.sa, 1)
			if a, b := dot(y, w), dot(z, st); math.Abs(a-b) > 1e-12*(1+math.Abs(a)) {
				t.Errorf("synthesis adjoint: %v vs %v", a, b)
			}
		})
	}
}

// TestGeluDerivative checks geluBack against central differences of gelu
// in float64.
func TestGeluDerivative(t *testing.T) {
	xs := []float64{-6, -3, -1.5, -0.7, -1e-3, 0, 2e-3, 0.5, 1, 2.5, 5}
	d := make([]float64, len(xs))
	for i := range d {
		d[i] = 1
	}
	geluBack(nil, d, xs)
	for i, x := range xs {
		const h = 1e-6
		p, q := []float64{x + h}, []float64{x - h}
		gelu(nil, p, p)
		gelu(nil, q, q)
		fd := (p[0] - q[0]) / (2 * h)
		if math.Abs(d[i]-fd) > 1e-8 {
			t.Errorf("GELU'(%g) = %.12g, central difference %.12g", x, d[i], fd)
		}
	}
}
