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

	"github.com/noble-neuro/noble/featloss"
	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/surrogate"
)

// ErrSettings is wrapped by every settings validation error.
var ErrSettings = errors.New("train: invalid settings")

// Presets.
const (
	PresetPaper    = "paper"    // NOBLE's published recipe
	PresetCPU      = "cpu"      // a budget for the project's 2-core machines
	PresetFinetune = "finetune" // the reference code's fine-tuning stage (needs Init)
	// PresetCPUSpikes is the cpu recipe's last stage: an L1 data loss with
	// spike-count, spike-timing and spike-envelope terms on a model the cpu
	// preset has trained (from random weights, twice; needs Init).
	PresetCPUSpikes = "cpu-spikes"
)

// Values of Settings.Optimizer.
const (
	OptimizerAdam  = "adam"  // torch.optim.Adam (fno.RuleAdam)
	OptimizerAdamW = "adamw" // neuralop's AdamW (fno.RuleAdamW)
)

// Values of Settings.Loss.
const (
	LossL1 = "l1" // neuralop's LpLoss, p = 1
	LossL2 = "l2" // p = 2
	LossL4 = "l4" // p = 4
	LossH1 = "h1" // neuralop's H1Loss
)

// Values of Settings.LossForm and Settings.FeatureLossForm.
const (
	FormRelative = "relative"
	FormAbsolute = "absolute"
)

// Values of Settings.PlateauOn.
const (
	PlateauTrain  = "train"   // the epoch's summed training loss (the reference's ReduceLROnPlateauTrain)
	PlateauTestL4 = "test_l4" // the summed relative L4 of the evaluated test traces (ReduceLROnPlateauTest)
)

// Values of Settings.Schedule.
const (
	SchedulePlateau = "plateau" // ReduceLROnPlateau once per epoch (the published recipe)
	ScheduleCosine  = "cosine"  // linear warm-up, then cosine annealing per optimizer step (CosineLR)
)

// FeatureLossNone spells "no feature loss" in Settings.FeatureLoss where the
// preset would give one.
const FeatureLossNone = "none"

// Values of Settings.SelectBy.
const (
	SelectLoss       = "loss"
	SelectSpikecount = "spikecount"
)

