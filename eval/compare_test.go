package eval

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/features"
	"github.com/noble-neuro/noble/internal/testutil"
	"github.com/noble-neuro/noble/surrogate"
	"github.com/noble-neuro/noble/synth"
)

// The recorded human cells' feature table and the human PVALB cell are not
// shipped: they live in the project's shared folder (testutil.SharedDir),
// and the tests that read them skip without it.
var (
	sharedTable = filepath.Join("data", "experimental", "human_ephys_features.csv")
	sharedPVALB = filepath.Join("data", "cells", "human_pvalb_689331391")
)

const (
	fixture      = "testdata/experiment.csv"
	mouseModel   = "../models/mouse_pvalb_318331342/model.safetensors"
	mouseSpecID  = "318331342"
	humanPVALBID = "689331391"
)

func TestReadRecording(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, id, step string
		fires          bool
		want           string // error text, "" for none
	}{
		{"depol fires", mouseSpecID, StepDepol, true, ""},
		{"hyperpol is silent", mouseSpecID, StepHyperpol, false, ""},
		{"depol silent: no depol.sag_amplitude", "100000001", StepDepol, false, `testdata/experiment.csv:1: column "depol.sag_amplitude": eval: bad experimental feature table: no such column`},
		{"empty feature", "100000002", StepDepol, true, `testdata/experiment.csv:4: column "depol.AP1_width": eval: bad experimental feature table: cell 100000002: "" is not a finite number`},
		{"missing cell", "42", StepDepol, false, `testdata/experiment.csv: column "spec_id": eval: bad experimental feature table: no row of cell 42 (cells: 318331342, 100000001, 100000002)`},
		{"bad step", mouseSpecID, "sideways", false, `step "sideways"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rc, err := LoadRecording(fixture, c.id, c.step)
			if c.want != "" {
				var ee *ExperimentError
				if err == nil || !strings.Contains(err.Error(), c.want) || !errors.As(err, &ee) || !errors.Is(err, ErrExperiment) {
					t.Fatalf("LoadRecording(%s, %s) error = %v, want an *ExperimentError containing %q", c.id, c.step, err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rc.Fires != c.fires || len(rc.Values) != len(rc.Names) || rc.Line != 2 {
				t.Errorf("LoadRecording(%s, %s) = fires %v, %d values of %d names, line %d; want fires %v, line 2", c.id, c.step, rc.Fires, len(rc.Values), len(rc.Names), rc.Line, c.fires)
			}
			want := RecordingNames(c.fires)
			if strings.Join(rc.Names, ",") != strings.Join(want, ",") {
				t.Errorf("names %v, want %v", rc.Names, want)
			}
		})
	}
	if got := RecordingNames(true); len(got) != len(features.ReferenceFiring)-1 || strings.Contains(strings.Join(got, ","), "Spikecount") {
		t.Errorf("RecordingNames(true) = %v, want ReferenceFiring without Spikecount", got)
	}
	if rc, _ := LoadRecording(fixture, mouseSpecID, StepDepol); rc.Values["AP1_width"] != 0.4 || float64(rc.Spikecount) != 40 {
		t.Errorf("depol AP1_width, Spikecount = %v, %v, want 0.4, 40", rc.Values["AP1_width"], rc.Spikecount)
	}
}

// TestReadRecordingShared reads every row of the recorded human cells'
// table (unlicensed: read in place, never copied) and checks the values
// NOBLE's reference notebook prints for PVALB 689331391.
func TestReadRecordingShared(t *testing.T) {
	t.Parallel()
	table := filepath.Join(testutil.SharedDir(t), sharedTable)
	if _, err := os.Stat(table); err != nil {
		t.Skipf("the recorded human cells' feature table is not here (%v): the fixture tests cover the format", err)
	}
	for _, id := range []string{"650077366", humanPVALBID, "541557114"} {
		for _, step := range []string{StepDepol, StepHyperpol} {
			rc, err := LoadRecording(table, id, step)
			if err != nil {
				t.Fatalf("%s %s: %v", id, step, err)
			}
			if rc.Fires != (step == StepDepol) {
				t.Errorf("%s %s: fires %v", id, step, rc.Fires)
			}
		}
	}
	rc, err := LoadRecording(table, humanPVALBID, StepDepol)
	if err != nil {
		t.Fatal(err)
	}
	// The notebook's printed experiment column (3 decimals).
	for name, want := range map[string]float64{"AP1_width": 0.472, "time_to_first_spike": 4.24, "AP1_peak": 21.0, "mean_AP_amplitude": 69.472} {
		if got := rc.Values[name]; math.Abs(got-want) > 5e-4 {
			t.Errorf("PVALB %s = %v, want %v", name, got, want)
		}
	}
}

// TestSummarise checks the reference protocol on hand-made feature values:
// a trace whose firing differs is excluded, each trace gives the mean of
// its values, quartiles interpolate linearly (numpy's percentile).
func TestSummarise(t *testing.T) {
	t.Parallel()
	rc := &Recording{Fires: true, Names: []string{"AP1_width", "AHP_depth"}}
	vals := []features.Values{
		{"Spikecount": {3}, "AP1_width": {1, 3}, "AHP_depth": {-1}}, // mean 2
		{"Spikecount": {1}, "AP1_width": {4}},                       // AHP_depth undefined
		{"Spikecount": {0}, "AP1_width": {100}},                     // silent: excluded
		{"AP1_width": {100}},                                        // no Spikecount: silent
		{"Spikecount": {2}, "AP1_width": {6}, "AHP_depth": {math.NaN()}},
		{"Spikecount": {2}, "AP1_width": {8}, "AHP_depth": {-3}},
	}
	sd := Summarise(vals, rc)
	if sd.Traces != 6 || sd.Used != 4 || sd.Excluded != 2 {
		t.Fatalf("Summarise: traces %d, used %d, excluded %d, want 6, 4, 2", sd.Traces, sd.Used, sd.Excluded)
	}
	for k, want := range []Spread{
		{N: 4, Median: 5, Q1: 3.5, Q3: 6.5}, // 2 4 6 8
		{N: 2, Median: -2, Q1: -2.5, Q3: -1.5},
	} {
		got := sd.Features[k]
		if got.N != want.N || got.Median != want.Median || got.Q1 != want.Q1 || got.Q3 != want.Q3 {
			t.Errorf("%s: N %d, median %v, Q1 %v, Q3 %v, want %+v", rc.Names[k], got.N, got.Median, got.Q1, got.Q3, want)
		}
	}
}

// TestCompareTiny runs Compare end to end on a random-weight surrogate of a
// small window: the files appear, compare.json reads back, settings are
// checked, and an invalid population leaves out untouched.
func TestCompareTiny(t *testing.T) {
	t.Parallel()
	sur, _ := tinyData(t)
	defer sur.Model.Close()
	rc, err := LoadRecording(fixture, mouseSpecID, StepHyperpol)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "cmp")
	centre := &synth.Embedding{IThr: 0.15, SThr: 230}
	amp := sur.AmpRange.Min
	set := &CompareSettings{AmpNA: amp, Population: PopEnsemble, Size: 5, Centre: centre}
	if _, err := Compare(context.Background(), sur, rc, out, &CompareSettings{AmpNA: amp, Population: "crowd"}); !errors.Is(err, ErrSettings) {
		t.Fatalf("population crowd: error %v, want ErrSettings", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused comparison left %s: %v", out, err)
	}
	c, err := Compare(context.Background(), sur, rc, out, set)
	if err != nil {
		t.Fatal(err)
	}
	if c.Surrogate == nil || c.Surrogate.Traces != 5 || c.Simulator != nil {
		t.Fatalf("Compare: surrogate %+v, simulator %+v, want 5 surrogate traces and no simulator", c.Surrogate, c.Simulator)
	}
	for _, name := range []string{CompareReportName, CompareFigureName, CompareResultsName} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Error(err)
		}
	}
	left, _ := filepath.Glob(filepath.Join(out, ".compare-staging-*"))
	if len(left) > 0 {
		t.Errorf("staging directories left: %v", left)
	}
	b, err := os.ReadFile(filepath.Join(out, CompareResultsName))
	if err != nil {
		t.Fatal(err)
	}
	var back Comparison
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("compare.json: %v", err)
	}
	md, _ := os.ReadFile(filepath.Join(out, CompareReportName))
	for _, want := range []string{"| steady_state_voltage | -70 |", "hyperpol step", "ensemble of 5 embeddings"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("compare.md lacks %q:\n%s", want, md)
		}
	}
	// The hof population needs the file's HoF list, which tinyData's lacks.
	if _, err := Compare(context.Background(), sur, rc, out, &CompareSettings{AmpNA: amp}); !errors.Is(err, ErrSettings) {
		t.Errorf("hof population without HoF list: error %v, want ErrSettings", err)
	}
}

// TestCompareMouse drives the shipped mouse model's HoF population against
// the fixture's firing row, and simulates two of its HoF models.
func TestCompareMouse(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the shipped model on its 8583-sample window and two simulations")
	}
	t.Parallel()
	sur, err := synth.Open(mouseModel)
	if err != nil {
		t.Fatal(err)
	}
	defer sur.Model.Close()
	rc, err := LoadRecording(fixture, mouseSpecID, StepDepol)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{sur.HoF[0].Name, sur.HoF[1].Name}
	c, err := Compare(context.Background(), sur, rc, t.TempDir(), &CompareSettings{AmpNA: 0.3, CellDir: mouseCell, SimModels: names, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	ntrain := len(synth.Embeddings(sur.HoF, surrogate.SplitTrain))
	if c.Surrogate.Traces != ntrain || c.Simulator.Traces != 2 {
		t.Errorf("traces: surrogate %d, simulator %d, want %d and 2", c.Surrogate.Traces, c.Simulator.Traces, ntrain)
	}
	// At 0.3 nA every mouse HoF model fires (I_thr ≤ 0.2 nA): the simulator
	// keeps both, and so should a trained surrogate nearly always.
	if c.Simulator.Used != 2 || c.Surrogate.Used < ntrain*9/10 {
		t.Errorf("used: surrogate %d of %d, simulator %d of 2", c.Surrogate.Used, ntrain, c.Simulator.Used)
	}
}

// TestCompareHumanSimulator runs the simulator part alone on the human
// PVALB cell (not shipped: skipped when absent) against its recording.
func TestCompareHumanSimulator(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates two human HoF models")
	}
	t.Parallel()
	shared := testutil.SharedDir(t)
	cell, table := filepath.Join(shared, sharedPVALB), filepath.Join(shared, sharedTable)
	if _, err := os.Stat(cell); err != nil {
		t.Skipf("the human PVALB cell is not here: %v", err)
	}
	rc, err := LoadRecording(fixture, mouseSpecID, StepDepol)
	if _, serr := os.Stat(table); serr == nil {
		rc, err = LoadRecording(table, humanPVALBID, StepDepol)
	}
	if err != nil {
		t.Fatal(err)
	}
	c, err := Compare(context.Background(), nil, rc, t.TempDir(), &CompareSettings{AmpNA: 0.2, CellDir: cell, SimModels: []string{"seed1_hof00", "seed2_hof05"}, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if c.Surrogate != nil || c.Simulator.Traces != 2 || c.Simulator.Used != 2 {
		t.Fatalf("simulator: %+v, want 2 traces used (the PVALB models fire at 0.2 nA: I_thr ≤ 0.03 nA)", c.Simulator)
	}
	w := c.Simulator.Features[0] // AHP1_depth_from_peak
	if w.N != 2 || !finite(float64(w.Median)) {
		t.Errorf("%s: %+v", rc.Names[0], w)
	}
}

func FuzzReadRecording(f *testing.F) {
	b, err := os.ReadFile(fixture)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b), mouseSpecID, StepDepol)
	f.Add(string(b), "100000001", StepHyperpol)
	f.Add("spec_id,depol.Spikecount\n1,3\n", "1", StepDepol)
	f.Fuzz(func(t *testing.T, in, id, step string) {
		if len(in) > 1<<16 {
			t.Skip()
		}
		rc, err := ReadRecording(strings.NewReader(in), "fuzz.csv", id, step)
		if err != nil {
			var ee *ExperimentError
			if !errors.As(err, &ee) || !errors.Is(err, ErrExperiment) {
				t.Fatalf("error %v is not an *ExperimentError wrapping ErrExperiment", err)
			}
			return
		}
		if len(rc.Values) != len(rc.Names) || rc.Fires != (float64(rc.Spikecount) > 0) {
			t.Fatalf("recording %+v: values of %d names, fires %v", rc, len(rc.Names), rc.Fires)
		}
		for n, x := range rc.Values {
			if !finite(x) {
				t.Fatalf("%s = %v", n, x)
			}
		}
	})
}
