package featloss

import (
	"fmt"
	"math"
)

// Window is the stimulus window of a trace in samples, and the two sample
// ranges the sag amplitude reads. NewWindow derives the ranges on the trace's
// own uniform time axis; ReferenceWindow reproduces the reference code's.
type Window struct {
	// Start and End are the first and last stimulus samples (the first and
	// last non-zero samples of the stimulus; see StimulusWindow). The eFEL
	// features of a target use stim_start = Start·Dt and stim_end = End·Dt,
	// as the reference does.
	Start, End int
	// MinLo and MinHi bound the soft minimum: samples MinLo…MinHi, inclusive.
	MinLo, MinHi int
	// SteadyLo and SteadyHi bound the steady state: the mean over samples
	// [SteadyLo, SteadyHi), never empty.
	SteadyLo, SteadyHi int
}

// StimulusWindow returns the first and last non-zero samples of stim, and 0
// and len(stim)−1 when every sample is zero, as the reference derives the
// window from the operator's input. It panics on an empty stim.
func StimulusWindow(stim []float64) (start, end int) {
	if len(stim) == 0 {
		panic("featloss: empty stimulus")
	}
	start, end = -1, -1
	for i, x := range stim {
		if x != 0 {
			if start < 0 {
				start = i
			}
			end = i
		}
	}
	if start < 0 {
		return 0, len(stim) - 1
	}
	return start, end
}

// NewWindow returns the window of the stimulus samples start…end on a
// uniform time axis t_i = i·dt, where the reference's definitions read: soft
// minimum over start ≤ i ≤ end; steady state over end − 0.1·(end − start) ≤ i
// < end, widened to the one sample end−1 (or 0) when that is empty (the
// reference would then use 0 mV: a step shorter than ten samples). It panics
// unless 0 ≤ start ≤ end.
func NewWindow(start, end int) Window {
	if start < 0 || end < start {
		panic(fmt.Sprintf("featloss: window %d…%d", start, end))
	}
	lo := int(math.Ceil(float64(end) - 0.1*float64(end-start)))
	return steady(Window{Start: start, End: end, MinLo: start, MinHi: end, SteadyLo: lo, SteadyHi: end})
}

// steady makes the steady-state range non-empty.
func steady(w Window) Window {
	if w.SteadyHi <= w.SteadyLo {
		w.SteadyHi = max(w.SteadyLo, 1)
		w.SteadyLo = w.SteadyHi - 1
	}
	return w
}

// ReferenceWindow returns the window the reference code uses for a trace of
// n samples: it compares the time axis linspace(0, duration, n) with the
// stimulus times start·dt and end·dt, two grids that differ when
// duration ≠ (n−1)·dt. For NOBLE (n 8583, duration 515 ms, dt 0.06 ms, step
// samples 250…6916) the sample spacing is 0.0600093 ms, so the soft minimum
// stops at sample 6914 and the steady state is samples 6249…6914, where
// NewWindow has 6916 and 6250…6915. An empty minimum range (possible only for
// a one-sample step) is replaced by start…start. It panics unless
// 0 ≤ start ≤ end < n, n ≥ 2, and duration and dt are positive.
func ReferenceWindow(start, end, n int, duration, dt float64) Window {
	if start < 0 || end < start || end >= n || n < 2 || !(duration > 0) || !(dt > 0) {
		panic(fmt.Sprintf("featloss: reference window %d…%d of %d samples, %v ms, dt %v ms", start, end, n, duration, dt))
	}
	w := Window{Start: start, End: end, MinLo: n, MinHi: -1, SteadyLo: n, SteadyHi: -1}
	t0, t1 := float64(start)*dt, float64(end)*dt
	begin := t1 - 0.1*(t1-t0)
	for i := range n {
		// The reference compares in float32; for NOBLE every sample is at
		// least 0.004 ms from a boundary, far above float32's 3e-5 ms there.
		t := float64(i) * duration / float64(n-1)
		if t >= t0 && t <= t1 {
			w.MinLo, w.MinHi = min(w.MinLo, i), max(w.MinHi, i)
		}
		if t >= begin && t < t1 {
			w.SteadyLo, w.SteadyHi = min(w.SteadyLo, i), max(w.SteadyHi, i+1)
		}
	}
	if w.MinHi < w.MinLo {
		w.MinLo, w.MinHi = start, start
	}
	if w.SteadyHi < w.SteadyLo {
		w.SteadyLo, w.SteadyHi = end, end
	}
	return steady(w)
}

// check panics unless the window's ranges lie inside a trace of n samples.
func (w Window) check(n int) {
	if w.MinLo < 0 || w.MinHi < w.MinLo || w.MinHi >= n || w.SteadyLo < 0 || w.SteadyHi <= w.SteadyLo ||
		w.SteadyHi > n || w.Start < 0 || w.End < w.Start || w.End >= n {
		panic(fmt.Sprintf("featloss: window %+v outside a trace of %d samples", w, n))
	}
}