// Settings configure a training run. A zero field means the preset's value
// (PresetPaper unless Preset says otherwise); "all" and "never" are spelled
// with a negative number where zero would be ambiguous. Resolved settings are
// written into the run directory (config.json) and a run resumes only with
// the same resolved settings, Epochs (unless Schedule is "cosine") and
// SnapshotEvery excepted, and with
// LRAt merged into the run's (Settings.LRAt).
//
// The presets (Resolved gives every value):
//
//	field              paper    cpu      finetune          cpu-spikes
//	epochs             300      50       300               32
//	batch_size         64       16       64                16
//	traces_per_epoch   all      1024     all               1024
//	eval_traces        all      128      all               128
//	checkpoint_batches never    16       never             16
//	optimizer          adam     adam     adamw             adam
//	lr                 0.004    0.004    0.0005            0.0001
//	lr_patience        4        4        12                12
//	loss               l4       l4       l4                l1
//	feature_loss       -        -        sag_amplitude=25  spike_count=4,spike_timing=4,spike_envelope=4
//	select_by          loss     loss     loss              spikecount
//
// and in all: the relative Lp loss, β = (0.9, 0.999), ε = 1e-8 (Adam) or 1e-6
// (AdamW), no weight decay, ReduceLROnPlateau(factor 0.4) on the epoch's
// summed training loss, seed 0, no gradient clipping, a shuffle buffer of 4
// shards, the published architecture (fno.DefaultConfig). The finetune
// preset is the recipe of the reference code's fine-tuning script
// (training_scripts/submit_single_finetune_job.sh of neuraloperator/noble):
// it starts from a trained model, so it needs Init. The cpu-spikes preset
// is the last stage of the cpu recipe, measured on the mouse demo cell
// (docs/results.md, "The cpu preset's own schedule, then the spike terms"
// and "From a random start"): on a model the cpu preset's plateau schedule
// has brought to the edge of firing, the spike terms make it fire on nearly
// every firing trace and, within about 16 epochs, sustain its trains; on
// the model of a single cpu run from random weights they did not in 40
// epochs, on that of a second cpu run from its latest weights they did;
// from the silent start of the schedule they teach threshold crossings,
// not spikes. Its data loss is L1 and it adds the spike envelope at 4
// ("The spike stage's data loss and the envelope" and "Three seeds of
// the spike stage"): L1 with the envelope at 10, three seeds against
// three of L4 with the count and timing terms alone, had lower count
// errors on the training models (mean 22 % against 29 %) and on the
// trains just above the jump, the same on held-out models, for slightly
// higher spikes; at 4, two seeds, the same counts with lower voltage,
// width and amplitude errors than at 10. Runs of it begun before
// (L4, no envelope) resume with loss "l4" and feature_loss
// "spike_count=4,spike_timing=4". It too needs Init.
//
// The optimizer, loss and scheduler options (each fixed for a run; runs
// and checkpoints from before them resume as they were, with the defaults):
//
//	optimizer          "adam" (torch.optim.Adam) or "adamw" (neuralop's AdamW: eps 1e-6 before the bias
//	                   correction, decoupled weight decay, one |g|² per complex spectral weight) [preset]
//	weight_decay       Adam: L2 penalty added to the gradient; AdamW: decoupled decay rate, ≥ 0 [0]
//	loss               training loss: "l1", "l2", "l4" (neuralop's LpLoss, p = 1, 2, 4) or "h1"
//	                   (neuralop's H1Loss, periodic central difference) ["l"+loss_p, or the preset's]
//	loss_form          "relative" (the losses' __call__) or "absolute" (their .abs) ["relative"]
//	plateau_on         what ReduceLROnPlateau watches: "train" (the epoch's summed training loss) or
//	                   "test_l4" (the summed relative L4 of the evaluated traces of the selection split,
//	                   see SelectBy; refused without a test split) ["train"]
//	feature_loss       fine-tuning feature terms, "NAME=λ[,NAME=λ...]" with NAME one of sag_amplitude,
//	                   AP1_width, spike_count, spike_timing, spike_envelope (featloss.ParseSpec; e.g. "sag_amplitude=25"),
//	                   stored verbatim; needs init; "none" turns a preset's off ["": none;
//	                   finetune "sag_amplitude=25"; cpu-spikes "spike_count=4,spike_timing=4,spike_envelope=4"]
//	feature_loss_form  "relative" (Σ(f̂−f)²/(Σf² + 1e-8) over the batch) or "absolute" (Σ(f̂−f)²) ["relative"]
//	ema                decay d of a moving average of the parameters that the evaluation, selection and
//	                   saved models use, in [0, 1) (Settings.EMA) [0: off]
//	schedule           "plateau" (ReduceLROnPlateau per epoch) or "cosine" (per step, CosineLR) ["plateau"]
//	lr_min             the cosine schedule's final rate, in [0, lr] [0]
//	warmup_steps       the cosine schedule's linear warm-up, optimizer steps [0]
//	decimate           train on every k-th sample of the window, evaluate at full resolution [1]
//
// With a feature loss, each batch trains on the data loss above plus
// Σ_terms λ·L_term of package featloss (see the package documentation's
// "Fine-tuning"), the two gradients added per trace; the data loss alone
// trains exactly as without these options. "train" of plateau_on then
// watches the total, data + feature loss, summed over the epoch, as the
// reference's summed training loss does; Metrics.TrainLoss stays the data
// loss and Metrics.TrainFeatureLoss holds the feature loss.
//
// The relative "l2" and "l4" train through fno.Model.TrainBatch
// (fno.RelLpLoss, bit for bit what runs from before these options did),
// whose denominator ‖y‖_p lacks neuralop's + 1e-8: a relative change of
// about 1e-8 for voltage traces in volts (‖y‖_4 ≈ 0.7, ‖y‖_2 ≈ 6.5 at
// L = 8,583). The other losses are fno.LpLoss and fno.H1Loss, neuralop's
// exactly.
type Settings struct {
	Preset string `json:"preset"` // PresetPaper [default], PresetCPU, PresetFinetune or PresetCPUSpikes

	Epochs    int     `json:"epochs"`      // epochs to train in total [300; cpu 50; cpu-spikes 32]
	BatchSize int     `json:"batch_size"`  // traces per optimizer step [64; cpu, cpu-spikes 16]
	LR        float64 `json:"lr"`          // initial learning rate [0.004; finetune 0.0005; cpu-spikes 0.0001]
	LRFactor  float64 `json:"lr_factor"`   // ReduceLROnPlateau factor, in (0, 1) [0.4]
	Patience  int     `json:"lr_patience"` // ReduceLROnPlateau patience, epochs [4; finetune, cpu-spikes 12]
	LossP     int     `json:"loss_p"`      // older spelling of Loss "l1", "l2", "l4": p = 1, 2 or 4 (0 for "h1") [from Loss]
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

	Workers int `json:"workers"` // operator worker goroutines [0: GOMAXPROCS]; results are bitwise reproducible for a given value; with TrainRanks, those of all ranks together
	Chunk   int `json:"chunk"`   // traces one worker evaluates at once (memory ≈ 53 MB per trace in training) [0: fno.DefaultChunk]

	Model ModelConfig `json:"model"` // architecture [the published one]

	// Init is a model file (fno.SaveFile, e.g. another run's
	// model.safetensors) whose parameters start the run instead of a random
	// initialisation; its architecture must equal Model and its recorded
	// embedding Embedding (same channels, same meaning). Only the
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
	// It is fixed for a run [SelectLoss; cpu-spikes SelectSpikecount].
	SelectBy string `json:"select_by"`

	Optimizer   string  `json:"optimizer"`    // OptimizerAdam or OptimizerAdamW [preset: adam; finetune adamw]
	WeightDecay float64 `json:"weight_decay"` // Adam's L2 penalty or AdamW's decoupled decay, ≥ 0 [0]
	Loss        string  `json:"loss"`         // LossL1, LossL2, LossL4 or LossH1 ["l"+LossP, or the preset's]
	LossForm    string  `json:"loss_form"`    // FormRelative or FormAbsolute [FormRelative]
	PlateauOn   string  `json:"plateau_on"`   // PlateauTrain or PlateauTestL4 [PlateauTrain]

	// FeatureLoss is the fine-tuning stage's feature terms, "NAME=λ[,...]"
	// (the reference's --feature_loss '{"sag_amplitude": 25}' is
	// "sag_amplitude=25"), stored verbatim and parsed by
	// featloss.ParseSpec when the settings are resolved (names
	// sag_amplitude, AP1_width, spike_count, spike_timing, spike_envelope; λ finite and
	// ≥ 0, a zero λ logging the term without training on it; each name
	// once); FeatureLossNone or "" for none. A feature loss needs Init
	// ["": none; finetune preset "sag_amplitude=25"; cpu-spikes
	// "spike_count=4,spike_timing=4,spike_envelope=4"].
	FeatureLoss string `json:"feature_loss,omitempty"`
	// FeatureLossForm is FormRelative, Σ_b (f̂_b − f_b)² / (Σ_b f_b² + 1e-8)
	// over a batch, or FormAbsolute, Σ_b (f̂_b − f_b)² [FormRelative].
	FeatureLossForm string `json:"feature_loss_form"`

	// LRAt sets the learning rate at the start of an epoch: from epoch E
	// on it is LRAt[E], and ReduceLROnPlateau goes on from that rate with
	// its patience count restarted. It is the manual cut a batch-16 run on
	// the loss plateau needs to fire (docs/results.md) without restarting
	// Adam, and a run given the cut from the start ends bit for bit where
	// one given it on resume ends. On resume the given entries are added to
	// the run's own (config.json), replacing those of epochs not yet begun;
	// an entry for an epoch already begun must equal the run's [none].
	LRAt map[int]float64 `json:"lr_at,omitempty"`

	// Embedding is the operator's input embedding (surrogate.Embedding):
	// the NeRF type and frequency count K of the step amplitude and of each
	// embedded F-I feature, which sets the input channel count 1 + 2·K_amp
	// + 2·Σ K_feature. It is fixed for a run and recorded in the model file
	// (surrogate.MetaEmbedding), so that synth, eval and serve encode as
	// the model was trained. Empty types mean "freq"; a given section is
	// otherwise taken as written (K = 0 or no features are meaningful).
	// Resolved leaves NOBLE's embedding nil, so that config.json of a
	// default run stays as it was [nil: surrogate.DefaultEmbedding, 23
	// channels]. For example, I_thr only, with a K = 2 NeRF:
	//
	//	"embedding": {"amp_type": "freq", "amp_frequencies": 9, "feature_type": "freq",
	//	              "features": [{"name": "i_thr", "frequencies": 2}]}
	Embedding *surrogate.Embedding `json:"embedding,omitempty"`

	// The recipe options below are off by default, and Resolved spells
	// "off" as the zero value, left out of config.json and of the model
	// file's provenance, so that a run without them writes the same files
	// as before they existed. Each is fixed for a run.

	// EMA is the decay d ∈ [0, 1) of an exponential moving average of the
	// parameters, updated after every optimizer step (the n-th, n = 0, 1,
	// … counting the steps of the run) as
	//
	//	ema ← d_n·ema + (1 − d_n)·w,   d_n = min(d, (1 + n)/(10 + n))
	//
	// from ema = the run's initial parameters (random or Init), computed in
	// float64 per parameter and rounded to float32. The warm-up d_n of
	// TensorFlow's ExponentialMovingAverage (num_updates) keeps the
	// average of a short run from remembering its initialisation: d_0 =
	// 0.1, d_n reaches 0.99 at n = 890 and 0.999 at n = 8990. Training
	// steps use the raw parameters; the per-epoch evaluation, the selection
	// of model.safetensors, the snapshots and ExportLatest use the
	// average. The checkpoint holds it, so a run resumes bit for bit
	// [0: off].
	EMA float64 `json:"ema,omitempty"`

	// Schedule is SchedulePlateau, ReduceLROnPlateau once per epoch (LR,
	// LRFactor, Patience, PlateauOn, LRAt), or ScheduleCosine, a learning
	// rate set before every optimizer step from the steps done (CosineLR
	// with LR, LRMin, WarmupSteps and the run's total steps, Epochs × the
	// batches of an epoch). A cosine run refuses LRFactor, Patience,
	// PlateauOn and LRAt (they would be ignored), and refuses on resume
	// another Epochs, which sets the schedule's length ["": plateau].
	Schedule string `json:"schedule,omitempty"`
	// LRMin is the cosine schedule's final learning rate, in [0, LR]
	// [0].
	LRMin float64 `json:"lr_min,omitempty"`
	// WarmupSteps is the cosine schedule's linear warm-up, optimizer
	// steps ≥ 0 [0: none].
	WarmupSteps int `json:"warmup_steps,omitempty"`

	// Decimate k ≥ 1 trains on every k-th sample of the stored window,
	// after its random offset: the operator's input channels (encoded at
	// full resolution, then sampled) and the target have ceil(W/k) samples
	// for a window of W, so a step costs about 1/k (at k = 2, 0.49–0.51
	// of a full-resolution step's time, BenchmarkTrainStepDecimate; see
	// the package documentation for why the operator transfers to the full
	// resolution). The per-epoch
	// evaluation stays at full resolution, as the model is used, so its
	// metrics measure that transfer. The coarse window must keep the
	// model's Fourier modes (ceil(W/k)/2 + 1 ≥ Modes); a feature loss,
	// whose features need the data's sample spacing, is refused with it
	// [0 or 1: every sample].
	Decimate int `json:"decimate,omitempty"`
}

