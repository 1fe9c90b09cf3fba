package eval

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/dataset"
	"github.com/noble-neuro/noble/dataset/datasettest"
	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/sim"
	"github.com/noble-neuro/noble/synth"
)

const mouseCell = "../data/cells/mouse_pvalb_318331342"

// tinyData generates a small dataset and a random-weight surrogate fitted to
// its window (the tests check mechanics, not accuracy).
func tinyData(t *testing.T) (*synth.Surrogate, *dataset.Dataset) {
	t.Helper()
	cell, err := sim.LoadCell(mouseCell)
	if err != nil {
		t.Fatal(err)
	}
	// Model names are the mouse cell's parameter files, so the
	// interpolation can simulate them for real.
	src := &datasettest.Caricature{Name: "mouse_pvalb_318331342"}
	for i := range 6 {
		src.Names = append(src.Names, strings.TrimSuffix(filepath.Base(cell.ParamFiles[i]), ".json"))
		src.Emb = append(src.Emb, dataset.Embedding{IThr: 0.1 + 0.03*float64(i), SThr: 200 + 37*float64(i%3)})
	}
	set := &dataset.Settings{Traces: 12, TestSeenTraces: 8, TestHeldTraces: 4, TracesPerShard: 4, TestModels: []int{5},
		Protocol: dataset.Protocol{Dt: 0.5 / 3, Window: 120, Margin: 10, Delay: 15, Dur: 80}}
	g, err := dataset.NewGeneration(src.Cell(), src.Names, src.Emb, set)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := dataset.Generate(context.Background(), src, g, dir, &dataset.Options{Workers: 1}); err != nil {
		t.Fatal(err)
	}
	d, err := dataset.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := fno.Config{InChannels: 23, Width: 4, Layers: 2, Modes: 8, LiftingChannels: 8, ProjectionChannels: 8, MLPHidden: 4, OutChannels: 1}
	m, err := fno.New(cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	p, sc := d.Manifest.Layout.Window, d.Manifest.Scaling
	s, err := synth.New(m, fno.Metadata{Protocol: &p, Scaling: &sc})
	if err != nil {
		t.Fatal(err)
	}
	return s, d
}

func TestRunReport(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates the mouse cell")
	}
	s, d := tinyData(t)
	out := filepath.Join(t.TempDir(), "report")
	if dir := os.Getenv("NOBLE_EVAL_OUT"); dir != "" { // to look at the report
		out = dir
	}
	var log bytes.Buffer
	res, err := Run(context.Background(), s, d, out, &Settings{
		FIPoints: 5, PopSize: 20, PopAmp: 0.3, CellDir: mouseCell, InterpSteps: 3, SimHoF: true,
		SpeedBatch: 4, SpeedReps: 2, SimTraces: 1, Log: &log, ModelPath: "tiny.safetensors",
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if len(res.Splits) != 2 || res.Splits[0].Traces != 8 || res.Splits[1].Traces != 4 {
		t.Fatalf("splits %+v", res.Splits)
	}
	for _, sr := range res.Splits {
		if !(sr.VoltageL2 > 0) || len(sr.Features) != len(ErrorFeatures) {
			t.Errorf("%s: voltage error %v, %d features", sr.Split, sr.VoltageL2, len(sr.Features))
		}
	}
	// The steady state is never 0 mV: every trace compares it, but for
	// those on which only one of simulator and surrogate fires.
	if sr := res.Splits[0]; sr.Features[3].Name != "steady_state_voltage" || sr.Features[3].N+sr.MissedFiring+sr.MissedNonFiring != 8 {
		t.Errorf("steady_state_voltage: %+v, misses %d + %d", sr.Features[3], sr.MissedFiring, sr.MissedNonFiring)
	}
	if len(res.FI) != 6 || len(res.FI[0].Amps) != 5 {
		t.Errorf("F-I: %d curves", len(res.FI))
	}
	if res.Population == nil || res.Population.Size != 20 || res.Population.HoFSource != "simulator" || res.Population.HoFSize != 6 {
		t.Errorf("population %+v", res.Population)
	}
	if res.Interp == nil || len(res.Interp.Points) != 3 || res.Interp.Points[2].Alpha != 1 {
		t.Errorf("interpolation %+v", res.Interp)
	}
	if res.Speed == nil || !(res.Speed.Batch1MS > 0) || !(res.Speed.SimMS > 0) || res.Speed.BatchN != 4 {
		t.Errorf("speed %+v", res.Speed)
	}
	rep, err := os.ReadFile(filepath.Join(out, ReportName))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"### test_seen", "### test_held", "| Spikecount |", "paper 2.18 %", "## F-I curves", "## Synthetic population", "## Latent interpolation", "| surrogate, batch 1 |"} {
		if !bytes.Contains(rep, []byte(want)) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, f := range []string{"traces.png", "voltage_error.png", "fi_curves.png", "population.png", "interpolation.png"} {
		if !bytes.Contains(rep, []byte("("+f+")")) {
			t.Errorf("report does not show %s", f)
		}
		checkPNG(t, filepath.Join(out, f))
	}
	var js map[string]any
	b, _ := os.ReadFile(filepath.Join(out, ResultsName))
	if err := json.Unmarshal(b, &js); err != nil {
		t.Errorf("results.json: %v", err)
	}
	if !strings.Contains(log.String(), "eval: accuracy on test_seen: 8 traces") {
		t.Errorf("log:\n%s", log.String())
	}
	checkTraces(t, filepath.Join(out, TracesName), res)
	if ents, _ := os.ReadDir(out); len(ents) != 8 {
		t.Errorf("%d files in the report directory, want 8 (no temporaries)", len(ents))
	}
}

// checkTraces checks the per-trace table against the report's figures it
// must add up to: traces, firing and missed traces, the mean voltage error
// and the Spikecount error of each split.
func checkTraces(t *testing.T, path string, res *Result) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "split,model,amp_nA,i_thr_nA,s_thr_hz_per_nA,spikes_simulator,spikes_surrogate,voltage_rel_l2" {
		t.Fatalf("header %v", rows[:min(1, len(rows))])
	}
	type sums struct {
		n, firing, missed, missedNon, both int
		l2, count                          float64
	}
	got := map[string]*sums{}
	for i, r := range rows[1:] {
		x := make([]float64, 5)
		for j := range x {
			if x[j], err = strconv.ParseFloat(r[j+3], 64); err != nil {
				t.Fatalf("row %d: %v", i+2, err)
			}
		}
		if got[r[0]] == nil {
			got[r[0]] = &sums{}
		}
		s, sim, sur := got[r[0]], x[2], x[3]
		s.n++
		s.l2 += x[4]
		switch {
		case sim > 0 && sur > 0:
			s.firing++
			s.both++
			s.count += math.Abs(sur-sim) / sim
		case sim > 0:
			s.firing++
			s.missed++
		case sur > 0:
			s.missedNon++
		}
	}
	for _, sr := range res.Splits {
		s := got[sr.Split]
		if s == nil {
			t.Errorf("%s: no rows", sr.Split)
			continue
		}
		if s.n != sr.Traces || s.firing != sr.Firing || s.missed != sr.MissedFiring || s.missedNon != sr.MissedNonFiring {
			t.Errorf("%s: rows %+v, report %d traces, %d firing, %d missed, %d missed non-firing", sr.Split, *s, sr.Traces, sr.Firing, sr.MissedFiring, sr.MissedNonFiring)
		}
		if l2 := s.l2 / float64(s.n); math.Abs(l2-float64(sr.VoltageL2)) > 1e-12 {
			t.Errorf("%s: mean L2 of the rows %v, report %v", sr.Split, l2, sr.VoltageL2)
		}
		if fe := sr.Features[0]; fe.Name == "Spikecount" && fe.N == s.both && s.both > 0 {
			if c := s.count / float64(s.both); math.Abs(c-float64(fe.Mean)) > 1e-12 {
				t.Errorf("%s: Spikecount error of the rows %v, report %v", sr.Split, c, fe.Mean)
			}
		}
	}
}

func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return
	}
	if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
		t.Errorf("%s: %v", path, b)
	}
}

