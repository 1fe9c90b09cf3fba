package train

import (
	"context"
	"fmt"
	"math"

	"github.com/noble-neuro/noble/features"
	"github.com/noble-neuro/noble/fno"
)

// SpikeStats compare the operator's spike counts with the simulator's on
// the evaluated traces of a test split, counted as eFEL's Spikecount
// (peaks above −20 mV anywhere in the test window), as the reference
// implementation logs them per epoch. A silent surrogate and
// one that fires at slightly wrong times can have close voltage losses;
// the spike counts tell them apart.
type SpikeStats struct {
	Firing          int `json:"firing"`            // traces on which the simulator fires
	SurrogateFiring int `json:"surrogate_firing"`  // traces on which the operator fires
	MissedFiring    int `json:"missed_firing"`     // the simulator fires, the operator does not
	MissedNonFiring int `json:"missed_non_firing"` // the operator fires, the simulator does not
	// SpikecountRel is the mean relative error |n̂ − n| / n of the spike
	// count over the traces on which the simulator fires (1 for a silent
	// operator), absent when none does.
	SpikecountRel *float64 `json:"spikecount_rel,omitempty"`
}

// evalResult is the evaluation of one test split.
type evalResult struct {
	l1, l2, l4, h1 float64 // mean relative errors
	sum4           float64 // summed relative L4 (what PlateauTestL4 watches)
	n              int     // traces evaluated
	spikes         SpikeStats
	// feats are the reference code's per-epoch feature errors
	// (features.Comparison over features.ReferenceFiring and
	// ReferenceSilent), nil without predictions.
	feats map[string]FeatureError
}

// spikeCounter counts eFEL spikes in windows of volts.
type spikeCounter struct {
	ex  *features.Extractor
	dt  float64
	buf []float64
}

func (r *runner) newSpikeCounter() (*spikeCounter, error) {
	start := r.info.StimOnsetMS - float64(r.info.TestOffset)*r.info.DtMS
	// Spikecount does not depend on the stimulus window, but the extractor
	// needs one inside the trace: a window that cuts the step ends it there.
	end := min(r.info.StimEndMS-float64(r.info.TestOffset)*r.info.DtMS, float64(r.info.WindowSamples-1)*r.info.DtMS)
	ex, err := features.NewExtractor(&features.Settings{StimStart: start, StimEnd: end})
	if err != nil {
		return nil, fmt.Errorf("%w: stimulus window of the test window: %w", ErrData, err)
	}
	return &spikeCounter{ex: ex, dt: r.info.DtMS, buf: make([]float64, r.info.WindowSamples)}, nil
}

// values returns the features of v (volts) and its Spikecount.
func (c *spikeCounter) values(v []float32) (features.Values, int, error) {
	for i, x := range v {
		c.buf[i] = float64(x) * 1e3
	}
	f, err := c.ex.Compute(c.buf, c.dt)
	if err != nil {
		return nil, 0, err
	}
	n, _ := f.First("Spikecount")
	return f, int(n), nil
}

// FeatureError is the mean relative error of one feature over N traces
// (features.Comparison).
type FeatureError struct {
	Mean float64 `json:"mean_rel"`
	N    int     `json:"n"`
}

// featureErrors are the compared features of c with at least one trace,
// nil if none.
func featureErrors(c *features.Comparison) map[string]FeatureError {
	var m map[string]FeatureError
	for name := range c.Rel {
		mean, n := c.Mean(name)
		if n == 0 {
			continue
		}
		if m == nil {
			m = make(map[string]FeatureError)
		}
		m[name] = FeatureError{Mean: mean, N: n}
	}
	return m
}

