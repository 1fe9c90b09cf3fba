package dataset

import (
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
	emb[2] = Embedding{math.NaN(), math.NaN()}
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
			want := []Embedding{{0.1, 500}, {0.2, 600}}
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
	want := []Embedding{{0.0195, 812.5}, {0.0164139153546322, 756.1691484107162}, {0.0174111488787776, 779.8264598320992}, {0.021, 801.25}}
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