func TestRunWithoutCellAndCancel(t *testing.T) {
	s, d := tinyData(t)
	out := t.TempDir()
	res, err := Run(context.Background(), s, d, out, &Settings{MaxTraces: 3, FIPoints: -1, PopSize: 10, SpeedBatch: -1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Splits[0].Traces != 3 || res.FI != nil || res.Interp != nil || res.Speed != nil || res.Population.HoFSource != "surrogate at the HoF embeddings" {
		t.Errorf("result %+v", res)
	}
	rep, _ := os.ReadFile(filepath.Join(out, ReportName))
	if !bytes.Contains(rep, []byte("Not run: it simulates")) {
		t.Error("report does not say the interpolation was skipped")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, s, d, t.TempDir(), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

func TestInterpolateParams(t *testing.T) {
	t.Parallel()
	cell, err := sim.LoadCell(mouseCell)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := sim.ReadParamsFile(cell.ParamFiles[0])
	b, _ := sim.ReadParamsFile(cell.ParamFiles[1])
	for _, alpha := range []float64{0, 0.25, 1} {
		p, err := InterpolateParams(a, b, alpha)
		if err != nil {
			t.Fatal(err)
		}
		for i, g := range p.Genome {
			want := (1-alpha)*a.Genome[i].Value + alpha*b.Genome[i].Value
			if g.Value != want {
				t.Fatalf("α %g gene %d = %g, want %g", alpha, i, g.Value, want)
			}
		}
		if _, err := cell.ModelFromParams(p); err != nil {
			t.Errorf("α %g: %v", alpha, err)
		}
	}
	c := *b
	c.Genome = c.Genome[:len(c.Genome)-1]
	if _, err := InterpolateParams(a, &c, 0.5); !errors.Is(err, ErrSettings) {
		t.Errorf("mismatched genomes: err = %v", err)
	}
	_ = fmt.Sprint()
}

func TestRunMismatch(t *testing.T) {
	s, d := tinyData(t)
	s2 := *s
	s2.Protocol.Length++
	if _, err := Run(context.Background(), &s2, d, t.TempDir(), nil); !errors.Is(err, ErrSettings) {
		t.Errorf("err = %v, want ErrSettings", err)
	}
}

// TestRunInterruptedKeepsReport reproduces issue 20: an eval interrupted
// after its first figures left them in the report directory without a
// report.md. An interrupted run must leave the directory as it was: empty
// when new, the previous complete report when there was one.
func TestRunInterruptedKeepsReport(t *testing.T) {
	s, d := tinyData(t)
	set := func(cancel func()) *Settings {
		return &Settings{MaxTraces: 3, FIPoints: 3, PopSize: 4, SpeedBatch: -1,
			Progress: func(stage string, done, total int) {
				if cancel != nil && stage == "F-I curves" { // accuracy and its figures are done
					cancel()
				}
			}}
	}
	interrupted := func(out string) {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if _, err := Run(ctx, s, d, out, set(cancel)); !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted run: %v, want context.Canceled", err)
		}
	}
	files := func(dir string) map[string]string {
		t.Helper()
		out := map[string]string{}
		ents, err := os.ReadDir(dir)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		for _, e := range ents {
			b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			out[e.Name()] = string(b)
		}
		return out
	}

	fresh := filepath.Join(t.TempDir(), "rep")
	interrupted(fresh)
	if got := files(fresh); len(got) != 0 {
		t.Errorf("interrupted run into a new directory left %d files: %v", len(got), keys(got))
	}

	prev := t.TempDir()
	if _, err := Run(context.Background(), s, d, prev, set(nil)); err != nil {
		t.Fatal(err)
	}
	before := files(prev)
	interrupted(prev)
	after := files(prev)
	if len(after) != len(before) {
		t.Errorf("files before %v, after the interrupted run %v", keys(before), keys(after))
	}
	for name, b := range before {
		if after[name] != b {
			t.Errorf("%s changed by the interrupted run", name)
		}
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestWriteCurveRefuses(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		runs []CurveRun
		want string
	}{
		{"no runs", nil, "no runs"},
		{"run without points", []CurveRun{{Label: "a"}}, `run "a" has no evaluated epochs`},
	} {
		out := filepath.Join(t.TempDir(), "curve")
		err := WriteCurve(out, c.runs)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
		if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: left %s", c.name, out)
		}
	}
}
