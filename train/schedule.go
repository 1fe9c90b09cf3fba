package train

import "math"

// CosineLR is the learning rate of the cosine schedule (ScheduleCosine)
// for the optimizer step that follows step steps of a run of total steps,
// with peak rate lr, final rate lrMin and a linear warm-up of warmup steps
// (s = step, W = warmup, S = total):
//
//	s < W:  lr·(s + 1)/W
//	s ≥ W:  lrMin + (lr − lrMin)·(1 + cos(π·(s − W)/(S − W)))/2
//
// The warm-up rises from lr/W at the first step to lr at step W − 1 (as
// torch's LinearLR from start_factor 1/W, stepped per optimizer step);
// the annealing is torch's CosineAnnealingLR(T_max = S − W, eta_min =
// lrMin) stepped per optimizer step, from lr at step W to lrMin +
// (lr − lrMin)·(1 + cos(π·(S − W − 1)/(S − W)))/2 at the last step, S − 1:
// the rate lrMin itself would be the step after the last, so every step
// of a run trains with a positive rate. Steps at or past S (a run's steps
// never are) get lrMin.
func CosineLR(lr, lrMin float64, warmup, total, step int64) float64 {
	switch {
	case step < warmup:
		return lr * float64(step+1) / float64(warmup)
	case step >= total:
		return lrMin
	}
	x := float64(step-warmup) / float64(total-warmup)
	return lrMin + (lr-lrMin)*(1+math.Cos(math.Pi*x))/2
}

// epochBatches is the number of optimizer steps of every epoch of the
// resolved settings s on training shards of sizes: newPlan takes
// TracesPerEpoch traces (all if fewer, or if negative) every epoch.
func epochBatches(s *Settings, sizes []int) int {
	n := 0
	for _, v := range sizes {
		n += v
	}
	if s.TracesPerEpoch > 0 {
		n = min(n, s.TracesPerEpoch)
	}
	return (n + s.BatchSize - 1) / s.BatchSize
}

// lrAtStep is the cosine schedule's rate for the step after step steps
// of the run's total (runner.steps).
func (r *runner) lrAtStep(step int64) float64 {
	return CosineLR(r.set.LR, r.set.LRMin, int64(r.set.WarmupSteps), r.steps, step)
}
