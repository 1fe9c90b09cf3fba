package featloss

import (
	"context"
	"math"
	"slices"
	"testing"
)

func TestSegments(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		w         Window
		dt, width float64
		want      []int
	}{
		// 11 samples of 1 ms in segments of about 4 ms: round(11/4) = 3
		// segments of 11·j/3 samples.
		{"three", Window{Start: 5, End: 15}, 1, 4, []int{5, 8, 12, 16}},
		{"one sample", Window{Start: 2, End: 2}, 0.06, 20, []int{2, 3}},
		{"wider than the step", Window{Start: 0, End: 9}, 0.1, 50, []int{0, 10}},
		// The operator's protocol: 6,667 stimulus samples of 0.06 ms in 20 ms
		// segments: 20 segments of 333 or 334 samples.
		{"protocol", Window{Start: 250, End: 6916}, 0.06, 20, nil},
	} {
		got := Segments(tc.w, tc.dt, tc.width)
		if tc.want == nil {
			if len(got) != 21 || got[0] != 250 || got[20] != 6917 {
				t.Errorf("%s: %v", tc.name, got)
			}
			for j := 1; j < len(got); j++ {
				if n := got[j] - got[j-1]; n != 333 && n != 334 {
					t.Errorf("%s: segment %d has %d samples", tc.name, j-1, n)
				}
			}
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: Segments = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestEnvelopeValues checks the soft extremes by hand: on {0, 1} at
// temperature 1 the maximum's weights are 1/(1+e) and e/(1+e), so M =
// e/(1+e), the minimum's e/(1+e) and 1/(1+e), so m = 1/(1+e).
func TestEnvelopeValues(t *testing.T) {
	t.Parallel()
	var ws Workspace
	v := []float64{-70, 0, 1, -70, 5, 6}
	w := Window{Start: 1, End: 2, MinLo: 1, MinHi: 2, SteadyLo: 1, SteadyHi: 2}
	got := ws.Envelope(nil, v, w, 1, 2, 1)
	if want := []float64{math.E / (1 + math.E), 1 / (1 + math.E)}; len(got) != 2 ||
		math.Abs(got[0]-want[0]) > 1e-15 || math.Abs(got[1]-want[1]) > 1e-15 {
		t.Errorf("Envelope = %v, want %v", got, want)
	}
	// Two segments of one sample each: the samples themselves.
	w = Window{Start: 4, End: 5, MinLo: 4, MinHi: 5, SteadyLo: 4, SteadyHi: 5}
	if got := ws.Envelope(nil, v, w, 1, 1, 1); !slices.Equal(got, []float64{5, 5, 6, 6}) {
		t.Errorf("Envelope = %v, want [5 5 6 6]", got)
	}
	if got := ws.EnvelopeDistance(nil, v, []float64{4, 5, 8, 6}, w, 1, 1, 1); got != 1+0+4+0 {
		t.Errorf("EnvelopeDistance = %v, want 5", got)
	}
}

func TestEnvelopeGradient(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		temp  float64
		seed  uint64
		spike []int
	}{
		{"default temperature 1, spikes", 1, 31, []int{60, 95, 150, 230}},
		{"soft temperature 0.2, spikes", 0.2, 32, []int{70, 200}},
		{"temperature 1, silent", 1, 33, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, w := synth(300, tc.spike, tc.seed)
			target, _ := synth(300, []int{50, 100, 140, 180, 220, 260}, tc.seed+100)
			var ws Workspace
			tg := ws.Envelope(nil, target, w, 0.1, 5, tc.temp)
			f := func(x []float64) float64 { return ws.EnvelopeDistance(nil, x, tg, w, 0.1, 5, tc.temp) }
			got := make([]float64, len(v))
			val := ws.EnvelopeDistance(got, v, tg, w, 0.1, 5, tc.temp)
			if val != f(v) || !(val > 0) {
				t.Errorf("value with gradient %v, without %v", val, f(v))
			}
			checkGrad(t, got, centralDiff(f, v, 1e-3/tc.temp), gradTol)
		})
	}
}

// TestEnvelopeMatchesMaxima compares the soft extremes with the segments'
// maxima and minima on the NEURON reference traces: on spiking segments the
// softmax sits on the highest peak and the deepest trough, on silent ones
// near the extremes of a smooth voltage.
func TestEnvelopeMatchesMaxima(t *testing.T) {
	var ws Workspace
	var worstHi, worstLo float64
	w := NewWindow(realStart, realEnd)
	bounds := Segments(w, realDt, 20)
	for _, tr := range realTraces(t) {
		e := ws.Envelope(nil, tr.v, w, realDt, 20, 1)
		for j := range len(bounds) - 1 {
			seg := tr.v[bounds[j]:bounds[j+1]]
			hi, lo := slices.Max(seg), slices.Min(seg)
			if e[2*j] > hi || hi-e[2*j] > envelopeTol {
				t.Errorf("%s: segment %d: soft maximum %.4f mV, maximum %.4f", tr.name, j, e[2*j], hi)
			}
			if e[2*j+1] < lo || e[2*j+1]-lo > envelopeTol {
				t.Errorf("%s: segment %d: soft minimum %.4f mV, minimum %.4f", tr.name, j, e[2*j+1], lo)
			}
			worstHi, worstLo = max(worstHi, hi-e[2*j]), max(worstLo, e[2*j+1]-lo)
		}
	}
	t.Logf("soft maxima within %.3f mV below the segments' maxima, soft minima within %.3f mV above their minima", worstHi, worstLo)
}

// TestEnvelopeBatchLoss checks the relative loss against its formula:
// Σ_b Σ_j (m̂ − m)² / (Σ_b Σ_j (m − r_b)² + 1e-8), r_b the target's mean
// voltage before the step.
func TestEnvelopeBatchLoss(t *testing.T) {
	t.Parallel()
	tgt0, w0 := synth(400, nil, 41)
	tgt1, w1 := synth(400, []int{100, 160, 220, 280}, 42)
	pred0, _ := synth(400, []int{150}, 43)
	pred1, _ := synth(400, []int{110, 170}, 44)
	targets, preds, wins := [][]float64{tgt0, tgt1}, [][]float64{pred0, pred1}, []Window{w0, w1}
	l, err := New(Spec{{SpikeEnvelope, 2}}, &Settings{Dt: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := l.Prepare(context.Background(), targets, wins)
	if err != nil {
		t.Fatal(err)
	}
	var ws Workspace
	var got, num, den float64
	for b := range preds {
		got += tg.Trace(&ws, nil, preds[b], b)
		mh := ws.Envelope(nil, preds[b], wins[b], 0.1, 20, 1)
		mt := ws.Envelope(nil, targets[b], wins[b], 0.1, 20, 1)
		var rest float64
		for _, x := range targets[b][:wins[b].Start] {
			rest += x / float64(wins[b].Start)
		}
		for j := range mt {
			num += (mh[j] - mt[j]) * (mh[j] - mt[j])
			den += (mt[j] - rest) * (mt[j] - rest)
		}
		if !slices.Equal(tg.Envelope(b), mt) {
			t.Errorf("trace %d: target envelope %v, want %v", b, tg.Envelope(b), mt)
		}
	}
	if want := 2 * num / (den + 1e-8); math.Abs(got-want) > 1e-12*want || !(want > 0) {
		t.Errorf("Σ_b Trace = %v, formula %v", got, want)
	}
}
