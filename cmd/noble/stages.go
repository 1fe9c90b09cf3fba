package main

import (
	"bytes"
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
		if i+1 < len(stages) {
			if err := checkStageEpochs(dir, &s, train.StageDir(out, i+1)); err != nil {
				return fmt.Errorf("stage %d (%s): %w", i+1, st.Preset, err)
			}
		}
		if !quiet {
			fmt.Fprintf(stderr, "noble train: stage %d of %d, preset %s, in %s\n", i+1, len(stages), st.Preset, dir)
		}
		if err := runTrain(ctx, in, dir, &s, quiet, io.Discard, stderr); err != nil {
			return fmt.Errorf("stage %d (%s): %w", i+1, st.Preset, err)
		}
		if i+1 < len(stages) {
			init = filepath.Join(dir, train.LatestName)
			if err := exportStage(dir, init, train.StageDir(out, i+1)); err != nil {
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

// checkStageEpochs refuses, before any training, to change the epochs of
// the stage in dir once the next stage has begun from its latest weights.
func checkStageEpochs(dir string, s *train.Settings, next string) error {
	if _, err := os.Stat(filepath.Join(next, train.CheckpointName)); err != nil {
		return nil
	}
	had, err := train.ReadSettingsFile(filepath.Join(dir, train.ConfigName))
	if err != nil {
		return nil // not begun: ExportLatest will say what is missing
	}
	want, err := s.Resolved()
	if err != nil {
		return err
	}
	if had.Epochs != want.Epochs {
		return fmt.Errorf("%s: %d epochs, was %d, but %s has begun from its latest weights; train the later stages afresh in another run directory", dir, want.Epochs, had.Epochs, next)
	}
	return nil
}

// exportStage writes the latest weights of the stage in dir to path, the
// next stage's start. A stage extended after the next one began from it
// (a spec whose epochs changed) would change that start under a run
// already going from the old one: that is refused. The export of a
// finished stage is the same file every time.
func exportStage(dir, path, next string) error {
	tmp := path + ".new"
	defer os.Remove(tmp)
	if _, err := train.ExportLatest(dir, tmp); err != nil {
		return err
	}
	if old, err := os.ReadFile(path); err == nil {
		if _, err := os.Stat(filepath.Join(next, train.CheckpointName)); err == nil {
			nw, err := os.ReadFile(tmp)
			if err != nil {
				return err
			}
			if !bytes.Equal(old, nw) {
				return fmt.Errorf("%s: the stage's latest weights changed after %s began from them (were its epochs raised?); train the later stages afresh in another run directory", path, next)
			}
		}
	}
	return os.Rename(tmp, path)
}
