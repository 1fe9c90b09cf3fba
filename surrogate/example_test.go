package surrogate_test

import (
	"fmt"

	"github.com/noble-neuro/noble/surrogate"
)

func ExampleEncoder_Encode() {
	// Fit the min-max scaling over a cell's hall-of-fame models.
	s, err := surrogate.FitScaling([]float64{0.10, 0.25, 0.40}, []float64{80, 150, 220})
	if err != nil {
		panic(err)
	}
	enc, err := surrogate.NewEncoder(surrogate.DefaultProtocol(), s)
	if err != nil {
		panic(err)
	}
	x, err := enc.Encode(nil, surrogate.Stimulus{AmpNA: 0.3, IThr: 0.25, SThr: 150})
	if err != nil {
		panic(err)
	}
	l := enc.Protocol.Length
	first, end := enc.Protocol.StimSamples()
	fmt.Printf("input [%d, %d]; current on samples %d..%d\n", enc.Channels(), l, first, end-1)
	fmt.Printf("current before/during: %g %g (0.1 nA)\n", x[first-1], x[first])
	fmt.Printf("scaled I_thr %.2f, s_thr %.2f\n", s.ScaleIThr(0.25), s.ScaleSThr(150))
	// Output:
	// input [23, 8583]; current on samples 250..6916
	// current before/during: 0 3 (0.1 nA)
	// scaled I_thr 2.00, s_thr 2.00
}

func ExampleParseEmbedding() {
	// I_thr only: the ablation's "I_thr only" input, two channels fewer.
	e, err := surrogate.ParseEmbedding("amp=9,i_thr=1")
	if err != nil {
		panic(err)
	}
	fmt.Println(e.Channels(), "channels;", surrogate.DefaultEmbedding().Channels(), "with", surrogate.DefaultEmbedding())
	// Output:
	// 21 channels; 23 with amp=9,s_thr=1,i_thr=1
}
