package main

import (
	"context"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/internal/cli"
)

// TestHelpAndVersion checks the streams and exit codes of help and the
// version: asked for, they are results (stdout, exit 0); the command list
// shown because no command was given is an error (stderr, exit 2).
func TestHelpAndVersion(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args        []string
		code        int
		out, errOut string // substrings of stdout and stderr; "" means empty
		notOut      string // must not appear on stdout
	}{
		{[]string{"help", "simulate"}, 0, "usage: noble simulate", "", ""},
		{[]string{"simulate", "-h"}, 0, "usage: noble simulate", "", ""},
		{[]string{"synth", "--help"}, 0, "flags:", "", ""},
		{[]string{"help", "dataset"}, 0, "usage: noble dataset", "", "flags:"},
		{[]string{"help"}, 0, "commands:", "", ""},
		{[]string{"--help"}, 0, "commands:", "", ""},
		{[]string{"--version"}, 0, "noble ", "", ""},
		{[]string{"version"}, 0, ", gemm ", "", ""},
		{nil, 2, "", "commands:", ""},
		{[]string{"help", "nope"}, 2, "", "", ""},
		{[]string{"simulate", "--bogus"}, 2, "", "usage: noble simulate", ""},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			var o, e strings.Builder
			err := runIO(context.Background(), c.args, &o, &e)
			if got := cli.ExitCode(err); got != c.code {
				t.Errorf("exit code %d (err %v), want %d", got, err, c.code)
			}
			if (c.out == "") != (o.Len() == 0) || !strings.Contains(o.String(), c.out) {
				t.Errorf("stdout %.200q, want it to contain %q", o.String(), c.out)
			}
			if c.errOut != "" && !strings.Contains(e.String(), c.errOut) {
				t.Errorf("stderr %.200q, want it to contain %q", e.String(), c.errOut)
			}
			if c.notOut != "" && strings.Contains(o.String(), c.notOut) {
				t.Errorf("stdout has %q:\n%s", c.notOut, o.String())
			}
		})
	}
}
