package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/eval"
	"github.com/noble-neuro/noble/internal/cli"
)

// TestCompareCommand drives the shipped mouse model against a made-up
// recording in the experimental table's format (eval/testdata), which
// fires: its training HoF population and, without -short, two of its HoF
// models simulated.
func TestCompareCommand(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		args []string
		sim  bool
	}{
		{"hof", []string{"--population", "hof"}, true},
		{"hull", []string{"--population", "hull", "--size", "6", "--seed", "3"}, false},
		{"ensemble", []string{"--population", "ensemble", "--size", "4", "--centre", "0.19,1200"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if c.sim && testing.Short() {
				t.Skip("runs the shipped model's 30-odd HoF traces and two simulations")
			}
			out := filepath.Join(t.TempDir(), "cmp")
			args := append([]string{"--model", "../../models/mouse_pvalb_318331342/model.safetensors",
				"--experiment", "../../eval/testdata/experiment.csv", "--spec-id", "318331342", "--amp", "0.3", "--out", out, "--quiet"}, c.args...)
			if c.sim {
				args = append(args, "--cell", "../../data/cells/mouse_pvalb_318331342", "--sim-models", "hof_param_318331342_0,hof_param_318331342_1")
			}
			var o, e bytes.Buffer
			if err := cmdCompareIO(&o, &e).Execute(context.Background(), args, &e); err != nil {
				t.Fatalf("%v\n%s", err, e.String())
			}
			if !strings.Contains(o.String(), eval.CompareReportName) || !strings.Contains(o.String(), "traces used") {
				t.Errorf("stdout:\n%s", o.String())
			}
			md, err := os.ReadFile(filepath.Join(out, eval.CompareReportName))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"| AP1_width | 0.4 |", "depol step", "fires (40 spikes)"} {
				if !strings.Contains(string(md), want) {
					t.Errorf("compare.md lacks %q:\n%s", want, md)
				}
			}
			if c.sim != strings.Contains(string(md), "simulator median") {
				t.Errorf("compare.md: simulator column present = %v, want %v", !c.sim, c.sim)
			}
		})
	}
}

func TestCompareCommandErrors(t *testing.T) {
	t.Parallel()
	base := []string{"--experiment", "../../eval/testdata/experiment.csv", "--out", filepath.Join(t.TempDir(), "x"), "--cell", "../../data/cells/mouse_pvalb_318331342"}
	for _, c := range []struct {
		name  string
		args  []string
		usage bool
		want  string
	}{
		{"no amp", []string{"--spec-id", "318331342"}, true, "--amp is required"},
		{"no spec id", []string{"--amp", "0.3"}, true, "required"},
		{"bad population", []string{"--spec-id", "318331342", "--amp", "0.3", "--population", "crowd"}, true, "--population"},
		{"bad centre", []string{"--spec-id", "318331342", "--amp", "0.3", "--centre", "x"}, true, "--centre"},
		{"missing cell", []string{"--spec-id", "7", "--amp", "0.3"}, false, `experiment.csv: column "spec_id": eval: bad experimental feature table: no row of cell 7`},
		{"missing feature", []string{"--spec-id", "100000002", "--amp", "0.3"}, false, `experiment.csv:4: column "depol.AP1_width"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var o, e bytes.Buffer
			err := cmdCompareIO(&o, &e).Execute(context.Background(), append(base[:len(base):len(base)], c.args...), &e)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
			if errors.Is(err, cli.ErrUsage) != c.usage {
				t.Errorf("usage error = %v, want %v", !c.usage, c.usage)
			}
		})
	}
}
