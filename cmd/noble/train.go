package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/noble-neuro/noble/internal/cli"
	"github.com/noble-neuro/noble/train"
)

func cmdTrain() *cli.Command {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	data := fs.String("data", "", "dataset `DIR` made by \"noble dataset\" (required)")
	out := fs.String("out", "", "run `DIR`: checkpoint, metrics and best model; created if missing (required)")
	config := fs.String("config", "", "settings `FILE` (JSON, train.Settings; zero fields take the preset's values)")
	preset := fs.String("preset", "", "recipe preset: paper (the published one) or cpu (a 2-core budget); overrides the file's")
	epochs := fs.Int("epochs", 0, "epochs in total (0: the settings'); raise it to extend a finished run")
	workers := fs.Int("workers", -1, "operator worker goroutines (0: one per core; -1: the settings'); results are bitwise reproducible for a given value")
	init := fs.String("init", "", "start from the parameters of model `FILE` (e.g. another run's model.safetensors) instead of a random initialisation; overrides the file's")
	export := fs.String("export", "", "do not train: write the run's latest checkpoint as model `FILE` (model.safetensors is the best by held-out loss or --select-by) and exit; needs only --out")
	snapshots := fs.Int("snapshot-every", -1, "also keep the model of every `N`th epoch as epoch-NNNN.safetensors (0: never; -1: the settings'); may change on resume")
	lrAt := fs.String("lr-at", "", "set the learning rate at the start of epochs, `EPOCH:LR[,EPOCH:LR...]` (e.g. 21:0.0016); joins the run's cuts on resume")
	selectBy := fs.String("select-by", "", "what model.safetensors is the best of: `loss` (held-out relative L4, the paper's) or spikecount (held-out Spikecount error); fixed for a run")
	quiet := fs.Bool("quiet", false, "no progress or per-epoch lines on stderr")
	c := &cli.Command{
		Name:      "train",
		UsageLine: "train --data DIR --out DIR [--config FILE] [--preset paper|cpu] [--epochs N] [--workers N] [--init FILE] [--snapshot-every N] [--lr-at EPOCH:LR,...] [--select-by loss|spikecount] [--quiet]\n  noble train --out DIR --export FILE",
		Short:     "train the NOBLE neural operator on a dataset",
		Long: `Train fits the NOBLE Fourier neural operator to a dataset's traces with the
published recipe (relative L4 loss, Adam lr 0.004, ReduceLROnPlateau factor 0.4
patience 4, batch 64, 300 epochs, random 515 ms windows in the first 30 ms) or
the "cpu" preset (batch 16, 50 epochs of 1024 traces, 128 evaluation traces per
test split, the published architecture). A --config file holds train.Settings
as JSON; flags override it.

The run directory receives config.json (the resolved settings), metrics.jsonl
(one JSON object per epoch: train loss, held-out and seen-model relative L2 and
L4, learning rate, seconds), model.safetensors (the best model by held-out
relative L4, or as --select-by says, with its protocol, embedding scaling,
models and provenance) and checkpoint.safetensors, written after every epoch
(and every few batches with the cpu preset). Run the same command again after
an interruption (Ctrl-C, or even kill -9) and training resumes exactly where
the last checkpoint left it. On Ctrl-C a checkpoint is written at the next
batch boundary. When training ends, the best model's path, epoch, selection
(what it is the best of) and value are printed on stdout.

model.safetensors keeps only the best epoch by held-out loss, which for a
surrogate still learning to fire is often a silent one: --select-by spikecount
makes it the best by the held-out traces' Spikecount error instead (over the
evaluated traces on which the simulator fires; refused before training if none
does), and --snapshot-every N also keeps the model of every Nth epoch
(epoch-0010.safetensors, ...).

--lr-at 21:0.0016 sets the learning rate from epoch 21 on (the plateau
scheduler goes on from there), on a new run or one being resumed: the cut a
batch-16 run that sits on the loss plateau without firing needs, keeping the
run's Adam state, metrics and checkpoint (docs/results.md). Cuts are stored in
config.json, so later resumes need not repeat them; a cut for an epoch that
has begun cannot change.

--init starts a new run from a trained model's parameters (fine-tuning, or a
second stage with another learning rate); Adam and the schedule start afresh.
--export writes the parameters of a run's latest checkpoint, finished epoch or
not, as a model file usable by predict, synth, eval and serve, while the run
directory stays as it is (the run may even be going on).`,
		Flags: fs,
	}
	c.Run = func(ctx context.Context, args []string) error {
		if len(args) > 0 {
			return cli.Usagef("unexpected arguments %q", args)
		}
		if *export != "" {
			if *out == "" {
				return cli.Usagef("--export needs the run directory --out")
			}
			p, err := train.ExportLatest(*out, *export)
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stdout, "%s\tepoch %d\tstep %d\n", *export, p.Epoch, p.Step)
			return nil
		}
		if *data == "" || *out == "" {
			return cli.Usagef("--data and --out are required")
		}
		if *epochs < 0 {
			return cli.Usagef("--epochs %d: must be positive", *epochs)
		}
		if *snapshots < -1 {
			return cli.Usagef("--snapshot-every %d: must be ≥ 0", *snapshots)
		}
		if *workers < -1 {
			return cli.Usagef("--workers %d: must be ≥ 0", *workers)
		}
		var s train.Settings
		if *config != "" {
			var err error
			if s, err = train.ReadSettingsFile(*config); err != nil {
				return err
			}
		}
		if *preset != "" {
			s.Preset = *preset
		}
		if *epochs > 0 {
			s.Epochs = *epochs
		}
		if *workers >= 0 {
			s.Workers = *workers
		}
		if *init != "" {
			s.Init = *init
		}
		if *snapshots >= 0 {
			s.SnapshotEvery = *snapshots
		}
		if *selectBy != "" {
			s.SelectBy = *selectBy
		}
		if *lrAt != "" {
			cuts, err := parseLRAt(*lrAt)
			if err != nil {
				return cli.Usagef("--lr-at %s: %v", *lrAt, err)
			}
			if s.LRAt == nil {
				s.LRAt = make(map[int]float64, len(cuts))
			}
			maps.Copy(s.LRAt, cuts)
		}
		if _, err := s.Resolved(); err != nil {
			return cli.Usagef("%v", err)
		}
		return runTrain(ctx, *data, *out, &s, *quiet, os.Stdout, os.Stderr)
	}
	return c
}

