package surrogate

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

// TestEncodeAHPDepth checks the 25 channels of NOBLE's ablation embedding
// ("both + AHP depth": amp=9,s_thr=1,i_thr=1,AHP_depth=1) against a hand
// computation: channels 0–22 are the default encoding's, bit for bit, and
// AHP_depth's pair comes last.
func TestEncodeAHPDepth(t *testing.T) {
	t.Parallel()
	p := Protocol{DtMS: 1, Length: 5, StimStartMS: 1, StimEndMS: 3, CurrentUnit: "0.1nA"}
	sc, err := FitScaling([]float64{0.1, 0.3}, []float64{100, 300})
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.FitFeature(FeatureAHPDepth, []float64{-20, -12, -10}); err != nil {
		t.Fatal(err)
	}
	e, err := ParseEmbedding("amp=9,s_thr=1,i_thr=1,AHP_depth=1")
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Channels(); got != 25 {
		t.Fatalf("Channels() = %d, want 1 + 2·9 + 2·1 + 2·1 + 2·1 = 25", got)
	}
	enc, err := NewEncoderEmbedding(p, sc, &e)
	if err != nil {
		t.Fatal(err)
	}
	st := Stimulus{AmpNA: 0.2, IThr: 0.2, SThr: 150, Features: ExtraValues{}.With(FeatureAHPDepth, -15)}
	x, err := enc.Encode(nil, st)
	if err != nil {
		t.Fatal(err)
	}
	def, err := NewEncoder(p, sc)
	if err != nil {
		t.Fatal(err)
	}
	d, err := def.Encode(nil, st)
	if err != nil {
		t.Fatal(err)
	}
	const l = 5
	for i := range 23 * l {
		if x[i] != d[i] {
			t.Fatalf("channel %d, sample %d = %v, the default encoding's %v", i/l, i%l, x[i], d[i])
		}
	}
	// AHP_depth −15 mV in [−20, −10] mV scales to 0.5 + 5/10·3 = 2; with
	// t_j = 2π·j/4 = jπ/2 the pair is sin(π·2·jπ/2) = sin(π²·j), cos(π²·j).
	// Current: 0.2 nA × 10 on samples 1 and 2 (1 ≤ j·1 ms < 3).
	want := map[int][l]float64{
		0:  {0, 2, 2, 0, 0},
		23: {0, math.Sin(math.Pi * math.Pi), math.Sin(2 * math.Pi * math.Pi), math.Sin(3 * math.Pi * math.Pi), math.Sin(4 * math.Pi * math.Pi)},
		24: {1, math.Cos(math.Pi * math.Pi), math.Cos(2 * math.Pi * math.Pi), math.Cos(3 * math.Pi * math.Pi), math.Cos(4 * math.Pi * math.Pi)},
	}
	for c, w := range want {
		for j := range l {
			// float32 rounding of the float64 value; the phases differ from
			// the hand formula's by a few ulp of π²·j ≤ 40, so 1e-6.
			if got := float64(x[c*l+j]); math.Abs(got-w[j]) > 1e-6 {
				t.Errorf("channel %d, sample %d = %.9g, want %.9g", c, j, got, w[j])
			}
		}
	}
}

func TestExtrasJSON(t *testing.T) {
	t.Parallel()
	if n := len(Features) - 2; n > maxExtra {
		t.Fatalf("%d extra features, Extras holds %d", n, maxExtra)
	}
	x := ExtraValues{}.With(FeatureAHPDepth, -12.5)
	if x == (ExtraValues{}) || x != (ExtraValues{}).With(FeatureAHPDepth, -12.5) || x.Len() != 1 {
		t.Errorf("== on Extras: %v", x)
	}
	b, err := json.Marshal(struct {
		A ExtraValues `json:"a,omitzero"`
		B ExtraValues `json:"b,omitzero"`
	}{A: x})
	if want := `{"a":{"AHP_depth":-12.5}}`; err != nil || string(b) != want {
		t.Errorf("Marshal = %s, %v; want %s", b, err, want)
	}
	var back ExtraValues
	if err := json.Unmarshal([]byte(`{"AHP_depth":-12.5}`), &back); err != nil || back != x {
		t.Errorf("Unmarshal = %v, %v; want %v", back, err, x)
	}
	for _, bad := range []string{`{"slope":1}`, `{"AHP_depth":"x"}`, `[1]`} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("Unmarshal(%s) = nil error", bad)
		}
	}
	var r ExtraRanges
	if err := json.Unmarshal([]byte(`{"AHP_depth":{"min":1,"max":2,"x":3}}`), &r); err == nil {
		t.Errorf("Unmarshal of a range with an unknown field = nil error")
	}
	if _, err := json.Marshal(ExtraValues{}.With(FeatureAHPDepth, math.NaN())); err == nil {
		t.Errorf("Marshal of NaN = nil error")
	}
}

func TestExtraFeatureErrors(t *testing.T) {
	t.Parallel()
	p := Protocol{DtMS: 1, Length: 3, StimStartMS: 0, StimEndMS: 1, CurrentUnit: "0.1nA"}
	sc, _ := FitScaling([]float64{0.1, 0.3}, []float64{100, 300})
	e := Embedding{AmpFrequencies: 1, Features: []FeatureEmbedding{{FeatureIThr, 1}, {FeatureAHPDepth, 1}}}
	if _, err := NewEncoderEmbedding(p, sc, &e); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "no range for it") {
		t.Errorf("NewEncoderEmbedding without an AHP_depth range = %v, want ErrInput naming the missing range", err)
	}
	withAHP := sc
	if err := withAHP.FitFeature(FeatureAHPDepth, []float64{-3, -1}); err != nil {
		t.Fatal(err)
	}
	enc, err := NewEncoderEmbedding(p, withAHP, &e)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		st   Stimulus
		want string
	}{
		{"missing", Stimulus{AmpNA: 0.1, IThr: 0.2, SThr: 200}, "the stimulus has no AHP_depth"},
		{"NaN", Stimulus{AmpNA: 0.1, IThr: 0.2, SThr: 200, Features: ExtraValues{}.With(FeatureAHPDepth, math.NaN())}, "AHP_depth is NaN"},
	} {
		if _, err := enc.Encode(nil, c.st); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Encode = %v, want ErrInput with %q", c.name, err, c.want)
		}
	}
	for _, c := range []struct {
		name string
		fit  func(*Scaling) error
		want string
	}{
		{"not extra", func(s *Scaling) error { return s.FitFeature(FeatureIThr, []float64{1}) }, `"i_thr" is not an extra feature`},
		{"empty", func(s *Scaling) error { return s.FitFeature(FeatureAHPDepth, nil) }, "no values"},
		{"infinite", func(s *Scaling) error { return s.FitFeature(FeatureAHPDepth, []float64{1, math.Inf(1)}) }, "AHP_depth of model 1 is +Inf"},
		{"inverted in Validate", func(s *Scaling) error {
			s.Features = ExtraRanges{}.With(FeatureAHPDepth, Range{0, -1})
			return s.Validate()
		}, "scaling AHP_depth range [0, -1] is inverted"},
	} {
		s := sc
		if err := c.fit(&s); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want ErrInput with %q", c.name, err, c.want)
		}
	}
}
