package sim

import (
	"fmt"
	"math"
)

// NOBLE's protocol: a current step at soma(0.5) from 15 to 415 ms, 515 ms
// simulated with dt = 0.02 ms.
const (
	DefaultDt    = 0.02 // ms
	DefaultTStop = 515  // ms
	DefaultDelay = 15   // ms
	DefaultDur   = 400  // ms
)

// maxSteps bounds a simulation's length (and the trace it allocates).
const maxSteps = 1 << 25

// Protocol is a current-clamp experiment: NEURON's IClamp at soma(0.5)
// switched on at Delay for Dur, with amplitude Amp, simulated from t = 0 to
// TStop with the fixed step Dt. A zero Dt, TStop, Delay or Dur means NOBLE's
// default (0.02, 515, 15, 400 ms); to switch the current on at t = 0 use a
// negative Delay. Amp has no default: zero is no current.
type Protocol struct {
	Dt    float64 // time step, ms
	TStop float64 // simulated time, ms
	Delay float64 // stimulus onset, ms
	Dur   float64 // stimulus duration, ms
	Amp   float64 // stimulus amplitude, nA (positive depolarises)

	// Stimulus, if not nil, is the current in place of the step: Delay,
	// Dur and Amp are then not used. It is read, never changed.
	Stimulus *Waveform
}

// WithDefaults returns p with zero fields replaced by the defaults.
func (p Protocol) WithDefaults() Protocol {
	if p.Dt == 0 {
		p.Dt = DefaultDt
	}
	if p.TStop == 0 {
		p.TStop = DefaultTStop
	}
	if p.Delay == 0 {
		p.Delay = DefaultDelay
	}
	if p.Dur == 0 {
		p.Dur = DefaultDur
	}
	return p
}

// Validate reports whether p (after WithDefaults) can be simulated: every
// value finite, Dt > 0, TStop > 0, Dur ≥ 0, and at most 2^25 steps.
func (p Protocol) Validate() error {
	p = p.WithDefaults()
	for _, f := range []struct {
		name string
		v    float64
	}{{"dt", p.Dt}, {"tstop", p.TStop}, {"delay", p.Delay}, {"dur", p.Dur}, {"amp", p.Amp}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return fmt.Errorf("%w: %s = %v is not finite", ErrProtocol, f.name, f.v)
		}
	}
	if p.Dt <= 0 {
		return fmt.Errorf("%w: dt = %v ms: must be > 0", ErrProtocol, p.Dt)
	}
	if p.TStop <= 0 {
		return fmt.Errorf("%w: tstop = %v ms: must be > 0", ErrProtocol, p.TStop)
	}
	if p.Dur < 0 {
		return fmt.Errorf("%w: dur = %v ms: must be ≥ 0", ErrProtocol, p.Dur)
	}
	if s := p.TStop / p.Dt; !(s < maxSteps) {
		return fmt.Errorf("%w: tstop/dt = %.3g steps: more than %d", ErrProtocol, s, maxSteps)
	}
	if p.Steps() < 1 {
		return fmt.Errorf("%w: tstop = %v ms is less than half a step of %v ms", ErrProtocol, p.TStop, p.Dt)
	}
	if p.Stimulus != nil {
		return p.Stimulus.validate(p.Steps())
	}
	return nil
}

// Steps returns the number of time steps, round(TStop/Dt), as NEURON's
// continuerun takes them (it steps while t < TStop − Dt/2). A trace has
// Steps()+1 samples. It applies the defaults first.
func (p Protocol) Steps() int {
	p = p.WithDefaults()
	return int(math.Round(p.TStop / p.Dt))
}
