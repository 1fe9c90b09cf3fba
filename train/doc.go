// Package train implements the training workflow of the NOBLE surrogate
// (Ghafourpour et al., "NOBLE", NeurIPS 2025, arXiv 2506.04536; recipe in
// docs/noble-model.md): it streams a dataset's shards of simulated traces
// into the Fourier neural operator of package fno, with the inputs encoded
// by package surrogate, and manages a run directory with resumable
// checkpoints, per-epoch metrics and the best model.
//
// # Recipe
//
// The default preset is the published one: relative L4 loss summed over the
// batch (fno.RelLpLoss), Adam with lr 0.004 and no weight decay,
// ReduceLROnPlateau(factor 0.4, patience 4) stepped once per epoch on the
// epoch's summed training loss, batch 64, 300 epochs, seed 0. Targets are
// the stored soma voltages in volts (mV × 1e-3), the operator's output unit.
// Each training trace is seen through a window of WindowSamples samples
// (8583, 515 ms at 0.06 ms) starting at a random sample in 0 … MaxOffset
// (the first 30 ms of the stored 545 ms); evaluation uses the window at
// TestOffset (15 ms), which puts the step at 15 → 415 ms as in the
// published protocol. The input current channel of a training window holds
// the step where it falls in that window (onset between 0 and 30 ms): the
// window cuts the stimulus and the response alike. The NeRF channels do not
// depend on the window. The preset "cpu" keeps recipe and architecture and
// shrinks the budget for two-core machines (see Settings).
//
// At the cpu preset's batch of 16 the plateau scheduler, watching a
// training loss that still creeps down, may never cut the rate while the
// surrogate stays silent. A manual cut of the rate made the shipped mouse
// model fire (there through Settings.Init, which restarts Adam) and the
// human model (Settings.LRAt, added to the run while it went on; both in
// docs/results.md); LRAt keeps the run's Adam state, checkpoint and
// metrics.
//
// # Fine-tuning
//
// The reference code's second stage (preset "finetune", the recipe of its
// training_scripts/submit_single_finetune_job.sh: AdamW lr 5e-4,
// ReduceLROnPlateau factor 0.4 patience 12, batch 64, feature loss
// sag_amplitude=25) starts from a trained model (Settings.Init) and adds to
// the data loss differentiable electrophysiology features of the predicted
// trace, computed by package featloss. For each batch the targets are
// prepared from the batch's target windows (volts × 1000, in mV) and
// stimulus windows (the first and last non-zero samples of the current
// channel, as the reference derives them; the whole window for a zero
// stimulus) on the data's sample spacing (DataInfo.DtMS), so a window's
// cut of the step counts as it does for the data loss. The loss of a batch
// is
//
//	Σ_b data_b + Σ_terms λ·L_term,   L_term = Σ_b (f̂_b − f_b)² / (Σ_b f_b² + 1e-8)
//
// (Settings.FeatureLossForm "absolute" drops the denominator), with data_b
// the run's data loss (Settings.Loss, LossForm; exactly as without a
// feature loss), f̂_b the feature of the operator's prediction and f_b that
// of the target trace. The features (Settings.FeatureLoss names them with
// their λ):
//
//	sag_amplitude  mV: the mean voltage over the last 10 % of the step minus a soft minimum over it
//	               (the reference's); target: the same soft sag of the target trace
//	AP1_width      ms: soft width of the first spike at a threshold from the target (the reference's
//	               at commit 298bba3); target: eFEL's AP1_width
//	spike_count    spikes: soft number of upward crossings of −20 mV; target: eFEL's Spikecount
//	spike_timing   van Rossum distance (τ = 5 ms) of the soft spike train to the target's spikes;
//	               its relative form divides by that of an empty prediction
//	spike_envelope mV²: Σ over 20 ms segments of the step of the squared differences of the soft
//	               maxima and minima (each segment's highest spike and deepest trough, whatever
//	               their times); its relative form divides by that of a prediction at rest
//
// The gradient of each term (per volt of the operator's output) is added
// to the data loss's gradient of its trace before the backward pass.
// metrics.jsonl then also has train_feature_loss (Σ λ·L per trace, beside
// train_loss, the data loss) and train_feature_terms (each unweighted L);
// PlateauTrain watches data + feature loss. The targets are prepared per
// batch, not once per dataset, because every epoch crops other windows.
// Preparing them (eFEL features of each target window) and the four terms
// add 2–3 ms of CPU time to the ~50 ms per 8583-sample trace of a training
// step: BenchmarkFinetuneStep measured 1.04–1.07 times a plain step at
// batch 16 on the shared 2-core machine.
//
// # Moving average, cosine schedule, decimated training
//
// Three options of a sample-efficiency study, off by default (a run
// without them is bit for bit what it was before they existed), each
// fixed for a run and resumed bit for bit:
//
// Settings.EMA keeps an exponential moving average of the parameters,
// updated after every optimizer step with TensorFlow's warm-up of the
// decay, min(d, (1 + n)/(10 + n)) after n updates; the evaluation, the
// selection and the saved models use it, the optimizer the raw
// parameters. With TrainRanks every rank keeps it (all hold the same
// parameters after each step), so that the shared evaluation sees the same
// average everywhere; the checkpoint stores it as a fourth tensor, "ema".
//
// Settings.Schedule "cosine" sets the learning rate of every optimizer
// step from the steps done (CosineLR: linear warm-up, then cosine
// annealing from LR to LRMin over Epochs × batches per epoch), instead of
// ReduceLROnPlateau once per epoch. The step count is Adam's, which the
// checkpoint holds.
//
// Settings.Decimate k trains on every k-th sample of each window: the
// operator's input channels are encoded at full resolution and sampled, so
// the NeRF channels are sin/cos of the same times as the full-resolution
// input's at those samples, and the target is sampled the same way. The
// operator transfers across resolution: its spectral layers use
// norm="forward" (the coefficients are 1/L·Σ, so mode m is the same
// frequency of the same function at any L, up to aliasing above the
// coarse Nyquist mode) and keep 129 modes, far below the coarse window's
// ceil(8583/2)/2 + 1 = 2147; the lifting, projection and channel-MLP
// layers are pointwise. Only the grid channel the operator appends,
// linspace(0, 1, L'+1)[:L'] at the coarse length L' = ceil(L/k), is not a
// sampling of the fine grid: it is j/L' against j·k/L, equal when k
// divides L and otherwise less than (k − 1)/L apart (for the published
// L = 8583 and k = 2, less than 1/L, one fine sample; TestDecimateGrid).
// The per-epoch evaluation runs at full resolution, as the model is used,
// so its metrics measure the transfer. The relative losses are ratios of
// sums over the samples and so nearly independent of L; an absolute loss
// (LossForm "absolute") sums over 1/k as many samples. Measured with
// BenchmarkTrainStepDecimate (go test -run XXX -bench TrainStepDecimate
// -benchtime 4x -count 3, batch 4, published architecture, on the shared
// 2-core machine under another training run's load), a decimate-2 step
// took 0.49–0.51 of the time of a full-resolution one (53 against 107 ms
// per trace, means of 3 runs on 2026-12-07); the encoding, kept at full
// resolution, costs about 1 ms per trace.
//
// # Data order and resumption
//
// The order of an epoch is drawn from rand.New(rand.NewPCG(seed, epoch))
// (epochs count from 1): a permutation of the training shards, the shards
// taken Settings.ShardBuffer at a time with the traces of each group
// shuffled together, optionally cut to Settings.TracesPerEpoch traces, then
// one window offset per trace. Only the shards a batch needs are in memory,
// and a shard is dropped after its last trace of the epoch, so memory stays
// bounded whatever the dataset's size (see Train). Because the order is a
// function of (seed, epoch), a checkpoint only records the position (epoch,
// batches done) besides the parameters, the Adam moments and step, the
// learning rate and the scheduler's state; a resumed run replays the same
// batches and ends bit for bit where an uninterrupted run ends (for the same
// number of operator workers, which fixes the summation order).
//
// # Many processes
//
// TrainRanks is Train run data-parallel by several processes (MPI ranks,
// through a Comm such as internal/mpi's): each rank trains on a contiguous
// share of every batch, gradients and losses are summed over the ranks in
// rank order, and rank 0 alone writes the run directory. Settings.Workers
// counts the workers of all ranks, so the checkpoint and settings do not
// depend on the number of ranks: a run resumes with any number dividing
// Workers, and with one worker per rank it equals one process with Workers
// workers bit for bit.
//
// # Run directory
//
//	config.json             the resolved Settings (usable as --config)
//	checkpoint.safetensors  the latest state (CheckpointFormat): tensors
//	                        "params", "adam.m", "adam.v" (and "ema", with
//	                        Settings.EMA) and JSON metadata,
//	                        with a SHA-256 of the tensors; written atomically
//	                        after every epoch, every CheckpointBatches batches
//	                        and on cancellation
//	model.safetensors       the best model by held-out loss (Settings.SelectBy), an fno model file
//	                        with the protocol of the test window, the scaling,
//	                        the models with their embeddings (surrogate.MetaModels),
//	                        the training provenance (surrogate.MetaProvenance) and,
//	                        unless it is NOBLE's, the input embedding
//	                        (surrogate.MetaEmbedding, Settings.Embedding)
//	epoch-NNNN.safetensors  with Settings.SnapshotEvery, the model at the
//	                        end of every that many epochs, in the same format
//	metrics.jsonl           one Metrics object per finished epoch: the
//	                        training loss, the test splits' relative L2 and
//	                        L4, and their spike counts against the
//	                        simulator's (SpikeStats), which tell a silent
//	                        surrogate from a firing one where the losses
//	                        are close
//
// ExportLatest writes the latest checkpoint's parameters as a model file
// with the best model's metadata; Settings.Init starts a run from a model
// file's parameters (a second stage, say, at another learning rate).
package train
