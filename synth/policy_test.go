package synth

import (
	"errors"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/surrogate"
)

// TestAdmit checks the one range policy of synth, demo and serve: inside
// the training ranges is admitted; outside is refused unless the caller
// opts in, and never beyond Limit range widths. The test model's ranges:
// I_thr [0.1, 0.3] nA, s_thr [100, 300] Hz/nA, amp [0, 0.5] nA.
func TestAdmit(t *testing.T) {
	t.Parallel()
	s, err := Open(tinyModel(t, map[string]string{surrogate.MetaAmpRange: `{"min":0,"max":0.5}`}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Model.Close()
	in := surrogate.Stimulus{AmpNA: 0.2, IThr: 0.2, SThr: 200}
	for _, c := range []struct {
		name string
		sts  []surrogate.Stimulus
		p    Policy
		bad  int    // values outside
		want string // the error's text; "" for none
	}{
		{"inside", []surrogate.Stimulus{in}, Policy{}, 0, ""},
		{"amp 5 refused", []surrogate.Stimulus{in, {AmpNA: 5, IThr: 0.2, SThr: 200}}, Policy{}, 1,
			"stimulus 1: amp = 5 nA is outside the training range [0, 0.5] nA; refusing to extrapolate (opt in with extrapolate)"},
		{"amp -0.1 refused", []surrogate.Stimulus{{AmpNA: -0.1, IThr: 0.2, SThr: 200}}, Policy{}, 1,
			"stimulus 0: amp = -0.1 nA is outside the training range [0, 0.5] nA; refusing to extrapolate (opt in with extrapolate)"},
		{"two refused", []surrogate.Stimulus{{AmpNA: -0.1, IThr: 0.05, SThr: 200}}, Policy{}, 2,
			"stimulus 0: i_thr = 0.05 nA is outside the training range [0.1, 0.3] nA (and 1 more); refusing to extrapolate (opt in with extrapolate)"},
		{"amp -0.1 extrapolated", []surrogate.Stimulus{{AmpNA: -0.1, IThr: 0.2, SThr: 200}}, Policy{Extrapolate: true}, 1, ""},
		{"amp 5 beyond the bounds", []surrogate.Stimulus{{AmpNA: 5, IThr: 0.2, SThr: 200}}, Policy{Extrapolate: true}, 1,
			"stimulus 0: amp = 5 nA is outside the training range [0, 0.5] nA by more than 0.5 range widths (bounds [-0.25, 0.75] nA); refused even with extrapolate"},
		{"amp 5 within a wider limit", []surrogate.Stimulus{{AmpNA: 5, IThr: 0.2, SThr: 200}}, Policy{Extrapolate: true, Limit: 10}, 1, ""},
		{"bad limit", []surrogate.Stimulus{in}, Policy{Limit: -1}, 0, "synth: invalid input: extrapolation limit -1: want a finite number of range widths ≥ 0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad, err := s.Admit(c.sts, c.p)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if len(bad) != c.bad || got != c.want {
				t.Errorf("Admit = %d outside, %q; want %d, %q", len(bad), got, c.bad, c.want)
			}
			if err != nil && c.bad > 0 && !errors.Is(err, ErrRange) {
				t.Errorf("Admit error %v does not wrap ErrRange", err)
			}
		})
	}
}

func TestBounds(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		r      surrogate.Range
		p      Policy
		lo, hi float64
	}{
		{surrogate.Range{Min: 0.1, Max: 0.3}, Policy{}, 0, 0.4},
		{surrogate.Range{Min: 100, Max: 300}, Policy{Limit: 0.25}, 50, 350},
		{surrogate.Range{Min: 2, Max: 2}, Policy{}, 1, 3},
		{surrogate.Range{}, Policy{}, -0.5, 0.5},
	} {
		if lo, hi := c.p.Bounds(c.r); lo != c.lo || hi != c.hi {
			t.Errorf("%+v.Bounds(%+v) = [%g, %g], want [%g, %g]", c.p, c.r, lo, hi, c.lo, c.hi)
		}
	}
	if !strings.Contains((&RangeError{Field: "s_thr", Value: 1, Min: 2, Max: 3}).Describe(), "Hz/nA") {
		t.Error("RangeError.Describe gives no unit")
	}
}
