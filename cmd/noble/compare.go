package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/noble-neuro/noble/eval"
	"github.com/noble-neuro/noble/internal/cli"
	"github.com/noble-neuro/noble/synth"
)

func cmdCompare() *cli.Command { return cmdCompareIO(os.Stdout, os.Stderr) }

func cmdCompareIO(stdout, stderr io.Writer) *cli.Command {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	model := fs.String("model", "", "trained model `FILE.safetensors` (empty: the simulator alone, needs --cell)")
	cell := fs.String("cell", "", "cell `DIR` whose HoF models the simulator runs at --amp (empty: no simulator)")
	exp := fs.String("experiment", "", "experimental feature table `FILE.csv`: spec_id and depol.<feature> / hyperpol.<feature> columns (required)")
	specID := fs.String("spec-id", "", "the recorded cell's `ID` in the table's spec_id column (required)")
	amp := fs.Float64("amp", math.NaN(), "step amplitude of surrogate and simulator, `nA` (required)")
	step := fs.String("step", "", "recorded step compared: depol or hyperpol (default: depol for --amp > 0, else hyperpol)")
	pop := fs.String("population", eval.PopHoF, "surrogate population: hof (its training HoF embeddings), hull (--size draws in their convex hull) or ensemble (--size draws around --centre)")
	size := fs.Int("size", 200, "samples of a hull or ensemble population")
	radius := fs.Float64("radius", 0.05, "ensemble radius, in training range widths")
	centre := fs.String("centre", "", "ensemble centre `I_THR,S_THR` (nA, Hz/nA) (default: the mean training HoF embedding)")
	seed := fs.Uint64("seed", 0, "seed of the hull or ensemble draw")
	simModels := fs.String("sim-models", "", "comma-separated `NAMES` of the parameter files simulated (default: the model's training HoF models; without --model every parameter file of the cell)")
	extrapolate := fs.Bool("extrapolate", false, "run embeddings or an amplitude outside the training ranges (up to half a range width beyond) instead of refusing them")
	batch := fs.Int("batch", 16, "traces per surrogate forward pass")
	workers := fs.Int("workers", 0, "simulations at once (0: all cores)")
	out := fs.String("out", "", "output `DIR`: compare.md, compare.png, compare.json (required)")
	quiet := fs.Bool("quiet", false, "no progress or log on stderr")
	c := &cli.Command{
		Name:      "compare",
		UsageLine: "compare --experiment FILE.csv --spec-id ID --amp NA --out DIR [--model FILE] [--cell DIR] [--population hof|hull|ensemble] [--size N]",
		Short:     "compare a synthetic population and the simulator's HoF models with a recorded cell's features",
		Long: `Compare drives a population of surrogate neurons (--model) and the
simulator's HoF models (--cell) with one current step of --amp nA and sets
their eFEL features beside a recorded cell's (--spec-id's row of the
--experiment table), by the protocol of NOBLE's reference code
(inference/compare_ephys_features_experiments.ipynb):

  - the recorded step is the depolarising one for --amp > 0, else the
    hyperpolarising one (--step overrides); if the recording fires
    (<step>.Spikecount > 0) the spiking features are compared, else the
    non-spiking ones (the training code's two lists);
  - a trace whose firing differs from the recording's is left out and
    counted;
  - each remaining trace gives the mean of each feature's values, and the
    population's median and quartiles stand beside the recorded value.

The simulator's traces show the models' own distance from the recording,
the surrogate's its error on top. The population (--population) is the
surrogate at its training HoF embeddings (the notebook's, one trace each),
--size draws in their convex hull, or an ensemble of --size draws within
--radius range widths of --centre. A missing cell or feature in the table
is an error naming the file, line and column.

Output: DIR/compare.md (a Markdown table), compare.png (one panel per
feature: each population's spread, the recorded value as a red line) and
compare.json, made in a staging directory and moved into DIR when all are
written: an error or an interrupt leaves DIR as it was.
Cost: one surrogate pass per population trace, one simulation (0.3–3 s on
one core) per HoF model simulated.`,
		Flags: fs,
	}
	c.Run = func(ctx context.Context, args []string) (err error) {
		if len(args) > 0 {
			return cli.Usagef("unexpected arguments %q", args)
		}
		if *exp == "" || *specID == "" || *out == "" {
			return cli.Usagef("--experiment, --spec-id and --out are required")
		}
		if math.IsNaN(*amp) || math.IsInf(*amp, 0) {
			return cli.Usagef("--amp is required: a finite amplitude in nA")
		}
		if *model == "" && *cell == "" {
			return cli.Usagef("give --model, --cell or both")
		}
		if *batch < 1 {
			return cli.Usagef("--batch %d: must be at least 1", *batch)
		}
		if *size < 1 {
			return cli.Usagef("--size %d: must be at least 1", *size)
		}
		switch *pop {
		case eval.PopHoF, eval.PopHull, eval.PopEnsemble:
		default:
			return cli.Usagef("--population %q: want hof, hull or ensemble", *pop)
		}
		st := *step
		if st == "" {
			st = eval.StepFor(*amp)
		}
		if st != eval.StepDepol && st != eval.StepHyperpol {
			return cli.Usagef("--step %q: want depol or hyperpol", st)
		}
		set := &eval.CompareSettings{AmpNA: *amp, Population: *pop, Size: *size, Radius: *radius, Seed: *seed, Batch: *batch,
			Policy: synth.Policy{Extrapolate: *extrapolate}, CellDir: *cell, Workers: *workers, ModelPath: *model}
		if set.Centre, err = parseCentre(*centre); err != nil {
			return err
		}
		if *simModels != "" {
			for _, n := range strings.Split(*simModels, ",") {
				if n = strings.TrimSpace(n); n != "" {
					set.SimModels = append(set.SimModels, n)
				}
			}
		}
		rc, err := eval.LoadRecording(*exp, *specID, st)
		if err != nil {
			return err
		}
		var sur *synth.Surrogate
		if *model != "" {
			if sur, err = synth.Open(*model); err != nil {
				return err
			}
			defer sur.Model.Close()
			if err := sur.RequireFI("noble compare"); err != nil {
				return fmt.Errorf("%s: %w", *model, err)
			}
		}
		if !*quiet {
			set.Log = stderr
			var done func()
			set.Progress, done = stageProgress(stderr)
			defer done()
		}
		res, err := eval.Compare(ctx, sur, rc, *out, set)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\n", filepath.Join(*out, eval.CompareReportName))
		for i, sd := range []*eval.Side{res.Surrogate, res.Simulator} {
			if sd != nil {
				fmt.Fprintf(stdout, "%s, %s: %d of %d traces used, %d left out\n", []string{"surrogate", "simulator"}[i], sd.Source, sd.Used, sd.Traces, sd.Excluded)
			}
		}
		return nil
	}
	return c
}

// parseCentre parses --centre "I_THR,S_THR" (nA, Hz/nA); "" is nil.
func parseCentre(v string) (*synth.Embedding, error) {
	if v == "" {
		return nil, nil
	}
	a, b, ok := strings.Cut(v, ",")
	x, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	y, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if !ok || err1 != nil || err2 != nil {
		return nil, cli.Usagef("--centre %q: want I_THR,S_THR (nA, Hz/nA)", v)
	}
	return &synth.Embedding{IThr: x, SThr: y}, nil
}

// stageProgress returns a progress callback that shows one progress line
// per stage on w, ending a stage's line when the next stage reports, and
// the function that ends the last one. The callback may be called
// concurrently.
func stageProgress(w io.Writer) (progress func(stage string, done, total int), end func()) {
	var mu sync.Mutex
	var prog *cli.Progress
	stage, last := "", 0
	progress = func(st string, done, total int) {
		mu.Lock()
		defer mu.Unlock()
		if st != stage {
			if prog != nil {
				prog.Done()
			}
			prog, stage, last = cli.NewProgress(w, false, st, "traces", total), st, 0
		}
		prog.Add(done - last)
		last = done
	}
	end = func() {
		if prog != nil {
			prog.Done()
		}
	}
	return progress, end
}
