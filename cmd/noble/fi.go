package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

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
	out := fs.String("out", "", "output `FILE.csv`: parameters,i_thr_nA,s_thr_hz_per_nA,... (required); F-I points go to FILE-points.csv")
	workers := fs.Int("workers", runtime.NumCPU(), "models simulated in parallel")
	dt := fs.Float64("dt", 0.02, "simulation time step, ms")
	delay := fs.Float64("delay", 15, "step onset, ms (the models' authors used 1000)")
	dur := fs.Float64("dur", 400, "step duration, ms (the models' authors used 1000); each simulation runs to delay + dur + 100 ms")
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
[I_thr, I_thr + --slope-width]. It writes one row per model to --out
(parameters,i_thr_nA,s_thr_hz_per_nA,intercept_nA,simulations,rheobase_nA;
empty values for a model that fires at 0 nA or not up to 2 nA) and every
simulated point, including the --amps ones, to FILE-points.csv
(parameters,amp_nA,spikes,mean_frequency_hz,rate_hz), so that other rate
definitions or fit windows can be evaluated offline. Both
files are written atomically once every model is done.`,
		Flags: fs,
		Run: func(ctx context.Context, args []string) error {
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
			if !(*delay > 0) || !(*dur > 0) || math.IsInf(*delay+*dur, 0) {
				return cli.Usagef("--delay %g, --dur %g: want both > 0 ms", *delay, *dur)
			}
			settings := fi.Settings{Dt: *dt, Delay: *delay, Dur: *dur, Rate: r, Tol: *tol, Method: m, FitWidth: *fitWidth, FitPoints: *fitPoints,
				SlopeWidth: *width, SlopePoints: *points}
			cell, err := sim.LoadCell(*cellDir)
			if err != nil {
				return err
			}
			files := cell.ParamFiles
			if *params != "" {
				files = nil
				for _, name := range cli.List(*params) {
					p, err := cell.ParamFile(name)
					if err != nil {
						return err
					}
					files = append(files, p)
				}
			}
			if len(files) == 0 {
				return fmt.Errorf("%s: no parameter files", *cellDir)
			}
			proto := sim.Protocol{Dt: *dt, Delay: *delay, Dur: *dur, TStop: *delay + *dur + 100}
			results := make([]*fi.Result, len(files))
			prog := cli.NewProgress(os.Stderr, *quiet, "fi", "models", len(files))
			g, gctx := errgroup.WithContext(ctx)
			g.SetLimit(*workers)
			for i, file := range files {
				g.Go(func() error {
					m, err := cell.Model(file)
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
					p, err := fi.NewProber(simulate, &settings)
					if err != nil {
						return err
					}
					for _, a := range extraAmps {
						if _, err := p.Point(gctx, a); err != nil {
							return fmt.Errorf("%s: %w", file, err)
						}
					}
					res, err := p.Embed(gctx)
					if errors.Is(err, fi.ErrNoThreshold) || errors.Is(err, fi.ErrFiresAtLo) {
						fmt.Fprintf(os.Stderr, "noble fi: %s: %v\n", filepath.Base(file), err)
						err = nil
					}
					if err != nil {
						return fmt.Errorf("%s: %w", file, err)
					}
					results[i] = res
					prog.Add(1)
					return nil
				})
			}
			if err := g.Wait(); err != nil {
				return err
			}
			prog.Done()
			err = atomicfile.Write(*out, func(w io.Writer) error {
				fmt.Fprintln(w, "parameters,i_thr_nA,s_thr_hz_per_nA,intercept_nA,simulations,rheobase_nA")
				for i, res := range results {
					fmt.Fprintf(w, "%s,%s,%s,%s,%d,%s\n", filepath.Base(files[i]),
						num(res.IThr), num(res.SThr), num(res.Intercept), res.Sims, num(res.Rheobase))
				}
				return nil
			})
			if err != nil {
				return err
			}
			return atomicfile.Write(pointsPath(*out), func(w io.Writer) error {
				fmt.Fprintln(w, "parameters,amp_nA,spikes,mean_frequency_hz,rate_hz")
				for i, res := range results {
					for _, p := range res.Points {
						fmt.Fprintf(w, "%s,%s,%d,%s,%s\n", filepath.Base(files[i]), num(p.Amp), p.Spikes,
							num(p.MeanFrequency), num(p.Rate))
					}
				}
				return nil
			})
		},
	}
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
