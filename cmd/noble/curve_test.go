package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/eval"
	"github.com/noble-neuro/noble/internal/cli"
	"github.com/noble-neuro/noble/train"
)

// writeRun writes a run directory whose metrics.jsonl holds the given
// lines, as noble train logs them.
func writeRun(t *testing.T, lines ...string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, train.MetricsName), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestCurveCommand(t *testing.T) {
	t.Parallel()
	// Epoch 1 evaluated, epoch 2 not (no test figures), epoch 3 with
	// spike statistics and feature errors, then a line torn by a crash.
	run := writeRun(t,
		`{"epoch":1,"train_traces":1024,"test_held_l2":0.12,"test_seen_l2":0.08}`,
		`{"epoch":2,"train_traces":1024}`,
		`{"epoch":3,"train_traces":512,"test_held_l2":0.11,"test_seen_l2":0.07,`+
			`"test_held_spikes":{"firing":80,"missed_firing":4},"test_seen_spikes":{"firing":75,"missed_firing":0},`+
			`"test_held_features":{"Spikecount":{"mean_rel":0.5,"n":76}},"test_seen_features":{"Spikecount":{"mean_rel":0.25,"n":75}}}`,
		`{"epoch":4,"train_tra`)
	out := filepath.Join(t.TempDir(), "curve")
	var o, e bytes.Buffer
	if err := cmdCurveIO(&o).Execute(context.Background(), []string{"--out", out, "stage=" + run + "@10000"}, &e); err != nil {
		t.Fatalf("%v\n%s", err, e.String())
	}
	md, err := os.ReadFile(filepath.Join(out, eval.CurveReportName))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"## stage",
		"| 1 | 11024 | 12 % / 8 % | – / – | – / – |",
		"| 3 | 12560 | 11 % / 7 % | 50 % / 25 % | 4 of 80 / 0 of 75 |",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("curve.md lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(string(md), "| 2 |") {
		t.Errorf("curve.md lists the epoch without evaluation:\n%s", md)
	}
	var got []eval.CurveRun
	b, err := os.ReadFile(filepath.Join(out, eval.CurveResultsName))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || len(got[0].Points) != 2 || got[0].Points[1].Held.Missed() != 0.05 {
		t.Errorf("curve.json: %s", b)
	}
	if fi, err := os.Stat(filepath.Join(out, eval.CurveFigureName)); err != nil || fi.Size() == 0 {
		t.Errorf("curve.png: %v", err)
	}
	// The metrics file itself, as kept beside a shipped model.
	out2 := filepath.Join(t.TempDir(), "curve")
	if err := cmdCurveIO(&o).Execute(context.Background(), []string{"--out", out2, filepath.Join(run, train.MetricsName)}, &e); err != nil {
		t.Fatal(err)
	}
	if md2, err := os.ReadFile(filepath.Join(out2, eval.CurveReportName)); err != nil || !strings.Contains(string(md2), "| 3 | 2560 | 11 % / 7 %") {
		t.Errorf("curve.md from the metrics file (%v):\n%s", err, md2)
	}
}

func TestCurveCommandErrors(t *testing.T) {
	t.Parallel()
	empty := writeRun(t, `{"epoch":1,"train_traces":16}`)
	for _, c := range []struct {
		name  string
		args  []string
		usage bool
		want  string
	}{
		{"no out", []string{empty}, true, "--out is required"},
		{"no run", []string{"--out", "x"}, true, "at least one RUN"},
		{"bad budget", []string{"--out", "x", empty + "@-3"}, true, "whole number of trace-steps"},
		{"empty label", []string{"--out", "x", "=" + empty}, true, "[LABEL=]RUN"},
		{"missing run", []string{"--out", "x", filepath.Join(empty, "nope")}, false, "nope: no such file"},
		{"no evaluated epoch", []string{"--out", "x", empty}, false, "no evaluated epoch"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "out")
			for i, a := range c.args {
				if a == "x" {
					c.args[i] = out
				}
			}
			var o, e bytes.Buffer
			err := cmdCurveIO(&o).Execute(context.Background(), c.args, &e)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
			if errors.Is(err, cli.ErrUsage) != c.usage {
				t.Errorf("usage error = %v, want %v", !c.usage, c.usage)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a failed run left %s", out)
			}
		})
	}
}
