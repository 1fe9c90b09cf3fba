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
	"syscall"

	"github.com/noble-neuro/noble/internal/cli"
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
		cmdDemo(),
		cmdServe(),
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "noble:", err)
	}
	os.Exit(cli.ExitCode(err))
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			for _, c := range cmds {
				if c.Name == args[1] {
					return c.Execute(ctx, []string{"-h"}, stderr)
				}
			}
		}
		fmt.Fprintln(stderr, "usage: noble <command> [flags]\n\ncommands:")
		for _, c := range cmds {
			fmt.Fprintf(stderr, "  %-10s %s\n", c.Name, c.Short)
		}
		fmt.Fprintln(stderr, "\nRun 'noble help <command>' for a command's flags.")
		if len(args) == 0 {
			return cli.Usagef("no command")
		}
		return nil
	}
	for _, c := range cmds {
		if c.Name == args[0] {
			return c.Execute(ctx, args[1:], stderr)
		}
	}
	return cli.Usagef("unknown command %q (run 'noble help')", args[0])
}
