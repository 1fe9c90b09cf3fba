package synth

import (
	"context"
	"fmt"
	"testing"

	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/surrogate"
)

var sink []float32

// BenchmarkSynthesize times the published architecture (random weights,
// L = 8583) from stimuli to millivolts: encoding, forward pass, conversion.
func BenchmarkSynthesize(b *testing.B) {
	m, err := fno.New(fno.DefaultConfig(), 1)
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	sc := surrogate.Scaling{IThr: surrogate.Range{Min: 0.1, Max: 0.3}, SThr: surrogate.Range{Min: 100, Max: 300}, Lo: 0.5, Hi: 3.5}
	s, err := New(m, fno.Metadata{Scaling: &sc})
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1, 16} {
		b.Run(fmt.Sprint("batch=", n), func(b *testing.B) {
			sts := make([]surrogate.Stimulus, n)
			for i := range sts {
				sts[i] = surrogate.Stimulus{AmpNA: 0.2 + 0.01*float64(i), IThr: 0.2, SThr: 200}
			}
			b.ReportAllocs()
			for b.Loop() {
				if sink, err = s.Synthesize(context.Background(), sts, n, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*n), "ms/trace")
		})
	}
}
