package features

import "math"

// Reference feature lists of NOBLE's training code (extract_features in
// src/training/neuro/extract_features.py of neuraloperator/noble): the
// features it extracts from a trace that fires (Spikecount > 0) and from
// one that does not, for its per-epoch feature errors.
var (
	ReferenceFiring = []string{
		"AHP1_depth_from_peak", "AHP_depth", "AHP_time_from_peak", "AP1_peak", "AP1_width", "Spikecount",
		"decay_time_constant_after_stim", "depol_block", "inv_first_ISI", "mean_AP_amplitude",
		"steady_state_voltage", "steady_state_voltage_stimend", "time_to_first_spike", "voltage_base",
	}
	ReferenceSilent = []string{
		"decay_time_constant_after_stim", "sag_amplitude", "steady_state_voltage",
		"steady_state_voltage_stimend", "voltage_base",
	}
)

// Comparison accumulates the feature errors of predicted traces against
// true ones as NOBLE's reference code computes them (update_feature_errors
// in src/training/neuro/extract_features.py of neuraloperator/noble), the
// definition of the paper's Tables 1 and 2: a trace pair on which only one
// of the two fires (Spikecount > 0) is a miss, counted apart and not
// compared; otherwise each feature of FiringNames (both fire) or
// SilentNames (neither does) that both traces define contributes the
// relative error |p̄ − t̄| / |t̄| of the means p̄, t̄ of its values on the
// trace (most features have one value). The reference divides by
// |t̄ + 1e-6| instead, which differs by 1e-6 in the feature's unit and
// makes a zero truth an error of order 1e6; here a zero truth is counted
// in ZeroTruth and not compared. Non-finite means count as undefined.
//
// The zero value is ready to use once the name lists are set; the maps
// are allocated by Add.
type Comparison struct {
	FiringNames []string // features compared on pairs that both fire
	SilentNames []string // features compared on pairs that are both silent

	Traces          int // pairs added
	Firing          int // pairs whose truth fires
	MissedFiring    int // the truth fires, the prediction does not
	MissedNonFiring int // the prediction fires, the truth does not

	Rel       map[string][]float64 // relative errors per feature, in the order added
	OnlyTruth map[string]int       // defined on the true trace only
	OnlyPred  map[string]int       // defined on the predicted trace only
	ZeroTruth map[string]int       // true value 0 (no relative error)
}

// Add compares one predicted trace's values pred with the true trace's
// truth.
func (c *Comparison) Add(truth, pred Values) {
	if c.Rel == nil {
		c.Rel = make(map[string][]float64)
		c.OnlyTruth = make(map[string]int)
		c.OnlyPred = make(map[string]int)
		c.ZeroTruth = make(map[string]int)
	}
	c.Traces++
	ft, fp := fires(truth), fires(pred)
	if ft {
		c.Firing++
	}
	names := c.SilentNames
	switch {
	case ft && !fp:
		c.MissedFiring++
		return
	case fp && !ft:
		c.MissedNonFiring++
		return
	case ft:
		names = c.FiringNames
	}
	for _, n := range names {
		t, okT := meanValue(truth, n)
		p, okP := meanValue(pred, n)
		switch {
		case okT && !okP:
			c.OnlyTruth[n]++
		case okP && !okT:
			c.OnlyPred[n]++
		case okT && okP && t == 0:
			c.ZeroTruth[n]++
		case okT && okP:
			c.Rel[n] = append(c.Rel[n], math.Abs(p-t)/math.Abs(t))
		}
	}
}

// Mean returns the mean relative error of feature name and the number of
// pairs it averages (NaN and 0 if none).
func (c *Comparison) Mean(name string) (float64, int) {
	r := c.Rel[name]
	if len(r) == 0 {
		return math.NaN(), 0
	}
	return mean(r), len(r)
}

// fires reports whether a trace's Spikecount is positive.
func fires(v Values) bool {
	n, ok := v.First("Spikecount")
	return ok && n > 0
}

// meanValue is the mean of a feature's values on one trace, false if it
// has none or it is not finite.
func meanValue(v Values, name string) (float64, bool) {
	xs := v[name]
	if len(xs) == 0 {
		return 0, false
	}
	m := mean(xs)
	return m, !math.IsNaN(m) && !math.IsInf(m, 0)
}
