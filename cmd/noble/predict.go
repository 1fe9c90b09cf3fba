package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/internal/cli"
	"github.com/noble-neuro/noble/internal/npy"
	"github.com/noble-neuro/noble/surrogate"
)

func cmdPredict() *cli.Command {
	fs := flag.NewFlagSet("predict", flag.ContinueOnError)
	model := fs.String("model", "", "model file (.safetensors, noble layout)")
	input := fs.String("input", "", "input array X.npy: float32 [B, C, L], the operator's C input channels (23 with NOBLE's embedding)")
	out := fs.String("out", "", "output array Y.npy: float32 [B, 1, L], membrane potential in volts")
	batch := fs.Int("batch", 16, "samples evaluated at once (memory grows with it)")
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	c := &cli.Command{
		Name:      "predict",
		UsageLine: "predict --model FILE.safetensors --input X.npy --out Y.npy [--batch N]",
		Short:     "run the raw neural operator on an input array",
		Long: `Predict evaluates the FNO in a model file on X, a float32 NPY array
[B, C, L] holding the operator's C input channels (current in 0.1 nA, the
amplitude, s_thr and I_thr NeRF embeddings: C = 23 with NOBLE's embedding,
1 + 2·K_amp + 2·ΣK with the one the model file records, see "noble train
--embedding"; the grid channel is appended by the model), and writes Y, float32 [B, 1, L], the predicted membrane
potential in volts. float64 inputs are converted to float32. Wrong rank or
channel count, non-finite values and a model file whose configuration does
not match its tensors are errors; Y is written atomically.`,
		Flags: fs,
	}
	c.Run = func(ctx context.Context, args []string) error {
		if len(args) > 0 {
			return cli.Usagef("unexpected arguments %q", args)
		}
		if *model == "" || *input == "" || *out == "" {
			return cli.Usagef("--model, --input and --out are required")
		}
		if *batch < 1 {
			return cli.Usagef("--batch %d: must be at least 1", *batch)
		}
		return predict(ctx, *model, *input, *out, *batch, *quiet, os.Stderr)
	}
	return c
}

func predict(ctx context.Context, modelPath, inPath, outPath string, batch int, quiet bool, stderr io.Writer) error {
	m, meta, err := fno.LoadFile(modelPath)
	if err != nil {
		return err
	}
	a, err := npy.ReadFile(inPath)
	if err != nil {
		return err
	}
	x := a.F32
	if x == nil {
		x = make([]float32, len(a.F64))
		for i, v := range a.F64 {
			x[i] = float32(v)
		}
	}
	// The input is the model's embedding, encoded by the caller: name the
	// embedding when the channels do not fit it.
	var sc surrogate.Scaling
	if meta.Scaling != nil {
		sc = *meta.Scaling
	}
	mi, err := surrogate.ReadMeta(meta.Extra, sc)
	if err != nil {
		return fmt.Errorf("%s: %w", modelPath, err)
	}
	b, l, err := m.CheckInput(a.Shape, x)
	if err != nil {
		if len(a.Shape) == 3 && a.Shape[1] != mi.Embedding.Channels() {
			return fmt.Errorf("%s: %w (the model's embedding is %v)", inPath, err, mi.Embedding)
		}
		return fmt.Errorf("%s: %w", inPath, err)
	}
	if meta.Protocol != nil && meta.Protocol.Length != l && !quiet {
		fmt.Fprintf(stderr, "noble predict: note: input length %d differs from the model's protocol length %d\n", l, meta.Protocol.Length)
	}
	prog := cli.NewProgress(stderr, quiet, "predict", "traces", b)
	last := 0
	y, err := m.Predict(ctx, nil, x, b, l, batch, func(done int) {
		prog.Add(done - last)
		last = done
	})
	prog.Done()
	if err != nil {
		return err
	}
	return npy.WriteFileFloat32(outPath, []int{b, m.Config().OutChannels, l}, y)
}
