package kernels_test

// Direct tests: each exported kernel against a naive Go reference in
// float64, on odd sizes that leave every vector tail (lengths up to 257
// cover 4 × 16-lane AVX-512 blocks and their remainders), whatever the
// build variant (cgo, purego, assembly).
//
// Tolerances: the elementwise kernels round each float32 operation once,
// so one product or sum is exact to ε = 2⁻²⁴ relative to its inputs'
// magnitude; a fused multiply-add in a vector variant rounds once instead
// of twice, so a bound of 2ε·(|a·x| + |b|) holds either way. A sum of n
// float32 products accumulated in float32 (Mix, MixBack) errs by at most
// about n·ε·Σ|terms| in any order, with n ≤ 2·width here; the float64
// reductions (Sum64, Dot64) by n·2⁻⁵³·Σ|terms|, far below 1e-12 of Σ|terms|.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/noble-neuro/noble/internal/kernels"
)

const eps32 = 1.0 / (1 << 24)

// sizes are the lengths of the elementwise tests.
var sizes = []int{0, 1, 2, 3, 5, 7, 9, 15, 17, 31, 33, 63, 65, 127, 129, 255, 257}

// randSlice returns n values uniform in [−scale, scale), from a fixed seed
// per (n, seed).
func randSlice(n int, seed uint64, scale float64) []float32 {
	r := rand.New(rand.NewPCG(seed, uint64(n)))
	s := make([]float32, n)
	for i := range s {
		s[i] = float32((2*r.Float64() - 1) * scale)
	}
	return s
}

// within reports whether got equals want to tol.
func within(got float32, want, tol float64) bool {
	return math.Abs(float64(got)-want) <= tol
}

// gelu64 is GELU and its derivative in float64 (math.Erf).
func gelu64(x float64) (g, d float64) {
	phi := 0.5 * (1 + math.Erf(x/math.Sqrt2))
	return x * phi, phi + x*math.Exp(-x*x/2)/math.Sqrt(2*math.Pi)
}

// geluTol is TestGelu's bound on the float32 GELU (A&S 7.1.26's 1.5e-7
// erf error times |x|/2, plus float32 rounding).
func geluTol(x, want float64) float64 { return math.Abs(x)*1e-7 + 1e-7*math.Abs(want) + 1e-7 }

func TestGeluSizes(t *testing.T) {
	for _, n := range sizes {
		x := randSlice(n, 1, 8)
		g := make([]float32, n)
		kernels.Gelu(g, x)
		d := randSlice(n, 2, 2)
		d0 := append([]float32(nil), d...)
		kernels.GeluBack(d, x)
		for i, v := range x {
			wg, wd := gelu64(float64(v))
			if !within(g[i], wg, geluTol(float64(v), wg)) {
				t.Errorf("n=%d: Gelu(%g) = %.9g, want %.9g", n, v, g[i], wg)
			}
			if want := float64(d0[i]) * wd; !within(d[i], want, 1e-6*math.Abs(float64(d0[i]))) {
				t.Errorf("n=%d: GeluBack(%g, %g) = %.9g, want %.9g", n, d0[i], v, d[i], want)
			}
		}
	}
}

func TestGeluBothDirect(t *testing.T) {
	for _, n := range sizes {
		x := randSlice(n, 3, 8)
		in := append([]float32(nil), x...)
		g := make([]float32, n)
		kernels.GeluBoth(g, x)
		for i, v := range in {
			wg, wd := gelu64(float64(v))
			if !within(g[i], wg, geluTol(float64(v), wg)) || !within(x[i], wd, 1e-6) {
				t.Errorf("n=%d: GeluBoth(%g) = %.9g, %.9g; want %.9g, %.9g", n, v, g[i], x[i], wg, wd)
			}
		}
	}
}

