package featloss

import (
	"context"
	"math"
	"testing"
)

// Gradient checks against float64 central differences on short synthetic
// traces (L = 300). The error of a central difference with step h is about
// h²·|f”'|/6 + ε·|f|/h (ε = 2.2e-16). The features are sigmoids and
// softmaxes of v with sharpness k (1/mV), so |f”'| ≈ k²·|f'| and the
// relative truncation error is about (k·h)²/6: h is chosen so that k·h ≤ 1e-3
// (truncation ≤ 2e-7 relative) while ε·|f|/h stays below 1e-8 for |f| ≤ 100.
// The tolerance 1e-5·(1 + max|∂f/∂v|) leaves a margin of 50 over both; an
// error in any term of a backward pass (a dropped gate derivative, a wrong
// sign) is of the order of the gradient itself.
const gradTol = 1e-5

func TestSagGradient(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		temp float64
		seed uint64
	}{
		{"reference temperature 50", 50, 1},
		{"soft temperature 2", 2, 2},
		{"sharp temperature 500", 500, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, w := synth(300, nil, tc.seed)
			var ws Workspace
			f := func(x []float64) float64 { return ws.SagAmplitude(nil, x, w, tc.temp) }
			got := make([]float64, len(v))
			val := ws.SagAmplitude(got, v, w, tc.temp)
			if val != f(v) {
				t.Errorf("value with gradient %v, without %v", val, f(v))
			}
			checkGrad(t, got, centralDiff(f, v, 1e-3/tc.temp), gradTol)
		})
	}
}

// ap1Case places the threshold between the samples of the first spike's
// upstroke and downstroke so that samples lie within 1/k of it: with the
// reference's k = 200 only samples within ~0.05 mV of the threshold carry a
// gradient, which a random trace would almost never have.
func ap1Case(k float64, seed uint64) (v []float64, thr float64) {
	v, _ = synth(300, []int{80, 140, 200}, seed)
	// Upstroke sample 79 (about +10 mV) and downstroke sample 81.
	thr = v[79] + 0.3/k
	nudge(v, 81, thr, -0.5, k)
	nudge(v, 141, thr, 0.7, k) // the second spike's down-crossing
	return v, thr
}

func TestAP1WidthGradient(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		k    float64
		seed uint64
	}{
		{"reference k 200", 200, 4},
		{"k 20", 20, 5},
		// At k = 2 the crossings are soft enough that the first-crossing
		// gates of the second and third spikes are partly open, so the gate
		// derivatives carry weight.
		{"soft k 2 (gates active)", 2, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, thr := ap1Case(tc.k, tc.seed)
			var ws Workspace
			// The reference detaches the steps Δv of the interpolation, so its
			// gradient is that of the width with Δv held at v's.
			ws.dvFrom = v
			f := func(x []float64) float64 { return ws.AP1Width(nil, x, thr, tc.k, 0.1) }
			got := make([]float64, len(v))
			val := ws.AP1Width(got, v, thr, tc.k, 0.1)
			if !(val > 0) {
				t.Fatalf("width = %v, want > 0", val)
			}
			if val != f(v) {
				t.Errorf("value with gradient %v, without %v", val, f(v))
			}
			checkGrad(t, got, centralDiff(f, v, 1e-3/tc.k), gradTol)
		})
	}
}

func TestSpikeCountGradient(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		k     float64
		peaks []int
	}{
		{"default k 0.5", 0.5, []int{80, 140, 200}},
		{"k 2", 2, []int{80, 140, 200}},
		// Bumps that stop short of the threshold: the gradient that should
		// pull a decaying spike train up.
		{"subthreshold bumps k 0.5", 0.5, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, _ := synth(300, tc.peaks, 7)
			if tc.peaks != nil {
				nudge(v, 79, -20, 0.3, tc.k)
				nudge(v, 141, -20, -0.6, tc.k)
				// A spike that fails by 0.4/k: the count's gradient lives on
				// the local extrema of σ(k(v − thr)) (on a monotonic stretch
				// only its ends matter), here a peak just below threshold.
				nudge(v, 170, -20, -0.4, tc.k)
			} else {
				for i := 60; i < 240; i += 30 {
					v[i] += 45 // sag trace at about −75 mV: bumps to −30 mV
				}
			}
			var ws Workspace
			f := func(x []float64) float64 { return ws.SpikeCount(nil, x, -20, tc.k) }
			got := make([]float64, len(v))
			val := ws.SpikeCount(got, v, -20, tc.k)
			if val != f(v) {
				t.Errorf("value with gradient %v, without %v", val, f(v))
			}
			checkGrad(t, got, centralDiff(f, v, 1e-3/tc.k), gradTol)
		})
	}
}

