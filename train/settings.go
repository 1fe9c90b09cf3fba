package train

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/surrogate"
)

// ErrSettings is wrapped by every settings validation error.
var ErrSettings = errors.New("train: invalid settings")

// Presets.
const (
	PresetPaper = "paper" // NOBLE's published recipe
	PresetCPU   = "cpu"   // a budget for the project's 2-core machines
)

// Values of Settings.SelectBy.
const (
	SelectLoss       = "loss"
	SelectSpikecount = "spikecount"
)

// Settings configure a training run. A zero field means the preset's value
// (PresetPaper unless Preset says otherwise); "all" and "never" are spelled
// with a negative number where zero would be ambiguous. Resolved settings are
// written into the run directory (config.json) and a run resumes only with
// the same resolved settings, Epochs and SnapshotEvery excepted, and with
// LRAt merged into the run's (Settings.LRAt).
//
// The two presets (Resolved gives every value):
//
//	field              paper    cpu
//	epochs             300      50
//	batch_size         64       16
//	traces_per_epoch   all      1024
//	eval_traces        all      128 per test split
//	checkpoint_batches never    16
//
// and in both: relative L4 loss, Adam (lr 0.004, β = (0.9, 0.999), ε = 1e-8,
// no weight decay), ReduceLROnPlateau(factor 0.4, patience 4) on the epoch's
// summed training loss, seed 0, no gradient clipping, a shuffle buffer of 4
// shards, the published architecture (fno.DefaultConfig).
type Settings struct {
	Preset string `json:"preset"` // PresetPaper [default] or PresetCPU

	Epochs    int     `json:"epochs"`      // epochs to train in total [300; cpu 50]
	BatchSize int     `json:"batch_size"`  // traces per optimizer step [64; cpu 16]
	LR        float64 `json:"lr"`          // initial learning rate [0.004]
	LRFactor  float64 `json:"lr_factor"`   // ReduceLROnPlateau factor, in (0, 1) [0.4]
	Patience  int     `json:"lr_patience"` // ReduceLROnPlateau patience, epochs [4]
	LossP     int     `json:"loss_p"`      // p of the relative Lp training loss, 2 or 4 [4]
	ClipNorm  float64 `json:"clip_norm"`   // global gradient-norm bound [0: no clipping]
	Seed      uint64  `json:"seed"`        // initialisation and data-order seed (0 is a seed) [0]

	// TracesPerEpoch is the number of training traces an epoch uses, drawn
	// afresh each epoch (whole shards in a random order, then cut) [paper:
	// all; cpu: 1024; < 0: all].
	TracesPerEpoch int `json:"traces_per_epoch"`
	// EvalTraces is the number of traces of each test split evaluated after
	// every epoch, always the same ones (the first of the split) [paper: all;
	// cpu: 128; < 0: all].
	EvalTraces int `json:"eval_traces"`
	// CheckpointBatches also writes a checkpoint every that many batches
	// within an epoch (a checkpoint is always written at the end of an epoch
	// and on cancellation) [paper: never; cpu: 16; < 0: never].
	CheckpointBatches int `json:"checkpoint_batches"`
	// ShardBuffer is the number of shards shuffled together; memory holds at
	// most twice as many shards at once [4].
	ShardBuffer int `json:"shard_buffer"`

	Workers int `json:"workers"` // operator worker goroutines [0: GOMAXPROCS]; results are bitwise reproducible for a given value
	Chunk   int `json:"chunk"`   // traces one worker evaluates at once (memory ≈ 53 MB per trace in training) [0: fno.DefaultChunk]

	Model ModelConfig `json:"model"` // architecture [the published one]

	// Init is a model file (fno.SaveFile, e.g. another run's
	// model.safetensors) whose parameters start the run instead of a random
	// initialisation; its architecture must equal Model. Only the
	// parameters are taken: Adam, the scheduler and the data order start
	// afresh. A resumed run takes its parameters from the checkpoint ["":
	// random initialisation from Seed].
	Init string `json:"init,omitempty"`

	// SnapshotEvery also writes the parameters at the end of every that
	// many epochs as a model file epoch-NNNN.safetensors in the run
	// directory (SnapshotName), kept beside model.safetensors, which holds
	// only the best (SelectBy). A surrogate's firing comes and goes
	// from epoch to epoch long before its loss says so (docs/results.md),
	// so the epochs in between are worth keeping. Like Epochs it may change
	// when a run resumes [0: never].
	SnapshotEvery int `json:"snapshot_every,omitempty"`

	// SelectBy is what model.safetensors is the best of: SelectLoss, the
	// relative Lp loss of the evaluated held-out traces (of the seen-model
	// test traces without a held-out split, of the training traces without
	// either), as the paper selects; or SelectSpikecount, the mean Spikecount
	// error of the same traces over those on which the simulator fires
	// (SpikeStats.SpikecountRel; ties keep the earlier epoch). Short of the
	// paper's budget the loss prefers a spike-averaged surrogate that does
	// not fire to one whose spikes are slightly late (docs/results.md), so
	// a short run that should fire is better selected by its spike counts.
	// It is fixed for a run [SelectLoss].
	SelectBy string `json:"select_by"`

	// LRAt sets the learning rate at the start of an epoch: from epoch E
	// on it is LRAt[E], and ReduceLROnPlateau goes on from that rate with
	// its patience count restarted. It is the manual cut a batch-16 run on
	// the loss plateau needs to fire (docs/results.md) without restarting
	// Adam, and a run given the cut from the start ends bit for bit where
	// one given it on resume ends. On resume the given entries are added to
	// the run's own (config.json), replacing those of epochs not yet begun;
	// an entry for an epoch already begun must equal the run's [none].
	LRAt map[int]float64 `json:"lr_at,omitempty"`
}

