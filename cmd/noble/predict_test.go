package main

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/internal/cli"
	"github.com/noble-neuro/noble/internal/npy"
)

// tinyModel saves a small model and returns it with its path.
func tinyModel(t *testing.T, dir string) (*fno.Model, string) {
	t.Helper()
	cfg := fno.Config{InChannels: 23, Width: 4, Layers: 2, Modes: 8, LiftingChannels: 6, ProjectionChannels: 8, MLPHidden: 2, OutChannels: 1}
	m, err := fno.New(cfg, 11)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "tiny.safetensors")
	if err := fno.SaveFile(path, m, fno.Metadata{}); err != nil {
		t.Fatal(err)
	}
	return m, path
}

func runPredict(args ...string) (string, error) {
	var stderr bytes.Buffer
	err := cmdPredict().Execute(context.Background(), args, &stderr)
	return stderr.String(), err
}

func TestPredictEndToEnd(t *testing.T) {
	dir := t.TempDir()
	m, model := tinyModel(t, dir)
	const b, l = 5, 40
	x := make([]float32, b*23*l)
	for i := range x {
		x[i] = float32(math.Sin(float64(i) * 0.37))
	}
	in := filepath.Join(dir, "x.npy")
	if err := npy.WriteFileFloat32(in, []int{b, 23, l}, x); err != nil {
		t.Fatal(err)
	}
	want := m.Forward(nil, x, b, l)
	for _, batch := range []string{"1", "2", "16"} {
		out := filepath.Join(dir, "y"+batch+".npy")
		if msg, err := runPredict("--model", model, "--input", in, "--out", out, "--batch", batch, "--quiet"); err != nil {
			t.Fatalf("--batch %s: %v\n%s", batch, err, msg)
		}
		y, err := npy.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if len(y.Shape) != 3 || y.Shape[0] != b || y.Shape[1] != 1 || y.Shape[2] != l || y.F32 == nil {
			t.Fatalf("--batch %s: output shape %v (float32: %v), want [%d 1 %d]", batch, y.Shape, y.F32 != nil, b, l)
		}
		// Chunking changes only the batch the engine sees; per-sample
		// arithmetic is the same up to float32 summation order.
		for i := range want {
			if d := math.Abs(float64(y.F32[i] - want[i])); d > 1e-6*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("--batch %s: y[%d] = %g, want %g", batch, i, y.F32[i], want[i])
			}
		}
	}
	// float64 input is accepted and converted.
	x64 := make([]float64, len(x))
	for i, v := range x {
		x64[i] = float64(v)
	}
	npy.WriteFileFloat64(in, []int{b, 23, l}, x64)
	if _, err := runPredict("--model", model, "--input", in, "--out", filepath.Join(dir, "y64.npy"), "--quiet"); err != nil {
		t.Errorf("float64 input: %v", err)
	}
}

func TestPredictErrors(t *testing.T) {
	dir := t.TempDir()
	_, model := tinyModel(t, dir)
	write := func(name string, shape []int, edit func([]float32)) string {
		n := 1
		for _, d := range shape {
			n *= d
		}
		x := make([]float32, n)
		if edit != nil {
			edit(x)
		}
		p := filepath.Join(dir, name)
		if err := npy.WriteFileFloat32(p, shape, x); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rank2 := write("rank2.npy", []int{23, 10}, nil)
	chans := write("chans.npy", []int{2, 24, 10}, nil)
	nan := write("nan.npy", []int{2, 23, 10}, func(x []float32) { x[23*10+5*10+7] = float32(math.NaN()) })
	good := write("good.npy", []int{1, 23, 10}, nil)
	badModel := filepath.Join(dir, "bad.safetensors")
	os.WriteFile(badModel, []byte("\x10\x00\x00\x00\x00\x00\x00\x00{}              "), 0o644)
	out := filepath.Join(dir, "y.npy")
	tests := []struct {
		name  string
		args  []string
		want  string
		usage bool
	}{
		{"no flags", nil, "--model, --input and --out are required", true},
		{"bad batch", []string{"--model", model, "--input", good, "--out", out, "--batch", "0"}, "--batch 0", true},
		{"extra args", []string{"--model", model, "--input", good, "--out", out, "x"}, "unexpected arguments", true},
		{"rank", []string{"--model", model, "--input", rank2, "--out", out}, "rank2.npy: fno: invalid input: shape [23 10] has rank 2, want 3", false},
		{"channels", []string{"--model", model, "--input", chans, "--out", out}, "has 24 channels, the model takes 23", false},
		{"NaN", []string{"--model", model, "--input", nan, "--out", out}, "x[1, 5, 7] is NaN", false},
		{"model without config", []string{"--model", badModel, "--input", good, "--out", out}, `bad.safetensors: fno: invalid model file: no "noble.config" metadata`, false},
		{"missing input", []string{"--model", model, "--input", filepath.Join(dir, "none.npy"), "--out", out}, "none.npy", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runPredict(tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want one containing %q", err, tc.want)
			}
			if got := errors.Is(err, cli.ErrUsage); got != tc.usage {
				t.Errorf("usage error = %v, want %v", got, tc.usage)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("failed predict left %s", out)
			}
		})
	}
}
