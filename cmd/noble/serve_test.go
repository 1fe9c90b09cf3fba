package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/internal/cli"
	"github.com/noble-neuro/noble/surrogate"
)

// serveModel saves a tiny model with an F-I scaling (required by serve).
func serveModel(t *testing.T) string {
	t.Helper()
	cfg := fno.Config{InChannels: 23, Width: 4, Layers: 2, Modes: 8, LiftingChannels: 6, ProjectionChannels: 8, MLPHidden: 2, OutChannels: 1}
	m, err := fno.New(cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s := surrogate.Scaling{IThr: surrogate.Range{Min: 0.1, Max: 0.3}, SThr: surrogate.Range{Min: 100, Max: 300}, Lo: 0.5, Hi: 3.5}
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := fno.SaveFile(path, m, fno.Metadata{Scaling: &s}); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestServeCommand runs "noble serve" on a free loopback port, answers a
// request, and stops with nil when its context is cancelled, as SIGTERM
// does through main's signal.NotifyContext.
func TestServeCommand(t *testing.T) {
	model := serveModel(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // a free port for the command to bind
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var stderr bytes.Buffer
	go func() {
		done <- cmdServe().Execute(ctx, []string{"--model", model, "--addr", addr, "--quiet"}, &stderr)
	}()
	var resp *http.Response
	for range 200 {
		if resp, err = http.Post("http://"+addr+"/api/synth", "application/json", strings.NewReader(`{"i_thr":0.2,"s_thr":200,"amp":0.1}`)); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("synth: %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after cancel: %v (%s)", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after cancel")
	}
}

func TestServeUsage(t *testing.T) {
	model := serveModel(t)
	for _, args := range [][]string{
		{},
		{"--model", model, "extra"},
		{"--model", model, "--concurrency", "-1"},
		{"--model", model, "--amp-range", "0.5,0.1"},
		{"--model", model, "--amp-range", "x"},
	} {
		err := cmdServe().Execute(context.Background(), args, &bytes.Buffer{})
		if !errors.Is(err, cli.ErrUsage) {
			t.Errorf("serve %q: %v, want a usage error", args, err)
		}
	}
	err := cmdServe().Execute(context.Background(), []string{"--model", model + ".missing"}, &bytes.Buffer{})
	if err == nil || cli.ExitCode(err) != 1 {
		t.Errorf("missing model: %v", err)
	}
	// The load-test mode serves privately and returns.
	err = cmdServe().Execute(context.Background(), []string{"--model", model, "--load-test", "6", "--load-clients", "2"}, &bytes.Buffer{})
	if err != nil {
		t.Errorf("--load-test: %v", err)
	}
}
