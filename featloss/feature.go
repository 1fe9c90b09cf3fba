package featloss

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Feature names a differentiable feature.
type Feature int

// The features. The String of each is its name in a Spec.
const (
	// SagAmplitude is the reference's soft sag amplitude, mV.
	SagAmplitude Feature = iota
	// AP1Width is the reference's (commit 298bba3) soft width of the first
	// action potential at the target's threshold, ms.
	AP1Width
	// SpikeCount is the soft number of upward crossings of CountThreshold
	// (not in the reference).
	SpikeCount
	// SpikeTiming is the van Rossum distance between the soft spike train of
	// the prediction and the exact one of the target (not in the reference).
	SpikeTiming
	// SpikeEnvelope is the distance between the soft maxima of prediction
	// and target over consecutive segments of the step (not in the
	// reference).
	SpikeEnvelope
	numFeatures
)

var featureNames = [numFeatures]string{"sag_amplitude", "AP1_width", "spike_count", "spike_timing", "spike_envelope"}

// String returns the feature's name, as written in a Spec.
func (f Feature) String() string {
	if f < 0 || f >= numFeatures {
		return "Feature(" + strconv.Itoa(int(f)) + ")"
	}
	return featureNames[f]
}

// Features returns every feature, in the order of their constants.
func Features() []Feature {
	fs := make([]Feature, numFeatures)
	for i := range fs {
		fs[i] = Feature(i)
	}
	return fs
}

// ParseFeature returns the feature called name (exact, case-sensitive, as
// String spells it).
func ParseFeature(name string) (Feature, error) {
	for i, n := range featureNames {
		if n == name {
			return Feature(i), nil
		}
	}
	return 0, fmt.Errorf("%w %q (known: %s)", ErrUnknownFeature, name, strings.Join(featureNames[:], ", "))
}

// Sentinels of spec parsing; a SpecError wraps one of them.
var (
	ErrUnknownFeature = errors.New("featloss: unknown feature")
	ErrWeight         = errors.New("featloss: invalid weight")
	ErrDuplicate      = errors.New("featloss: duplicate feature")
	ErrSyntax         = errors.New("featloss: malformed spec")
)

// SpecError reports a bad element of a spec: Pos is its 1-based position in
// the comma-separated list and Elem its text.
type SpecError struct {
	Pos  int
	Elem string
	Err  error
}

func (e *SpecError) Error() string {
	return fmt.Sprintf("featloss: spec element %d %q: %v", e.Pos, e.Elem, e.Err)
}

func (e *SpecError) Unwrap() error { return e.Err }

// Term is one weighted feature of a combined loss.
type Term struct {
	Feature Feature
	Weight  float64 // λ, ≥ 0 and finite
}

// Spec is a combined feature loss: Σ_terms Weight·L_Feature.
type Spec []Term

// ParseSpec parses "name=λ,name=λ,…", e.g. "sag_amplitude=25,spike_count=1"
// (spaces around elements, names and weights are allowed). Every feature may
// appear once, weights must be finite and ≥ 0 (a zero weight is kept: it
// makes the term's value available without training on it). The empty
// string is an empty spec. Errors are *SpecError wrapping ErrSyntax,
// ErrUnknownFeature (the message lists the known names), ErrWeight or
// ErrDuplicate.
func ParseSpec(s string) (Spec, error) {
	if strings.TrimSpace(s) == "" {
		return Spec{}, nil
	}
	var sp Spec
	for i, elem := range strings.Split(s, ",") {
		fail := func(err error) (Spec, error) { return nil, &SpecError{Pos: i + 1, Elem: elem, Err: err} }
		name, val, ok := strings.Cut(elem, "=")
		name, val = strings.TrimSpace(name), strings.TrimSpace(val)
		if !ok || name == "" || val == "" {
			return fail(fmt.Errorf("%w: want name=weight", ErrSyntax))
		}
		f, err := ParseFeature(name)
		if err != nil {
			return fail(err)
		}
		w, err := strconv.ParseFloat(val, 64)
		switch {
		case err != nil && !errors.Is(err, strconv.ErrRange):
			return fail(fmt.Errorf("%w: %q is not a number", ErrWeight, val))
		case err != nil || math.IsInf(w, 0):
			return fail(fmt.Errorf("%w: %s is infinite", ErrWeight, val))
		case math.IsNaN(w):
			return fail(fmt.Errorf("%w: NaN", ErrWeight))
		case w < 0:
			return fail(fmt.Errorf("%w: %v is negative", ErrWeight, w))
		}
		for _, t := range sp {
			if t.Feature == f {
				return fail(fmt.Errorf("%w %s", ErrDuplicate, f))
			}
		}
		sp = append(sp, Term{Feature: f, Weight: w})
	}
	return sp, nil
}

// String formats the spec as ParseSpec reads it; weights round-trip.
func (s Spec) String() string {
	var b strings.Builder
	for i, t := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(t.Feature.String())
		b.WriteByte('=')
		b.WriteString(strconv.FormatFloat(t.Weight, 'g', -1, 64))
	}
	return b.String()
}

// Has reports whether the spec has a term for f.
func (s Spec) Has(f Feature) bool {
	for _, t := range s {
		if t.Feature == f {
			return true
		}
	}
	return false
}
