package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/noble-neuro/noble/dataset"
	"github.com/noble-neuro/noble/dsp"
	"github.com/noble-neuro/noble/internal/atomicfile"
	"github.com/noble-neuro/noble/internal/cli"
	"github.com/noble-neuro/noble/sim"
)

func cmdDataset() *cli.Command {
	subs := []*cli.Command{datasetGenerate(), datasetInfo(), datasetVerify(), datasetMerge()}
	var long strings.Builder
	long.WriteString(`Dataset makes and checks NOBLE training datasets: traces of a cell's HoF
models under step currents, simulated at 0.02 ms for 545 ms, low-pass filtered
and decimated to 0.06 ms, in sharded NPZ files with a manifest (see
docs/dataset-jobs.md and package dataset). Subcommands:

`)
	for _, s := range subs {
		fmt.Fprintf(&long, "  noble %s\n      %s\n", s.UsageLine, s.Short)
	}
	long.WriteString("\nRun 'noble dataset SUBCOMMAND -h' for its flags.")
	return &cli.Command{
		Name:      "dataset",
		UsageLine: "dataset generate|info|verify|merge [flags]",
		Short:     "generate, inspect, verify and merge training datasets",
		Long:      long.String(),
		Flags:     flag.NewFlagSet("dataset", flag.ContinueOnError),
		Run: func(ctx context.Context, args []string) error {
			if len(args) == 0 {
				return cli.Usagef("dataset: missing subcommand (generate, info, verify, merge)")
			}
			for _, s := range subs {
				if s.Name == args[0] {
					return s.Execute(ctx, args[1:], os.Stderr)
				}
			}
			return cli.Usagef("dataset: unknown subcommand %q (generate, info, verify, merge)", args[0])
		},
	}
}

