package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
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
	unit := fs.String("unit", "auto", "unit of the trace: mV, V, or auto (V if every value lies within ±1, else mV)")
	return &cli.Command{
		Name:      "features",
		UsageLine: "features --trace FILE.npy [--dt 0.02] [--stim-start 15] [--stim-end 415] [--unit auto|mV|V] [--json]",
		Short:     "compute eFEL-compatible electrophysiology features of a trace",
		Long: `Features computes every feature of package features (eFEL's definitions,
with eFEL's default thresholds and 0.1 ms resampling) on one voltage trace
sampled every --dt ms from t = 0. The default output is a table, one feature
per line, "undefined" where eFEL returns None. With --json it prints one
object mapping each feature to its array of values, or null when undefined.

Features are defined on millivolts (eFEL's thresholds: spikes cross −20 mV).
With --unit auto (the default) a trace whose every value lies within ±1 is
taken as volts and multiplied by 1000, with a note on stderr: a membrane
potential in mV always leaves ±1 mV (rest is near −70 mV), one in V never
does. --unit mV or V says it; a trace that contradicts --unit V (a value
beyond ±1 V) is an error, one that seems to contradict --unit mV (every value
within ±1 mV) gets a note.`,
		Flags: fs,
		Run: func(ctx context.Context, args []string) error {
			if len(args) > 0 {
				return cli.Usagef("unexpected arguments %q", args)
			}
			if *trace == "" {
				return cli.Usagef("--trace is required")
			}
			if *unit != "auto" && *unit != "mV" && *unit != "V" {
				return cli.Usagef("--unit %q: want auto, mV or V", *unit)
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
			v, err := toMillivolts(a.Float64s(), *unit, *trace)
			if err != nil {
				return err
			}
			s := features.Settings{StimStart: *stimStart, StimEnd: *stimEnd}
			vals, err := features.Compute(v, *dt, &s)
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

// toMillivolts returns trace v (from file, for messages) in mV under the
// --unit flag: "V" multiplies by 1000 and refuses a value beyond ±1 V;
// "mV" keeps v and notes on stderr when every value lies within ±1 mV;
// "auto" takes a trace with every value within ±1 as volts, with a note. The
// rule rests on physiology: a membrane potential in mV rests near −70 and
// so always leaves ±1, one in volts never reaches ±1 V. v may be changed.
func toMillivolts(v []float64, unit, file string) ([]float64, error) {
	peak := 0.0
	for _, x := range v {
		peak = max(peak, math.Abs(x))
	}
	volts := peak <= 1
	switch unit {
	case "V":
		if !volts {
			return nil, fmt.Errorf("%s: --unit V, but a value reaches %.4g: beyond ±1 V, it is no membrane potential in volts (mV? then --unit mV)", file, peak)
		}
	case "mV":
		if volts && len(v) > 0 {
			fmt.Fprintf(os.Stderr, "noble features: note: %s: every value lies within ±1 mV (largest |v| %.4g): is the trace in volts? Then --unit V\n", file, peak)
		}
		return v, nil
	default:
		if !volts {
			return v, nil
		}
		fmt.Fprintf(os.Stderr, "noble features: note: %s: every value lies within ±1 (largest |v| %.4g): taken as volts and converted to mV; --unit mV to override\n", file, peak)
	}
	for i := range v {
		v[i] *= 1000
	}
	return v, nil
}
