// Command noble turns slow biophysical neuron models into fast surrogates
// with the NOBLE method. Run "noble help" for its commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"

	"github.com/noble-neuro/noble/internal/cli"
	"github.com/noble-neuro/noble/internal/gemm"
)

// commands lists the subcommands in the order "noble help" shows them.
// Each is built by a function in its own file of this package.
func commands() []*cli.Command {
	return []*cli.Command{
		// noble:commands (one line per command; keep this marker)
		cmdSimulate(),
		cmdFeatures(),
		cmdFI(),
		cmdDataset(),
		cmdTrain(),
		cmdPredict(),
		cmdSynth(),
		cmdEval(),
		cmdCompare(),
		cmdCurve(),
		cmdDemo(),
		cmdServe(),
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := runIO(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "noble:", err)
	}
	os.Exit(cli.ExitCode(err))
}

// run is runIO with results and requested help on os.Stdout.
func run(ctx context.Context, args []string, stderr io.Writer) error {
	return runIO(ctx, args, os.Stdout, stderr)
}

// runIO runs the command line args. Help that was asked for ("noble help
// [X]", "noble -h", "noble X -h") and the version go to stdout; the command
// list printed because no command was given goes to stderr (exit 2).
func runIO(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmds := commands()
	if len(args) == 0 {
		printCommands(stderr, cmds)
		return cli.Usagef("no command")
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			for _, c := range cmds {
				if c.Name == args[1] {
					c.PrintHelp(stdout)
					return nil
				}
			}
			return cli.Usagef("help: unknown command %q (run 'noble help')", args[1])
		}
		printCommands(stdout, cmds)
		return nil
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, version())
		return nil
	}
	for _, c := range cmds {
		if c.Name == args[0] {
			return c.ExecuteIO(ctx, args[1:], stdout, stderr)
		}
	}
	return cli.Usagef("unknown command %q (run 'noble help')", args[0])
}

func printCommands(w io.Writer, cmds []*cli.Command) {
	fmt.Fprintln(w, "usage: noble <command> [flags]\n\ncommands:")
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-10s %s\n", c.Name, c.Short)
	}
	fmt.Fprintf(w, "  %-10s %s\n", "version", "print the version, VCS revision and matrix-product backend")
	fmt.Fprintln(w, "\nRun 'noble help <command>' for a command's flags.")
}

// version describes the binary: the module version and VCS revision from
// the build information, the Go version, and the matrix-product backend
// (package gemm: noble's kernels and the instruction set they use, OpenBLAS
// or pure Go), which decides the operator's speed.
func version() string {
	mod, rev, goVer := "(unknown)", "unknown revision", runtime.Version()
	if bi, ok := debug.ReadBuildInfo(); ok {
		mod, goVer = bi.Main.Version, bi.GoVersion
		var dirty bool
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = "revision " + s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if dirty {
			rev += " (modified)"
		}
	}
	isa, _ := gemm.ISA()
	return fmt.Sprintf("noble %s, %s, %s %s/%s, gemm %s (%s)", mod, rev, goVer, runtime.GOOS, runtime.GOARCH, gemm.Backend, isa)
}
