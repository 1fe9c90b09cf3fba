package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/noble-neuro/noble/features"
	"github.com/noble-neuro/noble/internal/atomicfile"
	"github.com/noble-neuro/noble/sim"
	"github.com/noble-neuro/noble/surrogate"
	"github.com/noble-neuro/noble/synth"
)

// File names of a comparison with a recording in its output directory.
const (
	CompareReportName  = "compare.md"
	CompareFigureName  = "compare.png"
	CompareResultsName = "compare.json"
)

// Populations of a comparison (CompareSettings.Population).
const (
	PopHoF      = "hof"      // the surrogate at its training HoF embeddings (the reference notebook's)
	PopHull     = "hull"     // Size embeddings drawn in the convex hull of the training HoF embeddings
	PopEnsemble = "ensemble" // Size embeddings drawn around Centre (synth.Neighbourhood)
)

// CompareSettings configure a comparison with a recording. A zero field
// means the default in brackets.
type CompareSettings struct {
	AmpNA      float64          // step amplitude of the surrogate and the simulator, nA (any finite value)
	Population string           // PopHoF, PopHull or PopEnsemble [PopHoF]
	Size       int              // samples of a hull or ensemble population [200]
	Radius     float64          // ensemble radius, in training range widths [0.05]
	Centre     *synth.Embedding // ensemble centre [the mean of the training HoF embeddings]
	Seed       uint64           // seed of the hull or ensemble draw
	Batch      int              // traces per surrogate forward pass [16]

	// Policy is the range policy applied to the population's stimuli
	// (synth.Surrogate.Admit): values outside the training ranges are
	// refused unless it opts in to extrapolation.
	Policy synth.Policy

	// CellDir is the cell directory whose HoF models the simulator runs at
	// AmpNA ("" skips the simulator). SimModels names the models
	// simulated [the surrogate's training HoF models, all of them if the
	// file records no split; without a surrogate, every parameter file of
	// the cell].
	CellDir   string
	SimModels []string
	Workers   int // simulations at once [GOMAXPROCS]

	// Protocol is the window of the simulator's traces when there is no
	// surrogate [surrogate.DefaultProtocol]; with one, its protocol.
	Protocol *surrogate.Protocol

	// Log receives one line per stage (nil: none); Progress, if not nil, is
	// called with a stage name and its advance.
	Log      io.Writer                           `json:"-"`
	Progress func(stage string, done, total int) `json:"-"`

	ModelPath string `json:"model_path"` // names the model in the report
}

// Spread summarises one feature over a population's traces that match the
// recording's firing: the per-trace means (features.Values.Mean), their
// median and quartiles (linear interpolation, numpy's nanpercentile),
// over the N traces on which the feature is defined.
type Spread struct {
	N      int       `json:"n"`
	Median Num       `json:"median"`
	Q1     Num       `json:"q1"`
	Q3     Num       `json:"q3"`
	Values []float64 `json:"-"` // the per-trace means, in trace order
}

// Side is one population of a comparison: the surrogate's or the
// simulator's.
type Side struct {
	Source   string   `json:"source"`   // what the traces are ("at the 50 training HoF embeddings")
	Traces   int      `json:"traces"`   // traces computed
	Used     int      `json:"used"`     // whose firing matches the recording's
	Excluded int      `json:"excluded"` // whose firing differs: left out
	Features []Spread `json:"features"` // per Recording.Names
}

// Comparison is a comparison's result, also written as compare.json.
type Comparison struct {
	Model     string             `json:"model,omitempty"`
	Cell      string             `json:"cell,omitempty"`
	Recording *Recording         `json:"recording"`
	Settings  CompareSettings    `json:"settings"`
	Protocol  surrogate.Protocol `json:"protocol"`
	Surrogate *Side              `json:"surrogate,omitempty"`
	Simulator *Side              `json:"simulator,omitempty"`
	Figures   []string           `json:"figures"`
	Seconds   float64            `json:"seconds"`
}

