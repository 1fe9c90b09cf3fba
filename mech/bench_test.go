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

// BenchmarkAll measures Current + Advance of every mechanism of the mouse
// Pvalb soma/axon set on benchNodes compartments: the mechanism share of a
// whole-cell step.
func BenchmarkAll(b *testing.B) {
	s := benchState()
	nodes := make([]int, benchNodes)
	for i := range nodes {
		nodes[i] = i
	}
	var ms []Mechanism
	for _, k := range Kinds() {
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
}