func datasetGenerate() *cli.Command {
	fs := flag.NewFlagSet("dataset generate", flag.ContinueOnError)
	cellDir := fs.String("cell", "", "cell `DIR` holding cell.json (required)")
	traces := fs.Int("traces", 0, "training traces (required)")
	seed := fs.Uint64("seed", 1, "seed of the amplitude draws")
	out := fs.String("out", "", "output `DIR` (required); resumed if it holds part of the same dataset")
	shard := fs.String("shard", "0/1", "generate job `i/n`: the shards whose number is i mod n")
	workers := fs.Int("workers", runtime.NumCPU(), "simulations in parallel")
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	seen := fs.Int("test-seen-traces", 0, "test traces of training models at new amplitudes (default traces/10; -1 none)")
	held := fs.Int("test-held-traces", 0, "test traces of held-out models (default traces/10; -1 none)")
	perShard := fs.Int("traces-per-shard", 256, "traces per shard file")
	testModels := fs.String("test-models", "", "held-out model `INDICES` (comma-separated, into the sorted parameter files; default NOBLE's for its human cell, else --num-test-models chosen by --split-seed)")
	numTest := fs.Int("num-test-models", 0, "held-out models to choose (default 8)")
	splitSeed := fs.Uint64("split-seed", 0, "seed of the held-out model choice")
	mode := fs.Float64("mode", 0, "mode of the amplitude distribution, nA (default: median I_thr)")
	support := fs.String("support", "", "amplitude support `LO,HI` in nA (default: min I_thr − 0.125, max I_thr + 0.26)")
	scale := fs.Float64("scale", 0, "skew-normal scale, nA (default: support width / 3)")
	skew := fs.Float64("skew", dataset.DefaultShape, "skew-normal shape α (> 0: heavier tail towards strong currents)")
	step := addStepFlags(fs, " (within the test window)", "")
	window := fs.Float64("window", 515, "window length, ms")
	margin := fs.Float64("margin", 30, "extra simulated time for random window starts, ms (-1: none)")
	factor := fs.Int("decimate", 3, "decimation factor")
	embFile := fs.String("embeddings", "", "F-I embeddings `FILE.csv`: 'noble fi''s output or NOBLE's published table (seed,hof,slope,intercept; model seed<S>_hof<HH>); an AHP_depth column (noble fi's) is recorded per model, for --embedding ...,AHP_depth=1 (default: DIR/embeddings.csv, computed if absent, without AHP_depth)")
	embedOnly := fs.Bool("embed-only", false, "only compute (or check) DIR/embeddings.csv, then stop: the first step of a multi-job run")
	return &cli.Command{
		Name:      "generate",
		UsageLine: "dataset generate --cell DIR --traces N --seed S --out DIR [--shard i/n] [--workers W] [--quiet]",
		Short:     "simulate a dataset (or one shard job of it)",
		Long: `Generate computes the F-I embedding of every model of the cell (once: it is
cached in DIR/embeddings.csv, or read from --embeddings), splits the models
into training and held-out ones, draws step amplitudes from a skew-normal
distribution around the models' thresholds, and simulates the train, test_seen
and test_held traces: --window + --margin ms at --dt with the step at
--margin/2 + --delay ms, filtered and decimated by --decimate. Shards are
written atomically; a killed run restarted with the same flags resumes at the
missing shards. With --shard i/n only every n-th shard is made and recorded in
DIR/part-i-of-n.json; join the jobs with 'noble dataset merge'. The same flags
give the same bytes for any --workers and --shard. With --embed-only it stops
after writing DIR/embeddings.csv, so that a multi-job run computes the
embeddings once before its shard jobs start.`,
		Flags: fs,
		Run: func(ctx context.Context, args []string) (err error) {
			if len(args) > 0 {
				return cli.Usagef("unexpected arguments %q", args)
			}
			if *cellDir == "" || *out == "" || (*traces <= 0 && !*embedOnly) {
				return cli.Usagef("--cell, --out and --traces (> 0) are required")
			}
			if *workers < 1 {
				return cli.Usagef("--workers %d: must be at least 1", *workers)
			}
			if err := step.check(); err != nil {
				return err
			}
			si, sn, err := parseShard(*shard)
			if err != nil {
				return err
			}
			set := &dataset.Settings{
				Traces: *traces, TestSeenTraces: *seen, TestHeldTraces: *held, Seed: *seed,
				TracesPerShard: *perShard, NumTestModels: *numTest, SplitSeed: *splitSeed,
				Protocol: dataset.Protocol{Dt: step.Dt, Window: *window, Margin: *margin, Delay: step.Delay, Dur: step.Dur},
				Filter:   dsp.Settings{Factor: *factor},
			}
			if *testModels != "" {
				for _, s := range cli.List(*testModels) {
					i, err := strconv.Atoi(s)
					if err != nil {
						return cli.Usagef("--test-models: %q is not an index", s)
					}
					set.TestModels = append(set.TestModels, i)
				}
			}
			given := map[string]bool{}
			fs.Visit(func(f *flag.Flag) { given[f.Name] = true })

			cell, err := sim.LoadCell(*cellDir)
			if err != nil {
				return err
			}
			src, err := dataset.NewCellSource(cell)
			if err != nil {
				return err
			}
			od, err := prepareOutDir(*out)
			if err != nil {
				return err
			}
			// A failed run removes the directory only if it made it and
			// nothing was written: embeddings and shards are kept to resume.
			defer func() {
				if err != nil {
					od.Undo()
				}
			}()
			emb, err := loadEmbeddings(ctx, src, set.Protocol, *embFile, *out, *workers, *quiet)
			if err != nil {
				return err
			}
			if *embedOnly {
				n := 0
				for _, e := range emb {
					if e.Has() {
						n++
					}
				}
				fmt.Printf("%s: embeddings of %d models (%d with a threshold)\n", *out, len(emb), n)
				return nil
			}
			if set.Stimulus, err = datasetStimulus(emb, given, *support, *mode, *scale, *skew); err != nil {
				return err
			}
			gen, err := dataset.NewGeneration(src.Cell(), src.Models(), emb, set)
			if errors.Is(err, dataset.ErrTooLarge) {
				return cli.Usagef("--traces %d, --traces-per-shard %d: %w", *traces, *perShard, err)
			}
			if err != nil {
				return err
			}
			return generateShards(ctx, src, gen, *out, si, sn, *workers, *traces, *quiet)
		},
	}
}

