package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/noble-neuro/noble/features"
	"github.com/noble-neuro/noble/fi"
	"github.com/noble-neuro/noble/internal/npy"
	"github.com/noble-neuro/noble/surrogate"
	"github.com/noble-neuro/noble/synth"
)

// ---- /api/model and /healthz ----

// ModelInfo is the /api/model response.
type ModelInfo struct {
	Config     ModelConfig        `json:"config"`
	Parameters int                `json:"parameters"`
	Protocol   surrogate.Protocol `json:"protocol"`
	Scaling    surrogate.Scaling  `json:"scaling"`
	// Embedding is the model's input embedding (surrogate.ReadMeta), NOBLE's
	// unless the model file records another.
	Embedding surrogate.Embedding  `json:"embedding"`
	Ranges    map[string]RangeInfo `json:"ranges"` // i_thr, s_thr, amp
	HoF       []surrogate.HoF      `json:"hof"`    // empty when not stored
	Hull      []Embedding          `json:"hull"`   // HoF hull vertices, counter-clockwise
	Limits    Limits               `json:"limits"`
	Features  []string             `json:"features"` // feature names, in order
	Summary   []string             `json:"summary_features"`
	// Quality states the model's measured quality (Settings.Quality), or
	// that it is unknown.
	Quality string            `json:"quality"`
	Extra   map[string]string `json:"extra,omitempty"`
}

// Embedding is a neuron model's F-I embedding.
type Embedding struct {
	IThr float64 `json:"i_thr"` // threshold current, nA
	SThr float64 `json:"s_thr"` // F-I slope, Hz/nA
}

// ModelConfig is fno.Config in the model file's JSON form.
type ModelConfig struct {
	InChannels         int `json:"in_channels"`
	Width              int `json:"width"`
	Layers             int `json:"layers"`
	Modes              int `json:"modes"`
	LiftingChannels    int `json:"lifting_channels"`
	ProjectionChannels int `json:"projection_channels"`
	MLPHidden          int `json:"mlp_hidden"`
	OutChannels        int `json:"out_channels"`

	GroupNorm bool `json:"group_norm,omitempty"` // absent: false
}

// Limits are the request limits a client must respect.
type Limits struct {
	MaxBodyBytes int64   `json:"max_body_bytes"`
	MaxBatch     int     `json:"max_batch"`
	MaxFIPoints  int     `json:"max_fi_points"`
	MaxEnsemble  int     `json:"max_ensemble"`
	TimeoutS     float64 `json:"timeout_s"`
	Concurrency  int     `json:"concurrency"`
	MaxQueue     int     `json:"max_queue"`
}

// unknownQuality is ModelInfo.Quality without Settings.Quality.
const unknownQuality = "quality unknown: no evaluation report (noble eval) was found beside the model file"

func (srv *Server) modelInfo() ModelInfo {
	cfg := srv.syn.Model.Config()
	sc := srv.syn.Scaling
	info := ModelInfo{
		Config:     ModelConfig(cfg),
		Parameters: cfg.NumParams(),
		Protocol:   srv.syn.Protocol,
		Scaling:    sc,
		Embedding:  srv.syn.Embedding,
		Ranges: map[string]RangeInfo{
			"i_thr": srv.rangeInfo(sc.IThr, "nA"),
			"s_thr": srv.rangeInfo(sc.SThr, "Hz/nA"),
			"amp":   srv.rangeInfo(srv.syn.AmpRange, "nA"),
		},
		HoF:     srv.syn.HoF,
		Hull:    []Embedding{},
		Quality: srv.set.Quality,
		Extra:   srv.syn.Other,
		Limits: Limits{
			MaxBodyBytes: srv.set.MaxBodyBytes, MaxBatch: srv.set.MaxBatch, MaxFIPoints: srv.set.MaxFIPoints,
			MaxEnsemble: srv.set.MaxEnsemble, TimeoutS: srv.set.Timeout.Seconds(),
			Concurrency: srv.set.Concurrency, MaxQueue: srv.set.MaxQueue,
		},
		Features: features.Names,
		Summary:  summaryFeatures,
	}
	if info.HoF == nil {
		info.HoF = []surrogate.HoF{}
	}
	if info.Quality == "" {
		info.Quality = unknownQuality
	}
	for _, p := range srv.hull {
		info.Hull = append(info.Hull, Embedding{IThr: p.IThr, SThr: p.SThr})
	}
	return info
}

