package dataset

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Stimulus is the distribution of step amplitudes: a skew-normal with the
// given mode, scale and shape, truncated to the support [Lo, Hi] (a draw
// outside is redrawn, so the density keeps its shape and the bounds carry no
// point mass). All in nA except the dimensionless Shape.
type Stimulus struct {
	Mode  float64 `json:"mode_nA"`  // most likely amplitude, nA
	Lo    float64 `json:"lo_nA"`    // lower end of the support, nA
	Hi    float64 `json:"hi_nA"`    // upper end of the support, nA
	Scale float64 `json:"scale_nA"` // skew-normal scale ω, nA
	Shape float64 `json:"shape"`    // skew-normal shape α; > 0 puts the heavier tail on the right
}

// Defaults of DefaultStimulus, in nA.
const (
	DefaultBelow = 0.125 // support starts this far below the smallest I_thr
	DefaultAbove = 0.26  // and ends this far above the largest
	DefaultShape = 3.0
)

// ErrStimulus is wrapped by errors about an invalid amplitude distribution.
var ErrStimulus = errors.New("dataset: invalid stimulus distribution")

// DefaultStimulus derives the amplitude distribution from the threshold
// currents of a cell's models (nA; NaN entries are ignored): mode at their
// median, support [min − 0.125, max + 0.26] nA, shape 3 and scale a third of
// the support's width. For NOBLE's human cell (thresholds 0.014–0.019 nA) this
// gives support [−0.111, 0.279] nA, NOBLE's [−0.11, 0.28], and a mode of 0.017
// nA, inside NOBLE's [0, 0.05]: 37 % of the draws are below the median
// threshold, 38 % more than 0.05 nA above it, 9 % more than 0.15 nA above it,
// and 1.8 % of raw draws fall outside the support and are redrawn. For a
// cell with another rheobase the window moves with its thresholds. The window
// follows whichever I_thr the embeddings hold: package fi's default (the F-I
// fit's zero crossing) lies 0.01–0.02 nA below the rheobase on the human cell,
// and moves the window down by as much; embeddings made with
// "noble fi --method local" hold the rheobase itself.
func DefaultStimulus(ithr []float64) (Stimulus, error) {
	var ok []float64
	for _, x := range ithr {
		if !math.IsNaN(x) {
			ok = append(ok, x)
		}
	}
	if len(ok) == 0 {
		return Stimulus{}, fmt.Errorf("%w: no model has a threshold current", ErrStimulus)
	}
	slices.Sort(ok)
	n := len(ok)
	med := ok[n/2]
	if n%2 == 0 {
		med = (ok[n/2-1] + ok[n/2]) / 2
	}
	s := Stimulus{Mode: med, Lo: ok[0] - DefaultBelow, Hi: ok[n-1] + DefaultAbove, Shape: DefaultShape}
	s.Scale = (s.Hi - s.Lo) / 3
	return s, s.Validate()
}

// Validate reports whether s can be sampled: finite values, Lo < Mode < Hi,
// Scale > 0 and |Shape| ≤ 100.
func (s Stimulus) Validate() error {
	for _, x := range []float64{s.Mode, s.Lo, s.Hi, s.Scale, s.Shape} {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%w: %+v: values must be finite", ErrStimulus, s)
		}
	}
	if !(s.Lo < s.Mode && s.Mode < s.Hi) {
		return fmt.Errorf("%w: mode %v nA outside the support (%v, %v) nA", ErrStimulus, s.Mode, s.Lo, s.Hi)
	}
	if !(s.Scale > 0) {
		return fmt.Errorf("%w: scale %v nA must be positive", ErrStimulus, s.Scale)
	}
	if math.Abs(s.Shape) > 100 {
		return fmt.Errorf("%w: shape %v: |α| must be at most 100", ErrStimulus, s.Shape)
	}
	return nil
}

// Location returns the skew-normal location ξ that puts the mode at s.Mode:
// ξ = Mode − Scale·z*(Shape), z* the mode of the standard skew-normal.
func (s Stimulus) Location() float64 {
	return s.Mode - s.Scale*SkewNormalMode(s.Shape)
}

// SkewNormalMode returns the mode of the standard skew-normal density
// 2·φ(z)·Φ(αz) (Azzalini 1985). It has no closed form: it is the root of the
// derivative's factor z·Φ(αz) − α·φ(αz), which is increasing on the interval
// [0, 1) where the root lies for α > 0 (and the mirror image for α < 0),
// found by bisection to full precision.
func SkewNormalMode(alpha float64) float64 {
	if alpha == 0 {
		return 0
	}
	if alpha < 0 {
		return -SkewNormalMode(-alpha)
	}
	g := func(z float64) float64 {
		az := alpha * z
		return z*0.5*math.Erfc(-az/math.Sqrt2) - alpha*math.Exp(-az*az/2)/math.Sqrt(2*math.Pi)
	}
	lo, hi := 0.0, 1.0 // g(0) < 0, g(1) > 0 for α > 0
	for range 200 {
		mid := (lo + hi) / 2
		if mid == lo || mid == hi {
			break
		}
		if g(mid) < 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// maxRedraws bounds the redraws of one amplitude; Sampler refuses a support
// that holds so little of the distribution that this could be reached.
const maxRedraws = 10000

// Sampler draws amplitudes from a Stimulus.
type Sampler struct {
	s             Stimulus
	xi, delta, cd float64
}

// NewSampler validates s and checks that its support holds at least 1 % of
// the untruncated distribution (by 4096 draws of a fixed stream), so that
// redrawing terminates quickly.
func NewSampler(s Stimulus) (*Sampler, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	d := s.Shape / math.Sqrt(1+s.Shape*s.Shape)
	sm := &Sampler{s: s, xi: s.Location(), delta: d, cd: math.Sqrt(1 - d*d)}
	r := rand.New(rand.NewPCG(0, 0))
	in := 0
	for range 4096 {
		if x := sm.raw(r); x >= s.Lo && x <= s.Hi {
			in++
		}
	}
	if in < 41 {
		return nil, fmt.Errorf("%w: support [%v, %v] nA holds %d of 4096 draws of a skew-normal with mode %v nA, scale %v nA, shape %v", ErrStimulus, s.Lo, s.Hi, in, s.Mode, s.Scale, s.Shape)
	}
	return sm, nil
}

// raw draws from the untruncated skew-normal by the standard construction
// from two independent standard normals (Azzalini & Dalla Valle 1996; Henze
// 1986): Z = δ·|U0| + √(1−δ²)·U1 with δ = α/√(1+α²) is standard skew-normal
// with shape α; X = ξ + ω·Z.
func (sm *Sampler) raw(r *rand.Rand) float64 {
	u0 := r.NormFloat64()
	u1 := r.NormFloat64()
	return sm.xi + sm.s.Scale*(sm.delta*math.Abs(u0)+sm.cd*u1)
}

// Draw returns one amplitude in [Lo, Hi], redrawing draws outside the support.
func (sm *Sampler) Draw(r *rand.Rand) float64 {
	for range maxRedraws {
		if x := sm.raw(r); x >= sm.s.Lo && x <= sm.s.Hi {
			return x
		}
	}
	// Unreachable for a support NewSampler accepted (probability < 0.99^10000).
	return sm.s.Mode
}