func TestGeluBiasDirect(t *testing.T) {
	for _, n := range sizes {
		for _, inPlace := range []bool{false, true} {
			x := randSlice(n, 4, 6)
			x0 := append([]float32(nil), x...)
			const b = -0.375 // exact in float32: x + b rounds once
			dst := make([]float32, n)
			if inPlace {
				dst = x
			}
			kernels.GeluBias(dst, x, b)
			for i, v := range x0 {
				xb := v + b
				wg, _ := gelu64(float64(xb))
				if !within(dst[i], wg, geluTol(float64(xb), wg)) {
					t.Errorf("n=%d in place %v: GeluBias(%g, %g) = %.9g, want %.9g", n, inPlace, v, b, dst[i], wg)
				}
				if !inPlace && x[i] != xb {
					t.Errorf("n=%d: GeluBias left x[%d] = %g, want x+b = %g", n, i, x[i], xb)
				}
			}
		}
	}
}

func TestAxpbDirect(t *testing.T) {
	for _, n := range sizes {
		for _, inPlace := range []bool{false, true} {
			x := randSlice(n, 5, 100)
			x0 := append([]float32(nil), x...)
			const a, b = 1.7, -0.3
			y := make([]float32, n)
			if inPlace {
				y = x
			}
			kernels.Axpb(y, x, a, b)
			for i, v := range x0 {
				ax := float64(float32(a)) * float64(v)
				want := ax + float64(float32(b))
				if !within(y[i], want, 2*eps32*(math.Abs(ax)+math.Abs(b))) {
					t.Errorf("n=%d in place %v: Axpb(%g) = %.9g, want %.9g", n, inPlace, v, y[i], want)
				}
			}
		}
	}
}

func TestAddDirect(t *testing.T) {
	for _, n := range sizes {
		d, x := randSlice(n, 6, 10), randSlice(n, 7, 10)
		want := make([]float32, n)
		for i := range want {
			want[i] = d[i] + x[i] // one rounding: the same in every variant
		}
		kernels.Add(d, x)
		for i := range d {
			if d[i] != want[i] {
				t.Errorf("n=%d: Add [%d] = %g, want %g", n, i, d[i], want[i])
			}
		}
	}
}

func TestMulDirect(t *testing.T) {
	for _, n := range sizes {
		d, x := randSlice(n, 8, 10), randSlice(n, 9, 10)
		want := make([]float32, n)
		for i := range want {
			want[i] = d[i] * x[i]
		}
		kernels.Mul(d, x)
		for i := range d {
			if d[i] != want[i] {
				t.Errorf("n=%d: Mul [%d] = %g, want %g", n, i, d[i], want[i])
			}
		}
	}
}

func TestSum64Direct(t *testing.T) {
	for _, n := range append(sizes, 1000, 4097) {
		x := randSlice(n, 10, 1e3)
		var want, abs float64
		for _, v := range x {
			want += float64(v)
			abs += math.Abs(float64(v))
		}
		if got := kernels.Sum64(x); math.Abs(got-want) > 1e-12*abs {
			t.Errorf("n=%d: Sum64 = %.17g, want %.17g", n, got, want)
		}
	}
}

func TestDot64Direct(t *testing.T) {
	for _, n := range append(sizes, 1000, 4097) {
		a, b := randSlice(n, 11, 1e2), randSlice(n+3, 12, 1e2) // b may be longer
		var want, abs float64
		for i, v := range a {
			want += float64(v) * float64(b[i])
			abs += math.Abs(float64(v) * float64(b[i]))
		}
		if got := kernels.Dot64(a, b); math.Abs(got-want) > 1e-12*abs {
			t.Errorf("n=%d: Dot64 = %.17g, want %.17g", n, got, want)
		}
	}
}

// foldShape is the (h, ne) of a length l: h = (l−1)/2 odd pairs, ne = h+1
// even entries plus the middle one when l is even.
func foldShape(l int) (h, ne int) {
	h = (l - 1) / 2
	ne = h + 1
	if l%2 == 0 {
		ne++
	}
	return h, ne
}

var foldLengths = []int{1, 2, 3, 4, 5, 7, 8, 9, 17, 32, 33, 64, 65, 129, 130}

