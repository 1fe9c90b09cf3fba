package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// foldRef is the fold of fno's DFT (see SgemmFold), written out.
func foldRef(odd bool, x []float32, m, l int) []float32 {
	h, k := (l-1)/2, FoldLen(odd, l)
	f := make([]float32, m*k)
	for i := range m {
		xr, fr := x[i*l:(i+1)*l], f[i*k:(i+1)*k]
		if odd {
			for t := 1; t <= h; t++ {
				fr[t-1] = xr[t] - xr[l-t]
			}
			continue
		}
		fr[0] = xr[0]
		for t := 1; t <= h; t++ {
			fr[t] = xr[t] + xr[l-t]
		}
		if k > h+1 {
			fr[h+1] = xr[l/2]
		}
	}
	return f
}

func randS(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

// foldSizes are odd and even lengths (the extra column x(l/2) of an even
// length, the smallest l, several passes over k of 160 values, and
// more passes for the even fold than for the odd one at l = 320, 321)
// and row counts off the tiles (8 and 6).
var foldSizes = []struct{ m, l int }{
	{2, 1}, {3, 2}, {1, 3}, {1, 4}, {5, 7}, {9, 8}, {13, 37}, {7, 100}, {25, 101}, {8, 258}, {6, 259}, {5, 320}, {9, 321}, {17, 331}, {3, 1000},
}

// TestFold compares SgemmFold with the folds followed by Sgemm, for every
// instruction set: the same sums in the same order, so equal bit for bit.
func TestFold(t *testing.T) {
	if !Fused {
		t.Skip("no fused products in this build")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	forISA(t, func(isa string) {
		for _, sz := range foldSizes {
			for _, n := range []int{1, 7, 49, 129} {
				m, l := sz.m, sz.l
				ke, ko := FoldLen(false, l), FoldLen(true, l)
				ldbe, ldbo, ldc := n+5, n+1, 2*n+3
				x, be, bo := randS(rng, m*l), randS(rng, ke*ldbe), randS(rng, max(ko, 1)*ldbo)
				got, want := randS(rng, m*ldc), make([]float32, m*ldc)
				copy(want, got)
				SgemmFold(m, n, l, 0.3, x, be, ldbe, bo, ldbo, got, got[n:], ldc)
				Sgemm(false, false, m, n, ke, 0.3, foldRef(false, x, m, l), ke, be, ldbe, 0, want, ldc)
				Sgemm(false, false, m, n, ko, 0.3, foldRef(true, x, m, l), max(ko, 1), bo, ldbo, 0, want[n:], ldc)
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("%s/m%d/l%d/n%d: c[%d] = %v, want %v", isa, m, l, n, i, got[i], want[i])
					}
				}
			}
		}
	})
}

// TestUnfold compares SgemmUnfold with Sgemm of the even and odd sums
// followed by the unfold, for every instruction set, with and without
// add and bias, whole and split in two column ranges.
func TestUnfold(t *testing.T) {
	if !Fused {
		t.Skip("no fused products in this build")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	forISA(t, func(isa string) {
		for _, sz := range foldSizes {
			for _, k := range []int{1, 5, 129, 170} {
				for _, v := range []struct {
					add, bias bool
					split     int
				}{{false, false, 0}, {true, false, 0}, {false, true, 0}, {true, true, 1}, {false, true, 2}} {
					name := fmt.Sprintf("%s/m%d/l%d/k%d/%+v", isa, sz.m, sz.l, k, v)
					checkUnfold1(t, name, rng, sz.m, sz.l, k, v.add, v.bias, v.split)
				}
			}
		}
	})
}

func checkUnfold1(t *testing.T, name string, rng *rand.Rand, m, l, k int, add, withBias bool, split int) {
	t.Helper()
	h, ne := FoldLen(true, l), FoldLen(false, l)
	lda, ldbc, ldbs := 2*k+3, ne+2, h+1
	if h == 0 {
		ldbs = 0 // fno's table of no rows
	}
	a, bc, bs := randS(rng, m*lda), randS(rng, k*ldbc), randS(rng, k*ldbs)
	var bias []float32
	per := 3
	if withBias {
		bias = randS(rng, (m-1)/per+1)
	}
	got := randS(rng, m*l)
	want := append([]float32(nil), got...)
	switch split {
	case 0:
		SgemmUnfold(m, l, 0, ne, k, 0.7, a, lda, bc, ldbc, bs, ldbs, got, add, bias, per)
	default: // two ranges, the first ending inside a tile or at 1
		t1 := min(ne, 1+split*(ne/3))
		SgemmUnfold(m, l, t1, ne, k, 0.7, a, lda, bc, ldbc, bs, ldbs, got, add, bias, per)
		SgemmUnfold(m, l, 0, t1, k, 0.7, a, lda, bc, ldbc, bs, ldbs, got, add, bias, per)
	}
	e, o := make([]float32, m*ne), make([]float32, m*max(h, 1))
	Sgemm(false, false, m, ne, k, 0.7, a, lda, bc, ldbc, 0, e, ne)
	if h > 0 {
		Sgemm(false, false, m, h, k, 0.7, a[k:], lda, bs, ldbs, 0, o, h)
	}
	for i := range m {
		yr, er, or := want[i*l:(i+1)*l], e[i*ne:(i+1)*ne], o[i*h:(i+1)*h]
		var b float32
		if bias != nil {
			b = bias[i/per]
		}
		put := func(t int, v float32) {
			if add {
				yr[t] += v
			} else {
				yr[t] = v
			}
		}
		put(0, er[0]+b)
		for t := 1; t <= h; t++ {
			put(t, (er[t]+or[t-1])+b)
			put(l-t, (er[t]-or[t-1])+b)
		}
		if ne > h+1 {
			put(l/2, er[h+1]+b)
		}
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: y[%d] = %v, want %v", name, i, got[i], want[i])
		}
	}
}
