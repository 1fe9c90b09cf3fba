package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/noble-neuro/noble/internal/cli"
	"github.com/noble-neuro/noble/internal/npy"
	"github.com/noble-neuro/noble/sim"
)

func cmdSimulate() *cli.Command {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	cellDir := fs.String("cell", "", "cell `DIR` holding cell.json (required)")
	params := fs.String("params", "", "parameter `FILE`s, comma-separated: paths, or names in the cell's parameter folder (default: all of the cell's)")
	amps := fs.String("amps", "", "stimulus amplitudes, comma-separated, nA (required)")
	out := fs.String("out", "", "output `DIR`, created if missing (required)")
	dt := fs.Float64("dt", sim.DefaultDt, "time step, ms")
	tstop := fs.Float64("tstop", sim.DefaultTStop, "simulated time, ms")
	delay := fs.Float64("delay", sim.DefaultDelay, "stimulus onset, ms")
	dur := fs.Float64("dur", sim.DefaultDur, "stimulus duration, ms")
	workers := fs.Int("workers", 0, "simulations at once (0: one per core)")
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	return &cli.Command{
		Name:      "simulate",
		UsageLine: "simulate --cell DIR [--params FILE,...] --amps A,... --out DIR [--dt 0.02] [--tstop 515] [--delay 15] [--dur 400] [--workers N] [--quiet]",
		Short:     "simulate a cell's models under current steps, as NEURON does",
		Long: `Simulate runs every (parameter file × amplitude) job on the cell: NEURON's
fixed-step method (dt, backward Euler) from finitialize(v_init) to --tstop, with
an IClamp at soma(0.5) of the given amplitude from --delay for --dur ms. Each job
writes OUT/<parameter file stem>__amp<A>.npy, the soma voltage in mV as float32,
one sample per dt including t = 0 (round(tstop/dt) + 1 samples; 25,751 by
default), with <A> in Go's shortest form (0.1, -0.05, 0). Files are written
atomically; on any error the command exits non-zero and leaves no partial file.`,
		Flags: fs,
		Run: func(ctx context.Context, args []string) (err error) {
			if len(args) > 0 {
				return cli.Usagef("unexpected arguments %q", args)
			}
			if *cellDir == "" || *amps == "" || *out == "" {
				return cli.Usagef("--cell, --amps and --out are required")
			}
			as, err := cli.Floats("amps", *amps)
			if err != nil {
				return err
			}
			// Check the flags as given: in sim.Protocol a zero means "default".
			for _, f := range []struct {
				name string
				v    float64
			}{{"dt", *dt}, {"tstop", *tstop}, {"delay", *delay}, {"dur", *dur}} {
				if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
					return cli.Usagef("--%s %v: not a finite number", f.name, f.v)
				}
			}
			if *dt <= 0 || *tstop <= 0 || *dur < 0 {
				return cli.Usagef("--dt %v, --tstop %v, --dur %v: need dt > 0, tstop > 0, dur ≥ 0", *dt, *tstop, *dur)
			}
			p := sim.Protocol{Dt: *dt, TStop: *tstop, Delay: *delay, Dur: *dur}
			// A zero in sim.Protocol means "default"; on the command line
			// 0 means 0. The smallest negative delay switches the current
			// on at t = 0, and a duration too small to change del+dur never
			// switches it on, exactly as NEURON's del = 0 and dur = 0 do.
			if *delay == 0 {
				p.Delay = -math.SmallestNonzeroFloat64
			}
			if *dur == 0 {
				p.Dur = math.SmallestNonzeroFloat64
			}
			if err := p.Validate(); err != nil {
				return cli.Usagef("%v", err)
			}
			if *workers < 0 {
				return cli.Usagef("--workers %d: must be ≥ 0", *workers)
			}

			c, err := sim.LoadCell(*cellDir)
			if err != nil {
				return err
			}
			files := c.ParamFiles
			if *params != "" {
				files = nil
				for _, name := range cli.List(*params) {
					f, err := c.ParamFile(name)
					if err != nil {
						return err
					}
					files = append(files, f)
				}
				if len(files) == 0 {
					return cli.Usagef("--params: empty list")
				}
			}

			var jobs []sim.Job
			var paths []string
			seen := map[string]bool{}
			for _, f := range files {
				stem := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
				for _, a := range as {
					if a == 0 {
						a = 0 // no "-0" in file names
					}
					name := stem + "__amp" + strconv.FormatFloat(a, 'g', -1, 64) + ".npy"
					if seen[name] {
						return cli.Usagef("%s would be written twice: repeated parameter file or amplitude", name)
					}
					seen[name] = true
					jobs = append(jobs, sim.Job{ParamFile: f, Amp: a})
					paths = append(paths, filepath.Join(*out, name))
				}
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