func (srv *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, map[string]string{"status": "ok"})
}

func (srv *Server) handleModel(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Write(srv.info)
	return nil
}

// summaryFeatures are the single-valued features (or first values) that
// ensembles summarise and the explorer tabulates.
var summaryFeatures = []string{
	"Spikecount", "mean_frequency", "time_to_first_spike", "AP1_peak", "AP1_width", "mean_AP_amplitude",
	"ISI_CV", "inv_first_ISI", "AHP_depth", "AHP_depth_abs", "adaptation_index2", "voltage_base",
	"steady_state_voltage", "steady_state_voltage_stimend", "minimum_voltage", "sag_amplitude",
	"decay_time_constant_after_stim",
}

// ---- format negotiation ----

// wantNPY reports whether the client asked for NumPy output: ?format=npy or
// Accept: application/x-npy. An unknown ?format is a 400.
func wantNPY(r *http.Request) (bool, error) {
	switch f := r.URL.Query().Get("format"); f {
	case "npy":
		return true, nil
	case "json":
		return false, nil
	case "":
	default:
		return false, errorf(http.StatusBadRequest, "format %q: want json or npy", f)
	}
	for _, a := range r.Header.Values("Accept") {
		for _, part := range strings.Split(a, ",") {
			mt, _, _ := strings.Cut(part, ";")
			if strings.EqualFold(strings.TrimSpace(mt), "application/x-npy") {
				return true, nil
			}
		}
	}
	return false, nil
}

// writeNPY answers a float32 or float64 array; hdr adds X-Noble-* headers.
func writeNPY(w http.ResponseWriter, shape []int, f32 []float32, f64 []float64, hdr map[string]string) error {
	h := w.Header()
	h.Set("Content-Type", "application/x-npy")
	h.Set("Content-Disposition", `attachment; filename="noble.npy"`)
	for k, v := range hdr {
		h.Set(k, v)
	}
	if f32 != nil {
		return npy.WriteFloat32(w, shape, f32)
	}
	return npy.WriteFloat64(w, shape, f64)
}

func (srv *Server) protoHeaders() map[string]string {
	p := srv.syn.Protocol
	return map[string]string{
		"X-Noble-Dt-Ms":         strconv.FormatFloat(p.DtMS, 'g', -1, 64),
		"X-Noble-Stim-Start-Ms": strconv.FormatFloat(p.StimStartMS, 'g', -1, 64),
		"X-Noble-Stim-End-Ms":   strconv.FormatFloat(p.StimEndMS, 'g', -1, 64),
		"X-Noble-Unit":          "mV",
	}
}

// body limits the request body to MaxBodyBytes.
func (srv *Server) body(w http.ResponseWriter, r *http.Request) io.Reader {
	return http.MaxBytesReader(w, r.Body, srv.set.MaxBodyBytes)
}

// ---- /api/synth ----

// stimulusJSON is a stimulus as sent, with presence checks.
type stimulusJSON struct {
	IThr *float64 `json:"i_thr"`
	SThr *float64 `json:"s_thr"`
	Amp  *float64 `json:"amp"`
}

func (s stimulusJSON) resolve(where string) (Stimulus, error) {
	for _, f := range []struct {
		name string
		v    *float64
	}{{"i_thr", s.IThr}, {"s_thr", s.SThr}, {"amp", s.Amp}} {
		if f.v == nil {
			return Stimulus{}, errorf(http.StatusBadRequest, "%s%s: missing", where, f.name)
		}
	}
	return Stimulus{IThr: *s.IThr, SThr: *s.SThr, Amp: *s.Amp}, nil
}

// SynthRequest is the /api/synth request: either Stimuli or one stimulus
// given by the top-level i_thr, s_thr, amp.
type SynthRequest struct {
	Stimuli []stimulusJSON `json:"stimuli"`
	stimulusJSON
	// Features (default true) adds the eFEL features of each trace.
	Features *bool `json:"features"`
	// Extrapolate synthesises values outside the training ranges (flagged,
	// up to the hard limits) instead of refusing them (synth.Policy).
	Extrapolate bool `json:"extrapolate"`
	// Strict refuses values outside the training ranges: the default; kept
	// for clients written when flagging was.
	Strict bool `json:"strict"`
}

