package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/internal/npy"
	"github.com/noble-neuro/noble/surrogate"
	"github.com/noble-neuro/noble/synth"
)

// TestEmbeddingEndToEnd trains a tiny run with a non-default embedding and
// uses its model file: synth encodes with the recorded embedding, predict
// takes its channel count and refuses NOBLE's 23.
func TestEmbeddingEndToEnd(t *testing.T) {
	data := trainDataset(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "tiny.json")
	os.WriteFile(cfg, []byte(`{"preset":"cpu","batch_size":4,"model":{"width":4,"layers":1,"modes":4,"lifting_channels":4,"projection_channels":4,"mlp_hidden":2}}`), 0o644)
	out := filepath.Join(dir, "run")
	if msg, err := runTrainCmd("--data", data, "--out", out, "--config", cfg, "--epochs", "1", "--embedding", "amp=3,i_thr=2,amp_type=amp", "--quiet"); err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	model := filepath.Join(out, "model.safetensors")
	want := surrogate.Embedding{AmpType: surrogate.EmbedAmp, AmpFrequencies: 3, FeatureType: surrogate.EmbedFreq,
		Features: []surrogate.FeatureEmbedding{{Name: surrogate.FeatureIThr, Frequencies: 2}}} // 1 + 6 + 4 channels
	b, _ := os.ReadFile(filepath.Join(out, "config.json"))
	if !strings.Contains(string(b), `"embedding": {`) {
		t.Errorf("config.json does not record the embedding:\n%s", b)
	}
	s, err := synth.Open(model)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Embedding.Equal(want) || s.Model.Config().InChannels != 11 {
		t.Errorf("model file: embedding %+v, %d channels; want %+v, 11", s.Embedding, s.Model.Config().InChannels, want)
	}
	s.Model.Close()

	v := filepath.Join(dir, "v.npy")
	if _, msg, err := runSynthCmd("--model", model, "--ithr", "0.12", "--sthr", "90", "--amp", "0.1,0.3", "--out", v, "--quiet"); err != nil {
		t.Fatalf("synth: %v\n%s", err, msg)
	}
	if a, err := npy.ReadFile(v); err != nil || len(a.Shape) != 2 || a.Shape[0] != 2 {
		t.Errorf("synth output %v (%v)", a.Shape, err)
	}

	// predict on the encoder's input gives synth's traces (in volts).
	m, meta, err := fno.LoadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	enc, err := surrogate.NewEncoderEmbedding(*meta.Protocol, *meta.Scaling, &want)
	if err != nil {
		t.Fatal(err)
	}
	x, err := enc.EncodeBatch(nil, []surrogate.Stimulus{{AmpNA: 0.1, IThr: 0.12, SThr: 90}, {AmpNA: 0.3, IThr: 0.12, SThr: 90}})
	if err != nil {
		t.Fatal(err)
	}
	l := meta.Protocol.Length
	in, y := filepath.Join(dir, "x.npy"), filepath.Join(dir, "y.npy")
	if err := npy.WriteFileFloat32(in, []int{2, 11, l}, x); err != nil {
		t.Fatal(err)
	}
	if msg, err := runPredict("--model", model, "--input", in, "--out", y, "--quiet"); err != nil {
		t.Fatalf("predict: %v\n%s", err, msg)
	}
	a, err := npy.ReadFile(y)
	if err != nil {
		t.Fatal(err)
	}
	sv, _ := npy.ReadFile(v)
	if len(a.F32) != 2*l || len(sv.F32) != 2*l {
		t.Fatalf("predict %d, synth %d float32 values, want %d", len(a.F32), len(sv.F32), 2*l)
	}
	for i, u := range a.F32 {
		if got, want := 1000*u, sv.F32[i]; got != want {
			t.Fatalf("predict sample %d = %g mV, synth %g mV", i, got, want)
		}
	}
	bad := filepath.Join(dir, "x23.npy")
	if err := npy.WriteFileFloat32(bad, []int{1, 23, l}, make([]float32, 23*l)); err != nil {
		t.Fatal(err)
	}
	if _, err := runPredict("--model", model, "--input", bad, "--out", y, "--quiet"); err == nil || !strings.Contains(err.Error(), "has 23 channels, the model takes 11 (the model's embedding is amp=3,i_thr=2,amp_type=amp)") {
		t.Errorf("predict on 23 input channels for an 11-channel model: %v", err)
	}
	if _, err := runTrainCmd("--data", data, "--out", filepath.Join(dir, "bad"), "--embedding", "amp=9,AHP_depth=1", "--quiet"); err == nil || !strings.Contains(err.Error(), "AHP_depth") {
		t.Errorf("--embedding with an unknown column: %v", err)
	}
}

