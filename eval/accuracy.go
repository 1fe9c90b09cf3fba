package eval

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/noble-neuro/noble/dataset"
	"github.com/noble-neuro/noble/dsp"
	"github.com/noble-neuro/noble/features"
	"github.com/noble-neuro/noble/surrogate"
	"github.com/noble-neuro/noble/synth"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

func newDecimator(factor int) (*dsp.Decimator, error) {
	return dsp.NewDecimator(&dsp.Settings{Factor: factor})
}

// SplitResult is the accuracy on one test split.
type SplitResult struct {
	Split        string `json:"split"`
	Description  string `json:"description"`
	Traces       int    `json:"traces"`
	VoltageL2    Num    `json:"voltage_rel_l2_mean"` // mean over traces of ‖ŷ−y‖₂/‖y‖₂
	VoltageL2Med Num    `json:"voltage_rel_l2_median"`
	// Firing counts the traces on which the simulator fires (Spikecount >
	// 0), MissedFiring those of them on which the surrogate does not, and
	// MissedNonFiring the traces on which only the surrogate fires. Both
	// kinds of miss are left out of the feature errors, as in the paper.
	Firing          int            `json:"firing"`
	MissedFiring    int            `json:"missed_firing"`
	MissedNonFiring int            `json:"missed_non_firing"`
	Features        []FeatureError `json:"features"`
	// SpikecountByCount splits the Spikecount error by the simulator's
	// spike count.
	SpikecountByCount []CountBin `json:"spikecount_by_count"`
	// SpikecountOutliers are the traces with the largest Spikecount
	// errors (countOutlierRows of them).
	SpikecountOutliers []CountOutlier `json:"spikecount_outliers"`
	l2                 []float64
}

// FeatureError is the relative error |f̂ − f| / |f| of one feature, f being
// the mean of the feature's values on a trace (most features have one), over
// the traces on which simulator and surrogate both fire or both stay silent,
// both define the feature and the simulator's value is not zero: the
// definition of NOBLE's reference code, which gives the paper's Tables 1
// and 2 (features.Comparison, where it is computed).
type FeatureError struct {
	Name      string `json:"name"`
	N         int    `json:"n"`              // traces compared
	Mean      Num    `json:"mean_rel"`       // mean relative error
	Median    Num    `json:"median_rel"`     // median relative error
	OnlySim   int    `json:"only_sim"`       // defined on the simulator's trace only
	OnlySurr  int    `json:"only_surrogate"` // defined on the surrogate's only
	ZeroTruth int    `json:"zero_truth"`     // simulator's value 0 (no relative error)
}

var splitDesc = map[string]string{
	dataset.SplitTestSeen: "training models at unseen currents (in-distribution)",
	dataset.SplitTestHeld: "held-out models (out-of-distribution)",
}

