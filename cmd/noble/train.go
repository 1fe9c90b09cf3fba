package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/noble-neuro/noble/internal/cli"
	"github.com/noble-neuro/noble/internal/mpi"
	"github.com/noble-neuro/noble/surrogate"
	"github.com/noble-neuro/noble/train"
)

func cmdTrain() *cli.Command { return cmdTrainIO(os.Stdout, os.Stderr) }

func cmdTrainIO(stdout, stderr io.Writer) *cli.Command {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	var f trainFlags
	f.data = fs.String("data", "", "dataset `DIR` made by \"noble dataset\" (required)")
	f.out = fs.String("out", "", "run `DIR`: checkpoint, metrics and best model; created if missing (required)")
	f.config = fs.String("config", "", "settings `FILE` (JSON, train.Settings; zero fields take the preset's values)")
	f.preset = fs.String("preset", "", "recipe preset: paper (the published one), cpu (a 2-core budget), finetune (the reference's fine-tuning stage) or cpu-spikes (the cpu recipe's spike stage); the last two need --init; overrides the file's")
	f.epochs = fs.Int("epochs", 0, "epochs in total (0: the settings'); raise it to extend a finished run")
	f.workers = fs.Int("workers", -1, "operator worker goroutines (0: one per core; -1: the settings'); results are bitwise reproducible for a given value")
	f.init = fs.String("init", "", "start from the parameters of model `FILE` (e.g. another run's model.safetensors) instead of a random initialisation; overrides the file's")
	f.export = fs.String("export", "", "do not train: write the run's latest checkpoint as model `FILE` (model.safetensors is the best by held-out loss or --select-by) and exit; needs only --out")
	f.snapshots = fs.Int("snapshot-every", -1, "also keep the model of every `N`th epoch as epoch-NNNN.safetensors (0: never; -1: the settings'); may change on resume")
	f.lrAt = fs.String("lr-at", "", "set the learning rate at the start of epochs, `EPOCH:LR[,EPOCH:LR...]` (e.g. 21:0.0016); joins the run's cuts on resume")
	f.selectBy = fs.String("select-by", "", "what model.safetensors is the best of: `loss` (held-out relative L4, the paper's) or spikecount (held-out Spikecount error); fixed for a run")
	f.optimizer = fs.String("optimizer", "", "`adam` (torch.optim.Adam) or adamw (neuralop's AdamW); fixed for a run")
	f.weightDecay = fs.Float64("weight-decay", -1, "Adam's L2 penalty or AdamW's decoupled decay `RATE` (-1: the settings'); fixed for a run")
	f.loss = fs.String("loss", "", "training loss: `l4` (the paper's), l1, l2 (neuralop's LpLoss) or h1 (H1Loss); fixed for a run")
	f.lossForm = fs.String("loss-form", "", "`relative` (the paper's) or absolute form of --loss; fixed for a run")
	f.plateauOn = fs.String("plateau-on", "", "what the plateau scheduler watches: `train` (the epoch's training loss) or test_l4 (the held-out relative L4); fixed for a run")
	f.featureLoss = fs.String("feature-loss", "", "fine-tuning feature terms `NAME=λ[,...]`, NAME sag_amplitude, AP1_width, spike_count, spike_timing or spike_envelope (e.g. sag_amplitude=25,spike_count=1; none: off); needs --init; fixed for a run")
	f.featureLossForm = fs.String("feature-loss-form", "", "`relative` or absolute feature loss; fixed for a run")
	f.groupNorm = fs.Bool("group-norm", false, "two GroupNorm(1, width) per Fourier layer (neuraloperator's norm=\"group_norm\"; not in the published architecture); fixed for a run")
	f.embedding = fs.String("embedding", "", "input embedding `SPEC`: amp=K[,FEATURE=K...][,amp_type=T][,feature_type=T], FEATURE i_thr, s_thr or AHP_depth in channel order, T freq, amp or none (default: amp=9,s_thr=1,i_thr=1, NOBLE's 23 channels); overrides the file's; fixed for a run")
	f.ema = fs.Float64("ema", -1, "evaluate, select and save an exponential moving average of the parameters with decay `D` in [0, 1) (0: off; -1: the settings'); fixed for a run")
	f.schedule = fs.String("schedule", "", "learning-rate schedule: `plateau` (ReduceLROnPlateau per epoch, the paper's) or cosine (per step from the lr to --lr-min, after --warmup-steps); fixed for a run")
	f.lrMin = fs.Float64("lr-min", -1, "final learning `RATE` of --schedule cosine (-1: the settings'); fixed for a run")
	f.warmupSteps = fs.Int("warmup-steps", -1, "linear warm-up of --schedule cosine, optimizer `STEPS` (-1: the settings'); fixed for a run")
	f.decimate = fs.Int("decimate", -1, "train on every `K`th sample of the window, evaluate at full resolution (1: every sample; -1: the settings'); fixed for a run")
	f.embeddings = fs.String("embeddings", "", "per-model feature table `FILE` as \"noble fi\" writes it, whose extra columns (AHP_depth) replace the dataset's: the dataset's own table plus columns, checked model by model; the traces are reused")
	f.quiet = fs.Bool("quiet", false, "no progress or per-epoch lines on stderr")
	f.stages = fs.String("stages", "", "run `PRESET[:EPOCHS],...` one after another in DIR/stage-1, stage-2, ..., each from the latest weights of the one before, and copy the last one's model to DIR/model.safetensors (the best recipe from random weights on a 2-core budget: "+train.CPURecipe+"); takes --config (settings all stages share), --init (the first stage's), --workers, --snapshot-every and --quiet")
	c := &cli.Command{
		Name:      "train",
		UsageLine: "train --data DIR --out DIR --stages PRESET[:EPOCHS],... [--config FILE] [--init FILE] [--workers N] [--snapshot-every N] [--quiet]\n  noble train --data DIR --out DIR [--config FILE] [--preset paper|cpu|finetune|cpu-spikes] [--epochs N] [--workers N] [--init FILE] [--snapshot-every N] [--lr-at EPOCH:LR,...] [--select-by loss|spikecount] [--optimizer adam|adamw] [--weight-decay RATE] [--loss l1|l2|l4|h1] [--loss-form relative|absolute] [--plateau-on train|test_l4] [--feature-loss NAME=λ,...] [--feature-loss-form relative|absolute] [--group-norm] [--embedding SPEC] [--ema D] [--schedule plateau|cosine] [--lr-min RATE] [--warmup-steps N] [--decimate K] [--quiet]\n  noble train --out DIR --export FILE",
		Short:     "train the NOBLE neural operator on a dataset",
		Long: `Train fits the NOBLE Fourier neural operator to a dataset's traces with the
published recipe (relative L4 loss, Adam lr 0.004, ReduceLROnPlateau factor 0.4
patience 4, batch 64, 300 epochs, random 515 ms windows in the first 30 ms) or
the "cpu" preset (batch 16, 50 epochs of 1024 traces, 128 evaluation traces per
test split, the published architecture). From random weights on a 2-core
budget, the best recipe measured has three stages: "cpu" for 64 epochs, "cpu"
again for 40 from its latest weights (a warm restart), then "cpu-spikes" from
those (an L1 data loss with spike-count, spike-timing and spike-envelope
terms at weight 4, Adam lr 0.0001, 32 epochs of 1024 traces, the best epoch
by held-out spike counts). One command runs them:

  noble train --data DIR --out RUN --stages ` + train.CPURecipe + `

--stages PRESET[:EPOCHS],... trains each stage in RUN/stage-1, stage-2, ...,
from the latest weights of the stage before (exported as latest.safetensors
in its directory: a run's model.safetensors is its best epoch, which can be
a silent one), each selecting its model by held-out spike counts, and copies
the last stage's model to RUN/model.safetensors. Running the same command
again resumes the stage that was interrupted; the last stage's epochs may be
raised to extend it, an earlier stage's not once the next has begun. By hand, the same is --export
FILE and --init FILE between runs. A --config file holds train.Settings as
JSON; flags override it (with --stages, its settings are shared by every
stage and may not set preset, epochs or select_by).

The run directory receives config.json (the resolved settings), metrics.jsonl
(one JSON object per epoch: train loss, held-out and seen-model relative L2 and
L4, learning rate, seconds), model.safetensors (the best model by held-out
relative L4, or as --select-by says, with its protocol, embedding scaling,
models and provenance) and checkpoint.safetensors, written after every epoch
(and every few batches with the cpu preset). Run the same command again after
an interruption (Ctrl-C, or even kill -9) and training resumes exactly where
the last checkpoint left it. On Ctrl-C a checkpoint is written at the next
batch boundary. When training ends, the best model's path, epoch, selection
(what it is the best of) and value are printed on stdout.

model.safetensors keeps only the best epoch by held-out loss, which for a
surrogate still learning to fire is often a silent one: --select-by spikecount
makes it the best by the held-out traces' Spikecount error instead (over the
evaluated traces on which the simulator fires; refused before training if none
does), and --snapshot-every N also keeps the model of every Nth epoch
(epoch-0010.safetensors, ...).

--lr-at 21:0.0016 sets the learning rate from epoch 21 on (the plateau
scheduler goes on from there), on a new run or one being resumed: the cut a
batch-16 run that sits on the loss plateau without firing needs, keeping the
run's Adam state, metrics and checkpoint (docs/results.md). Cuts are stored in
config.json, so later resumes need not repeat them; a cut for an epoch that
has begun cannot change.

--group-norm adds two GroupNorm(1, width) to each Fourier layer, after the
spectral convolution and after the channel MLP, as neuraloperator's
norm="group_norm" (model files and config.json record it as group_norm).

--embedding sets the operator's input channels (surrogate.Embedding): the
NeRF of the step amplitude p = 10·A with K_amp frequencies, then that of each
listed feature in the order listed (i_thr, s_thr, AHP_depth: columns of the
cell's feature table, min-max scaled over its models) with its own K, for
1 + 2·K_amp + 2·ΣK channels. NOBLE's ablation "both + AHP depth" is
amp=9,s_thr=1,i_thr=1,AHP_depth=1 (25 channels). AHP_depth is in the dataset
when the table it was made from (noble dataset --embeddings) has noble fi's
AHP_depth column; for a dataset made without it, --embeddings FILE gives
the table (the dataset's own I_thr and s_thr, checked model by model, plus
the column) without simulating the traces again. Types: freq
(sin(2^k·π·p·t), the published one), amp (p·sin(2^k·π·t)) and none
(sin(2^k·π·t)), for the amplitude (amp_type) and the features (feature_type).
"amp=9" embeds no feature; "amp=0" leaves the current channel alone. The model
file records the embedding, and synth, eval, compare, serve and predict use it.

Recipe options for sample efficiency, each fixed for a run and recorded in
config.json only when on:
  --ema D          an exponential moving average of the parameters, updated
                   after every optimizer step n = 0, 1, ... as
                   ema = d·ema + (1−d)·w with d = min(D, (1+n)/(10+n)), from
                   the initial parameters; the per-epoch evaluation,
                   model.safetensors, the snapshots and --export use it,
                   training steps the raw parameters.
  --schedule cosine
                   the learning rate of step s (of S = epochs × batches per
                   epoch, W = --warmup-steps) is lr·(s+1)/W for s < W, then
                   lr_min + (lr − lr_min)·(1 + cos(π(s−W)/(S−W)))/2, with
                   lr_min = --lr-min; the plateau settings (lr_factor,
                   lr_patience, plateau_on, --lr-at) are refused with it, and
                   a cosine run cannot change --epochs.
  --decimate K     train on every Kth sample of each window (inputs and
                   target), so a step costs about 1/K; the per-epoch
                   evaluation stays at full resolution. Not with a feature
                   loss.

--init starts a new run from a trained model's parameters (fine-tuning, or a
second stage with another learning rate); Adam and the schedule start afresh.

--export writes the parameters of a run's latest checkpoint, finished epoch or
not, as a model file usable by predict, synth, eval and serve, while the run
directory stays as it is (the run may even be going on).

The reference code's training options: --optimizer adamw is neuralop's AdamW
(eps 1e-6, decoupled --weight-decay, one second moment per complex spectral
weight); --loss l1|l2|l4|h1 with --loss-form relative|absolute are neuralop's
LpLoss and H1Loss; --plateau-on test_l4 steps the plateau scheduler on the
held-out relative L4 instead of the training loss. --preset finetune is the
reference's fine-tuning recipe (AdamW lr 0.0005, plateau factor 0.4 patience
12, batch 64, feature loss sag_amplitude=25) and needs --init; --feature-loss
and --feature-loss-form set its feature terms (a feature loss always needs
--init). Each of these is fixed for a run. metrics.jsonl has the relative L1,
L2, L4 and H1 of the evaluated test traces and, as the reference code logs
them, their feature errors (test_held_features, test_seen_features).

Fine-tuning: --feature-loss NAME=λ,... adds to the data loss of every batch
Σ λ·Σ_b (f̂_b − f_b)²/(Σ_b f_b² + 1e-8) (--feature-loss-form absolute: without
the denominator) over differentiable features of the prediction f̂ and of
the target trace f, in the stimulus window the current channel shows:
  sag_amplitude  mV, steady state over the last 10 % of the step minus the
                 soft minimum (the reference's)
  AP1_width      ms, width of the first spike (the reference's, commit 298bba3)
  spike_count    number of upward crossings of −20 mV (soft)
  spike_timing   van Rossum distance (τ 5 ms) to the target's spikes
  spike_envelope the highest spike and deepest trough of each 20 ms
                 segment of the step (soft maxima, minima) against the
                 target's
Their gradients join the data loss's; metrics.jsonl adds train_feature_loss
(Σ λ·term per trace, beside train_loss, the data loss) and
train_feature_terms, and the plateau scheduler on "train" watches data plus
feature loss. A misspelt term is refused before any data is read.

Many machines: a binary built with "go build -tags mpi ./cmd/noble" and
started by mpirun -np N (or srun) trains data-parallel over the N ranks:
each takes its share of every batch, the gradients are summed over the
ranks in rank order, and rank 0 writes the run directory (which all ranks
must see). --workers counts the workers of all ranks together and must be
a multiple of N; with one worker per rank the run equals, bit for bit, one
process with --workers N, and a run may resume with any number of ranks
that divides --workers. A rank that fails or dies ends the job; run the
same command to resume from the last checkpoint (docs/training-mpi.md).`,
		Flags: fs,
	}
	c.Run = func(ctx context.Context, args []string) error {
		if len(args) > 0 {
			return cli.Usagef("unexpected arguments %q", args)
		}
		if *f.export != "" {
			if *f.out == "" {
				return cli.Usagef("--export needs the run directory --out")
			}
			p, err := train.ExportLatest(*f.out, *f.export)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s\tepoch %d\tstep %d\n", *f.export, p.Epoch, p.Step)
			return nil
		}
		if *f.data == "" || *f.out == "" {
			return cli.Usagef("--data and --out are required")
		}
		if *f.stages != "" {
			if err := checkStagesFlags(fs); err != nil {
				return err
			}
			base, err := f.settings()
			if err != nil {
				return err
			}
			stages, err := train.ParseStages(*f.stages, base)
			if err != nil {
				return cli.Usagef("--stages %s: %v", *f.stages, err)
			}
			return runStages(ctx, trainInput{dir: *f.data}, *f.out, stages, base, *f.quiet, stdout, stderr)
		}
		s, err := f.settings()
		if err != nil {
			return err
		}
		return runTrain(ctx, trainInput{dir: *f.data, embeddings: *f.embeddings}, *f.out, &s, *f.quiet, stdout, stderr)
	}
	return c
}

