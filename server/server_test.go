package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noble-neuro/noble/fi"
	"github.com/noble-neuro/noble/internal/npy"
	"github.com/noble-neuro/noble/surrogate"
)

// TestErrors checks the status and message of every refused request.
func TestErrors(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, &Settings{MaxBodyBytes: 4096, MaxBatch: 3, MaxFIPoints: 5, MaxEnsemble: 4})
	big := `{"stimuli":[` + strings.Repeat(`{"i_thr":0.2,"s_thr":200,"amp":0.1},`, 200) + `{"i_thr":0.2,"s_thr":200,"amp":0.1}]}`
	four := `{"stimuli":[` + strings.Repeat(`{"i_thr":0.2,"s_thr":200,"amp":0.1},`, 3) + `{"i_thr":0.2,"s_thr":200,"amp":0.1}]}`
	for _, c := range []struct {
		name, method, target, body string
		hdr                        []string
		status                     int
		msg                        string // a substring of the error message
	}{
		{"unknown api path", "GET", "/api/nope", "", nil, 404, "no endpoint /api/nope"},
		{"healthz POST", "POST", "/healthz", "{}", nil, 405, "method POST not allowed"},
		{"model DELETE", "DELETE", "/api/model", "", nil, 405, "use GET HEAD"},
		{"synth GET", "GET", "/api/synth", "", nil, 405, "use POST"},
		{"fi GET", "GET", "/api/fi", "", nil, 405, "use POST"},
		{"ensemble PUT", "PUT", "/api/ensemble", "{}", nil, 405, "use POST"},
		{"static POST", "POST", "/", "x", nil, 405, "not allowed"},

		{"empty body", "POST", "/api/synth", "", nil, 400, "empty request body"},
		{"malformed", "POST", "/api/synth", `{"i_thr":0.2,`, nil, 400, "unexpected end"},
		{"syntax", "POST", "/api/synth", `{"i_thr":x}`, nil, 400, "malformed JSON at byte"},
		{"not an object", "POST", "/api/synth", `[1,2]`, nil, 400, "must be a JSON object"},
		{"unknown field", "POST", "/api/synth", `{"i_thr":0.2,"s_thr":200,"amp":0.1,"volts":1}`, nil, 400, `unknown field "volts"`},
		{"wrong type", "POST", "/api/synth", `{"i_thr":"0.2","s_thr":200,"amp":0.1}`, nil, 400, `field "i_thr": JSON string where a number was expected`},
		{"number overflow", "POST", "/api/synth", `{"i_thr":1e999,"s_thr":200,"amp":0.1}`, nil, 400, `field "i_thr"`},
		{"trailing data", "POST", "/api/synth", `{"i_thr":0.2,"s_thr":200,"amp":0.1} {}`, nil, 400, "trailing data"},
		{"missing s_thr", "POST", "/api/synth", `{"i_thr":0.2,"amp":0.1}`, nil, 400, "s_thr: missing"},
		{"missing amp in list", "POST", "/api/synth", `{"stimuli":[{"i_thr":0.2,"s_thr":200}]}`, nil, 400, "stimuli[0].amp: missing"},
		{"no stimulus", "POST", "/api/synth", `{}`, nil, 400, "no stimulus"},
		{"empty stimuli", "POST", "/api/synth", `{"stimuli":[]}`, nil, 400, "no stimulus"},
		{"both forms", "POST", "/api/synth", `{"i_thr":0.2,"stimuli":[{"i_thr":0.2,"s_thr":200,"amp":0.1}]}`, nil, 400, "not both"},
		{"bad format", "POST", "/api/synth?format=xml", `{"i_thr":0.2,"s_thr":200,"amp":0.1}`, nil, 400, `format "xml"`},
		{"body too large", "POST", "/api/synth", big, nil, 413, "exceeds the limit of 4096 bytes"},
		{"batch too large", "POST", "/api/synth", four, nil, 422, "4 stimuli exceed the batch limit of 3"},
		{"out of range", "POST", "/api/synth", `{"i_thr":0.31,"s_thr":200,"amp":0.1}`, nil, 422,
			"stimulus 0: i_thr = 0.31 nA is outside the training range [0.1, 0.3] nA; refusing to extrapolate (opt in with extrapolate)"},
		{"i_thr far out", "POST", "/api/synth", `{"i_thr":0.5,"s_thr":200,"amp":0.1,"extrapolate":true}`, nil, 422,
			"stimulus 0: i_thr = 0.5 nA is outside the training range [0.1, 0.3] nA by more than 0.5 range widths (bounds [0, 0.4] nA); refused even with extrapolate"},
		{"s_thr far out", "POST", "/api/synth", `{"stimuli":[{"i_thr":0.2,"s_thr":200,"amp":0.1},{"i_thr":0.2,"s_thr":-1000,"amp":0.1}],"extrapolate":true}`, nil, 422, "stimulus 1: s_thr = -1000 Hz/nA"},
		{"amp far out", "POST", "/api/synth", `{"i_thr":0.2,"s_thr":200,"amp":3}`, nil, 422, "amp = 3 nA"},
		{"strict out of range", "POST", "/api/synth", `{"i_thr":0.31,"s_thr":200,"amp":0.1,"strict":true}`, nil, 422, "refusing to extrapolate"},
		{"strict and extrapolate", "POST", "/api/synth", `{"i_thr":0.2,"s_thr":200,"amp":0.1,"strict":true,"extrapolate":true}`, nil, 400, "not both"},

		{"fi missing s_thr", "POST", "/api/fi", `{"i_thr":0.2}`, nil, 400, "i_thr and s_thr are required"},
		{"fi bad rate", "POST", "/api/fi", `{"i_thr":0.2,"s_thr":200,"rate":"isi"}`, nil, 400, `rate "isi"`},
		{"fi both grids", "POST", "/api/fi", `{"i_thr":0.2,"s_thr":200,"amps":[0.1],"points":3}`, nil, 400, "not both"},
		{"fi empty amps", "POST", "/api/fi", `{"i_thr":0.2,"s_thr":200,"amps":[]}`, nil, 400, "amps is empty"},
		{"fi too many amps", "POST", "/api/fi", `{"i_thr":0.2,"s_thr":200,"amps":[0,0.1,0.2,0.3,0.4,0.45]}`, nil, 422, "6 amplitudes exceed the limit of 5"},
		{"fi too many points", "POST", "/api/fi", `{"i_thr":0.2,"s_thr":200,"points":6}`, nil, 422, "6 points exceed the limit of 5"},
		{"fi one point", "POST", "/api/fi", `{"i_thr":0.2,"s_thr":200,"points":1}`, nil, 422, "at least 2"},
		{"fi inverted grid", "POST", "/api/fi", `{"i_thr":0.2,"s_thr":200,"amp_min":0.3,"amp_max":0.1,"points":3}`, nil, 422, "must be below"},
		{"fi amp far out", "POST", "/api/fi", `{"i_thr":0.2,"s_thr":200,"amps":[0.1,5]}`, nil, 422, "stimulus 1: amp = 5 nA"},
		{"fi i_thr far out", "POST", "/api/fi", `{"i_thr":-3,"s_thr":200,"points":3}`, nil, 422, "i_thr = -3 nA"},

		{"ensemble missing amp", "POST", "/api/ensemble", `{"i_thr":0.2,"s_thr":200}`, nil, 400, "amp: missing"},
		{"ensemble too many", "POST", "/api/ensemble", `{"i_thr":0.2,"s_thr":200,"amp":0.1,"n":5}`, nil, 422, "n = 5 exceeds the ensemble limit of 4"},
		{"ensemble negative n", "POST", "/api/ensemble", `{"i_thr":0.2,"s_thr":200,"amp":0.1,"n":-1}`, nil, 422, "n = -1"},
		{"ensemble zero radius", "POST", "/api/ensemble", `{"i_thr":0.2,"s_thr":200,"amp":0.1,"radius":0,"n":2}`, nil, 422, "radius = 0"},
		{"ensemble huge radius", "POST", "/api/ensemble", `{"i_thr":0.2,"s_thr":200,"amp":0.1,"radius":2,"n":2}`, nil, 422, "radius = 2"},
		{"ensemble negative seed", "POST", "/api/ensemble", `{"i_thr":0.2,"s_thr":200,"amp":0.1,"seed":-1}`, nil, 400, `field "seed"`},
		{"ensemble centre out", "POST", "/api/ensemble", `{"i_thr":0.39,"s_thr":390,"amp":0.1,"n":4}`, nil, 422, "ensemble centre stimulus 0: i_thr = 0.39 nA"},
		{"ensemble leaves range", "POST", "/api/ensemble", `{"i_thr":0.29,"s_thr":290,"amp":0.1,"radius":0.5,"n":4,"seed":3}`, nil, 422, "refusing to extrapolate (opt in with extrapolate) (reduce radius"},
		{"ensemble leaves hard range", "POST", "/api/ensemble", `{"i_thr":0.39,"s_thr":390,"amp":0.1,"radius":1,"n":4,"seed":3,"extrapolate":true}`, nil, 422, "reduce radius"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := do(t, srv, c.method, c.target, c.body, c.hdr...)
			if w.Code != c.status {
				t.Fatalf("%s %s %.80q: status %d, want %d; body %.300s", c.method, c.target, c.body, w.Code, c.status, w.Body)
			}
			if msg := errorBody(t, w); !strings.Contains(msg, c.msg) {
				t.Errorf("error %q does not contain %q", msg, c.msg)
			}
			if c.status == 405 && w.Header().Get("Allow") == "" {
				t.Error("405 without an Allow header")
			}
		})
	}
}

