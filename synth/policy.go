package synth

import (
	"fmt"
	"math"

	"github.com/noble-neuro/noble/surrogate"
)

// DefaultLimit is Policy.Limit's default, in range widths.
const DefaultLimit = 0.5

// Policy decides what happens to a value outside its training range (see
// the package doc, "Ranges"). It is the one policy of noble synth, noble
// demo and the HTTP API (package server): a value outside is refused
// unless the caller opts in to extrapolation, and never synthesised
// further than Limit range widths beyond either end.
type Policy struct {
	// Extrapolate synthesises values outside the training ranges (each is
	// reported) instead of refusing them.
	Extrapolate bool
	// Limit bounds extrapolation, in range widths beyond either end of a
	// range; values further out are refused even with Extrapolate. Zero
	// means DefaultLimit; negative or non-finite is an error of Admit.
	Limit float64
}

func (p Policy) limit() float64 {
	if p.Limit == 0 {
		return DefaultLimit
	}
	return p.Limit
}

// width is the span a range is extended by: its width, or for a degenerate
// range its magnitude (1 for [0, 0]).
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

// Bounds returns the interval outside which p refuses a value of range r
// even with Extrapolate: r widened by Limit range widths on both sides,
// rounded to 1e-9 of the width so that the bounds print as 0.4, not
// 0.39999999999999997 (a bound moves by at most 5e-10 widths).
func (p Policy) Bounds(r surrogate.Range) (lo, hi float64) {
	w := width(r)
	x := w * p.limit()
	return surrogate.Tidy(r.Min-x, w), surrogate.Tidy(r.Max+x, w)
}

// unit is the unit of each checked field.
var unit = map[string]string{"i_thr": "nA", "s_thr": "Hz/nA", "amp": "nA"}

// Admit applies p to sts. It returns every value outside its training range
// (nil if all are inside) and, if p refuses any of them, an error wrapping
// ErrRange that names the first refused value and counts the others. The
// error's text is the same for every caller: without Extrapolate
//
//	stimulus 0: amp = 5 nA is outside the training range [0.0562, 0.462] nA; refusing to extrapolate (opt in with extrapolate)
//
// and with it, for a value beyond the bounds
//
//	stimulus 0: amp = 5 nA is outside the training range [0.0562, 0.462] nA by more than 0.5 range widths (bounds [-0.149, 0.667] nA); refused even with extrapolate
//
// Non-finite values are always refused.
func (s *Surrogate) Admit(sts []surrogate.Stimulus, p Policy) ([]*RangeError, error) {
	if lim := p.Limit; lim < 0 || math.IsNaN(lim) || math.IsInf(lim, 0) {
		return nil, fmt.Errorf("%w: extrapolation limit %v: want a finite number of range widths ≥ 0", ErrInput, lim)
	}
	bad := s.Check(sts)
	var refused []*RangeError
	for _, e := range bad {
		lo, hi := p.Bounds(surrogate.Range{Min: e.Min, Max: e.Max})
		if !p.Extrapolate || !(e.Value >= lo && e.Value <= hi) {
			refused = append(refused, e)
		}
	}
	if len(refused) == 0 {
		return bad, nil
	}
	e := refused[0]
	more := ""
	if len(refused) > 1 {
		more = fmt.Sprintf(" (and %d more)", len(refused)-1)
	}
	if !p.Extrapolate {
		return bad, fmt.Errorf("%w%s; refusing to extrapolate (opt in with extrapolate)", e, more)
	}
	lo, hi := p.Bounds(surrogate.Range{Min: e.Min, Max: e.Max})
	return bad, fmt.Errorf("%w by more than %g range widths (bounds [%g, %g] %s)%s; refused even with extrapolate",
		e, p.limit(), lo, hi, unit[e.Field], more)
}
