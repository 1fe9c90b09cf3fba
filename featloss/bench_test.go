package featloss

import (
	"context"
	"testing"
)

var sink float64

// BenchmarkTrace measures the per-trace loss and gradient at the operator's
// length (L = 8583) on a spiking NEURON trace (a distorted copy of its own
// target), per feature and for all four together; ns/trace is per call.
func BenchmarkTrace(b *testing.B) {
	vs, wins, _ := realBatch(b)
	// The spiking trace of the shipped mouse cell at 0.3 nA (42 spikes).
	idx := -1
	for i, v := range vs {
		if len(Spikes(nil, v, -20)) > 30 {
			idx = i
			break
		}
	}
	if idx < 0 {
		b.Fatal("no spiking trace")
	}
	pred := make([]float64, realLen)
	for i, x := range vs[idx] {
		pred[i] = 0.97*x - 1
	}
	for _, tc := range []struct {
		name string
		spec Spec
	}{
		{"sag_amplitude", Spec{{SagAmplitude, 1}}},
		{"AP1_width", Spec{{AP1Width, 1}}},
		{"spike_count", Spec{{SpikeCount, 1}}},
		{"spike_timing", Spec{{SpikeTiming, 1}}},
		{"all", allSpec},
	} {
		b.Run(tc.name, func(b *testing.B) {
			l, err := New(tc.spec, nil)
			if err != nil {
				b.Fatal(err)
			}
			tg, err := l.Prepare(context.Background(), vs[idx:idx+1], wins[idx:idx+1])
			if err != nil {
				b.Fatal(err)
			}
			var ws Workspace
			ws.Reset(realLen)
			dst := make([]float64, realLen)
			b.ReportAllocs()
			for b.Loop() {
				sink += tg.Trace(&ws, dst, pred, 0)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/trace")
		})
	}
}

// BenchmarkPrepare measures the target preparation of one trace (eFEL
// features of the target for every term), done once per batch.
func BenchmarkPrepare(b *testing.B) {
	vs, wins, _ := realBatch(b)
	l, err := New(allSpec, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Prepare(context.Background(), vs[:1], wins[:1]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/trace")
}
