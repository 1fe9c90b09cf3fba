package eval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/noble-neuro/noble/dataset"
	"github.com/noble-neuro/noble/features"
	"github.com/noble-neuro/noble/internal/atomicfile"
	"github.com/noble-neuro/noble/sim"
	"github.com/noble-neuro/noble/surrogate"
	"github.com/noble-neuro/noble/synth"
)

// ErrSettings reports invalid settings or a model and dataset that do not fit.
var ErrSettings = errors.New("eval: invalid settings")

// ReportName is the report's file name in the output directory.
const ReportName = "report.md"

// ResultsName is the machine-readable results' file name.
const ResultsName = "results.json"

// TracesName is the file name of the per-trace table (writeTraces).
const TracesName = "traces.csv"

// ErrorFeatures are the features whose relative errors the report gives:
// the four of NOBLE's Tables 1 and 2 first, then others. sag_amplitude,
// the reference fine-tuning's feature, is eFEL's: defined only on
// hyperpolarising steps, so a dataset of depolarising steps reports it on
// no trace.
var ErrorFeatures = []string{
	"Spikecount", "AP1_width", "mean_AP_amplitude", "steady_state_voltage",
	"mean_frequency", "time_to_first_spike", "AP1_peak", "AHP_depth", "ISI_CV", "voltage_base", "minimum_voltage",
	"sag_amplitude",
}

// HistFeatures are the features of the population histograms.
var HistFeatures = []string{"Spikecount", "mean_frequency", "time_to_first_spike", "AP1_width", "mean_AP_amplitude", "steady_state_voltage"}

// Settings configure an evaluation. A zero field means the default in
// brackets; a negative count skips the part it sizes.
type Settings struct {
	MaxTraces int     // traces evaluated per test split [0: all]
	Batch     int     // traces per surrogate forward pass [16]
	FIPoints  int     // amplitudes of each surrogate F-I curve [12; < 0: no F-I section]
	FISims    int     // amplitudes of the curve grid simulated afresh per model (needs CellDir) [0: none]
	PopSize   int     // synthetic population drawn in the training HoF hull [200; < 0: none]
	PopAmp    float64 // step amplitude of the populations and the interpolation, nA [largest HoF I_thr + 0.05]
	Seed      uint64  // seed of the population draw
	Examples  int     // example traces plotted per split [3]

	// CellDir is the cell directory (cell.json, parameter files) for the
	// parts that simulate: the latent interpolation, the simulated HoF
	// population and the simulator's speed. "" skips simulation: the
	// interpolation is left out and the HoF population is the surrogate's
	// at the HoF embeddings.
	CellDir     string
	InterpA     string // first model of the interpolation [the first training model]
	InterpB     string // second model [the training model farthest from InterpA in scaled embedding]
	InterpSteps int    // interpolation points, both ends included [5]
	SimHoF      bool   // simulate every HoF model for the population histograms (needs CellDir)
	Workers     int    // simulations at once [GOMAXPROCS]

	SpeedBatch int // traces of the throughput measurement [1000; < 0: no speed section]
	SpeedReps  int // repetitions of the batch-1 measurement [5]
	SimTraces  int // simulations timed for the simulator's speed [2; needs CellDir; < 0: none]

	// Log receives one line per stage (nil: none); Progress, if not nil, is
	// called with a stage name and its advance: with done = 0 when the
	// stage begins (from when a rate can be measured), then as work is
	// done. It may be called from several goroutines at once.
	Log      io.Writer                           `json:"-"`
	Progress func(stage string, done, total int) `json:"-"`

	// ModelPath names the model in the report.
	ModelPath string `json:"model_path"`
}

func (s Settings) withDefaults(sur *synth.Surrogate) Settings {
	if s.Batch <= 0 {
		s.Batch = 16
	}
	if s.FIPoints == 0 {
		s.FIPoints = 12
	}
	if s.PopSize == 0 {
		s.PopSize = 200
	}
	if s.PopAmp == 0 {
		s.PopAmp = sur.Scaling.IThr.Max + 0.05
	}
	if s.Examples == 0 {
		s.Examples = 3
	}
	if s.InterpSteps == 0 {
		s.InterpSteps = 5
	}
	if s.SpeedBatch == 0 {
		s.SpeedBatch = 1000
	}
	if s.SpeedReps == 0 {
		s.SpeedReps = 5
	}
	if s.SimTraces == 0 {
		s.SimTraces = 2
	}
	return s
}

// Result is everything the report shows, also written as results.json.
type Result struct {
	Model      string         `json:"model"`
	Data       string         `json:"data"`
	Cell       string         `json:"cell"`
	Settings   Settings       `json:"settings"`
	Splits     []SplitResult  `json:"splits"`
	FI         []FICurve      `json:"fi,omitempty"`
	Population *Population    `json:"population,omitempty"`
	Interp     *Interpolation `json:"interpolation,omitempty"`
	Speed      *Speed         `json:"speed,omitempty"`
	Figures    []string       `json:"figures"`
	Seconds    float64        `json:"seconds"`
}

