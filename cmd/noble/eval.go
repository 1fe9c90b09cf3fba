package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/noble-neuro/noble/dataset"
	"github.com/noble-neuro/noble/eval"
	"github.com/noble-neuro/noble/internal/cli"
	"github.com/noble-neuro/noble/synth"
)

func cmdEval() *cli.Command { return cmdEvalIO(os.Stdout, os.Stderr) }

func cmdEvalIO(stdout, stderr io.Writer) *cli.Command {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	model := fs.String("model", "", "trained model `FILE.safetensors` (required)")
	data := fs.String("data", "", "dataset `DIR` (manifest.json and shards; its test_seen and test_held splits are evaluated) (required)")
	out := fs.String("out", "", "report `DIR`: report.md, PNG figures, results.json, traces.csv (required)")
	cell := fs.String("cell", "", "cell `DIR` for the parts that simulate (latent interpolation, simulator speed, --sim-hof); empty skips them")
	maxTraces := fs.Int("max-traces", 0, "traces evaluated per test split (0: all)")
	batch := fs.Int("batch", 16, "traces per surrogate forward pass")
	fiPoints := fs.Int("fi-points", 12, "amplitudes of each surrogate F-I curve (-1: no F-I section)")
	fiSims := fs.Int("fi-sims", 0, "amplitudes of the F-I grid simulated afresh per HoF model (needs --cell; models × N simulations)")
	popSize := fs.Int("pop-size", 200, "synthetic population drawn in the training HoF hull (-1: none)")
	popAmp := fs.Float64("pop-amp", 0, "step amplitude of the populations and the interpolation, nA (0: largest HoF I_thr + 0.05)")
	seed := fs.Uint64("seed", 0, "seed of the population draw")
	interpA := fs.String("interp-a", "", "first model of the latent interpolation (default: the first training model)")
	interpB := fs.String("interp-b", "", "second model (default: the training model farthest from the first)")
	interpSteps := fs.Int("interp-steps", 5, "interpolation points, both ends included (each is one simulation)")
	simHoF := fs.Bool("sim-hof", true, "with --cell, simulate every HoF model for the population histograms (one simulation per model); false, or no --cell: the surrogate at their embeddings")
	speedBatch := fs.Int("speed-batch", 1000, "traces of the surrogate throughput measurement (-1: no speed section)")
	speedReps := fs.Int("speed-reps", 5, "batch-1 surrogate calls timed")
	simTraces := fs.Int("sim-traces", 2, "simulations timed for the simulator's speed (needs --cell; -1: none)")
	workers := fs.Int("workers", 0, "simulations at once (0: all cores)")
	quiet := fs.Bool("quiet", false, "no progress or log on stderr")
	c := &cli.Command{
		Name:      "eval",
		UsageLine: "eval --model FILE --data DIR --out REPORT_DIR [--cell DIR] [--max-traces N] [--fi-points N] [--pop-size N] [--speed-batch N]",
		Short:     "evaluate a trained surrogate against the simulator: Markdown report with figures",
		Long: `Eval writes REPORT_DIR/report.md with PNG figures, results.json and
traces.csv (every test trace's model, current, spike counts of simulator
and surrogate, and voltage error), reproducing NOBLE's experiments for a
trained model on a dataset:

  - voltage relative L2 error and relative errors of Spikecount, AP1_width,
    mean_AP_amplitude, steady_state_voltage and other eFEL features on the
    test_seen split (training models at unseen currents) and the test_held
    split (held-out models), beside the paper's Tables 1 and 2, and the
    Spikecount error split by the simulator's spike count (1–3, 4–10,
    11–20, 21–40, 41 or more) with its sign;
  - F-I curves of every HoF model, surrogate against the dataset's
    simulated traces (and, with --fi-sims N and --cell, N fresh simulations
    per model on the curve's amplitude grid);
  - feature histograms of a --pop-size synthetic population drawn in the
    convex hull of the training HoF embeddings against the HoF population
    (simulated with --cell, unless --sim-hof=false; else the surrogate at
    the HoF embeddings);
  - latent interpolation between two models against interpolating their
    parameters (simulated: needs --cell);
  - speed: the surrogate at batch 1 and over --speed-batch traces against the
    simulator (--sim-traces runs, needs --cell) and NEURON's figures.

Cost: one surrogate pass per test trace (bound it with --max-traces), models ×
--fi-points passes for the F-I curves, --pop-size + models for the population,
1 + --speed-reps + --speed-batch for the speed; simulations only with --cell
(--interp-steps + --sim-traces, + models × --fi-sims, + every model with
--sim-hof, the default), about 0.3–1 s each on one core.
The files are made in a staging directory inside REPORT_DIR and moved into
it only when all are written, report.md last: an error or an interrupt
(Ctrl-C, which stops between batches) leaves REPORT_DIR as it was. An
unwritable REPORT_DIR is an error before any work.`,
		Flags: fs,
	}
	c.Run = func(ctx context.Context, args []string) (err error) {
		if len(args) > 0 {
			return cli.Usagef("unexpected arguments %q", args)
		}
		if *model == "" || *data == "" || *out == "" {
			return cli.Usagef("--model, --data and --out are required")
		}
		if *batch < 1 {
			return cli.Usagef("--batch %d: must be at least 1", *batch)
		}
		if *popAmp < 0 {
			return cli.Usagef("--pop-amp %g: must not be negative", *popAmp)
		}
		if *fiSims > 0 && *cell == "" {
			return cli.Usagef("--fi-sims needs --cell")
		}
		// Before any work: an unwritable --out fails now, not after the
		// evaluation.
		od, err := prepareOutDir(*out)
		if err != nil {
			return err
		}
		defer func() {
			if err != nil {
				od.Undo()
			}
		}()
		s, err := synth.Open(*model)
		if err != nil {
			return err
		}
		defer s.Model.Close()
		d, err := dataset.Open(*data)
		if err != nil {
			return err
		}
		set := &eval.Settings{
			MaxTraces: *maxTraces, Batch: *batch, FIPoints: nz(*fiPoints), FISims: *fiSims, PopSize: nz(*popSize), PopAmp: *popAmp, Seed: *seed,
			CellDir: *cell, InterpA: *interpA, InterpB: *interpB, InterpSteps: nz(*interpSteps), SimHoF: *simHoF && *cell != "", Workers: *workers,
			SpeedBatch: nz(*speedBatch), SpeedReps: *speedReps, SimTraces: nz(*simTraces), ModelPath: *model,
		}
		if !*quiet {
			// Log lines pass above the progress line of the current
			// stage, begun when eval says the stage begins (done = 0)
			// and ended when all is done, before the next stage's log.
			st := cli.NewStatus(stderr, false)
			set.Log = st
			var mu sync.Mutex
			var prog *cli.Progress
			stage, last := "", 0
			set.Progress = func(name string, done, total int) {
				mu.Lock()
				defer mu.Unlock()
				if name != stage {
					if prog != nil {
						prog.Done()
					}
					prog, stage, last = st.Progress(name, "traces", total), name, 0
				}
				if prog == nil || done < last { // ended, or reported out of order by concurrent workers
					return
				}
				prog.Add(done - last)
				last = done
				if done >= total {
					prog.Done()
					prog = nil
				}
			}
			defer func() {
				if prog != nil {
					prog.Done()
				}
			}()
		}
		res, err := eval.Run(ctx, s, d, *out, set)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\n", filepath.Join(*out, eval.ReportName))
		for _, sr := range res.Splits {
			if sr.Traces > 0 {
				fmt.Fprintf(stdout, "%-10s %5d traces  voltage rel. L2 %.3g %%\n", sr.Split, sr.Traces, 100*float64(sr.VoltageL2))
			}
		}
		return nil
	}
	return c
}

// nz maps an explicit 0 to -1 ("none") for counts whose zero means the
// default in eval.Settings; the flags' defaults are the defaults.
func nz(n int) int {
	if n == 0 {
		return -1
	}
	return n
}
