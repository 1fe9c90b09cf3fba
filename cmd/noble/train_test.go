package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/dataset"
	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/internal/cli"
	"github.com/noble-neuro/noble/internal/testutil"
	"github.com/noble-neuro/noble/sim"
	"github.com/noble-neuro/noble/train"
)

// trainSource is a stand-in simulator: −70 mV plus 20 mV/nA during the
// step.
type trainSource struct{}

func (trainSource) Cell() string     { return "fake" }
func (trainSource) Models() []string { return []string{"a", "b", "c", "d"} }
func (trainSource) Simulate(ctx context.Context, m int, p sim.Protocol, dst []float64) ([]float64, error) {
	p = p.WithDefaults()
	v := make([]float64, p.Steps()+1)
	for i := range v {
		v[i] = -70
		if t := float64(i) * p.Dt; t >= p.Delay && t < p.Delay+p.Dur {
			v[i] += 20 * p.Amp * (1 + float64(m)/4)
		}
	}
	return v, nil
}

func trainDataset(t *testing.T) string { return trainDatasetOf(t, trainSource{}, 0) }

// trainDatasetOf generates the tests' small dataset from src, its step
// currents drawn on [lo, 0.5] nA.
func trainDatasetOf(t *testing.T, src dataset.Source, lo float64) string {
	t.Helper()
	emb := []dataset.Embedding{{IThr: 0.1, SThr: 100}, {IThr: 0.12, SThr: 90}, {IThr: 0.14, SThr: 80}, {IThr: 0.11, SThr: 95}}
	g, err := dataset.NewGeneration(src.Cell(), src.Models(), emb, &dataset.Settings{
		Traces: 8, TestSeenTraces: 2, TestHeldTraces: 2, TracesPerShard: 4, TestModels: []int{3},
		Protocol: dataset.Protocol{Window: 12, Margin: 1.2, Delay: 2, Dur: 6},
		Stimulus: &dataset.Stimulus{Mode: 0.15, Lo: lo, Hi: 0.5, Scale: 0.2, Shape: 3},
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := dataset.Generate(context.Background(), src, g, dir, &dataset.Options{Workers: 1}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func runTrainCmd(args ...string) (string, error) {
	var stderr bytes.Buffer
	err := cmdTrain().Execute(context.Background(), args, &stderr)
	return stderr.String(), err
}

func TestTrainCommand(t *testing.T) {
	data := trainDataset(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "tiny.json")
	os.WriteFile(cfg, []byte(`{"preset":"cpu","batch_size":4,"model":{"width":4,"layers":2,"modes":4,"lifting_channels":4,"projection_channels":4,"mlp_hidden":2}}`), 0o644)
	out := filepath.Join(dir, "run")
	if msg, err := runTrainCmd("--data", data, "--out", out, "--config", cfg, "--epochs", "2", "--quiet"); err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	var s train.Settings
	b, _ := os.ReadFile(filepath.Join(out, train.ConfigName))
	if err := json.Unmarshal(b, &s); err != nil || s.Epochs != 2 || s.BatchSize != 4 || s.Preset != "cpu" || s.EvalTraces != 128 {
		t.Errorf("config.json: %+v (%v)", s, err)
	}
	for _, f := range []string{train.ModelName, train.CheckpointName, train.MetricsName} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	// Extending the run to 3 epochs resumes it, here keeping the model of
	// every epoch and cutting the learning rate at epoch 3; another batch
	// size is refused.
	if msg, err := runTrainCmd("--data", data, "--out", out, "--config", cfg, "--epochs", "3", "--snapshot-every", "1", "--lr-at", "3:0.0016", "--quiet"); err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	b, _ = os.ReadFile(filepath.Join(out, train.MetricsName))
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); !strings.Contains(lines[len(lines)-1], `"lr":0.0016,`) {
		t.Errorf("epoch 3 after --lr-at 3:0.0016: %s", lines[len(lines)-1])
	}
	for epoch, want := range []bool{false, false, false, true} {
		if _, err := os.Stat(filepath.Join(out, train.SnapshotName(epoch))); (err == nil) != want {
			t.Errorf("snapshot of epoch %d written %v, want %v", epoch, err == nil, want)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(out, train.MetricsName)); strings.Count(string(b), "\n") != 3 {
		t.Errorf("metrics.jsonl after extending to 3 epochs:\n%s", b)
	}
	// The latest weights as a model, and a second run started from them.
	latest := filepath.Join(dir, "latest.safetensors")
	if msg, err := runTrainCmd("--out", out, "--export", latest); err != nil {
		t.Fatalf("--export: %v\n%s", err, msg)
	}
	m, meta, err := fno.LoadFile(latest)
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	if p, err := train.ReadProvenance(meta); err != nil || p.Selected != "latest" || p.Epoch != 3 {
		t.Errorf("exported provenance %+v (%v)", p, err)
	}
	second := filepath.Join(dir, "second")
	if msg, err := runTrainCmd("--data", data, "--out", second, "--config", cfg, "--epochs", "1", "--init", latest, "--quiet"); err != nil {
		t.Fatalf("--init: %v\n%s", err, msg)
	}
	b, _ = os.ReadFile(filepath.Join(second, train.ConfigName))
	if err := json.Unmarshal(b, &s); err != nil || s.Init != latest {
		t.Errorf("config.json of the --init run: %+v (%v)", s, err)
	}

	// The reference code's options are recorded in config.json, and the
	// metrics have all four relative losses.
	opts := filepath.Join(dir, "options")
	if msg, err := runTrainCmd("--data", data, "--out", opts, "--config", cfg, "--epochs", "1", "--optimizer", "adamw", "--weight-decay", "0.001",
		"--loss", "h1", "--loss-form", "absolute", "--plateau-on", "test_l4", "--quiet"); err != nil {
		t.Fatalf("options: %v\n%s", err, msg)
	}
	s = train.Settings{}
	b, _ = os.ReadFile(filepath.Join(opts, train.ConfigName))
	if err := json.Unmarshal(b, &s); err != nil || s.Optimizer != "adamw" || s.WeightDecay != 0.001 || s.Loss != "h1" ||
		s.LossForm != "absolute" || s.PlateauOn != "test_l4" || s.FeatureLossForm != "relative" {
		t.Errorf("config.json with the options: %+v (%v)", s, err)
	}
	if strings.Contains(string(b), "group_norm") {
		t.Errorf("config.json without --group-norm mentions group_norm: %s", b)
	}
	// --group-norm is recorded in config.json and the model file, and is
	// fixed for the run.
	gnRun := filepath.Join(dir, "groupnorm")
	if msg, err := runTrainCmd("--data", data, "--out", gnRun, "--config", cfg, "--epochs", "1", "--group-norm", "--quiet"); err != nil {
		t.Fatalf("--group-norm: %v\n%s", err, msg)
	}
	s = train.Settings{}
	b, _ = os.ReadFile(filepath.Join(gnRun, train.ConfigName))
	if err := json.Unmarshal(b, &s); err != nil || !s.Model.GroupNorm {
		t.Errorf("config.json of the --group-norm run: %+v (%v)", s, err)
	}
	if gm, _, err := fno.LoadFile(filepath.Join(gnRun, train.ModelName)); err != nil || !gm.Config().GroupNorm {
		t.Errorf("model file of the --group-norm run: %v", err)
	} else {
		gm.Close()
	}
	if _, err := runTrainCmd("--data", data, "--out", gnRun, "--config", cfg, "--epochs", "2", "--quiet"); !errors.Is(err, train.ErrCheckpoint) ||
		!strings.Contains(err.Error(), "model:") {
		t.Errorf("resuming a --group-norm run without it: %v", err)
	}
	// The recipe options are recorded in config.json, and only when on.
	recipe := filepath.Join(dir, "recipe")
	if msg, err := runTrainCmd("--data", data, "--out", recipe, "--config", cfg, "--epochs", "2", "--ema", "0.9", "--schedule", "cosine",
		"--lr-min", "0.0001", "--warmup-steps", "1", "--decimate", "2", "--quiet"); err != nil {
		t.Fatalf("recipe options: %v\n%s", err, msg)
	}
	s = train.Settings{}
	b, _ = os.ReadFile(filepath.Join(recipe, train.ConfigName))
	if err := json.Unmarshal(b, &s); err != nil || s.EMA != 0.9 || s.Schedule != "cosine" || s.LRMin != 0.0001 || s.WarmupSteps != 1 ||
		s.Decimate != 2 || s.LRFactor != 0 || s.PlateauOn != "" {
		t.Errorf("config.json with the recipe options: %+v (%v)", s, err)
	}
	b, _ = os.ReadFile(filepath.Join(opts, train.ConfigName))
	for _, k := range []string{`"ema"`, `"schedule"`, `"lr_min"`, `"warmup_steps"`, `"decimate"`} {
		if strings.Contains(string(b), k) {
			t.Errorf("config.json without the recipe options has %s: %s", k, b)
		}
	}
	b, _ = os.ReadFile(filepath.Join(opts, train.MetricsName))
	for _, k := range []string{`"test_held_l1":`, `"test_held_l2":`, `"test_held_l4":`, `"test_held_h1":`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("metrics.jsonl lacks %s: %s", k, b)
		}
	}

	// Fine-tuning the first run's model: the feature loss is logged per
	// epoch.
	fine := filepath.Join(dir, "fine")
	msg, err := runTrainCmd("--data", data, "--out", fine, "--config", cfg, "--epochs", "1", "--init", latest,
		"--feature-loss", "sag_amplitude=25,spike_count=1", "--feature-loss-form", "absolute", "--quiet")
	if err != nil {
		t.Fatalf("--feature-loss: %v\n%s", err, msg)
	}
	s = train.Settings{}
	b, _ = os.ReadFile(filepath.Join(fine, train.ConfigName))
	if err := json.Unmarshal(b, &s); err != nil || s.FeatureLoss != "sag_amplitude=25,spike_count=1" || s.FeatureLossForm != "absolute" {
		t.Errorf("config.json of the fine-tuning run: %+v (%v)", s, err)
	}
	var fm train.Metrics
	b, _ = os.ReadFile(filepath.Join(fine, train.MetricsName))
	if err := json.Unmarshal(b, &fm); err != nil || fm.TrainFeatureLoss == nil || !(*fm.TrainFeatureLoss >= 0) ||
		len(fm.TrainFeatureTerms) != 2 || !strings.Contains(string(b), `"train_feature_loss":`) {
		t.Errorf("metrics.jsonl of the fine-tuning run: %s (%v)", b, err)
	}

	// This cell never fires, so no epoch could be selected by its spikes.
	if _, err := runTrainCmd("--data", data, "--out", filepath.Join(dir, "third"), "--config", cfg, "--select-by", "spikecount", "--quiet"); !errors.Is(err, train.ErrSettings) ||
		!strings.Contains(err.Error(), "none of the 2 evaluated test_held traces fires") {
		t.Errorf("--select-by spikecount on a silent cell: %v", err)
	}

	os.WriteFile(cfg, []byte(`{"preset":"cpu","batch_size":2,"model":{"width":4,"layers":2,"modes":4,"lifting_channels":4,"projection_channels":4,"mlp_hidden":2}}`), 0o644)
	if _, err := runTrainCmd("--data", data, "--out", out, "--config", cfg, "--epochs", "4", "--quiet"); !errors.Is(err, train.ErrCheckpoint) {
		t.Errorf("other settings: %v", err)
	}
}

func TestTrainCommandUsage(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"batch":4}`), 0o644)
	for _, tc := range []struct {
		args  []string
		usage bool
		msg   string
	}{
		{[]string{"--out", dir}, true, "--data and --out are required"},
		{[]string{"--export", filepath.Join(dir, "m.safetensors")}, true, "--export needs the run directory --out"},
		{[]string{"--out", dir, "--export", filepath.Join(dir, "m.safetensors")}, false, "checkpoint.safetensors"},
		{[]string{"--data", dir, "--out", dir, "--preset", "gpu"}, true, `preset "gpu"`},
		{[]string{"--data", dir, "--out", dir, "--epochs", "-2"}, true, "--epochs -2"},
		{[]string{"--data", dir, "--out", dir, "--snapshot-every", "-3"}, true, "--snapshot-every -3"},
		{[]string{"--data", dir, "--out", dir, "--lr-at", "3"}, true, `"3": want EPOCH:LR`},
		{[]string{"--data", dir, "--out", dir, "--lr-at", "0:0.001"}, true, `epoch "0" must be a positive integer`},
		{[]string{"--data", dir, "--out", dir, "--lr-at", "2:0.001, 5:-1"}, true, `learning rate "-1" must be a positive number`},
		{[]string{"--data", dir, "--out", dir, "--lr-at", "2:0.001,2:0.002"}, true, "epoch 2 given twice"},
		{[]string{"--data", dir, "--out", dir, "--select-by", "best"}, true, `select_by = "best"`},
		{[]string{"--data", dir, "--out", dir, "--optimizer", "sgd"}, true, `optimizer = "sgd"`},
		{[]string{"--data", dir, "--out", dir, "--weight-decay", "-0.5"}, true, "--weight-decay -0.5"},
		{[]string{"--data", dir, "--out", dir, "--loss", "l3"}, true, `loss = "l3"`},
		{[]string{"--data", dir, "--out", dir, "--loss-form", "abs"}, true, `loss_form = "abs"`},
		{[]string{"--data", dir, "--out", dir, "--plateau-on", "test"}, true, `plateau_on = "test"`},
		{[]string{"--data", dir, "--out", dir, "--feature-loss-form", "x"}, true, `feature_loss_form = "x"`},
		{[]string{"--data", dir, "--out", dir, "--preset", "finetune"}, true, "fine-tuning needs init"},
		{[]string{"--data", dir, "--out", dir, "--preset", "cpu-spikes"}, true, "fine-tuning needs init"},
		{[]string{"--data", dir, "--out", dir, "--feature-loss", "sag_amplitude=25"}, true, "fine-tuning needs init"},
		{[]string{"--data", dir, "--out", dir, "--feature-loss", "bogus=1"}, true,
			`feature_loss = "bogus=1": featloss: spec element 1 "bogus=1": featloss: unknown feature "bogus" (known: sag_amplitude, AP1_width, spike_count, spike_timing, spike_envelope)`},
		{[]string{"--data", dir, "--out", dir, "--init", "m.safetensors", "--feature-loss", "sag_amplitude=-1"}, true, "-1 is negative"},
		{[]string{"--data", dir, "--out", dir, "--feature-loss", "sag_amplitude=NaN"}, true, "invalid weight: NaN"},
		{[]string{"--data", dir, "--out", dir, "--feature-loss", "spike_count=+Inf"}, true, "+Inf is infinite"},
		{[]string{"--data", dir, "--out", dir, "--feature-loss", "spike_count=1,spike_count=2"}, true, "duplicate feature spike_count"},
		{[]string{"--data", dir, "--out", dir, "--feature-loss", "spike_count:1"}, true, "malformed spec: want name=weight"},
		{[]string{"--data", dir, "--out", dir, "--ema", "1"}, true, "ema = 1: the decay must be in [0, 1)"},
		{[]string{"--data", dir, "--out", dir, "--ema", "NaN"}, true, "ema = NaN"},
		{[]string{"--data", dir, "--out", dir, "--schedule", "step"}, true, `schedule = "step"`},
		{[]string{"--data", dir, "--out", dir, "--schedule", "cosine", "--lr-min", "1"}, true, "lr_min = 1: must be in [0, lr = 0.004]"},
		{[]string{"--data", dir, "--out", dir, "--lr-min", "-0.5"}, true, "--lr-min -0.5"},
		{[]string{"--data", dir, "--out", dir, "--warmup-steps", "-2"}, true, "--warmup-steps -2"},
		{[]string{"--data", dir, "--out", dir, "--schedule", "cosine", "--plateau-on", "train"}, true, `plateau_on = "train": a plateau setting`},
		{[]string{"--data", dir, "--out", dir, "--schedule", "cosine", "--lr-at", "2:0.001"}, true, "lr_at = map[2:0.001]"},
		{[]string{"--data", dir, "--out", dir, "--decimate", "0"}, true, "--decimate 0: must be ≥ 1"},
		{[]string{"--data", dir, "--out", dir, "--decimate", "2", "--init", "m.safetensors", "--feature-loss", "sag_amplitude=1"}, true, "decimate = 2: a feature loss"},
		{[]string{"--data", dir, "--out", dir, "--config", bad}, false, `bad.json: train: invalid settings: json: unknown field "batch"`},
		{[]string{"--data", dir, "--out", dir}, false, "manifest.json"},
	} {
		t.Run(fmt.Sprint(tc.args), func(t *testing.T) {
			_, err := runTrainCmd(tc.args...)
			if err == nil || errors.Is(err, cli.ErrUsage) != tc.usage || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v (usage %v), want %q (usage %v)", err, errors.Is(err, cli.ErrUsage), tc.msg, tc.usage)
			}
			if tc.usage && cli.ExitCode(err) != 2 {
				t.Errorf("exit code %d, want 2", cli.ExitCode(err))
			}
		})
	}
}

// TestTrainInitTruncated reproduces issue 20: "noble train --init" of a
// truncated model file failed but left an empty run directory behind. The
// error must stand, naming the file, and --out must not exist afterwards.
func TestTrainInitTruncated(t *testing.T) {
	data := trainDataset(t)
	dir := t.TempDir()
	_, path := tinyModel(t, dir)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.safetensors")
	if err := os.WriteFile(truncated, b[:len(b)-100], 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "runs", "run")
	msg, err := runTrainCmd("--data", data, "--out", out, "--preset", "cpu", "--init", truncated, "--quiet")
	if err == nil || cli.ExitCode(err) != 1 || !strings.Contains(err.Error(), "truncated.safetensors") {
		t.Errorf("--init of a truncated model: error %v (exit %d), want one naming the file\n%s", err, cli.ExitCode(err), msg)
	}
	if _, err := os.Stat(filepath.Join(dir, "runs")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused run left its directory behind (%v)", err)
	}
}

// TestTrainProgress checks what a terminal shows of a run (issue 20: no
// progress while evaluating): a summary line for the epoch's training and
// for the evaluation of each test split, and the epoch's log line whole.
func TestTrainProgress(t *testing.T) {
	data := trainDataset(t)
	dir := t.TempDir()
	s := &train.Settings{Preset: "cpu", Epochs: 1, BatchSize: 4,
		Model: train.ModelConfig{Width: 4, Layers: 2, Modes: 4, LiftingChannels: 4, ProjectionChannels: 4, MLPHidden: 2}}
	var stdout bytes.Buffer
	var stderr testutil.Terminal
	if err := runTrain(context.Background(), trainInput{dir: data}, filepath.Join(dir, "run"), s, false, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	screen := testutil.Screen(stderr.String())
	for _, want := range []string{
		"epoch 1: 8/8 traces in ",
		"epoch 1: evaluating test_held: 2/2 traces in ",
		"epoch 1: evaluating test_seen: 2/2 traces in ",
		"noble train: epoch 1: train ",
	} {
		if !slices.ContainsFunc(screen, func(l string) bool { return strings.HasPrefix(l, want) }) {
			t.Errorf("no line %q… on the screen:\n%s", want, strings.Join(screen, "\n"))
		}
	}
	for _, l := range screen {
		if strings.HasPrefix(l, "noble train: epoch") && !strings.HasSuffix(l, " s") && !strings.HasSuffix(l, " s (best)") {
			t.Errorf("epoch line mixed with another: %q", l)
		}
	}
	var quiet testutil.Terminal
	if err := runTrain(context.Background(), trainInput{dir: data}, filepath.Join(dir, "quiet"), s, true, &stdout, &quiet); err != nil || quiet.Len() > 0 {
		t.Errorf("--quiet: stderr %q (%v)", quiet.String(), err)
	}
}

func TestEpochLine(t *testing.T) {
	l2, l4, f := 0.25, 0.125, 1.5
	for _, c := range []struct {
		m    train.Metrics
		want string
	}{
		{train.Metrics{Epoch: 3, TrainLoss: 0.5, LR: 0.004, Seconds: 12}, "noble train: epoch 3: train 0.5, lr 0.004, 12 s"},
		{train.Metrics{Epoch: 3, TrainLoss: 0.5, TrainFeatureLoss: &f, HeldL2: &l2, HeldL4: &l4, LR: 5e-4, Seconds: 12, Best: true},
			"noble train: epoch 3: train 0.5 + features 1.5, held-out L2 0.25 L4 0.125, lr 0.0005, 12 s (best)"},
	} {
		if got := epochLine(c.m); got != c.want {
			t.Errorf("epochLine = %q, want %q", got, c.want)
		}
	}
}

func TestFiringSummary(t *testing.T) {
	for _, c := range []struct {
		s    *train.SpikeStats
		want string
	}{
		{nil, ""},
		{&train.SpikeStats{}, ""},
		{&train.SpikeStats{Firing: 44, SurrogateFiring: 12, MissedFiring: 33, MissedNonFiring: 1}, " (fires on 11 of 44 firing traces)"},
	} {
		if got := firing(c.s); got != c.want {
			t.Errorf("firing(%+v) = %q, want %q", c.s, got, c.want)
		}
	}
}
