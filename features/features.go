package features

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// Names lists the features Compute returns, in a fixed order: first the
// features NOBLE uses (the columns of the eFEL reference), then the
// intermediate results they are built from. Index-valued features
// (peak_indices, min_AHP_indices, AP_begin_indices) index the resampled
// 0.1 ms grid, as in eFEL.
var Names = []string{
	"Spikecount", "peak_time", "peak_voltage", "AP_amplitude", "mean_AP_amplitude",
	"AP1_peak", "AP1_width", "spike_half_width", "AP_width", "time_to_first_spike",
	"mean_frequency", "ISI_values", "ISI_CV", "inv_first_ISI", "AHP_depth",
	"AHP_depth_abs", "AHP1_depth_from_peak", "AHP_time_from_peak", "voltage_base",
	"steady_state_voltage", "steady_state_voltage_stimend", "adaptation_index2",
	"decay_time_constant_after_stim", "sag_amplitude", "minimum_voltage", "depol_block",
	// intermediates and close relatives
	"peak_indices", "min_AHP_indices", "AP_begin_indices", "AP_begin_voltage",
	"all_ISI_values", "AHP_depth_from_peak", "maximum_voltage", "Spikecount_stimint",
	"time_to_last_spike", "voltage_deflection_vb_ssse",
}

// Values maps a feature name to its values. A nil slice means the feature
// is undefined on the trace (eFEL returns None); a non-nil empty slice means
// eFEL returns an empty array. Compute sets every name in Names.
type Values map[string][]float64

// Defined reports whether feature name has a value (possibly empty).
func (v Values) Defined(name string) bool { return v[name] != nil }

// First returns the first value of feature name, and false when the feature
// is undefined or empty.
func (v Values) First(name string) (float64, bool) {
	x := v[name]
	if len(x) == 0 {
		return 0, false
	}
	return x[0], true
}

// Mean returns the mean of feature name's values on the trace, the
// per-trace value NOBLE's reference code compares (its feature errors and
// its comparison with recordings), and false when the feature is
// undefined, empty or its mean is not finite.
func (v Values) Mean(name string) (float64, bool) { return meanValue(v, name) }

// Fires reports whether the trace fires: Spikecount is positive (NOBLE's
// reference code's test; an undefined Spikecount is silent).
func (v Values) Fires() bool { return fires(v) }

// MarshalJSON encodes the features in the order of Names (then any other
// keys in sorted order, as encoding/json would): undefined features as null,
// non-finite elements as null, finite ones in the shortest form that round-trips.
func (v Values) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	write := func(k string, x []float64) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		if x == nil {
			b.WriteString("null")
			return
		}
		b.WriteByte('[')
		for i, f := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if math.IsNaN(f) || math.IsInf(f, 0) {
				b.WriteString("null")
			} else {
				b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
			}
		}
		b.WriteByte(']')
	}
	seen := make(map[string]bool, len(Names))
	for _, k := range Names {
		if x, ok := v[k]; ok {
			write(k, x)
			seen[k] = true
		}
	}
	var rest []string
	for k := range v {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		write(k, v[k])
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Extractor computes features with fixed settings, reusing its scratch
// buffers between traces. It is not safe for concurrent use; use one per
// goroutine.
type Extractor struct {
	s Settings // with defaults filled in

	t, v, dvdt []float64 // resampled trace and its derivative
	peaks      []int     // peak_indices
	ahp        []int     // min_AHP_indices
	apb        []int     // AP_begin_indices
	minima     []int     // scratch of AP_begin_indices
	ups, dns   []int     // scratch of depol_block
	work       []float64 // scratch

	arena []float64 // backing store of the current result
}

// NewExtractor validates s (nil is not allowed: the stimulus window has no
// default) and returns an extractor.
func NewExtractor(s *Settings) (*Extractor, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: nil settings (the stimulus window is required)", ErrSettings)
	}
	d := s.withDefaults()
	if err := d.validate(); err != nil {
		return nil, err
	}
	return &Extractor{s: d}, nil
}

// Settings returns the extractor's settings with defaults filled in.
func (e *Extractor) Settings() Settings { return e.s }

// Compute returns all features of the trace v (mV) sampled every dt ms from
// t = 0. It fails when v has fewer than 3 samples, holds NaN or Inf, dt is
// not positive and finite, or the stimulus window is not inside the trace
// (StimEnd beyond the last sample time). v is not modified. The result does
// not alias the extractor's buffers.
func (e *Extractor) Compute(v []float64, dt float64) (Values, error) {
	if err := e.check(v, dt); err != nil {
		return nil, err
	}
	e.resample(v, dt)
	return e.compute(), nil
}

// Compute is a convenience wrapper: NewExtractor(s) then Compute(v, dt).
func Compute(v []float64, dt float64, s *Settings) (Values, error) {
	e, err := NewExtractor(s)
	if err != nil {
		return nil, err
	}
	return e.Compute(v, dt)
}

func (e *Extractor) check(v []float64, dt float64) error {
	if len(v) < 3 {
		return fmt.Errorf("%w (got %d)", ErrEmpty, len(v))
	}
	if !(dt > 0) || math.IsInf(dt, 0) {
		return fmt.Errorf("%w (got %v ms)", ErrDt, dt)
	}
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return &SampleError{Index: i, Value: x, Err: ErrNonFinite}
		}
	}
	tEnd := float64(len(v)-1) * dt
	if tEnd/e.s.InterpStep > maxGrid {
		// tEnd is computed: 10 digits hide its rounding (8582 × 0.02 is
		// 171.64000000000001 in float64).
		return fmt.Errorf("%w: %.10g ms resampled every %v ms exceeds %d points", ErrSettings, tEnd, e.s.InterpStep, maxGrid)
	}
	if e.s.StimEnd > tEnd {
		return fmt.Errorf("%w: stimulus %v → %v ms, trace ends at %.10g ms (%d samples × %v ms)",
			ErrStimWindow, e.s.StimStart, e.s.StimEnd, tEnd, len(v), dt)
	}
	return nil
}
