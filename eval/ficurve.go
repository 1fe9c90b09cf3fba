package eval

import (
	"context"
	"fmt"
	"math"
	"slices"

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
	Points   int       `json:"points"`       // simulator traces of the model evaluated
	RateMAE  Num       `json:"rate_mae_hz"`  // mean |rate_surrogate − rate_simulator| at those amplitudes, Hz
	Amps     []float64 `json:"amps_nA"`      // the surrogate curve's amplitudes
	RateSurr []float64 `json:"rate_surr_hz"` // the surrogate's rates there
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
			sts = append(sts, surrogate.Stimulus{AmpNA: a, IThr: mm.IThr, SThr: mm.SThr})
		}
	}
	e.logf("F-I curves: %d models × %d amplitudes", len(idx), len(amps))
	l := e.sur.Length()
	v, err := e.sur.Synthesize(ctx, sts, e.set.Batch, func(done int) { e.progress("F-I curves", done, len(sts)) })
	if err != nil {
		return err
	}
	vals, err := synth.Features(ctx, v, len(sts), l, e.sur.Dt(), e.fs)
	if err != nil {
		return err
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
