package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/noble-neuro/noble/features"
	"github.com/noble-neuro/noble/internal/cli"
	"github.com/noble-neuro/noble/internal/npy"
)

func cmdFeatures() *cli.Command {
	fs := flag.NewFlagSet("features", flag.ContinueOnError)
	trace := fs.String("trace", "", "voltage trace, a 1-D .npy of float32 or float64 `FILE` in mV (required)")
	dt := fs.Float64("dt", 0.02, "sampling step of the trace, ms")
	stimStart := fs.Float64("stim-start", 15, "stimulus onset, ms")
	stimEnd := fs.Float64("stim-end", 415, "stimulus offset, ms")
	asJSON := fs.Bool("json", false, "print one JSON object {feature: [values] or null}")
	return &cli.Command{
		Name:      "features",
		UsageLine: "features --trace FILE.npy [--dt 0.02] [--stim-start 15] [--stim-end 415] [--json]",
		Short:     "compute eFEL-compatible electrophysiology features of a trace",
		Long: `Features computes every feature of package features (eFEL's definitions,
with eFEL's default thresholds and 0.1 ms resampling) on one voltage trace
sampled every --dt ms from t = 0. The default output is a table, one feature
per line, "undefined" where eFEL returns None. With --json it prints one
object mapping each feature to its array of values, or null when undefined.`,
		Flags: fs,
		Run: func(ctx context.Context, args []string) error {
			if len(args) > 0 {
				return cli.Usagef("unexpected arguments %q", args)
			}
			if *trace == "" {
				return cli.Usagef("--trace is required")
			}
			a, err := npy.ReadFile(*trace)
			if err != nil {
				return err
			}
			// A single-row [1, L] array (what "noble synth" writes for
			// one trace) is the same trace.
			if len(a.Shape) == 2 && a.Shape[0] == 1 {
				a.Shape = a.Shape[1:]
			}
			if len(a.Shape) != 1 {
				return fmt.Errorf("%s: shape %v: want a 1-D trace (or one row, [1, L])", *trace, a.Shape)
			}
			s := features.Settings{StimStart: *stimStart, StimEnd: *stimEnd}
			vals, err := features.Compute(a.Float64s(), *dt, &s)
			if err != nil {
				return fmt.Errorf("%s: %w", *trace, err)
			}
			if *asJSON {
				b, err := json.Marshal(vals)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(os.Stdout, "%s\n", b)
				return err
			}
			tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			for _, name := range features.Names {
				x := vals[name]
				var b strings.Builder
				switch {
				case x == nil:
					b.WriteString("undefined")
				case len(x) == 0:
					b.WriteString("[]")
				default:
					for i, f := range x {
						if i > 0 {
							b.WriteByte(' ')
						}
						b.WriteString(strconv.FormatFloat(f, 'g', 8, 64))
					}
				}
				fmt.Fprintf(tw, "%s\t%s\n", name, b.String())
			}
			return tw.Flush()
		},
	}
}
