package dataset

import (
	"bytes"
	"context"
	"errors"
	"math"
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
	} {
		_, err := ReadEmbeddings(strings.NewReader(c.in), "emb.csv", names)
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