func TestSpikeTimingGradient(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		k, tau float64
		target []int
	}{
		{"shifted and missing spikes", 0.5, 5, []int{85, 150, 230, 260}},
		{"no target spikes", 0.5, 5, nil},
		{"k 2 tau 1", 2, 1, []int{79, 139}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, _ := synth(300, []int{80, 140, 200}, 8)
			nudge(v, 79, -20, 0.3, tc.k)
			nudge(v, 141, -20, -0.6, tc.k)
			var ws Workspace
			f := func(x []float64) float64 { return ws.SpikeTiming(nil, x, tc.target, -20, tc.k, 0.1, tc.tau) }
			got := make([]float64, len(v))
			val := ws.SpikeTiming(got, v, tc.target, -20, tc.k, 0.1, tc.tau)
			if val != f(v) {
				t.Errorf("value with gradient %v, without %v", val, f(v))
			}
			checkGrad(t, got, centralDiff(f, v, 1e-3/tc.k), gradTol)
		})
	}
}

// TestTraceGradient checks the combined loss of every feature, relative and
// absolute, through Trace and TraceVolts32.
func TestTraceGradient(t *testing.T) {
	t.Parallel()
	spec := Spec{{SagAmplitude, 25}, {AP1Width, 2}, {SpikeCount, 1}, {SpikeTiming, 3}}
	tgtSag, w0 := synth(300, nil, 11)
	tgtSpk, w1 := synth(300, []int{70, 120, 170, 220}, 12)
	predSag, _ := synth(300, []int{150}, 13)
	// Keep the prediction's noisy baseline 5 mV below the silent target's
	// AP1 threshold (its maximum + 1 mV), and the width's k at 20: with a
	// baseline within a few mV of the threshold and a soft k the width picks
	// up noise crossings whose interpolation (Δv of 0.05 mV, slopes up to
	// 1e4 per mV) is a sum of clamp kinks, where a central difference means
	// nothing.
	for i := range predSag {
		predSag[i] -= 5
	}
	predSpk, _ := synth(300, []int{72, 125}, 14)
	for _, abs := range []bool{false, true} {
		l, err := New(spec, &Settings{Dt: 0.1, Absolute: abs, WidthSharpness: 20})
		if err != nil {
			t.Fatal(err)
		}
		tg, err := l.Prepare(context.Background(), [][]float64{tgtSag, tgtSpk}, []Window{w0, w1})
		if err != nil {
			t.Fatal(err)
		}
		for b, v := range [][]float64{predSag, predSpk} {
			var ws Workspace
			ws.dvFrom = v
			f := func(x []float64) float64 { return tg.Trace(&ws, nil, x, b) }
			got := make([]float64, len(v))
			loss := tg.Trace(&ws, got, v, b)
			var sum float64
			for _, term := range spec {
				sum += term.Weight * ws.Term(term.Feature)
			}
			if math.Abs(sum-loss) > 1e-12*loss || !(loss > 0) {
				t.Errorf("absolute %v trace %d: loss %v, Σ λ·Term %v", abs, b, loss, sum)
			}
			checkGrad(t, got, centralDiff(f, v, 1e-4), gradTol)

			// float32 volts: the gradient per volt is Scale × the one per mV
			// (up to float32 rounding of the trace, 6e-8 relative).
			v32, g32 := make([]float32, len(v)), make([]float32, len(v))
			for i, x := range v {
				v32[i] = float32(x / Scale)
			}
			ws.dvFrom = nil
			loss32 := tg.TraceVolts32(&ws, g32, v32, b)
			if math.Abs(loss32-loss) > 1e-3*loss {
				t.Errorf("TraceVolts32 loss %v, Trace %v", loss32, loss)
			}
			for i := range got {
				if d := math.Abs(float64(g32[i]) - Scale*got[i]); d > 1e-2*Scale*(1+math.Abs(got[i])) {
					t.Fatalf("TraceVolts32 gradient[%d] = %v, want %v", i, g32[i], Scale*got[i])
				}
			}
		}
	}
}
