package features

import (
	"path/filepath"
	"testing"

	"github.com/noble-neuro/noble/internal/testutil"
)

var sinkValues Values

// BenchmarkCompute: all features of one 8,583-sample trace at dt 0.06 ms
// (515 ms, the NOBLE protocol at the surrogate's resolution): the NEURON
// trace of mouse model 0 at 0.3 nA (42 spikes), and the same model at
// −0.1 nA (no spikes), decimated by 3.
func BenchmarkCompute(b *testing.B) {
	root := testutil.RepoRoot(b)
	for _, c := range []struct{ name, file string }{
		{"spiking", "hof_param_318331342_0__amp0.3.npy"},
		{"subthreshold", "hof_param_318331342_0__amp-0.1.npy"},
	} {
		full := readTrace(b, filepath.Join(root, "testdata/neuron/mouse_pvalb_318331342", c.file))
		v := make([]float64, 8583)
		for i := range v {
			v[i] = full[3*i]
		}
		s := NOBLE()
		ex, err := NewExtractor(&s)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkValues, err = ex.Compute(v, 0.06)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "traces/s")
		})
	}
}
