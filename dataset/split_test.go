package dataset

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/internal/testutil"
)

func humanNames() []string {
	var out []string
	for s := 1; s <= 3; s++ {
		for h := range 20 {
			out = append(out, fmt.Sprintf("seed%d_hof%02d", s, h))
		}
	}
	return out
}

func mouseNames() []string {
	var out []string
	for i := range 40 {
		out = append(out, fmt.Sprintf("hof_param_318331342_%d", i))
	}
	sort.Strings(out) // the cell's order: sorted file names
	return out
}

func TestTestModels(t *testing.T) {
	t.Parallel()
	noble := slices.Sorted(slices.Values(NOBLETestModels))
	few := make([]bool, 40)
	for i := range few {
		few[i] = i%5 == 0 // only 8 eligible
	}
	for _, c := range []struct {
		name     string
		cell     string
		names    []string
		eligible []bool
		n        int
		seed     uint64
		want     []int // nil: only check size and determinism
		wantErr  bool
	}{
		{"NOBLE human", nobleCell, humanNames(), nil, 0, 0, noble, false},
		{"human names, other cell name", "other", humanNames(), nil, 0, 0, nil, false},
		{"mouse default 8", "mouse_pvalb_318331342", mouseNames(), nil, 0, 0, nil, false},
		{"mouse seed 1", "mouse_pvalb_318331342", mouseNames(), nil, 0, 1, nil, false},
		{"mouse 3", "mouse_pvalb_318331342", mouseNames(), nil, 3, 0, nil, false},
		{"too few eligible", "mouse_pvalb_318331342", mouseNames(), few, 8, 0, nil, true},
		{"human missing a file", nobleCell, humanNames()[:50], nil, 0, 0, nil, true},
	} {
		got, err := TestModels(c.cell, c.names, c.eligible, c.n, c.seed)
		if (err != nil) != c.wantErr {
			t.Errorf("%s: error %v, want error %v", c.name, err, c.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if c.want != nil && !slices.Equal(got, c.want) {
			t.Errorf("%s: TestModels = %v, want %v", c.name, got, c.want)
		}
		n := c.n
		if n == 0 {
			n = DefaultTestModels
			if c.cell == nobleCell {
				n = 10
			}
		}
		if len(got) != n || !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != n {
			t.Errorf("%s: TestModels = %v, want %d distinct sorted indices", c.name, got, n)
		}
		again, _ := TestModels(c.cell, c.names, c.eligible, c.n, c.seed)
		if !slices.Equal(got, again) {
			t.Errorf("%s: not deterministic: %v then %v", c.name, got, again)
		}
	}
	// NOBLE's indices name the right files.
	got, _ := TestModels(nobleCell, humanNames(), nil, 0, 0)
	if humanNames()[got[0]] != "seed1_hof02" || humanNames()[got[len(got)-1]] != "seed3_hof12" {
		t.Errorf("NOBLE test models resolve to %s … %s, want seed1_hof02 … seed3_hof12", humanNames()[got[0]], humanNames()[got[len(got)-1]])
	}
	// Different split seeds give different mouse splits; the eligible mask is obeyed.
	a, _ := TestModels("m", mouseNames(), nil, 0, 0)
	b, _ := TestModels("m", mouseNames(), nil, 0, 1)
	if slices.Equal(a, b) {
		t.Errorf("split seeds 0 and 1 give the same test models %v", a)
	}
	elig := make([]bool, 40)
	for i := range elig {
		elig[i] = i%2 == 0
	}
	c, _ := TestModels("m", mouseNames(), elig, 0, 0)
	for _, i := range c {
		if !elig[i] {
			t.Errorf("few model %d chosen", i)
		}
	}
}

// TestGenerationSplit: held-out models never in train or test_seen traces,
// models balanced, trace specs independent of the range asked for.
func TestGenerationSplit(t *testing.T) {
	t.Parallel()
	emb := fakeEmbeddings(12)
	emb[5] = Embedding{IThr: nan(), SThr: nan()}
	g, err := NewGeneration("fake_cell", (&fakeSource{n: 12}).Models(), emb, &Settings{Traces: 100, TestModels: []int{1, 7}, Protocol: tinyProtocol})
	if err != nil {
		t.Fatal(err)
	}
	if g.Models[5].Split != ModelExcluded || g.Models[1].Split != ModelTest || g.Models[0].Split != ModelTrain {
		t.Fatalf("model splits %+v", g.Models)
	}
	for _, split := range Splits {
		n := g.Splits[slices.Index(Splits, split)].Traces
		all, err := g.Traces(split, 0, n)
		if err != nil {
			t.Fatal(err)
		}
		count := map[int]int{}
		for _, s := range all {
			count[s.Model]++
			want := ModelTrain
			if split == SplitTestHeld {
				want = ModelTest
			}
			if g.Models[s.Model].Split != want {
				t.Errorf("%s: trace of model %d (%s)", split, s.Model, g.Models[s.Model].Split)
			}
		}
		lo, hi := n, 0
		for _, c := range count {
			lo, hi = min(lo, c), max(hi, c)
		}
		if hi-lo > 1 {
			t.Errorf("%s: model counts %v not balanced", split, count)
		}
		part, _ := g.Traces(split, 3, 4)
		if !slices.Equal(part, all[3:7]) {
			t.Errorf("%s: Traces(3, 4) = %v, want %v", split, part, all[3:7])
		}
	}
	tr, _ := g.Traces(SplitTrain, 0, 1)
	ts, _ := g.Traces(SplitTestSeen, 0, 1)
	if tr[0].Amp == ts[0].Amp {
		t.Errorf("train and test_seen trace 0 share the amplitude %v", tr[0].Amp)
	}
	// Scaling fitted over non-excluded models (0.1 … 0.32 nA, excluding 0.2).
	if g.Scaling.IThr.Min != 0.1 || g.Scaling.IThr.Max != fakeThr(11) {
		t.Errorf("scaling %+v", g.Scaling)
	}
}

// TestNOBLETestModelsHumanCell resolves NOBLE's held-out models against the
// real file list of the human cell, in the order sim.LoadCell sorts it.
func TestNOBLETestModelsHumanCell(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testutil.SharedDir(t), "data/cells/human_pvalb_689331391/hof/*.json"))
	if err != nil || len(files) != 60 {
		t.Fatalf("human cell: %d parameter files (%v), want 60", len(files), err)
	}
	sort.Strings(files)
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".json"))
	}
	got, err := TestModels(nobleCell, names, nil, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var gotNames []string
	for _, i := range got {
		gotNames = append(gotNames, names[i])
	}
	// index (seed−1)·20 + hof of 32, 2, 12, 40, 5, 52, 21, 29, 16, 37, sorted.
	want := []string{"seed1_hof02", "seed1_hof05", "seed1_hof12", "seed1_hof16", "seed2_hof01",
		"seed2_hof09", "seed2_hof12", "seed2_hof17", "seed3_hof00", "seed3_hof12"}
	if !slices.Equal(gotNames, want) || !slices.Equal(got, []int{2, 5, 12, 16, 21, 29, 32, 37, 40, 52}) {
		t.Errorf("NOBLE test models %v = %v, want %v", got, gotNames, want)
	}
}
