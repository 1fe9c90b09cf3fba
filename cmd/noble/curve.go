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

	"github.com/noble-neuro/noble/eval"
	"github.com/noble-neuro/noble/internal/cli"
	"github.com/noble-neuro/noble/train"
)

func cmdCurve() *cli.Command { return cmdCurveIO(os.Stdout) }

func cmdCurveIO(stdout io.Writer) *cli.Command {
	fs := flag.NewFlagSet("curve", flag.ContinueOnError)
	out := fs.String("out", "", "output `DIR`: curve.md, curve.png, curve.json (required)")
	c := &cli.Command{
		Name:      "curve",
		UsageLine: "curve --out DIR [LABEL=]RUN[@TRACE_STEPS]...",
		Short:     "plot training runs' per-epoch errors against the training budget",
		Long: `Curve reads the per-epoch evaluation that "noble train" logs in each
RUN directory (metrics.jsonl; RUN may also name such a file) and draws each run's errors against its
training budget in trace-steps (the traces trained on, summed over the
epochs) on a log axis: Spikecount error where both simulator and
surrogate fire, the firing traces on which the surrogate stays silent,
and the voltage relative L2, for the held-out models and for the
training models at currents not trained on.

A run started from another run's weights (--init) continues its budget:
give the budget its initial weights had as @TRACE_STEPS (for example the
trace-steps of the snapshot it started from, in that run's curve.md).
LABEL names the run in the figure (default: the directory's name).

Output: DIR/curve.md (a table per run), curve.png and curve.json, made in a
staging directory and moved into DIR when all are written.`,
		Flags: fs,
	}
	c.Run = func(ctx context.Context, args []string) error {
		if *out == "" {
			return cli.Usagef("--out is required")
		}
		if len(args) == 0 {
			return cli.Usagef("give at least one RUN directory")
		}
		runs := make([]eval.CurveRun, 0, len(args))
		for _, a := range args {
			r, err := readCurveRun(a)
			if err != nil {
				return err
			}
			runs = append(runs, r)
		}
		if err := eval.WriteCurve(*out, runs); err != nil {
			return err
		}
		fmt.Fprintln(stdout, filepath.Join(*out, eval.CurveReportName))
		return nil
	}
	return c
}

// readCurveRun reads one [LABEL=]DIR[@TRACE_STEPS] argument.
func readCurveRun(arg string) (eval.CurveRun, error) {
	spec := arg
	var offset int64
	if i := strings.LastIndexByte(spec, '@'); i >= 0 {
		n, err := strconv.ParseInt(spec[i+1:], 10, 64)
		if err != nil || n < 0 {
			return eval.CurveRun{}, cli.Usagef("%q: the budget after @ must be a whole number of trace-steps ≥ 0", arg)
		}
		spec, offset = spec[:i], n
	}
	label, dir, ok := strings.Cut(spec, "=")
	if !ok {
		dir, label = spec, filepath.Base(filepath.Clean(spec))
	}
	if label == "" || dir == "" {
		return eval.CurveRun{}, cli.Usagef("%q: want [LABEL=]RUN[@TRACE_STEPS]", arg)
	}
	ms, err := train.ReadMetrics(dir)
	if err != nil {
		return eval.CurveRun{}, err
	}
	r := eval.CurveRun{Label: label}
	steps := offset
	for _, m := range ms {
		steps += int64(m.TrainTraces)
		if m.HeldL2 == nil && m.SeenL2 == nil {
			continue // an epoch without evaluation
		}
		r.Points = append(r.Points, eval.CurvePoint{Epoch: m.Epoch, TraceSteps: steps,
			Held: curveSplit(m.HeldL2, m.HeldSpikes, m.HeldFeatures),
			Seen: curveSplit(m.SeenL2, m.SeenSpikes, m.SeenFeatures)})
	}
	if len(r.Points) == 0 {
		return r, fmt.Errorf("%s: no evaluated epoch in its metrics", arg)
	}
	return r, nil
}

func curveSplit(l2 *float64, sp *train.SpikeStats, fe map[string]train.FeatureError) eval.CurveSplit {
	s := eval.CurveSplit{L2: eval.Num(math.NaN()), Spikecount: eval.Num(math.NaN())}
	if l2 != nil {
		s.L2 = eval.Num(*l2)
	}
	if sp != nil {
		s.Firing, s.MissedFiring = sp.Firing, sp.MissedFiring
	}
	if f, ok := fe["Spikecount"]; ok {
		s.Spikecount = eval.Num(f.Mean)
	}
	return s
}
