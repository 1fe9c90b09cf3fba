package dataset

import (
	"github.com/noble-neuro/noble/surrogate"

	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/fi"
)

// TestEmbed runs package fi through Embed on the fake simulator, whose
// thresholds are known exactly: with fi's local method, I_thr is the
// bisection's rheobase, whose bracket stops at 1e-4 nA and reports its upper
// end, so I_thr ∈ [thr, thr + 1e-4]. A model that fires at 0 nA gets NaN.
func TestEmbed(t *testing.T) {
	t.Parallel()
	src := &fakeSource{n: 4}
	var calls int
	emb, err := Embed(context.Background(), src, tinyProtocol, &fi.Settings{Method: fi.MethodLocal}, 2, func(done, total int) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	if calls != 4 {
		t.Errorf("progress called %d times, want 4", calls)
	}
	for i, e := range emb {
		thr := fakeThr(i)
		if !(e.IThr >= thr && e.IThr <= thr+1e-4) || !(e.SThr >= 0) {
			t.Errorf("model %d: embedding %+v, want I_thr in [%v, %v]", i, e, thr, thr+1e-4)
		}
	}
	// Round trip through the "noble fi" CSV format.
	var buf bytes.Buffer
	emb[2] = Embedding{IThr: math.NaN(), SThr: math.NaN()}
	if err := WriteEmbeddings(&buf, src.Models(), emb); err != nil {
		t.Fatal(err)
	}
	back, err := ReadEmbeddings(&buf, "emb.csv", src.Models())
	if err != nil {
		t.Fatal(err)
	}
	for i := range emb {
		if back[i] != emb[i] && !(math.IsNaN(back[i].IThr) && math.IsNaN(emb[i].IThr)) {
			t.Errorf("model %d: read back %+v, wrote %+v", i, back[i], emb[i])
		}
	}
}

func TestReadEmbeddings(t *testing.T) {
	t.Parallel()
	names := []string{"a", "b"}
	for _, c := range []struct{ name, in, want string }{
		{"noble fi output", "parameters,i_thr_nA,s_thr_hz_per_nA,intercept_nA,simulations\na.json,0.1,500,0.05,15\nb.json,,,,15\n", ""},
		{"stems, reordered columns", "s_thr_hz_per_nA,parameters,i_thr_nA\n1,b,0.2\n2,a,0.1\n", ""},
		{"missing column", "parameters,i_thr_nA\na,0.1\n", "no column \"s_thr_hz_per_nA\""},
		{"missing model", "parameters,i_thr_nA,s_thr_hz_per_nA\na,0.1,1\n", "no row for model b"},
		{"other cell", "parameters,i_thr_nA,s_thr_hz_per_nA\na,0.1,1\nz,0.1,1\n", "emb.csv:3:"},
		{"twice", "parameters,i_thr_nA,s_thr_hz_per_nA\na,0.1,1\na,0.1,1\n", "listed twice"},
		{"bad number", "parameters,i_thr_nA,s_thr_hz_per_nA\na,0.1,1\nb,x,1\n", "emb.csv:3: dataset: bad embeddings file: i_thr_nA \"x\""},
		{"infinite", "parameters,i_thr_nA,s_thr_hz_per_nA\na,0.1,1\nb,0.1,Inf\n", "not a finite number"},
		{"half defined", "parameters,i_thr_nA,s_thr_hz_per_nA\na,0.1,\nb,0.1,1\n", "only one of"},
		{"ragged", "parameters,i_thr_nA,s_thr_hz_per_nA\na,0.1\n", "emb.csv:2:"},
		{"empty", "", "header"},
		{"published table", ",cell_type,cell_id,seed,hof,slope,intercept\n0,PVALB,1,1,0,500,0.1\n1,PVALB,1,1,1,600,0.2\n", "published:"},
		{"published, index header, float seed", "index,cell_type,cell_id,seed,hof,slope,intercept\n0,PVALB,1,1.0,0,500,0.1\n1,PVALB,1,1,1,600,0.2\n", "published:"},
		{"published, other model", ",cell_type,cell_id,seed,hof,slope,intercept\n0,PVALB,1,1,0,500,0.1\n1,PVALB,1,4,1,600,0.2\n", "emb.csv:3: dataset: bad embeddings file: model \"seed4_hof01\" is not a model"},
		{"published, bad seed", ",cell_type,cell_id,seed,hof,slope,intercept\n0,PVALB,1,x,0,500,0.1\n", "emb.csv:2: dataset: bad embeddings file: seed \"x\""},
		{"published, bad slope", ",cell_type,cell_id,seed,hof,slope,intercept\n0,PVALB,1,1,0,5x0,0.1\n", "emb.csv:2: dataset: bad embeddings file: slope \"5x0\""},
	} {
		names := names
		if strings.Contains(c.in, ",slope,") {
			names = []string{PublishedName(1, 0), PublishedName(1, 1)}
		}
		emb, err := ReadEmbeddings(strings.NewReader(c.in), "emb.csv", names)
		if c.want == "published:" {
			want := []Embedding{{IThr: 0.1, SThr: 500}, {IThr: 0.2, SThr: 600}}
			if err != nil || !slices.Equal(emb, want) {
				t.Errorf("%s: ReadEmbeddings = %v, %v, want %v", c.name, emb, err, want)
			}
			continue
		}
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
		if !errors.Is(err, ErrEmbeddings) {
			t.Errorf("%s: error %v does not wrap ErrEmbeddings", c.name, err)
		}
	}
}

// TestReadPublishedEmbeddings reads a fixture in the format of NOBLE's
// published table (testdata/README.md) and the published table itself
// (fi/testdata, MIT) against the human cell's 60 model names.
func TestReadPublishedEmbeddings(t *testing.T) {
	t.Parallel()
	read := func(path string, names []string) []Embedding {
		t.Helper()
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		emb, err := ReadEmbeddings(f, path, names)
		if err != nil {
			t.Fatal(err)
		}
		return emb
	}
	emb := read("testdata/published_embeddings.csv", []string{"seed2_hof01", "seed1_hof00", "seed1_hof01", "seed2_hof00"})
	want := []Embedding{{IThr: 0.0195, SThr: 812.5}, {IThr: 0.0164139153546322, SThr: 756.1691484107162}, {IThr: 0.0174111488787776, SThr: 779.8264598320992}, {IThr: 0.021, SThr: 801.25}}
	if !slices.Equal(emb, want) {
		t.Errorf("ReadEmbeddings(fixture) = %v, want %v", emb, want)
	}
	var names []string
	for seed := 1; seed <= 3; seed++ {
		for hof := range 20 {
			names = append(names, PublishedName(seed, hof))
		}
	}
	emb = read("../fi/testdata/noble_pvalb_689331391_ephys_sim_features.csv", names)
	for i, e := range emb {
		if !e.Has() || e.SThr < 700 || e.SThr > 900 || e.IThr <= 0 || e.IThr > 0.1 {
			t.Errorf("model %s: published embedding %+v outside the table's ranges (743–848 Hz/nA, I_thr ≤ 0.1 nA)", names[i], e)
		}
	}
}

// TestReadEmbeddingsAHPDepth reads noble fi's AHP_depth column, in both
// formats, and refuses a table without it (or with a bad value) when it is
// required, naming the file, the line and the column.
func TestReadEmbeddingsAHPDepth(t *testing.T) {
	t.Parallel()
	ahp := func(v float64) surrogate.ExtraValues {
		return surrogate.ExtraValues{}.With(surrogate.FeatureAHPDepth, v)
	}
	fiHead := "parameters,i_thr_nA,s_thr_hz_per_nA,intercept_nA,simulations,rheobase_nA,AHP_depth,ahp_amp_nA\n"
	for _, c := range []struct {
		name string
		in   string
		want []surrogate.ExtraValues // nil: want an error
		err  string
	}{
		{"noble fi", fiHead + "a.json,0.1,500,0.1,19,0.1,-12.5,0.2\nb.json,0.2,600,0.2,19,0.2,7.25,0.3\n",
			[]surrogate.ExtraValues{ahp(-12.5), ahp(7.25)}, ""},
		{"published table with the column", ",cell_type,cell_id,seed,hof,slope,intercept,AHP_depth\n0,P,1,1,0,500,0.1,-3\n1,P,1,1,1,600,0.2,-4\n",
			[]surrogate.ExtraValues{ahp(-3), ahp(-4)}, ""},
		{"no embedding, no AHP_depth", fiHead + "a.json,0.1,500,0.1,19,0.1,-12.5,0.2\nb.json,,,,5,,,\n",
			[]surrogate.ExtraValues{ahp(-12.5), ahp(math.NaN())}, ""},
		{"old table", "parameters,i_thr_nA,s_thr_hz_per_nA,intercept_nA,simulations\na.json,0.1,500,0.1,19\nb.json,0.2,600,0.2,19\n",
			nil, `emb.csv:1: dataset: bad embeddings file: no column "AHP_depth"`},
		{"non-numeric", fiHead + "a.json,0.1,500,0.1,19,0.1,-12.5,0.2\nb.json,0.2,600,0.2,19,0.2,deep,0.3\n",
			nil, `emb.csv:3: dataset: bad embeddings file: column 7 (AHP_depth) "deep": not a finite number`},
		{"empty for a model with an embedding", fiHead + "a.json,0.1,500,0.1,19,0.1,,0.2\nb.json,0.2,600,0.2,19,0.2,1,0.3\n",
			nil, `emb.csv:2: dataset: bad embeddings file: column 7 (AHP_depth): empty for model a`},
	} {
		names := []string{"a", "b"}
		if strings.Contains(c.in, ",slope,") {
			names = []string{PublishedName(1, 0), PublishedName(1, 1)}
		}
		emb, err := ReadEmbeddingsWith(strings.NewReader(c.in), "emb.csv", names, []string{surrogate.FeatureAHPDepth})
		if c.want == nil {
			if err == nil || !errors.Is(err, ErrEmbeddings) || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want ErrEmbeddings with %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		for i, e := range emb {
			got, ok := e.Features.Get(surrogate.FeatureAHPDepth)
			want, _ := c.want[i].Get(surrogate.FeatureAHPDepth)
			if !ok || got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
				t.Errorf("%s: model %s: AHP_depth %v (%v), want %v", c.name, names[i], got, ok, want)
			}
		}
	}
	// Without the requirement an old table still reads, with no features.
	emb, err := ReadEmbeddings(strings.NewReader("parameters,i_thr_nA,s_thr_hz_per_nA\na,0.1,1\nb,0.2,2\n"), "emb.csv", []string{"a", "b"})
	if err != nil || !emb[0].Features.IsZero() {
		t.Errorf("old table: %v, %v; want no extra features", emb, err)
	}
	// WriteEmbeddings writes the column back.
	var b strings.Builder
	if err := WriteEmbeddings(&b, []string{"a"}, []Embedding{{IThr: 0.1, SThr: 5, Features: ahp(-2.5)}}); err != nil {
		t.Fatal(err)
	}
	if want := "parameters,i_thr_nA,s_thr_hz_per_nA,AHP_depth\na.json,0.1,5,-2.5\n"; b.String() != want {
		t.Errorf("WriteEmbeddings = %q, want %q", b.String(), want)
	}
}
