package surrogate

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Values of Embedding.AmpType and Embedding.FeatureType: how a scalar p
// enters its K pairs of channels (k = 0 … K−1, t_j = linspace(0, 2π, L)).
const (
	// EmbedFreq scales the frequency: sin(2^k·π·p·t), cos(2^k·π·p·t), the
	// reference's type "freq" (NOBLE's published choice).
	EmbedFreq = "freq"
	// EmbedAmp scales the amplitude: p·sin(2^k·π·t), p·cos(2^k·π·t), the
	// reference's type "amp".
	EmbedAmp = "amp"
	// EmbedNone does not scale: sin(2^k·π·t), cos(2^k·π·t), the same for
	// every input (the reference's type null). The channels carry no
	// information about p; to leave p out, give it K = 0 instead.
	EmbedNone = "none"
)

// Names of the embeddable features: the columns of a cell's feature table
// (noble fi's i_thr_nA, s_thr_hz_per_nA and AHP_depth; NOBLE's published
// intercept and slope).
const (
	FeatureIThr = "i_thr" // threshold current I_thr, nA
	FeatureSThr = "s_thr" // F-I slope s_thr, Hz/nA
	// FeatureAHPDepth is eFEL's AHP_depth (mV) of the model, the third
	// feature of NOBLE's embedding ablation ("both + AHP depth"), measured
	// as package fi defines it. It is an extra feature: its value is in
	// Stimulus.Features and its range in Scaling.Features.
	FeatureAHPDepth = "AHP_depth"
)

// Features lists the feature names an Embedding may name: I_thr and s_thr,
// which every model of a dataset has, then the extra features, which a
// model has only when its feature table carries the column. Adding an eFEL
// feature here is all it takes to embed another column of the table.
var Features = []string{FeatureIThr, FeatureSThr, FeatureAHPDepth}

// IsExtraFeature reports whether name is an embeddable feature other than
// I_thr and s_thr: one whose value a Stimulus carries in Features and
// whose range a Scaling carries in Features.
func IsExtraFeature(name string) bool {
	return name != FeatureIThr && name != FeatureSThr && slices.Contains(Features, name)
}

// ExtraFeatures returns the extra features e embeds (IsExtraFeature), in
// channel order; nil if none.
func (e Embedding) ExtraFeatures() []string {
	var out []string
	for _, f := range e.Features {
		if IsExtraFeature(f.Name) {
			out = append(out, f.Name)
		}
	}
	return out
}

// MaxFrequencies bounds every K: the phase 2^(K−1)·π·p·2π must stay far
// below 2^53 for its float64 sine to mean anything.
const MaxFrequencies = 24

// FeatureEmbedding is the NeRF of one min-max scaled feature.
type FeatureEmbedding struct {
	Name        string `json:"name"`        // one of Features
	Frequencies int    `json:"frequencies"` // K ≥ 0; 0 gives no channels
}

// Embedding configures the channels of the encoding after the current
// channel: the NeRF of the amplitude p = 10·A (A in nA), then the NeRF of
// each embedded feature in the order listed, min-max scaled by the Scaling. A model
// is trained and used with one Embedding; the model file records it
// (MetaEmbedding). The zero value is not the default: use DefaultEmbedding,
// or nil where a *Embedding is taken.
type Embedding struct {
	AmpType        string `json:"amp_type"`        // EmbedFreq, EmbedAmp or EmbedNone ["": EmbedFreq]
	AmpFrequencies int    `json:"amp_frequencies"` // K of the amplitude, ≥ 0 [9]
	FeatureType    string `json:"feature_type"`    // type of every feature's NeRF ["": EmbedFreq]
	// Features are the embedded features in channel order, each name at
	// most once; empty embeds none [s_thr K = 1, then i_thr K = 1].
	Features []FeatureEmbedding `json:"features"`
}

// DefaultEmbedding returns NOBLE's published embedding: frequency-scaled,
// K = 9 for the amplitude, K = 1 for s_thr and then I_thr (23 channels).
func DefaultEmbedding() Embedding {
	return Embedding{AmpType: EmbedFreq, AmpFrequencies: 9, FeatureType: EmbedFreq,
		Features: []FeatureEmbedding{{FeatureSThr, 1}, {FeatureIThr, 1}}}
}

// Resolved returns e with empty types replaced by EmbedFreq and a nil
// feature list by an empty one, validated (Validate).
func (e Embedding) Resolved() (Embedding, error) {
	if e.AmpType == "" {
		e.AmpType = EmbedFreq
	}
	if e.FeatureType == "" {
		e.FeatureType = EmbedFreq
	}
	e.Features = slices.Clone(e.Features)
	if e.Features == nil {
		e.Features = []FeatureEmbedding{}
	}
	return e, e.Validate()
}

