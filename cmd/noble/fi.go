package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/noble-neuro/noble/fi"
	"github.com/noble-neuro/noble/internal/atomicfile"
	"github.com/noble-neuro/noble/internal/cli"
	"github.com/noble-neuro/noble/sim"
)

func cmdFI() *cli.Command {
	fs := flag.NewFlagSet("fi", flag.ContinueOnError)
	cellDir := fs.String("cell", "", "cell `DIR` holding cell.json (required)")
	params := fs.String("params", "", "comma-separated parameter files or names in the cell's parameter directory (default: all)")
	out := fs.String("out", "", "output `FILE.csv`: parameters,i_thr_nA,s_thr_hz_per_nA,...,AHP_depth,ahp_amp_nA (required); F-I points go to FILE-points.csv")
	workers := fs.Int("workers", runtime.NumCPU(), "models simulated in parallel")
	step := addStepFlags(fs, " (the models' authors used 1000)", " (the models' authors used 1000); each simulation runs to delay + dur + 100 ms")
	rate := fs.String("rate", "count", "firing rate: count (spikes in the stimulus / --dur) or mean_frequency (eFEL)")
	tol := fs.Float64("tol", 1e-4, "threshold bisection tolerance, nA")
	method := fs.String("method", "fit", "embedding definition: fit (linear fit over --fit-width above the rheobase; I_thr = its zero crossing) or local (I_thr = rheobase, slope over --slope-width)")
	fitWidth := fs.Float64("fit-width", 0.13, "method fit: fit window above the rheobase, nA")
	fitPoints := fs.Int("fit-points", 7, "method fit: amplitudes in the fit window")
	width := fs.Float64("slope-width", 0.02, "method local: slope fit window above I_thr, nA")
	points := fs.Int("slope-points", 5, "method local: amplitudes in the slope fit window")
	extra := fs.String("amps", "", "comma-separated extra amplitudes (nA) simulated for every model and written to the points file")
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	return &cli.Command{
		Name:      "fi",
		UsageLine: "fi --cell DIR [--params FILE,...] --out FILE.csv [--workers N] [--method fit|local] [--rate count|mean_frequency] [--delay MS --dur MS] [--amps A,...]",
		Short:     "F-I embedding (threshold current and slope) of each model of a cell",
		Long: `Fi simulates each parameter file of a cell under NOBLE's protocol (a step
15 → 415 ms, 515 ms at --dt; --delay and --dur change it) and computes its
F-I embedding as package fi defines it. The rheobase is the smallest amplitude firing at least one spike
in the stimulus (bracketing from 0.05 nA, then bisection to --tol). With
--method fit (default) the rate at --fit-points amplitudes over [rheobase,
rheobase + --fit-width] is fitted with a line: s_thr is its slope and I_thr
its zero-rate crossing (NOBLE's "slope" and "intercept"). With --method local
I_thr is the rheobase and s_thr the slope over --slope-points amplitudes in
[I_thr, I_thr + --slope-width]. AHP_depth (mV) is eFEL's AHP_depth averaged
over the spikes of the strongest step of that fit window that fires at least
twice (normally rheobase + --fit-width), measured at ahp_amp_nA, at no extra
simulation: the third feature of NOBLE's embedding ablation ("noble train
--embedding amp=9,s_thr=1,i_thr=1,AHP_depth=1"). It writes one row per model
to --out (parameters,i_thr_nA,s_thr_hz_per_nA,intercept_nA,simulations,
rheobase_nA,AHP_depth,ahp_amp_nA; empty values for a model that fires at 0
nA or not up to 2 nA) and every
simulated point, including the --amps ones, to FILE-points.csv
(parameters,amp_nA,spikes,mean_frequency_hz,rate_hz), so that other rate
definitions or fit windows can be evaluated offline. Both
files are written atomically once every model is done. Until then each
finished model is kept in FILE.csv.partial: an interrupted run (Ctrl-C, or
even kill -9) run again with the same flags resumes with the models left;
with other flags it is refused (delete the file to start afresh). The output
directory is checked to be writable before any work.`,
		Flags: fs,
		Run: func(ctx context.Context, args []string) (err error) {
			if len(args) > 0 {
				return cli.Usagef("unexpected arguments %q", args)
			}
			if *cellDir == "" || *out == "" {
				return cli.Usagef("--cell and --out are required")
			}
			if *workers < 1 {
				return cli.Usagef("--workers %d: must be at least 1", *workers)
			}
			r, err := fi.ParseRate(*rate)
			if err != nil {
				return cli.Usagef("--rate: %v", err)
			}
			var extraAmps []float64
			if *extra != "" {
				if extraAmps, err = cli.Floats("amps", *extra); err != nil {
					return err
				}
			}
			m, err := fi.ParseMethod(*method)
			if err != nil {
				return cli.Usagef("--method: %v", err)
			}
			if err := step.check(); err != nil {
				return err
			}
			if !(step.Delay > 0) || !(step.Dur > 0) || math.IsInf(step.Delay+step.Dur, 0) {
				return cli.Usagef("--delay %g, --dur %g: want both > 0 ms", step.Delay, step.Dur)
			}
			settings := fi.Settings{Dt: step.Dt, Delay: step.Delay, Dur: step.Dur, Rate: r, Tol: *tol, Method: m, FitWidth: *fitWidth, FitPoints: *fitPoints,
				SlopeWidth: *width, SlopePoints: *points}
			cell, err := sim.LoadCell(*cellDir)
			if err != nil {
				return err
			}
			files, err := cellParamFiles(cell, *params)
			if err != nil {
				return err
			}
			if len(files) == 0 {
				return fmt.Errorf("%s: no parameter files", *cellDir)
			}
			// Before any work: an unwritable output directory fails now, not
			// after every model is computed.
			od, err := prepareOutDir(filepath.Dir(*out))
			if err != nil {
				return err
			}
			defer func() {
				if err != nil {
					od.Undo()
				}
			}()
			names := make([]string, len(files))
			for i, f := range files {
				names[i] = filepath.Base(f)
			}
			ck, err := openFICheckpoint(checkpointPath(*out), fiRun{Cell: cell.Name, Parameters: names, Settings: settings, Amps: extraAmps})
			if err != nil {
				return err
			}
			// Warnings pass above the progress line, even with --quiet.
			st := cli.NewStatus(os.Stderr, false)
			if n := ck.done(); n > 0 {
				st.Logf("noble fi: resuming: %d of %d models done in %s", n, len(files), ck.path)
			}
			results, err := runFIModels(ctx, fiJobs{cell: cell, files: files, names: names, settings: &settings,
				extraAmps: extraAmps, workers: *workers, quiet: *quiet}, ck, st)
			if err != nil {
				return err
			}
			for _, p := range []string{*out, pointsPath(*out)} {
				od.New(p)
			}
			if err := writeFIResults(*out, names, results); err != nil {
				return err
			}
			// Both files are complete: the checkpoint has served.
			os.Remove(ck.path)
			return nil
		},
	}
}