func (s CompareSettings) withDefaults() CompareSettings {
	if s.Population == "" {
		s.Population = PopHoF
	}
	if s.Size == 0 {
		s.Size = 200
	}
	if s.Radius == 0 {
		s.Radius = 0.05
	}
	if s.Batch <= 0 {
		s.Batch = 16
	}
	if s.Workers <= 0 {
		s.Workers = runtime.GOMAXPROCS(0)
	}
	return s
}

// Compare compares a population of surrogate traces (sur; nil for none)
// and the simulator's traces of HoF models (CellDir; "" for none) at one
// step amplitude with a recorded cell's features rc, by the protocol of
// NOBLE's reference code (inference/compare_ephys_features_experiments.ipynb
// and utils/compare_features.py of neuraloperator/noble): the features are
// rc.Names, chosen by the recording's firing; a trace whose firing
// (Spikecount > 0) differs from the recording's is left out and counted;
// each remaining trace gives the mean of each feature's values, and the
// population's median and quartiles of those means stand beside the
// recorded value. The simulator's traces show the models' own error, the
// surrogate's its error on top.
//
// It writes compare.md, compare.png (one panel per feature) and
// compare.json into out through a staging directory, as Run: a failed or
// interrupted comparison leaves out as it was. ctx is checked between
// batches and simulations.
func Compare(ctx context.Context, sur *synth.Surrogate, rc *Recording, out string, s *CompareSettings) (*Comparison, error) {
	var set CompareSettings
	if s != nil {
		set = *s
	}
	set = set.withDefaults()
	if !finite(set.AmpNA) {
		return nil, fmt.Errorf("%w: amplitude %v nA", ErrSettings, set.AmpNA)
	}
	if sur == nil && set.CellDir == "" {
		return nil, fmt.Errorf("%w: neither a surrogate nor a cell to compare", ErrSettings)
	}
	switch set.Population {
	case PopHoF, PopHull, PopEnsemble:
	default:
		return nil, fmt.Errorf("%w: population %q: want %s, %s or %s", ErrSettings, set.Population, PopHoF, PopHull, PopEnsemble)
	}
	if set.Size < 1 {
		return nil, fmt.Errorf("%w: population size %d", ErrSettings, set.Size)
	}
	c := &Comparison{Model: set.ModelPath, Recording: rc, Settings: set, Protocol: surrogate.DefaultProtocol()}
	if set.Protocol != nil {
		c.Protocol = *set.Protocol
	}
	var sts []surrogate.Stimulus
	if sur != nil {
		c.Protocol = sur.Protocol
		var err error
		if sts, err = compareStimuli(sur, &set); err != nil {
			return nil, err
		}
		c.Settings = set // with the ensemble's centre
	}
	var cell *sim.Cell
	var simNames []string
	if set.CellDir != "" {
		var err error
		if cell, err = sim.LoadCell(set.CellDir); err != nil {
			return nil, err
		}
		c.Cell = cell.Name
		simNames = compareSimModels(sur, cell, set.SimModels)
	}
	st, err := newStaging(out, ".compare-staging-*")
	if err != nil {
		return nil, err
	}
	defer st.close()
	logf := func(format string, args ...any) {
		if set.Log != nil {
			fmt.Fprintf(set.Log, "compare: "+format+"\n", args...)
		}
	}
	start := time.Now()
	fs := features.Settings{StimStart: c.Protocol.StimStartMS, StimEnd: c.Protocol.StimEndMS}
	l := c.Protocol.Length
	if sur != nil {
		logf("surrogate: %d traces (%s) at %g nA", len(sts), set.Population, set.AmpNA)
		v, err := sur.Synthesize(ctx, sts, set.Batch, func(done int) { progress(set.Progress, "surrogate", done, len(sts)) })
		if err != nil {
			return nil, err
		}
		vals, err := synth.Features(ctx, v, len(sts), l, c.Protocol.DtMS, fs)
		if err != nil {
			return nil, err
		}
		c.Surrogate = Summarise(vals, rc)
		c.Surrogate.Source = surrogateSource(&set, len(sts))
	}
	if cell != nil {
		logf("simulator: %d HoF models of %s at %g nA", len(simNames), cell.Name, set.AmpNA)
		traces, err := SimulateModels(ctx, cell, simNames, c.Protocol, set.AmpNA, set.Workers, func(done int) { progress(set.Progress, "simulations", done, len(simNames)) })
		if err != nil {
			return nil, err
		}
		vals, err := synth.Features(ctx, slices.Concat(traces...), len(traces), l, c.Protocol.DtMS, fs)
		if err != nil {
			return nil, err
		}
		c.Simulator = Summarise(vals, rc)
		c.Simulator.Source = fmt.Sprintf("package sim, %d HoF models of %s", len(simNames), cell.Name)
	}
	c.Seconds = time.Since(start).Seconds()
	if err := c.write(st); err != nil {
		return nil, err
	}
	return c, nil
}