// trainFlags are the flags of noble train.
type trainFlags struct {
	data            *string
	out             *string
	config          *string
	preset          *string
	epochs          *int
	workers         *int
	init            *string
	export          *string
	snapshots       *int
	lrAt            *string
	selectBy        *string
	optimizer       *string
	weightDecay     *float64
	loss            *string
	lossForm        *string
	plateauOn       *string
	featureLoss     *string
	featureLossForm *string
	groupNorm       *bool
	embedding       *string
	ema             *float64
	schedule        *string
	lrMin           *float64
	warmupSteps     *int
	decimate        *int
	embeddings      *string
	quiet           *bool
	stages          *string
}

// settings returns the training settings the flags give: the --config file's
// (or the zero value), with every flag that is set overriding its field. The
// result is checked to resolve.
func (f *trainFlags) settings() (train.Settings, error) {
	if *f.epochs < 0 {
		return train.Settings{}, cli.Usagef("--epochs %d: must be positive", *f.epochs)
	}
	if *f.snapshots < -1 {
		return train.Settings{}, cli.Usagef("--snapshot-every %d: must be ≥ 0", *f.snapshots)
	}
	if *f.workers < -1 {
		return train.Settings{}, cli.Usagef("--workers %d: must be ≥ 0", *f.workers)
	}
	var s train.Settings
	if *f.config != "" {
		var err error
		if s, err = train.ReadSettingsFile(*f.config); err != nil {
			return train.Settings{}, err
		}
	}
	if *f.preset != "" {
		s.Preset = *f.preset
	}
	if *f.epochs > 0 {
		s.Epochs = *f.epochs
	}
	if *f.workers >= 0 {
		s.Workers = *f.workers
	}
	if *f.init != "" {
		s.Init = *f.init
	}
	if *f.snapshots >= 0 {
		s.SnapshotEvery = *f.snapshots
	}
	if *f.selectBy != "" {
		s.SelectBy = *f.selectBy
	}
	if *f.groupNorm {
		s.Model.GroupNorm = true
	}
	if *f.embedding != "" {
		e, err := surrogate.ParseEmbedding(*f.embedding)
		if err != nil {
			return train.Settings{}, cli.Usagef("--embedding: %v", err)
		}
		s.Embedding = &e
	}
	if *f.decimate < 1 && *f.decimate != -1 {
		return train.Settings{}, cli.Usagef("--decimate %d: must be ≥ 1", *f.decimate)
	}
	if *f.warmupSteps < -1 {
		return train.Settings{}, cli.Usagef("--warmup-steps %d: must be ≥ 0", *f.warmupSteps)
	}
	if *f.lrMin < 0 && *f.lrMin != -1 {
		return train.Settings{}, cli.Usagef("--lr-min %g: must be ≥ 0", *f.lrMin)
	}
	if *f.ema != -1 {
		s.EMA = *f.ema // out of [0, 1) refused by Resolved, naming ema
	}
	if *f.lrMin != -1 {
		s.LRMin = *f.lrMin
	}
	if *f.warmupSteps != -1 {
		s.WarmupSteps = *f.warmupSteps
	}
	if *f.decimate != -1 {
		s.Decimate = *f.decimate
	}
	if *f.weightDecay < 0 && *f.weightDecay != -1 {
		return train.Settings{}, cli.Usagef("--weight-decay %g: must be ≥ 0", *f.weightDecay)
	}
	for _, o := range []struct {
		v   string
		dst *string
	}{
		{*f.optimizer, &s.Optimizer}, {*f.lossForm, &s.LossForm}, {*f.plateauOn, &s.PlateauOn},
		{*f.featureLoss, &s.FeatureLoss}, {*f.featureLossForm, &s.FeatureLossForm}, {*f.schedule, &s.Schedule},
	} {
		if o.v != "" {
			*o.dst = o.v
		}
	}
	if *f.loss != "" {
		s.Loss, s.LossP = *f.loss, 0 // loss_p is the older spelling of the file's loss
	}
	if *f.weightDecay >= 0 {
		s.WeightDecay = *f.weightDecay
	}
	if *f.lrAt != "" {
		cuts, err := parseLRAt(*f.lrAt)
		if err != nil {
			return train.Settings{}, cli.Usagef("--lr-at %s: %v", *f.lrAt, err)
		}
		if s.LRAt == nil {
			s.LRAt = make(map[int]float64, len(cuts))
		}
		maps.Copy(s.LRAt, cuts)
	}
	if _, err := s.Resolved(); err != nil {
		return train.Settings{}, cli.Usagef("%v", err)
	}
	return s, nil
}