// synthJob is a validated /api/synth request.
type synthJob struct {
	stims    []Stimulus
	sts      []surrogate.Stimulus
	flags    []Flags
	features bool
}

// parseSynth decodes and validates a /api/synth body.
func (srv *Server) parseSynth(body io.Reader) (*synthJob, error) {
	var req SynthRequest
	if err := decodeJSON(body, &req); err != nil {
		return nil, err
	}
	single := req.IThr != nil || req.SThr != nil || req.Amp != nil
	switch {
	case single && req.Stimuli != nil:
		return nil, errorf(http.StatusBadRequest, "give either stimuli or a single i_thr, s_thr, amp, not both")
	case single:
		req.Stimuli = []stimulusJSON{req.stimulusJSON}
	case len(req.Stimuli) == 0:
		return nil, errorf(http.StatusBadRequest, "no stimulus: give stimuli [{i_thr, s_thr, amp}, …] or i_thr, s_thr, amp")
	case len(req.Stimuli) > srv.set.MaxBatch:
		return nil, errorf(http.StatusUnprocessableEntity, "%d stimuli exceed the batch limit of %d", len(req.Stimuli), srv.set.MaxBatch)
	}
	pol, err := srv.policy(req.Extrapolate, req.Strict)
	if err != nil {
		return nil, err
	}
	job := &synthJob{stims: make([]Stimulus, len(req.Stimuli)), sts: make([]surrogate.Stimulus, len(req.Stimuli)), features: true}
	if req.Features != nil {
		job.features = *req.Features
	}
	for i, sj := range req.Stimuli {
		where := ""
		if !single {
			where = fmt.Sprintf("stimuli[%d].", i)
		}
		st, err := sj.resolve(where)
		if err != nil {
			return nil, err
		}
		job.stims[i], job.sts[i] = st, st.surrogate()
	}
	if job.flags, err = srv.admit("", job.sts, pol); err != nil {
		return nil, err
	}
	return job, nil
}

// Trace is one synthesised trace of a /api/synth response.
type Trace struct {
	Stimulus
	Flags
	VmV      []float32       `json:"v_mv"`               // somatic voltage, mV, every dt_ms from t = 0
	Features features.Values `json:"features,omitempty"` // eFEL features (null: undefined)
	// FeaturesError explains why features could not be computed.
	FeaturesError string `json:"features_error,omitempty"`
}

// TimeAxis describes the samples of every trace.
type TimeAxis struct {
	DtMS        float64 `json:"dt_ms"`         // sample spacing, ms
	Length      int     `json:"length"`        // samples per trace
	StimStartMS float64 `json:"stim_start_ms"` // step onset, ms
	StimEndMS   float64 `json:"stim_end_ms"`   // step end, ms
	Unit        string  `json:"unit"`          // "mV"
}

// SynthResponse is the /api/synth response.
type SynthResponse struct {
	TimeAxis
	Traces []Trace `json:"traces"`
}

func (srv *Server) timeAxis() TimeAxis {
	p := srv.syn.Protocol
	return TimeAxis{DtMS: p.DtMS, Length: p.Length, StimStartMS: p.StimStartMS, StimEndMS: p.StimEndMS, Unit: "mV"}
}

