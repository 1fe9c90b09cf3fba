package dataset

import (
	"context"
	"fmt"
	"os"
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

// ExampleGenerate makes a small dataset with a stand-in simulator, opens it
// and reads the held-out test split trace by trace.
func ExampleGenerate() {
	src := &fakeSource{n: 12} // any Source; NewCellSource(cell) for a real cell
	g, err := NewGeneration(src.Cell(), src.Models(), fakeEmbeddings(12), &Settings{
		Traces: 25, TestSeenTraces: 5, TestHeldTraces: 5, Seed: 1, TracesPerShard: 4,
		TestModels: []int{3, 9}, Protocol: tinyProtocol,
	})
	if err != nil {
		panic(err)
	}
	dir, err := os.MkdirTemp("", "dataset-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	if _, err := Generate(ctx, src, g, dir, &Options{Workers: 2}); err != nil {
		panic(err)
	}
	d, err := Open(dir)
	if err != nil {
		panic(err)
	}
	for _, sp := range d.Manifest.Splits {
		fmt.Printf("%s: %d traces in %d shards\n", sp.Name, sp.Traces, sp.Shards)
	}
	err = d.EachTrace(ctx, SplitTestHeld, func(t Trace) error {
		fmt.Printf("trace %d: model %s, %.3f nA, %d samples\n", t.Index, d.Manifest.Models[t.Model].Name, t.Amp, len(t.V))
		return nil
	})
	if err != nil {
		panic(err)
	}
	// Output:
	// train: 25 traces in 7 shards
	// test_seen: 5 traces in 2 shards
	// test_held: 5 traces in 2 shards
	// trace 0: model m03, 0.277 nA, 401 samples
	// trace 1: model m09, 0.350 nA, 401 samples
	// trace 2: model m03, 0.331 nA, 401 samples
	// trace 3: model m09, 0.177 nA, 401 samples
	// trace 4: model m03, 0.311 nA, 401 samples
}
