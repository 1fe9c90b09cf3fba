package surrogate

import (
	"errors"
	"fmt"
	"math"
)

// Channel offsets of DefaultEmbedding's encoding.
const (
	ChanCurrent   = 0  // current, 0.1 nA units
	ChanAmplitude = 1  // 2·AmpFrequencies channels of the amplitude NeRF
	ChanSThr      = 19 // 2·FeatureFrequencies channels of the scaled s_thr NeRF
	ChanIThr      = 21 // 2·FeatureFrequencies channels of the scaled I_thr NeRF
)

// AmpFrequencies and FeatureFrequencies are DefaultEmbedding's NeRF
// frequency counts K of the amplitude and of each F-I feature.
const (
	AmpFrequencies     = 9
	FeatureFrequencies = 1
)

// CurrentScale converts nA to the current channel's unit (0.1 nA): amperes ×
// 1e10 = nA × 10.
const CurrentScale = 10

// ErrInput is wrapped by every error about an invalid protocol, scaling or
// stimulus.
var ErrInput = errors.New("surrogate: invalid input")

// Protocol is the sampling and stimulus of the operator's input window.
type Protocol struct {
	DtMS        float64 `json:"dt_ms"`         // sample spacing, ms (0.06)
	Length      int     `json:"length"`        // samples L (8583)
	StimStartMS float64 `json:"stim_start_ms"` // step onset from the window start, ms (15)
	StimEndMS   float64 `json:"stim_end_ms"`   // step end, ms (415)
	// CurrentUnit names the current channel's unit; "0.1nA" (amperes × 1e10)
	// is the only one defined.
	CurrentUnit string `json:"current_unit"`
}

// DefaultProtocol returns the published protocol: dt 0.06 ms, 8583 samples
// (515 ms), a step from 15 to 415 ms, current in 0.1 nA.
func DefaultProtocol() Protocol {
	return Protocol{DtMS: 0.06, Length: 8583, StimStartMS: 15, StimEndMS: 415, CurrentUnit: "0.1nA"}
}

// Validate reports an invalid field, wrapping ErrInput.
func (p Protocol) Validate() error {
	switch {
	case !(p.DtMS > 0) || math.IsInf(p.DtMS, 0):
		return fmt.Errorf("%w: protocol dt_ms = %g, must be positive and finite", ErrInput, p.DtMS)
	case p.Length < 1 || p.Length > 1<<24:
		return fmt.Errorf("%w: protocol length = %d, must be in [1, 2^24]", ErrInput, p.Length)
	case math.IsNaN(p.StimStartMS) || math.IsInf(p.StimStartMS, 0) || math.IsNaN(p.StimEndMS) || math.IsInf(p.StimEndMS, 0):
		return fmt.Errorf("%w: protocol stimulus %g → %g ms is not finite", ErrInput, p.StimStartMS, p.StimEndMS)
	case p.StimEndMS < p.StimStartMS:
		return fmt.Errorf("%w: protocol stimulus ends (%g ms) before it starts (%g ms)", ErrInput, p.StimEndMS, p.StimStartMS)
	case p.CurrentUnit != "0.1nA":
		return fmt.Errorf("%w: protocol current_unit %q, only \"0.1nA\" is defined", ErrInput, p.CurrentUnit)
	}
	return nil
}

// StimSamples returns the half-open sample range [first, end) on which the
// step is on: the j in [0, Length) with StimStartMS ≤ j·DtMS < StimEndMS,
// boundaries within 1e-9·DtMS of a sample counting as that sample.
func (p Protocol) StimSamples() (first, end int) {
	idx := func(ms float64) int {
		j := math.Ceil(ms/p.DtMS - 1e-9)
		return int(max(0, min(float64(p.Length), j)))
	}
	return idx(p.StimStartMS), idx(p.StimEndMS)
}

// Range is the minimum and maximum of a feature over a cell's models.
type Range struct {
	Min float64 `json:"min"`
	Max float64 `json:"max"`
}

