package sim

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/noble-neuro/noble/internal/testutil"
	"github.com/noble-neuro/noble/morph"
)

func mouseDir(t testing.TB) string {
	return filepath.Join(testutil.RepoRoot(t), "data/cells/mouse_pvalb_318331342")
}

func TestLoadCell(t *testing.T) {
	c, err := LoadCell(mouseDir(t))
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "mouse_pvalb_318331342" || c.Axon != "stub" || len(c.ParamFiles) != 40 {
		t.Errorf("Name, Axon, files = %q, %q, %d; want mouse_pvalb_318331342, stub, 40", c.Name, c.Axon, len(c.ParamFiles))
	}
	for i := 1; i < len(c.ParamFiles); i++ {
		if c.ParamFiles[i-1] >= c.ParamFiles[i] {
			t.Errorf("ParamFiles not sorted: %q before %q", c.ParamFiles[i-1], c.ParamFiles[i])
		}
	}
	for _, name := range []string{"hof_param_318331342_3", "hof_param_318331342_3.json", filepath.Join(c.ParamDir, "hof_param_318331342_3.json")} {
		p, err := c.ParamFile(name)
		if err != nil || filepath.Base(p) != "hof_param_318331342_3.json" {
			t.Errorf("ParamFile(%q) = %q, %v", name, p, err)
		}
	}
	if _, err := c.ParamFile("hof_param_318331342_99"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ParamFile of a missing file: err = %v, want not-exist", err)
	}
	m, err := c.Model(c.ParamFiles[0])
	if err != nil {
		t.Fatal(err)
	}
	// NEURON's count for this cell (reference index.csv): 91 compartments.
	if m.Compartments() != 91 || m.Name != "hof_param_318331342_0" {
		t.Errorf("Compartments, Name = %d, %q; want 91, hof_param_318331342_0", m.Compartments(), m.Name)
	}
	if got := m.NodeName(m.SomaNode()); got != "soma[0](0.5)" {
		t.Errorf("soma node is %s, want soma[0](0.5)", got)
	}
}

