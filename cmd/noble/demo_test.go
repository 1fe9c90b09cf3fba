package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDemo(t *testing.T) {
	model := synthModel(t)
	out := filepath.Join(t.TempDir(), "demo")
	var o, e bytes.Buffer
	if err := cmdDemoIO(&o).Execute(context.Background(), []string{"--model", model, "--out", out}, &e); err != nil {
		t.Fatalf("%v\n%s", err, e.String())
	}
	if !strings.HasPrefix(o.String(), "5 neurons synthesised") || !strings.Contains(o.String(), "high I_thr, high s_thr") {
		t.Errorf("stdout:\n%s", o.String())
	}
	f, err := os.Open(filepath.Join(out, "demo.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("demo.png: %v", err)
	}
	md, _ := os.ReadFile(filepath.Join(out, "demo.md"))
	// Five neurons at 20/50/80 % of the ranges [0.1, 0.3] nA and [100, 300] Hz/nA.
	for _, want := range []string{"| centre | 0.2 | 200 |", "| low I_thr, high s_thr | 0.14 | 260 |", "![traces](demo.png)"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("demo.md lacks %q:\n%s", want, md)
		}
	}
}

func TestDemoMissingModel(t *testing.T) {
	var o, e bytes.Buffer
	err := cmdDemoIO(&o).Execute(context.Background(), []string{"--model", filepath.Join(t.TempDir(), "none.safetensors"), "--out", t.TempDir()}, &e)
	if err == nil || !strings.Contains(err.Error(), "none.safetensors does not exist") || !strings.Contains(err.Error(), "noble train --data") {
		t.Errorf("err = %v", err)
	}
}

// TestDemoRange checks demo's side of the one range policy: an amplitude
// outside the training range ([-0.025, 0.56] nA for the test model: the
// dataset default around I_thr [0.1, 0.3]) is refused unless --extrapolate,
// and beyond half a range width even then; nothing is written when refused.
func TestDemoRange(t *testing.T) {
	model := synthModel(t)
	for _, c := range []struct {
		name string
		args []string
		err  string // substring of the error; "" for success
	}{
		{"amp 5", []string{"--amp", "5"}, "amp = 5 nA is outside the training range [-0.025, 0.56] nA (and 4 more); refusing to extrapolate (opt in with extrapolate)"},
		{"amp -0.1", []string{"--amp", "-0.1"}, "amp = -0.1 nA is outside the training range [-0.025, 0.56] nA (and 4 more); refusing to extrapolate"},
		{"amp -0.1 extrapolated", []string{"--amp", "-0.1", "--extrapolate"}, ""},
		{"amp 5 extrapolated", []string{"--amp", "5", "--extrapolate"}, "refused even with extrapolate"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "demo")
			var o, e bytes.Buffer
			err := cmdDemoIO(&o).Execute(context.Background(), append([]string{"--model", model, "--out", out}, c.args...), &e)
			switch {
			case c.err == "" && err != nil:
				t.Errorf("err = %v, want success", err)
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
				t.Errorf("err = %v, want %q", err, c.err)
			case c.err != "":
				if _, err := os.Stat(out); err == nil {
					t.Errorf("a refused demo created %s", out)
				}
			}
		})
	}
}

// TestDemoQuality checks that demo.md and stdout state the model's measured
// quality from report/results.json beside the model file, and say so when
// there is none.
func TestDemoQuality(t *testing.T) {
	model := synthModel(t)
	run := func() (string, string) {
		t.Helper()
		out := filepath.Join(t.TempDir(), "demo")
		var o, e bytes.Buffer
		if err := cmdDemoIO(&o).Execute(context.Background(), []string{"--model", model, "--out", out}, &e); err != nil {
			t.Fatal(err)
		}
		md, err := os.ReadFile(filepath.Join(out, "demo.md"))
		if err != nil {
			t.Fatal(err)
		}
		return o.String(), string(md)
	}
	if stdout, md := run(); !strings.Contains(md, "its quality is unknown") || !strings.Contains(stdout, "its quality is unknown") {
		t.Errorf("without a report: stdout %q, demo.md:\n%s", stdout, md)
	}
	report := filepath.Join(filepath.Dir(model), "report")
	if err := os.MkdirAll(report, 0o755); err != nil {
		t.Fatal(err)
	}
	results := `{"model":"m","cell":"c","splits":[
	  {"split":"test_seen","description":"training models at unseen currents","traces":256,"voltage_rel_l2_mean":0.0791,"firing":166,"missed_firing":11,
	   "features":[{"name":"Spikecount","n":155,"mean_rel":0.771}]},
	  {"split":"test_held","description":"held-out models","traces":256,"voltage_rel_l2_mean":0.0907,"firing":152,"missed_firing":8}]}`
	if err := os.WriteFile(filepath.Join(report, "results.json"), []byte(results), 0o644); err != nil {
		t.Fatal(err)
	}
	want := "measured by noble eval on 512 test traces: training models at unseen currents: voltage error 7.91 %, misses 11 of 166 firing traces, Spikecount error 77.1 %; held-out models: voltage error 9.07 %, misses 8 of 152 firing traces"
	if stdout, md := run(); !strings.Contains(md, want) || !strings.Contains(stdout, want) {
		t.Errorf("with a report: stdout %q, demo.md:\n%s\nwant %q", stdout, md, want)
	}
}
