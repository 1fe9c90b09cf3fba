package train

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/internal/atomicfile"
	"github.com/noble-neuro/noble/surrogate"
	"golang.org/x/sync/errgroup"
)

// Files of a run directory.
const (
	ConfigName     = "config.json"            // the resolved Settings
	CheckpointName = "checkpoint.safetensors" // the latest state (see CheckpointFormat)
	ModelName      = "model.safetensors"      // the best model so far, an fno model file
	MetricsName    = "metrics.jsonl"          // one Metrics JSON object per finished epoch
)

// SnapshotName is the name of the model file of the parameters at the end
// of an epoch (Settings.SnapshotEvery).
func SnapshotName(epoch int) string { return fmt.Sprintf("epoch-%04d.safetensors", epoch) }

// SelectedEpoch is Provenance.Selected of a snapshot.
const SelectedEpoch = "epoch"

// ErrDiverged is returned when the training loss of a batch is not finite;
// the parameters are left as they were before that batch.
var ErrDiverged = errors.New("train: loss not finite")

// Metrics are the measurements of one finished epoch, written as a JSON
// line to metrics.jsonl. Test losses are relative norms averaged over the
// evaluated traces: 0.1 means 10 %. L2 and L4 are fno.RelLpLoss, L1 and H1
// neuraloperator's relative LpLoss(p=1) and H1Loss (fno.LpLoss,
// fno.H1Loss), as the reference code logs them. Test losses are absent
// when the dataset has no such split (L1 and H1 also in runs older than
// them).
type Metrics struct {
	Epoch       int     `json:"epoch"`        // 1-based
	TrainLoss   float64 `json:"train_loss"`   // the training loss (Settings.Loss, LossForm) over the epoch's traces, per trace
	TrainTraces int     `json:"train_traces"` // traces trained on in the epoch
	// TrainFeatureLoss is the fine-tuning feature loss Σ_terms λ·L over the
	// epoch's batches, per trace as TrainLoss (which stays the data loss
	// alone); TrainFeatureTerms is each term's unweighted L, per trace
	// (feature name → value, so that TrainFeatureLoss = Σ λ·term). Both
	// are absent without a feature loss (Settings.FeatureLoss).
	TrainFeatureLoss  *float64           `json:"train_feature_loss,omitempty"`
	TrainFeatureTerms map[string]float64 `json:"train_feature_terms,omitempty"`
	HeldL1            *float64           `json:"test_held_l1,omitempty"`
	HeldL2            *float64           `json:"test_held_l2,omitempty"`
	HeldL4            *float64           `json:"test_held_l4,omitempty"`
	HeldH1            *float64           `json:"test_held_h1,omitempty"`
	SeenL1            *float64           `json:"test_seen_l1,omitempty"`
	SeenL2            *float64           `json:"test_seen_l2,omitempty"`
	SeenL4            *float64           `json:"test_seen_l4,omitempty"`
	SeenH1            *float64           `json:"test_seen_h1,omitempty"`
	// Spike counts of the operator against the simulator on the same
	// traces (absent with the split, or in runs older than this field).
	HeldSpikes *SpikeStats `json:"test_held_spikes,omitempty"`
	SeenSpikes *SpikeStats `json:"test_seen_spikes,omitempty"`
	// Feature errors of the operator against the simulator on the same
	// traces, as the reference code logs them per epoch
	// (features.Comparison over the features it extracts,
	// features.ReferenceFiring on traces on which both fire and
	// ReferenceSilent on those on which neither does; the misses are in
	// the spike statistics): feature name → mean relative error (0.1 is
	// 10 %) and the traces compared. Features compared on no trace are
	// left out; absent in runs older than this field.
	HeldFeatures map[string]FeatureError `json:"test_held_features,omitempty"`
	SeenFeatures map[string]FeatureError `json:"test_seen_features,omitempty"`
	LR           float64                 `json:"lr"`      // learning rate used in the epoch (with the cosine schedule, by its first step)
	NextLR       float64                 `json:"next_lr"` // after the scheduler's step (cosine: of the next epoch's first step)
	Seconds      float64                 `json:"seconds"` // wall time of the epoch (training and evaluation)
	Best         bool                    `json:"best"`    // the epoch's model became model.safetensors
}

// Provenance is the training record stored in the model file.
type Provenance struct {
	Cell     string   `json:"cell"`
	DataID   string   `json:"data_id"`
	Settings Settings `json:"settings"`
	Epoch    int      `json:"epoch"`    // epoch of the stored parameters (for an export of a mid-epoch checkpoint, the last finished one)
	Step     int64    `json:"step"`     // optimizer steps that made the parameters
	Selected string   `json:"selected"` // the loss the model was selected by, "latest" (ExportLatest) or SelectedEpoch (a snapshot)
	Metrics  Metrics  `json:"metrics"`  // of that epoch (Seconds zeroed, to keep files reproducible)
}

