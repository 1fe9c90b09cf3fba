package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/internal/cli"
	"github.com/noble-neuro/noble/internal/npy"
	"github.com/noble-neuro/noble/sim"
)

const mouseCell = "../../data/cells/mouse_pvalb_318331342"

func runSimulate(args ...string) error {
	return run(context.Background(), append([]string{"simulate", "--quiet"}, args...), io.Discard)
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestSimulateCommand(t *testing.T) {
	out := t.TempDir()
	err := runSimulate("--cell", mouseCell, "--params", "hof_param_318331342_1,"+mouseCell+"/hof/hof_param_318331342_0.json",
		"--amps", "0.3,-0.05", "--tstop", "20", "--delay", "0", "--dur", "10", "--out", out)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"hof_param_318331342_0__amp-0.05.npy", "hof_param_318331342_0__amp0.3.npy",
		"hof_param_318331342_1__amp-0.05.npy", "hof_param_318331342_1__amp0.3.npy",
	}
	if got := listDir(t, out); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("wrote %v, want %v", got, want)
	}
	// The file holds sim's trace as float32; --delay 0 means on from t = 0.
	c, err := sim.LoadCell(mouseCell)
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.Model(mouseCell + "/hof/hof_param_318331342_1.json")
	if err != nil {
		t.Fatal(err)
	}
	v, err := m.Simulate(context.Background(), sim.Protocol{TStop: 20, Delay: -1e-300, Dur: 10, Amp: 0.3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := npy.ReadFile(filepath.Join(out, "hof_param_318331342_1__amp0.3.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Shape) != 1 || a.Shape[0] != 1001 || len(a.F32) != 1001 {
		t.Fatalf("shape %v, want [1001]", a.Shape)
	}
	for k := range v {
		if a.F32[k] != float32(v[k]) {
			t.Fatalf("sample %d = %v, want %v", k, a.F32[k], float32(v[k]))
		}
	}
	if a.F32[1] <= a.F32[0] {
		t.Errorf("v rises from %v to %v in the first step? want the current on from t = 0", a.F32[0], a.F32[1])
	}
}

// Bad input: a clear error, exit status ≠ 0 and no file in --out.
func TestSimulateCommandErrors(t *testing.T) {
	tmp := t.TempDir()
	badJSON := filepath.Join(tmp, "bad.json")
	os.WriteFile(badJSON, []byte(`{"passive": [{"ra": 100}], "conditions": [{"celsius": 34, "v_init": -70, "erev": []}],
 "genome": [{"section": "soma", "name": "g_pas", "value": "NaN"}]}`), 0o644)
	truncated := filepath.Join(tmp, "trunc.json")
	b, _ := os.ReadFile(mouseCell + "/hof/hof_param_318331342_0.json")
	os.WriteFile(truncated, b[:len(b)/2], 0o644)
	// A cell whose morphology has a parent cycle.
	badCell := filepath.Join(tmp, "cell")
	os.MkdirAll(filepath.Join(badCell, "hof"), 0o755)
	os.WriteFile(filepath.Join(badCell, "cell.json"), []byte(`{"name": "x", "morphology": "m.swc", "parameters": "hof/*.json", "axon": "delete"}`), 0o644)
	os.WriteFile(filepath.Join(badCell, "m.swc"), []byte("1 1 0 0 0 5 -1\n2 3 0 10 0 1 3\n3 3 0 20 0 1 2\n"), 0o644)
	os.WriteFile(filepath.Join(badCell, "hof", "a.json"), b, 0o644)
	notDir := filepath.Join(tmp, "file")
	os.WriteFile(notDir, nil, 0o644)
	cases := []struct {
		name  string
		args  []string
		usage bool   // exit status 2
		msg   string // substring of the error
	}{
		{"no cell", []string{"--amps", "0.1"}, true, "required"},
		{"dt zero", []string{"--cell", mouseCell, "--amps", "0.1", "--dt", "0"}, true, "dt > 0"},
		{"dt negative", []string{"--cell", mouseCell, "--amps", "0.1", "--dt", "-0.02"}, true, "dt > 0"},
		{"tstop NaN", []string{"--cell", mouseCell, "--amps", "0.1", "--tstop", "NaN"}, true, "finite"},
		{"amp NaN", []string{"--cell", mouseCell, "--amps", "0.1,NaN"}, true, "not finite"},
		{"amp words", []string{"--cell", mouseCell, "--amps", "high"}, true, "not a number"},
		{"twice", []string{"--cell", mouseCell, "--amps", "0.1,0.10"}, true, "written twice"},
		{"no such params", []string{"--cell", mouseCell, "--amps", "0.1", "--params", "nosuch"}, false, "nosuch"},
		{"NaN value", []string{"--cell", mouseCell, "--amps", "0.1", "--params", "hof_param_318331342_0," + badJSON}, false, "bad.json: genome[0].value"},
		{"truncated", []string{"--cell", mouseCell, "--amps", "0.1", "--params", "hof_param_318331342_0," + truncated}, false, "trunc.json:"},
		{"no cell dir", []string{"--cell", tmp, "--amps", "0.1"}, false, "cell.json"},
		{"SWC cycle", []string{"--cell", badCell, "--amps", "0.1"}, false, "m.swc:2: parent"},
		{"out is a file", []string{"--cell", mouseCell, "--amps", "0.1", "--params", "hof_param_318331342_0"}, false, "file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			if c.name == "out is a file" {
				out = notDir
			}
			// Short runs; a case's own flags come later and win.
			err := runSimulate(append([]string{"--out", out, "--tstop", "5"}, c.args...)...)
			if err == nil {
				t.Fatal("no error")
			}
			if code := cli.ExitCode(err); (code == 2) != c.usage || code == 0 {
				t.Errorf("exit status %d (usage %v): %v", code, c.usage, err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not contain %q", err, c.msg)
			}
			if c.name != "out is a file" {
				if files := listDir(t, out); len(files) != 0 {
					t.Errorf("files left in --out: %v", files)
				}
			}
		})
	}
}

// TestSimulateDivergedLeavesNothing reproduces issue 20: --amps 1e6 made the
// simulation diverge and left an empty output directory. The error stands;
// what the command created (the directory, its parents, the files of
// finished jobs) is removed, what was there before is kept.
func TestSimulateDivergedLeavesNothing(t *testing.T) {
	tmp := t.TempDir()
	for _, c := range []struct {
		name  string
		out   string
		exist []string // files there before the run
	}{
		{"new dir", filepath.Join(tmp, "a", "b"), nil},
		{"existing dir", filepath.Join(tmp, "c"), []string{"keep.txt"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, f := range c.exist {
				os.MkdirAll(c.out, 0o755)
				os.WriteFile(filepath.Join(c.out, f), []byte("x"), 0o644)
			}
			err := runSimulate("--cell", mouseCell, "--params", "hof_param_318331342_0", "--amps", "0.1,1e6",
				"--tstop", "5", "--delay", "1", "--dur", "3", "--workers", "1", "--out", c.out)
			var de *sim.DivergenceError
			if !errors.As(err, &de) {
				t.Fatalf("simulate --amps 1e6: %v, want a divergence error", err)
			}
			if got := listDir(t, c.out); strings.Join(got, " ") != strings.Join(c.exist, " ") {
				t.Errorf("left %v in --out, want %v", got, c.exist)
			}
			if c.exist == nil {
				if _, err := os.Stat(filepath.Join(tmp, "a")); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("created parent left behind (%v)", err)
				}
			}
		})
	}
}
