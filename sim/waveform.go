package sim

import (
	"fmt"
	"math"
)

// Waveform is an arbitrary stimulus current at soma(0.5), in place of the
// IClamp step: what NEURON users get by playing a Vector into IClamp.amp
// (with del = 0 and dur beyond tstop). Ramps, noise and recorded currents
// are waveforms; so is a step.
//
// Without times (T nil) I is on the simulation's grid, as
// Vector.play(&stim.amp, dt) plays it: I[k] is the current during the step
// from t_k = k·dt to t_{k+1}, so I needs at least Steps() values (a trace
// has Steps()+1; the last is not used). With times T (ms, non-decreasing,
// len(T) = len(I)) the current is interpolated linearly, as
// Vector.play(&stim.amp, tvec, 1) does (VecPlayContinuous::interpolate):
// evaluated at each step's midpoint, where NEURON's fixed step evaluates
// it; before T[0] it is I[0], after the last time the last value; at a
// repeated time (a jump) the side the midpoint lies on.
type Waveform struct {
	T []float64 // times, ms, non-decreasing; nil: I is on the dt grid
	I []float64 // currents, nA (positive depolarises)
}

// validate checks w against a simulation of steps steps.
func (w *Waveform) validate(steps int) error {
	if len(w.I) == 0 {
		return fmt.Errorf("%w: stimulus waveform without values", ErrProtocol)
	}
	for k, x := range w.I {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%w: stimulus value %d is %v", ErrProtocol, k, x)
		}
	}
	if w.T == nil {
		if len(w.I) < steps {
			return fmt.Errorf("%w: stimulus has %d values on the dt grid, the simulation takes %d steps", ErrProtocol, len(w.I), steps)
		}
		return nil
	}
	if len(w.T) != len(w.I) {
		return fmt.Errorf("%w: stimulus has %d times and %d values", ErrProtocol, len(w.T), len(w.I))
	}
	for k, t := range w.T {
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return fmt.Errorf("%w: stimulus time %d is %v", ErrProtocol, k, t)
		}
		if k > 0 && t < w.T[k-1] {
			return fmt.Errorf("%w: stimulus time %d (%v ms) is before the one before it (%v ms)", ErrProtocol, k, t, w.T[k-1])
		}
	}
	return nil
}

// current returns the stimulus of step k (from t_k to t_{k+1}) whose
// midpoint is t. *last is a search hint kept between calls (NEURON's
// last_index_); start it at 1. It does not allocate.
func (w *Waveform) current(k int, t float64, last *int) float64 {
	if w.T == nil {
		return w.I[k]
	}
	T, I := w.T, w.I
	n := len(T)
	if t >= T[n-1] {
		return I[n-1]
	}
	if t <= T[0] {
		return I[0]
	}
	// T[0] < t < T[n-1]: find i with T[i-1] ≤ t < T[i].
	i := min(max(*last, 1), n-1)
	for i > 1 && t < T[i-1] {
		i--
	}
	for t >= T[i] {
		i++
	}
	*last = i
	t0, t1, x0, x1 := T[i-1], T[i], I[i-1], I[i]
	return x0 + (x1-x0)*(t-t0)/(t1-t0)
}