func (srv *Server) handleSynth(w http.ResponseWriter, r *http.Request) error {
	asNPY, err := wantNPY(r)
	if err != nil {
		return err
	}
	job, err := srv.parseSynth(srv.body(w, r))
	if err != nil {
		return err
	}
	sts := job.sts
	var flat []float32
	var traces [][]float32
	resp := SynthResponse{TimeAxis: srv.timeAxis(), Traces: make([]Trace, len(sts))}
	err = srv.compute(r, len(sts), func(ctx context.Context, inst *instance) error {
		if flat, traces, err = inst.synth(ctx, sts); err != nil {
			return err
		}
		if asNPY || !job.features {
			return nil
		}
		for i, v := range traces {
			fv, err := inst.features(v)
			if err != nil {
				resp.Traces[i].FeaturesError = err.Error()
			}
			resp.Traces[i].Features = fv
		}
		return nil
	})
	if err != nil {
		return err
	}
	if asNPY {
		l := srv.syn.Length()
		hdr := srv.protoHeaders()
		var out []string
		for i, f := range job.flags {
			if !f.InRange {
				out = append(out, strconv.Itoa(i))
			}
		}
		if len(out) > 0 {
			hdr["X-Noble-Out-Of-Range"] = strings.Join(out, ",")
		}
		return writeNPY(w, []int{len(traces), l}, flat, nil, hdr)
	}
	for i := range traces {
		resp.Traces[i].Stimulus = job.stims[i]
		resp.Traces[i].Flags = job.flags[i]
		resp.Traces[i].VmV = traces[i]
	}
	return writeJSON(w, resp)
}

// ---- /api/fi ----

// FIRequest is the /api/fi request. The amplitudes are Amps, or Points
// equally spaced from AmpMin to AmpMax (defaults: 21 points over the
// non-negative part of the amplitude training range).
type FIRequest struct {
	IThr   *float64  `json:"i_thr"`
	SThr   *float64  `json:"s_thr"`
	Amps   []float64 `json:"amps"`
	AmpMin *float64  `json:"amp_min"`
	AmpMax *float64  `json:"amp_max"`
	Points int       `json:"points"`
	// Rate is the firing-rate definition: "count" (default) or
	// "mean_frequency" (see package fi).
	Rate string `json:"rate"`
	// Embed adds the surrogate's own F-I embedding (fi.Embed: about 20
	// more traces, amplitudes from 0 up to 2 nA, not range-checked: a
	// probe of the curve, not a result).
	Embed       bool `json:"embed"`
	Extrapolate bool `json:"extrapolate"` // as for /api/synth
	Strict      bool `json:"strict"`      // as for /api/synth
}

type fiJob struct {
	iThr, sThr float64
	amps       []float64
	rate       fi.Rate
	embed      bool
	flags      Flags
}

// embedTraces is about what fi.Embed synthesises beyond the curve's own
// amplitudes: Lo, 2–4 brackets, 9 bisection steps and 6 more fit points.
const embedTraces = 20

func (srv *Server) parseFI(body io.Reader) (*fiJob, error) {
	var req FIRequest
	if err := decodeJSON(body, &req); err != nil {
		return nil, err
	}
	if req.IThr == nil || req.SThr == nil {
		return nil, errorf(http.StatusBadRequest, "i_thr and s_thr are required")
	}
	job := &fiJob{iThr: *req.IThr, sThr: *req.SThr, embed: req.Embed}
	if req.Rate != "" {
		var err error
		if job.rate, err = fi.ParseRate(req.Rate); err != nil {
			return nil, errorf(http.StatusBadRequest, "rate %q: want count or mean_frequency", req.Rate)
		}
	}
	pol, err := srv.policy(req.Extrapolate, req.Strict)
	if err != nil {
		return nil, err
	}
	grid := req.AmpMin != nil || req.AmpMax != nil || req.Points != 0
	switch {
	case grid && req.Amps != nil:
		return nil, errorf(http.StatusBadRequest, "give either amps or amp_min, amp_max, points, not both")
	case req.Amps != nil:
		if len(req.Amps) == 0 {
			return nil, errorf(http.StatusBadRequest, "amps is empty")
		}
		if len(req.Amps) > srv.set.MaxFIPoints {
			return nil, errorf(http.StatusUnprocessableEntity, "%d amplitudes exceed the limit of %d", len(req.Amps), srv.set.MaxFIPoints)
		}
		job.amps = req.Amps
	default:
		lo, hi, n := max(srv.syn.AmpRange.Min, 0), srv.syn.AmpRange.Max, 21
		if req.AmpMin != nil {
			lo = *req.AmpMin
		}
		if req.AmpMax != nil {
			hi = *req.AmpMax
		}
		if req.Points != 0 {
			n = req.Points
		}
		switch {
		case n < 2:
			return nil, errorf(http.StatusUnprocessableEntity, "points = %d: want at least 2", n)
		case n > srv.set.MaxFIPoints:
			return nil, errorf(http.StatusUnprocessableEntity, "%d points exceed the limit of %d", n, srv.set.MaxFIPoints)
		case !(lo < hi):
			return nil, errorf(http.StatusUnprocessableEntity, "amp_min = %g must be below amp_max = %g", lo, hi)
		}
		job.amps = make([]float64, n)
		for i := range n {
			job.amps[i] = surrogate.Tidy(lo+(hi-lo)*float64(i)/float64(n-1), hi-lo) // 0.3, not 0.30000000000000004
		}
	}
	// One stimulus per amplitude: a refusal names amps[i] as stimulus i.
	sts := make([]surrogate.Stimulus, len(job.amps))
	for i, a := range job.amps {
		sts[i] = surrogate.Stimulus{AmpNA: a, IThr: job.iThr, SThr: job.sThr}
	}
	flags, err := srv.admit("", sts, pol)
	if err != nil {
		return nil, err
	}
	// The curve's flags: out of range if any amplitude is, the warnings of
	// each value once.
	job.flags = Flags{InRange: true, InHull: flags[0].InHull}
	seen := map[string]bool{}
	for _, f := range flags {
		job.flags.InRange = job.flags.InRange && f.InRange
		for _, w := range f.Warnings {
			if !seen[w] {
				seen[w] = true
				job.flags.Warnings = append(job.flags.Warnings, w)
			}
		}
	}
	return job, nil
}

