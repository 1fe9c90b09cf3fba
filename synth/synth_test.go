package synth

import (
	"bytes"
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/surrogate"
)

// tinyModel writes a small random-weight model (its output is meaningless;
// the tests check mechanics) with a short protocol and returns its path.
func tinyModel(t testing.TB, extra map[string]string) string {
	t.Helper()
	cfg := fno.Config{InChannels: 23, Width: 4, Layers: 2, Modes: 8, LiftingChannels: 8, ProjectionChannels: 8, MLPHidden: 4, OutChannels: 1}
	m, err := fno.New(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	p := surrogate.Protocol{DtMS: 0.5, Length: 240, StimStartMS: 15, StimEndMS: 95, CurrentUnit: "0.1nA"}
	sc := surrogate.Scaling{IThr: surrogate.Range{Min: 0.1, Max: 0.3}, SThr: surrogate.Range{Min: 100, Max: 300}, Lo: 0.5, Hi: 3.5}
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := fno.SaveFile(path, m, fno.Metadata{Protocol: &p, Scaling: &sc, Extra: extra}); err != nil {
		t.Fatal(err)
	}
	return path
}

const hofJSON = `[{"name":"a","i_thr":0.1,"s_thr":100,"split":"train"},{"name":"b","i_thr":0.3,"s_thr":120,"split":"train"},
{"name":"c","i_thr":0.2,"s_thr":300,"split":"train"},{"name":"d","i_thr":0.2,"s_thr":150,"split":"test"}]`

func TestGrid(t *testing.T) {
	t.Parallel()
	p, err := Grid([]float64{1, 2}, []float64{10}, []float64{0.1, 0.2}, Product)
	if err != nil {
		t.Fatal(err)
	}
	want := []surrogate.Stimulus{{AmpNA: 0.1, IThr: 1, SThr: 10}, {AmpNA: 0.2, IThr: 1, SThr: 10}, {AmpNA: 0.1, IThr: 2, SThr: 10}, {AmpNA: 0.2, IThr: 2, SThr: 10}}
	if len(p) != len(want) {
		t.Fatalf("Product: %d stimuli, want %d", len(p), len(want))
	}
	for i := range want {
		if p[i] != want[i] {
			t.Errorf("Product[%d] = %+v, want %+v", i, p[i], want[i])
		}
	}
	z, err := Grid([]float64{1, 2}, []float64{10}, []float64{0.1, 0.2}, Zip)
	if err != nil {
		t.Fatal(err)
	}
	if len(z) != 2 || z[1] != (surrogate.Stimulus{AmpNA: 0.2, IThr: 2, SThr: 10}) {
		t.Errorf("Zip = %+v", z)
	}
	for _, tc := range []struct {
		name            string
		ithr, sthr, amp []float64
		c               Combine
	}{
		{"empty", nil, []float64{1}, []float64{1}, Product},
		{"nan", []float64{math.NaN()}, []float64{1}, []float64{1}, Product},
		{"zip lengths", []float64{1, 2}, []float64{1, 2, 3}, []float64{1}, Zip},
	} {
		if _, err := Grid(tc.ithr, tc.sthr, tc.amp, tc.c); !errors.Is(err, ErrInput) {
			t.Errorf("%s: err = %v, want ErrInput", tc.name, err)
		}
	}
	if c, err := ParseCombine("ZIP"); err != nil || c != Zip {
		t.Errorf("ParseCombine(ZIP) = %v, %v", c, err)
	}
}

func TestSynthesizeDeterministicAndBatched(t *testing.T) {
	t.Parallel()
	s, err := Open(tinyModel(t, map[string]string{surrogate.MetaHoF: hofJSON}))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.HoF) != 4 || s.HoF[3].Split != "test" {
		t.Fatalf("HoF = %+v", s.HoF)
	}
	sts, _ := Grid([]float64{0.15, 0.25}, []float64{150, 250}, []float64{0.1, 0.2, 0.3}, Product)
	a, err := s.Synthesize(context.Background(), sts, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(sts)*s.Length() {
		t.Fatalf("len = %d, want %d", len(a), len(sts)*s.Length())
	}
	// One at a time gives the same traces (up to float32 rounding of a
	// batch-size dependent summation order).
	for i, st := range sts {
		b, err := s.Synthesize(context.Background(), []surrogate.Stimulus{st}, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		for j, v := range b {
			if w := a[i*s.Length()+j]; math.Abs(float64(v-w)) > 1e-4*(1+math.Abs(float64(w))) {
				t.Fatalf("trace %d sample %d: single %g, batched %g", i, j, v, w)
			}
		}
	}
	// Output is millivolts: the volts output × 1000.
	x, _ := s.enc.Encode(nil, sts[0])
	y := s.Model.Forward(nil, x, 1, s.Length())
	if got, want := a[7], y[7]*1000; got != want {
		t.Errorf("mV sample = %g, want volts×1000 = %g", got, want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Synthesize(ctx, sts, 2, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	s, err := Open(tinyModel(t, map[string]string{surrogate.MetaAmpRange: `{"min":0,"max":0.5}`}))
	if err != nil {
		t.Fatal(err)
	}
	errs := s.Check([]surrogate.Stimulus{{AmpNA: 0.2, IThr: 0.2, SThr: 200}, {AmpNA: 0.6, IThr: 0.05, SThr: 200}})
	if len(errs) != 2 || errs[0].Index != 1 || errs[0].Field != "i_thr" || errs[1].Field != "amp" {
		t.Fatalf("Check = %v", errs)
	}
	if !errors.Is(errs[0], ErrRange) || !strings.Contains(errs[0].Error(), "[0.1, 0.3]") {
		t.Errorf("error %q", errs[0])
	}
}

func TestNoScaling(t *testing.T) {
	t.Parallel()
	m, _ := fno.New(fno.Config{InChannels: 23, Width: 2, Layers: 1, Modes: 2, LiftingChannels: 2, ProjectionChannels: 2, MLPHidden: 2, OutChannels: 1}, 1)
	if _, err := New(m, fno.Metadata{}); !errors.Is(err, ErrModel) {
		t.Errorf("err = %v, want ErrModel", err)
	}
}

func TestEnsembles(t *testing.T) {
	t.Parallel()
	sc := surrogate.Scaling{IThr: surrogate.Range{Min: 0, Max: 1}, SThr: surrogate.Range{Min: 0, Max: 100}, Lo: 0.5, Hi: 3.5}
	c := surrogate.Stimulus{AmpNA: 0.3, IThr: 0.5, SThr: 50}
	a, err := Neighbourhood(c, 500, 0.1, 7, sc)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Neighbourhood(c, 3, 0.1, 7, sc)
	for k := range b {
		if a[k] != b[k] {
			t.Errorf("sample %d depends on n", k)
		}
	}
	for k, s := range a {
		dx, dy := (s.IThr-0.5)/0.1, (s.SThr-50)/10
		if dx*dx+dy*dy > 1+1e-12 || s.AmpNA != 0.3 {
			t.Fatalf("sample %d = %+v outside the ellipse", k, s)
		}
	}
	if _, err := Neighbourhood(c, 0, 0.1, 1, sc); !errors.Is(err, ErrInput) {
		t.Error("n = 0 accepted")
	}

	// Uniform in a square's hull: every quadrant gets about a quarter.
	sq := []Embedding{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0.5, 0.5}, {0.2, 0.7}}
	if h := ConvexHull(sq); len(h) != 4 {
		t.Fatalf("hull = %v", h)
	}
	const n = 4000
	hs, err := Hull(sq, n, 0.2, 3)
	if err != nil {
		t.Fatal(err)
	}
	var q [4]int
	for _, s := range hs {
		if s.IThr < 0 || s.IThr > 1 || s.SThr < 0 || s.SThr > 1 {
			t.Fatalf("%+v outside the square", s)
		}
		i := 0
		if s.IThr > 0.5 {
			i++
		}
		if s.SThr > 0.5 {
			i += 2
		}
		q[i]++
	}
	// Binomial sd of a quadrant count: sqrt(n·¼·¾) ≈ 27; allow 5 sd.
	for i, c := range q {
		if math.Abs(float64(c)-n/4) > 5*27 {
			t.Errorf("quadrant %d: %d samples, want about %d", i, c, n/4)
		}
	}
	tri := []Embedding{{0, 0}, {1, 0}, {0, 1}}
	ts, _ := Hull(tri, 200, 0, 1)
	h := ConvexHull(tri)
	for _, s := range ts {
		if !InHull(h, Embedding{s.IThr, s.SThr}) {
			t.Fatalf("%+v outside the triangle", s)
		}
	}
	if InHull(h, Embedding{0.6, 0.6}) {
		t.Error("(0.6, 0.6) in the triangle")
	}
	if _, err := Hull([]Embedding{{0, 0}, {1, 1}, {2, 2}}, 5, 0, 1); !errors.Is(err, ErrInput) {
		t.Error("collinear hull accepted")
	}
}

func TestStats(t *testing.T) {
	t.Parallel()
	sorted := []float64{1, 2, 3, 4}
	// numpy.quantile([1,2,3,4], [0.05, 0.5, 0.95]) = 1.15, 2.5, 3.85.
	for _, tc := range []struct{ q, want float64 }{{0.05, 1.15}, {0.5, 2.5}, {0.95, 3.85}, {1, 4}, {0, 1}} {
		if got := Quantile(sorted, tc.q); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("Quantile(%g) = %g, want %g", tc.q, got, tc.want)
		}
	}
	vals := []featuresValues{{"Spikecount": {1}}, {"Spikecount": {3}}, {"Spikecount": nil}}
	st := Stats(toValues(vals), []string{"Spikecount"})[0]
	// mean 2, sample sd sqrt(2).
	if st.N != 2 || st.Missing != 1 || st.Mean != 2 || math.Abs(st.SD-math.Sqrt2) > 1e-15 || st.Q50 != 2 {
		t.Errorf("Stats = %+v", st)
	}
	var buf bytes.Buffer
	if err := WriteStatsCSV(&buf, []Stat{st}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "feature,n,missing,mean") || !strings.Contains(buf.String(), "Spikecount,2,1,2,") {
		t.Errorf("CSV:\n%s", buf.String())
	}
}

func TestFeaturesAndCSV(t *testing.T) {
	t.Parallel()
	s, err := Open(tinyModel(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	sts, _ := Grid([]float64{0.2}, []float64{200}, []float64{0.1, 0.3}, Product)
	v, err := s.Synthesize(context.Background(), sts, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := Features(context.Background(), v, 2, s.Length(), s.Dt(), s.FeatureSettings())
	if err != nil {
		t.Fatal(err)
	}
	if len(vals) != 2 || !vals[0].Defined("voltage_base") {
		t.Fatalf("features = %v", vals)
	}
	var buf bytes.Buffer
	if err := WriteTracesCSV(&buf, v, 2, s.Length(), s.Dt(), []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != s.Length()+1 || lines[0] != "time_ms,a,b" || !strings.HasPrefix(lines[2], "0.5,") {
		t.Errorf("CSV has %d lines, header %q, second row %q", len(lines), lines[0], lines[2])
	}
}

// TestInHull checks membership, the boundary included, for a square and
// for degenerate hulls (one point; a segment, as collinear HoF give).
func TestInHull(t *testing.T) {
	t.Parallel()
	sq := ConvexHull([]Embedding{{0.1, 100}, {0.3, 100}, {0.3, 300}, {0.1, 300}, {0.2, 200}})
	seg := ConvexHull([]Embedding{{0.1, 100}, {0.2, 200}, {0.3, 300}})
	for _, c := range []struct {
		name string
		h    []Embedding
		q    Embedding
		want bool
	}{
		{"square centre", sq, Embedding{0.2, 200}, true},
		{"square vertex", sq, Embedding{0.3, 300}, true},
		{"square edge", sq, Embedding{0.2, 100}, true},
		{"square edge, rounded", sq, Embedding{0.1 + 0.2, 150}, true},
		{"square outside", sq, Embedding{0.31, 200}, false},
		{"segment middle", seg, Embedding{0.2, 200}, true},
		{"segment end", seg, Embedding{0.3, 300}, true},
		{"segment beyond its end", seg, Embedding{0.4, 400}, false},
		{"off the segment", seg, Embedding{0.2, 210}, false},
		{"point", []Embedding{{0.1, 100}}, Embedding{0.1, 100}, true},
		{"empty", nil, Embedding{0.1, 100}, false},
	} {
		if got := InHull(c.h, c.q); got != c.want {
			t.Errorf("%s: InHull(%v, %v) = %v, want %v", c.name, c.h, c.q, got, c.want)
		}
	}
}

// TestBands checks the per-sample band against values worked by hand:
// three traces of two samples; the second sample has the values 1, 2, 6
// (mean 3, sample SD √7 with n−1, numpy quantiles 1.1, 2, 5.6).
func TestBands(t *testing.T) {
	t.Parallel()
	v := []float32{0, 1, 0, 6, 0, 2}
	b := Bands(v, 3, 2)
	for _, c := range []struct {
		name      string
		got, want float32
	}{
		{"mean", b.Mean[1], 3}, {"sd", b.SD[1], float32(math.Sqrt(7))}, {"min", b.Min[1], 1}, {"max", b.Max[1], 6},
		{"q05", b.Q05[1], 1.1}, {"q50", b.Q50[1], 2}, {"q95", b.Q95[1], 5.6}, {"flat sd", b.SD[0], 0},
	} {
		if math.Abs(float64(c.got-c.want)) > 1e-6 {
			t.Errorf("Bands: %s = %g, want %g", c.name, c.got, c.want)
		}
	}
	if one := Bands([]float32{4, 5}, 1, 2); one.SD[0] != 0 || one.Mean[1] != 5 {
		t.Errorf("Bands of one trace: %+v", one)
	}
}