// Validate reports the first invalid field, by its JSON path below
// "embedding", wrapping ErrInput.
func (e Embedding) Validate() error {
	typ := func(field, v string) error {
		switch v {
		case EmbedFreq, EmbedAmp, EmbedNone:
			return nil
		}
		return fmt.Errorf("%w: embedding.%s = %q: want %q, %q or %q", ErrInput, field, v, EmbedFreq, EmbedAmp, EmbedNone)
	}
	k := func(field string, v int) error {
		if v < 0 || v > MaxFrequencies {
			return fmt.Errorf("%w: embedding.%s = %d: want 0 … %d", ErrInput, field, v, MaxFrequencies)
		}
		return nil
	}
	if err := typ("amp_type", e.AmpType); err != nil {
		return err
	}
	if err := k("amp_frequencies", e.AmpFrequencies); err != nil {
		return err
	}
	if err := typ("feature_type", e.FeatureType); err != nil {
		return err
	}
	for i, f := range e.Features {
		if !slices.Contains(Features, f.Name) {
			return fmt.Errorf("%w: embedding.features[%d].name = %q: not a column of the feature table (want one of %q)", ErrInput, i, f.Name, Features)
		}
		if slices.ContainsFunc(e.Features[:i], func(g FeatureEmbedding) bool { return g.Name == f.Name }) {
			return fmt.Errorf("%w: embedding.features[%d].name = %q: embedded twice", ErrInput, i, f.Name)
		}
		if err := k(fmt.Sprintf("features[%d].frequencies", i), f.Frequencies); err != nil {
			return err
		}
	}
	return nil
}

// Channels returns the encoding's channel count without the operator's
// grid channel: 1 + 2·K_amp + 2·Σ K_feature (23 for DefaultEmbedding).
func (e Embedding) Channels() int {
	n := 1 + 2*e.AmpFrequencies
	for _, f := range e.Features {
		n += 2 * f.Frequencies
	}
	return n
}

// Equal reports whether e and f encode alike (nil and empty feature lists
// are equal).
func (e Embedding) Equal(f Embedding) bool {
	return e.AmpType == f.AmpType && e.AmpFrequencies == f.AmpFrequencies &&
		e.FeatureType == f.FeatureType && slices.Equal(e.Features, f.Features)
}

// IsDefault reports whether e is DefaultEmbedding.
func (e Embedding) IsDefault() bool { return e.Equal(DefaultEmbedding()) }

// PutMeta records e in a model file's extra metadata under MetaEmbedding,
// except the default, which a model file records by leaving the key out
// (so that default model files are those from before the key existed).
func (e Embedding) PutMeta(extra map[string]string) {
	if e.IsDefault() {
		delete(extra, MetaEmbedding)
		return
	}
	b, err := json.Marshal(e)
	if err != nil {
		panic(err) // strings and ints only
	}
	extra[MetaEmbedding] = string(b)
}

// feature returns the scaled value under s of the named feature of st.
// NewEncoderEmbedding has checked that s has a range for every extra
// feature, and Encode that st has a finite value.
func (st Stimulus) feature(name string, s Scaling) float64 {
	switch name {
	case FeatureIThr:
		return s.ScaleIThr(st.IThr)
	case FeatureSThr:
		return s.ScaleSThr(st.SThr)
	}
	r, _ := s.Features.Get(name)
	v, _ := st.Features.Get(name)
	return s.scale(r, v)
}

// ParseEmbedding parses the command-line spelling of an Embedding: "default"
// (DefaultEmbedding) or comma-separated KEY=VALUE items, each key at most
// once: amp=K, amp_type=TYPE, feature_type=TYPE and NAME=K for each embedded
// feature in channel order. It spells the embedding whole: an absent amp is
// K_amp = 0, absent types are EmbedFreq, unlisted features are not
// embedded. DefaultEmbedding is "amp=9,s_thr=1,i_thr=1"; the current alone
// is "amp=0". Errors wrap ErrInput and name the item; the result is
// validated.
func ParseEmbedding(spec string) (Embedding, error) {
	spec = strings.TrimSpace(spec)
	if spec == "default" {
		return DefaultEmbedding(), nil
	}
	e := Embedding{AmpType: EmbedFreq, FeatureType: EmbedFreq, Features: []FeatureEmbedding{}}
	seen := map[string]bool{}
	for item := range strings.SplitSeq(spec, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(item), "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return Embedding{}, fmt.Errorf("%w: embedding %q: item %q: want KEY=VALUE", ErrInput, spec, item)
		}
		if seen[k] {
			return Embedding{}, fmt.Errorf("%w: embedding %q: %s given twice", ErrInput, spec, k)
		}
		seen[k] = true
		switch k {
		case "amp_type":
			e.AmpType = v
			continue
		case "feature_type":
			e.FeatureType = v
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return Embedding{}, fmt.Errorf("%w: embedding %q: %s=%s: K is not an integer", ErrInput, spec, k, v)
		}
		if k == "amp" {
			e.AmpFrequencies = n
		} else {
			e.Features = append(e.Features, FeatureEmbedding{Name: k, Frequencies: n})
		}
	}
	if err := e.Validate(); err != nil {
		return Embedding{}, err
	}
	return e, nil
}

// String returns the ParseEmbedding spelling of e.
func (e Embedding) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "amp=%d", e.AmpFrequencies)
	for _, f := range e.Features {
		fmt.Fprintf(&b, ",%s=%d", f.Name, f.Frequencies)
	}
	if e.AmpType != EmbedFreq && e.AmpType != "" {
		fmt.Fprintf(&b, ",amp_type=%s", e.AmpType)
	}
	if e.FeatureType != EmbedFreq && e.FeatureType != "" {
		fmt.Fprintf(&b, ",feature_type=%s", e.FeatureType)
	}
	return b.String()
}
