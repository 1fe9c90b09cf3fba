package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/noble-neuro/noble/internal/atomicfile"
	"github.com/noble-neuro/noble/internal/cli"
	"github.com/noble-neuro/noble/internal/npy"
	"github.com/noble-neuro/noble/surrogate"
	"github.com/noble-neuro/noble/synth"
)

type synthFlags struct {
	model, ithr, sthr, amp, combine string
	out, stats, stimuli             string
	ensemble, hull, batch           int
	radius                          float64
	seed                            uint64
	extrapolate, quiet              bool
}

func cmdSynth() *cli.Command { return cmdSynthIO(os.Stdout, os.Stderr) }

// cmdSynthIO is cmdSynth writing results to stdout and warnings and
// progress to stderr.
func cmdSynthIO(stdout, stderr io.Writer) *cli.Command {
	fs := flag.NewFlagSet("synth", flag.ContinueOnError)
	var f synthFlags
	fs.StringVar(&f.model, "model", "", "trained model `FILE.safetensors` (required)")
	fs.StringVar(&f.ithr, "ithr", "", "threshold current(s) I_thr, nA, comma-separated")
	fs.StringVar(&f.sthr, "sthr", "", "F-I slope(s) s_thr, Hz/nA, comma-separated")
	fs.StringVar(&f.amp, "amp", "", "step amplitude(s), nA, comma-separated (required)")
	fs.StringVar(&f.combine, "combine", "product", "how lists combine: product (cartesian, I_thr outermost, amp innermost) or zip (i-th values together; a single value repeats)")
	fs.IntVar(&f.ensemble, "ensemble", 0, "draw `N` embeddings around each (I_thr, s_thr) instead of using it")
	fs.Float64Var(&f.radius, "radius", 0.05, "ensemble neighbourhood: semi-axes as a fraction of the training range widths")
	fs.IntVar(&f.hull, "hull", 0, "draw `N` embeddings uniformly in the convex hull of the training HoF embeddings (no --ithr/--sthr)")
	fs.Uint64Var(&f.seed, "seed", 0, "seed of the ensemble draws (sample k uses PCG(seed, k))")
	fs.StringVar(&f.out, "out", "", "write the traces (mV) to `FILE`.npy (float32 [N, L]) or FILE.csv (time_ms + one column per trace)")
	fs.StringVar(&f.stats, "stats", "", "write feature statistics to `FILE`.csv or FILE.json (\"-\": a table on stdout, the default without --out)")
	fs.StringVar(&f.stimuli, "stimuli", "", "write the stimuli to `FILE`.csv (index,i_thr_nA,s_thr_hz_per_nA,amp_nA,in_range)")
	fs.BoolVar(&f.extrapolate, "extrapolate", false, "synthesise values outside the training ranges (each is flagged on stderr, up to half a range width beyond) instead of refusing them")
	fs.BoolVar(&f.extrapolate, "allow-extrapolation", false, "the older name of --extrapolate")
	fs.IntVar(&f.batch, "batch", 16, "traces evaluated at once (memory grows with it)")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress on stderr")
	c := &cli.Command{
		Name:      "synth",
		UsageLine: "synth --model FILE --ithr X[,X...] --sthr Y[,Y...] --amp A[,A...] [--ensemble N --radius R | --hull N] [--out FILE.npy|FILE.csv] [--stats FILE.csv|FILE.json|-]",
		Short:     "synthesise voltage traces of neuron models given by their F-I embedding",
		Long: `Synth evaluates a trained NOBLE surrogate on step currents: for each
stimulus (I_thr nA, s_thr Hz/nA, amplitude nA) the somatic voltage in mV over
the model's window (515 ms at 0.06 ms for the published protocol, step 15 →
415 ms), all in batched forward passes of --batch traces.

Lists: --ithr, --sthr and --amp take comma-separated values. With --combine
product (the default) every combination is made, I_thr outermost and the
amplitude innermost: --ithr 0.1,0.2 --sthr 300 --amp 0.2,0.4 gives 4 traces
(0.1,300,0.2) (0.1,300,0.4) (0.2,300,0.2) (0.2,300,0.4). With --combine zip
the i-th values go together and a list of one value repeats.

Ensembles: --ensemble N replaces each (I_thr, s_thr) by N embeddings drawn
uniformly from the ellipse around it whose semi-axes are --radius times the
training ranges' widths; --hull N draws N embeddings uniformly from the
convex hull of the training HoF embeddings stored in the model file (the
paper's 50- and 200-sample synthetic populations), under each --amp. Draw k
uses PCG(--seed, k): the same seed gives the same samples.

Ranges: an I_thr or s_thr outside the range the model's scaling was fitted
on, or an amplitude outside its training range (the model file's amp_range,
else the dataset default), is refused unless --extrapolate is given; then
each such value is named on stderr as a warning and the trace is synthesised
anyway, up to half a range width beyond either end. noble demo and noble
serve apply the same rule with the same message.

Output: --out FILE.npy (float32 [N, L], mV) or FILE.csv (time_ms and one
column per trace, named i_thr/s_thr/amp); --stimuli FILE.csv lists the
stimuli in trace order; --stats FILE.csv|FILE.json writes the feature
statistics of the population (eFEL features, first value each: n, mean, sd,
min, 5/25/50/75/95 % quantiles, max), and --stats - (the default without
--out) prints them as a table on stdout. Files are written atomically.`,
		Flags: fs,
	}
	c.Run = func(ctx context.Context, args []string) error {
		if len(args) > 0 {
			return cli.Usagef("unexpected arguments %q", args)
		}
		return runSynth(ctx, &f, stdout, stderr)
	}
	return c
}