// parseLRAt parses "EPOCH:LR,EPOCH:LR,...".
func parseLRAt(v string) (map[int]float64, error) {
	cuts := make(map[int]float64)
	for item := range strings.SplitSeq(v, ",") {
		e, lr, ok := strings.Cut(strings.TrimSpace(item), ":")
		if !ok {
			return nil, fmt.Errorf("%q: want EPOCH:LR", item)
		}
		epoch, err := strconv.Atoi(e)
		if err != nil || epoch < 1 {
			return nil, fmt.Errorf("%q: epoch %q must be a positive integer", item, e)
		}
		rate, err := strconv.ParseFloat(lr, 64)
		if err != nil || !(rate > 0) || math.IsInf(rate, 0) {
			return nil, fmt.Errorf("%q: learning rate %q must be a positive number", item, lr)
		}
		if _, dup := cuts[epoch]; dup {
			return nil, fmt.Errorf("epoch %d given twice", epoch)
		}
		cuts[epoch] = rate
	}
	return cuts, nil
}

// trainInput is the data of a run: a dataset directory, and the table of
// per-model features that replaces its extra features ("" for none).
type trainInput struct{ dir, embeddings string }

func runTrain(ctx context.Context, dataDir trainInput, out string, s *train.Settings, quiet bool, stdout, stderr io.Writer) error {
	if mpi.Launched() {
		return runTrainMPI(ctx, dataDir, out, s, quiet, stdout, stderr)
	}
	return trainRanks(ctx, nil, dataDir, out, s, quiet, stdout, stderr)
}

