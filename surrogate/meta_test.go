package surrogate

import (
	"errors"
	"reflect"
	"testing"
)

func TestReadMeta(t *testing.T) {
	t.Parallel()
	sc := Scaling{IThr: Range{Min: 0.1, Max: 0.3}, SThr: Range{Min: 100, Max: 300}, Lo: ScaleLo, Hi: ScaleHi}
	def := Range{Min: -0.025, Max: 0.56} // [0.1 − 0.125, 0.3 + 0.26], printed tidily
	for _, c := range []struct {
		name  string
		extra map[string]string
		want  *Meta // nil: an error wrapping ErrMetadata
	}{
		{"empty", nil, &Meta{AmpRange: def}},
		{"hof and range", map[string]string{MetaHoF: `[{"name":"a","i_thr":0.1,"s_thr":100,"split":"train"}]`, MetaAmpRange: `{"min":0,"max":0.5}`, "x": "y"},
			&Meta{HoF: []HoF{{Name: "a", IThr: 0.1, SThr: 100, Split: SplitTrain}}, AmpRange: Range{0, 0.5}, Other: map[string]string{"x": "y"}}},
		{"train's models", map[string]string{MetaModels: `[{"name":"a","i_thr_nA":0.1,"s_thr_hz_per_nA":100,"split":"test"},{"name":"b","i_thr_nA":0,"s_thr_hz_per_nA":0,"split":"excluded"}]`, MetaProvenance: "{}"},
			&Meta{HoF: []HoF{{Name: "a", IThr: 0.1, SThr: 100, Split: SplitTest}}, AmpRange: def, Other: map[string]string{MetaProvenance: "{}"}}},
		{"hof wins", map[string]string{MetaHoF: `[]`, MetaModels: `[{"name":"a","i_thr_nA":0.1,"s_thr_hz_per_nA":100,"split":"test"}]`},
			&Meta{HoF: []HoF{}, AmpRange: def}},
		{"embedding", map[string]string{MetaEmbedding: `{"amp_type":"amp","amp_frequencies":3,"feature_type":"none","features":[{"name":"i_thr","frequencies":2}]}`},
			&Meta{AmpRange: def, Embedding: Embedding{EmbedAmp, 3, EmbedNone, []FeatureEmbedding{{FeatureIThr, 2}}}}},
		{"embedding without features, types defaulted", map[string]string{MetaEmbedding: `{"amp_frequencies":0,"features":null}`},
			&Meta{AmpRange: def, Embedding: Embedding{EmbedFreq, 0, EmbedFreq, []FeatureEmbedding{}}}},
		{"embedding of an unknown feature", map[string]string{MetaEmbedding: `{"amp_frequencies":9,"features":[{"name":"AP1_width","frequencies":1}]}`}, nil},
		{"models with AHP_depth", map[string]string{MetaModels: `[{"name":"a","i_thr_nA":0.1,"s_thr_hz_per_nA":100,"split":"train","features":{"AHP_depth":-12.5}}]`},
			&Meta{HoF: []HoF{{Name: "a", IThr: 0.1, SThr: 100, Split: SplitTrain, Features: ExtraValues{}.With(FeatureAHPDepth, -12.5)}}, AmpRange: def}},
		{"models with an unknown feature", map[string]string{MetaModels: `[{"name":"a","i_thr_nA":0.1,"s_thr_hz_per_nA":100,"split":"train","features":{"slope":1}}]`}, nil},
		{"embedding K < 0", map[string]string{MetaEmbedding: `{"amp_frequencies":-1,"features":[]}`}, nil},
		{"embedding of unknown type", map[string]string{MetaEmbedding: `{"amp_type":"log","amp_frequencies":1,"features":[]}`}, nil},
		{"embedding with an unknown field", map[string]string{MetaEmbedding: `{"amp_frequencies":1,"k":2}`}, nil},
		{"unknown field", map[string]string{MetaHoF: `[{"name":"a","i_thr":0.1,"s_thr":100,"colour":"red"}]`}, nil},
		{"trailing data", map[string]string{MetaAmpRange: `{"min":0,"max":1} {}`}, nil},
		{"inverted range", map[string]string{MetaAmpRange: `{"min":1,"max":0}`}, nil},
		{"non-finite embedding", map[string]string{MetaHoF: `[{"name":"a","i_thr":1e999,"s_thr":100}]`}, nil},
	} {
		if c.want != nil && c.want.Embedding.AmpType == "" {
			c.want.Embedding = DefaultEmbedding()
		}
		t.Run(c.name, func(t *testing.T) {
			got, err := ReadMeta(c.extra, sc)
			switch {
			case c.want == nil && !errors.Is(err, ErrMetadata):
				t.Errorf("ReadMeta = %+v, %v; want ErrMetadata", got, err)
			case c.want != nil && (err != nil || !reflect.DeepEqual(got, c.want)):
				t.Errorf("ReadMeta = %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
}

func TestTidy(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ x, w, want float64 }{
		{0.1 - 0.125, 0.585, -0.025},
		{0.18115234375000003 - 0.125, 0.405, 0.0561523438},
		{0.30000000000000004, 1, 0.3},
		{1234.5, 0, 1234.5},
	} {
		if got := Tidy(c.x, c.w); got != c.want {
			t.Errorf("Tidy(%v, %v) = %v, want %v", c.x, c.w, got, c.want)
		}
	}
}