func runSynth(ctx context.Context, f *synthFlags, stdout, stderr io.Writer) error {
	if err := f.check(); err != nil {
		return err
	}
	comb, err := synth.ParseCombine(f.combine)
	if err != nil {
		return cli.Usagef("--combine: %v", err)
	}
	amps, err := cli.Floats("amp", f.amp)
	if err != nil {
		return err
	}
	s, err := synth.Open(f.model)
	if err != nil {
		return err
	}
	defer s.Model.Close()
	if err := s.RequireFI("noble synth"); err != nil {
		return fmt.Errorf("%s: %w", f.model, err)
	}

	sts, err := synthStimuli(s, f, amps, comb)
	if err != nil {
		return err
	}
	inRange, err := admitStimuli(s, sts, f.extrapolate, stderr)
	if err != nil {
		return err
	}
	prog := cli.NewProgress(stderr, f.quiet, "synth", "traces", len(sts))
	last := 0
	v, err := s.Synthesize(ctx, sts, f.batch, func(done int) { prog.Add(done - last); last = done })
	prog.Done()
	if err != nil {
		return err
	}
	if err := writeSynthTraces(f, s, sts, inRange, v); err != nil {
		return err
	}
	return writeSynthStats(ctx, f, s, v, len(sts), stdout)
}

// check refuses missing, contradictory or malformed flags.
func (f *synthFlags) check() error {
	if f.model == "" || f.amp == "" {
		return cli.Usagef("--model and --amp are required")
	}
	if f.batch < 1 {
		return cli.Usagef("--batch %d: must be at least 1", f.batch)
	}
	if f.ensemble < 0 || f.hull < 0 {
		return cli.Usagef("--ensemble and --hull must not be negative")
	}
	if f.ensemble > 0 && f.hull > 0 {
		return cli.Usagef("--ensemble and --hull exclude each other")
	}
	if f.hull > 0 && (f.ithr != "" || f.sthr != "") {
		return cli.Usagef("--hull draws the embeddings: give no --ithr or --sthr")
	}
	if f.hull == 0 && (f.ithr == "" || f.sthr == "") {
		return cli.Usagef("--ithr and --sthr are required (or --hull N)")
	}
	if ext := strings.ToLower(filepath.Ext(f.out)); f.out != "" && ext != ".npy" && ext != ".csv" {
		return cli.Usagef("--out %q: want a .npy or .csv file", f.out)
	}
	if ext := strings.ToLower(filepath.Ext(f.stats)); f.stats != "" && f.stats != "-" && ext != ".csv" && ext != ".json" {
		return cli.Usagef("--stats %q: want a .csv or .json file, or -", f.stats)
	}
	return nil
}

// synthStimuli lists the stimuli the flags ask for at the amplitudes amps:
// --hull draws of the training HoF embeddings' hull, else the grid of
// --ithr × --sthr (combined by comb), each point replaced by an --ensemble
// around it if asked.
func synthStimuli(s *synth.Surrogate, f *synthFlags, amps []float64, comb synth.Combine) ([]surrogate.Stimulus, error) {
	var sts []surrogate.Stimulus
	switch {
	case f.hull > 0:
		pts := synth.Embeddings(s.HoF, "train")
		if len(pts) == 0 {
			pts = synth.Embeddings(s.HoF, "")
		}
		if len(pts) == 0 {
			return nil, fmt.Errorf("%s: the model file records no HoF embeddings (metadata %q or %q): --hull needs them", f.model, surrogate.MetaHoF, surrogate.MetaModels)
		}
		for _, a := range amps {
			h, err := synth.Hull(pts, f.hull, a, f.seed)
			if err != nil {
				return nil, err
			}
			sts = append(sts, h...)
		}
	default:
		ithr, err := cli.Floats("ithr", f.ithr)
		if err != nil {
			return nil, err
		}
		sthr, err := cli.Floats("sthr", f.sthr)
		if err != nil {
			return nil, err
		}
		if sts, err = synth.Grid(ithr, sthr, amps, comb); err != nil {
			return nil, cli.Usagef("%v", err)
		}
		if f.ensemble > 0 {
			centres := sts
			if _, err := s.Admit(centres, synth.Policy{Extrapolate: f.extrapolate}); err != nil {
				return nil, fmt.Errorf("ensemble centre %w", err)
			}
			sts = nil
			for _, c := range centres {
				e, err := synth.Neighbourhood(c, f.ensemble, f.radius, f.seed, s.Scaling)
				if err != nil {
					return nil, cli.Usagef("%v", err)
				}
				sts = append(sts, e...)
			}
		}
	}
	return sts, nil
}

