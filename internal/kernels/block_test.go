package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The block kernels against a naive float64 reference, on odd block shapes
// with a row stride beyond the columns (the stride's gap must stay
// untouched), for every instruction set of the build.

var blockShapes = [][2]int{{1, 1}, {3, 5}, {2, 17}, {5, 33}, {4, 129}, {3, 257}}

func blockRand(n int, seed uint64, scale float64) []float32 {
	r := rand.New(rand.NewPCG(seed, uint64(n)))
	s := make([]float32, n)
	for i := range s {
		s[i] = float32((2*r.Float64() - 1) * scale)
	}
	return s
}

// blockEps is the float32 rounding unit, 2⁻²⁴.
const blockEps = 1.0 / (1 << 24)

func gelu64ref(x float64) (g, d float64) {
	phi := 0.5 * (1 + math.Erf(x/math.Sqrt2))
	return x * phi, phi + x*math.Exp(-x*x/2)/math.Sqrt(2*math.Pi)
}

func nearBlock(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

func TestGateBack(t *testing.T) { eachISA(t, testGateBack) }

func testGateBack(t *testing.T) {
	for _, sh := range blockShapes {
		rows, cols := sh[0], sh[1]
		ld, ldx := cols+3, cols+1
		for _, variant := range []struct{ z, pre bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
			size := (rows-1)*ld + cols
			dz := blockRand(size, 1, 2)
			dz0 := append([]float32(nil), dz...)
			dx := blockRand(size, 2, 1)
			dx0 := append([]float32(nil), dx...)
			x := blockRand((rows-1)*ldx+cols, 3, 4)
			x0 := append([]float32(nil), x...)
			var z, pre []float32
			if variant.z {
				z = blockRand(size, 4, 4)
			}
			if variant.pre {
				pre = blockRand(size, 5, 4)
			}
			gate := blockRand(rows, 6, 1)
			dot, sum := make([]float64, rows), make([]float64, rows)
			for r := range rows {
				dot[r], sum[r] = float64(r), -float64(r)
			}
			GateBack(dz, dx, x, z, pre, gate, dot, sum, rows, cols, ld, ldx, min(ld, ldx)-cols)
			for r := range rows {
				var wdot, wsum, adot, asum float64
				for j := range cols {
					i, ix := r*ld+j, r*ldx+j
					d := float64(dz0[i])
					if z != nil {
						_, gd := gelu64ref(float64(z[i]))
						d *= gd
					}
					xv := float64(x0[ix])
					if pre != nil {
						xv, _ = gelu64ref(float64(pre[i]))
					}
					if !nearBlock(float64(dz[i]), d, 1e-6*math.Abs(float64(dz0[i]))+1e-30) {
						t.Fatalf("%d×%d %+v: dz[%d][%d] = %g, want %g", rows, cols, variant, r, j, dz[i], d)
					}
					if !nearBlock(float64(x[ix]), xv, 1e-6*(1+math.Abs(xv))) {
						t.Fatalf("%d×%d %+v: x[%d][%d] = %g, want %g", rows, cols, variant, r, j, x[ix], xv)
					}
					if want := float64(gate[r]) * float64(dz[i]); !nearBlock(float64(dx[i]), want, 2*blockEps*math.Abs(want)) {
						t.Fatalf("%d×%d %+v: dx[%d][%d] = %g, want %g", rows, cols, variant, r, j, dx[i], want)
					}
					wdot += float64(dz[i]) * float64(x[ix])
					wsum += float64(dz[i])
					adot += math.Abs(float64(dz[i]) * float64(x[ix]))
					asum += math.Abs(float64(dz[i]))
				}
				if !nearBlock(dot[r], float64(r)+wdot, 1e-12*(adot+1)) || !nearBlock(sum[r], -float64(r)+wsum, 1e-12*(asum+1)) {
					t.Fatalf("%d×%d %+v: row %d sums %g, %g, want %g, %g", rows, cols, variant, r, dot[r], sum[r], float64(r)+wdot, -float64(r)+wsum)
				}
				if r < rows-1 {
					for j := cols; j < ld; j++ {
						if i := r*ld + j; dz[i] != dz0[i] || dx[i] != dx0[i] {
							t.Fatalf("%d×%d %+v: gap [%d][%d] written", rows, cols, variant, r, j)
						}
					}
					for j := cols; j < ldx; j++ {
						if i := r*ldx + j; x[i] != x0[i] {
							t.Fatalf("%d×%d %+v: gap of x [%d][%d] written", rows, cols, variant, r, j)
						}
					}
				}
			}
		}
	}
}

func TestGeluBoth2(t *testing.T) { eachISA(t, testGeluBoth2) }

func testGeluBoth2(t *testing.T) {
	for _, sh := range blockShapes {
		rows, cols := sh[0], sh[1]
		ldg, ldx := cols+2, cols+5
		x := blockRand((rows-1)*ldx+cols, 7, 8)
		x0 := append([]float32(nil), x...)
		g := blockRand((rows-1)*ldg+cols, 8, 1)
		g0 := append([]float32(nil), g...)
		d := make([]float32, len(g))
		GeluBoth2(g, d, x, rows, cols, ldg, ldx, ldx-cols)
		for r := range rows {
			for j := range cols {
				v := float64(x[r*ldx+j])
				if x[r*ldx+j] != x0[r*ldx+j] {
					t.Fatalf("%d×%d: x changed", rows, cols)
				}
				wg, wd := gelu64ref(v)
				if !nearBlock(float64(g[r*ldg+j]), wg, math.Abs(v)*1e-7+1e-7*math.Abs(wg)+1e-7) {
					t.Fatalf("%d×%d: GELU(%g) = %g, want %g", rows, cols, v, g[r*ldg+j], wg)
				}
				if !nearBlock(float64(d[r*ldg+j]), wd, 1e-6) {
					t.Fatalf("%d×%d: GELU'(%g) = %g, want %g", rows, cols, v, d[r*ldg+j], wd)
				}
			}
			for j := cols; j < ldg && r < rows-1; j++ {
				if i := r*ldg + j; g[i] != g0[i] || d[i] != 0 {
					t.Fatalf("%d×%d: gap [%d][%d] written", rows, cols, r, j)
				}
			}
		}
	}
}

func TestMulSum(t *testing.T) { eachISA(t, testMulSum) }

func testMulSum(t *testing.T) {
	for _, sh := range blockShapes {
		rows, cols := sh[0], sh[1]
		ldd, ldx := cols+4, cols
		for _, variant := range []struct{ mul, sum bool }{{true, true}, {true, false}, {false, true}} {
			d := blockRand((rows-1)*ldd+cols, 9, 3)
			d0 := append([]float32(nil), d...)
			var x []float32
			if variant.mul {
				x = blockRand((rows-1)*ldx+cols, 10, 2)
			}
			var sum []float64
			if variant.sum {
				sum = make([]float64, rows)
				for r := range sum {
					sum[r] = 0.5 * float64(r)
				}
			}
			MulSum(d, x, sum, rows, cols, ldd, ldx, ldd-cols)
			for r := range rows {
				var ws, as float64
				for j := range cols {
					i := r*ldd + j
					want := float64(d0[i])
					if x != nil {
						want *= float64(x[r*ldx+j])
					}
					if !nearBlock(float64(d[i]), want, blockEps*math.Abs(want)) {
						t.Fatalf("%d×%d %+v: d[%d][%d] = %g, want %g", rows, cols, variant, r, j, d[i], want)
					}
					ws += float64(d[i])
					as += math.Abs(float64(d[i]))
				}
				if sum != nil && !nearBlock(sum[r], 0.5*float64(r)+ws, 1e-12*(as+1)) {
					t.Fatalf("%d×%d %+v: sum[%d] = %g, want %g", rows, cols, variant, r, sum[r], 0.5*float64(r)+ws)
				}
				for j := cols; j < ldd && r < rows-1; j++ {
					if i := r*ldd + j; d[i] != d0[i] {
						t.Fatalf("%d×%d %+v: gap [%d][%d] written", rows, cols, variant, r, j)
					}
				}
			}
		}
	}
}

func TestGeluRows(t *testing.T) { eachISA(t, testGeluRows) }

func testGeluRows(t *testing.T) {
	for _, sh := range blockShapes {
		rows, cols := sh[0], sh[1]
		for _, inplace := range []bool{false, true} {
			ldx, ldd := cols+3, cols+1
			if inplace {
				ldd = ldx
			}
			x := blockRand((rows-1)*ldx+cols, 11, 8)
			x0 := append([]float32(nil), x...)
			dst := blockRand((rows-1)*ldd+cols, 12, 1)
			if inplace {
				dst = x
			}
			d0 := append([]float32(nil), dst...)
			GeluRows(dst, x, rows, cols, ldd, ldx, ldd-cols)
			for r := range rows {
				for j := range cols {
					v := float64(x0[r*ldx+j])
					wg, _ := gelu64ref(v)
					if got := float64(dst[r*ldd+j]); !nearBlock(got, wg, math.Abs(v)*1e-7+1e-7*math.Abs(wg)+1e-7) {
						t.Fatalf("%d×%d in place %v: GELU(%g) = %g, want %g", rows, cols, inplace, v, got, wg)
					}
				}
				for j := cols; j < ldd && r < rows-1; j++ {
					if i := r*ldd + j; dst[i] != d0[i] {
						t.Fatalf("%d×%d in place %v: gap [%d][%d] written", rows, cols, inplace, r, j)
					}
				}
			}
		}
	}
}

func TestGeluBiasRows(t *testing.T) { eachISA(t, testGeluBiasRows) }

func testGeluBiasRows(t *testing.T) {
	for _, sh := range blockShapes {
		rows, cols := sh[0], sh[1]
		ldx, ldd := cols+2, cols+5
		x := blockRand((rows-1)*ldx+cols, 13, 6)
		x0 := append([]float32(nil), x...)
		b := blockRand(rows, 14, 2)
		dst := blockRand((rows-1)*ldd+cols, 15, 1)
		d0 := append([]float32(nil), dst...)
		GeluBiasRows(dst, x, b, rows, cols, ldd, ldx, ldx-cols)
		for r := range rows {
			for j := range cols {
				v := float32(x0[r*ldx+j] + b[r])
				if x[r*ldx+j] != v {
					t.Fatalf("%d×%d: x+b = %g, want %g", rows, cols, x[r*ldx+j], v)
				}
				wg, _ := gelu64ref(float64(v))
				if got := float64(dst[r*ldd+j]); !nearBlock(got, wg, math.Abs(float64(v))*1e-7+1e-7*math.Abs(wg)+1e-7) {
					t.Fatalf("%d×%d: GELU(%g) = %g, want %g", rows, cols, v, got, wg)
				}
			}
			for j := cols; j < ldx && r < rows-1; j++ {
				if i := r*ldx + j; x[i] != x0[i] {
					t.Fatalf("%d×%d: gap of x [%d][%d] written", rows, cols, r, j)
				}
			}
			for j := cols; j < ldd && r < rows-1; j++ {
				if i := r*ldd + j; dst[i] != d0[i] {
					t.Fatalf("%d×%d: gap [%d][%d] written", rows, cols, r, j)
				}
			}
		}
	}
}

func TestAxpbRows(t *testing.T) { eachISA(t, testAxpbRows) }

func testAxpbRows(t *testing.T) {
	for _, sh := range blockShapes {
		rows, cols := sh[0], sh[1]
		ld := cols + 4
		x := blockRand((rows-1)*ld+cols, 16, 3)
		y := blockRand(len(x), 17, 1)
		y0 := append([]float32(nil), y...)
		a, b := blockRand(rows, 18, 2), blockRand(rows, 19, 2)
		AxpbRows(y, x, a, b, rows, cols, ld, ld-cols)
		for r := range rows {
			for j := range cols {
				i := r*ld + j
				want := float64(a[r])*float64(x[i]) + float64(b[r])
				if !nearBlock(float64(y[i]), want, 2*blockEps*(math.Abs(float64(a[r])*float64(x[i]))+math.Abs(float64(b[r])))) {
					t.Fatalf("%d×%d: y[%d][%d] = %g, want %g", rows, cols, r, j, y[i], want)
				}
			}
			for j := cols; j < ld && r < rows-1; j++ {
				if i := r*ld + j; y[i] != y0[i] {
					t.Fatalf("%d×%d: gap [%d][%d] written", rows, cols, r, j)
				}
			}
		}
		// In place.
		AxpbRows(x, x, a, b, rows, cols, ld, 0)
		for r := range rows {
			for j := range cols {
				if i := r*ld + j; x[i] != y[i] {
					t.Fatalf("%d×%d: in place y[%d][%d] = %g, want %g", rows, cols, r, j, x[i], y[i])
				}
			}
		}
	}
}
