package features

import (
	"encoding/csv"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/noble-neuro/noble/internal/npy"
	"github.com/noble-neuro/noble/internal/testutil"
)

// refValue is eFEL's result for one feature of one trace.
type refValue struct {
	defined bool      // false: eFEL returned None
	values  []float64 // by index; empty with defined = empty array
}

// loadReference reads eFEL's long-format table (cell, trace, feature,
// index, value; an empty index and value mean None; a feature with no row
// for a trace is an empty array). It returns trace → feature → value and the
// feature names present in the file.
func loadReference(t *testing.T, path string) (map[string]map[string]*refValue, []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	if len(head) != 5 || head[2] != "feature" || head[3] != "index" {
		t.Fatalf("%s: unexpected header %v", path, head)
	}
	out := map[string]map[string]*refValue{}
	names := map[string]bool{}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		trace, feat := rec[1], rec[2]
		names[feat] = true
		if out[trace] == nil {
			out[trace] = map[string]*refValue{}
		}
		rv := out[trace][feat]
		if rv == nil {
			rv = &refValue{}
			out[trace][feat] = rv
		}
		if rec[3] == "" {
			continue // None
		}
		rv.defined = true
		idx, err := strconv.Atoi(rec[3])
		if err != nil {
			t.Fatalf("%s:%d: index %q: %v", path, line, rec[3], err)
		}
		x, err := strconv.ParseFloat(rec[4], 64)
		if err != nil {
			t.Fatalf("%s:%d: value %q: %v", path, line, rec[4], err)
		}
		for len(rv.values) <= idx {
			rv.values = append(rv.values, math.NaN())
		}
		rv.values[idx] = x
	}
	var list []string
	for k := range names {
		list = append(list, k)
	}
	sort.Strings(list)
	for _, m := range out {
		for _, k := range list {
			if m[k] == nil { // no row at all: eFEL returned an empty array
				m[k] = &refValue{defined: true, values: []float64{}}
			}
		}
	}
	return out, list
}

func readTrace(t testing.TB, path string) []float64 {
	t.Helper()
	a, err := npy.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return a.Float64s()
}

// Tolerances of the eFEL comparison. The project's acceptance criterion is
// 0.5 % relative or 0.01 in the feature's unit near zero; we assert far
// tighter bounds because both sides resample the same float32 NEURON trace
// on the same accumulated 0.1 ms grid with the same operations, so only
// summation order differs (numpy's pairwise sum in ISI_CV, the least-squares
// sums of decay_time_constant_after_stim): observed differences are below
// 2e-13 relative.
const (
	relTol = 1e-9
	absTol = 1e-9
)

// compareReference checks every feature of every trace in the reference
// table against Compute. Spikecount and index-valued features must be equal.
func compareReference(t *testing.T, table, traceDir string) {
	ref, names := loadReference(t, table)
	if len(ref) == 0 {
		t.Fatalf("%s: no rows", table)
	}
	traces := make([]string, 0, len(ref))
	for k := range ref {
		traces = append(traces, k)
	}
	sort.Strings(traces)
	set := NOBLE()
	ex, err := NewExtractor(&set)
	if err != nil {
		t.Fatal(err)
	}
	compared, maxRel, maxRelAt := 0, 0.0, ""
	for _, tr := range traces {
		v := readTrace(t, filepath.Join(traceDir, tr))
		got, err := ex.Compute(v, 0.02)
		if err != nil {
			t.Fatalf("%s: %v", tr, err)
		}
		for _, name := range names {
			want := ref[tr][name]
			g, ok := got[name]
			if !ok {
				t.Errorf("%s: %s not computed", tr, name)
				continue
			}
			if (g != nil) != want.defined {
				t.Errorf("%s: %s defined = %v (%v), eFEL defined = %v (%v)", tr, name, g != nil, g, want.defined, want.values)
				continue
			}
			if len(g) != len(want.values) {
				t.Errorf("%s: %s has %d values %v, eFEL %d %v", tr, name, len(g), g, len(want.values), want.values)
				continue
			}
			for i := range g {
				compared++
				w := want.values[i]
				if name == "Spikecount" || name == "depol_block" {
					if g[i] != w {
						t.Errorf("%s: %s[%d] = %v, want exactly %v", tr, name, i, g[i], w)
					}
					continue
				}
				d := math.Abs(g[i] - w)
				rel := d / math.Abs(w)
				if d > absTol && rel > relTol {
					t.Errorf("%s: %s[%d] = %.17g, eFEL %.17g (rel %.3g)", tr, name, i, g[i], w, rel)
				}
				if d > 1e-12 && rel > maxRel {
					maxRel, maxRelAt = rel, tr+" "+name+"["+strconv.Itoa(i)+"]"
				}
			}
		}
	}
	t.Logf("%d traces × %d features: %d values compared; max relative error %.3g at %s",
		len(traces), len(names), compared, maxRel, maxRelAt)
}

func TestEFELMouse(t *testing.T) {
	root := testutil.RepoRoot(t)
	compareReference(t, filepath.Join(root, "testdata/efel/features_mouse.csv"),
		filepath.Join(root, "testdata/neuron/mouse_pvalb_318331342"))
}

func TestEFELHuman(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the human reference traces; skipped under -short")
	}
	root := testutil.RepoRoot(t)
	shared := filepath.Join(filepath.Dir(root), "shared", "reference")
	table := filepath.Join(shared, "efel", "features.csv")
	dir := filepath.Join(shared, "neuron", "human_pvalb_689331391")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("human reference traces absent (%v): they are not shipped with the repository", err)
	}
	// The shared table holds both cells; keep the human rows.
	tmp := filepath.Join(t.TempDir(), "human.csv")
	in, err := os.ReadFile(table)
	if err != nil {
		t.Skipf("eFEL reference table absent: %v", err)
	}
	r := csv.NewReader(bytesReader(in))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(tmp)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(out)
	w.Write(recs[0])
	for _, rec := range recs[1:] {
		if rec[0] == "human_pvalb_689331391" {
			w.Write(rec)
		}
	}
	w.Flush()
	out.Close()
	compareReference(t, tmp, dir)
}
