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

	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/internal/cli"
	"github.com/noble-neuro/noble/internal/npy"
	"github.com/noble-neuro/noble/surrogate"
)

// synthModel saves a small random-weight model with a short protocol, a
// scaling and HoF embeddings; the tests check mechanics, not accuracy.
func synthModel(t *testing.T) string {
	t.Helper()
	cfg := fno.Config{InChannels: 23, Width: 4, Layers: 2, Modes: 8, LiftingChannels: 8, ProjectionChannels: 8, MLPHidden: 4, OutChannels: 1}
	m, err := fno.New(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	p := surrogate.Protocol{DtMS: 0.5, Length: 240, StimStartMS: 15, StimEndMS: 95, CurrentUnit: "0.1nA"}
	sc := surrogate.Scaling{IThr: surrogate.Range{Min: 0.1, Max: 0.3}, SThr: surrogate.Range{Min: 100, Max: 300}, Lo: 0.5, Hi: 3.5}
	hof := `[{"name":"a","i_thr":0.1,"s_thr":100,"split":"train"},{"name":"b","i_thr":0.3,"s_thr":120,"split":"train"},{"name":"c","i_thr":0.2,"s_thr":300,"split":"train"}]`
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := fno.SaveFile(path, m, fno.Metadata{Protocol: &p, Scaling: &sc, Extra: map[string]string{"hof": hof}}); err != nil {
		t.Fatal(err)
	}
	return path
}

func runSynthCmd(args ...string) (stdout, stderr string, err error) {
	var o, e bytes.Buffer
	err = cmdSynthIO(&o, &e).Execute(context.Background(), args, &e)
	return o.String(), e.String(), err
}

func TestSynthCommand(t *testing.T) {
	model := synthModel(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "v.npy")
	stim := filepath.Join(dir, "stim.csv")
	if _, msg, err := runSynthCmd("--model", model, "--ithr", "0.15,0.2", "--sthr", "150", "--amp", "0.1,0.2,0.3", "--out", out, "--stimuli", stim, "--quiet"); err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	a, err := npy.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Shape) != 2 || a.Shape[0] != 6 || a.Shape[1] != 240 {
		t.Errorf("shape %v, want [6 240]", a.Shape)
	}
	b, _ := os.ReadFile(stim)
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 7 || lines[2] != "1,0.15,150,0.2,true" {
		t.Errorf("stimuli:\n%s", b)
	}

	// zip, CSV out, JSON stats.
	csvOut, js := filepath.Join(dir, "v.csv"), filepath.Join(dir, "s.json")
	if _, msg, err := runSynthCmd("--model", model, "--ithr", "0.15,0.2", "--sthr", "150,160", "--amp", "0.2", "--combine", "zip", "--out", csvOut, "--stats", js, "--quiet"); err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	b, _ = os.ReadFile(csvOut)
	if h := strings.SplitN(string(b), "\n", 2)[0]; h != "time_ms,ithr=0.15/sthr=150/amp=0.2,ithr=0.2/sthr=160/amp=0.2" {
		t.Errorf("CSV header %q", h)
	}
	var st struct {
		Traces   int `json:"traces"`
		Features []struct {
			Name string `json:"name"`
			N    int    `json:"n"`
		} `json:"features"`
	}
	b, _ = os.ReadFile(js)
	if err := json.Unmarshal(b, &st); err != nil || st.Traces != 2 || st.Features[0].Name != "Spikecount" {
		t.Errorf("stats JSON %s (%v)", b, err)
	}

	// Ensembles are seeded: same seed, same bytes; stats table on stdout.
	e1, e2 := filepath.Join(dir, "e1.npy"), filepath.Join(dir, "e2.npy")
	for _, o := range []string{e1, e2} {
		if _, msg, err := runSynthCmd("--model", model, "--ithr", "0.2", "--sthr", "200", "--amp", "0.2", "--ensemble", "5", "--radius", "0.1", "--seed", "4", "--out", o, "--quiet"); err != nil {
			t.Fatalf("%v\n%s", err, msg)
		}
	}
	b1, _ := os.ReadFile(e1)
	b2, _ := os.ReadFile(e2)
	if !bytes.Equal(b1, b2) {
		t.Error("same seed, different ensembles")
	}
	stdout, msg, err := runSynthCmd("--model", model, "--hull", "8", "--amp", "0.2", "--quiet")
	if err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	if !strings.HasPrefix(stdout, "8 traces, 240 samples") || !strings.Contains(stdout, "steady_state_voltage") {
		t.Errorf("stdout:\n%s", stdout)
	}
}

// TestSynthRange checks synth's side of the one range policy (synth.Admit):
// refused by default, synthesised and flagged with --extrapolate (or its
// older name), refused beyond half a range width even then.
func TestSynthRange(t *testing.T) {
	model := synthModel(t)
	for _, c := range []struct {
		name       string
		args       []string
		err        string // substring of the error; "" for success
		stderrWant string
	}{
		{"refused", []string{"--ithr", "0.35"}, "stimulus 0: i_thr = 0.35 nA is outside the training range [0.1, 0.3] nA; refusing to extrapolate (opt in with extrapolate)", ""},
		{"extrapolate", []string{"--ithr", "0.35", "--extrapolate"}, "", "warning: EXTRAPOLATION: stimulus 0: i_thr = 0.35 nA"},
		{"older name", []string{"--ithr", "0.35", "--allow-extrapolation"}, "", "warning: EXTRAPOLATION: stimulus 0: i_thr = 0.35 nA"},
		{"beyond the bounds", []string{"--ithr", "0.5", "--extrapolate"}, "by more than 0.5 range widths (bounds [0, 0.4] nA); refused even with extrapolate", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"--model", model, "--sthr", "200", "--amp", "0.2", "--quiet"}, c.args...)
			_, stderr, err := runSynthCmd(args...)
			switch {
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
				t.Errorf("err = %v, want %q", err, c.err)
			case c.err == "" && (err != nil || !strings.Contains(stderr, c.stderrWant)):
				t.Errorf("err = %v, stderr %q, want %q", err, stderr, c.stderrWant)
			}
		})
	}
}

func TestSynthUsage(t *testing.T) {
	model := synthModel(t)
	for _, args := range [][]string{
		{"--model", model, "--ithr", "0.2", "--sthr", "200"},
		{"--model", model, "--ithr", "0.2", "--amp", "0.2"},
		{"--model", model, "--hull", "3", "--ithr", "0.2", "--amp", "0.2"},
		{"--model", model, "--ithr", "0.2", "--sthr", "200", "--amp", "0.2", "--out", "x.txt"},
		{"--model", model, "--ithr", "0.2", "--sthr", "200", "--amp", "0.2", "--combine", "outer"},
		{"--model", model, "--ithr", "0.2,x", "--sthr", "200", "--amp", "0.2"},
		{"--model", model, "--ithr", "0.2", "--sthr", "200", "--amp", "0.2", "--hull", "2", "--ensemble", "2"},
	} {
		if _, _, err := runSynthCmd(args...); !errors.Is(err, cli.ErrUsage) {
			t.Errorf("%q: err = %v, want a usage error", args, err)
		}
	}
}
