package cli

import (
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
)

func TestFloats(t *testing.T) {
	cases := []struct {
		in      string
		want    []float64
		wantErr bool
	}{
		{"0.1", []float64{0.1}, false},
		{"-0.05, 0,0.3", []float64{-0.05, 0, 0.3}, false},
		{"1e-3", []float64{0.001}, false},
		{"", nil, true},
		{"0.1,,0.2", nil, true},
		{"x", nil, true},
		{"NaN", nil, true},
		{"Inf", nil, true},
		{"-inf", nil, true},
	}
	for _, c := range cases {
		got, err := Floats("amps", c.in)
		if c.wantErr {
			if !errors.Is(err, ErrUsage) {
				t.Errorf("Floats(%q) error = %v, want a usage error", c.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Floats(%q) error = %v", c.in, err)
			continue
		}
		if len(got) != len(c.want) {
			t.Errorf("Floats(%q) = %v, want %v", c.in, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("Floats(%q) = %v, want %v", c.in, got, c.want)
			}
		}
	}
}

func TestList(t *testing.T) {
	got := List(" a.json, ,b.json,")
	if len(got) != 2 || got[0] != "a.json" || got[1] != "b.json" {
		t.Errorf("List = %q, want [a.json b.json]", got)
	}
	if got := List(""); got != nil {
		t.Errorf("List(\"\") = %q, want nil", got)
	}
}

func TestExitCode(t *testing.T) {
	cases := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("boom"), 1},
		{Usagef("bad flag %s", "x"), 2},
		{flag.ErrHelp, 0}, // help was asked for and printed
	}
	for _, c := range cases {
		if got := ExitCode(c.err); got != c.want {
			t.Errorf("ExitCode(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

func TestExecute(t *testing.T) {
	var got []string
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	n := fs.Int("n", 1, "a number")
	c := &Command{Name: "x", UsageLine: "x [-n N] ARGS", Flags: fs,
		Run: func(ctx context.Context, args []string) error { got = args; return nil }}
	if err := c.Execute(context.Background(), []string{"-n", "3", "a", "b"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	if *n != 3 || len(got) != 2 || got[0] != "a" {
		t.Errorf("n = %d, args = %q; want 3, [a b]", *n, got)
	}
	if err := c.Execute(context.Background(), []string{"-bogus"}, io.Discard); ExitCode(err) != 2 {
		t.Errorf("unknown flag: error %v, exit code %d; want 2", err, ExitCode(err))
	}
}

// TestHelp checks where help goes: asked for (-h) to stdout with exit 0,
// after a bad flag to stderr with exit 2; a command without flags has no
// empty "flags:" section.
func TestHelp(t *testing.T) {
	for _, c := range []struct {
		name       string
		flags      bool
		args       []string
		code       int
		out, err   string // substrings of stdout and stderr ("" : must be empty)
		noFlagsHdr bool
	}{
		{"-h", true, []string{"-h"}, 0, "usage: noble x [-n N]", "", false},
		{"--help", true, []string{"--help"}, 0, "flags:\n  -n int", "", false},
		{"bad flag", true, []string{"-bogus"}, 2, "", "usage: noble x [-n N]", false},
		{"no flags", false, []string{"-h"}, 0, "usage: noble x [-n N]", "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			if c.flags {
				fs.Int("n", 1, "a number")
			}
			cmd := &Command{Name: "x", UsageLine: "x [-n N]", Long: "X does x.", Flags: fs,
				Run: func(ctx context.Context, args []string) error { return nil }}
			var o, e strings.Builder
			err := cmd.ExecuteIO(context.Background(), c.args, &o, &e)
			if got := ExitCode(err); got != c.code {
				t.Errorf("exit code %d (err %v), want %d", got, err, c.code)
			}
			if (c.out == "") != (o.Len() == 0) || !strings.Contains(o.String(), c.out) {
				t.Errorf("stdout %q, want it to contain %q", o.String(), c.out)
			}
			if c.err != "" && !strings.Contains(e.String(), c.err) {
				t.Errorf("stderr %q, want it to contain %q", e.String(), c.err)
			}
			if c.noFlagsHdr && strings.Contains(o.String(), "flags:") {
				t.Errorf("stdout %q has a flags section but the command has no flags", o.String())
			}
		})
	}
}

// TestUsagefOnce reproduces issue 20: a usage error passed on through
// Usagef("%v", err) printed "usage: usage: …".
func TestUsagefOnce(t *testing.T) {
	_, inner := Floats("amp", "x")
	cases := []struct {
		err  error
		want string
	}{
		{Usagef("%v", inner), `usage: --amp: item 1 "x" is not a number`},
		{Usagef("--lr-at: %v", errors.New("bad")), "usage: --lr-at: bad"},
		{Usagef("--traces %d: %w", 5, errors.ErrUnsupported), "usage: --traces 5: unsupported operation"},
	}
	for _, c := range cases {
		if got := c.err.Error(); got != c.want {
			t.Errorf("Error() = %q, want %q", got, c.want)
		}
		if !errors.Is(c.err, ErrUsage) {
			t.Errorf("%q does not wrap ErrUsage", c.err)
		}
	}
	if !errors.Is(cases[2].err, errors.ErrUnsupported) {
		t.Error("Usagef with %w does not wrap its argument")
	}
}