// runTrainMPI is runTrain in one rank of an MPI job (mpirun -np N noble
// train ...). Rank 0 reports as a lone process does, and at the end the
// time per step and the share of it spent in the sums over ranks; the
// other ranks are quiet. A rank that fails prints its error and aborts the
// job (MPI_Abort), so that no rank waits for it in a sum.
func runTrainMPI(ctx context.Context, dataDir trainInput, out string, s *train.Settings, quiet bool, stdout, stderr io.Writer) error {
	c, err := mpi.Init()
	if err != nil {
		return fmt.Errorf("started by an MPI launcher: %w", err)
	}
	comm := &timedComm{Comm: c}
	if c.Rank() != 0 {
		quiet, stdout = true, io.Discard
	}
	err = trainRanks(ctx, comm, dataDir, out, s, quiet, stdout, stderr)
	// An interruption stops all ranks at the same batch (train.TrainRanks):
	// they end normally. Any other error may leave the others in a sum.
	if err != nil && !errors.Is(err, context.Canceled) && c.Size() > 1 {
		fmt.Fprintf(stderr, "noble: rank %d of %d: %v\n", c.Rank(), c.Size(), err)
		c.Abort(1)
	}
	if ferr := c.Finalize(); err == nil {
		err = ferr
	}
	return err
}

