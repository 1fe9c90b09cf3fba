package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/surrogate"
)

// tinyConfig is a small operator: fast enough for handler tests at the
// published length L = 8583.
func tinyConfig() fno.Config {
	return fno.Config{InChannels: surrogate.DefaultEmbedding().Channels(), Width: 4, Layers: 2, Modes: 8,
		LiftingChannels: 8, ProjectionChannels: 8, MLPHidden: 4, OutChannels: 1}
}

// testScaling is the F-I embedding range of the test model: I_thr in
// [0.1, 0.3] nA, s_thr in [100, 300] Hz/nA.
var testScaling = surrogate.Scaling{IThr: surrogate.Range{Min: 0.1, Max: 0.3}, SThr: surrogate.Range{Min: 100, Max: 300}, Lo: 0.5, Hi: 3.5}

// testHoF spans the scaling; its hull is the square of the four corners
// (the centre and the edge midpoint are interior or collinear).
var testHoF = []surrogate.HoF{
	{Name: "a", IThr: 0.1, SThr: 100, Split: "train"},
	{Name: "b", IThr: 0.3, SThr: 100, Split: "train"},
	{Name: "c", IThr: 0.3, SThr: 300, Split: "train"},
	{Name: "d", IThr: 0.1, SThr: 300, Split: "test"},
	{Name: "e", IThr: 0.2, SThr: 200, Split: "train"},
	{Name: "f", IThr: 0.2, SThr: 100, Split: "test"},
}

// writeTestModel saves a random model of cfg with the test metadata and
// returns its path.
func writeTestModel(t testing.TB, cfg fno.Config, seed uint64) string {
	t.Helper()
	hof, _ := json.Marshal(testHoF)
	return writeModelExtra(t, cfg, seed, map[string]string{
		surrogate.MetaHoF: string(hof), surrogate.MetaAmpRange: `{"min":-0.1,"max":0.5}`, "trained_by": "test",
	})
}

// writeModelExtra saves a random model of cfg with the test protocol and
// scaling and the given extra metadata, and returns its path.
func writeModelExtra(t testing.TB, cfg fno.Config, seed uint64, extra map[string]string) string {
	t.Helper()
	m, err := fno.New(cfg, seed)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	p, s := surrogate.DefaultProtocol(), testScaling
	spiky(t, m, p, s)
	meta := fno.Metadata{Protocol: &p, Scaling: &s, Extra: extra}
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := fno.SaveFile(path, m, meta); err != nil {
		t.Fatal(err)
	}
	return path
}

// newTestServer opens a tiny random model with settings s (nil: defaults)
// and returns the server and the model file's path.
func newTestServer(t testing.TB, s *Settings) (*Server, string) {
	t.Helper()
	path := writeTestModel(t, tinyConfig(), 7)
	srv, err := Open(path, s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv, path
}

// do sends one request to h and returns the recorded response.
func do(t testing.TB, h http.Handler, method, target, body string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// errorBody decodes a JSON error response.
func errorBody(t testing.TB, w *httptest.ResponseRecorder) string {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("error response Content-Type = %q, want application/json; body %q", ct, w.Body.String())
	}
	var e struct {
		Error string `json:"error"`
	}
	d := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
	d.DisallowUnknownFields()
	if err := d.Decode(&e); err != nil || e.Error == "" {
		t.Fatalf("error body %q is not {\"error\": msg}: %v", w.Body.String(), err)
	}
	return e.Error
}

// reference returns the traces (mV) the model file at path gives for sts,
// computed directly with fno and surrogate.
func reference(t testing.TB, path string, sts []Stimulus) [][]float32 {
	t.Helper()
	m, meta, err := fno.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	enc, err := surrogate.NewEncoder(*meta.Protocol, *meta.Scaling)
	if err != nil {
		t.Fatal(err)
	}
	l := meta.Protocol.Length
	out := make([][]float32, len(sts))
	for i, st := range sts {
		x, err := enc.Encode(nil, st.surrogate())
		if err != nil {
			t.Fatal(err)
		}
		out[i] = surrogate.VoltsToMV(m.Forward(nil, x, 1, l))
	}
	return out
}

// newTestLogger logs text lines to w.
func newTestLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// spiky shifts the output bias of a random model so that its trace at the
// centre of the test ranges fluctuates around −20 mV, eFEL's spike
// threshold: the random wiggles then count as spikes, and F-I curves and
// features have something to measure.
func spiky(t testing.TB, m *fno.Model, p surrogate.Protocol, s surrogate.Scaling) {
	t.Helper()
	if m.Config().InChannels != surrogate.DefaultEmbedding().Channels() {
		return
	}
	enc, err := surrogate.NewEncoder(p, s)
	if err != nil {
		t.Fatal(err)
	}
	x, err := enc.Encode(nil, surrogate.Stimulus{AmpNA: 0.2, IThr: 0.2, SThr: 200})
	if err != nil {
		t.Fatal(err)
	}
	y := m.Forward(nil, x, 1, p.Length)
	var mean float64
	for _, v := range y {
		mean += float64(v)
	}
	mean /= float64(len(y))
	sd := m.StateDict()
	for i := range sd {
		if sd[i].Name == "projection.fcs.1.bias" {
			sd[i].Data[0] += float32(-0.020 - mean) // volts
		}
	}
	if err := m.LoadStateDict(sd); err != nil {
		t.Fatal(err)
	}
}

// acquire takes a model instance as a request does, counting in the load,
// so that tests can hold the server busy; release gives it back.
func (srv *Server) acquire(ctx context.Context) (*instance, error) {
	srv.load.Add(1)
	select {
	case inst := <-srv.pool:
		return inst, nil
	case <-ctx.Done():
		srv.load.Add(-1)
		return nil, ctx.Err()
	}
}

func (srv *Server) release(inst *instance) {
	srv.pool <- inst
	srv.load.Add(-1)
}
