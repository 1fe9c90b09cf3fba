// Package server implements noble's HTTP API and web explorer: a trained
// NOBLE surrogate (package fno, inputs from package surrogate) synthesises
// somatic voltage traces of neuron models given by their F-I embedding
// (I_thr, s_thr) on request, with their eFEL features (package features),
// F-I curves (package fi) and neighbourhood ensembles; the explorer, a
// hand-written page embedded in the binary, lets a person drag the embedding
// and watch excitability change, as Ghafourpour et al., "NOBLE" (NeurIPS
// 2025, arXiv 2506.04536) propose.
//
// # Endpoints
//
//	GET  /healthz        liveness: {"status":"ok"}
//	GET  /api/model      model metadata: config, protocol, embedding ranges,
//	                     hall-of-fame (HoF) embeddings and their convex hull,
//	                     limits
//	POST /api/synth      traces (mV) and features for one or many stimuli
//	POST /api/fi         an F-I curve over an amplitude grid (and optionally
//	                     the surrogate's own F-I embedding)
//	POST /api/ensemble   N seeded samples around an embedding: band
//	                     statistics of the traces and of their features
//	GET  /               the web explorer (static files, works offline)
//
// Requests and responses are JSON; the trace-bearing endpoints answer with
// a NumPy .npy array instead when the request has "Accept:
// application/x-npy" or "?format=npy". docs/api.md documents every field
// with curl examples.
//
// # One inference core
//
// The server is an HTTP layer over package synth: its model instances are
// synth.Surrogate clones, its range policy synth.Surrogate.Admit (the
// refusals of noble synth and noble demo, word for word), its hull
// membership synth.InHull, its ensembles synth.Neighbourhood, its band
// synth.Bands and its feature summaries synth.Stats; the model file's
// metadata is read by surrogate.ReadMeta. It never imports train or
// dataset (internal/depcheck enforces it).
//
// # Embedding ranges
//
// The operator has seen I_thr and s_thr only inside the ranges its min-max
// scaling was fitted on (surrogate.Scaling: all HoF models of the cell), and
// amplitudes only inside the training range (Settings.AmpRange, else the
// model's, surrogate.ReadMeta). A value inside is synthesised; a value
// outside is refused with 422 unless the request sets "extrapolate", and
// then synthesised and flagged ("in_range": false and a warning naming the
// value and the range) up to Settings.ExtrapolateLimit range widths beyond
// either end. A HoF list in the model metadata adds "in_hull": whether the
// embedding lies in the convex hull of the HoF embeddings, where the paper
// samples its synthetic populations.
//
// # Limits
//
// Each request body is read through http.MaxBytesReader (413 beyond
// Settings.MaxBodyBytes); the numbers of stimuli, F-I points and ensemble
// samples are bounded (422). Computation runs on a pool of
// Settings.Concurrency model instances: a request holds one instance while
// it computes, waits for one while fewer than Settings.MaxQueue requests
// wait, and is refused with 503 otherwise. Settings.Timeout bounds a
// request's computation from when it holds an instance, and separately its
// wait for one. The server measures the seconds per trace (a forward pass
// timed at New, then every finished request): a request that would exceed
// Timeout even on an idle server is refused at once with 413 and no
// Retry-After (retrying cannot help); a 503 for a full queue or a wait past
// Timeout carries Retry-After, the estimated seconds until the admitted work
// is done. The http.Server sets ReadHeaderTimeout and MaxHeaderBytes; a
// panic in a handler is recovered, logged with its stack and answered with
// 500. Errors are JSON {"error": "..."} with the status of their cause: 400
// malformed request, 404/405 unknown path or method, 413 body too large or
// computation too long, 422 valid JSON with unusable values, 503 overloaded
// or timed out, 500 a server fault.
//
// # Quality
//
// Settings.Quality, one line from the model's evaluation report (noble
// serve reads report/results.json beside the model file), is stated in
// /api/model and the explorer's header.
//
// # Shutdown
//
// Serve returns when its context is cancelled, after http.Server.Shutdown
// has let the requests in flight finish (up to Settings.ShutdownGrace);
// http.ErrServerClosed is success.
package server