// parseLRAt parses "EPOCH:LR,EPOCH:LR,...".
func parseLRAt(v string) (map[int]float64, error) {
	cuts := make(map[int]float64)
	for item := range strings.SplitSeq(v, ",") {
		e, lr, ok := strings.Cut(strings.TrimSpace(item), ":")
		if !ok {
			return nil, fmt.Errorf("%q: want EPOCH:LR", item)
		}
		epoch, err := strconv.Atoi(e)
		if err != nil || epoch < 1 {
			return nil, fmt.Errorf("%q: epoch %q must be a positive integer", item, e)
		}
		rate, err := strconv.ParseFloat(lr, 64)
		if err != nil || !(rate > 0) || math.IsInf(rate, 0) {
			return nil, fmt.Errorf("%q: learning rate %q must be a positive number", item, lr)
		}
		if _, dup := cuts[epoch]; dup {
			return nil, fmt.Errorf("epoch %d given twice", epoch)
		}
		cuts[epoch] = rate
	}
	return cuts, nil
}

func runTrain(ctx context.Context, dataDir, out string, s *train.Settings, quiet bool, stdout, stderr io.Writer) error {
	d, err := train.OpenDataset(dataDir)
	if err != nil {
		return err
	}
	logf := func(format string, args ...any) {
		if !quiet {
			fmt.Fprintf(stderr, format+"\n", args...)
		}
	}
	var prog *cli.Progress
	last := 0
	hooks := &train.Hooks{
		Batch: func(epoch, done, total int) {
			if prog == nil {
				prog = cli.NewProgress(stderr, quiet, fmt.Sprintf("epoch %d", epoch), "traces", total)
				last = 0
			}
			prog.Add(done - last)
			last = done
		},
		Eval: func(epoch int, done bool) {
			if prog != nil {
				prog.Done()
				prog = nil
			}
		},
		Epoch: func(m train.Metrics) {
			line := fmt.Sprintf("noble train: epoch %d: train %.4g", m.Epoch, m.TrainLoss)
			if m.HeldL4 != nil {
				line += fmt.Sprintf(", held-out L2 %.4g L4 %.4g%s", *m.HeldL2, *m.HeldL4, firing(m.HeldSpikes))
			}
			if m.SeenL4 != nil {
				line += fmt.Sprintf(", seen L2 %.4g L4 %.4g%s", *m.SeenL2, *m.SeenL4, firing(m.SeenSpikes))
			}
			line += fmt.Sprintf(", lr %.3g, %.0f s", m.LR, m.Seconds)
			if m.Best {
				line += " (best)"
			}
			logf("%s", line)
		},
	}
	res, err := train.Train(ctx, d, out, s, hooks)
	if prog != nil {
		prog.Done()
	}
	if errors.Is(err, context.Canceled) {
		logf("noble train: interrupted; checkpoint written, run the same command to resume")
	}
	if err != nil {
		return err
	}
	if res.BestEpoch == 0 {
		return fmt.Errorf("no epoch finished")
	}
	fmt.Fprintf(stdout, "%s\tepoch %d\t%s %.6g\n", filepath.Join(out, train.ModelName), res.BestEpoch, res.Selection, res.BestLoss)
	return nil
}

// firing describes spike statistics for the epoch line: how many of the
// traces that fire in the simulator also fire in the operator.
func firing(s *train.SpikeStats) string {
	if s == nil || s.Firing == 0 {
		return ""
	}
	return fmt.Sprintf(" (fires on %d of %d firing traces)", s.Firing-s.MissedFiring, s.Firing)
}