// Scaling is the min-max scaling of the embedding features, fitted over
// all hall-of-fame models of a cell.
type Scaling struct {
	IThr Range   `json:"i_thr"` // threshold current I_thr, nA
	SThr Range   `json:"s_thr"` // F-I slope s_thr, Hz/nA
	Lo   float64 `json:"lo"`    // target of Min (0.5)
	Hi   float64 `json:"hi"`    // target of Max (3.5)
	// Features holds the range of each extra feature by name (e.g.
	// FeatureAHPDepth, mV), in the feature's unit; empty when the cell's
	// feature table has none. Left out of the JSON when empty, so the
	// scaling of I_thr and s_thr alone encodes as it always has.
	Features ExtraRanges `json:"features,omitzero"`
}

// Target range of the published min-max scaling.
const (
	ScaleLo = 0.5
	ScaleHi = 3.5
)

// FitScaling returns the scaling of the given per-model I_thr (nA) and
// s_thr (Hz/nA) values onto [0.5, 3.5]. The slices must be non-empty, of
// equal length and finite.
func FitScaling(iThr, sThr []float64) (Scaling, error) {
	if len(iThr) == 0 || len(iThr) != len(sThr) {
		return Scaling{}, fmt.Errorf("%w: FitScaling needs equal non-empty lists, got %d I_thr and %d s_thr", ErrInput, len(iThr), len(sThr))
	}
	r := func(name string, v []float64) (Range, error) {
		out := Range{Min: math.Inf(1), Max: math.Inf(-1)}
		for i, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return Range{}, fmt.Errorf("%w: %s of model %d is %g", ErrInput, name, i, x)
			}
			out.Min, out.Max = min(out.Min, x), max(out.Max, x)
		}
		return out, nil
	}
	s := Scaling{Lo: ScaleLo, Hi: ScaleHi}
	var err error
	if s.IThr, err = r("I_thr", iThr); err != nil {
		return Scaling{}, err
	}
	if s.SThr, err = r("s_thr", sThr); err != nil {
		return Scaling{}, err
	}
	return s, nil
}

// FitFeature sets the range of the extra feature name (IsExtraFeature) to
// that of the per-model values v, which must be non-empty and finite.
func (s *Scaling) FitFeature(name string, v []float64) error {
	if !IsExtraFeature(name) {
		return fmt.Errorf("%w: %q is not an extra feature (want one of %q)", ErrInput, name, Features[2:])
	}
	if len(v) == 0 {
		return fmt.Errorf("%w: FitFeature %s: no values", ErrInput, name)
	}
	r := Range{Min: math.Inf(1), Max: math.Inf(-1)}
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%w: %s of model %d is %g", ErrInput, name, i, x)
		}
		r.Min, r.Max = min(r.Min, x), max(r.Max, x)
	}
	s.Features.Set(name, r)
	return nil
}

// Validate reports a non-finite or inverted range, wrapping ErrInput.
func (s Scaling) Validate() error {
	ranges := []struct {
		name string
		r    Range
	}{{"i_thr", s.IThr}, {"s_thr", s.SThr}, {"target", Range{s.Lo, s.Hi}}}
	for _, name := range s.Features.Names() {
		r, _ := s.Features.Get(name)
		ranges = append(ranges, struct {
			name string
			r    Range
		}{name, r})
	}
	for _, f := range ranges {
		if math.IsNaN(f.r.Min) || math.IsInf(f.r.Min, 0) || math.IsNaN(f.r.Max) || math.IsInf(f.r.Max, 0) {
			return fmt.Errorf("%w: scaling %s range [%g, %g] is not finite", ErrInput, f.name, f.r.Min, f.r.Max)
		}
		if f.r.Max < f.r.Min {
			return fmt.Errorf("%w: scaling %s range [%g, %g] is inverted", ErrInput, f.name, f.r.Min, f.r.Max)
		}
	}
	return nil
}

