package train

import (
	"context"
	"errors"
	"github.com/noble-neuro/noble/surrogate"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestSettingsResolved(t *testing.T) {
	p, err := (&Settings{}).Resolved()
	if err != nil {
		t.Fatal(err)
	}
	want := Settings{
		Preset: "paper", Epochs: 300, BatchSize: 64, LR: 0.004, LRFactor: 0.4, Patience: 4, LossP: 4,
		TracesPerEpoch: -1, EvalTraces: -1, CheckpointBatches: -1, ShardBuffer: 4, SelectBy: "loss",
		Optimizer: "adam", Loss: "l4", LossForm: "relative", PlateauOn: "train", FeatureLossForm: "relative",
		Model: ModelConfig{Width: 24, Layers: 12, Modes: 129, LiftingChannels: 48, ProjectionChannels: 96, MLPHidden: 12},
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("paper preset = %+v, want %+v", p, want)
	}
	if n := p.FNO().NumParams(); n != 1803001 {
		t.Errorf("paper architecture has %d parameters, want 1,803,001", n)
	}
	c, err := Settings{Preset: "cpu", Epochs: 7, Model: ModelConfig{Width: 8}}.Resolved()
	if err != nil {
		t.Fatal(err)
	}
	if c.Epochs != 7 || c.BatchSize != 16 || c.TracesPerEpoch != 1024 || c.EvalTraces != 128 ||
		c.CheckpointBatches != 16 || c.LR != 0.004 || c.Model.Width != 8 || c.Model.Layers != 12 {
		t.Errorf("cpu preset with epochs 7, width 8 = %+v", c)
	}
	g, err := Settings{Model: ModelConfig{GroupNorm: true}}.Resolved()
	if f := g.FNO(); err != nil || !f.GroupNorm || f.NumParams() != 1803001+12*2*2*24 {
		t.Errorf("group_norm: %+v (%v)", g.Model, err)
	}
	a, err := Settings{TracesPerEpoch: -5, Preset: "cpu"}.Resolved()
	if err != nil || a.TracesPerEpoch != -1 {
		t.Errorf("traces_per_epoch -5 → %d (%v), want -1 (all)", a.TracesPerEpoch, err)
	}
}

func TestSettingsInvalid(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    Settings
		msg  string
	}{
		{"preset", Settings{Preset: "gpu"}, `preset "gpu"`},
		{"epochs", Settings{Epochs: -1}, "epochs = -1"},
		{"batch", Settings{BatchSize: -64}, "batch_size = -64"},
		{"lr", Settings{LR: -0.1}, "lr = -0.1"},
		{"lr nan", Settings{LR: math.NaN()}, "lr = NaN"},
		{"factor", Settings{LRFactor: 1.5}, "lr_factor = 1.5"},
		{"patience", Settings{Patience: -2}, "lr_patience = -2"},
		{"loss_p", Settings{LossP: 3}, "loss_p = 3"},
		{"loss", Settings{Loss: "l3"}, `loss = "l3"`},
		{"loss_p contradicts loss", Settings{Loss: "h1", LossP: 4}, `loss_p = 4 contradicts loss = "h1"`},
		{"loss_form", Settings{LossForm: "rel"}, `loss_form = "rel"`},
		{"optimizer", Settings{Optimizer: "sgd"}, `optimizer = "sgd": want "adam" or "adamw"`},
		{"weight_decay", Settings{WeightDecay: -0.1}, "weight_decay = -0.1"},
		{"weight_decay inf", Settings{WeightDecay: math.Inf(1)}, "weight_decay = +Inf"},
		{"plateau_on", Settings{PlateauOn: "test"}, `plateau_on = "test": want "train" or "test_l4"`},
		{"feature_loss_form", Settings{FeatureLossForm: "squared"}, `feature_loss_form = "squared"`},
		{"feature_loss without init", Settings{FeatureLoss: "sag_amplitude=25"}, `feature_loss = "sag_amplitude=25": fine-tuning needs init`},
		{"finetune without init", Settings{Preset: "finetune"}, `feature_loss = "sag_amplitude=25": fine-tuning needs init`},
		{"cpu-spikes without init", Settings{Preset: "cpu-spikes"}, `feature_loss = "spike_count=4,spike_timing=4,spike_envelope=4": fine-tuning needs init`},
		{"unknown preset", Settings{Preset: "gpu"}, `preset "gpu": want "paper", "cpu", "finetune" or "cpu-spikes"`},
		{"clip", Settings{ClipNorm: -1}, "clip_norm = -1"},
		{"buffer", Settings{ShardBuffer: -1}, "shard_buffer = -1"},
		{"workers", Settings{Workers: -1}, "workers = -1"},
		{"chunk", Settings{Chunk: -3}, "chunk = -3"},
		{"model", Settings{Model: ModelConfig{Modes: -4}}, "Modes = -4"},
		{"lr_at epoch", Settings{LRAt: map[int]float64{0: 0.001}}, "lr_at: epoch 0"},
		{"lr_at rate", Settings{LRAt: map[int]float64{3: 0.001, 5: -1}}, "lr_at: epoch 5: learning rate -1"},
		{"lr_at nan", Settings{LRAt: map[int]float64{2: math.NaN()}}, "lr_at: epoch 2: learning rate NaN"},
		{"select_by", Settings{SelectBy: "best"}, `select_by = "best": want "loss" or "spikecount"`},
		{"embedding type", Settings{Embedding: &surrogate.Embedding{AmpType: "log", AmpFrequencies: 9}}, `embedding.amp_type = "log"`},
		{"embedding feature type", Settings{Embedding: &surrogate.Embedding{FeatureType: "sin"}}, `embedding.feature_type = "sin"`},
		{"embedding K < 0", Settings{Embedding: &surrogate.Embedding{AmpFrequencies: -1}}, "embedding.amp_frequencies = -1"},
		{"embedding feature K < 0", Settings{Embedding: &surrogate.Embedding{Features: []surrogate.FeatureEmbedding{{Name: "i_thr", Frequencies: -2}}}},
			"embedding.features[0].frequencies = -2"},
		{"embedding unknown column", Settings{Embedding: &surrogate.Embedding{Features: []surrogate.FeatureEmbedding{{Name: "AP1_width", Frequencies: 1}}}},
			`embedding.features[0].name = "AP1_width": not a column of the feature table`},
		{"embedding feature twice", Settings{Embedding: &surrogate.Embedding{Features: []surrogate.FeatureEmbedding{{Name: "s_thr", Frequencies: 1}, {Name: "s_thr", Frequencies: 1}}}},
			`embedding.features[1].name = "s_thr": embedded twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.s.Resolved()
			if !errors.Is(err, ErrSettings) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("Resolved() = %v, want ErrSettings with %q", err, tc.msg)
			}
			// Train refuses them before touching the directory.
			dir := t.TempDir() + "/run"
			if _, err := Train(context.Background(), newMemData(1, 0, 0, 2), dir, &tc.s, nil); !errors.Is(err, ErrSettings) {
				t.Errorf("Train = %v, want ErrSettings", err)
			}
		})
	}
}

func TestReadSettings(t *testing.T) {
	s, err := ReadSettings(strings.NewReader(`{"preset":"cpu","epochs":3,"model":{"width":8}}`), "c.json")
	if err != nil || s.Preset != "cpu" || s.Epochs != 3 || s.Model.Width != 8 {
		t.Errorf("ReadSettings = %+v, %v", s, err)
	}
	for _, tc := range []struct{ in, msg string }{
		{`{"epoch":3}`, `unknown field "epoch"`},
		{`{"epochs":"3"}`, "epochs"},
		{`{"epochs":3} {}`, "data after"},
		{`{`, "unexpected EOF"},
	} {
		_, err := ReadSettings(strings.NewReader(tc.in), "c.json")
		if !errors.Is(err, ErrSettings) || !strings.Contains(err.Error(), "c.json") || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("ReadSettings(%s) = %v, want an error naming c.json with %q", tc.in, err, tc.msg)
		}
	}
}
