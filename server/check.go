package server

import (
	"fmt"
	"math"
	"net/http"
	"strconv"

	"github.com/noble-neuro/noble/surrogate"
	"github.com/noble-neuro/noble/synth"
)

// Stimulus is one synthesis request: a step amplitude applied to the
// neuron model with F-I embedding (IThr, SThr).
type Stimulus struct {
	IThr float64 `json:"i_thr"` // threshold current, nA
	SThr float64 `json:"s_thr"` // F-I slope, Hz/nA
	Amp  float64 `json:"amp"`   // step amplitude, nA
}

func (s Stimulus) surrogate() surrogate.Stimulus {
	return surrogate.Stimulus{AmpNA: s.Amp, IThr: s.IThr, SThr: s.SThr}
}

// Flags say where a stimulus lies relative to the training data.
type Flags struct {
	// InRange is false when a value lies outside its training range (and
	// was extrapolated).
	InRange bool `json:"in_range"`
	// InHull is whether (I_thr, s_thr) lies in the convex hull of the HoF
	// embeddings; absent when the model stores no HoF.
	InHull *bool `json:"in_hull,omitempty"`
	// Warnings explain each out-of-range value.
	Warnings []string `json:"warnings,omitempty"`
}

// RangeInfo is a quantity's training range and the hard limits of
// extrapolation.
type RangeInfo struct {
	Min     float64 `json:"min"`
	Max     float64 `json:"max"`
	HardMin float64 `json:"hard_min"` // values below are refused
	HardMax float64 `json:"hard_max"` // values above are refused
	Unit    string  `json:"unit"`
}

// width is the span used to extend a range: its width, or for a
// degenerate range its magnitude (1 for [0, 0]).
func width(r surrogate.Range) float64 {
	w := r.Max - r.Min
	if w <= 0 {
		w = math.Abs(r.Min)
	}
	if w <= 0 {
		w = 1
	}
	return w
}

func (srv *Server) rangeInfo(r surrogate.Range, unit string) RangeInfo {
	w := width(r)
	x := w * srv.set.Extrapolate
	return RangeInfo{Min: r.Min, Max: r.Max, HardMin: tidy(r.Min-x, w), HardMax: tidy(r.Max+x, w), Unit: unit}
}

// tidy rounds x to 1e-9 of the width w, so that the hard limits print as
// 0.4, not 0.39999999999999997 (a limit moves by at most 5e-10 widths).
func tidy(x, w float64) float64 {
	d := min(max(9-int(math.Floor(math.Log10(w))), 0), 20)
	y, err := strconv.ParseFloat(strconv.FormatFloat(x, 'f', d, 64), 64)
	if err != nil || !finite(y) {
		return x
	}
	return y
}

// checkValue checks one value against its range and records a warning in
// f when it is outside the training range; it returns a 422 error beyond
// the hard limits, or outside the training range when strict.
func (srv *Server) checkValue(f *Flags, where, name string, v float64, r surrogate.Range, unit string, strict bool) error {
	ri := srv.rangeInfo(r, unit)
	if !finite(v) || v < ri.HardMin || v > ri.HardMax {
		return errorf(http.StatusUnprocessableEntity, "%s%s = %g %s is too far outside the training range [%g, %g] %s: synthesis is refused outside [%g, %g]",
			where, name, v, unit, r.Min, r.Max, unit, ri.HardMin, ri.HardMax)
	}
	if v < r.Min || v > r.Max {
		if strict {
			return errorf(http.StatusUnprocessableEntity, "%s%s = %g %s is outside the training range [%g, %g] %s (refused because strict is set)",
				where, name, v, unit, r.Min, r.Max, unit)
		}
		f.InRange = false
		f.Warnings = append(f.Warnings, fmt.Sprintf("%s = %g %s is outside the training range [%g, %g] %s: extrapolated", name, v, unit, r.Min, r.Max, unit))
	}
	return nil
}

// checkEmbedding checks (i_thr, s_thr) and sets the hull flag.
func (srv *Server) checkEmbedding(f *Flags, where string, iThr, sThr float64, strict bool) error {
	if err := srv.checkValue(f, where, "i_thr", iThr, srv.scale.IThr, "nA", strict); err != nil {
		return err
	}
	if err := srv.checkValue(f, where, "s_thr", sThr, srv.scale.SThr, "Hz/nA", strict); err != nil {
		return err
	}
	if len(srv.hof) > 0 {
		in := inHull(srv.hull, synth.Embedding{IThr: iThr, SThr: sThr})
		f.InHull = &in
	}
	return nil
}

// checkStimulus checks an embedding and an amplitude.
func (srv *Server) checkStimulus(where string, st Stimulus, strict bool) (Flags, error) {
	f := Flags{InRange: true}
	if err := srv.checkEmbedding(&f, where, st.IThr, st.SThr, strict); err != nil {
		return f, err
	}
	err := srv.checkValue(&f, where, "amp", st.Amp, srv.amp, "nA", strict)
	return f, err
}
