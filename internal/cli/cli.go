// Package cli is the small command framework of the noble binary: a command
// is a value with a name, a usage line, help text, its own flag.FlagSet and a
// Run function, in the manner of cmd/go's base.Command. It also maps errors to
// exit codes in one place: 0 success, 1 failure, 2 usage error.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Command is one subcommand of the noble binary.
type Command struct {
	Name      string // e.g. "simulate"
	UsageLine string // e.g. "simulate --cell DIR [--params FILE,...] --amps A,... --out DIR"
	Short     string // one line for the command list
	Long      string // full help, printed by -h

	// Flags is the command's flag set; Run receives the arguments left after parsing.
	Flags *flag.FlagSet
	Run   func(ctx context.Context, args []string) error
}

// ErrUsage is wrapped by errors that mean the command line was wrong.
var ErrUsage = errors.New("usage")

// Usagef returns an error wrapping ErrUsage (and whatever format wraps
// with %w), printed as "usage: " and the message. A message that already
// starts with "usage: " (a usage error passed on with %v) gets no second
// prefix.
func Usagef(format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &usageError{msg: strings.TrimPrefix(err.Error(), ErrUsage.Error()+": "), err: err}
}

// usageError is a command-line error: ErrUsage and the detail.
type usageError struct {
	msg string // without the "usage: " prefix
	err error  // the formatted error, wrapping what its format wrapped
}

func (e *usageError) Error() string   { return ErrUsage.Error() + ": " + e.msg }
func (e *usageError) Unwrap() []error { return []error{ErrUsage, e.err} }

// ExitCode maps an error returned by Run to the process exit status.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrUsage), errors.Is(err, flag.ErrHelp):
		return 2
	default:
		return 1
	}
}

// Execute parses args for cmd and runs it.
func (c *Command) Execute(ctx context.Context, args []string, stderr io.Writer) error {
	c.Flags.SetOutput(stderr)
	c.Flags.Usage = func() {
		fmt.Fprintf(stderr, "usage: noble %s\n", c.UsageLine)
		if c.Long != "" {
			fmt.Fprintf(stderr, "\n%s\n", strings.TrimSpace(c.Long))
		}
		fmt.Fprintln(stderr, "\nflags:")
		c.Flags.PrintDefaults()
	}
	if err := c.Flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	return c.Run(ctx, c.Flags.Args())
}

// Floats parses a comma-separated list of numbers, such as "--amps 0.1,0.2".
// NaN and infinities are refused.
func Floats(flagName, s string) ([]float64, error) {
	if strings.TrimSpace(s) == "" {
		return nil, Usagef("--%s: empty list", flagName)
	}
	parts := strings.Split(s, ",")
	out := make([]float64, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, Usagef("--%s: item %d %q is not a number", flagName, i+1, p)
		}
		if v != v || v > 1e308 || v < -1e308 {
			return nil, Usagef("--%s: item %d %q is not finite", flagName, i+1, p)
		}
		out[i] = v
	}
	return out, nil
}

// List splits a comma-separated list, dropping empty items.
func List(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
