package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/sim"
	"github.com/noble-neuro/noble/train"
)

// spikingSource is trainSource with spikes: above 0.05 nA, a 0.3 ms
// triangle to +20 mV every millisecond of the step, so that held-out
// Spikecount errors (the stages' model selection) are defined.
type spikingSource struct{ trainSource }

func (s spikingSource) Simulate(ctx context.Context, m int, p sim.Protocol, dst []float64) ([]float64, error) {
	v, err := s.trainSource.Simulate(ctx, m, p, dst)
	if err != nil || p.Amp <= 0.05 {
		return v, err
	}
	p = p.WithDefaults()
	for i := range v {
		t := float64(i)*p.Dt - p.Delay
		if t < 0 || t >= p.Dur {
			continue
		}
		if ph := t - math.Floor(t); ph < 0.3 {
			v[i] += 90 * (1 - math.Abs(ph-0.15)/0.15)
		}
	}
	return v, nil
}

func TestTrainStages(t *testing.T) {
	if testing.Short() {
		t.Skip("trains three stages")
	}
	// Currents from 0.1 nA: every test trace fires, as selection by spike
	// counts needs.
	data := trainDatasetOf(t, spikingSource{}, 0.1)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "shared.json")
	os.WriteFile(cfg, []byte(`{"batch_size":4,"traces_per_epoch":8,"eval_traces":2,"model":{"width":4,"layers":2,"modes":4,"lifting_channels":4,"projection_channels":4,"mlp_hidden":2}}`), 0o644)
	out := filepath.Join(dir, "run")
	run := func() (string, string, error) {
		var o, e bytes.Buffer
		err := cmdTrainIO(&o, &e).Execute(context.Background(), []string{"--data", data, "--out", out, "--config", cfg, "--stages", "cpu:2,cpu:1,cpu-spikes:1", "--workers", "1"}, &e)
		return o.String(), e.String(), err
	}
	stdout, msg, err := run()
	if err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	for i := range 3 {
		if want := fmt.Sprintf("noble train: stage %d of 3", i+1); !strings.Contains(msg, want) {
			t.Errorf("stderr lacks %q:\n%s", want, msg)
		}
	}
	if want := filepath.Join(out, train.ModelName) + "\t"; !strings.HasPrefix(stdout, want) {
		t.Errorf("stdout %q, want the model's path first", stdout)
	}
	for i, want := range []struct {
		preset string
		epochs int
		init   string
	}{
		{train.PresetCPU, 2, ""},
		{train.PresetCPU, 1, filepath.Join(train.StageDir(out, 0), train.LatestName)},
		{train.PresetCPUSpikes, 1, filepath.Join(train.StageDir(out, 1), train.LatestName)},
	} {
		var s train.Settings
		b, err := os.ReadFile(filepath.Join(train.StageDir(out, i), train.ConfigName))
		if err != nil || json.Unmarshal(b, &s) != nil {
			t.Fatalf("stage %d: config %v", i+1, err)
		}
		if s.Preset != want.preset || s.Epochs != want.epochs || s.Init != want.init || s.SelectBy != train.SelectSpikecount || s.BatchSize != 4 || s.Model.Width != 4 {
			t.Errorf("stage %d settings: preset %s, %d epochs, init %q, select %s, batch %d, width %d; want %+v",
				i+1, s.Preset, s.Epochs, s.Init, s.SelectBy, s.BatchSize, s.Model.Width, want)
		}
	}
	last, err := os.ReadFile(filepath.Join(train.StageDir(out, 2), train.ModelName))
	if err != nil {
		t.Fatal(err)
	}
	model, err := os.ReadFile(filepath.Join(out, train.ModelName))
	if err != nil || !bytes.Equal(model, last) {
		t.Errorf("run's model: %v, equal to the last stage's: %v", err, bytes.Equal(model, last))
	}
	// Run again: every stage has finished, nothing changes.
	ckpt := filepath.Join(train.StageDir(out, 2), train.CheckpointName)
	before, _ := os.ReadFile(ckpt)
	if _, msg, err := run(); err != nil {
		t.Fatalf("again: %v\n%s", err, msg)
	}
	if after, _ := os.ReadFile(ckpt); !bytes.Equal(before, after) {
		t.Error("running a finished staged run again changed its last checkpoint")
	}
	// Raising the first stage's epochs would change the start of the
	// second, which has begun from the old one: refused before training.
	first := filepath.Join(train.StageDir(out, 0), train.CheckpointName)
	before, _ = os.ReadFile(first)
	var e bytes.Buffer
	err = cmdTrainIO(io.Discard, &e).Execute(context.Background(), []string{"--data", data, "--out", out, "--config", cfg, "--stages", "cpu:3,cpu:1,cpu-spikes:1", "--workers", "1", "--quiet"}, &e)
	if err == nil || !strings.Contains(err.Error(), "3 epochs, was 2, but") {
		t.Errorf("stage 1 extended under stage 2: error %v", err)
	}
	if after, _ := os.ReadFile(first); !bytes.Equal(before, after) {
		t.Error("the refused extension trained stage 1")
	}
	// Had the stage changed anyway (here: its latest weights file altered
	// by hand), the export would not hand the change on.
	latest := filepath.Join(train.StageDir(out, 0), train.LatestName)
	os.WriteFile(latest, []byte("other weights"), 0o644)
	err = cmdTrainIO(io.Discard, &e).Execute(context.Background(), []string{"--data", data, "--out", out, "--config", cfg, "--stages", "cpu:2,cpu:1,cpu-spikes:1", "--workers", "1", "--quiet"}, &e)
	if err == nil || !strings.Contains(err.Error(), "latest weights changed after") {
		t.Errorf("changed start of stage 2: error %v", err)
	}
	if _, err := os.Stat(latest + ".new"); !os.IsNotExist(err) {
		t.Errorf("a temporary export left behind: %v", err)
	}
}

func TestTrainStagesUsage(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--stages", "cpu", "--lr-at", "3:0.001"}, "--stages takes --lr-at only in a --config file"},
		{[]string{"--stages", "cpu", "--preset", "cpu", "--epochs", "3"}, "--stages takes --epochs, --preset only"},
		{[]string{"--stages", "cpu:0"}, "epochs must be a positive integer"},
		{[]string{"--stages", "cpu,cpu-spikes,nope"}, `stage 3 "nope"`},
		{[]string{"--stages", "cpu-spikes"}, "init"},
	} {
		_, err := runTrainCmd(append([]string{"--data", dir, "--out", filepath.Join(dir, "run")}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one containing %q", tc.args, err, tc.want)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("a refused staged run left %d files", len(ents))
	}
}
