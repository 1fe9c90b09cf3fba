package server

import (
	"net/http"

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
	// was extrapolated, as the request asked).
	InRange bool `json:"in_range"`
	// InHull is whether (I_thr, s_thr) lies in the convex hull of the HoF
	// embeddings (synth.InHull); absent when the model stores no HoF.
	InHull *bool `json:"in_hull,omitempty"`
	// Warnings explain each out-of-range value.
	Warnings []string `json:"warnings,omitempty"`
}

// RangeInfo is a quantity's training range and the bounds of
// extrapolation (synth.Policy.Bounds).
type RangeInfo struct {
	Min     float64 `json:"min"`
	Max     float64 `json:"max"`
	HardMin float64 `json:"hard_min"` // values below are refused even with extrapolate
	HardMax float64 `json:"hard_max"` // values above are refused even with extrapolate
	Unit    string  `json:"unit"`
}

func (srv *Server) rangeInfo(r surrogate.Range, unit string) RangeInfo {
	lo, hi := srv.pol.Bounds(r)
	return RangeInfo{Min: r.Min, Max: r.Max, HardMin: lo, HardMax: hi, Unit: unit}
}

// policy returns the range policy of a request: the server's bounds, and
// extrapolation only when the request asks for it. "strict" is the
// default now and kept for old clients; asking for both is a 400.
func (srv *Server) policy(extrapolate, strict bool) (synth.Policy, error) {
	if extrapolate && strict {
		return synth.Policy{}, errorf(http.StatusBadRequest, "give extrapolate or strict, not both")
	}
	p := srv.pol
	p.Extrapolate = extrapolate
	return p, nil
}

// admit applies the range policy p to sts (synth.Surrogate.Admit: the
// message of a refusal is noble synth's and noble demo's, after the prefix
// what, which names an ensemble's centre or samples) and returns the flags
// of each stimulus. A refusal is a 422.
func (srv *Server) admit(what string, sts []surrogate.Stimulus, p synth.Policy) ([]Flags, error) {
	bad, err := srv.syn.Admit(sts, p)
	if err != nil {
		return nil, &apiError{Status: http.StatusUnprocessableEntity, Msg: what + err.Error()}
	}
	flags := make([]Flags, len(sts))
	for i, st := range sts {
		flags[i].InRange = true
		if srv.syn.HoF != nil {
			in := synth.InHull(srv.hull, synth.Embedding{IThr: st.IThr, SThr: st.SThr})
			flags[i].InHull = &in
		}
	}
	for _, e := range bad {
		f := &flags[e.Index]
		f.InRange = false
		f.Warnings = append(f.Warnings, e.Describe()+": extrapolated")
	}
	return flags, nil
}
