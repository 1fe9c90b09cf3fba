package fno

import (
	"fmt"
	"math"
	"math/rand/v2"
	"syscall"
	"testing"

	"github.com/noble-neuro/noble/internal/gemm"
	"gonum.org/v1/gonum/dsp/fourier"
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

// BenchmarkForward is the inference pass at batch 1 (default: one core;
// split: SplitSingle, two cores) and 64, L = 8583.
func BenchmarkForward(b *testing.B) {
	cfg := DefaultConfig()
	fwd, _ := cfg.FLOPs(benchLength)
	for _, bc := range []struct {
		batch int
		split bool
	}{{1, false}, {1, true}, {64, false}} {
		batch := bc.batch
		name := fmt.Sprintf("batch%d", batch)
		if bc.split {
			name += "/split"
		}
		b.Run(name, func(b *testing.B) {
			m, _ := New(cfg, 1)
			defer m.Close()
			m.SplitSingle = bc.split
			x := benchInput(batch, benchLength, cfg.InChannels)
			y := make([]float32, batch*benchLength)
			m.Forward(y, x, batch, benchLength)
			b.ReportAllocs()
			c0 := cpuSeconds()
			b.ResetTimer()
			for b.Loop() {
				m.Forward(y, x, batch, benchLength)
			}
			sinkF = y[0]
			traces := float64(b.N * batch)
			b.ReportMetric(b.Elapsed().Seconds()*1e3/traces, "ms/trace")
			b.ReportMetric((cpuSeconds()-c0)*1e3/traces, "cpu-ms/trace")
			b.ReportMetric(fwd*traces/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// cpuSeconds is the user+system CPU time of the process: with the machine
// shared, CPU time per trace is steadier than wall time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// BenchmarkTrainStep is a training step at batch 16 (the cpu preset's),
// L = 8583: TrainBatch (forward, relative L4 loss, backward, chunked per
// worker) and Adam.
func BenchmarkTrainStep(b *testing.B) { benchTrainStep(b, DefaultConfig()) }

// BenchmarkTrainStepGroupNorm is BenchmarkTrainStep with Config.GroupNorm.
func BenchmarkTrainStepGroupNorm(b *testing.B) {
	cfg := DefaultConfig()
	cfg.GroupNorm = true
	benchTrainStep(b, cfg)
}

func benchTrainStep(b *testing.B, cfg Config) {
	fwd, bwd := cfg.FLOPs(benchLength)
	const batch = 16
	m, _ := New(cfg, 1)
	defer m.Close()
	x := benchInput(batch, benchLength, cfg.InChannels)
	target := benchInput(batch, benchLength, 1)
	opt := NewAdam(len(m.Params), 0.004)
	step := func() {
		m.ZeroGrad()
		m.TrainBatch(x, target, batch, benchLength, 4)
		opt.Update(m.Params, m.Grad)
	}
	step()
	b.ReportAllocs()
	c0 := cpuSeconds()
	b.ResetTimer()
	for b.Loop() {
		step()
	}
	traces := float64(b.N * batch)
	b.ReportMetric(b.Elapsed().Seconds()*1e3/traces, "ms/trace")
	b.ReportMetric((cpuSeconds()-c0)*1e3/traces, "cpu-ms/trace")
	b.ReportMetric((fwd+bwd)*traces/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	b.ReportMetric(float64(m.WorkspaceBytes())/batch/1e6, "MB/trace")
}

// BenchmarkSpectral compares the two ways of computing the spectral
// layer's transforms for 24 channels × 8 traces at L = 8583 (129 modes):
// the folded truncated DFT as matrix products (float32, analysis then
// synthesis; with the fold and unfold in the products' packing and
// stores, and, in the default build, "separate" in passes of their own)
// and gonum's mixed-radix FFT (float64; 8583 = 3 × 2861 with
// 2861 prime, so fftpack falls back to its O(p²) generic radix) doing a
// full rfft and irfft per row.
func BenchmarkSpectral(b *testing.B) {
	const rows = 24 * 8
	l := benchLength
	benchPasses(b, "truncatedDFT", func(b *testing.B) {
		var d dft[float32]
		d.reset(l, 129, rows)
		x := benchInput(rows, l, 1)
		spec := make([]float32, rows*2*d.m)
		y := make([]float32, rows*l)
		for b.Loop() {
			d.analysis(spec, x, rows, d.c, d.s, 1/float32(l))
			d.synthesis(y, spec, rows, d.ca, d.sa, 1, false, nil, 1)
		}
		b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/op")
	})
	b.Run("gonumFFT", func(b *testing.B) {
		fft := fourier.NewFFT(l)
		x := make([]float64, l)
		for i := range x {
			x[i] = math.Sin(float64(i))
		}
		c := make([]complex128, l/2+1)
		y := make([]float64, l)
		for b.Loop() {
			for range rows {
				fft.Coefficients(c, x)
				for k := 129; k < len(c); k++ {
					c[k] = 0
				}
				fft.Sequence(y, c)
			}
		}
		b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/op")
	})
}

// BenchmarkDFT is one spectral layer's transforms for 24 channels × 8
// traces (a worker's chunk in training) at L = 8583, 129 modes: forward
// (analysis, then synthesis with the spectral bias) and backward (the
// adjoint analysis, then the adjoint synthesis added to the input
// gradient), with the fold and unfold in the products' packing and stores
// and, in the default build, "separate" in passes of their own. It
// reports CPU time per call, steadier than wall time on a shared machine.
func BenchmarkDFT(b *testing.B) {
	const rows = 24 * 8
	l := benchLength
	for _, dir := range []string{"forward", "backward"} {
		benchPasses(b, dir, func(b *testing.B) {
			var d dft[float32]
			d.reset(l, 129, rows)
			x := benchInput(rows, l, 1)
			spec := make([]float32, rows*2*d.m)
			y := make([]float32, rows*l)
			bias := make([]float32, rows/8)
			c0 := cpuSeconds()
			for b.Loop() {
				if dir == "forward" {
					d.analysis(spec, x, rows, d.c, d.s, 1/float32(l))
					d.synthesis(y, spec, rows, d.ca, d.sa, 1, false, bias, 8)
				} else {
					d.analysis(spec, x, rows, d.ca, d.sa, 1)
					d.synthesis(y, spec, rows, d.c, d.s, 1/float32(l), true, nil, 1)
				}
			}
			b.ReportMetric((cpuSeconds()-c0)*1e3/float64(b.N), "cpu-ms/op")
		})
	}
}

// benchPasses runs f as the sub-benchmark name and, in the default build
// (gemm.Fused), as name+"/separate" with Fold and Unfold in passes of
// their own.
func benchPasses(b *testing.B, name string, f func(b *testing.B)) {
	for _, sep := range []bool{false, true} {
		if sep && !gemm.Fused {
			continue
		}
		sub := name
		if sep {
			sub += "/separate"
		}
		b.Run(sub, func(b *testing.B) {
			separatePasses = sep
			defer func() { separatePasses = false }()
			f(b)
		})
	}
}

// BenchmarkSerial is the part of a training step that runs on one core at
// the published size: clearing the gradient, adding two workers' private
// gradients in order (Model.reduce) and the Adam update. Against a step of
// BenchmarkTrainStep (batch 16, two cores) it is the step's serial share.
func BenchmarkSerial(b *testing.B) {
	m, _ := New(DefaultConfig(), 1)
	defer m.Close()
	ws := []*worker{{g: make([]float32, len(m.Grad))}, {g: make([]float32, len(m.Grad))}}
	opt := NewAdam(len(m.Params), 0.004)
	for b.Loop() {
		m.ZeroGrad()
		m.reduce(ws)
		opt.Update(m.Params, m.Grad)
	}
	b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/step")
}
