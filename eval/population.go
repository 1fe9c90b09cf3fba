package eval

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"strings"

	"golang.org/x/sync/errgroup"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/noble-neuro/noble/dataset"
	"github.com/noble-neuro/noble/features"
	"github.com/noble-neuro/noble/surrogate"
	"github.com/noble-neuro/noble/synth"
)

// Population compares a synthetic population drawn uniformly in the convex
// hull of the training HoF embeddings with the HoF population.
type Population struct {
	Amp       float64      `json:"amp_nA"`
	Size      int          `json:"size"`
	Seed      uint64       `json:"seed"`
	HoFSource string       `json:"hof_source"` // "simulator" or "surrogate at the HoF embeddings"
	HoFSize   int          `json:"hof_size"`
	Synthetic []synth.Stat `json:"synthetic"`
	HoF       []synth.Stat `json:"hof"`
}

func (e *evaluator) population(ctx context.Context) error {
	if e.set.PopSize < 0 {
		return nil
	}
	if x := e.sur.Embedding.ExtraFeatures(); len(x) > 0 {
		// synth.Hull samples the (I_thr, s_thr) plane only.
		e.logf("population skipped: the model embeds %s, and populations are drawn in (I_thr, s_thr) only", strings.Join(x, ", "))
		return nil
	}
	var pts []synth.Embedding
	for _, m := range e.models(dataset.ModelTrain) {
		pts = append(pts, synth.Embedding{IThr: m.IThr, SThr: m.SThr})
	}
	sts, err := synth.Hull(pts, e.set.PopSize, e.set.PopAmp, e.set.Seed)
	if err != nil {
		e.logf("population skipped: %v", err)
		return nil
	}
	e.logf("population: %d samples at %g nA", len(sts), e.set.PopAmp)
	l := e.sur.Length()
	e.progress("population", 0, len(sts))
	v, err := e.sur.Synthesize(ctx, sts, e.set.Batch, func(done int) { e.progress("population", done, len(sts)) })
	if err != nil {
		return err
	}
	synVals, err := synth.Features(ctx, v, len(sts), l, e.sur.Dt(), e.fs)
	if err != nil {
		return err
	}
	hof := e.models("")
	pop := &Population{Amp: e.set.PopAmp, Size: len(sts), Seed: e.set.Seed, HoFSize: len(hof)}
	var hofVals []features.Values
	if e.cell != nil && e.set.SimHoF {
		pop.HoFSource = "simulator"
		e.logf("simulating %d HoF models at %g nA", len(hof), e.set.PopAmp)
		traces := make([][]float32, len(hof))
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(e.workers())
		done := make(chan struct{}, len(hof))
		e.progress("HoF simulations", 0, len(hof))
		for i, m := range hof {
			g.Go(func() error {
				pf, err := e.cell.ParamFile(m.Name)
				if err != nil {
					return err
				}
				sm, err := e.cell.Model(pf)
				if err != nil {
					return err
				}
				traces[i], err = simulateModel(gctx, sm, e.sur.Protocol, e.set.PopAmp)
				done <- struct{}{}
				e.progress("HoF simulations", len(done), len(hof))
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return err
		}
		flat := make([]float32, 0, len(hof)*l)
		for _, t := range traces {
			flat = append(flat, t...)
		}
		if hofVals, err = synth.Features(ctx, flat, len(hof), l, e.sur.Dt(), e.fs); err != nil {
			return err
		}
	} else {
		pop.HoFSource = "surrogate at the HoF embeddings"
		hs := make([]surrogate.Stimulus, len(hof))
		for i, m := range hof {
			hs[i] = surrogate.Stimulus{AmpNA: e.set.PopAmp, IThr: m.IThr, SThr: m.SThr}
		}
		hv, err := e.sur.Synthesize(ctx, hs, e.set.Batch, nil)
		if err != nil {
			return err
		}
		if hofVals, err = synth.Features(ctx, hv, len(hs), l, e.sur.Dt(), e.fs); err != nil {
			return err
		}
	}
	pop.Synthetic = synth.Stats(synVals, nil)
	pop.HoF = synth.Stats(hofVals, nil)
	e.res.Population = pop

	var plots []*plot.Plot
	for _, name := range HistFeatures {
		a, b := synth.FirstValues(synVals, name), synth.FirstValues(hofVals, name)
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, x := range append(append([]float64(nil), a...), b...) {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
		p := newPlot(name, name, "density")
		if len(a)+len(b) > 0 {
			if err := histogram(p, a, lo, hi, 20, fmt.Sprintf("synthetic (%d)", len(a)), colSurr); err != nil {
				return err
			}
			if err := histogram(p, b, lo, hi, 20, fmt.Sprintf("HoF (%d)", len(b)), colOther); err != nil {
				return err
			}
		}
		plots = append(plots, p)
	}
	return writeGrid(e.figure("population.png"), plots, 3, 2.8*vg.Inch, 2.2*vg.Inch)
}

func (e *evaluator) workers() int {
	if e.set.Workers > 0 {
		return e.set.Workers
	}
	return runtime.GOMAXPROCS(0)
}