// FIEmbedding is the surrogate's own F-I embedding.
type FIEmbedding struct {
	IThr      Float `json:"i_thr"`     // nA
	SThr      Float `json:"s_thr"`     // Hz/nA
	Intercept Float `json:"intercept"` // nA (null when the fitted slope is zero)
	Sims      int   `json:"sims"`      // traces synthesised
}

// FIResponse is the /api/fi response.
type FIResponse struct {
	IThr float64 `json:"i_thr"`
	SThr float64 `json:"s_thr"`
	Flags
	Rate   string       `json:"rate"`
	Points []FIPoint    `json:"points"`
	Embed  *FIEmbedding `json:"embedding,omitempty"`
	// EmbedError explains why there is no embedding: no threshold up to
	// 2 nA, firing at 0 nA, or a fit that is not meaningful (fi.Result.Check
	// states the rules).
	EmbedError string `json:"embedding_error,omitempty"`
}

// Float is a number that encodes as JSON null when it is NaN or infinite
// (encoding/json refuses those).
type Float float64

// MarshalJSON implements json.Marshaler.
func (f Float) MarshalJSON() ([]byte, error) {
	if !finite(float64(f)) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, float64(f), 'g', -1, 64), nil
}

// FIPoint is one amplitude of an F-I curve.
type FIPoint struct {
	Amp           float64 `json:"amp"`            // nA
	Spikes        int     `json:"spikes"`         // in the stimulus window
	MeanFrequency Float   `json:"mean_frequency"` // eFEL, Hz
	Rate          Float   `json:"rate"`           // Hz, by the request's definition
}

func (srv *Server) fiSettings(r fi.Rate) *fi.Settings {
	p := srv.syn.Protocol
	return &fi.Settings{Dt: p.DtMS, Delay: p.StimStartMS, Dur: p.StimEndMS - p.StimStartMS, Rate: r}
}