// TestAHPDepthEndToEnd trains NOBLE's ablation embedding (both F-I
// features + AHP depth, 25 channels) on a dataset made without AHP_depth,
// attaching a feature table with the column at training time, then
// evaluates the model on that dataset; synth refuses it by name. Tables
// that lack the column or are not the dataset's are refused, naming the
// file.
func TestAHPDepthEndToEnd(t *testing.T) {
	data := trainDataset(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "tiny.json")
	os.WriteFile(cfg, []byte(`{"preset":"cpu","batch_size":4,"model":{"width":4,"layers":1,"modes":4,"lifting_channels":4,"projection_channels":4,"mlp_hidden":2}}`), 0o644)
	table := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// trainDataset's models and embeddings, plus AHP_depth (mV).
	good := table("ahp.csv", "parameters,i_thr_nA,s_thr_hz_per_nA,AHP_depth\na.json,0.1,100,-10\nb.json,0.12,90,-14\nc.json,0.14,80,-8\nd.json,0.11,95,-12\n")
	old := table("old.csv", "parameters,i_thr_nA,s_thr_hz_per_nA\na.json,0.1,100\nb.json,0.12,90\nc.json,0.14,80\nd.json,0.11,95\n")
	other := table("other.csv", "parameters,i_thr_nA,s_thr_hz_per_nA,AHP_depth\na.json,0.1,100,-10\nb.json,0.125,90,-14\nc.json,0.14,80,-8\nd.json,0.11,95,-12\n")
	const spec = "amp=9,s_thr=1,i_thr=1,AHP_depth=1"
	for _, c := range []struct {
		name  string
		extra []string
		want  string
	}{
		{"dataset without the column", nil, filepath.Join(data, "manifest.json") + ": train: invalid data: the dataset's models have no AHP_depth"},
		{"table without the column", []string{"--embeddings", old}, old + `:1: dataset: bad embeddings file: no column "AHP_depth"`},
		{"table of other embeddings", []string{"--embeddings", other}, other + ": dataset: bad embeddings file: model b: I_thr 0.125 nA"},
	} {
		args := append([]string{"--data", data, "--out", filepath.Join(dir, "bad"), "--config", cfg, "--epochs", "1", "--embedding", spec, "--quiet"}, c.extra...)
		if _, err := runTrainCmd(args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", c.name, err, c.want)
		}
	}

	out := filepath.Join(dir, "run")
	if msg, err := runTrainCmd("--data", data, "--out", out, "--config", cfg, "--epochs", "1", "--embedding", spec, "--embeddings", good, "--quiet"); err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	model := filepath.Join(out, "model.safetensors")
	s, err := synth.Open(model)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := s.Scaling.Features.Get(surrogate.FeatureAHPDepth)
	if s.Model.Config().InChannels != 25 || !ok || r != (surrogate.Range{Min: -14, Max: -8}) {
		t.Errorf("model file: %d channels, AHP_depth range %+v (%v); want 25 and [-14, -8] mV", s.Model.Config().InChannels, r, ok)
	}
	if v, _ := s.HoF[1].Features.Get(surrogate.FeatureAHPDepth); len(s.HoF) != 4 || s.HoF[1].Name != "b" || v != -14 {
		t.Errorf("model file's models %+v, want b with AHP_depth −14 mV", s.HoF)
	}
	s.Model.Close()

	rep := filepath.Join(dir, "rep")
	var o, e bytes.Buffer
	if err := cmdEvalIO(&o, &e).Execute(context.Background(), []string{"--model", model, "--data", data, "--out", rep,
		"--fi-points", "3", "--pop-size", "10", "--speed-batch", "2", "--speed-reps", "1"}, &e); err != nil {
		t.Fatalf("eval: %v\n%s", err, e.String())
	}
	if !strings.Contains(e.String(), "population skipped: the model embeds AHP_depth") {
		t.Errorf("eval stderr:\n%s", e.String())
	}
	if st, err := os.Stat(filepath.Join(rep, "report.md")); err != nil || st.Size() == 0 {
		t.Errorf("report.md: %v", err)
	}

	_, _, err = runSynthCmd("--model", model, "--ithr", "0.12", "--sthr", "90", "--amp", "0.1", "--out", filepath.Join(dir, "v.npy"), "--quiet")
	if err == nil || !strings.Contains(err.Error(), model+": synth: unusable model file: the model embeds AHP_depth") {
		t.Errorf("synth of an AHP_depth model: %v", err)
	}
}
