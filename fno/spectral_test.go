package fno

import (
	"fmt"
	"math"
	"math/cmplx"
	"testing"

	"github.com/noble-neuro/noble/internal/gemm"
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

// TestDFTFused compares the float32 analysis and synthesis with the fold
// and unfold in the products' packing and stores (gemm.SgemmFold,
// gemm.SgemmUnfold) with the separate Fold, product and Unfold passes,
// for every instruction set of the products, with and without a helper
// (which splits the products in two), on odd and even lengths and row
// counts off the kernels' tiles (8 and 6): the same sums in the same
// order, so equal bit for bit.
func TestDFTFused(t *testing.T) {
	if !gemm.Fused {
		t.Skip("this build folds in separate passes only")
	}
	inUse, best := gemm.ISA()
	defer gemm.SetISA(inUse)
	isas := map[string][]string{"avx512": {"generic", "avx2", "avx512"}, "avx2": {"generic", "avx2"}}[best]
	if isas == nil {
		isas = []string{best}
	}
	h := &helper{req: make(chan struct{}, 1), done: make(chan struct{}, 1)}
	go h.loop()
	defer close(h.req)
	for _, isa := range isas {
		if err := gemm.SetISA(isa); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ l, modes, rows int }{
			{1, 3, 2}, {2, 3, 3}, {9, 5, 7}, {16, 9, 13}, {97, 20, 9}, {200, 64, 25}, {1001, 129, 17}, {1000, 200, 11},
		} {
			for _, help := range []*helper{nil, h} {
				name := fmt.Sprintf("%s/L%d_M%d_rows%d/helper%v", isa, tc.l, tc.modes, tc.rows, help != nil)
				l, rows := tc.l, tc.rows
				var d dft[float32]
				d.help = help
				d.reset(l, tc.modes, rows)
				m := d.m
				x := toF32(randomSlice(rows*l, 1))
				z := toF32(randomSlice(rows*2*m, 2))
				bias := toF32(randomSlice(rows/3+1, 3))
				y0 := toF32(randomSlice(rows*l, 4))
				run := func(separate bool) (spec, y, ya []float32) {
					separatePasses = separate
					defer func() { separatePasses = false }()
					d.reset(l, tc.modes, rows)
					spec = make([]float32, rows*2*m)
					d.analysis(spec, x, rows, d.c, d.s, 1/float32(l))
					y = make([]float32, rows*l)
					d.synthesis(y, z, rows, d.ca, d.sa, 1, false, bias, 3)
					ya = append([]float32(nil), y0...)
					d.synthesis(ya, z, rows, d.c, d.s, 1/float32(l), true, nil, 1)
					return spec, y, ya
				}
				gs, gy, gya := run(false)
				ws, wy, wya := run(true)
				for _, c := range []struct {
					what      string
					got, want []float32
				}{{"analysis", gs, ws}, {"synthesis", gy, wy}, {"synthesis add", gya, wya}} {
					for i := range c.got {
						if c.got[i] != c.want[i] {
							t.Fatalf("%s: %s[%d] = %v, want %v", name, c.what, i, c.got[i], c.want[i])
						}
					}
				}
			}
		}
	}
}

func toF32(s []float64) []float32 {
	d := make([]float32, len(s))
	for i, v := range s {
		d[i] = float32(v)
	}
	return d
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
