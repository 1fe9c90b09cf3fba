package main

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/features"
	"github.com/noble-neuro/noble/fi"
	"github.com/noble-neuro/noble/sim"
)

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

// TestFICommandProtocol checks that --delay and --dur reach both the
// simulator and the rate: the command's embedding equals package fi's on
// the same protocol, and every point's rate is its spike count over --dur.
func TestFICommandProtocol(t *testing.T) {
	out := filepath.Join(t.TempDir(), "emb.csv")
	const delay, dur = 5.0, 100.0
	err := run(context.Background(), []string{"fi", "--quiet", "--cell", mouseCell, "--params", "hof_param_318331342_1",
		"--delay", "5", "--dur", "100", "--method", "local", "--slope-width", "0.05", "--slope-points", "2",
		"--tol", "0.01", "--out", out}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, out)
	if len(rows) != 2 || rows[1][0] != "hof_param_318331342_1.json" {
		t.Fatalf("rows %q", rows)
	}
	got, err := strconv.ParseFloat(rows[1][1], 64)
	if err != nil {
		t.Fatal(err)
	}

	c, err := sim.LoadCell(mouseCell)
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.Model(filepath.Join(mouseCell, "hof", "hof_param_318331342_1.json"))
	if err != nil {
		t.Fatal(err)
	}
	simulate := func(ctx context.Context, amp float64) ([]float64, error) {
		return m.Simulate(ctx, sim.Protocol{Delay: delay, Dur: dur, TStop: delay + dur + 100, Amp: amp}, nil)
	}
	want, err := fi.Embed(context.Background(), simulate, &fi.Settings{Delay: delay, Dur: dur, Method: fi.MethodLocal,
		SlopeWidth: 0.05, SlopePoints: 2, Tol: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	if got != want.IThr {
		t.Errorf("I_thr %v, package fi on the same protocol %v", got, want.IThr)
	}

	pts := readCSV(t, pointsPath(out))[1:]
	if len(pts) != want.Sims {
		t.Errorf("%d points, want %d", len(pts), want.Sims)
	}
	fired := false
	for _, p := range pts {
		spikes, _ := strconv.Atoi(p[2])
		rate, err := strconv.ParseFloat(p[4], 64)
		if err != nil {
			t.Fatalf("point %q: %v", p, err)
		}
		if want := float64(spikes) / (dur / 1000); math.Abs(rate-want) > 1e-9 {
			t.Errorf("point %q: rate %v, want %d spikes / %g ms = %v", p, rate, spikes, dur, want)
		}
		fired = fired || spikes > 0
	}
	if !fired {
		t.Error("no point fired: the check above proved nothing")
	}
}

func TestFICommandBadProtocol(t *testing.T) {
	out := filepath.Join(t.TempDir(), "emb.csv")
	for _, args := range [][]string{{"--dur", "0"}, {"--delay", "-5"}, {"--delay", "NaN"}, {"--dur", "+Inf"}} {
		err := run(context.Background(), append([]string{"fi", "--quiet", "--cell", mouseCell, "--out", out}, args...), io.Discard)
		if err == nil || !strings.Contains(err.Error(), args[0]) {
			t.Errorf("%v: error %v, want one naming %s", args, err, args[0])
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused run wrote %s", out)
	}
}

// TestFIUnwritableOut reproduces issue 20: fi found an unwritable output
// directory only after computing every model. The check comes first: even
// with the work already cancelled, the error names the path.
func TestFIUnwritableOut(t *testing.T) {
	out := filepath.Join(unwritableDir(t), "emb.csv")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := run(ctx, []string{"fi", "--quiet", "--cell", mouseCell, "--params", "hof_param_318331342_1", "--out", out}, io.Discard)
	if err == nil || errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), filepath.Dir(out)) {
		t.Errorf("fi --out %s: %v, want an error naming the directory before any work", out, err)
	}
}

// TestFIResume reproduces issue 20: an interrupted 'noble fi' lost every
// finished model. Now the finished ones are kept in FILE.csv.partial, the
// same command resumes with the rest and writes the files an uninterrupted
// run writes, and a run with other settings refuses the checkpoint.
func TestFIResume(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates two models several times; skipped with -short")
	}
	args := func(out string, extra ...string) []string {
		return append([]string{"fi", "--quiet", "--cell", mouseCell, "--params", "hof_param_318331342_0,hof_param_318331342_1",
			"--delay", "5", "--dur", "100", "--method", "local", "--slope-width", "0.05", "--slope-points", "2",
			"--tol", "0.01", "--workers", "1", "--out", out}, extra...)
	}
	ref := filepath.Join(t.TempDir(), "emb.csv")
	if err := run(context.Background(), args(ref), io.Discard); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "emb.csv")
	var computed []int
	defer func() { fiModelDone = nil }()
	ctx, cancel := context.WithCancel(context.Background())
	fiModelDone = func(i int) { computed = append(computed, i); cancel() } // Ctrl-C after the first model
	if err := run(ctx, args(out), io.Discard); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v, want context.Canceled", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("interrupted run wrote %s (%v)", out, err)
	}
	if _, err := os.Stat(out + ".partial"); err != nil {
		t.Fatalf("no checkpoint after the interrupt: %v", err)
	}
	// Other settings: refused, naming the checkpoint and the difference.
	err := run(context.Background(), args(out, "--tol", "0.02"), io.Discard)
	if err == nil || !strings.Contains(err.Error(), out+".partial") || !strings.Contains(err.Error(), "other settings") {
		t.Errorf("resume with another --tol: %v, want a refusal naming the checkpoint", err)
	}
	computed = nil
	fiModelDone = func(i int) { computed = append(computed, i) }
	if err := run(context.Background(), args(out), io.Discard); err != nil {
		t.Fatal(err)
	}
	if len(computed) != 1 || computed[0] != 1 {
		t.Errorf("resumed run computed models %v, want [1]", computed)
	}
	for _, p := range []string{"emb.csv", "emb-points.csv"} {
		a, _ := os.ReadFile(filepath.Join(filepath.Dir(ref), p))
		b, _ := os.ReadFile(filepath.Join(filepath.Dir(out), p))
		if len(a) == 0 || string(a) != string(b) {
			t.Errorf("%s: resumed run differs from the uninterrupted one:\n%s\nvs\n%s", p, b, a)
		}
	}
	if _, err := os.Stat(out + ".partial"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("checkpoint left after the run finished (%v)", err)
	}
}

