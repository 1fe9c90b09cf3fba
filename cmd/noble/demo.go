package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"strconv"

	"github.com/noble-neuro/noble/eval"
	"github.com/noble-neuro/noble/internal/cli"
	"github.com/noble-neuro/noble/synth"
)

// demoModel is the shipped model of the mouse demo cell, relative to the
// repository root.
const demoModel = "models/mouse_pvalb_318331342/model.safetensors"

func cmdDemo() *cli.Command { return cmdDemoIO(os.Stdout) }

func cmdDemoIO(stdout io.Writer) *cli.Command {
	fset := flag.NewFlagSet("demo", flag.ContinueOnError)
	out := fset.String("out", "demo", "output `DIR` for demo.png and demo.md")
	model := fset.String("model", demoModel, "model `FILE` (default: the shipped mouse model; run from the repository root)")
	amp := fset.Float64("amp", 0, "step amplitude, nA (0: largest training I_thr + 0.1 nA); outside the training range it is refused unless --extrapolate")
	extrapolate := fset.Bool("extrapolate", false, "synthesise an amplitude outside the training range (up to half a range width beyond) instead of refusing it")
	c := &cli.Command{
		Name:      "demo",
		UsageLine: "demo [--out DIR] [--model FILE] [--amp A]",
		Short:     "synthesise a few neurons with the shipped model: plot and summary",
		Long: `Demo loads the shipped surrogate of the mouse demo cell (` + demoModel + `),
synthesises five neurons across its F-I embedding range (centre and the
four combinations of low and high I_thr and s_thr) under one step current in
a single batch, and writes DIR/demo.png (their voltage traces) and
DIR/demo.md (a summary with their eFEL features and the model's measured
quality, read from report/results.json beside the model file). It takes a
few seconds.

An amplitude outside the model's training range is refused, with the same
message as noble synth and noble serve, unless --extrapolate is given.`,
		Flags: fset,
	}
	c.Run = func(ctx context.Context, args []string) error {
		if len(args) > 0 {
			return cli.Usagef("unexpected arguments %q", args)
		}
		if _, err := os.Stat(*model); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("model file %s does not exist; run noble demo from the repository root, or train it:\n"+
				"  noble dataset generate --cell data/cells/mouse_pvalb_318331342 --traces 4096 --seed 0 --out data/mouse_dataset\n"+
				"  noble train --data data/mouse_dataset --out models/mouse_pvalb_318331342 --preset cpu\n"+
				"(or pass --model FILE)", *model)
		}
		s, err := synth.Open(*model)
		if err != nil {
			return err
		}
		defer s.Model.Close()
		if err := s.RequireFI("noble demo"); err != nil {
			return fmt.Errorf("%s: %w", *model, err)
		}
		res, err := eval.Demo(ctx, s, *model, *out, &eval.DemoSettings{Amp: *amp, Policy: synth.Policy{Extrapolate: *extrapolate}})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d neurons synthesised in %.2f s\n", len(res.Neurons), res.Seconds)
		fmt.Fprintln(stdout, res.Quality)
		fmt.Fprintf(stdout, "%-24s %9s %9s %7s %11s %13s\n", "neuron", "I_thr/nA", "s_thr", "spikes", "rate/Hz", "AP1_width/ms")
		f := func(x float64) string {
			if math.IsNaN(x) {
				return "-"
			}
			return strconv.FormatFloat(x, 'g', 4, 64)
		}
		for _, n := range res.Neurons {
			fmt.Fprintf(stdout, "%-24s %9.4g %9.4g %7s %11s %13s\n", n.Label, n.Stimulus.IThr, n.Stimulus.SThr,
				f(n.Features["Spikecount"]), f(n.Features["mean_frequency"]), f(n.Features["AP1_width"]))
		}
		for _, f := range res.Files {
			fmt.Fprintln(stdout, f)
		}
		return nil
	}
	return c
}
