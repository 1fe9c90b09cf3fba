package eval

import (
	"context"
	"time"

	"github.com/noble-neuro/noble/surrogate"
)

// Speed compares the surrogate's time per trace with the simulator's on the
// machine of the run (wall clock, whatever else runs on it).
type Speed struct {
	Batch1MS      Num `json:"surrogate_batch1_ms_per_trace"` // one trace per call, median of SpeedReps
	BatchN        int `json:"batch_n"`                       // traces of the throughput run
	BatchNMS      Num `json:"surrogate_batchN_ms_per_trace"` // wall time / traces
	SimMS         Num `json:"simulator_ms_per_trace"`        // package sim, one core, mean of SimTraces
	SimTraces     int `json:"simulator_traces"`
	NEURONPaperMS Num `json:"neuron_paper_ms_per_trace"`   // NOBLE's NEURON figure (Ryzen 9 7900X)
	NEURONHereMS  Num `json:"neuron_here_ms_per_trace_lo"` // NEURON 8.2.2 on this project's machines (docs/benchmarks.md), low end
	NEURONHereHi  Num `json:"neuron_here_ms_per_trace_hi"` // high end
}

// NEURON 8.2.2's time per 515 ms trace: NOBLE's published figure, and
// the range measured on this project's shared 2-core machines
// (docs/benchmarks.md, 2026-11-28): from 2.8 s of CPU time (mouse cell,
// measured side by side with package sim) to 11 s of wall time under load
// (the reference traces' index.csv, 9.0–10.6 s; earlier runs 7–11 s).
const (
	neuronPaperMS = 3600
	neuronHereLo  = 2800
	neuronHereHi  = 11000
)

func (e *evaluator) speed(ctx context.Context) error {
	if e.set.SpeedBatch < 0 {
		return nil
	}
	sp := &Speed{NEURONPaperMS: neuronPaperMS, NEURONHereMS: neuronHereLo, NEURONHereHi: neuronHereHi}
	sc := e.sur.Scaling
	st := surrogate.Stimulus{AmpNA: e.set.PopAmp, IThr: (sc.IThr.Min + sc.IThr.Max) / 2, SThr: (sc.SThr.Min + sc.SThr.Max) / 2}
	for _, name := range e.sur.Embedding.ExtraFeatures() {
		r, _ := sc.Features.Get(name)
		st.Features.Set(name, (r.Min+r.Max)/2)
	}
	e.logf("speed: batch 1 × %d, then %d traces", e.set.SpeedReps, e.set.SpeedBatch)
	one := []surrogate.Stimulus{st}
	if _, err := e.sur.Synthesize(ctx, one, 1, nil); err != nil { // warm-up: workspaces
		return err
	}
	ts := make([]float64, e.set.SpeedReps)
	for i := range ts {
		t0 := time.Now()
		if _, err := e.sur.Synthesize(ctx, one, 1, nil); err != nil {
			return err
		}
		ts[i] = float64(time.Since(t0).Microseconds()) / 1000
	}
	sp.Batch1MS = Num(median(ts))
	n := e.set.SpeedBatch
	sts := make([]surrogate.Stimulus, n)
	for i := range sts {
		sts[i] = st
		sts[i].AmpNA += 1e-4 * float64(i%10)
	}
	e.progress("speed", 0, n)
	t0 := time.Now()
	if _, err := e.sur.Synthesize(ctx, sts, min(n, 64), func(done int) { e.progress("speed", done, n) }); err != nil {
		return err
	}
	sp.BatchN, sp.BatchNMS = n, Num(float64(time.Since(t0).Microseconds())/1000/float64(n))
	if e.cell != nil && e.set.SimTraces > 0 && len(e.cell.ParamFiles) > 0 {
		m, err := e.cell.Model(e.cell.ParamFiles[0])
		if err != nil {
			return err
		}
		e.logf("speed: %d simulations", e.set.SimTraces)
		t0 := time.Now()
		for range e.set.SimTraces {
			if _, err := simulateModel(ctx, m, e.sur.Protocol, e.set.PopAmp); err != nil {
				return err
			}
		}
		sp.SimTraces = e.set.SimTraces
		sp.SimMS = Num(float64(time.Since(t0).Microseconds()) / 1000 / float64(e.set.SimTraces))
	}
	e.res.Speed = sp
	return nil
}
