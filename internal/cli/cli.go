// Package cli is the small command framework of the noble binary: a command
// is a value with a name, a usage line, help text, its own flag.FlagSet and a
// Run function, in the manner of cmd/go's base.Command. It also maps errors to
// exit codes in one place: 0 success (and help that was asked for), 1
// failure, 2 usage error.
//
// Help that was asked for ("noble X -h", "noble help X") is a result: it
// goes to stdout, so that "noble help simulate | less" shows it, and exits
// 0. Help printed because the command line was wrong goes to stderr with
// exit status 2.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
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
// flag.ErrHelp (help was asked for and printed) is success.
func ExitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, ErrUsage):
		return 2
	default:
		return 1
	}
}

// Execute is ExecuteIO with help on os.Stdout.
func (c *Command) Execute(ctx context.Context, args []string, stderr io.Writer) error {
	return c.ExecuteIO(ctx, args, os.Stdout, stderr)
}

// ExecuteIO parses args for c and runs it. -h or -help prints the help to
// stdout and returns flag.ErrHelp (exit status 0); a flag error prints it
// and the help to stderr and returns an error wrapping ErrUsage.
func (c *Command) ExecuteIO(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c.Flags.SetOutput(stderr) // the flag package's own message on a bad flag
	c.Flags.Usage = func() {} // the help is printed below, to the stream it belongs to
	if err := c.Flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.PrintHelp(stdout)
			return err
		}
		c.PrintHelp(stderr)
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	return c.Run(ctx, c.Flags.Args())
}

// PrintHelp writes the usage line, the long help and, if the command has
// any, its flags to w.
func (c *Command) PrintHelp(w io.Writer) {
	fmt.Fprintf(w, "usage: noble %s\n", c.UsageLine)
	if c.Long != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.Long))
	}
	n := 0
	c.Flags.VisitAll(func(*flag.Flag) { n++ })
	if n == 0 {
		return // no empty "flags:" section (noble help dataset)
	}
	fmt.Fprintln(w, "\nflags:")
	out := c.Flags.Output()
	c.Flags.SetOutput(w)
	c.Flags.PrintDefaults()
	c.Flags.SetOutput(out)
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