// timedComm measures the time spent in the sums over ranks while
// training (on: not in the evaluation, which gathers predictions): the
// communication, and the wait for the slowest rank.
type timedComm struct {
	*mpi.Comm
	on    bool
	spent time.Duration
}

func (c *timedComm) SumFloat32(buf []float32) error {
	t := time.Now()
	err := c.Comm.SumFloat32(buf)
	if c.on {
		c.spent += time.Since(t)
	}
	return err
}

func (c *timedComm) SumFloat64(buf []float64) error {
	t := time.Now()
	err := c.Comm.SumFloat64(buf)
	if c.on {
		c.spent += time.Since(t)
	}
	return err
}

// trainRanks trains in one process (comm nil) or as one rank of comm.
func trainRanks(ctx context.Context, comm *timedComm, dataDir trainInput, out string, s *train.Settings, quiet bool, stdout, stderr io.Writer) error {
	d, err := train.OpenDatasetFeatures(dataDir.dir, dataDir.embeddings, s.InputEmbedding().ExtraFeatures())
	if err != nil {
		return err
	}
	// One progress line at a time, each begun when its work begins (rates
	// are measured from then): an epoch's training, then the evaluation of
	// each test split. Log lines pass above it.
	st := cli.NewStatus(stderr, quiet)
	var prog *cli.Progress
	last := 0
	end := func() {
		if prog != nil {
			prog.Done()
			prog = nil
		}
	}
	begin := func(label string, done, total int) {
		end()
		prog, last = st.Progress(label, "traces", total), done
		prog.Skip(done)
	}
	advance := func(done int) {
		if prog != nil {
			prog.Add(done - last)
			last = done
		}
	}
	// Training steps and their wall time, from an epoch's (re)start to
	// its last batch (for the MPI summary).
	var steps int
	var stepTime time.Duration
	var since time.Time
	hooks := &train.Hooks{
		Begin: func(epoch, done, total int) {
			begin(fmt.Sprintf("epoch %d", epoch), done, total)
			since = time.Now()
			if comm != nil {
				comm.on = true
			}
		},
		Batch: func(epoch, done, total int) {
			advance(done)
			steps++
			stepTime += time.Since(since)
			since = time.Now()
		},
		EvalBatch: func(epoch int, split string, done, total int) {
			if done == 0 {
				begin(fmt.Sprintf("epoch %d: evaluating %s", epoch, split), 0, total)
			}
			advance(done)
		},
		Eval: func(epoch int, done bool) {
			end()
			if comm != nil {
				comm.on = false
			}
		},
		Epoch: func(m train.Metrics) { st.Logf("%s", epochLine(m)) },
	}
	var res *train.Result
	if comm != nil {
		res, err = train.TrainRanks(ctx, comm, d, out, s, hooks)
		if steps > 0 {
			st.Logf("noble train: %d ranks: %d steps, %.3f s per step, of which %.3f s (%.1f %%) in sums over ranks (rank 0)",
				comm.Size(), steps, stepTime.Seconds()/float64(steps), comm.spent.Seconds()/float64(steps),
				100*comm.spent.Seconds()/stepTime.Seconds())
		}
	} else {
		res, err = train.Train(ctx, d, out, s, hooks)
	}
	end()
	if errors.Is(err, context.Canceled) {
		st.Logf("noble train: interrupted; checkpoint written, run the same command to resume")
	}
	if err != nil {
		return err
	}
	if res.BestEpoch == 0 {
		return fmt.Errorf("no epoch finished")
	}
	fmt.Fprintf(stdout, "%s\tepoch %d\t%s %.6g\n", filepath.Join(out, train.ModelName), res.BestEpoch, res.Selection, res.BestLoss)
	return nil
}