func TestFoldDirect(t *testing.T) {
	for _, l := range foldLengths {
		for _, rows := range []int{1, 3} {
			h, ne := foldShape(l)
			x := randSlice(rows*l, 13, 5)
			e := make([]float32, rows*ne)
			o := make([]float32, rows*h)
			kernels.Fold(e, o, x, rows, l, h, ne)
			for r := range rows {
				xr := x[r*l : (r+1)*l]
				we := make([]float32, ne)
				wo := make([]float32, h)
				we[0] = xr[0]
				for k := 1; k <= h; k++ {
					we[k] = xr[k] + xr[l-k]
					wo[k-1] = xr[k] - xr[l-k]
				}
				if ne == h+2 {
					we[h+1] = xr[l/2]
				}
				for k := range we {
					if e[r*ne+k] != we[k] {
						t.Errorf("l=%d rows=%d: e[%d][%d] = %g, want %g", l, rows, r, k, e[r*ne+k], we[k])
					}
				}
				for k := range wo {
					if o[r*h+k] != wo[k] {
						t.Errorf("l=%d rows=%d: o[%d][%d] = %g, want %g", l, rows, r, k, o[r*h+k], wo[k])
					}
				}
			}
		}
	}
}

func TestUnfoldDirect(t *testing.T) {
	const rows, per = 6, 2
	bias := []float32{0.25, -1, 3}
	for _, l := range foldLengths {
		h, ne := foldShape(l)
		e := randSlice(rows*ne, 14, 5)
		o := randSlice(rows*h, 15, 5)
		for _, add := range []bool{false, true} {
			for _, withBias := range []bool{false, true} {
				name := fmt.Sprintf("l=%d add=%v bias=%v", l, add, withBias)
				y := randSlice(rows*l, 16, 1)
				y0 := append([]float32(nil), y...)
				var b []float32
				if withBias {
					b = bias
				}
				kernels.Unfold(y, e, o, rows, l, h, ne, add, b, per)
				for r := range rows {
					var br float64
					if withBias {
						br = float64(bias[r/per])
					}
					// want[t] and the magnitude of its terms, for the tolerance.
					want := make([]float64, l)
					mag := make([]float64, l)
					set := func(t int, v ...float64) {
						for _, x := range v {
							want[t] += x
							mag[t] += math.Abs(x)
						}
					}
					er, or := e[r*ne:(r+1)*ne], o[r*h:(r+1)*h]
					set(0, float64(er[0]), br)
					for k := 1; k <= h; k++ {
						set(k, float64(er[k]), float64(or[k-1]), br)
						set(l-k, float64(er[k]), -float64(or[k-1]), br)
					}
					if ne == h+2 {
						set(l/2, float64(er[h+1]), br)
					}
					for k := range l {
						if add {
							set(k, float64(y0[r*l+k]))
						}
						if got := y[r*l+k]; !within(got, want[k], 3*eps32*mag[k]) {
							t.Errorf("%s: y[%d][%d] = %.9g, want %.9g", name, r, k, got, want[k])
						}
					}
				}
			}
		}
	}
}

// mixShapes are (width, batch, m) of the spectral mixing tests.
var mixShapes = [][3]int{{1, 1, 1}, {3, 2, 7}, {5, 3, 17}, {2, 1, 33}, {4, 2, 65}}

// mixRef is the naive complex product ys[o][b][k] = Σ_i xs[i][b][k]·W[i][o][k]
// in float64, with Σ|terms| per entry; rows hold m real parts, then m
// imaginary parts.
func mixRef(xs, wre, wim []float32, width, batch, m int) (yr, yi, mag []float64) {
	n := width * batch * m
	yr, yi, mag = make([]float64, n), make([]float64, n), make([]float64, n)
	for o := range width {
		for b := range batch {
			for i := range width {
				x := xs[(i*batch+b)*2*m:]
				for k := range m {
					a, c := float64(x[k]), float64(x[m+k])
					p, q := float64(wre[(i*width+o)*m+k]), float64(wim[(i*width+o)*m+k])
					j := (o*batch+b)*m + k
					yr[j] += a*p - c*q
					yi[j] += a*q + c*p
					mag[j] += math.Abs(a*p) + math.Abs(c*q) + math.Abs(a*q) + math.Abs(c*p)
				}
			}
		}
	}
	return yr, yi, mag
}

