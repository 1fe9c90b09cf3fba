package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
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

// TestSimulateStimulus: --stimulus plays any current. A file holding a step
// (on the dt grid, with a time column, as CSV or NPY) gives exactly the
// trace of --amps; --format csv writes a time column.
func TestSimulateStimulus(t *testing.T) {
	dir := t.TempDir()
	const dt, tstop, delay, dur, amp = 0.025, 20.0, 2.0, 10.0, 0.3
	n := 801 // round(tstop/dt) + 1
	var grid strings.Builder
	grid.WriteString("# a 0.3 nA step from 2 to 12 ms, value k held from k·dt\ni_nA\n")
	gridNPY := make([]float32, n)
	for k := range n {
		x := 0.0
		if tk := float64(k) * dt; tk >= delay && tk < delay+dur-dt/2 {
			x = amp
		}
		gridNPY[k] = float32(x)
		grid.WriteString(strconv.FormatFloat(x, 'g', -1, 64) + "\n")
	}
	timed := "t_ms,i_nA\n0,0\n2,0\n2,0.3\n12,0.3\n12,0\n20,0\n"
	files := map[string]string{"grid.csv": grid.String(), "timed.csv": timed}
	for name, content := range files {
		os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644)
	}
	// float32 holds 0.3 inexactly: the NPY step is float32(0.3) nA, and so
	// is its --amps reference below.
	npy.WriteFileFloat32(filepath.Join(dir, "gridnpy.npy"), []int{n}, gridNPY)
	npy.WriteFileFloat64(filepath.Join(dir, "timednpy.npy"), []int{6, 2}, []float64{0, 0, 2, 0, 2, 0.3, 12, 0.3, 12, 0, 20, 0})

	ref := filepath.Join(dir, "ref")
	args := []string{"--cell", mouseCell, "--params", "hof_param_318331342_0", "--dt", "0.025", "--workers", "1"}
	if err := runSimulate(append(args, "--amps", "0.3,"+strconv.FormatFloat(float64(float32(0.3)), 'g', -1, 64),
		"--tstop", "20", "--delay", "2", "--dur", "10", "--out", ref)...); err != nil {
		t.Fatal(err)
	}
	refs, err := filepath.Glob(filepath.Join(ref, "*.npy"))
	if err != nil || len(refs) != 2 {
		t.Fatalf("reference traces %v, %v", refs, err)
	}
	for _, c := range []struct{ file, ref string }{
		{"grid.csv", "hof_param_318331342_0__amp0.3.npy"},
		{"timed.csv", "hof_param_318331342_0__amp0.3.npy"},
		{"timednpy.npy", "hof_param_318331342_0__amp0.3.npy"},
		{"gridnpy.npy", "hof_param_318331342_0__amp0.30000001192092896.npy"},
	} {
		t.Run(c.file, func(t *testing.T) {
			out := filepath.Join(dir, "out-"+c.file)
			if err := runSimulate(append(args, "--stimulus", filepath.Join(dir, c.file), "--out", out)...); err != nil {
				t.Fatal(err)
			}
			stem := strings.TrimSuffix(c.file, filepath.Ext(c.file))
			got, err1 := os.ReadFile(filepath.Join(out, "hof_param_318331342_0__"+stem+".npy"))
			want, err2 := os.ReadFile(filepath.Join(ref, c.ref))
			if err1 != nil || err2 != nil || !bytes.Equal(got, want) {
				t.Errorf("trace under %s differs from --amps (%v, %v)", c.file, err1, err2)
			}
		})
	}

	// --format csv: a time column, and the voltages of the NPY.
	out := filepath.Join(dir, "csv")
	if err := runSimulate(append(args, "--stimulus", filepath.Join(dir, "timed.csv"), "--format", "csv", "--out", out)...); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, filepath.Join(out, "hof_param_318331342_0__timed.csv"))
	a, _ := npy.ReadFile(filepath.Join(ref, "hof_param_318331342_0__amp0.3.npy"))
	if len(rows) != n+1 || rows[0][0] != "t_ms" || rows[0][1] != "v_mV" || rows[13][0] != "0.3" || rows[n][0] != "20" {
		t.Fatalf("CSV: %d rows, header %q, row 13 %q, last %q", len(rows), rows[0], rows[13], rows[len(rows)-1])
	}
	for k := 1; k <= n; k++ {
		v, err := strconv.ParseFloat(rows[k][1], 64)
		if err != nil || float32(v) != a.F32[k-1] {
			t.Fatalf("CSV row %d: v %q, NPY %v", k, rows[k][1], a.F32[k-1])
		}
	}
}

// TestSimulateStimulusErrors: bad stimulus files are errors naming the
// file, line and column (or NPY element), and leave nothing behind.
func TestSimulateStimulusErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, content string
		args          []string
		msg           string
	}{
		{"word", "t,i\n0,0\n1,zero\n", nil, "bad.csv:3:3: column 2: \"zero\""},
		{"NaN", "0\nNaN\n", nil, "bad.csv:2:1: column 1"},
		{"three columns", "0,1,2\n", nil, "bad.csv:1: 3 columns"},
		{"ragged", "0,1\n2\n", nil, "bad.csv:2"},
		{"time backwards", "0,0\n5,1\n4,1\n", nil, "bad.csv:3:1: time 4 ms is before"},
		{"empty", "# nothing\n", nil, "no stimulus values"},
		{"grid vs tstop", "0\n0\n0\n", []string{"--tstop", "1"}, "3 values on the dt grid, --tstop 1"},
		{"with --amps", "0\n0\n", []string{"--amps", "0.1"}, "one of --amps or --stimulus"},
		{"with --delay", "0\n0\n", []string{"--delay", "1"}, "no --delay"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.csv")
			os.WriteFile(path, []byte(c.content), 0o644)
			out := filepath.Join(dir, c.name)
			err := runSimulate(append([]string{"--cell", mouseCell, "--params", "hof_param_318331342_0", "--stimulus", path, "--out", out}, c.args...)...)
			if err == nil || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %v, want one containing %q", err, c.msg)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("--out created (%v)", err)
			}
		})
	}
	bad := filepath.Join(dir, "bad.npy")
	npy.WriteFileFloat64(bad, []int{3, 2}, []float64{0, 0, 1, math.Inf(1), 2, 0})
	err := runSimulate("--cell", mouseCell, "--params", "hof_param_318331342_0", "--stimulus", bad, "--out", filepath.Join(dir, "npy"))
	if err == nil || !strings.Contains(err.Error(), "bad.npy: element [1, 1]") {
		t.Errorf("NPY with an infinite current: %v, want an error naming the element", err)
	}
}