// write makes the comparison's files in the staging directory and moves
// them into the output directory, the report last.
func (c *Comparison) write(st *staging) error {
	if err := c.writeFigure(filepath.Join(st.dir, CompareFigureName)); err != nil {
		return err
	}
	c.Figures = []string{CompareFigureName}
	if err := atomicfile.WriteFile(filepath.Join(st.dir, CompareReportName), c.Markdown()); err != nil {
		return err
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(st.dir, CompareResultsName), append(b, '\n')); err != nil {
		return err
	}
	return st.commit([]string{CompareFigureName, CompareResultsName, CompareReportName})
}

func progress(f func(string, int, int), stage string, done, total int) {
	if f != nil {
		f(stage, done, total)
	}
}

// compareStimuli returns the surrogate population's stimuli, admitted by
// the range policy.
func compareStimuli(sur *synth.Surrogate, set *CompareSettings) ([]surrogate.Stimulus, error) {
	train := synth.Embeddings(sur.HoF, surrogate.SplitTrain)
	if len(train) == 0 {
		train = synth.Embeddings(sur.HoF, "")
	}
	if len(train) == 0 && !(set.Population == PopEnsemble && set.Centre != nil) {
		return nil, fmt.Errorf("%w: the model file records no HoF models (metadata %q), needed for a %s population", ErrSettings, surrogate.MetaHoF, set.Population)
	}
	var sts []surrogate.Stimulus
	var err error
	switch set.Population {
	case PopHoF:
		for _, e := range train {
			sts = append(sts, surrogate.Stimulus{AmpNA: set.AmpNA, IThr: e.IThr, SThr: e.SThr})
		}
	case PopHull:
		sts, err = synth.Hull(train, set.Size, set.AmpNA, set.Seed)
	case PopEnsemble:
		c := set.Centre
		if c == nil {
			var m synth.Embedding
			for _, e := range train {
				m.IThr += e.IThr / float64(len(train))
				m.SThr += e.SThr / float64(len(train))
			}
			c = &m
			set.Centre = c
		}
		sts, err = synth.Neighbourhood(surrogate.Stimulus{AmpNA: set.AmpNA, IThr: c.IThr, SThr: c.SThr}, set.Size, set.Radius, set.Seed, sur.Scaling)
	}
	if err != nil {
		return nil, err
	}
	if _, err := sur.Admit(sts, set.Policy); err != nil {
		return nil, err
	}
	return sts, nil
}

// compareSimModels returns the models the simulator runs (see
// CompareSettings.SimModels).
func compareSimModels(sur *synth.Surrogate, cell *sim.Cell, given []string) []string {
	if len(given) > 0 {
		return given
	}
	var names []string
	if sur != nil {
		for _, split := range []string{surrogate.SplitTrain, ""} {
			for _, h := range sur.HoF {
				if split == "" || h.Split == split {
					names = append(names, h.Name)
				}
			}
			if len(names) > 0 {
				return names
			}
		}
	}
	for _, p := range cell.ParamFiles {
		names = append(names, filepath.Base(p))
	}
	return names
}

