package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/internal/cli"
	"github.com/noble-neuro/noble/sim"
)

// TestStepFlags checks the one flag block of the commands that simulate a
// current step (issue 20: three copies with literal defaults): --dt,
// --delay and --dur default to sim's NOBLE protocol and state their unit,
// and a non-finite value, a step dt ≤ 0 or a negative duration is a usage
// error naming the flag, before any work (the cell here does not exist).
func TestStepFlags(t *testing.T) {
	cmds := []struct {
		name string
		cmd  func() *cli.Command
		args []string
	}{
		{"simulate", cmdSimulate, []string{"--cell", "nowhere", "--amps", "0.1", "--out", t.TempDir()}},
		{"fi", cmdFI, []string{"--cell", "nowhere", "--out", filepath.Join(t.TempDir(), "fi.csv")}},
		{"dataset generate", datasetGenerate, []string{"--cell", "nowhere", "--traces", "4", "--out", t.TempDir()}},
	}
	defaults := map[string]float64{"dt": sim.DefaultDt, "delay": sim.DefaultDelay, "dur": sim.DefaultDur}
	bad := [][2]string{{"dt", "NaN"}, {"dt", "0"}, {"dt", "-0.02"}, {"dt", "+Inf"}, {"delay", "NaN"}, {"delay", "-Inf"}, {"dur", "Inf"}, {"dur", "-1"}}
	for _, c := range cmds {
		t.Run(c.name, func(t *testing.T) {
			fs := c.cmd().Flags
			for name, want := range defaults {
				f := fs.Lookup(name)
				if f == nil {
					t.Fatalf("no --%s", name)
				}
				if f.DefValue != fmt.Sprint(want) || !strings.Contains(f.Usage, "ms") {
					t.Errorf("--%s: default %s, usage %q; want %v and its unit", name, f.DefValue, f.Usage, want)
				}
			}
			for _, b := range bad {
				args := append([]string{"--" + b[0], b[1]}, c.args...)
				err := c.cmd().ExecuteIO(context.Background(), args, io.Discard, io.Discard)
				if cli.ExitCode(err) != 2 || !strings.Contains(fmt.Sprint(err), "--"+b[0]) {
					t.Errorf("--%s %s: error %v (exit %d), want a usage error naming --%s", b[0], b[1], err, cli.ExitCode(err), b[0])
				}
			}
		})
	}
}