func (s Scaling) scale(r Range, v float64) float64 {
	if r.Max == r.Min {
		return (s.Lo + s.Hi) / 2
	}
	return s.Lo + (v-r.Min)/(r.Max-r.Min)*(s.Hi-s.Lo)
}

// ScaleIThr returns the scaled threshold current I_thr (nA).
func (s Scaling) ScaleIThr(v float64) float64 { return s.scale(s.IThr, v) }

// ScaleSThr returns the scaled F-I slope s_thr (Hz/nA).
func (s Scaling) ScaleSThr(v float64) float64 { return s.scale(s.SThr, v) }

// ScaleFeature returns the scaled value of the extra feature name; ok is
// false when s has no range for it.
func (s Scaling) ScaleFeature(name string, v float64) (scaled float64, ok bool) {
	r, ok := s.Features.Get(name)
	if !ok {
		return math.NaN(), false
	}
	return s.scale(r, v), true
}

// Stimulus is one operator input: a step amplitude and the embedding
// features of the neuron model it is applied to.
type Stimulus struct {
	AmpNA float64 // step amplitude, nA (0 and negative allowed; see the package doc)
	IThr  float64 // threshold current of the model, nA (unscaled)
	SThr  float64 // F-I slope of the model, Hz/nA (unscaled)
	// Features holds the model's extra features by name, unscaled (e.g.
	// FeatureAHPDepth, mV). Only those the encoder embeds are read; empty
	// is fine for an embedding of I_thr and s_thr alone.
	Features ExtraValues
}

// Encoder builds operator inputs for one protocol, scaling and embedding.
type Encoder struct {
	Protocol  Protocol
	Scaling   Scaling
	Embedding Embedding // resolved (Embedding.Resolved)
}

// NewEncoder validates p and s; the encoder has DefaultEmbedding.
func NewEncoder(p Protocol, s Scaling) (*Encoder, error) {
	return NewEncoderEmbedding(p, s, nil)
}

// NewEncoderEmbedding validates p, s and e; nil e means DefaultEmbedding.
// s must have a range for every extra feature e embeds (an error wrapping
// ErrInput names the first it lacks).
func NewEncoderEmbedding(p Protocol, s Scaling, e *Embedding) (*Encoder, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	emb := DefaultEmbedding()
	if e != nil {
		var err error
		if emb, err = e.Resolved(); err != nil {
			return nil, err
		}
	}
	for _, name := range emb.ExtraFeatures() {
		if _, ok := s.Features.Get(name); !ok {
			return nil, fmt.Errorf("%w: the embedding embeds %s, but the scaling has no range for it (the cell's feature table has no %s column)", ErrInput, name, name)
		}
	}
	return &Encoder{Protocol: p, Scaling: s, Embedding: emb}, nil
}

// Channels returns the encoding's channel count, Embedding.Channels().
func (e *Encoder) Channels() int { return e.Embedding.Channels() }

// Encode writes the [Channels(), L] encoding of st into dst and returns it;
// dst nil allocates, a dst of another length panics. Non-finite stimulus
// values, and an extra feature the encoder embeds but st lacks, are errors
// wrapping ErrInput.
func (e *Encoder) Encode(dst []float32, st Stimulus) ([]float32, error) {
	l, nc := e.Protocol.Length, e.Channels()
	if dst == nil {
		dst = make([]float32, nc*l)
	}
	if len(dst) != nc*l {
		panic(fmt.Sprintf("surrogate: len(dst) = %d, want %d·%d", len(dst), nc, l))
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"amplitude", st.AmpNA}, {"I_thr", st.IThr}, {"s_thr", st.SThr}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return nil, fmt.Errorf("%w: %s is %g", ErrInput, f.name, f.v)
		}
	}
	for _, name := range e.Embedding.ExtraFeatures() {
		v, ok := st.Features.Get(name)
		if !ok {
			return nil, fmt.Errorf("%w: the stimulus has no %s, which the model embeds", ErrInput, name)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%w: %s is %g", ErrInput, name, v)
		}
	}
	p := CurrentScale * st.AmpNA
	cur := dst[:l]
	clear(cur)
	first, end := e.Protocol.StimSamples()
	for j := first; j < end; j++ {
		cur[j] = float32(p)
	}
	off := l
	emb := &e.Embedding
	embed(dst[off:off+2*emb.AmpFrequencies*l], emb.AmpType, p, emb.AmpFrequencies, l)
	off += 2 * emb.AmpFrequencies * l
	for _, f := range emb.Features {
		n := 2 * f.Frequencies * l
		embed(dst[off:off+n], emb.FeatureType, st.feature(f.Name, e.Scaling), f.Frequencies, l)
		off += n
	}
	return dst, nil
}