// Hooks receive progress; nil fields are skipped. They run on Train's
// goroutine and should return quickly.
type Hooks struct {
	// Begin is called when an epoch's training begins, or resumes, with
	// the traces done before (0 unless resuming mid-epoch) and the total
	// of the epoch: the moment from which to measure a rate.
	Begin func(epoch, done, total int)
	// Batch is called after each training batch with the traces done and
	// the total of the epoch.
	Batch func(epoch, done, total int)
	// Eval is called before and after evaluating an epoch (done = false,
	// true).
	Eval func(epoch int, done bool)
	// EvalBatch is called as an epoch's evaluation advances: when a test
	// split's evaluation begins (done = 0) and after each of its batches,
	// with the traces done and the split's total to evaluate. Splits
	// without traces are skipped.
	EvalBatch func(epoch int, split string, done, total int)
	// Epoch is called after each finished epoch.
	Epoch func(m Metrics)
}

// Result summarises a (possibly resumed) run.
type Result struct {
	Settings   Settings // resolved
	Resumed    bool     // the run continued from a checkpoint
	StartedAt  int      // first epoch this call worked on (1-based)
	Epochs     int      // epochs finished in total
	BestEpoch  int      // epoch of model.safetensors (0: none)
	BestLoss   float64  // its selection loss
	Selection  string   // what selects the best model: "test_held_l4", "test_seen_l4", "train_loss", "test_held_spikecount" or "test_seen_spikecount"
	Metrics    []Metrics
	PeakShards int // most training shards held in memory at once
}

// Train trains a NOBLE operator on data in the run directory dir (created
// if needed), or continues the run found there. With a checkpoint in dir it
// resumes exactly where it stopped: parameters, Adam moments and step, the
// scheduler, the data order and the window offsets are restored, so that an
// interrupted run ends bit for bit as an uninterrupted one (for the same
// Settings.Workers). The resolved settings must equal those of the
// checkpoint except Epochs, which may be raised to extend a run (not one
// with the cosine schedule, whose length it sets),
// SnapshotEvery, and LRAt, whose entries join the run's (Settings.LRAt).
// A run refused before training (settings, data, checkpoint, init model or
// selection) has neither created dir nor written into it.
//
// Every epoch ends with an evaluation on the test splits, a line in
// metrics.jsonl, model.safetensors when the selection value improved (the
// held-out models' relative L4 if the data has them, else the seen models'
// at new amplitudes, else the training loss; or their Spikecount error,
// Settings.SelectBy), and a checkpoint. When ctx is
// cancelled Train stops at the next batch boundary, writes a checkpoint and
// returns ctx.Err().
//
// Memory: the operator's workspaces (fno.Model.WorkspaceBytes: about 53 MB
// per trace of Chunk × Workers), one batch of inputs (BatchSize × 23 ×
// WindowSamples float32: 50 MB at batch 64), and at most 2·ShardBuffer
// training shards, or the shards one batch touches when a batch holds more
// traces than ShardBuffer shards; evaluation holds one test shard at a time.
func Train(ctx context.Context, data Data, dir string, s *Settings, hooks *Hooks) (*Result, error) {
	return train(ctx, nil, data, dir, s, hooks)
}

// train is Train, or TrainRanks with a comm of more than one rank.
func train(ctx context.Context, comm Comm, data Data, dir string, s *Settings, hooks *Hooks) (*Result, error) {
	if s == nil {
		s = &Settings{}
	}
	set, err := s.Resolved()
	if err != nil {
		return nil, err
	}
	if hooks == nil {
		hooks = &Hooks{}
	}
	info := data.Info()
	if err := info.validate(); err != nil {
		return nil, err
	}
	if k := set.Decimation(); k > 1 {
		if l := coarseLen(info.WindowSamples, k); l/2+1 < set.Model.Modes {
			return nil, fmt.Errorf("%w: decimate = %d: the window of %d samples becomes %d, which has %d Fourier modes, fewer than the model's %d",
				ErrSettings, k, info.WindowSamples, l, l/2+1, set.Model.Modes)
		}
	}
	if set.HasFeatureLoss() && info.WindowSamples < 3 {
		return nil, fmt.Errorf("%w: a feature loss needs windows of at least 3 samples, the data's have %d", ErrData, info.WindowSamples)
	}
	sizes := data.ShardSizes(SplitTrain)
	if len(sizes) == 0 {
		return nil, fmt.Errorf("%w: no training traces", ErrData)
	}
	for _, n := range sizes {
		if n < 1 {
			return nil, fmt.Errorf("%w: an empty training shard", ErrData)
		}
	}
	r := &runner{data: data, info: info, dir: dir, set: set, hooks: hooks, comm: comm}
	defer func() {
		if r.model != nil {
			r.model.Close()
		}
	}()
	// Everything that can refuse the run (the checkpoint, the init model,
	// the selection) is checked before the run directory is created or
	// written to, so that a refused run leaves nothing behind.
	fresh, err := r.start()
	if err != nil {
		return nil, err
	}
	if err := r.checkSelection(ctx); err != nil {
		return nil, err
	}
	if err := r.create(fresh); err != nil {
		return nil, err
	}
	return r.run(ctx)
}

