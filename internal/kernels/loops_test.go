package kernels

import (
	"fmt"
	"math"
	"testing"
)

// seq returns n values in about [−2, 2] that vary with seed.
func seq(n int, seed float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(2 * math.Sin(seed+float64(i)*0.731))
	}
	return s
}

// near reports whether got is within tol·(1 + |want|) of want.
func near(got float32, want, tol float64) bool {
	return math.Abs(float64(got)-want) <= tol*(1+math.Abs(want))
}

// TestReductions compares Sum64 and Dot64 with float64 sums on lengths
// around the vector width: float64 accumulation of float32 values (or
// their exact products) of size ≤ 4, within 1e-13 relative for these n.
func TestReductions(t *testing.T) { eachISA(t, testReductions) }

func testReductions(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 17, 64, 333} {
		a, b := seq(n, 1), seq(n+3, 2)
		var s, d float64
		for i := range a {
			s += float64(a[i])
			d += float64(a[i]) * float64(b[i])
		}
		if got := Sum64(a); math.Abs(got-s) > 1e-13*float64(n+1) {
			t.Errorf("Sum64(n=%d) = %v, want %v", n, got, s)
		}
		if got := Dot64(a, b); math.Abs(got-d) > 1e-13*float64(n+1) {
			t.Errorf("Dot64(n=%d) = %v, want %v", n, got, d)
		}
		y := seq(n+2, 3)
		Axpb(y, a, 1.5, -0.25)
		for i := range a {
			// Two roundings of float32: within 2 ε.
			if !near(y[i], 1.5*float64(a[i])-0.25, 2.4e-7) {
				t.Fatalf("Axpb(n=%d)[%d] = %v, want %v", n, i, y[i], 1.5*float64(a[i])-0.25)
			}
		}
	}
}

// TestFoldUnfold checks Fold and Unfold against their definitions on
// lengths whose halves h = (l−1)/2 leave vector tails of 0 to 7, odd and
// even l: one float32 addition per value (within ε relative, 2 ε for
// Unfold's two, plus the bias).
func TestFoldUnfold(t *testing.T) { eachISA(t, testFoldUnfold) }

func testFoldUnfold(t *testing.T) {
	const rows, per = 4, 2
	for _, l := range []int{3, 9, 10, 17, 18, 33, 34, 41, 58} {
		h := (l - 1) / 2
		ne := h + 1
		if l%2 == 0 {
			ne++
		}
		x := seq(rows*l, float64(l))
		e, o := make([]float32, rows*ne), make([]float32, rows*h)
		Fold(e, o, x, rows, l, h, ne)
		for r := range rows {
			xr := x[r*l : (r+1)*l]
			for tt := 1; tt <= h; tt++ {
				if !near(e[r*ne+tt], float64(xr[tt])+float64(xr[l-tt]), 1.2e-7) ||
					!near(o[r*h+tt-1], float64(xr[tt])-float64(xr[l-tt]), 1.2e-7) {
					t.Fatalf("Fold l=%d row %d t=%d: e %v o %v", l, r, tt, e[r*ne+tt], o[r*h+tt-1])
				}
			}
			if e[r*ne] != xr[0] || (ne > h+1 && e[r*ne+h+1] != xr[l/2]) {
				t.Fatalf("Fold l=%d row %d: ends %v %v", l, r, e[r*ne], e[r*ne+ne-1])
			}
		}
		bias := []float32{0.5, -0.75}
		for _, add := range []bool{false, true} {
			y0 := seq(rows*l, 7)
			y := append([]float32(nil), y0...)
			Unfold(y, e, o, rows, l, h, ne, add, bias, per)
			for r := range rows {
				er, or := e[r*ne:(r+1)*ne], o[r*h:(r+1)*h]
				b := float64(bias[r/per])
				want := make([]float64, l)
				want[0] = float64(er[0]) + b
				for tt := 1; tt <= h; tt++ {
					want[tt] = float64(er[tt]) + float64(or[tt-1]) + b
					want[l-tt] = float64(er[tt]) - float64(or[tt-1]) + b
				}
				if ne > h+1 {
					want[l/2] = float64(er[h+1]) + b
				}
				for i, w := range want {
					if add {
						w += float64(y0[r*l+i])
					}
					if !near(y[r*l+i], w, 5e-7) {
						t.Fatalf("Unfold l=%d add=%v row %d [%d] = %v, want %v", l, add, r, i, y[r*l+i], w)
					}
				}
			}
		}
	}
}

// TestMix checks Mix and MixBack against complex float64 sums on mode
// counts around the vector width: width products of size ≤ 8 summed in
// float32, within 1e-6 relative to the sum of magnitudes (scaled here by
// 1 + |want|).
func TestMix(t *testing.T) { eachISA(t, testMix) }

func testMix(t *testing.T) {
	const width, batch = 3, 2
	for _, m := range []int{1, 7, 8, 9, 17, 24} {
		modes := m + 2
		m2 := 2 * m
		xs, dys := seq(width*batch*m2, 1), seq(width*batch*m2, 2)
		wre, wim := seq(width*width*m, 3), seq(width*width*m, 4)
		ys, dxs := make([]float32, width*batch*m2), make([]float32, width*batch*m2)
		dw := seq(width*width*modes*2, 5)
		dw0 := append([]float32(nil), dw...)
		Mix(ys, xs, wre, wim, width, batch, m)
		MixBack(dxs, dw, dys, xs, wre, wim, width, batch, m, modes)
		x := func(s []float32, c, b, k int) complex128 {
			row := s[(c*batch+b)*m2:]
			return complex(float64(row[k]), float64(row[m+k]))
		}
		w := func(i, o, k int) complex128 {
			return complex(float64(wre[(i*width+o)*m+k]), float64(wim[(i*width+o)*m+k]))
		}
		conj := func(z complex128) complex128 { return complex(real(z), -imag(z)) }
		const tol = 1e-6 * 8 * width * batch
		for b := range batch {
			for k := range m {
				for o := range width {
					var y complex128
					for i := range width {
						y += x(xs, i, b, k) * w(i, o, k)
					}
					if got := x(ys, o, b, k); !near(float32(real(got)), real(y), tol) || !near(float32(imag(got)), imag(y), tol) {
						t.Fatalf("Mix m=%d: y[%d][%d][%d] = %v, want %v", m, o, b, k, got, y)
					}
				}
				for i := range width {
					var dx complex128
					for o := range width {
						dx += x(dys, o, b, k) * conj(w(i, o, k))
					}
					if got := x(dxs, i, b, k); !near(float32(real(got)), real(dx), tol) || !near(float32(imag(got)), imag(dx), tol) {
						t.Fatalf("MixBack m=%d: dx[%d][%d][%d] = %v, want %v", m, i, b, k, got, dx)
					}
				}
			}
		}
		for i := range width {
			for o := range width {
				for k := range modes {
					g := dw[((i*width+o)*modes+k)*2:]
					g0 := dw0[((i*width+o)*modes+k)*2:]
					want := complex(float64(g0[0]), float64(g0[1]))
					if k < m {
						for b := range batch {
							want += conj(x(xs, i, b, k)) * x(dys, o, b, k)
						}
					}
					name := fmt.Sprintf("MixBack m=%d: dw[%d][%d][%d]", m, i, o, k)
					if !near(g[0], real(want), tol) || !near(g[1], imag(want), tol) {
						t.Fatalf("%s = (%v, %v), want %v", name, g[0], g[1], want)
					}
				}
			}
		}
	}
}
