// Package eval implements the evaluation report of a trained NOBLE surrogate
// against the simulator, with the experiments of Ghafourpour et al.,
// "NOBLE", NeurIPS 2025 (arXiv 2506.04536): Run writes REPORT_DIR/report.md,
// PNG figures (gonum.org/v1/plot), results.json and traces.csv (every test
// trace's model, amplitude, spike counts and voltage error), each
// atomically.
//
// # Sections
//
// Accuracy (the paper's Tables 1 and 2). On the dataset's two test splits,
// test_seen (training models at unseen amplitudes: in-distribution) and
// test_held (held-out models: out-of-distribution), every trace's test
// window (the published protocol) is compared with the surrogate's
// prediction for the same amplitude and embedding: the voltage relative L2
// error ‖ŷ − y‖₂/‖y‖₂ (mean and median over traces) and, for each feature of
// ErrorFeatures (eFEL, package features), the relative error |f̂ − f|/|f| as
// NOBLE's reference code computes the paper's tables (FeatureError): f is the
// mean of a trace's values, and a trace on which only the simulator or only
// the surrogate fires is not compared but counted as a missed firing or
// non-firing. The counts of traces where only one defines a feature are
// reported beside, and the paper's figures next to ours: those of its VIP
// cell for a cell whose name says VIP (training models only), else those of
// its PVALB cell.
// The Spikecount error is also split by the simulator's spike count
// (CountBin: 1–3 spikes, 4–10, 11–20, 21–40, 41 or more), with its sign: a
// mean over a cell that fires a few spikes near threshold and long trains
// above does not say on which side of that jump the surrogate errs.
//
// F-I curves. For every HoF model with test traces, the firing rate (spikes
// in the stimulus window / its duration, eFEL Spikecount_stimint: package fi's
// default rate) of the simulator's stored traces at their amplitudes against
// the surrogate's, at those amplitudes and on FIPoints amplitudes spanning
// them. No simulation is needed: the dataset's traces are the simulator's;
// with a cell, FISims amplitudes of that grid are also simulated afresh for
// every model.
//
// Population. PopSize embeddings drawn uniformly in the convex hull of the
// training HoF embeddings (package synth), at one amplitude, against the HoF
// population at the same amplitude: simulated (SimHoF with a cell) or, without
// simulation, the surrogate at the HoF embeddings. Histograms and statistics
// of HistFeatures.
//
// Latent interpolation (needs the cell). Two HoF models A and B: the simulator
// runs the parameters (1−α)·θ_A + α·θ_B (every genome value, Ra, celsius and
// v_init interpolated linearly; InterpolateParams), the surrogate the
// embedding (1−α)·e_A + α·e_B, for InterpSteps values of α in [0, 1].
// Simulations use a third of the surrogate's time step and the dataset's
// signal path (package dsp: zero-phase low-pass, decimation by 3).
//
// Speed. Wall time per trace of the surrogate at batch 1 (median of SpeedReps
// calls after a warm-up) and over SpeedBatch traces (in forward passes of at
// most 64), of the simulator (package sim, SimTraces runs, one core), and the
// NEURON figures: NOBLE's 3.6 s per trace, and 2.8 s (CPU) to 11 s (wall,
// under load) per trace per core measured on this project's machines
// (docs/benchmarks.md).
//
// # Against a recording
//
// Compare sets a population of surrogate traces and the simulator's HoF
// models, under one current step, beside a recorded cell's eFEL features
// (ReadRecording: a row of an experimental feature table, spec_id and
// "depol.<feature>" / "hyperpol.<feature>" columns), by the protocol of
// NOBLE's reference code (inference/compare_ephys_features_experiments.ipynb
// of neuraloperator/noble): spiking or non-spiking features by the
// recording's firing (RecordingNames: the training code's lists,
// features.ReferenceFiring and ReferenceSilent); traces whose firing
// differs from the recording's left out and counted; per trace the mean of
// each feature's values; the median and quartiles across the population
// beside the recorded value (Summarise). It writes compare.md, compare.png
// and compare.json through a staging directory, as Run.
//
//	rc, err := eval.LoadRecording("human_ephys_features.csv", "689331391", eval.StepDepol)
//	…
//	c, err := eval.Compare(ctx, sur, rc, "cmp", &eval.CompareSettings{AmpNA: 0.2, CellDir: cellDir})
//
// # Cost
//
// The accuracy pass reads each test shard once and holds one batch of traces;
// its cost is one surrogate forward pass per test trace (MaxTraces bounds
// it). F-I curves add models × FIPoints forward passes, the population
// PopSize + HoF, the speed section 1 + SpeedReps + SpeedBatch; simulations run
// only with a cell: InterpSteps + SimTraces (+ models × FISims, + HoF models
// with SimHoF), on
// Workers goroutines.
package eval