// cellParamFiles returns the cell's parameter files named in the
// comma-separated list params, or all of them if params is empty.
func cellParamFiles(cell *sim.Cell, params string) ([]string, error) {
	if params == "" {
		return cell.ParamFiles, nil
	}
	var files []string
	for _, name := range cli.List(params) {
		p, err := cell.ParamFile(name)
		if err != nil {
			return nil, err
		}
		files = append(files, p)
	}
	return files, nil
}

// fiJobs is the work of noble fi: one F-I embedding per parameter file.
type fiJobs struct {
	cell      *sim.Cell
	files     []string // parameter files
	names     []string // their base names, the checkpoint's and the output's keys
	settings  *fi.Settings
	extraAmps []float64 // amplitudes simulated for every model besides the embedding's
	workers   int
	quiet     bool
}

// runFIModels computes the embedding of every model that the checkpoint ck
// does not hold yet, workers at a time, adding each to ck as it finishes. A
// model without a threshold in range is logged on st and has a nil result.
// On an interrupt it logs how to resume and returns the context's error.
func runFIModels(ctx context.Context, j fiJobs, ck *fiCheckpoint, st *cli.Status) ([]*fi.Result, error) {
	settings := j.settings
	proto := sim.Protocol{Dt: settings.Dt, Delay: settings.Delay, Dur: settings.Dur, TStop: settings.Delay + settings.Dur + 100}
	results := make([]*fi.Result, len(j.files))
	prog := cli.NewProgress(os.Stderr, true, "fi", "models", len(j.files))
	if !j.quiet {
		prog = st.Progress("fi", "models", len(j.files))
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(j.workers)
	for i, file := range j.files {
		if r, ok := ck.result(j.names[i]); ok {
			results[i] = r
			prog.Add(1)
			continue
		}
		g.Go(func() error {
			m, err := j.cell.Model(file)
			if err != nil {
				return err
			}
			w := sim.NewWorkspace(m)
			var buf []float64
			simulate := func(ctx context.Context, amp float64) ([]float64, error) {
				p := proto
				p.Amp = amp
				v, err := w.Simulate(ctx, p, buf)
				buf = v
				return v, err
			}
			p, err := fi.NewProber(simulate, settings)
			if err != nil {
				return err
			}
			for _, a := range j.extraAmps {
				if _, err := p.Point(gctx, a); err != nil {
					return fmt.Errorf("%s: %w", file, err)
				}
			}
			res, err := p.Embed(gctx)
			if errors.Is(err, fi.ErrNoThreshold) || errors.Is(err, fi.ErrFiresAtLo) {
				st.Logf("noble fi: %s: %v", filepath.Base(file), err)
				err = nil
			}
			if err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			results[i] = res
			if err := ck.add(j.names[i], res); err != nil {
				return err
			}
			prog.Add(1)
			if fiModelDone != nil {
				fiModelDone(i)
			}
			return nil
		})
	}
	err := g.Wait()
	if err == nil {
		err = ctx.Err() // an interrupt between models is no error of theirs
	}
	prog.Done()
	if errors.Is(err, context.Canceled) {
		st.Logf("noble fi: interrupted; %d of %d models kept in %s, run the same command to resume", ck.done(), len(j.files), ck.path)
	}
	return results, err
}

// writeFIResults writes the embeddings to out and every simulated F-I point
// to pointsPath(out), atomically, in the order of names.
func writeFIResults(out string, names []string, results []*fi.Result) error {
	err := atomicfile.Write(out, func(w io.Writer) error {
		// AHP_depth is named as eFEL names it: package dataset reads every
		// column named after an eFEL feature as a per-model feature.
		fmt.Fprintln(w, "parameters,i_thr_nA,s_thr_hz_per_nA,intercept_nA,simulations,rheobase_nA,AHP_depth,ahp_amp_nA")
		for i, res := range results {
			fmt.Fprintf(w, "%s,%s,%s,%s,%d,%s,%s,%s\n", names[i],
				num(res.IThr), num(res.SThr), num(res.Intercept), res.Sims, num(res.Rheobase),
				num(res.AHPDepth), num(res.AHPAmp))
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = atomicfile.Write(pointsPath(out), func(w io.Writer) error {
		fmt.Fprintln(w, "parameters,amp_nA,spikes,mean_frequency_hz,rate_hz")
		for i, res := range results {
			for _, p := range res.Points {
				fmt.Fprintf(w, "%s,%s,%d,%s,%s\n", names[i], num(p.Amp), p.Spikes,
					num(p.MeanFrequency), num(p.Rate))
			}
		}
		return nil
	})
	return err
}

// fiModelDone, if set (by tests), is called after each model is computed
// and checkpointed.
var fiModelDone func(i int)

// checkpointPath is the checkpoint of a run writing out.
func checkpointPath(out string) string { return out + ".partial" }

// fiRun is what determines the results of a 'noble fi' run; a checkpoint
// is resumed only by a run with the same.
type fiRun struct {
	Cell       string      `json:"cell"`
	Parameters []string    `json:"parameters"`
	Settings   fi.Settings `json:"settings"`
	Amps       []float64   `json:"amps"`
}

// fiDone is a finished model in a checkpoint. Numbers are in num's form
// (shortest round-trip text, "" for NaN), since JSON has no NaN.
type fiDone struct {
	IThr      string      `json:"i_thr_nA"`
	SThr      string      `json:"s_thr_hz_per_nA"`
	Intercept string      `json:"intercept_nA"`
	Rheobase  string      `json:"rheobase_nA"`
	Sims      int         `json:"simulations"`
	Points    [][4]string `json:"points"` // amp_nA, spikes, mean_frequency_hz, rate_hz
	// AHPDepth and AHPAmp are the model's AHP_depth (mV) and its
	// amplitude (nA). A checkpoint written before they existed has no
	// AHPDepth: its models are computed again.
	AHPDepth *string `json:"ahp_depth_mV,omitempty"`
	AHPAmp   string  `json:"ahp_amp_nA,omitempty"`
}

// fiCheckpoint is FILE.csv.partial: the run's settings and its finished
// models, rewritten atomically after each model, so that an interrupted
// run (Ctrl-C, kill -9) loses only the models in flight. It is safe for
// concurrent use.
type fiCheckpoint struct {
	path string
	mu   sync.Mutex
	file struct {
		Format string            `json:"format"`
		Run    fiRun             `json:"run"`
		Done   map[string]fiDone `json:"done"`
	}
}

const fiCheckpointFormat = "noble-fi-checkpoint-1"

// openFICheckpoint reads the checkpoint at path if there is one, and
// refuses it if it was made by a run with other settings; else it starts
// an empty one (written with the first finished model).
func openFICheckpoint(path string, run fiRun) (*fiCheckpoint, error) {
	c := &fiCheckpoint{path: path}
	c.file.Format = fiCheckpointFormat
	c.file.Run = run
	c.file.Done = map[string]fiDone{}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	var old struct {
		Format string            `json:"format"`
		Run    json.RawMessage   `json:"run"`
		Done   map[string]fiDone `json:"done"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&old); err != nil || old.Format != fiCheckpointFormat {
		return nil, fmt.Errorf("%s: not a checkpoint of 'noble fi' (%v); delete it to start afresh", path, err)
	}
	var oldRun fiRun
	if err := json.Unmarshal(old.Run, &oldRun); err != nil {
		return nil, fmt.Errorf("%s: run: %w", path, err)
	}
	if diff := run.diff(oldRun); diff != "" {
		return nil, fmt.Errorf("%s: checkpoint of a run with other settings (%s): run with the same flags to resume, or delete it to start afresh", path, diff)
	}
	for name, d := range old.Done {
		if _, err := d.result(); err != nil || !slices.Contains(run.Parameters, name) {
			return nil, fmt.Errorf("%s: done.%s: bad entry (%v); delete the file to start afresh", path, name, err)
		}
	}
	c.file.Done = old.Done
	return c, nil
}

// diff names the first field in which r and o differ, "" if none.
func (r fiRun) diff(o fiRun) string {
	a, _ := json.Marshal(r.Settings)
	b, _ := json.Marshal(o.Settings)
	switch {
	case r.Cell != o.Cell:
		return fmt.Sprintf("cell %s, now %s", o.Cell, r.Cell)
	case !slices.Equal(r.Parameters, o.Parameters):
		return fmt.Sprintf("parameter files %s, now %s", strings.Join(o.Parameters, ","), strings.Join(r.Parameters, ","))
	case !bytes.Equal(a, b):
		return fmt.Sprintf("settings %s, now %s", b, a)
	case !slices.Equal(r.Amps, o.Amps):
		return fmt.Sprintf("--amps %v, now %v", o.Amps, r.Amps)
	}
	return ""
}

// done returns the number of finished models.
func (c *fiCheckpoint) done() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.file.Done)
}

// result returns the checkpointed result of a model.
func (c *fiCheckpoint) result(name string) (*fi.Result, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.file.Done[name]
	if !ok {
		return nil, false
	}
	if d.AHPDepth == nil {
		return nil, false
	}
	r, err := d.result()
	return r, err == nil
}

// add records a finished model and rewrites the checkpoint atomically.
func (c *fiCheckpoint) add(name string, r *fi.Result) error {
	ahp := num(r.AHPDepth)
	d := fiDone{IThr: num(r.IThr), SThr: num(r.SThr), Intercept: num(r.Intercept), Rheobase: num(r.Rheobase), Sims: r.Sims,
		AHPDepth: &ahp, AHPAmp: num(r.AHPAmp)}
	for _, p := range r.Points {
		d.Points = append(d.Points, [4]string{num(p.Amp), strconv.Itoa(p.Spikes), num(p.MeanFrequency), num(p.Rate)})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.file.Done[name] = d
	b, err := json.MarshalIndent(&c.file, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(c.path, append(b, '\n'))
}

// result decodes d.
func (d fiDone) result() (*fi.Result, error) {
	var err error
	f := func(s string) float64 {
		if s == "" {
			return math.NaN()
		}
		x, e := strconv.ParseFloat(s, 64)
		if e != nil && err == nil {
			err = e
		}
		return x
	}
	r := &fi.Result{IThr: f(d.IThr), SThr: f(d.SThr), Intercept: f(d.Intercept), Rheobase: f(d.Rheobase), Sims: d.Sims,
		AHPDepth: math.NaN(), AHPAmp: f(d.AHPAmp)}
	if d.AHPDepth != nil {
		r.AHPDepth = f(*d.AHPDepth)
	}
	for _, p := range d.Points {
		n, e := strconv.Atoi(p[1])
		if e != nil && err == nil {
			err = e
		}
		r.Points = append(r.Points, fi.Point{Amp: f(p[0]), Spikes: n, MeanFrequency: f(p[2]), Rate: f(p[3])})
	}
	return r, err
}

// num formats a CSV number: shortest round-trip form, empty for NaN.
func num(x float64) string {
	if math.IsNaN(x) {
		return ""
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

// pointsPath derives FILE-points.csv from FILE.csv.
func pointsPath(out string) string {
	return strings.TrimSuffix(out, filepath.Ext(out)) + "-points.csv"
}
