package main

import (
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