// TestFICommandAHPDepth checks the AHP_depth column against package
// features' AHP_depth computed directly on the same simulated trace: the
// mouse model's step at the column's ahp_amp_nA, the top of the fit window.
func TestFICommandAHPDepth(t *testing.T) {
	out := filepath.Join(t.TempDir(), "emb.csv")
	const delay, dur = 5.0, 100.0
	err := run(context.Background(), []string{"fi", "--quiet", "--cell", mouseCell, "--params", "hof_param_318331342_1",
		"--delay", "5", "--dur", "100", "--fit-width", "0.05", "--fit-points", "2", "--tol", "0.01", "--out", out}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, out)
	head := rows[0]
	if len(rows) != 2 || head[len(head)-2] != "AHP_depth" || head[len(head)-1] != "ahp_amp_nA" {
		t.Fatalf("rows %q: want one model and the columns AHP_depth, ahp_amp_nA last", rows)
	}
	ahp, err1 := strconv.ParseFloat(rows[1][len(head)-2], 64)
	amp, err2 := strconv.ParseFloat(rows[1][len(head)-1], 64)
	rheo, err3 := strconv.ParseFloat(rows[1][5], 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatalf("row %q: %v", rows[1], err)
	}
	// The top of the 0.05 nA window fires repeatedly on this model.
	if math.Abs(amp-(rheo+0.05)) > 1e-12 {
		t.Errorf("ahp_amp_nA = %v, want the top of the fit window, rheobase %v + 0.05", amp, rheo)
	}

	c, err := sim.LoadCell(mouseCell)
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.Model(filepath.Join(mouseCell, "hof", "hof_param_318331342_1.json"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := m.Simulate(context.Background(), sim.Protocol{Delay: delay, Dur: dur, TStop: delay + dur + 100, Amp: amp}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := features.Compute(v, 0.02, &features.Settings{StimStart: delay, StimEnd: delay + dur})
	if err != nil {
		t.Fatal(err)
	}
	d := f["AHP_depth"]
	if len(d) < 1 {
		t.Fatalf("features: AHP_depth %v, want at least one value", d)
	}
	var want float64
	for _, x := range d {
		want += x
	}
	want /= float64(len(d))
	// The same simulator and extractor on the same trace: equal up to the
	// summation order of the mean.
	if math.Abs(ahp-want) > 1e-9*math.Abs(want) {
		t.Errorf("AHP_depth = %.17g mV, features on the same trace %.17g mV (%d spikes' AHPs %v)", ahp, want, len(d), d)
	}
	// The troughs between spikes of a depolarising step lie above the
	// pre-stimulus voltage_base on this fast-spiking model (+14 mV), but
	// within tens of mV of it.
	if !(math.Abs(ahp) < 40) {
		t.Errorf("AHP_depth = %v mV, want within 40 mV of voltage_base", ahp)
	}
	t.Logf("AHP_depth %.4g mV over %d AHPs at %.4g nA", ahp, len(d), amp)
}