func (srv *Server) handleFI(w http.ResponseWriter, r *http.Request) error {
	asNPY, err := wantNPY(r)
	if err != nil {
		return err
	}
	job, err := srv.parseFI(srv.body(w, r))
	if err != nil {
		return err
	}
	resp := FIResponse{IThr: job.iThr, SThr: job.sThr, Flags: job.flags, Rate: job.rate.String()}
	traces := len(job.amps)
	if job.embed {
		traces += embedTraces
	}
	err = srv.compute(r, traces, func(ctx context.Context, inst *instance) error {
		sim := func(ctx context.Context, amp float64) ([]float64, error) {
			return inst.synth64(ctx, surrogate.Stimulus{AmpNA: amp, IThr: job.iThr, SThr: job.sThr})
		}
		p, err := fi.NewProber(sim, srv.fiSettings(job.rate))
		if err != nil {
			return err
		}
		resp.Points = make([]FIPoint, len(job.amps))
		for i, a := range job.amps {
			pt, err := p.Point(ctx, a)
			if err != nil {
				return err
			}
			resp.Points[i] = FIPoint{Amp: pt.Amp, Spikes: pt.Spikes, MeanFrequency: Float(pt.MeanFrequency), Rate: Float(pt.Rate)}
		}
		if !job.embed {
			return nil
		}
		res, err := p.Embed(ctx) // reuses the points above
		if err == nil {
			err = res.Check()
		}
		switch {
		case errors.Is(err, fi.ErrNoThreshold), errors.Is(err, fi.ErrFiresAtLo), errors.Is(err, fi.ErrUnreliable):
			resp.EmbedError = err.Error()
		case err != nil:
			return err
		default:
			resp.Embed = &FIEmbedding{IThr: Float(res.IThr), SThr: Float(res.SThr), Intercept: Float(res.Intercept), Sims: res.Sims}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if asNPY {
		flat := make([]float64, 0, 4*len(resp.Points))
		for _, p := range resp.Points {
			flat = append(flat, p.Amp, float64(p.Spikes), float64(p.MeanFrequency), float64(p.Rate))
		}
		return writeNPY(w, []int{len(resp.Points), 4}, nil, flat, map[string]string{
			"X-Noble-Columns": "amp_nA,spikes,mean_frequency_hz,rate_hz",
		})
	}
	return writeJSON(w, resp)
}

// ---- /api/ensemble ----

// EnsembleRequest is the /api/ensemble request: N embeddings drawn
// uniformly from the ellipse centred on (i_thr, s_thr) whose semi-axes are
// Radius times the training range widths of I_thr and s_thr, each under the
// same step amplitude.
type EnsembleRequest struct {
	IThr        *float64 `json:"i_thr"`
	SThr        *float64 `json:"s_thr"`
	Amp         *float64 `json:"amp"`
	N           int      `json:"n"`           // samples [50]
	Radius      *float64 `json:"radius"`      // fraction of the range widths, (0, 1] [0.05]
	Seed        uint64   `json:"seed"`        // sample k draws from PCG(seed, k)
	Traces      bool     `json:"traces"`      // include every sample's trace
	Extrapolate bool     `json:"extrapolate"` // as for /api/synth, for the centre and every sample
	Strict      bool     `json:"strict"`      // as for /api/synth
}

type ensembleJob struct {
	center  Stimulus
	flags   Flags
	n       int
	radius  float64
	seed    uint64
	traces  bool
	samples []surrogate.Stimulus
	sflags  []Flags
}

func (srv *Server) parseEnsemble(body io.Reader) (*ensembleJob, error) {
	var req EnsembleRequest
	if err := decodeJSON(body, &req); err != nil {
		return nil, err
	}
	st, err := stimulusJSON{req.IThr, req.SThr, req.Amp}.resolve("")
	if err != nil {
		return nil, err
	}
	job := &ensembleJob{center: st, n: req.N, radius: 0.05, seed: req.Seed, traces: req.Traces}
	if job.n == 0 {
		job.n = 50
	}
	if req.Radius != nil {
		job.radius = *req.Radius
	}
	switch {
	case job.n < 1:
		return nil, errorf(http.StatusUnprocessableEntity, "n = %d: want at least 1", job.n)
	case job.n > srv.set.MaxEnsemble:
		return nil, errorf(http.StatusUnprocessableEntity, "n = %d exceeds the ensemble limit of %d", job.n, srv.set.MaxEnsemble)
	case !(job.radius > 0 && job.radius <= 1):
		return nil, errorf(http.StatusUnprocessableEntity, "radius = %g: want a fraction of the training range in (0, 1]", job.radius)
	}
	pol, err := srv.policy(req.Extrapolate, req.Strict)
	if err != nil {
		return nil, err
	}
	fl, err := srv.admit("ensemble centre ", []surrogate.Stimulus{st.surrogate()}, pol)
	if err != nil {
		return nil, err
	}
	job.flags = fl[0]
	if job.samples, err = synth.Neighbourhood(st.surrogate(), job.n, job.radius, job.seed, srv.syn.Scaling); err != nil {
		return nil, errorf(http.StatusUnprocessableEntity, "%v", err)
	}
	if job.sflags, err = srv.admit("ensemble sample: ", job.samples, pol); err != nil {
		ae := err.(*apiError)
		ae.Msg += " (reduce radius or move the centre inward)"
		return nil, ae
	}
	return job, nil
}

// Band holds per-sample statistics of the ensemble's traces (mV),
// synth.Bands: the mean, the sample standard deviation (n−1; 0 for one
// sample) and quantiles (linear interpolation between order statistics,
// numpy's default).
type Band struct {
	Mean []float32 `json:"mean"`
	Std  []float32 `json:"std"`
	Min  []float32 `json:"min"`
	Q05  []float32 `json:"q05"`
	Q50  []float32 `json:"q50"`
	Q95  []float32 `json:"q95"`
	Max  []float32 `json:"max"`
}

// bandRows names the rows of the NPY form of a Band.
const bandRows = "mean,std,min,q05,q50,q95,max"

// Summary is the distribution of one feature's first value over the
// samples where it is defined (synth.Stats: Std is the sample standard
// deviation, n−1; null where the feature is defined nowhere).
type Summary struct {
	N    int   `json:"n"` // samples where the feature is defined
	Mean Float `json:"mean"`
	Std  Float `json:"std"`
	Min  Float `json:"min"`
	Max  Float `json:"max"`
}

// Sample is one ensemble member.
type Sample struct {
	Stimulus
	Flags
}

// EnsembleResponse is the /api/ensemble response.
type EnsembleResponse struct {
	TimeAxis
	Center   Sample             `json:"center"`
	N        int                `json:"n"`
	Radius   float64            `json:"radius"`
	Seed     uint64             `json:"seed"`
	Samples  []Sample           `json:"samples"`
	Band     Band               `json:"band"`
	Features map[string]Summary `json:"features"`
	Traces   [][]float32        `json:"traces,omitempty"`
}

func (srv *Server) handleEnsemble(w http.ResponseWriter, r *http.Request) error {
	asNPY, err := wantNPY(r)
	if err != nil {
		return err
	}
	job, err := srv.parseEnsemble(srv.body(w, r))
	if err != nil {
		return err
	}
	var flat []float32
	var traces [][]float32
	vals := make([]features.Values, job.n)
	err = srv.compute(r, job.n, func(ctx context.Context, inst *instance) error {
		if flat, traces, err = inst.synth(ctx, job.samples); err != nil {
			return err
		}
		if asNPY {
			return nil
		}
		for i, v := range traces {
			vals[i], _ = inst.features(v) // a failure leaves the sample's features undefined
		}
		return nil
	})
	if err != nil {
		return err
	}
	l := srv.syn.Length()
	b := synth.Bands(flat, job.n, l)
	band := Band{Mean: b.Mean, Std: b.SD, Min: b.Min, Q05: b.Q05, Q50: b.Q50, Q95: b.Q95, Max: b.Max}
	if asNPY {
		if job.traces {
			return writeNPY(w, []int{job.n, l}, flat, nil, srv.protoHeaders())
		}
		rows := [][]float32{band.Mean, band.Std, band.Min, band.Q05, band.Q50, band.Q95, band.Max}
		out := make([]float32, 0, len(rows)*l)
		for _, v := range rows {
			out = append(out, v...)
		}
		hdr := srv.protoHeaders()
		hdr["X-Noble-Rows"] = bandRows
		return writeNPY(w, []int{len(rows), l}, out, nil, hdr)
	}
	resp := EnsembleResponse{
		TimeAxis: srv.timeAxis(), Center: Sample{job.center, job.flags}, N: job.n, Radius: job.radius, Seed: job.seed,
		Samples: make([]Sample, job.n), Band: band, Features: map[string]Summary{},
	}
	for _, st := range synth.Stats(vals, summaryFeatures) {
		resp.Features[st.Name] = Summary{N: st.N, Mean: Float(st.Mean), Std: Float(st.SD), Min: Float(st.Min), Max: Float(st.Max)}
	}
	for k, st := range job.samples {
		resp.Samples[k] = Sample{Stimulus{IThr: st.IThr, SThr: st.SThr, Amp: st.AmpNA}, job.sflags[k]}
	}
	if job.traces {
		resp.Traces = traces
	}
	return writeJSON(w, resp)
}