// runner is the state of one Train call.
type runner struct {
	data  Data
	info  DataInfo
	dir   string
	set   Settings
	hooks *Hooks

	// TrainRanks: the ranks (nil in one process), the caller's ctx, whose
	// cancellation sumRanks shares, and the batch loss and the number of
	// interrupted ranks, summed over the ranks.
	comm      Comm
	interrupt context.Context
	sums      [2]float64

	model *fno.Model
	opt   *fno.Adam // Adam or AdamW (Settings.Optimizer)
	loss  fno.Loss  // the training loss, nil for TrainBatch's relative L2/L4
	ft    *fineTune // the data and feature loss of a fine-tuning run, nil without a feature loss
	sched *fno.Plateau
	avg   *ema  // the parameters' moving average, nil without Settings.EMA
	steps int64 // the run's optimizer steps, Epochs × epochBatches (the cosine schedule's length)
	st    state
	res   Result

	ld         *loader   // training shards
	x, y, yhat []float32 // batch buffers
	xf, yf     []float32 // a decimated batch at full resolution (Settings.Decimate)
	lossGrad   []float32 // RelLpLoss's gradient output (unused)
}

func (r *runner) path(name string) string { return filepath.Join(r.dir, name) }

// start builds a fresh run (fresh = true) or restores the checkpoint. It
// only reads: the run directory may not exist yet (see create).
func (r *runner) start() (fresh bool, err error) {
	cfg := r.set.FNO()
	m, err := fno.New(cfg, r.set.Seed)
	if err != nil {
		return false, err
	}
	m.Workers, m.Chunk = r.set.Workers, r.set.Chunk
	if r.comm != nil {
		m.Workers /= r.comm.Size() // TrainRanks: Workers counts all ranks'
	}
	r.model = m
	if r.set.Optimizer == OptimizerAdamW {
		r.opt = fno.NewAdamW(len(m.Params), r.set.LR, cfg.ComplexSpans())
	} else {
		r.opt = fno.NewAdam(len(m.Params), r.set.LR)
	}
	r.opt.WeightDecay = r.set.WeightDecay
	r.loss = trainingLoss(r.set)
	if r.set.HasFeatureLoss() {
		if r.ft, err = newFineTune(r.set, r.info.DtMS); err != nil {
			return false, err
		}
	}
	r.sched = fno.NewPlateau(r.set.LRFactor, r.set.Patience)
	r.steps = int64(r.set.Epochs) * int64(epochBatches(&r.set, r.data.ShardSizes(SplitTrain)))
	r.st = state{Settings: r.set, DataID: r.info.ID, Epoch: 1, BestLoss: jsonFloat(math.Inf(1))}
	sel, err := r.selection()
	if err != nil {
		return false, err
	}
	r.res = Result{Settings: r.set, Selection: sel}

	st, ts, err := readCheckpoint(r.path(CheckpointName))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fresh = true
		if err := initParams(m, r.set.Init, r.set.InputEmbedding()); err != nil {
			return false, err
		}
		if r.set.EMA > 0 {
			r.avg = newEMA(r.set.EMA, m.Params)
		}
	case err != nil:
		return false, err
	default:
		st.Settings.upgrade() // a checkpoint from before some fields
		if d := sameRun(r.set, st.Settings); d != "" {
			return false, fmt.Errorf("%s: %w: the run was started with other settings (%s); use the same settings or another directory",
				r.path(CheckpointName), ErrCheckpoint, d)
		}
		if r.set.Cosine() && r.set.Epochs != st.Settings.Epochs {
			return false, fmt.Errorf("%s: %w: epochs: %d, was %d: they set the length of the %q schedule; use the run's",
				r.path(CheckpointName), ErrCheckpoint, r.set.Epochs, st.Settings.Epochs, ScheduleCosine)
		}
		if st.DataID != r.info.ID {
			return false, fmt.Errorf("%s: %w: the run was started on data %q, not %q", r.path(CheckpointName), ErrCheckpoint, st.DataID, r.info.ID)
		}
		if st.Params != len(m.Params) {
			return false, fmt.Errorf("%s: %w: %d parameters, the model has %d", r.path(CheckpointName), ErrCheckpoint, st.Params, len(m.Params))
		}
		begun := st.Epoch // the first epoch not yet begun
		if st.Batch > 0 {
			begun++
		}
		lrAt, d := mergeLRAt(r.set.LRAt, st.Settings.LRAt, begun)
		if d != "" {
			return false, fmt.Errorf("%s: %w: %s", r.path(CheckpointName), ErrCheckpoint, d)
		}
		r.set.LRAt = lrAt
		r.res.Settings = r.set
		copy(m.Params, ts[0])
		copy(r.opt.M, ts[1])
		copy(r.opt.V, ts[2])
		if r.set.EMA > 0 { // decodeCheckpoint has checked that ts[3] is there
			r.avg = newEMA(r.set.EMA, ts[3])
		}
		r.opt.LR, r.opt.Step = st.LR, st.AdamStep
		r.sched.Best = float64(st.Plateau.Best)
		r.sched.BadEpochs, r.sched.CooldownCounter = st.Plateau.BadEpochs, st.Plateau.CooldownCounter
		st.Settings = r.set // Epochs, SnapshotEvery and LRAt may differ
		r.st = *st
		r.res.Resumed = true
		if err := r.trimMetrics(); err != nil {
			return false, err
		}
	}
	r.res.StartedAt = r.st.Epoch
	r.res.Epochs = r.st.Epoch - 1
	r.res.BestEpoch, r.res.BestLoss = r.st.BestEpoch, float64(r.st.BestLoss)
	return fresh, nil
}

