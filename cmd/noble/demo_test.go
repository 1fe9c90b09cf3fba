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