func surrogateSource(set *CompareSettings, n int) string {
	switch set.Population {
	case PopHull:
		return fmt.Sprintf("%d embeddings drawn in the convex hull of the training HoF embeddings (seed %d)", n, set.Seed)
	case PopEnsemble:
		return fmt.Sprintf("ensemble of %d embeddings within %g range widths of (I_thr %.4g nA, s_thr %.4g Hz/nA) (seed %d)", n, set.Radius, set.Centre.IThr, set.Centre.SThr, set.Seed)
	}
	return fmt.Sprintf("at the %d training HoF embeddings", n)
}

// SimulateModels simulates the named models of cell (parameter files, see
// sim.Cell.ParamFile) under a step of ampNA nA in window p, as the
// datasets' traces are made (a third of p's step, low-pass filtered and
// decimated by 3: package dsp), on up to workers goroutines, and returns
// each model's p.Length samples (mV) in order. progress, if not nil, is
// called with the number done (serialised).
func SimulateModels(ctx context.Context, cell *sim.Cell, names []string, p surrogate.Protocol, ampNA float64, workers int, progress func(done int)) ([][]float32, error) {
	out := make([][]float32, len(names))
	done := make(chan struct{}, len(names))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, workers))
	for i, name := range names {
		g.Go(func() error {
			pf, err := cell.ParamFile(name)
			if err != nil {
				return err
			}
			m, err := cell.Model(pf)
			if err != nil {
				return err
			}
			if out[i], err = simulateModel(gctx, m, p, ampNA); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			done <- struct{}{}
			if progress != nil {
				progress(len(done))
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// Summarise compares a population's feature values with the recording by
// NOBLE's reference protocol (see Compare): the traces whose firing
// (features.Values.Fires) differs from rc.Fires are excluded and counted,
// and each feature of rc.Names is summarised over the rest (Spread). The
// reference takes numpy's nanmean of a trace's values, which skips NaN
// elements; here a trace whose values include a NaN leaves the feature
// undefined on it (features.Values.Mean), as in the training code's
// feature errors. The result's Source is left empty.
func Summarise(vals []features.Values, rc *Recording) *Side {
	sd := &Side{Traces: len(vals), Features: make([]Spread, len(rc.Names))}
	var used []features.Values
	for _, v := range vals {
		if v.Fires() != rc.Fires {
			sd.Excluded++
			continue
		}
		used = append(used, v)
	}
	sd.Used = len(used)
	for k, name := range rc.Names {
		var x []float64
		for _, v := range used {
			if m, ok := v.Mean(name); ok {
				x = append(x, m)
			}
		}
		sp := Spread{N: len(x), Values: x, Median: Num(math.NaN()), Q1: Num(math.NaN()), Q3: Num(math.NaN())}
		if len(x) > 0 {
			y := slices.Sorted(slices.Values(x))
			sp.Median, sp.Q1, sp.Q3 = Num(synth.Quantile(y, 0.5)), Num(synth.Quantile(y, 0.25)), Num(synth.Quantile(y, 0.75))
		}
		sd.Features[k] = sp
	}
	return sd
}

// Markdown returns the comparison's report.
func (c *Comparison) Markdown() []byte {
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	rc, set := c.Recording, c.Settings
	w("# NOBLE against the recording\n\n")
	if c.Model != "" {
		w("- model: `%s`\n", c.Model)
	}
	if c.Cell != "" {
		w("- cell: %s\n", c.Cell)
	}
	firing := "silent"
	if rc.Fires {
		firing = fmt.Sprintf("fires (%g spikes)", float64(rc.Spikecount))
	} else if finite(float64(rc.Spikecount)) {
		firing = "silent (0 spikes)"
	}
	w("- recording: cell %s, %s step (`%s`, line %d): %s, so its %s features are compared\n", rc.SpecID, rc.Step, filepath.Base(rc.File), rc.Line, firing, map[bool]string{true: "spiking", false: "non-spiking"}[rc.Fires])
	w("- step amplitude %g nA; window %d samples at %g ms, step %g → %g ms\n", set.AmpNA, c.Protocol.Length, c.Protocol.DtMS, c.Protocol.StimStartMS, c.Protocol.StimEndMS)
	w("- computed %s in %.1f s\n\n", time.Now().UTC().Format(time.RFC3339), c.Seconds)
	w("Protocol of NOBLE's reference code (inference/compare_ephys_features_experiments.ipynb): a trace whose firing (Spikecount > 0) differs from the recording's is left out and counted; each remaining trace gives the mean of each feature's values (eFEL, package features); the median and quartiles (Q1–Q3) across the population stand beside the recorded value. The simulator's HoF traces show the models' own distance from the recording (model error), the surrogate's adds its error (surrogate error).\n\n")
	sides := []*Side{c.Surrogate, c.Simulator}
	names := []string{"surrogate", "simulator"}
	for i, sd := range sides {
		if sd != nil {
			w("- %s: %s; %d of %d traces used, %d left out (firing differs from the recording's)\n", names[i], sd.Source, sd.Used, sd.Traces, sd.Excluded)
		}
	}
	w("\n| feature | recorded |")
	sep := "|---|---|"
	for i, sd := range sides {
		if sd != nil {
			w(" %s median | %s Q1–Q3 | n |", names[i], names[i])
			sep += "---|---|---|"
		}
	}
	w("\n%s\n", sep)
	for k, name := range rc.Names {
		w("| %s | %s |", name, num(rc.Values[name]))
		for _, sd := range sides {
			if sd != nil {
				f := sd.Features[k]
				w(" %s | %s – %s | %d |", num(float64(f.Median)), num(float64(f.Q1)), num(float64(f.Q3)), f.N)
			}
		}
		w("\n")
	}
	w("\n![population spread against the recorded value](%s)\n\n", CompareFigureName)
	w("Box: quartiles and median of the per-trace values (whiskers 1.5 IQR, gonum/plot), points beyond; red line: the recorded value.\n")
	return b.Bytes()
}

// writeFigure draws one panel per feature: each population's spread (box
// plot) with the recorded value as a red line.
func (c *Comparison) writeFigure(path string) error {
	rc := c.Recording
	type pop struct {
		name string
		sd   *Side
	}
	var pops []pop
	if c.Surrogate != nil {
		pops = append(pops, pop{"surrogate", c.Surrogate})
	}
	if c.Simulator != nil {
		pops = append(pops, pop{"simulator", c.Simulator})
	}
	var plots []*plot.Plot
	for k, name := range rc.Names {
		p := newPlot(name, "", name)
		var labels []string
		for i, pp := range pops {
			labels = append(labels, fmt.Sprintf("%s (%d)", pp.name, pp.sd.Features[k].N))
			x := pp.sd.Features[k].Values
			if len(x) == 0 {
				continue
			}
			bp, err := plotter.NewBoxPlot(vg.Points(18), float64(i), plotter.Values(x))
			if err != nil {
				return err
			}
			bp.FillColor = withAlpha([]color.Color{colSurr, colOther}[i%2], 90)
			p.Add(bp)
		}
		if len(labels) > 0 {
			p.NominalX(labels...)
		}
		rec := rc.Values[name]
		if err := addSeries(p, []series{{x: []float64{-0.5, float64(max(len(pops), 1)) - 0.5}, y: []float64{rec, rec}, col: colRec}}); err != nil {
			return err
		}
		p.Legend.Top = true
		plots = append(plots, p)
	}
	return writeGrid(path, plots, 4, 2.4*vg.Inch, 2.2*vg.Inch)
}

// colRec marks a recorded value.
var colRec = color.RGBA{R: 200, G: 20, B: 20, A: 255}
