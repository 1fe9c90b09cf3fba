package eval

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/noble-neuro/noble/surrogate"
	"github.com/noble-neuro/noble/synth"
)

// FICurve compares one HoF model's F-I relation under the surrogate with
// the simulator's, at the amplitudes of its evaluated test traces.
type FICurve struct {
	Model    string    `json:"model"`
	Split    string    `json:"split"` // "train" or "test"
	IThr     float64   `json:"i_thr_nA"`
	SThr     float64   `json:"s_thr_hz_per_nA"`
	Points   int       `json:"points"`                // simulator traces of the model evaluated
	RateMAE  Num       `json:"rate_mae_hz"`           // mean |rate_surrogate − rate_simulator| at those amplitudes, Hz
	Amps     []float64 `json:"amps_nA"`               // the surrogate curve's amplitudes
	RateSurr []float64 `json:"rate_surr_hz"`          // the surrogate's rates there
	SimAmps  []float64 `json:"sim_amps_nA,omitempty"` // amplitudes simulated afresh (Settings.FISims)
	RateSim  []float64 `json:"rate_sim_hz,omitempty"` // the simulator's rates there
}

// fiCurves draws, for every HoF model with evaluated traces, the simulator's
// firing rate at the dataset's amplitudes and the surrogate's F-I curve on
// FIPoints amplitudes spanning them.
func (e *evaluator) fiCurves(ctx context.Context) error {
	if e.set.FIPoints < 0 || len(e.recs) == 0 {
		return nil
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range e.recs {
		lo, hi = math.Min(lo, r.amp), math.Max(hi, r.amp)
	}
	if !(hi > lo) {
		lo, hi = lo-0.05, hi+0.05
	}
	amps := make([]float64, max(e.set.FIPoints, 2))
	for i := range amps {
		amps[i] = lo + (hi-lo)*float64(i)/float64(len(amps)-1)
	}
	byModel := map[int][]record{}
	for _, r := range e.recs {
		byModel[r.model] = append(byModel[r.model], r)
	}
	var idx []int
	for m := range byModel {
		idx = append(idx, m)
	}
	slices.Sort(idx)
	var sts []surrogate.Stimulus
	for _, m := range idx {
		mm := e.d.Manifest.Models[m]
		for _, a := range amps {
			sts = append(sts, surrogate.Stimulus{AmpNA: a, IThr: mm.IThr, SThr: mm.SThr, Features: e.feat[m]})
		}
	}
	e.logf("F-I curves: %d models × %d amplitudes", len(idx), len(amps))
	l := e.sur.Length()
	e.progress("F-I curves", 0, len(sts))
	v, err := e.sur.Synthesize(ctx, sts, e.set.Batch, func(done int) { e.progress("F-I curves", done, len(sts)) })
	if err != nil {
		return err
	}
	vals, err := synth.Features(ctx, v, len(sts), l, e.sur.Dt(), e.fs)
	if err != nil {
		return err
	}
	// Fresh simulations on the curve's grid (FISims amplitudes per model).
	fresh := map[int][]float64{} // model → rates at simAmps
	var simAmps []float64
	if e.cell != nil && e.set.FISims > 0 {
		k := min(e.set.FISims, len(amps))
		for i := range k {
			simAmps = append(simAmps, amps[i*(len(amps)-1)/max(k-1, 1)])
		}
		e.logf("F-I curves: %d simulations", len(idx)*len(simAmps))
		rates := make([][]float64, len(idx))
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(e.workers())
		var mu sync.Mutex
		done := 0
		e.progress("F-I simulations", 0, len(idx)*len(simAmps))
		for k, m := range idx {
			rates[k] = make([]float64, len(simAmps))
			for j, a := range simAmps {
				g.Go(func() error {
					pf, err := e.cell.ParamFile(e.d.Manifest.Models[m].Name)
					if err != nil {
						return err
					}
					sm, err := e.cell.Model(pf)
					if err != nil {
						return err
					}
					v, err := simulateModel(gctx, sm, e.sur.Protocol, a)
					if err != nil {
						return err
					}
					fv, err := synth.Features(gctx, v, 1, l, e.sur.Dt(), e.fs)
					if err != nil {
						return err
					}
					rates[k][j] = e.rate(fv[0])
					mu.Lock()
					done++
					e.progress("F-I simulations", done, len(idx)*len(simAmps))
					mu.Unlock()
					return nil
				})
			}
		}
		if err := g.Wait(); err != nil {
			return err
		}
		for k, m := range idx {
			fresh[m] = rates[k]
		}
	}
	var plots []*plot.Plot
	for k, m := range idx {
		mm := e.d.Manifest.Models[m]
		c := FICurve{Model: mm.Name, Split: mm.Split, IThr: mm.IThr, SThr: mm.SThr, Amps: amps, RateSurr: make([]float64, len(amps))}
		for i := range amps {
			c.RateSurr[i] = e.rate(vals[k*len(amps)+i])
		}
		rs := byModel[m]
		slices.SortFunc(rs, func(a, b record) int { return cmpF(a.amp, b.amp) })
		var sa, sr, qr []float64
		var errs []float64
		for _, r := range rs {
			sa, sr, qr = append(sa, r.amp), append(sr, r.rateSim), append(qr, r.rateSu)
			errs = append(errs, math.Abs(r.rateSu-r.rateSim))
		}
		c.Points, c.RateMAE = len(rs), Num(mean(errs))
		if r, ok := fresh[m]; ok {
			c.SimAmps, c.RateSim = simAmps, r
		}
		e.res.FI = append(e.res.FI, c)
		title := mm.Name
		if mm.Split == "test" {
			title += " (held out)"
		}
		p := newPlot(title, "I (nA)", "rate (Hz)")
		p.Legend.Top, p.Legend.Left = true, true
		if err := addSeries(p, []series{
			{label: "simulator", x: sa, y: sr, col: colSim, points: true},
			{label: "surrogate", x: amps, y: c.RateSurr, col: colSurr},
			{x: sa, y: qr, col: colSurr, points: true},
			{label: "simulator (fresh)", x: c.SimAmps, y: c.RateSim, col: colSim, dashed: true},
		}); err != nil {
			return err
		}
		if k > 0 {
			p.Legend = plot.NewLegend()
		}
		plots = append(plots, p)
	}
	if len(plots) == 0 {
		return nil
	}
	if err := writeGrid(e.figure("fi_curves.png"), plots, 6, 2.2*vg.Inch, 1.8*vg.Inch); err != nil {
		return fmt.Errorf("F-I figure: %w", err)
	}
	return nil
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