// Cosine reports whether s uses the cosine schedule.
func (s Settings) Cosine() bool { return s.Schedule == ScheduleCosine }

// Decimation returns the decimation factor k of s (Decimate, 1 for 0).
func (s Settings) Decimation() int { return max(s.Decimate, 1) }

// InputEmbedding returns the resolved embedding of s: Embedding, or
// surrogate.DefaultEmbedding when it is nil.
func (s Settings) InputEmbedding() surrogate.Embedding {
	if s.Embedding == nil {
		return surrogate.DefaultEmbedding()
	}
	e, _ := s.Embedding.Resolved() // validated by Resolved
	return e
}

// FNO returns the operator configuration: Model with the input channels of
// the embedding (InputEmbedding) and one output channel.
func (s Settings) FNO() fno.Config { return s.Model.fno(s.InputEmbedding().Channels()) }

// ModelConfig is fno.Config with JSON names; zero fields mean the published
// architecture's value. Like the rest of the architecture, GroupNorm is
// fixed for a run; config.json leaves it out when false, so runs from
// before it resume unchanged.
type ModelConfig struct {
	Width              int `json:"width"`               // [24]
	Layers             int `json:"layers"`              // [12]
	Modes              int `json:"modes"`               // complex Fourier modes kept [129]
	LiftingChannels    int `json:"lifting_channels"`    // [48]
	ProjectionChannels int `json:"projection_channels"` // [96]
	MLPHidden          int `json:"mlp_hidden"`          // [12]
	// GroupNorm adds two GroupNorm(1, Width) per Fourier layer
	// (fno.Config.GroupNorm, neuraloperator's norm="group_norm") [false].
	GroupNorm bool `json:"group_norm,omitempty"`
}