// admitStimuli applies the extrapolation policy to sts (s.Admit), warns on
// stderr of the values outside the training ranges that it lets through
// (the first 20), and returns which stimuli are in range.
func admitStimuli(s *synth.Surrogate, sts []surrogate.Stimulus, extrapolate bool, stderr io.Writer) ([]bool, error) {
	bad, err := s.Admit(sts, synth.Policy{Extrapolate: extrapolate})
	if err != nil {
		return nil, err
	}
	inRange := make([]bool, len(sts))
	for i := range inRange {
		inRange[i] = true
	}
	for _, e := range bad {
		inRange[e.Index] = false
	}
	if len(bad) > 0 {
		for i, e := range bad {
			if i == 20 {
				fmt.Fprintf(stderr, "noble synth: warning: … and %d more values outside the training range\n", len(bad)-20)
				break
			}
			fmt.Fprintf(stderr, "noble synth: warning: EXTRAPOLATION: %v\n", e)
		}
	}
	return inRange, nil
}

// writeSynthTraces writes the stimuli table (--stimuli) and the traces v
// (--out, .npy or .csv), where the flags ask for them.
func writeSynthTraces(f *synthFlags, s *synth.Surrogate, sts []surrogate.Stimulus, inRange []bool, v []float32) error {
	n, l := len(sts), s.Length()
	if f.stimuli != "" {
		if err := atomicfile.Write(f.stimuli, func(w io.Writer) error {
			fmt.Fprintln(w, "index,i_thr_nA,s_thr_hz_per_nA,amp_nA,in_range")
			for i, st := range sts {
				if _, err := fmt.Fprintf(w, "%d,%s,%s,%s,%t\n", i, g(st.IThr), g(st.SThr), g(st.AmpNA), inRange[i]); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	switch strings.ToLower(filepath.Ext(f.out)) {
	case ".npy":
		if err := npy.WriteFileFloat32(f.out, []int{n, l}, v); err != nil {
			return err
		}
	case ".csv":
		names := make([]string, n)
		for i, st := range sts {
			names[i] = fmt.Sprintf("ithr=%s/sthr=%s/amp=%s", g(st.IThr), g(st.SThr), g(st.AmpNA))
		}
		if err := atomicfile.Write(f.out, func(w io.Writer) error { return synth.WriteTracesCSV(w, v, n, l, s.Dt(), names) }); err != nil {
			return err
		}
	}
	return nil
}

// writeSynthStats computes the features of the n traces v and writes their
// statistics to --stats (.csv or .json), or as a table on stdout for "-"
// or when neither --out nor --stats is given.
func writeSynthStats(ctx context.Context, f *synthFlags, s *synth.Surrogate, v []float32, n int, stdout io.Writer) error {
	l := s.Length()
	statsTo := f.stats
	if statsTo == "" && f.out == "" {
		statsTo = "-"
	}
	if statsTo == "" {
		return nil
	}
	vals, err := synth.Features(ctx, v, n, l, s.Dt(), s.FeatureSettings())
	if err != nil {
		return err
	}
	stats := synth.Stats(vals, nil)
	switch strings.ToLower(filepath.Ext(statsTo)) {
	case ".csv":
		return atomicfile.Write(statsTo, func(w io.Writer) error { return synth.WriteStatsCSV(w, stats) })
	case ".json":
		return atomicfile.Write(statsTo, func(w io.Writer) error { return writeStatsJSON(w, n, stats) })
	}
	fmt.Fprintf(stdout, "%d traces, %d samples at %g ms; features (first value of each trace):\n", n, l, s.Dt())
	return synth.WriteStatsTable(stdout, stats)
}

func g(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// writeStatsJSON writes {"traces": n, "features": [...]} with NaN as null.
func writeStatsJSON(w io.Writer, n int, stats []synth.Stat) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Traces   int          `json:"traces"`
		Features []synth.Stat `json:"features"`
	}{n, stats})
}