// ModelConfig is fno.Config with JSON names; zero fields mean the published
// architecture's value.
type ModelConfig struct {
	Width              int `json:"width"`               // [24]
	Layers             int `json:"layers"`              // [12]
	Modes              int `json:"modes"`               // complex Fourier modes kept [129]
	LiftingChannels    int `json:"lifting_channels"`    // [48]
	ProjectionChannels int `json:"projection_channels"` // [96]
	MLPHidden          int `json:"mlp_hidden"`          // [12]
}

// FNO returns the operator configuration (23 input channels, 1 output).
func (c ModelConfig) FNO() fno.Config {
	return fno.Config{
		InChannels: surrogate.Channels, Width: c.Width, Layers: c.Layers, Modes: c.Modes,
		LiftingChannels: c.LiftingChannels, ProjectionChannels: c.ProjectionChannels,
		MLPHidden: c.MLPHidden, OutChannels: 1,
	}
}

// Resolved returns s with every zero field replaced by its preset's value
// and validated; errors wrap ErrSettings and name the field.
func (s Settings) Resolved() (Settings, error) {
	if s.Preset == "" {
		s.Preset = PresetPaper
	}
	type preset struct{ epochs, batch, perEpoch, eval, ckpt int }
	var p preset
	switch s.Preset {
	case PresetPaper:
		p = preset{300, 64, -1, -1, -1}
	case PresetCPU:
		p = preset{50, 16, 1024, 128, 16}
	default:
		return s, fmt.Errorf("%w: preset %q: want %q or %q", ErrSettings, s.Preset, PresetPaper, PresetCPU)
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	deff := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&s.Epochs, p.epochs)
	def(&s.BatchSize, p.batch)
	def(&s.TracesPerEpoch, p.perEpoch)
	def(&s.EvalTraces, p.eval)
	def(&s.CheckpointBatches, p.ckpt)
	deff(&s.LR, 0.004)
	deff(&s.LRFactor, 0.4)
	def(&s.Patience, 4)
	def(&s.LossP, 4)
	def(&s.ShardBuffer, 4)
	for _, v := range []*int{&s.TracesPerEpoch, &s.EvalTraces, &s.CheckpointBatches} {
		if *v < 0 {
			*v = -1
		}
	}
	d := fno.DefaultConfig()
	m := &s.Model
	def(&m.Width, d.Width)
	def(&m.Layers, d.Layers)
	def(&m.Modes, d.Modes)
	def(&m.LiftingChannels, d.LiftingChannels)
	def(&m.ProjectionChannels, d.ProjectionChannels)
	def(&m.MLPHidden, d.MLPHidden)
	if s.SelectBy == "" {
		s.SelectBy = SelectLoss
	}
	s.LRAt = maps.Clone(s.LRAt)
	if len(s.LRAt) == 0 {
		s.LRAt = nil
	}
	return s, s.validate()
}

