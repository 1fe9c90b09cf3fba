package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/dataset"
	"github.com/noble-neuro/noble/internal/cli"
)

const datasetCell = "../../data/cells/mouse_pvalb_318331342"

func runDataset(args ...string) error {
	return cmdDataset().Execute(context.Background(), args, io.Discard)
}

// TestDatasetCommand drives generate (one job, and two --shard jobs),
// merge, info and verify on the mouse cell with a 12 ms protocol and the
// committed embeddings, and checks that both routes give the same bytes.
func TestDatasetCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates the mouse cell; skipped with -short")
	}
	gen := func(out string, extra ...string) error {
		args := append([]string{"generate", "--cell", datasetCell, "--traces", "3", "--test-seen-traces", "1",
			"--test-held-traces", "1", "--traces-per-shard", "2", "--seed", "5", "--out", out,
			"--embeddings", "../../dataset/testdata/mouse_embeddings.csv",
			"--window", "10", "--margin", "2", "--delay", "2", "--dur", "6", "--workers", "2", "--quiet"}, extra...)
		return runDataset(args...)
	}
	one := t.TempDir()
	if err := gen(one); err != nil {
		t.Fatal(err)
	}
	a, b := t.TempDir(), t.TempDir()
	if err := gen(a, "--shard", "0/2"); err != nil {
		t.Fatal(err)
	}
	if err := gen(b, "--shard", "1/2"); err != nil {
		t.Fatal(err)
	}
	merged := t.TempDir()
	if err := runDataset("merge", "--out", merged, a, b); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"manifest.json", "train-00000-of-00002.npz", "train-00001-of-00002.npz",
		"test_seen-00000-of-00001.npz", "test_held-00000-of-00001.npz"} {
		x, err1 := os.ReadFile(filepath.Join(one, name))
		y, err2 := os.ReadFile(filepath.Join(merged, name))
		if err1 != nil || err2 != nil || !bytes.Equal(x, y) {
			t.Errorf("%s: one job and two merged jobs differ (%v, %v)", name, err1, err2)
		}
	}
	if err := runDataset("info", merged); err != nil {
		t.Error(err)
	}
	if err := runDataset("verify", "--quiet", merged); err != nil {
		t.Error(err)
	}
	// A flipped byte fails verify, naming the shard.
	p := filepath.Join(merged, "train-00001-of-00002.npz")
	raw, _ := os.ReadFile(p)
	raw[len(raw)/3] ^= 1
	os.WriteFile(p, raw, 0o644)
	err := runDataset("verify", "--quiet", merged)
	var se *dataset.ShardError
	if !errors.As(err, &se) || se.Shard != "train-00001-of-00002.npz" || cli.ExitCode(err) != 1 {
		t.Errorf("verify of a damaged dataset: %v", err)
	}
	// Another seed into the same directory is refused.
	if err := gen(one, "--seed", "6"); !errors.Is(err, dataset.ErrOtherGeneration) {
		t.Errorf("other seed into a finished directory: %v", err)
	}
}

func TestDatasetUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"bogus"},
		{"generate", "--cell", datasetCell},
		{"generate", "--cell", datasetCell, "--traces", "3", "--out", "x", "--shard", "2/2"},
		{"generate", "--cell", datasetCell, "--traces", "3", "--out", "x", "--shard", "1"},
		{"verify"},
		{"merge", "--out", "x"},
	} {
		err := runDataset(args...)
		if cli.ExitCode(err) != 2 || !strings.Contains(err.Error(), "usage") {
			t.Errorf("dataset %q: %v, want a usage error", args, err)
		}
	}
}

// TestDatasetGenerateInterrupted reproduces issue 20: Ctrl-C while generate
// was still planning --traces 100000000 wrote a manifest.json listing 0
// shards and exited 0. The interrupt must exit non-zero and leave no
// manifest.json, and absurd sizes are refused up front naming the flags.
func TestDatasetGenerateInterrupted(t *testing.T) {
	out := t.TempDir()
	args := func(traces string, extra ...string) []string {
		return append([]string{"generate", "--cell", datasetCell, "--traces", traces, "--out", out,
			"--embeddings", "../../dataset/testdata/mouse_embeddings.csv", "--quiet"}, extra...)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// 1000 traces of 9084 samples: 36 MB, within any test machine's disk.
	err := cmdDataset().Execute(ctx, args("1000"), io.Discard)
	if !errors.Is(err, context.Canceled) || cli.ExitCode(err) != 1 {
		t.Errorf("interrupted generate: %v (exit %d), want context.Canceled and exit 1", err, cli.ExitCode(err))
	}
	if _, err := os.Stat(filepath.Join(out, dataset.ManifestName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("interrupted generate left %s (%v)", dataset.ManifestName, err)
	}
	err = cmdDataset().Execute(context.Background(), args("1000000000"), io.Discard)
	if !errors.Is(err, dataset.ErrTooLarge) || !strings.Contains(err.Error(), "--traces 1000000000") || cli.ExitCode(err) != 2 {
		t.Errorf("generate --traces 1e9: %v, want a usage error naming --traces and the limit", err)
	}
}

// TestDatasetStimulus pins how --mode, --support, --scale and --skew
// replace the fields of the default amplitude distribution.
func TestDatasetStimulus(t *testing.T) {
	emb := []dataset.Embedding{{IThr: 0.2}, {IThr: 0.3}, {IThr: 0.4}}
	if st, err := datasetStimulus(emb, map[string]bool{}, "", 0, 0, dataset.DefaultShape); st != nil || err != nil {
		t.Errorf("no flags: %+v, %v; want nil (the dataset's default)", st, err)
	}
	def, err := dataset.DefaultStimulus([]float64{0.2, 0.3, 0.4})
	if err != nil {
		t.Fatal(err)
	}
	want := def
	want.Shape = 5
	st, err := datasetStimulus(emb, map[string]bool{"skew": true}, "", 0, 0, 5)
	if err != nil || st == nil || *st != want {
		t.Errorf("--skew 5: %+v, %v, want %+v", st, err, want)
	}
	st, err = datasetStimulus(emb, map[string]bool{"support": true, "mode": true}, "0.1,0.7", 0.25, 0, 2)
	lo, hi := 0.1, 0.7
	if want := (dataset.Stimulus{Mode: 0.25, Lo: lo, Hi: hi, Scale: (hi - lo) / 3, Shape: 2}); err != nil || st == nil || *st != want {
		t.Errorf("--support 0.1,0.7 --mode 0.25: %+v, %v, want %+v", st, err, want)
	}
	st, err = datasetStimulus(emb, map[string]bool{"support": true, "scale": true}, "0.1,0.7", 0, 0.05, 2)
	if err != nil || st == nil || st.Scale != 0.05 {
		t.Errorf("--support with --scale 0.05: %+v, %v", st, err)
	}
	if _, err := datasetStimulus(emb, map[string]bool{"support": true}, "0.1", 0, 0, 2); !errors.Is(err, cli.ErrUsage) {
		t.Errorf("--support 0.1: %v, want a usage error", err)
	}
}
