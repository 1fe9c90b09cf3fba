// Package dataset implements NOBLE training datasets (Ghafourpour et al.,
// "NOBLE", NeurIPS 2025, arXiv 2506.04536): step-current traces of a cell's
// hall-of-fame (HoF) models, simulated, low-pass filtered and decimated, in
// sharded, checksummed, resumable files that Python can read.
//
// # What a dataset holds
//
// Embeddings. Every HoF model gets its F-I embedding (I_thr, s_thr) once
// (Embed, package fi, under the published protocol), stored in the manifest
// with the min-max scaling onto [0.5, 3.5] fitted over every model that has
// one (package surrogate). A model without a threshold (fires at 0 nA or not
// up to 2 nA) is excluded from every split. An extra feature column of the
// embeddings table (noble fi's AHP_depth, mV) is stored per model too, with
// its own min-max scaling (Model.Features, Scaling.Features); Embed computes
// none, and a manifest without one is the same as before such columns
// existed. Manifest.WithFeatures attaches a table's extra columns to a
// dataset made without them (the traces do not depend on the embedding).
//
// Split by model. Held-out test models never appear in training traces:
// NOBLE's ten for its human cell (NOBLETestModels), otherwise 8 chosen by a
// seeded shuffle (TestModels), all recorded in the manifest. The traces form
// three splits: train (training models, random amplitudes), test_seen
// (training models at new random amplitudes: NOBLE's in-distribution test)
// and test_held (held-out models: out-of-distribution). Trace i of a split
// uses the split's i mod n-th model, so models are balanced.
//
// Stimuli. Amplitudes follow a skew-normal distribution (Stimulus) with its
// mode in the cell's peri-threshold window and its heavier tail towards strong
// firing, truncated to a support; by default derived from the thresholds
// (DefaultStimulus: with rheobase embeddings, for NOBLE's human cell support [−0.111, 0.279] nA and mode
// 0.017 nA, NOBLE's [−0.11, 0.28] nA with mode in [0, 0.05]; for the mouse
// cell, whose models fire near 0.2 nA, the window moves with them). Trace i of
// a split draws from its own generator, PCG(seed, Stream(split, i))
// (math/rand/v2), so a trace does not depend on which job, shard or worker
// makes it.
//
// Signal path. Each trace is simulated at dt 0.02 ms for Window + Margin =
// 545 ms with the step at Margin/2 + 15 = 30 ms for 400 ms (Protocol), then
// filtered and decimated by 3 (package dsp) to 9,084 samples at 0.06 ms. A
// 515 ms window (8,583 samples) can start at any sample 0 … 500 (the first 30
// ms: random-window augmentation); the window at sample 250 (15 ms) is
// exactly the published protocol, the step from 15 to 415 ms. Layout records
// these numbers in the manifest.
//
// # Files
//
//	DIR/manifest.json               the complete dataset: Manifest
//	DIR/train-00000-of-00296.npz    shards: <split>-<k>-of-<n>.npz
//	DIR/part-00003-of-00010.json    part manifest of shard job 3 of 10 (before merge)
//	DIR/embeddings.csv              cached embeddings ("noble fi" format)
//
// A shard is an uncompressed NPZ archive (zip of NPY files, stored with zero
// timestamps so that equal content gives equal bytes) holding voltage.npy
// (float32 [n, 9084], mV), amp.npy (float64 [n], nA), model.npy (float64 [n],
// integer model indices into the manifest's models) and trace.npy (float64
// [n], integer index of each trace within its split). In Python:
//
//	import json, numpy as np
//	m = json.load(open("DIR/manifest.json"))
//	for sh in m["shards"]:
//	    if sh["split"] != "train": continue
//	    z = np.load("DIR/" + sh["name"])
//	    v, amp, model = z["voltage"], z["amp"], z["model"].astype(int)
//	    L, o = m["layout"]["window_samples"], m["layout"]["test_offset"]
//	    test_window = v[:, o:o + L]   # the published protocol, 8583 samples
//
// The manifest carries the format name and version, the cell, every model
// with its embedding and split, the scaling, the resolved settings (seed,
// split seed, stimulus distribution, protocol, filter), the layout, and every
// shard with its trace range, size and SHA-256. The generation ID is the
// SHA-256 of everything but the shard list: shard jobs and merges refuse to
// mix different generations.
//
// # Determinism, sharding and resumption
//
// The bytes of every shard, and of manifest.json, depend only on the
// generation (cell, embeddings, settings, seed): not on the number of
// workers, the --shard i/n split of the work, or interruptions. Job i of n
// makes the shards whose global number is i mod n and records them in its
// part manifest; Merge joins the part outputs. Shards are written to a
// temporary file and renamed (package internal/atomicfile), so a killed run
// leaves either a complete shard or a temporary file; on restart Generate
// removes temporary files, checks and keeps complete shards, and makes the
// missing ones. Readers (Open, ReadShard, Verify) check each shard's size and
// SHA-256 before decoding it and name the shard in every error (ShardError).
// To repair a damaged dataset, delete the shards Verify names and run the
// same generate command again: it redoes them (and any other shard that no
// longer matches its recorded checksum) and rewrites the manifest.
package dataset