// datasetStimulus is the amplitude distribution the flags give: nil (the
// dataset's default) unless one of --mode, --support, --scale and --skew is
// given, else the default around the models' I_thr (emb) with the given
// ones replacing its fields.
func datasetStimulus(emb []dataset.Embedding, given map[string]bool, support string, mode, scale, skew float64) (*dataset.Stimulus, error) {
	if !given["mode"] && !given["support"] && !given["scale"] && !given["skew"] {
		return nil, nil
	}
	var ithr []float64
	for _, e := range emb {
		ithr = append(ithr, e.IThr)
	}
	st, err := dataset.DefaultStimulus(ithr)
	if err != nil {
		return nil, err
	}
	if given["support"] {
		lh, err := cli.Floats("support", support)
		if err != nil {
			return nil, err
		}
		if len(lh) != 2 {
			return nil, cli.Usagef("--support %q: want LO,HI", support)
		}
		st.Lo, st.Hi = lh[0], lh[1]
		st.Scale = (st.Hi - st.Lo) / 3
	}
	if given["mode"] {
		st.Mode = mode
	}
	if given["scale"] {
		st.Scale = scale
	}
	st.Shape = skew
	return &st, nil
}

// generateShards generates job si of sn of the dataset gen into out with a
// progress line, and reports what it did on stdout (or, on an interrupt,
// how to resume on stderr).
func generateShards(ctx context.Context, src dataset.Source, gen *dataset.Generation, out string, si, sn, workers, traces int, quiet bool) error {
	prog := cli.NewProgress(os.Stderr, quiet, "dataset", "traces", 0)
	var total int
	start := time.Now()
	res, err := dataset.Generate(ctx, src, gen, out, &dataset.Options{
		Shard: si, Shards: sn, Workers: workers,
		Progress: func(done, tot int) {
			if total == 0 {
				total = tot
				prog = cli.NewProgress(os.Stderr, quiet, "dataset", "traces", tot)
			}
			prog.Add(1)
		},
	})
	prog.Done()
	switch {
	case errors.Is(err, dataset.ErrNoSpace):
		return fmt.Errorf("--traces %d: %w", traces, err)
	case errors.Is(err, context.Canceled):
		// As train does: say what is left and how to go on.
		fmt.Fprintf(os.Stderr, "noble dataset: interrupted; finished shards are kept, run the same command to resume\n")
	}
	if err != nil {
		return err
	}
	el := time.Since(start).Seconds()
	fmt.Printf("%s: job %d/%d: %d shards generated (%d traces, %d bytes, %.1f s, %.3f traces/s), %d reused; generation %s\n",
		out, si, sn, res.Generated, res.Traces, res.Bytes, el, float64(res.Traces)/el, res.Reused, res.Manifest.GenerationID[:16])
	if res.Manifest.Job == "" {
		fmt.Printf("%s: complete: %s\n", out, dataset.ManifestName)
	}
	return nil
}

// parseShard parses --shard i/n.
func parseShard(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, cli.Usagef("--shard %q: want i/n with 0 ≤ i < n", s)
	}
	return i, n, nil
}

