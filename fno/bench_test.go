package fno

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchLength is the NOBLE trace length: 515 ms at dt = 0.06 ms.
const benchLength = 8583

var sinkF float32

func benchInput(batch, l, in int) []float32 {
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, batch*in*l)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

// BenchmarkForward is the inference pass at batch 1 and 64, L = 8583.
func BenchmarkForward(b *testing.B) {
	cfg := DefaultConfig()
	fwd, _ := cfg.FLOPs(benchLength)
	for _, batch := range []int{1, 64} {
		b.Run(fmt.Sprintf("batch%d", batch), func(b *testing.B) {
			m, _ := New(cfg, 1)
			x := benchInput(batch, benchLength, cfg.InChannels)
			y := make([]float32, batch*benchLength)
			m.Forward(y, x, batch, benchLength)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				m.Forward(y, x, batch, benchLength)
			}
			sinkF = y[0]
			traces := float64(b.N * batch)
			b.ReportMetric(b.Elapsed().Seconds()*1e3/traces, "ms/trace")
			b.ReportMetric(fwd*traces/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkTrainStep is forward, relative L4 loss, backward and Adam at
// batch 8, L = 8583.
func BenchmarkTrainStep(b *testing.B) {
	cfg := DefaultConfig()
	fwd, bwd := cfg.FLOPs(benchLength)
	const batch = 8
	m, _ := New(cfg, 1)
	x := benchInput(batch, benchLength, cfg.InChannels)
	target := benchInput(batch, benchLength, 1)
	y := make([]float32, batch*benchLength)
	dy := make([]float32, batch*benchLength)
	opt := NewAdam(len(m.Params), 0.004)
	step := func() {
		m.ZeroGrad()
		m.ForwardTrain(y, x, batch, benchLength)
		RelLpLoss(dy, 4, y, target, batch, benchLength)
		m.Backward(dy)
		opt.Update(m.Params, m.Grad)
	}
	step()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		step()
	}
	traces := float64(b.N * batch)
	b.ReportMetric(b.Elapsed().Seconds()*1e3/traces, "ms/trace")
	b.ReportMetric((fwd+bwd)*traces/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	b.ReportMetric(float64(m.WorkspaceBytes())/batch/1e6, "MB/trace")
}
