package cli

import (
	"context"
	"errors"
	"flag"
	"io"
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
		{flag.ErrHelp, 2},
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
