package dataset

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/surrogate"
)

// TestGenerationFeatures checks that a table's AHP_depth reaches the
// manifest's models and scaling, that a generation without it encodes as
// before (no "features" key, so the same ID), and that WithFeatures attaches
// it to a dataset made without it exactly as NewGeneration would have.
func TestGenerationFeatures(t *testing.T) {
	t.Parallel()
	set := &Settings{Traces: 3, TracesPerShard: 2, TestModels: []int{1}, Protocol: tinyProtocol}
	names := (&fakeSource{n: 4}).Models()
	plain := fakeEmbeddings(4)
	plain[3] = Embedding{IThr: math.NaN(), SThr: math.NaN()} // excluded
	ahp := []float64{-11, -9.5, -13, math.NaN()}
	with := make([]Embedding, 4)
	for i, e := range plain {
		e.Features = e.Features.With(surrogate.FeatureAHPDepth, ahp[i])
		with[i] = e
	}
	g0, err := NewGeneration("fake_cell", names, plain, set)
	if err != nil {
		t.Fatal(err)
	}
	g1, err := NewGeneration("fake_cell", names, with, set)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(g0)
	if strings.Contains(string(b), `"features"`) {
		t.Errorf("a generation without extra features writes a \"features\" key")
	}
	if r, ok := g1.Scaling.Features.Get(surrogate.FeatureAHPDepth); !ok || r != (surrogate.Range{Min: -13, Max: -9.5}) {
		t.Errorf("AHP_depth scaling %+v (%v), want [-13, -9.5] mV over the 3 models that are not excluded", r, ok)
	}
	for i, m := range g1.Models {
		v, ok := m.Features.Get(surrogate.FeatureAHPDepth)
		if want := i < 3; ok != want || want && v != ahp[i] {
			t.Errorf("model %d (%s): AHP_depth %v (%v), want %v (%v)", i, m.Split, v, ok, ahp[i], want)
		}
	}
	if g0.ID() == g1.ID() {
		t.Errorf("the features do not change the generation ID")
	}

	m0 := &Manifest{Generation: *g0, GenerationID: g0.ID()}
	m1, err := m0.WithFeatures("ahp.csv", with)
	if err != nil {
		t.Fatal(err)
	}
	if m1.Scaling != g1.Scaling || m1.GenerationID != g0.ID() || !m0.Scaling.Features.IsZero() {
		t.Errorf("WithFeatures: scaling %+v, ID %s; want NewGeneration's %+v, the dataset's ID, m unchanged", m1.Scaling, m1.GenerationID, g1.Scaling)
	}
	for i := range m1.Models {
		if m1.Models[i] != g1.Models[i] {
			t.Errorf("WithFeatures: model %d = %+v, want %+v", i, m1.Models[i], g1.Models[i])
		}
	}
	bad := func(f func([]Embedding)) []Embedding {
		e := append([]Embedding(nil), with...)
		f(e)
		return e
	}
	for _, c := range []struct {
		name string
		emb  []Embedding
		want string
	}{
		{"other I_thr", bad(func(e []Embedding) { e[1].IThr += 1e-6 }), "ahp.csv: dataset: bad embeddings file: model " + names[1] + ": I_thr"},
		{"excluded model embedded", bad(func(e []Embedding) { e[3].IThr, e[3].SThr = 0.2, 100 }), "model " + names[3] + " has an F-I embedding, but the dataset excludes it"},
		{"fewer models", with[:3], "3 models, the dataset has 4"},
	} {
		if _, err := m0.WithFeatures("ahp.csv", c.emb); !errors.Is(err, ErrEmbeddings) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: WithFeatures = %v, want ErrEmbeddings with %q", c.name, err, c.want)
		}
	}
}
