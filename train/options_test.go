package train

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/fno"
)

// TestSettingsOptions checks the presets and spellings of the optimizer,
// loss and scheduler options, and that resolving is idempotent (a run's
// config.json, read back, resolves to itself).
func TestSettingsOptions(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    Settings
		check func(Settings) bool
	}{
		{"finetune", Settings{Preset: "finetune", Init: "m.safetensors"}, func(s Settings) bool {
			return s.Optimizer == "adamw" && s.LR == 5e-4 && s.LRFactor == 0.4 && s.Patience == 12 && s.BatchSize == 64 &&
				s.Epochs == 300 && s.FeatureLoss == "sag_amplitude=25" && s.FeatureLossForm == "relative" &&
				s.Loss == "l4" && s.LossForm == "relative" && s.PlateauOn == "train" && s.WeightDecay == 0
		}},
		{"finetune without feature loss", Settings{Preset: "finetune", FeatureLoss: "none"}, func(s Settings) bool {
			return s.FeatureLoss == "none" && !s.HasFeatureLoss() && s.Optimizer == "adamw"
		}},
		{"cpu-spikes", Settings{Preset: "cpu-spikes", Init: "m.safetensors"}, func(s Settings) bool {
			return s.Optimizer == "adam" && s.LR == 1e-4 && s.LRFactor == 0.4 && s.Patience == 12 && s.BatchSize == 16 &&
				s.Epochs == 32 && s.TracesPerEpoch == 1024 && s.EvalTraces == 128 && s.CheckpointBatches == 16 &&
				s.FeatureLoss == "spike_count=4,spike_timing=4,spike_envelope=4" && s.SelectBy == "spikecount" &&
				s.Loss == "l1" && s.LossP == 1
		}},
		{"cpu-spikes as begun before the envelope", Settings{Preset: "cpu-spikes", Init: "m.safetensors", Loss: "l4", FeatureLoss: "spike_count=4,spike_timing=4"}, func(s Settings) bool {
			return s.Loss == "l4" && s.LossP == 4 && s.FeatureLoss == "spike_count=4,spike_timing=4"
		}},
		{"cpu-spikes with loss_p 4", Settings{Preset: "cpu-spikes", Init: "m.safetensors", LossP: 4}, func(s Settings) bool {
			return s.Loss == "l4" && s.LossP == 4
		}},
		{"cpu keeps l4", Settings{Preset: "cpu"}, func(s Settings) bool { return s.Loss == "l4" && s.LossP == 4 }},
		{"cpu-spikes selected by loss", Settings{Preset: "cpu-spikes", Init: "m.safetensors", SelectBy: "loss"}, func(s Settings) bool {
			return s.SelectBy == "loss" && s.HasFeatureLoss()
		}},
		{"cpu selects by loss", Settings{Preset: "cpu"}, func(s Settings) bool { return s.SelectBy == "loss" }},
		{"loss_p 2", Settings{LossP: 2}, func(s Settings) bool { return s.Loss == "l2" && s.LossP == 2 }},
		{"loss l1", Settings{Loss: "l1"}, func(s Settings) bool { return s.Loss == "l1" && s.LossP == 1 }},
		{"loss h1 absolute", Settings{Loss: "h1", LossForm: "absolute"}, func(s Settings) bool {
			return s.LossP == 0 && s.LossForm == "absolute"
		}},
		{"loss and loss_p agree", Settings{Loss: "l2", LossP: 2}, func(s Settings) bool { return s.Loss == "l2" }},
		{"adamw", Settings{Optimizer: "adamw", WeightDecay: 1e-4, PlateauOn: "test_l4"}, func(s Settings) bool {
			return s.Optimizer == "adamw" && s.WeightDecay == 1e-4 && s.LR == 0.004 && s.PlateauOn == "test_l4"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := tc.in.Resolved()
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(r) {
				t.Errorf("Resolved() = %+v", r)
			}
			again, err := r.Resolved()
			if err != nil || sameRun(again, r) != "" {
				t.Errorf("resolved twice: %v, differs in %s", err, sameRun(again, r))
			}
		})
	}
}

// TestTrainingLoss checks which loss each setting trains with: the
// relative L2 and L4 through TrainBatch (nil), the others as neuralop's.
func TestTrainingLoss(t *testing.T) {
	for _, tc := range []struct {
		loss, form string
		want       fno.Loss
	}{
		{"l4", "relative", nil},
		{"l2", "relative", nil},
		{"l1", "relative", fno.LpLoss{P: 1}},
		{"l4", "absolute", fno.LpLoss{P: 4, Absolute: true}},
		{"l1", "absolute", fno.LpLoss{P: 1, Absolute: true}},
		{"h1", "relative", fno.H1Loss{}},
		{"h1", "absolute", fno.H1Loss{Absolute: true}},
	} {
		s, err := Settings{Loss: tc.loss, LossForm: tc.form}.Resolved()
		if err != nil {
			t.Fatal(err)
		}
		if got := trainingLoss(s); got != tc.want {
			t.Errorf("loss %s %s: trainingLoss = %#v, want %#v", tc.loss, tc.form, got, tc.want)
		}
	}
}