// create makes the run directory, if needed, and writes config.json. A
// fresh run first forgets the metrics and model that a run killed before
// its first checkpoint left behind.
func (r *runner) create(fresh bool) error {
	if !r.writer() {
		return nil
	}
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return err
	}
	if fresh {
		for _, name := range []string{MetricsName, ModelName} {
			if err := os.Remove(r.path(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	return r.writeConfig()
}

// initParams overwrites m's parameters with those of the model file path
// (Settings.Init), if any. Only a fresh run reads it: a resumed run's
// parameters come from its checkpoint.
func initParams(m *fno.Model, path string, emb surrogate.Embedding) error {
	if path == "" {
		return nil
	}
	src, meta, err := fno.LoadFile(path)
	if err != nil {
		return fmt.Errorf("%w: init: %w", ErrSettings, err)
	}
	defer src.Close()
	if src.Config() != m.Config() {
		return fmt.Errorf("%w: init %s: architecture %+v, the run's is %+v", ErrSettings, path, src.Config(), m.Config())
	}
	// Two embeddings may have the same channel count (s_thr or I_thr
	// alone): the channels must also mean the same.
	var sc surrogate.Scaling
	if meta.Scaling != nil {
		sc = *meta.Scaling
	}
	mi, err := surrogate.ReadMeta(meta.Extra, sc)
	if err != nil {
		return fmt.Errorf("%w: init %s: %w", ErrSettings, path, err)
	}
	if !mi.Embedding.Equal(emb) {
		return fmt.Errorf("%w: init %s: embedding %v, the run's is %v", ErrSettings, path, mi.Embedding, emb)
	}
	copy(m.Params, src.Params)
	return nil
}

// trainingLoss is the Loss of Settings.Loss and LossForm, nil for the
// relative L2 and L4, which train through fno.Model.TrainBatch as runs
// from before Settings.Loss did (see Settings).
func trainingLoss(s Settings) fno.Loss {
	abs := s.LossForm == FormAbsolute
	switch {
	case s.Loss == LossH1:
		return fno.H1Loss{Absolute: abs}
	case abs || s.LossP == 1:
		return fno.LpLoss{P: s.LossP, Absolute: abs}
	}
	return nil
}

// selectSplit is the test split whose evaluation selects the best model, ""
// if the data has none.
func (r *runner) selectSplit() string {
	for _, split := range []string{SplitTestHeld, SplitTestSeen} {
		if len(r.data.ShardSizes(split)) > 0 {
			return split
		}
	}
	return ""
}

// selection names what selects the best model (Result.Selection).
func (r *runner) selection() (string, error) {
	split := r.selectSplit()
	switch {
	case r.set.PlateauOn == PlateauTestL4 && split == "":
		return "", fmt.Errorf("%w: plateau_on %q needs a test split, and the data has none", ErrSettings, PlateauTestL4)
	case r.set.SelectBy == SelectSpikecount && split == "":
		return "", fmt.Errorf("%w: select_by %q needs a test split, and the data has none", ErrSettings, SelectSpikecount)
	case r.set.SelectBy == SelectSpikecount:
		return split + "_spikecount", nil
	case split == "":
		return "train_loss", nil
	}
	return split + "_l4", nil
}

// checkSelection refuses, before any training, a selection by spike count
// on evaluated traces of which none fires in the simulator: no epoch could
// be selected.
func (r *runner) checkSelection(ctx context.Context) error {
	if r.set.SelectBy != SelectSpikecount {
		return nil
	}
	split := r.selectSplit()
	ev, err := r.evaluate(ctx, split, false)
	if err != nil {
		return err
	}
	if ev.spikes.Firing == 0 {
		return fmt.Errorf("%w: select_by %q: none of the %d evaluated %s traces fires in the simulator; select by %q",
			ErrSettings, SelectSpikecount, ev.n, split, SelectLoss)
	}
	return nil
}

// selectionValue is the value of metrics m that selects the best model,
// false if m has none (no simulator-firing trace evaluated).
func (r *runner) selectionValue(m *Metrics) (float64, bool) {
	var l4 *float64
	var spikes *SpikeStats
	switch r.selectSplit() {
	case SplitTestHeld:
		l4, spikes = m.HeldL4, m.HeldSpikes
	case SplitTestSeen:
		l4, spikes = m.SeenL4, m.SeenSpikes
	default:
		return m.TrainLoss, true
	}
	if r.set.SelectBy == SelectSpikecount {
		if spikes == nil || spikes.SpikecountRel == nil {
			return 0, false
		}
		return *spikes.SpikecountRel, true
	}
	if l4 == nil {
		return 0, false
	}
	return *l4, true
}

func (r *runner) writeConfig() error {
	b, err := json.MarshalIndent(r.set, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(r.path(ConfigName), append(b, '\n'))
}

// trimMetrics drops the lines of metrics.jsonl for epochs the checkpoint
// has not finished (written by a run killed between the metrics and the
// checkpoint), so that the replayed epoch is logged once.
func (r *runner) trimMetrics() error {
	b, err := os.ReadFile(r.path(MetricsName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var keep bytes.Buffer
	lines, ms := parseMetrics(b)
	for i, m := range ms {
		if m.Epoch >= r.st.Epoch {
			continue
		}
		keep.Write(lines[i])
		keep.WriteByte('\n')
		r.res.Metrics = append(r.res.Metrics, m)
	}
	if keep.Len() == len(b) || !r.writer() {
		return nil
	}
	return atomicfile.WriteFile(r.path(MetricsName), keep.Bytes())
}

// parseMetrics decodes the content of metrics.jsonl: the lines that hold a
// Metrics object, and those objects. A line torn by a crash is left out.
func parseMetrics(b []byte) (lines [][]byte, ms []Metrics) {
	for line := range bytes.SplitSeq(b, []byte{'\n'}) {
		var m Metrics
		if json.Unmarshal(line, &m) == nil {
			lines = append(lines, line)
			ms = append(ms, m)
		}
	}
	return lines, ms
}

// checkpoint puts the raw parameters back into the model, on every rank,
// if the moving average was swapped in, and writes the checkpoint.
func (r *runner) checkpoint() error {
	var avg []float32
	if r.avg != nil {
		r.avg.swap(r.model.Params, false) // also when stopped in an evaluation
		avg = r.avg.w
	}
	if !r.writer() {
		return nil
	}
	r.st.Plateau = plateauJS{Best: jsonFloat(r.sched.Best), BadEpochs: r.sched.BadEpochs, CooldownCounter: r.sched.CooldownCounter}
	return writeCheckpoint(r.path(CheckpointName), &r.st, r.model.Params, r.opt, avg)
}

// run trains the remaining epochs.
func (r *runner) run(ctx context.Context) (*Result, error) {
	if r.comm != nil {
		// The ranks stop together: a rank's cancellation travels with the
		// next step's sums (sumRanks) instead of stopping it alone at its
		// own checks while the others wait for it in a sum.
		r.interrupt, ctx = ctx, context.WithoutCancel(ctx)
	}
	sizes := r.data.ShardSizes(SplitTrain)
	ld := newLoader(r.data, &r.info, SplitTrain)
	r.ld = ld
	w := r.info.WindowSamples
	for ; r.st.Epoch <= r.set.Epochs; r.st.Epoch++ {
		epoch := r.st.Epoch
		p := newPlan(r.set.Seed, epoch, sizes, r.set.TracesPerEpoch, r.set.ShardBuffer, r.info.MaxOffset)
		nb := p.batches(r.set.BatchSize)
		if v, ok := r.set.LRAt[epoch]; ok && r.st.Batch == 0 {
			// A mid-epoch checkpoint already holds this rate and the
			// restarted patience.
			r.opt.LR = v
			r.sched.BadEpochs = 0
		}
		lr := r.opt.LR
		if r.set.Cosine() {
			lr = r.lrAtStep(int64(epoch-1) * int64(nb)) // the epoch's first step's, also when resumed mid-epoch
		}
		t0 := time.Now()
		elapsed := func() float64 { return r.st.EpochSeconds + time.Since(t0).Seconds() }
		stop := func(err error) (*Result, error) {
			r.st.EpochSeconds = elapsed()
			if cerr := r.checkpoint(); cerr != nil {
				return &r.res, errors.Join(err, cerr)
			}
			return &r.res, err
		}
		if r.st.Batch > 0 && r.st.Batch < nb {
			// Resuming mid-epoch: the shards before the resume point
			// are not needed again.
			ld.release(p, r.st.Batch*r.set.BatchSize)
		}
		if r.hooks.Begin != nil {
			r.hooks.Begin(epoch, r.st.EpochTraces, len(p.items))
		}
		for r.st.Batch < nb {
			if err := ctx.Err(); err != nil {
				return stop(err)
			}
			items := p.batch(r.st.Batch, r.set.BatchSize)
			mine := r.share(items)
			if err := ld.get(ctx, mine); err != nil {
				if ctx.Err() != nil {
					return stop(ctx.Err())
				}
				return &r.res, err
			}
			loss, feat, err := r.step(ctx, mine, w)
			if err != nil {
				if ctx.Err() != nil {
					return stop(ctx.Err())
				}
				return stop(fmt.Errorf("epoch %d, batch %d: %w", epoch, r.st.Batch+1, err))
			}
			r.st.Batch++
			r.st.EpochLoss += jsonFloat(loss)
			r.st.EpochFeatureLoss += jsonFloat(feat)
			r.st.EpochTraces += len(items)
			ld.release(p, r.st.Batch*r.set.BatchSize)
			r.res.PeakShards = max(r.res.PeakShards, ld.peak)
			if r.hooks.Batch != nil {
				r.hooks.Batch(epoch, r.st.EpochTraces, len(p.items))
			}
			if r.set.CheckpointBatches > 0 && r.st.Batch%r.set.CheckpointBatches == 0 && r.st.Batch < nb {
				r.st.EpochSeconds = elapsed()
				t0 = time.Now()
				if err := r.checkpoint(); err != nil {
					return &r.res, err
				}
			}
		}
		ld.reset()

		// Evaluation and end-of-epoch bookkeeping, with the moving average
		// in the model's parameters until the models are saved (and if
		// stopped before, until the checkpoint puts the raw ones back).
		r.avg.swap(r.model.Params, true)
		if r.hooks.Eval != nil {
			r.hooks.Eval(epoch, false)
		}
		m := Metrics{Epoch: epoch, TrainTraces: r.st.EpochTraces, LR: lr}
		m.TrainLoss = float64(r.st.EpochLoss) / float64(max(r.st.EpochTraces, 1))
		if r.ft != nil {
			r.featureMetrics(&m)
		}
		// The total loss trained on, as the reference's summed training
		// loss (data + feature terms; + 0 without a feature loss).
		plateau := float64(r.st.EpochLoss) + float64(r.st.EpochFeatureLoss)
		for _, sp := range []struct {
			split          string
			l1, l2, l4, h1 **float64
			spikes         **SpikeStats
			feats          *map[string]FeatureError
		}{
			{SplitTestHeld, &m.HeldL1, &m.HeldL2, &m.HeldL4, &m.HeldH1, &m.HeldSpikes, &m.HeldFeatures},
			{SplitTestSeen, &m.SeenL1, &m.SeenL2, &m.SeenL4, &m.SeenH1, &m.SeenSpikes, &m.SeenFeatures},
		} {
			ev, err := r.evaluate(ctx, sp.split, true)
			if err != nil {
				if ctx.Err() != nil {
					return stop(ctx.Err())
				}
				return &r.res, err
			}
			if ev.n > 0 {
				*sp.l1, *sp.l2, *sp.l4, *sp.h1, *sp.spikes = &ev.l1, &ev.l2, &ev.l4, &ev.h1, &ev.spikes
				*sp.feats = ev.feats
			}
			if r.set.PlateauOn == PlateauTestL4 && sp.split == r.selectSplit() {
				plateau = ev.sum4
			}
		}
		if r.hooks.Eval != nil {
			r.hooks.Eval(epoch, true)
		}
		if r.set.Cosine() {
			m.NextLR = r.lrAtStep(int64(epoch) * int64(nb))
		} else {
			m.NextLR = r.sched.Step(plateau, lr)
		}
		m.Seconds = elapsed()
		if sel, ok := r.selectionValue(&m); ok && sel < float64(r.st.BestLoss) {
			m.Best = true
			r.st.BestLoss, r.st.BestEpoch = jsonFloat(sel), epoch
			if err := r.saveModel(ModelName, r.res.Selection, m); err != nil {
				return &r.res, err
			}
		}
		// Before the checkpoint: a run killed in between redoes the epoch
		// and writes the same snapshot again.
		if r.set.SnapshotEvery > 0 && epoch%r.set.SnapshotEvery == 0 {
			if err := r.saveModel(SnapshotName(epoch), SelectedEpoch, m); err != nil {
				return &r.res, err
			}
		}
		r.avg.swap(r.model.Params, false)
		if err := r.appendMetrics(m); err != nil {
			return &r.res, err
		}
		if !r.set.Cosine() {
			// A cosine run sets the rate before every step; the last
			// step's, positive, stays in the checkpoint.
			r.opt.LR = m.NextLR
		}
		r.st.Seconds += m.Seconds
		r.st.Epoch, r.st.Batch = epoch+1, 0
		r.st.EpochLoss, r.st.EpochTraces, r.st.EpochSeconds = 0, 0, 0
		r.st.EpochFeatureLoss, r.st.EpochFeatureTerms = 0, nil
		if err := r.checkpoint(); err != nil {
			return &r.res, err
		}
		r.st.Epoch = epoch // the loop increments it
		r.res.Epochs = epoch
		r.res.BestEpoch, r.res.BestLoss = r.st.BestEpoch, float64(r.st.BestLoss)
		r.res.Metrics = append(r.res.Metrics, m)
		if r.hooks.Epoch != nil {
			r.hooks.Epoch(m)
		}
	}
	return &r.res, nil
}

// step trains on one batch (this rank's share of it, with TrainRanks):
// encodes the inputs (keeping every Settings.Decimate-th sample of them
// and of the targets), evaluates the loss and its gradient, sums both over
// the ranks, applies the optimizer (at the cosine schedule's rate, if
// that is the schedule) and updates the moving average (Settings.EMA). It returns the batch's summed data
// loss and, with a feature loss, its summed feature loss, and adds each
// feature term's batch sum to the epoch's (state.EpochFeatureTerms).
func (r *runner) step(ctx context.Context, items []item, w int) (data, feat float64, err error) {
	b := len(items)
	ch := r.model.Config().InChannels
	shard := func(i int) *Shard { return r.ld.shards[i] }
	if k := r.set.Decimation(); k > 1 {
		r.xf = grow(r.xf, b*ch*w)
		r.yf = grow(r.yf, b*w)
		if err := r.fill(r.xf, r.yf, SplitTrain, shard, items, w); err != nil {
			return 0, 0, err
		}
		wc := coarseLen(w, k)
		r.x = grow(r.x, b*ch*wc)
		r.y = grow(r.y, b*wc)
		decimate(r.x, r.xf, b*ch, w, k)
		decimate(r.y, r.yf, b, w, k)
		w = wc
	} else {
		r.x = grow(r.x, b*ch*w)
		r.y = grow(r.y, b*w)
		if err := r.fill(r.x, r.y, SplitTrain, shard, items, w); err != nil {
			return 0, 0, err
		}
	}
	r.model.ZeroGrad()
	var loss float64
	switch {
	case b == 0:
		// A rank without traces in a batch smaller than the ranks
		// contributes zeros to the sums.
	case r.ft != nil:
		if err := r.ft.prepare(ctx, r.x, r.y, b, w); err != nil {
			return 0, 0, err
		}
		loss = r.model.TrainBatchLoss(r.x, r.y, b, w, r.ft)
		data, feat = r.ft.sums(b)
	case r.loss != nil:
		loss = r.model.TrainBatchLoss(r.x, r.y, b, w, r.loss)
		data = loss
	default:
		loss = r.model.TrainBatch(r.x, r.y, b, w, r.set.LossP)
		data = loss
	}
	if r.comm != nil { // TrainRanks refuses a feature loss: data is loss
		if loss, err = r.sumRanks(loss); err != nil {
			return 0, 0, err
		}
		data = loss
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return data, feat, fmt.Errorf("%w: %g", ErrDiverged, loss)
	}
	if r.ft != nil {
		// After the divergence check: the checkpoint written on
		// divergence does not count the batch.
		if len(r.st.EpochFeatureTerms) != len(r.ft.spec) {
			r.st.EpochFeatureTerms = make([]jsonFloat, len(r.ft.spec))
		}
		for j, v := range r.ft.batchTerms {
			r.st.EpochFeatureTerms[j] += jsonFloat(v)
		}
	}
	if r.set.ClipNorm > 0 {
		fno.ClipGradNorm(r.model.Grad, r.set.ClipNorm)
	}
	if r.set.Cosine() {
		r.opt.LR = r.lrAtStep(r.opt.Step)
	}
	r.opt.Update(r.model.Params, r.model.Grad)
	if r.avg != nil {
		r.avg.update(r.model.Params, r.opt.Step-1)
	}
	return data, feat, nil
}

// featureMetrics sets m's training feature losses from the epoch's sums,
// per trace as TrainLoss.
func (r *runner) featureMetrics(m *Metrics) {
	n := float64(max(r.st.EpochTraces, 1))
	v := float64(r.st.EpochFeatureLoss) / n
	m.TrainFeatureLoss = &v
	m.TrainFeatureTerms = make(map[string]float64, len(r.ft.spec))
	for j, t := range r.ft.spec {
		var s float64
		if j < len(r.st.EpochFeatureTerms) {
			s = float64(r.st.EpochFeatureTerms[j])
		}
		m.TrainFeatureTerms[t.Feature.String()] = s / n
	}
}

// fill encodes the inputs of the traces of items into x ([n, channels, w],
// the channels of Settings.Embedding) and
// their windows, in volts, into y ([n, 1, w]).
func (r *runner) fill(x, y []float32, split string, shard func(int) *Shard, items []item, w int) error {
	// The NeRF channels cost about 1 ms per trace in sines: encoded on all
	// cores, a batch-16 step keeps its serial part small. Each trace writes
	// only its own rows.
	emb := r.set.InputEmbedding()
	c := emb.Channels() * w
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for j, it := range items {
		g.Go(func() error {
			sh := shard(it.shard)
			mi := r.info.Models[sh.Model[it.index]]
			enc, err := surrogate.NewEncoderEmbedding(r.info.Protocol(it.offset), r.info.Scaling, &emb)
			if err != nil {
				return fmt.Errorf("%w: %w", ErrData, err)
			}
			if _, err := enc.Encode(x[j*c:(j+1)*c], surrogate.Stimulus{AmpNA: sh.Amp[it.index], IThr: mi.IThr, SThr: mi.SThr, Features: mi.Features}); err != nil {
				return fmt.Errorf("%w: %s shard %d, trace %d: %w", ErrData, split, it.shard, it.index, err)
			}
			toVolts(y[j*w:(j+1)*w], sh.Voltage[it.index*sh.Samples+it.offset:][:w])
			return nil
		})
	}
	return g.Wait()
}

// coarseLen is the length of a window of w samples taken every k-th
// sample from the first: ceil(w/k).
func coarseLen(w, k int) int { return (w + k - 1) / k }

// decimate writes every k-th sample of each of the rows of w samples of
// src, from the first, into the rows of coarseLen(w, k) samples of dst.
func decimate(dst, src []float32, rows, w, k int) {
	wc := coarseLen(w, k)
	for r := range rows {
		d, s := dst[r*wc:(r+1)*wc], src[r*w:(r+1)*w]
		for j := range d {
			d[j] = s[j*k]
		}
	}
}

// toVolts writes v (mV) × 1e-3 into dst, computed in float64 and rounded.
func toVolts(dst, v []float32) {
	for i, x := range v {
		dst[i] = float32(float64(x) * 1e-3)
	}
}

func grow(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}

// saveModel writes the current parameters as the model file name in the
// run directory with the protocol of the test window, the scaling, the
// models and the provenance (selected by selected, after epoch m).
func (r *runner) saveModel(name, selected string, m Metrics) error {
	if !r.writer() {
		return nil
	}
	m.Seconds = 0
	prov, err := json.Marshal(Provenance{
		Cell: r.info.Cell, DataID: r.info.ID, Settings: r.set, Epoch: m.Epoch, Step: r.opt.Step,
		Selected: selected, Metrics: m,
	})
	if err != nil {
		return err
	}
	proto := r.info.Protocol(r.info.TestOffset)
	scaling := r.info.Scaling
	extra := map[string]string{surrogate.MetaProvenance: string(prov)}
	if err := surrogate.PutModels(extra, r.info.Models); err != nil {
		return err
	}
	r.set.InputEmbedding().PutMeta(extra)
	return fno.SaveFile(r.path(name), r.model, fno.Metadata{Protocol: &proto, Scaling: &scaling, Extra: extra})
}

// appendMetrics appends m as one JSON line to metrics.jsonl and syncs it. A
// line torn by a crash is dropped when the run resumes (trimMetrics).
func (r *runner) appendMetrics(m Metrics) error {
	if !r.writer() {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(r.path(MetricsName), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ReadProvenance decodes the training provenance Train stored in a model
// file's metadata (surrogate.MetaProvenance, which package surrogate passes
// through as Meta.Other; the models it records are read by
// surrogate.ReadModels). A missing key is an error wrapping ErrData.
func ReadProvenance(meta fno.Metadata) (*Provenance, error) {
	key := surrogate.MetaProvenance
	s, ok := meta.Extra[key]
	if !ok {
		return nil, fmt.Errorf("%w: model file has no %q metadata (not written by noble train)", ErrData, key)
	}
	var prov Provenance
	if err := json.Unmarshal([]byte(s), &prov); err != nil {
		return nil, fmt.Errorf("%w: metadata %q: %w", ErrData, key, err)
	}
	return &prov, nil
}
