//go:build !cgo || purego

package kernels

import (
	"github.com/noble-neuro/noble/internal/cpuisa"
	"math"
	"slices"
	"testing"
)

// TestVectorExact: where the assembly loops of Sum64, Dot64, Axpb, Fold,
// Unfold, Mix, MixBack, Adam, AdamW, AdamWComplex and Add run, they give the bits of the scalar Go loops
// (the same operations in the same order), on sizes that leave tails; the
// AVX-512 GELU loops give the bits of the AVX2 ones.
func TestVectorExact(t *testing.T) {
	if detected == cpuisa.Generic {
		t.Skip("no assembly loops on this CPU or architecture")
	}
	saved := isa
	defer func() { isa = saved }()
	// run evaluates f under both instruction sets on copies made by mk.
	isas := [2]cpuisa.Level{cpuisa.Generic, cpuisa.AVX2}
	run := func(name string, mk func() [][]float32, f func(s [][]float32) []float64) {
		t.Helper()
		var out [2][][]float32
		var res [2][]float64
		for i := range 2 {
			isa = isas[i]
			s := mk()
			res[i] = f(s)
			out[i] = s
		}
		for j := range out[0] {
			if !slices.Equal(bits(out[0][j]), bits(out[1][j])) {
				t.Errorf("%s: slice %d differs between %s and %s", name, j, isas[0].String(), isas[1].String())
			}
		}
		for j := range res[0] {
			if math.Float64bits(res[0][j]) != math.Float64bits(res[1][j]) {
				t.Errorf("%s: result %d = %v (%s), %v (%s)", name, j, res[1][j], isas[1].String(), res[0][j], isas[0].String())
			}
		}
	}
	for _, n := range []int{1, 7, 8, 9, 23, 130} {
		run("Sum64/Dot64/Axpb", func() [][]float32 { return [][]float32{seq(n, 1), seq(n, 2), seq(n, 3)} },
			func(s [][]float32) []float64 {
				r := []float64{Sum64(s[0]), Dot64(s[0], s[1])}
				Axpb(s[2], s[0], 0.3, 1.7)
				return r
			})
	}
	for _, l := range []int{9, 10, 17, 34, 41, 58} {
		const rows = 3
		h := (l - 1) / 2
		ne := h + 1 + (1 - l%2)
		for _, add := range []bool{false, true} {
			run("Fold/Unfold", func() [][]float32 {
				return [][]float32{seq(rows*l, 1), make([]float32, rows*ne), make([]float32, rows*h), seq(rows*l, 2)}
			}, func(s [][]float32) []float64 {
				Fold(s[1], s[2], s[0], rows, l, h, ne)
				Unfold(s[3], s[1], s[2], rows, l, h, ne, add, []float32{0.1, 0.2, 0.3}, 1)
				return nil
			})
		}
	}
	for _, m := range []int{1, 8, 9, 17, 129} {
		const width, batch = 3, 2
		modes := m + 1
		run("Mix/MixBack", func() [][]float32 {
			return [][]float32{make([]float32, width*batch*2*m), seq(width*batch*2*m, 1), seq(width*width*m, 2),
				seq(width*width*m, 3), make([]float32, width*batch*2*m), seq(width*width*modes*2, 4), seq(width*batch*2*m, 5)}
		}, func(s [][]float32) []float64 {
			Mix(s[0], s[1], s[2], s[3], width, batch, m)
			MixBack(s[4], s[5], s[6], s[1], s[2], s[3], width, batch, m, modes)
			return nil
		})
	}
	for _, n := range []int{1, 7, 8, 9, 23, 130} {
		for _, wd := range []float32{0, 0.01} {
			// v[i+1] ≠ v[i]: AdamWComplex takes each pair's first.
			run("Adam/AdamW/AdamWComplex/Add", func() [][]float32 {
				p, m, v := seq(n, 1), seq(n, 3), seq(n, 4)
				for i := range v {
					v[i] *= v[i]
				}
				return [][]float32{p, seq(n, 2), m, v, slices.Clone(p), slices.Clone(m), slices.Clone(v),
					slices.Clone(p), slices.Clone(m), slices.Clone(v), seq(n, 5)}
			}, func(s [][]float32) []float64 {
				Adam(s[0], s[1], s[2], s[3], AdamCoef{Step: 0.0042, BC2Sqrt: 0.0316, W1: 0.1, B2: 0.999, W2: 0.001, Eps: 1e-8, WD: wd})
				cw := AdamWCoef{B1: 0.9, W1: 0.1, B2: 0.999, W2: 0.001, Eps: 1e-6, Step: 0.0001, Decay: -4e-5, WD: wd != 0}
				AdamW(s[4], s[1], s[5], s[6], cw)
				AdamWComplex(s[7], s[1], s[8], s[9], cw)
				Add(s[10], s[1])
				return nil
			})
		}
	}
	if detected < isaAVX512 {
		return
	}
	isas = [2]cpuisa.Level{cpuisa.AVX2, cpuisa.AVX512}
	for _, n := range []int{1, 15, 16, 17, 40, 333} {
		run("Gelu*", func() [][]float32 {
			return [][]float32{seq(n, 1), make([]float32, n), seq(n, 2), make([]float32, n), seq(n, 3), seq(n, 4), make([]float32, n)}
		}, func(s [][]float32) []float64 {
			Gelu(s[1], s[0])
			GeluBack(s[2], s[0])
			GeluBoth(s[3], s[4])
			GeluBias(s[6], s[5], 0.3)
			return nil
		})
	}
}

func bits(s []float32) []uint32 {
	b := make([]uint32, len(s))
	for i, v := range s {
		b[i] = math.Float32bits(v)
	}
	return b
}
