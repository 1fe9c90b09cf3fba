package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/noble-neuro/noble/internal/atomicfile"
	"github.com/noble-neuro/noble/internal/cli"
	"github.com/noble-neuro/noble/internal/mpi"
	"github.com/noble-neuro/noble/train"
)

// stagesFlags are the flags --stages takes beside it. The others set one
// run's settings; a --config file gives settings all stages share.
var stagesFlags = []string{"data", "out", "stages", "config", "init", "workers", "snapshot-every", "quiet"}

// checkStagesFlags refuses the flags a staged run does not take.
func checkStagesFlags(fs *flag.FlagSet) error {
	var bad []string
	fs.Visit(func(f *flag.Flag) {
		if !slices.Contains(stagesFlags, f.Name) {
			bad = append(bad, "--"+f.Name)
		}
	})
	if len(bad) > 0 {
		return cli.Usagef("--stages takes %s only in a --config file, whose settings every stage shares; or run the stages one by one with --init", strings.Join(bad, ", "))
	}
	if mpi.Launched() {
		return cli.Usagef("--stages runs in one process; under mpirun run the stages one by one with --init")
	}
	return nil
}

// runStages trains the stages one after another, stage i in
// train.StageDir(out, i), each from the latest weights of the one before
// (written there as train.LatestName), and copies the last stage's model
// to out/model.safetensors; base holds the settings all stages share
// (train.Stage.Settings). Each stage is an ordinary run: running the
// same command again resumes the stage that was interrupted, and a stage
// that has finished returns at once.
func runStages(ctx context.Context, in trainInput, out string, stages []train.Stage, base train.Settings, quiet bool, stdout, stderr io.Writer) error {
	init := base.Init
	for i, st := range stages {
		dir := train.StageDir(out, i)
		s := st.Settings(base, init)
		if !quiet {
			fmt.Fprintf(stderr, "noble train: stage %d of %d, preset %s, in %s\n", i+1, len(stages), st.Preset, dir)
		}
		if err := runTrain(ctx, in, dir, &s, quiet, io.Discard, stderr); err != nil {
			return fmt.Errorf("stage %d (%s): %w", i+1, st.Preset, err)
		}
		if i+1 < len(stages) {
			init = filepath.Join(dir, train.LatestName)
			if _, err := train.ExportLatest(dir, init); err != nil {
				return fmt.Errorf("stage %d (%s): %w", i+1, st.Preset, err)
			}
		}
	}
	last := train.StageDir(out, len(stages)-1)
	b, err := os.ReadFile(filepath.Join(last, train.ModelName))
	if err != nil {
		return err
	}
	model := filepath.Join(out, train.ModelName)
	if err := atomicfile.WriteFile(model, b); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\tthe best epoch of %s by held-out Spikecount error\n", model, last)
	return nil
}