// EncodeBatch encodes each stimulus into dst as [len(sts), Channels(), L];
// dst nil allocates, a dst of another length panics.
func (e *Encoder) EncodeBatch(dst []float32, sts []Stimulus) ([]float32, error) {
	n := e.Channels() * e.Protocol.Length
	if dst == nil {
		dst = make([]float32, len(sts)*n)
	}
	if len(dst) != len(sts)*n {
		panic(fmt.Sprintf("surrogate: len(dst) = %d, want %d·%d", len(dst), len(sts), n))
	}
	for i, st := range sts {
		if _, err := e.Encode(dst[i*n:(i+1)*n], st); err != nil {
			return nil, fmt.Errorf("stimulus %d: %w", i, err)
		}
	}
	return dst, nil
}

// embed writes the NeRF of p of the given type (EmbedFreq, EmbedAmp or
// EmbedNone) into dst, 2k channels of length l.
func embed(dst []float32, typ string, p float64, k, l int) {
	switch typ {
	case EmbedFreq:
		nerf(dst, p, 1, k, l)
	case EmbedAmp:
		nerf(dst, 1, p, k, l)
	case EmbedNone:
		nerf(dst, 1, 1, k, l)
	default:
		panic("surrogate: unknown embedding type " + typ) // Validate refuses it
	}
}

// NeRF writes the frequency-scaled NeRF encoding of p with k frequencies,
// 2k channels of length l (sin(2^i·π·p·t), cos(2^i·π·p·t) interleaved,
// t = linspace(0, 2π, l)), into dst, which must have length 2·k·l (it
// panics otherwise). Phases are computed in float64.
func NeRF(dst []float32, p float64, k, l int) { nerf(dst, p, 1, k, l) }

// nerf writes a·sin(2^i·π·p·t), a·cos(2^i·π·p·t); the product with a is
// taken in float64, and a = 1 leaves the sine and cosine as they are, so
// the frequency-scaled NeRF is bit for bit NeRF's.
func nerf(dst []float32, p, a float64, k, l int) {
	if len(dst) != 2*k*l {
		panic(fmt.Sprintf("surrogate: NeRF len(dst) = %d, want 2·%d·%d", len(dst), k, l))
	}
	step := 0.0
	if l > 1 {
		step = 2 * math.Pi / float64(l-1)
	}
	for i := range k {
		w := math.Ldexp(math.Pi*p, i) // 2^i·π·p
		s := dst[2*i*l : (2*i+1)*l]
		c := dst[(2*i+1)*l : (2*i+2)*l]
		for j := range l {
			t := float64(j) * step
			if j == l-1 && l > 1 {
				t = 2 * math.Pi // linspace's last point is exactly the stop value
			}
			sv, cv := math.Sincos(w * t)
			s[j], c[j] = float32(a*sv), float32(a*cv)
		}
	}
}

// VoltsToMV converts the operator's output (volts) to millivolts in place
// and returns v.
func VoltsToMV(v []float32) []float32 {
	for i := range v {
		v[i] *= 1000
	}
	return v
}