// loadEmbeddings reads --embeddings, else DIR/embeddings.csv, else computes
// the embeddings and caches them there.
func loadEmbeddings(ctx context.Context, src dataset.Source, p dataset.Protocol, file, out string, workers int, quiet bool) ([]dataset.Embedding, error) {
	read := func(path string) ([]dataset.Embedding, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return dataset.ReadEmbeddings(f, path, src.Models())
	}
	if file != "" {
		return read(file)
	}
	cache := filepath.Join(out, dataset.EmbeddingsName)
	emb, err := read(cache)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return emb, err
	}
	prog := cli.NewProgress(os.Stderr, quiet, "embeddings", "models", len(src.Models()))
	emb, err = dataset.Embed(ctx, src, p, nil, workers, func(int, int) { prog.Add(1) })
	prog.Done()
	if err != nil {
		return nil, err
	}
	for i, e := range emb {
		if !e.Has() {
			fmt.Fprintf(os.Stderr, "noble dataset: %s: no F-I threshold (fires at 0 nA or not up to 2 nA): excluded\n", src.Models()[i])
		}
	}
	err = atomicfile.Write(cache, func(w io.Writer) error { return dataset.WriteEmbeddings(w, src.Models(), emb) })
	return emb, err
}

func datasetInfo() *cli.Command {
	fs := flag.NewFlagSet("dataset info", flag.ContinueOnError)
	return &cli.Command{
		Name:      "info",
		UsageLine: "dataset info DIR",
		Short:     "describe a dataset (or the progress of its shard jobs)",
		Long: `Info prints a dataset's cell, generation, models and their split, stimulus
distribution, protocol, layout and splits. For a directory without
manifest.json it describes the part manifests of the shard jobs found there.`,
		Flags: fs,
		Run: func(ctx context.Context, args []string) error {
			if len(args) != 1 {
				return cli.Usagef("want one dataset directory")
			}
			dir := args[0]
			m, err := dataset.ReadManifest(filepath.Join(dir, dataset.ManifestName))
			complete := err == nil
			if errors.Is(err, os.ErrNotExist) {
				parts, _ := filepath.Glob(filepath.Join(dir, "part-*-of-*.json"))
				if len(parts) == 0 {
					return fmt.Errorf("%s: no manifest.json and no part manifests", dir)
				}
				for _, p := range parts {
					pm, err := dataset.ReadManifest(p)
					if err != nil {
						return err
					}
					fmt.Printf("%s: job %s: %d shards done\n", filepath.Base(p), pm.Job, len(pm.Shards))
					m = pm
				}
			} else if err != nil {
				return err
			}
			w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintf(w, "cell\t%s\n", m.Cell)
			fmt.Fprintf(w, "format\t%s v%d, generation %s\n", m.Format, m.Version, m.GenerationID[:16])
			fmt.Fprintf(w, "complete\t%v (%d of %d shards listed)\n", complete, len(m.Shards), len(m.Plan()))
			s := m.Settings
			fmt.Fprintf(w, "seed\t%d (split seed %d)\n", s.Seed, s.SplitSeed)
			var train, test, excl []string
			for _, md := range m.Models {
				switch md.Split {
				case dataset.ModelTrain:
					train = append(train, strconv.Itoa(md.Index))
				case dataset.ModelTest:
					test = append(test, fmt.Sprintf("%d (%s)", md.Index, md.Name))
				default:
					excl = append(excl, fmt.Sprintf("%d (%s)", md.Index, md.Name))
				}
			}
			fmt.Fprintf(w, "models\t%d: %d training, %d held out, %d excluded\n", len(m.Models), len(train), len(test), len(excl))
			fmt.Fprintf(w, "held out\t%s\n", strings.Join(test, ", "))
			if len(excl) > 0 {
				fmt.Fprintf(w, "excluded\t%s\n", strings.Join(excl, ", "))
			}
			fmt.Fprintf(w, "scaling\tI_thr [%.6g, %.6g] nA, s_thr [%.6g, %.6g] Hz/nA → [%g, %g]\n",
				m.Scaling.IThr.Min, m.Scaling.IThr.Max, m.Scaling.SThr.Min, m.Scaling.SThr.Max, m.Scaling.Lo, m.Scaling.Hi)
			st := s.Stimulus
			fmt.Fprintf(w, "stimulus\tskew-normal mode %.4g nA, scale %.4g nA, shape %g, support [%.4g, %.4g] nA\n", st.Mode, st.Scale, st.Shape, st.Lo, st.Hi)
			p, l := s.Protocol, m.Layout
			// Sums of settings: 10 digits, not float64's rounding tail.
			fmt.Fprintf(w, "protocol\t%.10g ms at dt %g ms, step %.10g → %.10g ms\n", p.Window+p.Margin, p.Dt, l.StimOnset, l.StimEnd)
			fmt.Fprintf(w, "filter\tdecimate by %d, passband %.2g of the new Nyquist, %g dB, %d taps\n", s.Filter.Factor, s.Filter.Passband, s.Filter.Attenuation, m.FilterTaps)
			fmt.Fprintf(w, "layout\t%d samples at %.4g ms; windows of %d samples start at 0 … %d, test window at %d\n", l.Samples, l.Dt, l.WindowSamples, l.MaxOffset, l.TestOffset)
			var bytes int64
			for _, sh := range m.Shards {
				bytes += sh.Bytes
			}
			for _, sp := range m.Splits {
				fmt.Fprintf(w, "split %s\t%d traces in %d shards\n", sp.Name, sp.Traces, sp.Shards)
			}
			fmt.Fprintf(w, "size\t%d bytes in the listed shards\n", bytes)
			return w.Flush()
		},
	}
}

