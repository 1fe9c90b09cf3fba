package synth

import (
	"context"
	"errors"
	"testing"

	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/surrogate"
)

// TestEmbedding checks that a surrogate encodes with the embedding its
// model file records and refuses a model whose input channels do not fit
// the recorded (or default) embedding.
func TestEmbedding(t *testing.T) {
	t.Parallel()
	p := surrogate.Protocol{DtMS: 0.5, Length: 64, StimStartMS: 5, StimEndMS: 25, CurrentUnit: "0.1nA"}
	sc := surrogate.Scaling{IThr: surrogate.Range{Min: 0.1, Max: 0.3}, SThr: surrogate.Range{Min: 100, Max: 300}, Lo: 0.5, Hi: 3.5}
	emb := surrogate.Embedding{AmpType: surrogate.EmbedAmp, AmpFrequencies: 2, FeatureType: surrogate.EmbedFreq,
		Features: []surrogate.FeatureEmbedding{{Name: surrogate.FeatureIThr, Frequencies: 1}}} // 1 + 4 + 2 channels
	withEmb := map[string]string{}
	emb.PutMeta(withEmb)
	for _, c := range []struct {
		name  string
		in    int
		extra map[string]string
		ok    bool
	}{
		{"recorded embedding", 7, withEmb, true},
		{"default needs 23", 7, nil, false},
		{"recorded embedding needs 7", 23, withEmb, false},
		{"corrupt record", 7, map[string]string{surrogate.MetaEmbedding: `{"amp_frequencies":-3}`}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m, err := fno.New(fno.Config{InChannels: c.in, Width: 2, Layers: 1, Modes: 4, LiftingChannels: 2, ProjectionChannels: 2, MLPHidden: 2, OutChannels: 1}, 1)
			if err != nil {
				t.Fatal(err)
			}
			s, err := New(m, fno.Metadata{Protocol: &p, Scaling: &sc, Extra: c.extra})
			if !c.ok {
				if !errors.Is(err, ErrModel) {
					t.Errorf("New = %v, want ErrModel", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !s.Embedding.Equal(emb) || s.Other != nil {
				t.Errorf("Embedding = %+v, Other = %v; want %+v and none", s.Embedding, s.Other, emb)
			}
			v, err := s.Synthesize(context.Background(), []surrogate.Stimulus{{AmpNA: 0.2, IThr: 0.2, SThr: 200}, {AmpNA: 0.3, IThr: 0.1, SThr: 100}}, 1, nil)
			if err != nil || len(v) != 2*p.Length {
				t.Fatalf("Synthesize = %d values, %v", len(v), err)
			}
			// The same input through the operator directly.
			enc, err := surrogate.NewEncoderEmbedding(p, sc, &emb)
			if err != nil {
				t.Fatal(err)
			}
			x, _ := enc.Encode(nil, surrogate.Stimulus{AmpNA: 0.3, IThr: 0.1, SThr: 100})
			want := make([]float32, p.Length)
			m.Forward(want, x, 1, p.Length)
			for j, w := range want {
				if got := v[p.Length+j]; got != 1000*w {
					t.Fatalf("sample %d = %g, want %g", j, got, 1000*w)
				}
			}
		})
	}
}