// TestQuality checks that /api/model states the model's quality from
// Settings.Quality, or that it is unknown, and that the explorer's header
// has the element the page writes it into.
func TestQuality(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ set, want string }{
		{"", unknownQuality},
		{"measured by noble eval on 512 test traces: …", "measured by noble eval on 512 test traces: …"},
	} {
		srv, _ := newTestServer(t, &Settings{Quality: c.set})
		var info ModelInfo
		if err := json.Unmarshal(do(t, srv, "GET", "/api/model", "").Body.Bytes(), &info); err != nil {
			t.Fatal(err)
		}
		if info.Quality != c.want {
			t.Errorf("Settings.Quality %q: /api/model quality %q, want %q", c.set, info.Quality, c.want)
		}
	}
	srv, _ := newTestServer(t, nil)
	page := do(t, srv, "GET", "/", "").Body.String()
	header, _, _ := strings.Cut(page, "</header>")
	if !strings.Contains(header, `id="model-quality"`) {
		t.Errorf("the explorer's header has no model-quality element:\n%s", header)
	}
}

// TestModelInfo checks GET /api/model and GET /healthz.
func TestModelInfo(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, &Settings{Concurrency: 2, MaxQueue: 3})
	w := do(t, srv, "GET", "/healthz", "")
	if w.Code != 200 || strings.TrimSpace(w.Body.String()) != `{"status":"ok"}` {
		t.Fatalf("healthz: %d %s", w.Code, w.Body)
	}
	w = do(t, srv, "GET", "/api/model", "")
	if w.Code != 200 {
		t.Fatalf("model: %d %s", w.Code, w.Body)
	}
	var info ModelInfo
	if err := json.Unmarshal(w.Body.Bytes(), &info); err != nil {
		t.Fatal(err)
	}
	if info.Parameters != tinyConfig().NumParams() || info.Config.Width != 4 || info.Protocol.Length != 8583 || info.Protocol.DtMS != 0.06 {
		t.Errorf("config/protocol: %+v %+v, %d params", info.Config, info.Protocol, info.Parameters)
	}
	// Extrapolation limit: half a range width beyond each end.
	if got, want := info.Ranges["i_thr"], (RangeInfo{0.1, 0.3, 0, 0.4, "nA"}); got != want {
		t.Errorf("ranges[i_thr] = %+v, want %+v", got, want)
	}
	if got, want := info.Ranges["amp"], (RangeInfo{-0.1, 0.5, -0.4, 0.8, "nA"}); got != want {
		t.Errorf("ranges[amp] = %+v, want %+v", got, want)
	}
	if len(info.HoF) != len(testHoF) || info.HoF[3].Split != "test" {
		t.Errorf("hof = %+v", info.HoF)
	}
	wantHull := []Embedding{{0.1, 100}, {0.3, 100}, {0.3, 300}, {0.1, 300}}
	if !slices.Equal(info.Hull, wantHull) {
		t.Errorf("hull = %v, want %v", info.Hull, wantHull)
	}
	if info.Limits.Concurrency != 2 || info.Limits.MaxQueue != 3 || info.Limits.MaxBatch != 64 || info.Limits.TimeoutS != 60 {
		t.Errorf("limits = %+v", info.Limits)
	}
	if !info.Embedding.IsDefault() {
		t.Errorf("embedding = %v, want NOBLE's", info.Embedding)
	}
	if info.Extra["trained_by"] != "test" || len(info.Extra) != 1 {
		t.Errorf("extra = %v, want only trained_by", info.Extra)
	}
	if w.Header().Get("Content-Security-Policy") == "" || w.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Error("security headers missing")
	}
}

