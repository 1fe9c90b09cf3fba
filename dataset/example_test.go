package dataset

import (
	"fmt"
)

// ExampleDefaultStimulus derives the amplitude distribution of NOBLE's human
// cell from its models' threshold range (13.9–19.4 pA).
func ExampleDefaultStimulus() {
	s, err := DefaultStimulus([]float64{0.0139, 0.0165, 0.0194})
	if err != nil {
		panic(err)
	}
	fmt.Printf("mode %.4f nA, support [%.4f, %.4f] nA, scale %.4f nA, shape %g\n", s.Mode, s.Lo, s.Hi, s.Scale, s.Shape)
	// Output: mode 0.0165 nA, support [-0.1111, 0.2794] nA, scale 0.1302 nA, shape 3
}

// ExampleProtocol_Layout shows NOBLE's stored traces: 545 ms simulated,
// decimated to 9084 samples, 8583-sample windows.
func ExampleProtocol_Layout() {
	p := Protocol{} // NOBLE's defaults
	sp := p.Sim(0.1)
	l := p.Layout(3)
	fmt.Printf("simulate %g ms, step %g → %g ms\n", sp.TStop, sp.Delay, sp.Delay+sp.Dur)
	fmt.Printf("%d samples at %.2f ms; windows of %d start at 0 … %d; test window at %d\n", l.Samples, l.Dt, l.WindowSamples, l.MaxOffset, l.TestOffset)
	// Output:
	// simulate 545 ms, step 30 → 430 ms
	// 9084 samples at 0.06 ms; windows of 8583 start at 0 … 500; test window at 250
}