// epochLine is the stderr line of a finished epoch.
func epochLine(m train.Metrics) string {
	line := fmt.Sprintf("noble train: epoch %d: train %.4g", m.Epoch, m.TrainLoss)
	if m.TrainFeatureLoss != nil {
		line += fmt.Sprintf(" + features %.4g", *m.TrainFeatureLoss)
	}
	if m.HeldL4 != nil {
		line += fmt.Sprintf(", held-out L2 %.4g L4 %.4g%s", *m.HeldL2, *m.HeldL4, firing(m.HeldSpikes))
	}
	if m.SeenL4 != nil {
		line += fmt.Sprintf(", seen L2 %.4g L4 %.4g%s", *m.SeenL2, *m.SeenL4, firing(m.SeenSpikes))
	}
	line += fmt.Sprintf(", lr %.3g, %.0f s", m.LR, m.Seconds)
	if m.Best {
		line += " (best)"
	}
	return line
}

// firing describes spike statistics for the epoch line: how many of the
// traces that fire in the simulator also fire in the operator.
func firing(s *train.SpikeStats) string {
	if s == nil || s.Firing == 0 {
		return ""
	}
	return fmt.Sprintf(" (fires on %d of %d firing traces)", s.Firing-s.MissedFiring, s.Firing)
}
