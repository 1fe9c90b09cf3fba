package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/internal/cli"
	"github.com/noble-neuro/noble/server"
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

// TestOneRangePolicy checks that demo, synth and serve refuse the same
// out-of-range amplitude with the same message (synth.Surrogate.Admit), and
// that serve states the model's quality from report/results.json beside
// the model file.
func TestOneRangePolicy(t *testing.T) {
	model := synthModel(t) // amplitude range [-0.025, 0.56] nA
	const (
		value = "stimulus 0: amp = 5 nA is outside the training range [-0.025, 0.56] nA"
		rule  = "; refusing to extrapolate (opt in with extrapolate)"
	)
	_, _, synthErr := runSynthCmd("--model", model, "--ithr", "0.2", "--sthr", "200", "--amp", "5", "--quiet")
	var o, e bytes.Buffer
	demoErr := cmdDemoIO(&o).Execute(context.Background(), []string{"--model", model, "--out", t.TempDir(), "--amp", "5"}, &e)
	srv, err := server.Open(model, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest("POST", "/api/synth", strings.NewReader(`{"i_thr":0.2,"s_thr":200,"amp":5}`)))
	var body struct{ Error string }
	json.Unmarshal(w.Body.Bytes(), &body)

	if synthErr == nil || synthErr.Error() != value+rule {
		t.Errorf("synth: %v, want %q", synthErr, value+rule)
	}
	if w.Code != 422 || body.Error != value+rule {
		t.Errorf("serve: %d %q, want 422 %q", w.Code, body.Error, value+rule)
	}
	if demoErr == nil || !strings.HasPrefix(demoErr.Error(), value) || !strings.HasSuffix(demoErr.Error(), rule) {
		t.Errorf("demo: %v, want %q … %q", demoErr, value, rule)
	}
}

// TestServeQuality checks that serve reads the model's quality from
// report/results.json beside the model file for /api/model.
func TestServeQuality(t *testing.T) {
	model := serveModel(t)
	report := filepath.Join(filepath.Dir(model), "report")
	if err := os.MkdirAll(report, 0o755); err != nil {
		t.Fatal(err)
	}
	results := `{"splits":[{"split":"test_held","description":"held-out models","traces":256,"voltage_rel_l2_mean":0.0907,"firing":152,"missed_firing":8}]}`
	if err := os.WriteFile(filepath.Join(report, "results.json"), []byte(results), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- cmdServe().Execute(ctx, []string{"--model", model, "--addr", addr, "--quiet"}, &bytes.Buffer{})
	}()
	var resp *http.Response
	for range 200 {
		if resp, err = http.Get("http://" + addr + "/api/model"); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	var info server.ModelInfo
	json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	want := "measured by noble eval on 256 test traces: held-out models: voltage error 9.07 %, misses 8 of 152 firing traces"
	if info.Quality != want {
		t.Errorf("quality %q, want %q", info.Quality, want)
	}
	cancel()
	if err := <-done; err != nil {
		t.Error(err)
	}
}
