package dataset

import (
	"context"
	"os"
	"runtime"
	"testing"

	"github.com/noble-neuro/noble/sim"
)

// BenchmarkGenerateOverhead measures everything but the simulation (the
// fake simulator is cheap): trace specs, decimation, NPZ encoding, SHA-256,
// atomic writes, manifests, with NOBLE's protocol (545 ms at 0.02 ms →
// 9084 samples per trace).
func BenchmarkGenerateOverhead(b *testing.B) {
	src := &fakeSource{n: 12}
	g, err := NewGeneration(src.Cell(), src.Models(), fakeEmbeddings(12), &Settings{
		Traces: 64, TestSeenTraces: -1, TestHeldTraces: -1, TracesPerShard: 32, TestModels: []int{3},
		Stimulus: &Stimulus{Mode: 0.15, Lo: -0.05, Hi: 0.6, Scale: 0.2, Shape: 3},
	})
	if err != nil {
		b.Fatal(err)
	}
	var bytes int64
	traces := 0
	for b.Loop() {
		dir := b.TempDir()
		res, err := Generate(context.Background(), src, g, dir, &Options{Workers: 2})
		if err != nil {
			b.Fatal(err)
		}
		bytes += res.Bytes
		traces += res.Traces
		os.RemoveAll(dir)
	}
	b.ReportMetric(float64(traces)/b.Elapsed().Seconds(), "traces/s")
	b.ReportMetric(float64(bytes)/float64(traces), "bytes/trace")
}

// BenchmarkGenerateMouse generates traces of the shipped mouse cell under
// NOBLE's full protocol (545 ms at dt 0.02 ms) on all cores: the real
// throughput of dataset generation. Embeddings are fixed (not computed).
// Each op is 2 traces per core; run with -benchtime=1x.
func BenchmarkGenerateMouse(b *testing.B) {
	cell, err := sim.LoadCell("../data/cells/mouse_pvalb_318331342")
	if err != nil {
		b.Fatal(err)
	}
	src, err := NewCellSource(cell)
	if err != nil {
		b.Fatal(err)
	}
	emb := make([]Embedding, len(src.Models()))
	for i := range emb {
		emb[i] = Embedding{IThr: 0.2 + 0.001*float64(i), SThr: 300}
	}
	n := 2 * runtime.GOMAXPROCS(0)
	g, err := NewGeneration(src.Cell(), src.Models(), emb, &Settings{Traces: n, TestSeenTraces: -1, TestHeldTraces: -1, TracesPerShard: n})
	if err != nil {
		b.Fatal(err)
	}
	var bytes int64
	traces := 0
	for b.Loop() {
		dir := b.TempDir()
		res, err := Generate(context.Background(), src, g, dir, nil)
		if err != nil {
			b.Fatal(err)
		}
		bytes += res.Bytes
		traces += res.Traces
		os.RemoveAll(dir)
	}
	b.ReportMetric(float64(traces)/b.Elapsed().Seconds(), "traces/s")
	b.ReportMetric(float64(bytes)/float64(traces), "bytes/trace")
	b.ReportMetric(b.Elapsed().Seconds()/float64(traces)*1000, "ms/trace")
}