// optionSettings are tinySettings with every new option away from its
// default.
func optionSettings(epochs int) *Settings {
	s := tinySettings(epochs)
	s.Optimizer, s.WeightDecay = OptimizerAdamW, 0.01
	s.Loss, s.LossForm = LossH1, FormAbsolute
	s.PlateauOn = PlateauTestL4
	s.LRFactor, s.Patience = 0.5, 0
	return s
}

// TestResumeExactOptions is TestResumeExact under AdamW with weight decay,
// the absolute H1 loss and the plateau on the test L4: a run of 2 epochs
// equals, bit for bit, a run of 1 epoch resumed, and one cancelled in the
// middle of its second epoch and resumed.
func TestResumeExactOptions(t *testing.T) {
	if testing.Short() {
		t.Skip("trains three runs")
	}
	d := newMemData(5, 1, 1, 6)
	base := t.TempDir()
	whole := filepath.Join(base, "whole")
	res := mustTrain(t, context.Background(), d, whole, optionSettings(2), nil)
	want := readRun(t, whole)
	m := res.Metrics[0]
	for name, v := range map[string]*float64{"held L1": m.HeldL1, "held H1": m.HeldH1, "seen L1": m.SeenL1, "seen H1": m.SeenH1} {
		if v == nil || !(*v > 0) {
			t.Errorf("epoch 1: %s = %v, want a positive value", name, v)
		}
	}

	split := filepath.Join(base, "split")
	mustTrain(t, context.Background(), d, split, optionSettings(1), nil)
	mustTrain(t, context.Background(), d, split, optionSettings(2), nil)
	compareRuns(t, "1+1 epochs", readRun(t, split), want)

	cancelled := filepath.Join(base, "cancelled")
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hooks{Batch: func(epoch, done, total int) {
		if epoch == 2 && done == 3*4 {
			cancel()
		}
	}}
	if _, err := Train(ctx, d, cancelled, optionSettings(2), h); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	cancel()
	mustTrain(t, context.Background(), d, cancelled, optionSettings(2), nil)
	compareRuns(t, "cancelled", readRun(t, cancelled), want)

	// The options are fixed for a run.
	for field, change := range map[string]func(*Settings){
		"optimizer":    func(s *Settings) { s.Optimizer = OptimizerAdam },
		"weight_decay": func(s *Settings) { s.WeightDecay = 0 },
		"loss":         func(s *Settings) { s.Loss = LossL2 },
		"loss_form":    func(s *Settings) { s.LossForm = FormRelative },
		"plateau_on":   func(s *Settings) { s.PlateauOn = PlateauTrain },
	} {
		s := optionSettings(3)
		change(s)
		_, err := Train(context.Background(), d, whole, s, nil)
		if !errors.Is(err, ErrCheckpoint) || !strings.Contains(err.Error(), field+":") {
			t.Errorf("resume with another %s: %v", field, err)
		}
	}
}

// TestResumeBeforeOptions resumes a checkpoint whose settings predate the
// optimizer, loss and scheduler options: it continues as the run it was
// (Adam, relative L4, plateau on the training loss).
func TestResumeBeforeOptions(t *testing.T) {
	d := newMemData(2, 0, 1, 4)
	dir := t.TempDir()
	mustTrain(t, context.Background(), d, dir, tinySettings(1), nil)
	path := filepath.Join(dir, CheckpointName)
	st, ts, err := readCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	st.Settings.Optimizer, st.Settings.Loss, st.Settings.LossForm = "", "", ""
	st.Settings.PlateauOn, st.Settings.FeatureLossForm = "", ""
	if err := writeCheckpoint(path, st, ts[0], &fno.Adam{M: ts[1], V: ts[2], LR: st.LR, Step: st.AdamStep}, ts[3]); err != nil {
		t.Fatal(err)
	}
	res := mustTrain(t, context.Background(), d, dir, tinySettings(2), nil)
	if !res.Resumed || res.Epochs != 2 || res.Settings.Optimizer != OptimizerAdam || res.Settings.Loss != LossL4 {
		t.Errorf("resumed %v, %d epochs, settings %+v", res.Resumed, res.Epochs, res.Settings)
	}
}

// TestOptionsRefused checks the refusal that needs the data: the plateau
// on the test L4 without a test split, before any training.
func TestOptionsRefused(t *testing.T) {
	s := tinySettings(1)
	s.PlateauOn = PlateauTestL4
	_, err := Train(context.Background(), newMemData(2, 0, 0, 4), t.TempDir(), s, nil)
	if !errors.Is(err, ErrSettings) || !strings.Contains(err.Error(), "plateau_on") {
		t.Errorf("plateau_on test_l4 without a test split: %v", err)
	}
}