// TestSynth checks traces against the operator run directly, the flags,
// the features and the NPY form.
func TestSynth(t *testing.T) {
	t.Parallel()
	srv, path := newTestServer(t, &Settings{Chunk: 2})
	sts := []Stimulus{{0.2, 200, 0.1}, {0.1, 300, 0.3}, {0.32, 150, 0}, {0.25, 120, -0.05}, {0.15, 250, 0.45}}
	want := reference(t, path, sts)
	body, _ := json.Marshal(map[string]any{"stimuli": sts, "extrapolate": true})

	w := do(t, srv, "POST", "/api/synth", string(body))
	if w.Code != 200 {
		t.Fatalf("synth: %d %.300s", w.Code, w.Body)
	}
	var resp struct {
		TimeAxis
		Traces []struct {
			Stimulus
			Flags
			VmV           []float32                   `json:"v_mv"`
			Features      map[string]*json.RawMessage `json:"features"`
			FeaturesError string                      `json:"features_error"`
		} `json:"traces"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	if resp.DtMS != 0.06 || resp.Length != 8583 || resp.StimStartMS != 15 || resp.StimEndMS != 415 || resp.Unit != "mV" {
		t.Errorf("time axis %+v", resp.TimeAxis)
	}
	if len(resp.Traces) != len(sts) {
		t.Fatalf("%d traces, want %d", len(resp.Traces), len(sts))
	}
	for i, tr := range resp.Traces {
		if tr.Stimulus != sts[i] {
			t.Errorf("trace %d: stimulus %+v, want %+v", i, tr.Stimulus, sts[i])
		}
		// JSON carries float32 in its shortest round-trip form: exact.
		if d := maxDiff(tr.VmV, want[i]); d > tol {
			t.Errorf("trace %d differs from the direct forward pass by %g mV", i, d)
		}
		if tr.Features["Spikecount"] == nil || tr.FeaturesError != "" {
			t.Errorf("trace %d: no Spikecount (error %q)", i, tr.FeaturesError)
		}
		wantIn := i != 2 // i_thr 0.32 is outside [0.1, 0.3]
		if tr.InRange != wantIn || (len(tr.Warnings) > 0) == wantIn {
			t.Errorf("trace %d: in_range %v warnings %q, want in_range %v", i, tr.InRange, tr.Warnings, wantIn)
		}
		if tr.InHull == nil || *tr.InHull != wantIn {
			t.Errorf("trace %d: in_hull %v, want %v", i, tr.InHull, wantIn)
		}
	}
	if w := resp.Traces[2].Warnings; len(w) != 1 || !strings.Contains(w[0], "i_thr = 0.32 nA is outside the training range [0.1, 0.3] nA") {
		t.Errorf("warnings %q", w)
	}

	// Features off, single-stimulus form.
	w = do(t, srv, "POST", "/api/synth", `{"i_thr":0.2,"s_thr":200,"amp":0.1,"features":false}`)
	if w.Code != 200 || strings.Contains(w.Body.String(), `"features"`) {
		t.Fatalf("features:false: %d, features present: %v", w.Code, strings.Contains(w.Body.String(), `"features"`))
	}

	// NPY by query and by Accept.
	for _, c := range []struct{ target, accept string }{
		{"/api/synth?format=npy", ""},
		{"/api/synth", "application/json;q=0.5, application/x-npy"},
	} {
		w := do(t, srv, "POST", c.target, string(body), "Accept", c.accept)
		if w.Code != 200 || w.Header().Get("Content-Type") != "application/x-npy" {
			t.Fatalf("%s accept %q: %d %s", c.target, c.accept, w.Code, w.Header().Get("Content-Type"))
		}
		a, err := npy.Read(w.Body)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(a.Shape, []int{len(sts), 8583}) {
			t.Fatalf("npy shape %v", a.Shape)
		}
		for i := range sts {
			if !slices.Equal(a.F32[i*8583:(i+1)*8583], resp.Traces[i].VmV) {
				t.Errorf("npy trace %d differs from the JSON trace", i)
			}
		}
		if got := w.Header().Get("X-Noble-Out-Of-Range"); got != "2" {
			t.Errorf("X-Noble-Out-Of-Range = %q, want 2", got)
		}
		if got := w.Header().Get("X-Noble-Dt-Ms"); got != "0.06" {
			t.Errorf("X-Noble-Dt-Ms = %q", got)
		}
	}
}

// TestFI checks /api/fi against fi.Curve of the direct traces.
func TestFI(t *testing.T) {
	t.Parallel()
	srv, path := newTestServer(t, nil)
	w := do(t, srv, "POST", "/api/fi", `{"i_thr":0.2,"s_thr":200,"amps":[0,0.2,0.4],"embed":true}`)
	if w.Code != 200 {
		t.Fatalf("fi: %d %s", w.Code, w.Body)
	}
	var resp FIResponse
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.Points) != 3 || resp.Rate != "count" || !resp.InRange {
		t.Fatalf("fi response %+v", resp)
	}
	// The surrogate's own embedding, found by fi.Embed on the direct
	// forward pass: the same simulations, so the same numbers.
	direct := func(ctx context.Context, amp float64) ([]float64, error) {
		v := reference(t, path, []Stimulus{{0.2, 200, amp}})[0]
		out := make([]float64, len(v))
		for i, u := range v {
			out[i] = float64(u)
		}
		return out, nil
	}
	res, err := fi.Embed(context.Background(), direct, srv.fiSettings(fi.RateCount))
	if err != nil {
		t.Fatal(err)
	}
	// An embedding that fi.Result.Check refuses is not shown, and the
	// response says why.
	if cerr := res.Check(); cerr != nil {
		if resp.Embed != nil || resp.EmbedError != cerr.Error() {
			t.Errorf("embedding %+v (error %q), want none and error %q", resp.Embed, resp.EmbedError, cerr)
		}
	} else if resp.Embed == nil || float64(resp.Embed.IThr) != res.IThr || float64(resp.Embed.SThr) != res.SThr {
		t.Errorf("embedding %+v (error %q), want %+v", resp.Embed, resp.EmbedError, res)
	}
	// Spikes of the direct traces, counted as eFEL peaks in the window.
	want := reference(t, path, []Stimulus{{0.2, 200, 0}, {0.2, 200, 0.2}, {0.2, 200, 0.4}})
	inst, _ := srv.acquire(context.Background())
	spikes := 0
	for i, p := range resp.Points {
		spikes += p.Spikes
		fv, err := inst.features(want[i])
		if err != nil {
			t.Fatal(err)
		}
		n, _ := fv.First("Spikecount_stimint")
		if p.Spikes != int(n) || float64(p.Rate) != float64(p.Spikes)*1000/400 {
			t.Errorf("point %d: spikes %d rate %g, want %g spikes, rate spikes/0.4 s", i, p.Spikes, p.Rate, n)
		}
	}
	srv.release(inst)
	if spikes == 0 {
		t.Error("no spikes on the F-I curve: the test model should fire")
	}

	// Default grid: 21 points over [0, 0.5] nA.
	w = do(t, srv, "POST", "/api/fi", `{"i_thr":0.2,"s_thr":200,"rate":"mean_frequency"}`)
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil || w.Code != 200 {
		t.Fatalf("%d %v", w.Code, err)
	}
	if len(resp.Points) != 21 || resp.Points[0].Amp != 0 || math.Abs(resp.Points[20].Amp-0.5) > 1e-15 || resp.Rate != "mean_frequency" {
		t.Errorf("default grid: %d points from %g to %g, rate %s", len(resp.Points), resp.Points[0].Amp, resp.Points[len(resp.Points)-1].Amp, resp.Rate)
	}
	w = do(t, srv, "POST", "/api/fi?format=npy", `{"i_thr":0.2,"s_thr":200,"amp_min":0.1,"amp_max":0.3,"points":3}`)
	a, err := npy.Read(w.Body)
	if err != nil || !slices.Equal(a.Shape, []int{3, 4}) || a.F64[4] != 0.2 {
		t.Errorf("fi npy: %v shape %v", err, a)
	}
}

// TestEnsemble checks the samples, the band statistics and determinism.
func TestEnsemble(t *testing.T) {
	t.Parallel()
	srv, path := newTestServer(t, nil)
	req := `{"i_thr":0.2,"s_thr":200,"amp":0.2,"n":5,"radius":0.1,"seed":42,"traces":true}`
	w := do(t, srv, "POST", "/api/ensemble", req)
	if w.Code != 200 {
		t.Fatalf("ensemble: %d %s", w.Code, w.Body)
	}
	var resp EnsembleResponse
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	if resp.N != 5 || len(resp.Samples) != 5 || len(resp.Traces) != 5 || resp.Seed != 42 {
		t.Fatalf("n %d samples %d traces %d", resp.N, len(resp.Samples), len(resp.Traces))
	}
	sts := make([]Stimulus, 5)
	for k, s := range resp.Samples {
		// Inside the ellipse with semi-axes 0.1·0.2 nA and 0.1·200 Hz/nA.
		dx, dy := (s.IThr-0.2)/0.02, (s.SThr-200)/20
		if dx*dx+dy*dy > 1+1e-12 || s.Amp != 0.2 {
			t.Errorf("sample %d = %+v outside the neighbourhood", k, s.Stimulus)
		}
		sts[k] = s.Stimulus
	}
	want := reference(t, path, sts)
	for k := range want {
		if d := maxDiff(resp.Traces[k], want[k]); d > tol {
			t.Errorf("trace %d differs from the direct forward pass by %g mV", k, d)
		}
	}
	want = resp.Traces // the band is computed from these
	b := resp.Band
	for j := range 8583 {
		col := []float64{}
		var sum float64
		for k := range want {
			col = append(col, float64(want[k][j]))
			sum += float64(want[k][j])
		}
		slices.Sort(col)
		if b.Min[j] != float32(col[0]) || b.Max[j] != float32(col[4]) || b.Q50[j] != float32(col[2]) {
			t.Fatalf("sample %d: min/median/max %g %g %g, want %v", j, b.Min[j], b.Q50[j], b.Max[j], col)
		}
		// numpy.quantile(col, 0.05) = col[0] + 0.2·(col[1]−col[0]).
		if q := float32(col[0] + 0.2*(col[1]-col[0])); b.Q05[j] != q {
			t.Fatalf("sample %d: q05 %g, want %g", j, b.Q05[j], q)
		}
		if m := float32(sum / 5); math.Abs(float64(b.Mean[j]-m)) > 1e-6*math.Abs(float64(m)) {
			t.Fatalf("sample %d: mean %g, want %g", j, b.Mean[j], m)
		}
		if !(b.Min[j] <= b.Q05[j] && b.Q05[j] <= b.Q50[j] && b.Q50[j] <= b.Q95[j] && b.Q95[j] <= b.Max[j]) {
			t.Fatalf("sample %d: band not ordered", j)
		}
	}
	if s := resp.Features["Spikecount"]; s.N != 5 || !finite(float64(s.Mean)) {
		t.Errorf("Spikecount summary %+v", s)
	}

	// Same request, same answer; a smaller n gives the same first samples.
	w2 := do(t, srv, "POST", "/api/ensemble", req)
	if !bytes.Equal(w.Body.Bytes(), w2.Body.Bytes()) {
		t.Error("ensemble is not deterministic for a fixed seed")
	}
	w3 := do(t, srv, "POST", "/api/ensemble", strings.Replace(req, `"n":5`, `"n":3`, 1))
	var r3 EnsembleResponse
	json.Unmarshal(w3.Body.Bytes(), &r3)
	if len(r3.Samples) != 3 {
		t.Fatalf("n=3: %d samples", len(r3.Samples))
	}
	for k, s := range r3.Samples {
		if s.Stimulus != resp.Samples[k].Stimulus {
			t.Errorf("sample %d depends on n: %+v, want %+v", k, s.Stimulus, resp.Samples[k].Stimulus)
		}
	}

	for _, c := range []struct {
		body  string
		shape []int
	}{{req, []int{5, 8583}}, {strings.Replace(req, `"traces":true`, `"traces":false`, 1), []int{7, 8583}}} {
		w := do(t, srv, "POST", "/api/ensemble?format=npy", c.body)
		a, err := npy.Read(w.Body)
		if err != nil || !slices.Equal(a.Shape, c.shape) {
			t.Errorf("ensemble npy: %v, shape %v, want %v", err, a, c.shape)
		}
	}
}

// TestBusyAndTimeout checks the answers of a loaded server: 503 with an
// honest Retry-After (the admitted work over the instances) when the queue
// is full or no instance comes free in time; 413 without Retry-After for a
// request whose estimated computation exceeds the time limit (the n = 256
// ensemble that answered 503 with Retry-After: 1, forever); 503 without
// Retry-After when an admitted computation runs past the limit.
func TestBusyAndTimeout(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, &Settings{Concurrency: 1, MaxQueue: 1, Timeout: 400 * time.Millisecond})
	srv.cost.seed(0.05) // s per trace: the waiter below is 0.15 s of work
	inst, err := srv.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan *httptest.ResponseRecorder)
	go func() {
		done <- do(t, srv, "POST", "/api/synth", `{"stimuli":[{"i_thr":0.2,"s_thr":200,"amp":0.1},{"i_thr":0.2,"s_thr":200,"amp":0.1},{"i_thr":0.2,"s_thr":200,"amp":0.1}]}`)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for srv.load.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	w := do(t, srv, "POST", "/api/synth", `{"i_thr":0.2,"s_thr":200,"amp":0.1}`)
	// Pending work: the waiter's 0.15 s, rounded up to whole seconds.
	if w.Code != 503 || w.Header().Get("Retry-After") != "1" || !strings.Contains(errorBody(t, w), "server busy") {
		t.Errorf("full queue: %d Retry-After %q %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	w = <-done
	if w.Code != 503 || w.Header().Get("Retry-After") == "" || !strings.Contains(errorBody(t, w), "no model instance came free within the time limit") {
		t.Errorf("waiting past the time limit: %d %s", w.Code, w.Body)
	}
	srv.release(inst)
	srv.set.Timeout = time.Minute // the computation below must not race a short limit (-race is slow)
	if w := do(t, srv, "POST", "/api/synth", `{"i_thr":0.2,"s_thr":200,"amp":0.1}`); w.Code != 200 {
		t.Errorf("after release: %d %s", w.Code, w.Body)
	}
	// The estimate follows what the server measures.
	if p := srv.cost.estimate(1); p == 0.05 || p <= 0 {
		t.Errorf("seconds per trace %g: not updated by the finished request", p)
	}

	// Retry-After counts the admitted work: a waiter of 40 traces at 0.5 s.
	srv3, _ := newTestServer(t, &Settings{Concurrency: 1, MaxQueue: 1, Timeout: time.Minute, MaxBatch: 64})
	srv3.cost.seed(0.5)
	inst3, _ := srv3.acquire(context.Background())
	body40 := `{"stimuli":[` + strings.Repeat(`{"i_thr":0.2,"s_thr":200,"amp":0.1},`, 39) + `{"i_thr":0.2,"s_thr":200,"amp":0.1}],"features":false}`
	go func() { done <- do(t, srv3, "POST", "/api/synth", body40) }()
	for srv3.load.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	w = do(t, srv3, "POST", "/api/synth", `{"i_thr":0.2,"s_thr":200,"amp":0.1}`)
	if w.Code != 503 || w.Header().Get("Retry-After") != "20" {
		t.Errorf("Retry-After %q, want 20 (40 traces × 0.5 s waiting on one instance); %d %s", w.Header().Get("Retry-After"), w.Code, w.Body)
	}
	srv3.release(inst3)
	if w := <-done; w.Code != 200 {
		t.Errorf("the waiter after release: %d %.200s", w.Code, w.Body)
	}

	// Too large for the time limit even on an idle server: refused at
	// once, no Retry-After. A slow recent mean alone does not refuse.
	srv2, _ := newTestServer(t, &Settings{Timeout: 30 * time.Second})
	srv2.cost.perTrace, srv2.cost.floor = 10, 1e-3
	if w := do(t, srv2, "POST", "/api/ensemble", `{"i_thr":0.2,"s_thr":200,"amp":0.1,"n":10}`); w.Code != 200 {
		t.Errorf("slow recent requests refused a request that fits when idle: %d %.200s", w.Code, w.Body)
	}
	srv2.cost.seed(5)
	w = do(t, srv2, "POST", "/api/ensemble", `{"i_thr":0.2,"s_thr":200,"amp":0.1,"n":10}`)
	if w.Code != 413 || w.Header().Get("Retry-After") != "" || !strings.Contains(errorBody(t, w), "ask for at most 6 traces") {
		t.Errorf("too large: %d Retry-After %q %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	// Admitted, but the computation runs past the limit. A limit of 1 ns
	// has passed when the request's context is made (WithTimeout cancels
	// it at once), so no timing decides this; a longer one raced the work.
	srv2.cost.seed(1e-12)
	srv2.set.Timeout = time.Nanosecond
	w = do(t, srv2, "POST", "/api/ensemble", `{"i_thr":0.2,"s_thr":200,"amp":0.1,"n":10}`)
	if w.Code != 503 || w.Header().Get("Retry-After") != "" || !strings.Contains(errorBody(t, w), "time limit") {
		t.Errorf("timeout: %d Retry-After %q %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
}

// TestRecover checks that a panic becomes a JSON 500 and is logged, and
// that http.ErrAbortHandler is passed on.
func TestRecover(t *testing.T) {
	t.Parallel()
	var logged bytes.Buffer
	log := newTestLogger(&logged)
	h := recoverer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("boom") }), log)
	w := do(t, h, "GET", "/x", "")
	if w.Code != 500 || !strings.Contains(errorBody(t, w), "internal error") {
		t.Errorf("panic: %d %s", w.Code, w.Body)
	}
	if !strings.Contains(logged.String(), "boom") || !strings.Contains(logged.String(), "server_test.go") {
		t.Errorf("panic not logged with its stack: %q", logged.String())
	}
	// A panic after the headers went out leaves the response as it is.
	h = recoverer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(202)
		panic("late")
	}), log)
	rec := &statusRecorder{ResponseWriter: httptest.NewRecorder()}
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.status != 202 {
		t.Errorf("late panic: status %d", rec.status)
	}
	func() {
		defer func() {
			if v := recover(); v != http.ErrAbortHandler {
				t.Errorf("ErrAbortHandler: recovered %v", v)
			}
		}()
		h := recoverer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) }), log)
		do(t, h, "GET", "/", "")
	}()

	// Through a real server: the server's own handler chain recovers, and
	// the server keeps answering.
	srv, _ := newTestServer(t, &Settings{Log: log})
	srv.mux.HandleFunc("/panic", func(http.ResponseWriter, *http.Request) { panic(errors.New("handler bug")) })
	ts := httptest.NewServer(srv)
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/panic")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 500 {
		t.Errorf("panic through the server: %d", resp.StatusCode)
	}
	if resp, err := http.Get(ts.URL + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Errorf("after a panic: %v %v", err, resp)
	}
}

// TestStatic checks that the explorer is served from the embedded files.
func TestStatic(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, nil)
	for _, c := range []struct{ path, ctype, contains string }{
		{"/", "text/html", "<svg"},
		{"/app.js", "text/javascript", "/api/synth"},
		{"/style.css", "text/css", "{"},
	} {
		w := do(t, srv, "GET", c.path, "")
		if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), c.ctype) || !strings.Contains(w.Body.String(), c.contains) {
			t.Errorf("GET %s: %d %q, body has %q: %v", c.path, w.Code, w.Header().Get("Content-Type"), c.contains, strings.Contains(w.Body.String(), c.contains))
		}
		if strings.Contains(w.Body.String(), "http://") || strings.Contains(w.Body.String(), "https://") {
			t.Errorf("GET %s references an external URL: the explorer must work offline", c.path)
		}
	}
	if w := do(t, srv, "GET", "/nope.js", ""); w.Code != 404 {
		t.Errorf("missing file: %d", w.Code)
	}
}

// TestServeShutdown runs the server on loopback, lets a request be in
// flight when the context is cancelled, and checks that it completes and
// Serve returns nil.
func TestServeShutdown(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, &Settings{Concurrency: 1})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	url := "http://" + ln.Addr().String()
	if resp, err := http.Get(url + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", err, resp)
	}
	inst, _ := srv.acquire(context.Background()) // hold the only instance
	status := make(chan int, 1)
	go func() {
		resp, err := http.Post(url+"/api/synth", "application/json", strings.NewReader(`{"i_thr":0.2,"s_thr":200,"amp":0.1}`))
		if err != nil {
			status <- -1
			return
		}
		resp.Body.Close()
		status <- resp.StatusCode
	}()
	for srv.load.Load() < 2 { // the held instance and the request waiting for it
		time.Sleep(time.Millisecond)
	}
	cancel()
	time.Sleep(50 * time.Millisecond)
	select {
	case err := <-served:
		t.Fatalf("Serve returned %v with a request in flight", err)
	default:
	}
	srv.release(inst)
	if s := <-status; s != 200 {
		t.Errorf("request in flight during shutdown: status %d", s)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve after shutdown: %v", err)
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Error("server still answering after shutdown")
	}
}

// TestNewErrors checks the validation of settings and model metadata.
func TestNewErrors(t *testing.T) {
	t.Parallel()
	path := writeTestModel(t, tinyConfig(), 1)
	for _, c := range []struct {
		name string
		s    Settings
		want error
	}{
		{"negative batch", Settings{MaxBatch: -1}, ErrSettings},
		{"NaN extrapolation limit", Settings{ExtrapolateLimit: math.NaN()}, ErrSettings},
		{"inverted amp range", Settings{AmpRange: &surrogate.Range{Min: 1, Max: 0}}, ErrSettings},
	} {
		if _, err := Open(path, &c.s); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := Open(path+".missing", nil); err == nil {
		t.Error("missing file: no error")
	}
	cfg := tinyConfig()
	cfg.InChannels = 5
	if _, err := Open(writeTestModel(t, cfg, 1), nil); !errors.Is(err, ErrModel) || !strings.Contains(err.Error(), "5 input") {
		t.Errorf("wrong channels: %v", err)
	}
}

// tol bounds the difference (mV) between a trace computed in a batch and
// alone: the operator's summation order depends on the batch size, so they
// differ by float32 rounding, about ε·|v| ≈ 1.2e-7 · 150 mV per operation
// over a few dozen dependent operations; 1e-3 mV leaves a wide margin and
// is far below any physiological difference.
const tol = 1e-3

func maxDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

func TestFloatJSON(t *testing.T) {
	for _, c := range []struct {
		f    Float
		want string
	}{{0.1, "0.1"}, {-3e-20, "-3e-20"}, {Float(math.NaN()), "null"}, {Float(math.Inf(-1)), "null"}, {1e21, "1e+21"}} {
		b, err := json.Marshal(c.f)
		if err != nil || string(b) != c.want {
			t.Errorf("Marshal(%v) = %s, %v; want %s", float64(c.f), b, err, c.want)
		}
	}
}

// TestMetadata checks the HoF list and the amplitude range that noble
// train's metadata gives, and refused metadata.
func TestMetadata(t *testing.T) {
	t.Parallel()
	// What noble train writes (surrogate.MetaModels).
	models := `[{"name":"m0","i_thr_nA":0.1,"s_thr_hz_per_nA":100,"split":"train"},
		{"name":"m1","i_thr_nA":0,"s_thr_hz_per_nA":0,"split":"excluded"},
		{"name":"m2","i_thr_nA":0.3,"s_thr_hz_per_nA":300,"split":"test"},
		{"name":"m3","i_thr_nA":0.25,"s_thr_hz_per_nA":120,"split":"train"}]`
	path := writeModelExtra(t, tinyConfig(), 2, map[string]string{surrogate.MetaModels: models})
	srv, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var info ModelInfo
	if err := json.Unmarshal(do(t, srv, "GET", "/api/model", "").Body.Bytes(), &info); err != nil {
		t.Fatal(err)
	}
	want := []surrogate.HoF{{Name: "m0", IThr: 0.1, SThr: 100, Split: "train"}, {Name: "m2", IThr: 0.3, SThr: 300, Split: "test"}, {Name: "m3", IThr: 0.25, SThr: 120, Split: "train"}}
	if !slices.Equal(info.HoF, want) || len(info.Hull) != 3 || info.Extra != nil {
		t.Errorf("hof %v hull %v extra %v; want hof %v, 3 hull vertices, no extra", info.HoF, info.Hull, info.Extra, want)
	}
	// Package dataset's default support: [0.1 − 0.125, 0.3 + 0.26] nA.
	if r := info.Ranges["amp"]; math.Abs(r.Min+0.025) > 1e-12 || math.Abs(r.Max-0.56) > 1e-12 {
		t.Errorf("amp range %+v, want [-0.025, 0.56]", r)
	}
	// No HoF: no hull and no in_hull flag.
	srv2, err := Open(writeModelExtra(t, tinyConfig(), 2, nil), &Settings{AmpRange: &surrogate.Range{Min: 0, Max: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close()
	w := do(t, srv2, "POST", "/api/synth", `{"i_thr":0.2,"s_thr":200,"amp":0.9,"features":false}`)
	if w.Code != 200 || strings.Contains(w.Body.String(), "in_hull") || strings.Contains(w.Body.String(), "warnings") {
		t.Errorf("no HoF, amp range [0, 1]: %d %.200s", w.Code, w.Body)
	}
	for _, extra := range []map[string]string{
		{surrogate.MetaHoF: `[{"name":"x","i_thr":"a"}]`},
		{surrogate.MetaHoF: `{}`},
		{surrogate.MetaModels: `[{"name":"x","volts":1}]`},
		{surrogate.MetaAmpRange: `{"min":1,"max":0}`},
		{surrogate.MetaAmpRange: `[0,1]`},
	} {
		if _, err := Open(writeModelExtra(t, tinyConfig(), 2, extra), nil); !errors.Is(err, ErrModel) {
			t.Errorf("metadata %v: %v, want ErrModel", extra, err)
		}
	}
}

// TestHTTPLimits checks MaxHeaderBytes and ReadHeaderTimeout on a real
// listener.
func TestHTTPLimits(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, &Settings{MaxHeaderBytes: 1024, ReadHeaderTimeout: 200 * time.Millisecond})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Error(err)
		}
	}()
	url := "http://" + ln.Addr().String()
	req, _ := http.NewRequest("GET", url+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("x", 8192))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("8 KiB header: status %d, want 431", resp.StatusCode)
	}
	// A client that never finishes its headers is cut off.
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n"))
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	buf := make([]byte, 1)
	_, err = conn.Read(buf)
	if err == nil || time.Since(start) > 3*time.Second {
		t.Errorf("slow headers: read %v after %v, want the connection closed after ~200 ms", err, time.Since(start))
	}
}
