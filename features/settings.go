package features

import (
	"errors"
	"fmt"
	"math"
)

// Sentinel errors; the errors returned by this package wrap one of them.
var (
	ErrEmpty      = errors.New("features: trace has fewer than 3 samples")
	ErrNonFinite  = errors.New("features: non-finite sample")
	ErrDt         = errors.New("features: time step must be positive and finite")
	ErrStimWindow = errors.New("features: stimulus window outside the trace")
	ErrSettings   = errors.New("features: invalid settings")
)

// SampleError reports a bad sample of a trace by its index.
type SampleError struct {
	Index int     // position of the sample in the trace
	Value float64 // the offending value
	Err   error   // ErrNonFinite
}

func (e *SampleError) Error() string {
	return fmt.Sprintf("%v at sample %d (%v)", e.Err, e.Index, e.Value)
}

func (e *SampleError) Unwrap() error { return e.Err }

// Settings configures feature extraction. A zero field means eFEL's default,
// shown in brackets; the stimulus window has no default.
type Settings struct {
	StimStart float64 // stimulus onset, ms (eFEL stim_start)
	StimEnd   float64 // stimulus offset, ms (eFEL stim_end); must exceed StimStart

	Threshold               float64 // spike detection threshold, mV [-20]
	DerivativeThreshold     float64 // dV/dt at AP onset, mV/ms [10]
	DownDerivativeThreshold float64 // dV/dt at AP end, mV/ms [-12] (kept for eFEL parity; no feature here uses it)
	InterpStep              float64 // resampling step, ms [0.1]
	DerivativeWindow        int     // samples above DerivativeThreshold required at AP onset [3]

	VoltageBaseStartPerc float64 // voltage_base window start as a fraction of StimStart [0.9]
	VoltageBaseEndPerc   float64 // voltage_base window end as a fraction of StimStart [1.0]
	DecayStartAfterStim  float64 // decay_time_constant_after_stim fit start after StimEnd, ms [1]
	DecayEndAfterStim    float64 // decay_time_constant_after_stim fit end after StimEnd, ms [10]
	PrecisionThreshold   float64 // tolerance of the voltage_base window end, ms [1e-10]

	// KeepFirstISI includes the first interspike interval in ISI_values and
	// ISI_CV (eFEL ignore_first_ISI = false). The default drops it.
	KeepFirstISI bool
}

// NOBLE returns the settings of the NOBLE protocol: stimulus 15 → 415 ms,
// every other field at eFEL's default.
func NOBLE() Settings { return Settings{StimStart: 15, StimEnd: 415} }

// withDefaults returns s with zero fields replaced by eFEL's defaults.
func (s Settings) withDefaults() Settings {
	def := func(p *float64, d float64) {
		if *p == 0 {
			*p = d
		}
	}
	def(&s.Threshold, -20)
	def(&s.DerivativeThreshold, 10)
	def(&s.DownDerivativeThreshold, -12)
	def(&s.InterpStep, 0.1)
	def(&s.VoltageBaseStartPerc, 0.9)
	def(&s.VoltageBaseEndPerc, 1.0)
	def(&s.DecayStartAfterStim, 1)
	def(&s.DecayEndAfterStim, 10)
	def(&s.PrecisionThreshold, 1e-10)
	if s.DerivativeWindow == 0 {
		s.DerivativeWindow = 3
	}
	return s
}

// validate checks settings that do not depend on a trace.
func (s *Settings) validate() error {
	fin := func(name string, x float64) error {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%w: %s = %v", ErrSettings, name, x)
		}
		return nil
	}
	for _, f := range []struct {
		n string
		x float64
	}{
		{"StimStart", s.StimStart}, {"StimEnd", s.StimEnd}, {"Threshold", s.Threshold},
		{"DerivativeThreshold", s.DerivativeThreshold}, {"DownDerivativeThreshold", s.DownDerivativeThreshold},
		{"InterpStep", s.InterpStep}, {"VoltageBaseStartPerc", s.VoltageBaseStartPerc},
		{"VoltageBaseEndPerc", s.VoltageBaseEndPerc}, {"DecayStartAfterStim", s.DecayStartAfterStim},
		{"DecayEndAfterStim", s.DecayEndAfterStim}, {"PrecisionThreshold", s.PrecisionThreshold},
	} {
		if err := fin(f.n, f.x); err != nil {
			return err
		}
	}
	switch {
	case s.InterpStep < 0:
		return fmt.Errorf("%w: InterpStep = %v ms, must be positive", ErrSettings, s.InterpStep)
	case s.DerivativeWindow < 1:
		return fmt.Errorf("%w: DerivativeWindow = %d, must be at least 1", ErrSettings, s.DerivativeWindow)
	case s.StimStart < 0:
		return fmt.Errorf("%w: StimStart = %v ms, must not be negative", ErrStimWindow, s.StimStart)
	case s.StimEnd <= s.StimStart:
		return fmt.Errorf("%w: StimEnd = %v ms must exceed StimStart = %v ms", ErrStimWindow, s.StimEnd, s.StimStart)
	case s.DecayStartAfterStim >= s.DecayEndAfterStim:
		return fmt.Errorf("%w: DecayStartAfterStim = %v ms must be below DecayEndAfterStim = %v ms",
			ErrSettings, s.DecayStartAfterStim, s.DecayEndAfterStim)
	}
	return nil
}