// fno returns the operator configuration with in input channels and one
// output channel.
func (c ModelConfig) fno(in int) fno.Config {
	return fno.Config{
		InChannels: in, Width: c.Width, Layers: c.Layers, Modes: c.Modes,
		LiftingChannels: c.LiftingChannels, ProjectionChannels: c.ProjectionChannels,
		MLPHidden: c.MLPHidden, OutChannels: 1, GroupNorm: c.GroupNorm,
	}
}

// Resolved returns s with every zero field replaced by its preset's value
// and validated; errors wrap ErrSettings and name the field.
func (s Settings) Resolved() (Settings, error) {
	if s.Preset == "" {
		s.Preset = PresetPaper
	}
	type preset struct {
		epochs, batch, perEpoch, eval, ckpt int
		lr                                  float64
		patience                            int
		optimizer, loss, featureLoss        string
		selectBy                            string
	}
	var p preset
	switch s.Preset {
	case PresetPaper:
		p = preset{300, 64, -1, -1, -1, 0.004, 4, OptimizerAdam, LossL4, "", SelectLoss}
	case PresetCPU:
		p = preset{50, 16, 1024, 128, 16, 0.004, 4, OptimizerAdam, LossL4, "", SelectLoss}
	case PresetFinetune:
		p = preset{300, 64, -1, -1, -1, 5e-4, 12, OptimizerAdamW, LossL4, "sag_amplitude=25", SelectLoss}
	case PresetCPUSpikes:
		p = preset{32, 16, 1024, 128, 16, 1e-4, 12, OptimizerAdam, LossL1, "spike_count=4,spike_timing=4,spike_envelope=4", SelectSpikecount}
	default:
		return s, fmt.Errorf("%w: preset %q: want %q, %q, %q or %q", ErrSettings, s.Preset, PresetPaper, PresetCPU, PresetFinetune, PresetCPUSpikes)
	}
	// The plateau's fields are checked before the preset fills them: a
	// cosine run leaves them zero.
	if err := s.resolveSchedule(); err != nil {
		return s, err
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
	deff(&s.LR, p.lr)
	if !s.Cosine() {
		deff(&s.LRFactor, 0.4)
		def(&s.Patience, p.patience)
	}
	def(&s.ShardBuffer, 4)
	defs := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	defs(&s.Optimizer, p.optimizer)
	defs(&s.FeatureLoss, p.featureLoss)
	defs(&s.LossForm, FormRelative)
	if !s.Cosine() {
		defs(&s.PlateauOn, PlateauTrain)
	}
	defs(&s.FeatureLossForm, FormRelative)
	if err := s.resolveLoss(p.loss); err != nil {
		return s, err
	}
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
	defs(&s.SelectBy, p.selectBy)
	s.LRAt = maps.Clone(s.LRAt)
	if len(s.LRAt) == 0 {
		s.LRAt = nil
	}
	if s.Embedding != nil {
		e, err := s.Embedding.Resolved()
		if err != nil {
			return s, fmt.Errorf("%w: %w", ErrSettings, err)
		}
		s.Embedding = &e
		if e.IsDefault() {
			s.Embedding = nil
		}
	}
	return s, s.validate()
}

// resolveSchedule spells the default schedule and decimation as the zero
// values and refuses the plateau's fields in a cosine run.
func (s *Settings) resolveSchedule() error {
	if s.Schedule == SchedulePlateau {
		s.Schedule = ""
	}
	if s.Decimate == 1 {
		s.Decimate = 0
	}
	if !s.Cosine() {
		return nil
	}
	why := fmt.Sprintf("a plateau setting, not used with schedule %q", ScheduleCosine)
	switch {
	case s.LRFactor != 0:
		return fmt.Errorf("%w: lr_factor = %v: %s", ErrSettings, s.LRFactor, why)
	case s.Patience != 0:
		return fmt.Errorf("%w: lr_patience = %v: %s", ErrSettings, s.Patience, why)
	case s.PlateauOn != "":
		return fmt.Errorf("%w: plateau_on = %q: %s", ErrSettings, s.PlateauOn, why)
	case len(s.LRAt) > 0:
		return fmt.Errorf("%w: lr_at = %v: %s (the cosine schedule sets every step's rate)", ErrSettings, s.LRAt, why)
	}
	return nil
}

// lossP gives the p of each Lp loss (0 for H1).
var lossP = map[string]int{LossL1: 1, LossL2: 2, LossL4: 4, LossH1: 0}

// resolveLoss sets Loss from LossP when it is empty (LossP is the older
// spelling; the preset's loss when both are empty) and LossP from Loss,
// refusing a contradiction.
func (s *Settings) resolveLoss(preset string) error {
	if s.Loss == "" {
		switch s.LossP {
		case 0:
			s.Loss = preset
		case 1, 2, 4:
			s.Loss = fmt.Sprintf("l%d", s.LossP)
		default:
			return fmt.Errorf("%w: loss_p = %d: must be 1, 2 or 4 (or set loss)", ErrSettings, s.LossP)
		}
	}
	p, ok := lossP[s.Loss]
	if !ok {
		return fmt.Errorf("%w: loss = %q: want %q, %q, %q or %q", ErrSettings, s.Loss, LossL1, LossL2, LossL4, LossH1)
	}
	if s.LossP != 0 && s.LossP != p {
		return fmt.Errorf("%w: loss_p = %d contradicts loss = %q (loss_p is its older spelling; leave it 0)", ErrSettings, s.LossP, s.Loss)
	}
	s.LossP = p
	return nil
}

// HasFeatureLoss reports whether the settings ask for a fine-tuning feature
// loss (FeatureLoss neither "" nor FeatureLossNone).
func (s Settings) HasFeatureLoss() bool {
	return s.FeatureLoss != "" && s.FeatureLoss != FeatureLossNone
}

// upgrade fills the fields that settings recorded before they existed
// with the values those runs used, so that such a run resumes: Adam,
// the relative Lp loss of LossP, the plateau on the training loss,
// selection by loss.
func (s *Settings) upgrade() {
	for _, f := range []struct {
		v *string
		d string
	}{
		{&s.SelectBy, SelectLoss}, {&s.Optimizer, OptimizerAdam}, {&s.LossForm, FormRelative},
		{&s.PlateauOn, PlateauTrain}, {&s.FeatureLossForm, FormRelative},
	} {
		if f.v == &s.PlateauOn && s.Cosine() {
			continue // a cosine run has no plateau
		}
		if *f.v == "" {
			*f.v = f.d
		}
	}
	if s.Loss == "" && (s.LossP == 2 || s.LossP == 4) {
		s.Loss = fmt.Sprintf("l%d", s.LossP)
	}
}

// validate checks resolved settings.
func (s Settings) validate() error {
	bad := func(field string, v any, why string) error {
		return fmt.Errorf("%w: %s = %v: %s", ErrSettings, field, v, why)
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	// The spec first: a misspelt feature is what to fix, not the missing
	// init.
	if s.HasFeatureLoss() {
		spec, err := featloss.ParseSpec(s.FeatureLoss)
		if err != nil {
			return fmt.Errorf("%w: feature_loss = %q: %w", ErrSettings, s.FeatureLoss, err)
		}
		if len(spec) == 0 {
			return bad("feature_loss", fmt.Sprintf("%q", s.FeatureLoss), fmt.Sprintf("no terms; spell no feature loss %q", FeatureLossNone))
		}
	}
	switch {
	case s.Epochs < 1:
		return bad("epochs", s.Epochs, "must be at least 1")
	case s.BatchSize < 1:
		return bad("batch_size", s.BatchSize, "must be at least 1")
	case !(s.LR > 0) || !finite(s.LR):
		return bad("lr", s.LR, "must be positive and finite")
	case !s.Cosine() && !(s.LRFactor > 0 && s.LRFactor < 1):
		return bad("lr_factor", s.LRFactor, "must be in (0, 1)")
	case s.Patience < 0:
		return bad("lr_patience", s.Patience, "must not be negative")
	case s.Optimizer != OptimizerAdam && s.Optimizer != OptimizerAdamW:
		return bad("optimizer", fmt.Sprintf("%q", s.Optimizer), fmt.Sprintf("want %q or %q", OptimizerAdam, OptimizerAdamW))
	case s.WeightDecay < 0 || !finite(s.WeightDecay):
		return bad("weight_decay", s.WeightDecay, "must be 0 or positive and finite")
	case s.LossForm != FormRelative && s.LossForm != FormAbsolute:
		return bad("loss_form", fmt.Sprintf("%q", s.LossForm), fmt.Sprintf("want %q or %q", FormRelative, FormAbsolute))
	case !s.Cosine() && s.PlateauOn != PlateauTrain && s.PlateauOn != PlateauTestL4:
		return bad("plateau_on", fmt.Sprintf("%q", s.PlateauOn), fmt.Sprintf("want %q or %q", PlateauTrain, PlateauTestL4))
	case s.FeatureLossForm != FormRelative && s.FeatureLossForm != FormAbsolute:
		return bad("feature_loss_form", fmt.Sprintf("%q", s.FeatureLossForm), fmt.Sprintf("want %q or %q", FormRelative, FormAbsolute))
	case s.HasFeatureLoss() && s.Init == "":
		return bad("feature_loss", fmt.Sprintf("%q", s.FeatureLoss),
			fmt.Sprintf("fine-tuning needs init (--init), the trained model file to start from; or set feature_loss %q", FeatureLossNone))
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
	case !(s.EMA >= 0 && s.EMA < 1): // NaN fails both
		return bad("ema", s.EMA, "the decay must be in [0, 1) (0: off)")
	case s.Schedule != "" && !s.Cosine():
		return bad("schedule", fmt.Sprintf("%q", s.Schedule), fmt.Sprintf("want %q or %q", SchedulePlateau, ScheduleCosine))
	case !(s.LRMin >= 0) || s.LRMin > s.LR: // NaN fails the first
		return bad("lr_min", s.LRMin, fmt.Sprintf("must be in [0, lr = %v]", s.LR))
	case s.LRMin != 0 && !s.Cosine():
		return bad("lr_min", s.LRMin, fmt.Sprintf("only the %q schedule has a final rate", ScheduleCosine))
	case s.WarmupSteps < 0:
		return bad("warmup_steps", s.WarmupSteps, "must be 0 (none) or positive")
	case s.WarmupSteps != 0 && !s.Cosine():
		return bad("warmup_steps", s.WarmupSteps, fmt.Sprintf("only the %q schedule has a warm-up", ScheduleCosine))
	case s.Decimate < 0:
		return bad("decimate", s.Decimate, "must be at least 1 (0: 1, every sample)")
	case s.Decimate > 1 && s.HasFeatureLoss():
		return bad("decimate", s.Decimate, fmt.Sprintf("a feature loss (feature_loss %q) is computed at the data's sample spacing; train it with decimate 1", s.FeatureLoss))
	}
	for _, e := range slices.Sorted(maps.Keys(s.LRAt)) {
		if e < 1 {
			return fmt.Errorf("%w: lr_at: epoch %d: epochs count from 1", ErrSettings, e)
		}
		if lr := s.LRAt[e]; !(lr > 0) || !finite(lr) {
			return fmt.Errorf("%w: lr_at: epoch %d: learning rate %v must be positive and finite", ErrSettings, e, lr)
		}
	}
	if s.Embedding != nil {
		if err := s.Embedding.Validate(); err != nil {
			return fmt.Errorf("%w: %w", ErrSettings, err)
		}
	}
	if err := s.FNO().Validate(); err != nil {
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
// settings differ, ignoring Epochs, SnapshotEvery and LRAt (see mergeLRAt),
// and LossP, which follows Loss; "" if they describe the same run.
func sameRun(a, b Settings) string {
	a.Epochs, b.Epochs = 0, 0
	a.LossP, b.LossP = 0, 0
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
