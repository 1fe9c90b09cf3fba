package dataset

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"

	"github.com/noble-neuro/noble/sim"
)

// fakeSource is a deterministic stand-in for the simulator: model m has
// threshold 0.1 + 0.02·m nA and fires n = ⌊5·(amp − thr)/0.1⌋ + 1 spikes
// (Gaussian bumps to +30 mV, σ 0.1 ms) spread evenly over the step; below
// threshold it is −70 mV plus 10 mV/nA during the step. It can be told to
// fail after a number of simulations (a simulated kill).
type fakeSource struct {
	n         int
	failAfter int64 // fail every simulation after this many (0: never)
	calls     atomic.Int64
}

var errKilled = errors.New("fake: killed")

func (f *fakeSource) Cell() string { return "fake_cell" }
func (f *fakeSource) Models() []string {
	out := make([]string, f.n)
	for i := range out {
		out[i] = fmt.Sprintf("m%02d", i)
	}
	return out
}

func fakeThr(m int) float64 { return 0.1 + 0.02*float64(m) }

func (f *fakeSource) Simulate(ctx context.Context, m int, p sim.Protocol, dst []float64) ([]float64, error) {
	if c := f.calls.Add(1); f.failAfter > 0 && c > f.failAfter {
		return nil, errKilled
	}
	p = p.WithDefaults()
	n := p.Steps() + 1
	if cap(dst) < n {
		dst = make([]float64, n)
	}
	v := dst[:n]
	thr := fakeThr(m)
	spikes := 0
	if p.Amp >= thr {
		spikes = int(math.Floor(50*(p.Amp-thr))) + 1
	}
	for i := range v {
		t := float64(i) * p.Dt
		x := -70.0
		if t >= p.Delay && t < p.Delay+p.Dur {
			x += 10 * p.Amp
		}
		for k := range spikes {
			tk := p.Delay + p.Dur*float64(k+1)/float64(spikes+1)
			u := (t - tk) / 0.1
			if math.Abs(u) < 8 {
				x += 100 * math.Exp(-u*u/2)
			}
		}
		v[i] = x
	}
	return v, nil
}

// fakeEmbeddings are the fake source's exact thresholds with a slope.
func fakeEmbeddings(n int) []Embedding {
	e := make([]Embedding, n)
	for i := range e {
		e[i] = Embedding{IThr: fakeThr(i), SThr: 500 + 10*float64(i)}
	}
	return e
}

// tinyProtocol simulates 24 ms: 1201 samples, 401 after decimation, window
// of 333 samples, offsets 0 … 67, test offset 33.
var tinyProtocol = Protocol{Window: 20, Margin: 4, Delay: 2, Dur: 10}

func nan() float64 { return math.NaN() }
