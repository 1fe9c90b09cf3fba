package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/noble-neuro/noble/internal/atomicfile"
	"github.com/noble-neuro/noble/internal/cli"
	"github.com/noble-neuro/noble/internal/npy"
	"github.com/noble-neuro/noble/sim"
)

func cmdSimulate() *cli.Command {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	cellDir := fs.String("cell", "", "cell `DIR` holding cell.json (required)")
	params := fs.String("params", "", "parameter `FILE`s, comma-separated: paths, or names in the cell's parameter folder (default: all of the cell's)")
	amps := fs.String("amps", "", "step amplitudes, comma-separated, nA (this or --stimulus is required)")
	stimulus := fs.String("stimulus", "", "stimulus `FILE` (.csv or .npy), nA: any current waveform in place of the step; see below")
	out := fs.String("out", "", "output `DIR`, created if missing (required)")
	format := fs.String("format", "npy", "output format: npy (float32 voltage, mV) or csv (columns t_ms, v_mV)")
	step := addStepFlags(fs, "", "")
	tstop := fs.Float64("tstop", sim.DefaultTStop, "simulated time, ms (with --stimulus: default the file's length)")
	workers := fs.Int("workers", 0, "simulations at once (0: one per core)")
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	return &cli.Command{
		Name:      "simulate",
		UsageLine: "simulate --cell DIR [--params FILE,...] (--amps A,... | --stimulus FILE) --out DIR [--format npy|csv] [--dt 0.02] [--tstop 515] [--delay 15] [--dur 400] [--workers N] [--quiet]",
		Short:     "simulate a cell's models under current steps or any current waveform, as NEURON does",
		Long: `Simulate runs every (parameter file × amplitude) job on the cell: NEURON's
fixed-step method (dt, backward Euler) from finitialize(v_init) to --tstop, with
an IClamp at soma(0.5) of the given amplitude from --delay for --dur ms. Each job
writes OUT/<parameter file stem>__amp<A>.npy, the soma voltage in mV as float32,
one sample per dt including t = 0 (round(tstop/dt) + 1 samples; 25,751 by
default), with <A> in Go's shortest form (0.1, -0.05, 0). With --format csv it
writes <...>.csv instead: a header t_ms,v_mV and one row per sample, the
voltage in full (float64) precision.

--stimulus FILE plays any current (nA) in place of the step, one job per
parameter file, written to OUT/<parameter file stem>__<FILE's stem>.npy:
  - one column (CSV) or a 1-D NPY: the current on the simulation's dt grid,
    value k held from t = k·dt to (k+1)·dt, as NEURON's
    Vector.play(&stim.amp, dt); --tstop defaults to (values − 1)·dt and must
    otherwise match it. Noise is such a file.
  - two columns (CSV: time in ms, current in nA) or an [n, 2] NPY: the
    current interpolated linearly between the rows, as NEURON's
    Vector.play(&stim.amp, tvec, 1), evaluated at each step's midpoint, the
    first value before the first time and the last after the last one;
    --tstop defaults to the last time. A repeated time is a jump, so a ramp
    from 0 at 100 ms to 0.5 nA at 400 ms and back to 0 is the four rows
    0,0  100,0  400,0.5  400,0.
A CSV may start with a header line and hold '#' comments. A file holding a
step gives exactly the trace of --amps. Files are written atomically; on any
error the command exits non-zero, and removes what it created (the files of
finished jobs, and --out if it made it).`,
		Flags: fs,
		Run: func(ctx context.Context, args []string) (err error) {
			if len(args) > 0 {
				return cli.Usagef("unexpected arguments %q", args)
			}
			if *cellDir == "" || (*amps == "") == (*stimulus == "") || *out == "" {
				return cli.Usagef("--cell, --out and one of --amps or --stimulus are required")
			}
			if *format != "npy" && *format != "csv" {
				return cli.Usagef("--format %q: want npy or csv", *format)
			}
			given := map[string]bool{}
			fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
			if *stimulus != "" && (given["delay"] || given["dur"]) {
				return cli.Usagef("--stimulus replaces the step: no --delay or --dur")
			}
			var as []float64
			if *amps != "" {
				if as, err = cli.Floats("amps", *amps); err != nil {
					return err
				}
			}
			// Check the flags as given: in sim.Protocol a zero means "default".
			if err := step.check(); err != nil {
				return err
			}
			if math.IsNaN(*tstop) || math.IsInf(*tstop, 0) || *tstop <= 0 {
				return cli.Usagef("--tstop %v: want a finite tstop > 0 ms", *tstop)
			}
			p, err := simulateProtocol(step, *tstop, *stimulus, given["tstop"])
			if err != nil {
				return err
			}
			if *workers < 0 {
				return cli.Usagef("--workers %d: must be ≥ 0", *workers)
			}

			c, err := sim.LoadCell(*cellDir)
			if err != nil {
				return err
			}
			files, err := cellParamFiles(c, *params)
			if err != nil {
				return err
			}
			if *params != "" && len(files) == 0 {
				return cli.Usagef("--params: empty list")
			}

			jobs, paths, err := simulateJobs(files, as, *stimulus, *out, *format)
			if err != nil {
				return err
			}

			od, err := prepareOutDir(*out)
			if err != nil {
				return err
			}
			for _, p := range paths {
				od.New(p)
			}
			// On failure (a diverged simulation, an interrupt) remove what
			// this run created: no empty or half-filled directory stays.
			defer func() {
				if err != nil {
					od.Undo()
				}
			}()

			prog := cli.NewProgress(os.Stderr, *quiet, "simulate", "traces", len(jobs))
			set := &sim.RunSettings{
				Workers:  *workers,
				Protocol: p,
				Progress: func(done, total int) { prog.Add(1) },
			}
			buf := make([]float32, p.Steps()+1)
			err = sim.Run(ctx, c, jobs, set, func(i int, v []float64) error {
				if *format == "csv" {
					return writeTraceCSV(paths[i], v, step.Dt)
				}
				for k, x := range v {
					buf[k] = float32(x)
				}
				return npy.WriteFileFloat32(paths[i], []int{len(v)}, buf[:len(v)])
			})
			prog.Done()
			return err
		},
	}
}