// Run evaluates sur on the test splits of d and writes the report, its
// figures and results.json into the directory out (created if needed). They
// are written into a staging directory inside out and renamed into out once
// all are complete, report.md last, so that a failed or interrupted run
// leaves out as it was (a directory Run created is removed again). ctx is
// checked between batches and simulations.
func Run(ctx context.Context, sur *synth.Surrogate, d *dataset.Dataset, out string, s *Settings) (*Result, error) {
	var set Settings
	if s != nil {
		set = *s
	}
	set = set.withDefaults(sur)
	if set.PopAmp < 0 || math.IsNaN(set.PopAmp) || math.IsInf(set.PopAmp, 0) {
		return nil, fmt.Errorf("%w: population amplitude %v nA", ErrSettings, set.PopAmp)
	}
	lay := d.Manifest.Layout
	if lay.WindowSamples != sur.Length() || math.Abs(lay.Dt-sur.Dt()) > 1e-9 {
		return nil, fmt.Errorf("%w: the model's window is %d samples at %g ms, the dataset's %d at %g ms", ErrSettings, sur.Length(), sur.Dt(), lay.WindowSamples, lay.Dt)
	}
	st, err := newStaging(out, ".eval-staging-*")
	if err != nil {
		return nil, err
	}
	defer st.close()
	stage := st.dir
	start := time.Now()
	e := &evaluator{sur: sur, d: d, out: stage, set: set, res: &Result{Model: set.ModelPath, Data: d.Dir, Cell: d.Manifest.Cell, Settings: set}}
	e.fs = sur.FeatureSettings()
	if err := e.modelFeatures(); err != nil {
		return nil, err
	}
	if set.CellDir != "" {
		e.logf("loading cell %s", set.CellDir)
		c, err := sim.LoadCell(set.CellDir)
		if err != nil {
			return nil, err
		}
		e.cell = c
	}
	steps := []func(context.Context) error{e.accuracy, e.fiCurves, e.population, e.interpolation, e.speed}
	for _, st := range steps {
		if err := st(ctx); err != nil {
			return nil, err
		}
	}
	e.res.Seconds = time.Since(start).Seconds()
	if err := e.writeReport(); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(e.res, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(filepath.Join(stage, ResultsName), append(b, '\n')); err != nil {
		return nil, err
	}
	if err := e.writeTraces(filepath.Join(stage, TracesName)); err != nil {
		return nil, err
	}
	if err := st.commit(append(slices.Clone(e.res.Figures), TracesName, ResultsName, ReportName)); err != nil {
		return nil, err
	}
	return e.res, nil
}

// staging is a directory inside a report directory out in which a run
// makes its files, moved into out only once all are written (commit), the
// report last: out holds either its previous report or the complete new
// one, never figures without their report. close removes the
// staging directory, and out too if the run made it and did not commit
// (and out is empty). Only a kill during the final renames (milliseconds)
// can mix the two. A staging directory left by a killed run (kill -9)
// holds nothing of value: newStaging removes those of its pattern.
type staging struct {
	out, dir string
	made     bool // out did not exist
	ok       bool // committed
}

// newStaging makes out (if needed) and a staging directory inside it named
// by pattern (os.MkdirTemp's).
func newStaging(out, pattern string) (*staging, error) {
	st := &staging{out: out}
	if _, err := os.Stat(out); errors.Is(err, os.ErrNotExist) {
		st.made = true
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	old, _ := filepath.Glob(filepath.Join(out, pattern))
	for _, d := range old {
		os.RemoveAll(d)
	}
	var err error
	if st.dir, err = os.MkdirTemp(out, pattern); err != nil {
		if st.made {
			os.Remove(out)
		}
		return nil, fmt.Errorf("eval: report directory %s: %w", out, err)
	}
	return st, nil
}

// commit moves the named files (duplicates once) from the staging
// directory into out in order: the report last.
func (st *staging) commit(names []string) error {
	moved := map[string]bool{}
	for _, name := range names {
		if moved[name] {
			continue
		}
		moved[name] = true
		if err := os.Rename(filepath.Join(st.dir, name), filepath.Join(st.out, name)); err != nil {
			return fmt.Errorf("eval: %w", err)
		}
	}
	st.ok = true
	return nil
}

// close removes the staging directory, and out if this run made it and
// did not commit.
func (st *staging) close() {
	os.RemoveAll(st.dir)
	if st.made && !st.ok {
		os.Remove(st.out)
	}
}

type evaluator struct {
	sur  *synth.Surrogate
	d    *dataset.Dataset
	out  string
	set  Settings
	res  *Result
	fs   features.Settings
	cell *sim.Cell
	recs []record // per evaluated test trace
	// feat holds the extra features (AHP_depth) of each dataset model
	// that is not excluded, by index, for a model that embeds some
	// (modelFeatures).
	feat map[int]surrogate.ExtraValues
}

// modelFeatures fills e.feat for the extra features the surrogate embeds:
// each model's from the model file's records of its training models
// (noble train records them, whatever table they came from), else from the
// dataset's manifest. A model without one is an error naming it and the
// feature.
func (e *evaluator) modelFeatures() error {
	want := e.sur.Embedding.ExtraFeatures()
	if len(want) == 0 {
		return nil
	}
	hof := map[string]surrogate.ExtraValues{}
	for _, h := range e.sur.HoF {
		hof[h.Name] = h.Features
	}
	e.feat = map[int]surrogate.ExtraValues{}
	for _, m := range e.models("") {
		fv := m.Features
		if h, ok := hof[m.Name]; ok && !h.IsZero() {
			fv = h
		}
		for _, name := range want {
			if _, ok := fv.Get(name); !ok {
				return fmt.Errorf("%w: the model embeds %s, but neither it nor the dataset records %s for model %s", ErrSettings, name, name, m.Name)
			}
		}
		e.feat[m.Index] = fv
	}
	return nil
}

// record is one evaluated test trace.
type record struct {
	split             string
	model             int
	amp               float64
	rateSim, rateSu   float64 // Hz
	spikesSim, spikes float64 // Spikecount on the test window, simulator and surrogate
	l2                float64 // voltage relative L2 error
}

func (e *evaluator) logf(format string, args ...any) {
	if e.set.Log != nil {
		fmt.Fprintf(e.set.Log, "eval: "+format+"\n", args...)
	}
}

func (e *evaluator) progress(stage string, done, total int) {
	if e.set.Progress != nil {
		e.set.Progress(stage, done, total)
	}
}

func (e *evaluator) figure(name string) string {
	e.res.Figures = append(e.res.Figures, name)
	return filepath.Join(e.out, name)
}

// models returns the manifest's models of a split ("" for all with an
// embedding).
func (e *evaluator) models(split string) []dataset.Model {
	var out []dataset.Model
	for _, m := range e.d.Manifest.Models {
		if m.Split == dataset.ModelExcluded {
			continue
		}
		if split == "" || m.Split == split {
			out = append(out, m)
		}
	}
	return out
}

// rate returns the firing rate (Hz) of feature values: spikes in the
// stimulus window over its duration, as package fi's RateCount.
func (e *evaluator) rate(v features.Values) float64 {
	n, ok := v.First("Spikecount_stimint")
	if !ok {
		return 0
	}
	return n / ((e.fs.StimEnd - e.fs.StimStart) / 1000)
}

// simulate runs model params p at amp (nA) under the surrogate's protocol at
// a third of its step, low-pass filtered and decimated by 3 (package dsp, as
// the datasets), and returns the window's samples (mV).
func (e *evaluator) simulate(ctx context.Context, p *sim.Params, amp float64) ([]float32, error) {
	m, err := e.cell.ModelFromParams(p)
	if err != nil {
		return nil, err
	}
	return simulateModel(ctx, m, e.sur.Protocol, amp)
}

func simulateModel(ctx context.Context, m *sim.Model, pr surrogate.Protocol, amp float64) ([]float32, error) {
	const factor = 3
	sp := sim.Protocol{Dt: pr.DtMS / factor, TStop: float64(pr.Length) * pr.DtMS, Delay: pr.StimStartMS, Dur: pr.StimEndMS - pr.StimStartMS, Amp: amp}
	v, err := m.Simulate(ctx, sp, nil)
	if err != nil {
		return nil, err
	}
	dec, err := newDecimator(factor)
	if err != nil {
		return nil, err
	}
	y := dec.Decimate(nil, v)
	if len(y) < pr.Length {
		return nil, fmt.Errorf("eval: simulated %d samples, want %d", len(y), pr.Length)
	}
	out := make([]float32, pr.Length)
	for i := range out {
		out[i] = float32(y[i])
	}
	return out, nil
}

func relL2(yhat, y []float32) float64 {
	var num, den float64
	for i := range y {
		d := float64(yhat[i]) - float64(y[i])
		num += d * d
		den += float64(y[i]) * float64(y[i])
	}
	return math.Sqrt(num / den)
}

func toF64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func mean(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

func median(x []float64) float64 {
	y := slices.Clone(x)
	slices.Sort(y)
	return synth.Quantile(y, 0.5)
}

// Num is a float64 that encodes NaN and ±Inf as JSON null.
type Num float64

// MarshalJSON encodes n, or null when it is not finite.
func (n Num) MarshalJSON() ([]byte, error) {
	if !finite(float64(n)) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(n))
}

// UnmarshalJSON decodes a number, or null as NaN: an undefined value
// read back from results.json must not become 0, a perfect error.
func (n *Num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = Num(math.NaN())
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*n = Num(f)
	return nil
}