func TestMixDirect(t *testing.T) {
	for _, sh := range mixShapes {
		width, batch, m := sh[0], sh[1], sh[2]
		xs := randSlice(width*batch*2*m, 17, 2)
		wre, wim := randSlice(width*width*m, 18, 1), randSlice(width*width*m, 19, 1)
		ys := randSlice(width*batch*2*m, 20, 9) // overwritten
		kernels.Mix(ys, xs, wre, wim, width, batch, m)
		yr, yi, mag := mixRef(xs, wre, wim, width, batch, m)
		tol := float64(2*width+2) * eps32
		for o := range width {
			for b := range batch {
				for k := range m {
					j := (o*batch+b)*m + k
					y := ys[(o*batch+b)*2*m:]
					if !within(y[k], yr[j], tol*mag[j]) || !within(y[m+k], yi[j], tol*mag[j]) {
						t.Errorf("width %d batch %d m %d: y[%d][%d][%d] = %g%+gi, want %g%+gi",
							width, batch, m, o, b, k, y[k], y[m+k], yr[j], yi[j])
					}
				}
			}
		}
	}
}

func TestMixBackDirect(t *testing.T) {
	for _, sh := range mixShapes {
		width, batch, m := sh[0], sh[1], sh[2]
		modes := m + 3 // dw rows are longer than the m modes used
		xs := randSlice(width*batch*2*m, 21, 2)
		dys := randSlice(width*batch*2*m, 22, 2)
		wre, wim := randSlice(width*width*m, 23, 1), randSlice(width*width*m, 24, 1)
		dxs := randSlice(width*batch*2*m, 25, 9) // overwritten
		dw := randSlice(width*width*modes*2, 26, 1)
		dw0 := append([]float32(nil), dw...)
		kernels.MixBack(dxs, dw, dys, xs, wre, wim, width, batch, m, modes)
		tol := float64(2*width+2) * eps32
		name := fmt.Sprintf("width %d batch %d m %d", width, batch, m)

		// dx[i][b][k] = Σ_o dy[o][b][k]·conj(W[i][o][k]).
		for i := range width {
			for b := range batch {
				for k := range m {
					var re, im, mag float64
					for o := range width {
						dy := dys[(o*batch+b)*2*m:]
						yr, yi := float64(dy[k]), float64(dy[m+k])
						p, q := float64(wre[(i*width+o)*m+k]), float64(wim[(i*width+o)*m+k])
						re += yr*p + yi*q
						im += yi*p - yr*q
						mag += math.Abs(yr*p) + math.Abs(yi*q) + math.Abs(yi*p) + math.Abs(yr*q)
					}
					dx := dxs[(i*batch+b)*2*m:]
					if !within(dx[k], re, tol*mag) || !within(dx[m+k], im, tol*mag) {
						t.Errorf("%s: dx[%d][%d][%d] = %g%+gi, want %g%+gi", name, i, b, k, dx[k], dx[m+k], re, im)
					}
				}
			}
		}
		// dw[i][o][k] += Σ_b conj(x[i][b][k])·dy[o][b][k], interleaved
		// (re, im); modes m … modes−1 untouched.
		for i := range width {
			for o := range width {
				row := (i*width + o) * modes * 2
				for k := range modes {
					re, im := float64(dw0[row+2*k]), float64(dw0[row+2*k+1])
					mag := math.Abs(re) + math.Abs(im)
					if k < m {
						for b := range batch {
							x := xs[(i*batch+b)*2*m:]
							dy := dys[(o*batch+b)*2*m:]
							xr, xi, yr, yi := float64(x[k]), float64(x[m+k]), float64(dy[k]), float64(dy[m+k])
							re += yr*xr + yi*xi
							im += yi*xr - yr*xi
							mag += math.Abs(yr*xr) + math.Abs(yi*xi) + math.Abs(yi*xr) + math.Abs(yr*xi)
						}
					}
					btol := float64(2*batch+2) * eps32 * mag
					if !within(dw[row+2*k], re, btol) || !within(dw[row+2*k+1], im, btol) {
						t.Errorf("%s: dw[%d][%d][%d] = %g%+gi, want %g%+gi", name, i, o, k, dw[row+2*k], dw[row+2*k+1], re, im)
					}
				}
			}
		}
	}
}