// accuracy evaluates the surrogate on the test window of every trace (up to
// MaxTraces) of the two test splits.
func (e *evaluator) accuracy(ctx context.Context) error {
	lay := e.d.Manifest.Layout
	l := lay.WindowSamples
	var exPlots []*plot.Plot
	for _, split := range []string{dataset.SplitTestSeen, dataset.SplitTestHeld} {
		total := e.d.Traces(split)
		if e.set.MaxTraces > 0 {
			total = min(total, e.set.MaxTraces)
		}
		sr := SplitResult{Split: split, Description: splitDesc[split]}
		if total == 0 {
			e.res.Splits = append(e.res.Splits, sr)
			continue
		}
		e.logf("accuracy on %s: %d traces", split, total)
		e.progress("accuracy "+split, 0, total)
		cmp := features.Comparison{FiringNames: ErrorFeatures, SilentNames: ErrorFeatures}
		var counts countBinner
		ys := make([]float32, 0, e.set.Batch*l)
		var sts []surrogate.Stimulus
		var meta []dataset.Trace
		done := 0
		flush := func() error {
			if len(sts) == 0 {
				return nil
			}
			v, err := e.sur.Synthesize(ctx, sts, e.set.Batch, nil)
			if err != nil {
				return err
			}
			tv, err := synth.Features(ctx, ys, len(sts), l, lay.Dt, e.fs)
			if err != nil {
				return fmt.Errorf("simulator traces of %s: %w", split, err)
			}
			pv, err := synth.Features(ctx, v, len(sts), l, lay.Dt, e.fs)
			if err != nil {
				return fmt.Errorf("surrogate traces of %s: %w", split, err)
			}
			for i := range sts {
				y, yh := ys[i*l:(i+1)*l], v[i*l:(i+1)*l]
				l2 := relL2(yh, y)
				sr.l2 = append(sr.l2, l2)
				cmp.Add(tv[i], pv[i])
				counts.add(tv[i], pv[i])
				e.recs = append(e.recs, record{split: split, model: meta[i].Model, amp: meta[i].Amp, rateSim: e.rate(tv[i]), rateSu: e.rate(pv[i]),
					spikesSim: spikecount(tv[i]), spikes: spikecount(pv[i]), l2: l2})
				if sr.Traces+i < e.set.Examples {
					p := newPlot(fmt.Sprintf("%s: %s, %.3g nA", split, e.d.Manifest.Models[meta[i].Model].Name, meta[i].Amp), "time (ms)", "V (mV)")
					t := make([]float64, l)
					for j := range t {
						t[j] = float64(j) * lay.Dt
					}
					if err := addSeries(p, []series{{label: "simulator", x: t, y: toF64(y), col: colSim}, {label: "surrogate", x: t, y: toF64(yh), col: colSurr, dashed: true}}); err != nil {
						return err
					}
					exPlots = append(exPlots, p)
				}
			}
			sr.Traces += len(sts)
			done += len(sts)
			e.progress("accuracy "+split, done, total)
			ys, sts, meta = ys[:0], sts[:0], meta[:0]
			return nil
		}
		stop := errors.New("enough traces")
		err := e.d.EachTrace(ctx, split, func(t dataset.Trace) error {
			if done+len(sts) >= total {
				return stop
			}
			ys = append(ys, lay.Slice(t.V, lay.TestOffset)...)
			sts = append(sts, surrogate.Stimulus{AmpNA: t.Amp, IThr: t.IThr, SThr: t.SThr, Features: e.feat[t.Model]})
			tt := t
			tt.V = nil
			meta = append(meta, tt)
			if len(sts) == e.set.Batch {
				return flush()
			}
			return nil
		})
		if err != nil && !errors.Is(err, stop) {
			return err
		}
		if err := flush(); err != nil {
			return err
		}
		sr.VoltageL2, sr.VoltageL2Med = Num(mean(sr.l2)), Num(median(sr.l2))
		sr.Firing, sr.MissedFiring, sr.MissedNonFiring = cmp.Firing, cmp.MissedFiring, cmp.MissedNonFiring
		for _, n := range ErrorFeatures {
			r := cmp.Rel[n]
			sr.Features = append(sr.Features, FeatureError{
				Name: n, N: len(r), Mean: Num(mean(r)), Median: Num(median(r)),
				OnlySim: cmp.OnlyTruth[n], OnlySurr: cmp.OnlyPred[n], ZeroTruth: cmp.ZeroTruth[n],
			})
		}
		sr.SpikecountByCount = counts.bins()
		sr.SpikecountOutliers = countOutliers(e.recs[len(e.recs)-sr.Traces:], func(m int) string { return e.d.Manifest.Models[m].Name }, countOutlierRows)
		e.res.Splits = append(e.res.Splits, sr)
	}
	if len(exPlots) > 0 {
		if err := writeGrid(e.figure("traces.png"), exPlots, e.set.Examples, 3.2*vg.Inch, 2.2*vg.Inch); err != nil {
			return err
		}
	}
	// Distribution of the voltage errors.
	p := newPlot("voltage relative L2 error", "relative L2 error", "density")
	hi := 0.0
	for _, sr := range e.res.Splits {
		for _, x := range sr.l2 {
			hi = math.Max(hi, x)
		}
	}
	any := false
	for i, sr := range e.res.Splits {
		if len(sr.l2) > 0 {
			any = true
			if err := histogram(p, sr.l2, 0, hi, 30, sr.Split, Palette(i)); err != nil {
				return err
			}
		}
	}
	if any {
		return writeGrid(e.figure("voltage_error.png"), []*plot.Plot{p}, 1, 5*vg.Inch, 3*vg.Inch)
	}
	return nil
}