// simulateProtocol is the protocol the flags give: the step (step, already
// checked) or the stimulus file's waveform, simulated for tstop ms (for a
// stimulus, the file's length unless tstopGiven). On the command line a
// zero delay or duration means zero, not sim.Protocol's default.
func simulateProtocol(step *stepFlags, tstop float64, stimulus string, tstopGiven bool) (sim.Protocol, error) {
	p := sim.Protocol{Dt: step.Dt, TStop: tstop, Delay: step.Delay, Dur: step.Dur}
	// A zero in sim.Protocol means "default"; on the command line
	// 0 means 0. The smallest negative delay switches the current
	// on at t = 0, and a duration too small to change del+dur never
	// switches it on, exactly as NEURON's del = 0 and dur = 0 do.
	if step.Delay == 0 {
		p.Delay = -math.SmallestNonzeroFloat64
	}
	if step.Dur == 0 {
		p.Dur = math.SmallestNonzeroFloat64
	}
	if stimulus != "" {
		var err error
		if p.Stimulus, err = stimulusProtocol(stimulus, step.Dt, tstop, tstopGiven, &p.TStop); err != nil {
			return p, err
		}
	}
	if err := p.Validate(); err != nil {
		if stimulus != "" {
			return p, fmt.Errorf("%s: %w", stimulus, err)
		}
		return p, cli.Usagef("%v", err)
	}
	return p, nil
}

// simulateJobs lists the jobs of noble simulate, one per (parameter file ×
// amplitude), or per parameter file with a stimulus, and the output path of
// each in out: STEM__ampA.FORMAT or STEM__STIMULUS.FORMAT. A path that
// would be written twice is a usage error.
func simulateJobs(files []string, amps []float64, stimulus, out, format string) ([]sim.Job, []string, error) {
	var jobs []sim.Job
	var paths []string
	seen := map[string]bool{}
	add := func(f, name string, a float64) error {
		name += "." + format
		if seen[name] {
			return cli.Usagef("%s would be written twice: repeated parameter file or amplitude", name)
		}
		seen[name] = true
		jobs = append(jobs, sim.Job{ParamFile: f, Amp: a})
		paths = append(paths, filepath.Join(out, name))
		return nil
	}
	for _, f := range files {
		stem := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
		if stimulus != "" {
			if err := add(f, stem+"__"+strings.TrimSuffix(filepath.Base(stimulus), filepath.Ext(stimulus)), 0); err != nil {
				return nil, nil, err
			}
			continue
		}
		for _, a := range amps {
			if a == 0 {
				a = 0 // no "-0" in file names
			}
			if err := add(f, stem+"__amp"+strconv.FormatFloat(a, 'g', -1, 64), a); err != nil {
				return nil, nil, err
			}
		}
	}
	return jobs, paths, nil
}

