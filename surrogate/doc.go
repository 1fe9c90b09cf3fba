// Package surrogate implements the input encoding and output conversion of
// the NOBLE surrogate (Ghafourpour et al., "NOBLE", NeurIPS 2025, arXiv
// 2506.04536; channel layout as in its reference code, summarised in
// docs/noble-model.md): it turns a step-current amplitude and a neuron
// model's F-I embedding (I_thr, s_thr) into the input channels of the
// Fourier neural operator of package fno (23 with NOBLE's embedding), and
// the operator's output (volts) into millivolts.
//
//	enc, err := surrogate.NewEncoderEmbedding(protocol, scaling, nil) // nil: NOBLE's 23 channels
//	x, err := enc.Encode(nil, surrogate.Stimulus{AmpNA: 0.3, IThr: 0.1, SThr: 120}) // [enc.Channels(), L]
//
// # Channels
//
// For a protocol of L samples at spacing Dt (ms), the encoding with
// DefaultEmbedding is a float32 array [23, L]:
//
//	0       the injected current in units of 0.1 nA (amperes × 1e10): the
//	        amplitude A (nA) × 10 on the samples j with
//	        StimStart ≤ j·Dt < StimEnd, 0 elsewhere
//	1–18    frequency-scaled NeRF of p = 10·A, K = 9
//	19–20   frequency-scaled NeRF of s_thr min-max scaled to [0.5, 3.5], K = 1
//	21–22   frequency-scaled NeRF of I_thr min-max scaled to [0.5, 3.5], K = 1
//
// The frequency-scaled NeRF of a scalar p with K frequencies is the 2K
// channels sin(2^k·π·p·t), cos(2^k·π·p·t) for k = 0 … K−1, interleaved
// (sin₀, cos₀, sin₁, …), with t_j = 2π·j/(L−1) (numpy's linspace(0, 2π, L),
// both ends included; t = [0] when L = 1). The grid channel (channel 23 of
// the lifting) is appended by the operator itself, not here.
//
// With the published protocol (Dt 0.06 ms, L = 8583, stimulus 15 → 415 ms)
// the "on" samples are j = 250 … 6916 inclusive (6,667 samples): 250·0.06 is
// exactly 15 ms, and 6916·0.06 = 414.96 ms < 415 ms ≤ 6917·0.06. The
// comparison is made on j·Dt with a tolerance of 1e-9·Dt, so that a boundary
// that falls on a sample (15/0.06 = 250.00000000000003 in floating point)
// counts as the sample it denotes. This is NEURON's IClamp rule
// (del ≤ t < del + dur) applied to the sample times.
//
// # Embeddings
//
// An Embedding configures the channels after the current channel, as the
// reference code's embedding options do (num_current_embeddings,
// type_current_embeddings, num_hof_model_embeddings,
// type_hof_model_embeddings, e_features_to_embed of neuraloperator/noble,
// src/training/utils/embedding.py Construct_Embedded_Nerf_Batch), except
// that each feature has its own K: K_amp pairs for the amplitude p = 10·A,
// then K_f pairs for each embedded feature f in the listed order, its value
// min-max scaled. The channel count is 1 + 2·K_amp + 2·Σ K_f. For a scalar
// p and k = 0 … K−1, a pair is, by type:
//
//	freq    sin(2^k·π·p·t), cos(2^k·π·p·t)      the NeRF of p·t (NOBLE's)
//	amp     p·sin(2^k·π·t), p·cos(2^k·π·t)      p times the NeRF of t
//	none    sin(2^k·π·t), cos(2^k·π·t)          the NeRF of t, the same for every input
//
// "none" is the reference's type null; it carries no information about p.
// To leave a quantity out, embed it with K = 0 (the amplitude) or do not
// list it (a feature): K_amp = 0 and no features leaves the current
// channel alone. The features are the columns of the cell's feature table
// that package dataset reads and stores per model: i_thr and s_thr, and the
// extra features (Features after those two: AHP_depth, the third feature of
// NOBLE's ablation, as package fi defines it). An extra feature's value
// travels in Stimulus.Features and its min-max range in Scaling.Features
// (both Extras, comparable, left out of JSON when empty, so that a scaling
// or a model record without extra features encodes as before). NOBLE's
// ablation "both + AHP depth" is "amp=9,s_thr=1,i_thr=1,AHP_depth=1": 25
// channels, AHP_depth's pair last (channels 23–24), after the 23 of
// DefaultEmbedding, which it leaves bit for bit unchanged. An encoder for an
// embedding of an extra feature needs its range in the scaling, and each
// stimulus its value. A model file records its embedding (MetaEmbedding); a
// file without the record has DefaultEmbedding, so model files from before
// embeddings were configurable read, encode and predict as they did.
//
// # Numerics
//
// The phases 2^k·π·p·t_j are computed in float64 and only the sine and
// cosine are rounded to float32. The reference computes them in float32
// torch tensors; at the highest frequency (2^8·π·p·2π ≈ 5·10^4 rad for
// p = 10) float32 phases carry errors of ~3·10^-3 rad, so the two encodings
// differ by that much in the high-frequency amplitude channels. float64 is
// the exact value of the formula. The factor p of type amp multiplies the
// float64 sine and cosine before the rounding.
//
// # Zero amplitude
//
// The reference code reads the amplitude back from the current channel and
// fails when it is identically zero. Here the amplitude is an explicit
// input, so A = 0 is encoded by the same formula: channel 0 is all zero, the
// sine channels 1, 3, …, 17 are all 0 and the cosine channels 2, 4, …, 18
// are all 1. This is the continuous limit A → 0 of the encoding, so the
// operator's prediction at A = 0 is its continuous extension from small
// amplitudes (the published training set has no zero-current traces, so
// treat it as extrapolation). Negative amplitudes (hyperpolarising steps)
// are encoded by the same formula; NaN or infinite inputs are errors.
//
// # Min-max scaling
//
// Scaling maps a feature v to Lo + (v − Min)/(Max − Min)·(Hi − Lo), with
// Min and Max fitted over all hall-of-fame models of the cell (training and
// test; FitScaling) and [Lo, Hi] = [0.5, 3.5]. Values outside [Min, Max]
// (a model not in the fit) extrapolate linearly and are not clipped. When
// Min = Max (a single model) every value maps to the midpoint (Lo+Hi)/2.
// The Scaling must be stored with the trained model (package fno keeps it in
// the model file's metadata), since the operator has only seen scaled
// features.
package surrogate