// validate checks resolved settings.
func (s Settings) validate() error {
	bad := func(field string, v any, why string) error {
		return fmt.Errorf("%w: %s = %v: %s", ErrSettings, field, v, why)
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case s.Epochs < 1:
		return bad("epochs", s.Epochs, "must be at least 1")
	case s.BatchSize < 1:
		return bad("batch_size", s.BatchSize, "must be at least 1")
	case !(s.LR > 0) || !finite(s.LR):
		return bad("lr", s.LR, "must be positive and finite")
	case !(s.LRFactor > 0 && s.LRFactor < 1):
		return bad("lr_factor", s.LRFactor, "must be in (0, 1)")
	case s.Patience < 0:
		return bad("lr_patience", s.Patience, "must not be negative")
	case s.LossP != 2 && s.LossP != 4:
		return bad("loss_p", s.LossP, "must be 2 or 4")
	case s.ClipNorm < 0 || !finite(s.ClipNorm):
		return bad("clip_norm", s.ClipNorm, "must be 0 (no clipping) or positive")
	case s.ShardBuffer < 1:
		return bad("shard_buffer", s.ShardBuffer, "must be at least 1")
	case s.Workers < 0:
		return bad("workers", s.Workers, "must not be negative")
	case s.Chunk < 0:
		return bad("chunk", s.Chunk, "must not be negative")
	case s.SnapshotEvery < 0:
		return bad("snapshot_every", s.SnapshotEvery, "must be 0 (never) or positive")
	case s.SelectBy != SelectLoss && s.SelectBy != SelectSpikecount:
		return bad("select_by", fmt.Sprintf("%q", s.SelectBy), fmt.Sprintf("want %q or %q", SelectLoss, SelectSpikecount))
	}
	for _, e := range slices.Sorted(maps.Keys(s.LRAt)) {
		if e < 1 {
			return fmt.Errorf("%w: lr_at: epoch %d: epochs count from 1", ErrSettings, e)
		}
		if lr := s.LRAt[e]; !(lr > 0) || !finite(lr) {
			return fmt.Errorf("%w: lr_at: epoch %d: learning rate %v must be positive and finite", ErrSettings, e, lr)
		}
	}
	if err := s.Model.FNO().Validate(); err != nil {
		return fmt.Errorf("%w: model: %w", ErrSettings, err)
	}
	return nil
}

// ReadSettings decodes settings from JSON, refusing unknown fields and
// trailing data; errors name file and wrap ErrSettings. The settings are
// not resolved.
func ReadSettings(r io.Reader, file string) (Settings, error) {
	var s Settings
	d := json.NewDecoder(r)
	d.DisallowUnknownFields()
	if err := d.Decode(&s); err != nil {
		return s, fmt.Errorf("%s: %w: %w", file, ErrSettings, err)
	}
	if d.More() {
		return s, fmt.Errorf("%s: %w: data after the settings object", file, ErrSettings)
	}
	return s, nil
}

// ReadSettingsFile reads settings from a JSON file (see ReadSettings).
func ReadSettingsFile(path string) (Settings, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Settings{}, err
	}
	return ReadSettings(bytes.NewReader(b), path)
}

// sameRun reports the first field (JSON name) in which two resolved
// settings differ, ignoring Epochs, SnapshotEvery and LRAt (see mergeLRAt);
// "" if they describe the same run.
func sameRun(a, b Settings) string {
	a.Epochs, b.Epochs = 0, 0
	a.SnapshotEvery, b.SnapshotEvery = 0, 0
	a.LRAt, b.LRAt = nil, nil
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	t := va.Type()
	for i := range t.NumField() {
		if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			return fmt.Sprintf("%s: %v, was %v", name, va.Field(i).Interface(), vb.Field(i).Interface())
		}
	}
	return ""
}

// mergeLRAt returns the learning-rate cuts of a resumed run: those the run
// has (was) with the given ones added or replacing them from epoch begun,
// the first epoch not yet begun, on. A given entry for an epoch already
// begun must equal the run's; if not, the second result says which.
func mergeLRAt(given, was map[int]float64, begun int) (map[int]float64, string) {
	m := maps.Clone(was)
	for _, e := range slices.Sorted(maps.Keys(given)) {
		v := given[e]
		if old, had := was[e]; e < begun && (!had || v != old) {
			if !had {
				return nil, fmt.Sprintf("lr_at: epoch %d: %v, the run had no cut there and the epoch has begun", e, v)
			}
			return nil, fmt.Sprintf("lr_at: epoch %d: %v, was %v, and the epoch has begun", e, v, old)
		}
		if m == nil {
			m = make(map[int]float64)
		}
		m[e] = v
	}
	return m, ""
}