// stimulusProtocol reads the stimulus file and settles the simulated time:
// *tstop is set from the file unless --tstop was given (tstopGiven), in
// which case a grid file must have exactly round(tstop/dt) + 1 values.
func stimulusProtocol(path string, dt, tstop float64, tstopGiven bool, dst *float64) (*sim.Waveform, error) {
	w, err := readStimulus(path)
	if err != nil {
		return nil, err
	}
	switch {
	case w.T == nil && tstopGiven:
		if want := int(math.Round(tstop/dt)) + 1; len(w.I) != want {
			return nil, fmt.Errorf("%s: %d values on the dt grid, --tstop %v at --dt %v needs %d (or leave --tstop out: (values − 1)·dt)", path, len(w.I), tstop, dt, want)
		}
	case w.T == nil:
		if len(w.I) < 2 {
			return nil, fmt.Errorf("%s: %d value on the dt grid: need at least 2 (t = 0 and dt)", path, len(w.I))
		}
		*dst = float64(len(w.I)-1) * dt
	case !tstopGiven:
		if last := w.T[len(w.T)-1]; last > 0 {
			*dst = last
		} else {
			return nil, fmt.Errorf("%s: last time %v ms: give --tstop", path, last)
		}
	}
	return w, nil
}

// writeTraceCSV writes a voltage trace sampled every dt ms from t = 0 as
// CSV rows t_ms,v_mV: the time to 12 significant digits (so 0.3, not
// 0.30000000000000004), the voltage in Go's shortest round-trip form.
func writeTraceCSV(path string, v []float64, dt float64) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		bw.WriteString("t_ms,v_mV\n")
		var b []byte
		for k, x := range v {
			b = strconv.AppendFloat(b[:0], float64(k)*dt, 'g', 12, 64)
			b = append(b, ',')
			b = strconv.AppendFloat(b, x, 'g', -1, 64)
			b = append(b, '\n')
			bw.Write(b)
		}
		return bw.Flush()
	})
}

// outDir is a command's output directory, prepared before any work.
type outDir struct {
	path    string
	made    []string // directories created by prepareOutDir, innermost first
	files   []string // files the command created there (not ones it replaced)
	existed map[string]bool
}

