package mech

import (
	"testing"
)

// benchNodes is the number of compartments per benchmark op, about the size
// of the PVALB cells (91 and 127 compartments) rounded up.
const benchNodes = 128

// benchState returns a State of benchNodes nodes spread over −90…+30 mV.
func benchState() *State {
	s := newState(benchNodes, 0, 2e-4, 34)
	for i := range s.V {
		s.V[i] = -90 + 120*float64(i)/benchNodes
	}
	return s
}

// BenchmarkMechanisms measures Current + Advance of each mechanism on
// benchNodes compartments: ns per compartment-step.
func BenchmarkMechanisms(b *testing.B) {
	for _, k := range Kinds() {
		b.Run(k.Name, func(b *testing.B) {
			s := benchState()
			nodes := make([]int, benchNodes)
			for i := range nodes {
				nodes[i] = i
			}
			m := k.New(nodes)
			m.Init(s)
			i, g := make([]float64, benchNodes), make([]float64, benchNodes)
			b.ReportAllocs()
			for b.Loop() {
				m.Current(s, i, g)
				m.Advance(s, 0.025)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchNodes, "ns/compartment-step")
		})
	}
}

var sinkY [naN]float64

// BenchmarkNaVSolve compares one backward Euler step of the 12-state NaV
// scheme by the dedicated block solve (with the rates) against the dense
// 12×12 Gaussian elimination reference (also with the rates).
func BenchmarkNaVSolve(b *testing.B) {
	r := newNaConst(0.9)
	for _, bc := range []struct {
		name string
		step func(*naConst, *[naN]float64, float64, float64)
	}{
		{"dedicated", (*naConst).step},
		{"dense", denseBackwardEuler},
	} {
		b.Run(bc.name, func(b *testing.B) {
			y := r.steadyState(-65)
			v := -65.0
			for b.Loop() {
				bc.step(&r, &y, v, 0.025)
				v = -v - 130 // alternate −65, −65: keep the rates honest
			}
			sinkY = y
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/compartment-step")
		})
	}
}

// BenchmarkSet measures Current + Advance of the mechanism sets of the
// PVALB models on benchNodes compartments: "dend" (pas, Ih, Im_v2, Kv3_1,
// NaV) and "all" (the 13, as in the mouse axon plus Ih and Im_v2). NEURON
// 8.2.2 on this machine (tools/neuron_mech.py's cell recipe, a 1001-segment
// cable, fadvance loop, load ~4–12): dend 3.6 µs, all 8.7 µs, NaV alone
// 2.3 µs per compartment-step (including its Hines solve, ~60 ns).
func BenchmarkSet(b *testing.B) {
	for _, set := range []struct {
		name  string
		mechs []string
	}{
		{"dend", []string{"pas", "Ih", "Im_v2", "Kv3_1", "NaV"}},
		{"all", Names()},
	} {
		b.Run(set.name, func(b *testing.B) {
			s := benchState()
			nodes := make([]int, benchNodes)
			for i := range nodes {
				nodes[i] = i
			}
			var ms []Mechanism
			for _, name := range set.mechs {
				k, _ := Lookup(name)
				m := k.New(nodes)
				m.Init(s)
				ms = append(ms, m)
			}
			i, g := make([]float64, benchNodes), make([]float64, benchNodes)
			b.ReportAllocs()
			for b.Loop() {
				for _, m := range ms {
					m.Current(s, i, g)
				}
				for _, m := range ms {
					m.Advance(s, 0.025)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchNodes, "ns/compartment-step")
		})
	}
}
