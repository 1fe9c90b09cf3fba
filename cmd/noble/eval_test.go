package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/dataset"
	"github.com/noble-neuro/noble/dataset/datasettest"
	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/internal/cli"
	"github.com/noble-neuro/noble/internal/testutil"
)

// toyDataset writes a small dataset and a random-weight model matching its
// window; it returns the model path and the dataset directory.
func toyDataset(t *testing.T) (string, string) {
	t.Helper()
	src := &datasettest.Caricature{Name: "toy"}
	for i := range 5 {
		src.Names = append(src.Names, "m"+string(rune('a'+i)))
		src.Emb = append(src.Emb, dataset.Embedding{IThr: 0.1 + 0.03*float64(i), SThr: 200 + 37*float64(i%3)})
	}
	set := &dataset.Settings{Traces: 8, TestSeenTraces: 4, TestHeldTraces: 2, TracesPerShard: 4, TestModels: []int{4},
		Protocol: dataset.Protocol{Dt: 0.5 / 3, Window: 120, Margin: 10, Delay: 15, Dur: 80}}
	g, err := dataset.NewGeneration(src.Cell(), src.Names, src.Emb, set)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := dataset.Generate(context.Background(), src, g, dir, &dataset.Options{Workers: 1}); err != nil {
		t.Fatal(err)
	}
	m, err := fno.New(fno.Config{InChannels: 23, Width: 4, Layers: 2, Modes: 8, LiftingChannels: 8, ProjectionChannels: 8, MLPHidden: 4, OutChannels: 1}, 2)
	if err != nil {
		t.Fatal(err)
	}
	p, sc := g.Layout.Window, g.Scaling
	path := filepath.Join(t.TempDir(), "toy.safetensors")
	if err := fno.SaveFile(path, m, fno.Metadata{Protocol: &p, Scaling: &sc}); err != nil {
		t.Fatal(err)
	}
	return path, dir
}

func TestEvalCommand(t *testing.T) {
	model, data := toyDataset(t)
	out := filepath.Join(t.TempDir(), "rep")
	var o, e bytes.Buffer
	err := cmdEvalIO(&o, &e).Execute(context.Background(), []string{"--model", model, "--data", data, "--out", out,
		"--fi-points", "4", "--pop-size", "10", "--speed-batch", "3", "--speed-reps", "1"}, &e)
	if err != nil {
		t.Fatalf("%v\n%s", err, e.String())
	}
	if !strings.Contains(o.String(), "report.md") || !strings.Contains(o.String(), "test_seen      4 traces") {
		t.Errorf("stdout:\n%s", o.String())
	}
	if !strings.Contains(e.String(), "eval: accuracy on test_held: 2 traces") {
		t.Errorf("stderr:\n%s", e.String())
	}
	for _, f := range []string{"report.md", "results.json", "fi_curves.png", "population.png", "traces.png"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, args := range [][]string{
		{"--model", model, "--data", data},
		{"--model", model, "--data", data, "--out", out, "--fi-sims", "2"},
		{"--model", model, "--data", data, "--out", out, "--batch", "0"},
	} {
		if err := cmdEvalIO(&o, &e).Execute(context.Background(), args, &e); !errors.Is(err, cli.ErrUsage) {
			t.Errorf("%q: err = %v, want a usage error", args, err)
		}
	}
}

// TestEvalProgress checks what a terminal shows of an evaluation (issue
// 20): each stage's progress begins when the stage does (at 0 done, so a
// rate is not measured from the end of its first batch), ends in a summary
// line, and the log lines pass above it whole.
func TestEvalProgress(t *testing.T) {
	model, data := toyDataset(t)
	out := filepath.Join(t.TempDir(), "rep")
	var o bytes.Buffer
	var e testutil.Terminal
	err := cmdEvalIO(&o, &e).Execute(context.Background(), []string{"--model", model, "--data", data, "--out", out,
		"--fi-points", "4", "--pop-size", "10", "--speed-batch", "3", "--speed-reps", "1"}, &e)
	if err != nil {
		t.Fatalf("%v\n%s", err, e.String())
	}
	screen := testutil.Screen(e.String())
	for _, want := range []string{
		"eval: accuracy on test_seen: 4 traces", "eval: accuracy on test_held: 2 traces",
		"accuracy test_seen: 4/4 traces in ", "accuracy test_held: 2/2 traces in ", "speed: 3/3 traces in ",
	} {
		if !slices.ContainsFunc(screen, func(l string) bool { return l == want || strings.HasSuffix(want, " in ") && strings.HasPrefix(l, want) }) {
			t.Errorf("no line %q on the screen:\n%s", want, strings.Join(screen, "\n"))
		}
	}
	for _, begin := range []string{"\raccuracy test_seen: 0/4 traces", "\rspeed: 0/3 traces"} {
		if !strings.Contains(e.String(), begin) {
			t.Errorf("stderr %q: no %q when the stage began", e.String(), begin)
		}
	}
}

// TestEvalUnwritableOut reproduces issue 20: eval found an unwritable
// --out only after computing. The check comes first: even with the work
// already cancelled, the error names the path (as simulate's does).
func TestEvalUnwritableOut(t *testing.T) {
	model, data := toyDataset(t)
	out := unwritableDir(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var o, e bytes.Buffer
	err := cmdEvalIO(&o, &e).Execute(ctx, []string{"--model", model, "--data", data, "--out", out}, &e)
	if err == nil || errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), out) {
		t.Errorf("eval into %s: %v, want an error naming the path before any work", out, err)
	}
}

// unwritableDir returns an existing directory in which no file can be
// created: a read-only temporary directory, or for root (whom permissions
// do not stop) /proc.
func unwritableDir(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		dir := t.TempDir()
		os.Chmod(dir, 0o555)
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
		return dir
	}
	if st, err := os.Stat("/proc"); err != nil || !st.IsDir() {
		t.Skip("running as root without /proc: no unwritable directory to test with")
	}
	return "/proc"
}
