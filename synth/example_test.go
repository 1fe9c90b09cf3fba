package synth_test

import (
	"fmt"

	"github.com/noble-neuro/noble/synth"
)

// Lists combine as a cartesian product, I_thr outermost and the amplitude
// innermost, or zipped with single values repeated.
func ExampleGrid() {
	p, _ := synth.Grid([]float64{0.015, 0.016}, []float64{780}, []float64{0.1, 0.2}, synth.Product)
	for _, s := range p {
		fmt.Println(s.IThr, s.SThr, s.AmpNA)
	}
	z, _ := synth.Grid([]float64{0.015, 0.016}, []float64{780, 790}, []float64{0.1}, synth.Zip)
	for _, s := range z {
		fmt.Println(s.IThr, s.SThr, s.AmpNA)
	}
	// Output:
	// 0.015 780 0.1
	// 0.015 780 0.2
	// 0.016 780 0.1
	// 0.016 780 0.2
	// 0.015 780 0.1
	// 0.016 790 0.1
}

// A synthetic population: 3 embeddings drawn uniformly in the convex hull of
// HoF embeddings, reproducibly from a seed.
func ExampleHull() {
	hof := []synth.Embedding{{IThr: 0.014, SThr: 700}, {IThr: 0.019, SThr: 720}, {IThr: 0.016, SThr: 900}}
	a, _ := synth.Hull(hof, 3, 0.1, 42)
	b, _ := synth.Hull(hof, 3, 0.1, 42)
	h := synth.ConvexHull(hof)
	for i := range a {
		fmt.Println(a[i] == b[i], synth.InHull(h, synth.Embedding{IThr: a[i].IThr, SThr: a[i].SThr}))
	}
	// Output:
	// true true
	// true true
	// true true
}