// prepareOutDir creates dir and its missing parents and checks that a file
// can be created in it (a probe, removed at once), so that an unwritable
// path fails before the work, with an error naming it. Use New before
// writing each output file and Undo when the command fails.
func prepareOutDir(dir string) (*outDir, error) {
	o := &outDir{path: dir, existed: map[string]bool{}}
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil || !errors.Is(err, os.ErrNotExist) {
			break
		}
		o.made = append(o.made, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		o.Undo()
		return nil, fmt.Errorf("output directory %s: %w", dir, err)
	}
	probe, err := os.CreateTemp(dir, ".noble-probe-*")
	if err != nil {
		o.Undo()
		return nil, fmt.Errorf("output directory %s not writable: %w", dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return o, nil
}

// New records that the command is about to write path, so that Undo
// removes it if it did not exist before. It returns path.
func (o *outDir) New(path string) string {
	if _, seen := o.existed[path]; !seen {
		_, err := os.Lstat(path)
		o.existed[path] = err == nil
		if err != nil {
			o.files = append(o.files, path)
		}
	}
	return path
}

// Undo removes what the command created: the files recorded by New that
// did not exist before, then the directories prepareOutDir made, each only
// if empty. Files that were replaced stay (with their new content, written
// atomically); anything else in the directories stays, and so do they.
func (o *outDir) Undo() {
	for _, f := range o.files {
		os.Remove(f)
	}
	for _, d := range o.made {
		if os.Remove(d) != nil {
			break
		}
	}
}

// maxStimulusRows bounds a stimulus file, as sim bounds a simulation's
// steps: a longer file cannot be played in full.
const maxStimulusRows = 1 << 25

// readStimulus reads a stimulus file: the current in nA, on the
// simulation's dt grid (one column, or a 1-D NPY) or with a time column in
// ms first (two columns, or an [n, 2] NPY). CSV files may start with one
// header line (any non-numeric first row) and have comment lines starting
// with '#'. Errors name the file, and for CSV the line and column.
func readStimulus(path string) (*sim.Waveform, error) {
	if strings.EqualFold(filepath.Ext(path), ".npy") {
		return readStimulusNPY(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	var w sim.Waveform
	cols := 0
	for row := 0; ; row++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s:%d:%d: %w", path, pe.Line, pe.Column, pe.Err)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if cols == 0 {
			cols = len(rec)
			if cols != 1 && cols != 2 {
				line, _ := r.FieldPos(0)
				return nil, fmt.Errorf("%s:%d: %d columns: want 1 (current, nA, on the dt grid) or 2 (time, ms; current, nA)", path, line, cols)
			}
			if _, err := strconv.ParseFloat(rec[0], 64); err != nil && row == 0 {
				continue // header
			}
		}
		if len(w.I) >= maxStimulusRows {
			return nil, fmt.Errorf("%s: more than %d rows", path, maxStimulusRows)
		}
		for c, field := range rec {
			x, err := strconv.ParseFloat(strings.TrimSpace(field), 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				line, col := r.FieldPos(c)
				return nil, fmt.Errorf("%s:%d:%d: column %d: %q is not a finite number", path, line, col, c+1, field)
			}
			if cols == 2 && c == 0 {
				if n := len(w.T); n > 0 && x < w.T[n-1] {
					line, col := r.FieldPos(c)
					return nil, fmt.Errorf("%s:%d:%d: time %v ms is before the previous row's %v ms: times must not decrease", path, line, col, x, w.T[n-1])
				}
				w.T = append(w.T, x)
			} else {
				w.I = append(w.I, x)
			}
		}
	}
	if len(w.I) == 0 {
		return nil, fmt.Errorf("%s: no stimulus values", path)
	}
	return &w, nil
}

// readStimulusNPY reads a stimulus NPY: [n] currents on the dt grid, or
// [n, 2] rows of time (ms) and current (nA).
func readStimulusNPY(path string) (*sim.Waveform, error) {
	a, err := npy.ReadFile(path)
	if err != nil {
		return nil, err
	}
	x := a.Float64s()
	var w sim.Waveform
	switch {
	case len(a.Shape) == 1 && a.Shape[0] > 0:
		w.I = x
	case len(a.Shape) == 2 && a.Shape[1] == 2 && a.Shape[0] > 0:
		n := a.Shape[0]
		w.T, w.I = make([]float64, n), make([]float64, n)
		for i := range n {
			w.T[i], w.I[i] = x[2*i], x[2*i+1]
		}
	default:
		return nil, fmt.Errorf("%s: shape %v: want [n] (current, nA, on the dt grid) or [n, 2] (time, ms; current, nA)", path, a.Shape)
	}
	if len(w.I) > maxStimulusRows {
		return nil, fmt.Errorf("%s: more than %d rows", path, maxStimulusRows)
	}
	// Positions as NumPy indexes them, 0-based.
	bad := func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }
	for i := range w.I {
		if w.T == nil {
			if bad(w.I[i]) {
				return nil, fmt.Errorf("%s: element [%d]: current %v is not a finite number", path, i, w.I[i])
			}
			continue
		}
		if bad(w.T[i]) {
			return nil, fmt.Errorf("%s: element [%d, 0]: time %v is not a finite number", path, i, w.T[i])
		}
		if bad(w.I[i]) {
			return nil, fmt.Errorf("%s: element [%d, 1]: current %v is not a finite number", path, i, w.I[i])
		}
		if i > 0 && w.T[i] < w.T[i-1] {
			return nil, fmt.Errorf("%s: element [%d, 0]: time %v ms is before the previous row's %v ms: times must not decrease", path, i, w.T[i], w.T[i-1])
		}
	}
	return &w, nil
}