// evaluate returns the mean relative L1, L2, L4 and H1 errors of the model and the
// spike-count comparison on the first Settings.EvalTraces traces of a split
// (all if negative), each in the fixed test window (DataInfo.TestOffset).
// Shards are read one at a time, in order. Counting spikes costs two
// feature extractions per trace, 0.09 ms each (features BenchmarkCompute)
// against 35 ms for the trace's whole evaluation (BenchmarkEvaluate), both
// measured on 2026-11-28 on the 2-core machine, under a training run's load.
// Without predict the operator is not run: only the targets' spikes are
// counted (SpikeStats.Firing), and the losses stay zero.
func (r *runner) evaluate(ctx context.Context, split string, predict bool) (evalResult, error) {
	var res evalResult
	sizes := r.data.ShardSizes(split)
	limit := r.set.EvalTraces
	w := r.info.WindowSamples
	bs := r.set.BatchSize
	sc, err := r.newSpikeCounter()
	if err != nil {
		return res, err
	}
	var sum1, sum2, sum4, sumH1, sumSC float64
	cmp := features.Comparison{FiringNames: features.ReferenceFiring, SilentNames: features.ReferenceSilent}
	progress := func(done int) {} // EvalBatch, if any, during an epoch's evaluation
	if total := evalTotal(sizes, limit); predict && r.hooks != nil && r.hooks.EvalBatch != nil && total > 0 {
		epoch := r.st.Epoch
		progress = func(done int) { r.hooks.EvalBatch(epoch, split, done, total) }
		progress(0)
	}
	for si, size := range sizes {
		if limit >= 0 && res.n >= limit {
			break
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
		sh, err := r.data.Shard(ctx, split, si)
		if err != nil {
			return res, err
		}
		if err := r.info.checkShard(sh, split, si, size); err != nil {
			return res, err
		}
		use := size
		if limit >= 0 {
			use = min(use, limit-res.n)
		}
		items := make([]item, use)
		for j := range items {
			items[j] = item{shard: si, index: j, offset: r.info.TestOffset}
		}
		for b := 0; b < use; b += bs {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			it := items[b:min(b+bs, use)]
			k := len(it)
			r.x = grow(r.x, k*r.model.Config().InChannels*w)
			r.y = grow(r.y, k*w)
			r.yhat = grow(r.yhat, k*w)
			r.lossGrad = grow(r.lossGrad, k*w)
			if err := r.fill(r.x, r.y, split, func(int) *Shard { return sh }, it, w); err != nil {
				return res, err
			}
			if predict {
				if err := r.forward(r.yhat, r.x, k, w); err != nil {
					return res, err
				}
				s2, _ := fno.RelLpLoss(r.lossGrad, 2, r.yhat, r.y, k, w)
				s4, _ := fno.RelLpLoss(r.lossGrad, 4, r.yhat, r.y, k, w)
				sum2 += s2
				sum4 += s4
				sum1 += fno.LpLoss{P: 1}.Eval(nil, r.yhat, r.y, 0, k, w)
				sumH1 += fno.H1Loss{}.Eval(nil, r.yhat, r.y, 0, k, w)
			}
			for j := range k {
				tv, nt, err := sc.values(r.y[j*w : (j+1)*w])
				if err != nil {
					return res, fmt.Errorf("%w: %s shard %d, trace %d: %w", ErrData, split, si, it[j].index, err)
				}
				np := 0
				if predict {
					var pv features.Values
					if pv, np, err = sc.values(r.yhat[j*w : (j+1)*w]); err != nil {
						return res, fmt.Errorf("operator output on %s shard %d, trace %d: %w", split, si, it[j].index, err)
					}
					cmp.Add(tv, pv)
				}
				sumSC += res.spikes.add(nt, np)
			}
			res.n += k
			progress(res.n)
		}
	}
	if res.n == 0 {
		return res, nil
	}
	n := float64(res.n)
	res.l1, res.l2, res.l4, res.h1 = sum1/n, sum2/n, sum4/n, sumH1/n
	res.sum4 = sum4
	if predict {
		res.feats = featureErrors(&cmp)
	}
	if res.spikes.Firing > 0 {
		m := sumSC / float64(res.spikes.Firing)
		res.spikes.SpikecountRel = &m
	}
	return res, nil
}

// evalTotal is the number of traces evaluate takes from shards of sizes,
// at most limit (all if negative).
func evalTotal(sizes []int, limit int) int {
	n := 0
	for _, size := range sizes {
		n += size
	}
	if limit >= 0 {
		n = min(n, limit)
	}
	return n
}

// add counts one trace with nt simulated and np predicted spikes and
// returns its relative spike-count error (0 when the simulator is silent).
func (s *SpikeStats) add(nt, np int) float64 {
	if np > 0 {
		s.SurrogateFiring++
	}
	switch {
	case nt > 0 && np == 0:
		s.MissedFiring++
	case nt == 0 && np > 0:
		s.MissedNonFiring++
	}
	if nt == 0 {
		return 0
	}
	s.Firing++
	return math.Abs(float64(np-nt)) / float64(nt)
}

// forward is r.model.Forward on a batch of k traces, or with TrainRanks
// each rank's share of it (the cut of share: that of one process's
// workers, so the predictions are the same bits) summed over the ranks,
// zeros elsewhere, so that every rank holds all predictions. A prediction
// of −0 comes back as +0 (0 + −0), which changes no loss or feature.
func (r *runner) forward(dst, x []float32, k, w int) error {
	if r.comm == nil {
		r.model.Forward(dst, x, k, w)
		return nil
	}
	n, size := k, r.comm.Size()
	lo, hi := r.comm.Rank()*n/size, (r.comm.Rank()+1)*n/size
	clear(dst)
	if hi > lo {
		c := r.model.Config().InChannels * w
		r.model.Forward(dst[lo*w:hi*w], x[lo*c:hi*c], hi-lo, w)
	}
	if err := r.comm.SumFloat32(dst); err != nil {
		return fmt.Errorf("gathering predictions over %d ranks: %w", size, err)
	}
	return nil
}