// writeCell makes a cell directory with the mouse cell's files and the
// given cell.json and morphology text ("" keeps the original).
func writeCell(t *testing.T, cellJSON, swc string) string {
	t.Helper()
	dir := t.TempDir()
	src := mouseDir(t)
	if swc == "" {
		b, err := os.ReadFile(filepath.Join(src, "morphology.swc"))
		if err != nil {
			t.Fatal(err)
		}
		swc = string(b)
	}
	if err := os.WriteFile(filepath.Join(dir, "morphology.swc"), []byte(swc), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "hof"), 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(src, "hof/hof_param_318331342_0.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "hof/a.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if cellJSON != "-" {
		if err := os.WriteFile(filepath.Join(dir, "cell.json"), []byte(cellJSON), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadCellErrors(t *testing.T) {
	const good = `{"name": "x", "morphology": "morphology.swc", "parameters": "hof/*.json", "axon": "stub"}`
	cases := []struct {
		name, cell, swc string
		sentinel        error
		msg             string
	}{
		{"no cell.json", "-", "", os.ErrNotExist, "cell.json"},
		{"bad json", `{"name": "x",`, "", ErrSyntax, "cell.json:1:"},
		{"no name", strings.Replace(good, `"name": "x", `, ``, 1), "", ErrMissing, "cell.json: name: "},
		{"no axon", strings.Replace(good, `, "axon": "stub"`, ``, 1), "", ErrMissing, "cell.json: axon: "},
		{"bad axon", strings.Replace(good, `"stub"`, `"keep"`, 1), "", ErrRange, "cell.json: axon: "},
		{"no files", strings.Replace(good, `hof/*.json`, `fit/*.json`, 1), "", ErrMissing, "cell.json: parameters: "},
		{"bad pattern", strings.Replace(good, `hof/*.json`, `hof/[.json`, 1), "", ErrRange, "cell.json: parameters: "},
		{"no morphology", strings.Replace(good, `morphology.swc"`, `m.swc"`, 1), "", os.ErrNotExist, "m.swc"},
		{"no soma", good, "1 3 0 0 0 1 -1\n2 3 0 10 0 1 1\n", morph.ErrNoSoma, "morphology.swc"},
		{"unknown parent", good, "1 1 0 0 0 5 -1\n2 3 0 10 0 1 7\n", morph.ErrUnknownParent, "morphology.swc:2"},
		{"bad radius", good, "1 1 0 0 0 5 -1\n2 3 0 10 0 -1 1\n", morph.ErrRadius, "morphology.swc:2"},
		{"cycle", good, "1 1 0 0 0 5 -1\n2 3 0 10 0 1 3\n3 3 0 20 0 1 2\n", morph.ErrCycle, "morphology.swc:2"},
		{"bad number", good, "1 1 0 0 0 5 -1\n2 3 0 1x0 0 1 1\n", morph.ErrSyntax, "morphology.swc:2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeCell(t, c.cell, c.swc)
			_, err := LoadCell(dir)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, c.sentinel) {
				t.Errorf("error does not wrap %v: %v", c.sentinel, err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not contain %q", err, c.msg)
			}
		})
	}
}

func TestRunDeterministic(t *testing.T) {
	c, err := LoadCell(mouseDir(t))
	if err != nil {
		t.Fatal(err)
	}
	var jobs []Job
	for _, f := range c.ParamFiles[:2] {
		for _, a := range []float64{0.3, -0.1} {
			jobs = append(jobs, Job{ParamFile: f, Amp: a})
		}
	}
	set := &RunSettings{Protocol: Protocol{TStop: 60}}
	run := func(workers int) [][]float64 {
		out := make([][]float64, len(jobs))
		set.Workers = workers
		progress := 0
		set.Progress = func(done, total int) {
			progress = done
			if total != len(jobs) {
				t.Errorf("progress total %d, want %d", total, len(jobs))
			}
		}
		if err := Run(context.Background(), c, jobs, set, func(i int, v []float64) error {
			out[i] = append([]float64(nil), v...)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if progress != len(jobs) {
			t.Errorf("progress reached %d, want %d", progress, len(jobs))
		}
		return out
	}
	one, three := run(1), run(3)
	for i := range jobs {
		if len(one[i]) != 3001 {
			t.Fatalf("job %d: %d samples, want 3001", i, len(one[i]))
		}
		for k := range one[i] {
			if one[i][k] != three[i][k] {
				t.Fatalf("job %d sample %d differs between 1 and 3 workers: %v vs %v", i, k, one[i][k], three[i][k])
			}
		}
	}
	// Each job equals a lone simulation of its model.
	m, err := c.Model(jobs[1].ParamFile)
	if err != nil {
		t.Fatal(err)
	}
	v, err := m.Simulate(context.Background(), Protocol{TStop: 60, Amp: jobs[1].Amp}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k := range v {
		if v[k] != one[1][k] {
			t.Fatalf("sample %d: Run %v, Simulate %v", k, one[1][k], v[k])
		}
	}
}

func TestRunErrors(t *testing.T) {
	c, err := LoadCell(mouseDir(t))
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"passive": [{}]}`), 0o644)
	var calls atomic.Int32
	out := func(i int, v []float64) error { calls.Add(1); return nil }
	short := &RunSettings{Protocol: Protocol{TStop: 10}}

	// A bad parameter file fails the batch before any simulation.
	err = Run(context.Background(), c, []Job{{c.ParamFiles[0], 0.1}, {bad, 0.1}}, short, out)
	var pe *ParamError
	if !errors.As(err, &pe) || pe.File != bad || calls.Load() != 0 {
		t.Errorf("bad file: err = %v, %d outputs; want a ParamError for %s and none", err, calls.Load(), bad)
	}
	// A bad protocol too.
	err = Run(context.Background(), c, []Job{{c.ParamFiles[0], 0.1}}, &RunSettings{Protocol: Protocol{Dt: -1}}, out)
	if !errors.Is(err, ErrProtocol) {
		t.Errorf("dt < 0: err = %v, want ErrProtocol", err)
	}
	// An output error stops the run and is returned.
	errOut := errors.New("disk full")
	jobs := []Job{{c.ParamFiles[0], 0.1}, {c.ParamFiles[0], 0.2}, {c.ParamFiles[0], 0.3}}
	err = Run(context.Background(), c, jobs, &RunSettings{Workers: 1, Protocol: Protocol{TStop: 10}}, func(i int, v []float64) error { return errOut })
	if !errors.Is(err, errOut) {
		t.Errorf("output error: err = %v, want %v", err, errOut)
	}
	// A cancelled context stops the run.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = Run(ctx, c, jobs, short, out)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v, want context.Canceled", err)
	}
}

// Simulate stops within 1000 steps of a cancellation.
func TestSimulateCancel(t *testing.T) {
	c, err := LoadCell(mouseDir(t))
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.Model(c.ParamFiles[0])
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w := NewWorkspace(m)
	if _, err := w.Simulate(ctx, Protocol{}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if w.T() > 1000*DefaultDt+1e-9 {
		t.Errorf("stopped at t = %v ms, want ≤ %v", w.T(), 1000*DefaultDt)
	}
}

func TestProtocol(t *testing.T) {
	p := Protocol{}.WithDefaults()
	if p != (Protocol{Dt: 0.02, TStop: 515, Delay: 15, Dur: 400}) {
		t.Errorf("defaults = %+v", p)
	}
	if n := (Protocol{}).Steps(); n != 25750 {
		t.Errorf("Steps = %d, want 25750", n)
	}
	nan := math.NaN()
	for _, bad := range []Protocol{{Dt: -0.02}, {TStop: -1}, {Dur: -1}, {Amp: nan}, {Dt: nan}, {Delay: math.Inf(1)}, {Dt: 1, TStop: 0.4}, {Dt: 1e-9}} {
		if err := bad.Validate(); !errors.Is(err, ErrProtocol) {
			t.Errorf("Validate(%+v) = %v, want ErrProtocol", bad, err)
		}
	}
}