func datasetVerify() *cli.Command {
	fs := flag.NewFlagSet("dataset verify", flag.ContinueOnError)
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	return &cli.Command{
		Name:      "verify",
		UsageLine: "dataset verify [--quiet] DIR",
		Short:     "check every shard's size, SHA-256, shapes and values",
		Long: `Verify reads the manifest and every shard of a complete dataset and checks
each shard's size and SHA-256 against the manifest, its arrays' shapes, and
that every voltage and amplitude is finite. Each bad shard is named on stderr;
the exit status is 1 if any is bad.`,
		Flags: fs,
		Run: func(ctx context.Context, args []string) error {
			if len(args) != 1 {
				return cli.Usagef("want one dataset directory")
			}
			var prog *cli.Progress
			d, err := dataset.VerifyDir(ctx, args[0], func(done, total int) {
				if prog == nil {
					prog = cli.NewProgress(os.Stderr, *quiet, "verify", "shards", total)
				}
				prog.Add(1)
			})
			if prog != nil {
				prog.Done()
			}
			if err != nil {
				return err
			}
			n := 0
			for _, sp := range d.Manifest.Splits {
				n += sp.Traces
			}
			fmt.Printf("%s: ok: %d shards, %d traces\n", args[0], len(d.Manifest.Shards), n)
			return nil
		},
	}
}

func datasetMerge() *cli.Command {
	fs := flag.NewFlagSet("dataset merge", flag.ContinueOnError)
	out := fs.String("out", "", "output `DIR` (required; may be one of the inputs)")
	return &cli.Command{
		Name:      "merge",
		UsageLine: "dataset merge --out DIR SHARDDIR...",
		Short:     "join the outputs of --shard i/n jobs into one dataset",
		Long: `Merge reads the part manifests (and manifests) in each SHARDDIR, checks that
they belong to one generation (cell, models, embeddings, seed, settings), that
together they hold every shard and that every shard matches its checksum,
copies the shards into --out (unless already there) and writes
--out/manifest.json last.`,
		Flags: fs,
		Run: func(ctx context.Context, args []string) error {
			if *out == "" || len(args) == 0 {
				return cli.Usagef("want --out DIR and at least one SHARDDIR")
			}
			m, err := dataset.Merge(ctx, *out, args)
			if err != nil {
				return err
			}
			fmt.Printf("%s: complete: %d shards, generation %s\n", *out, len(m.Shards), m.GenerationID[:16])
			return nil
		},
	}
}
