package features

import (
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/internal/testutil"
)

// synth samples f at dt from 0 to tEnd ms.
func synth(dt, tEnd float64, f func(t float64) float64) []float64 {
	n := int(math.Round(tEnd/dt)) + 1
	v := make([]float64, n)
	for i := range v {
		v[i] = f(float64(i) * dt)
	}
	return v
}

func near(t *testing.T, v Values, name string, i int, want, tol float64) {
	t.Helper()
	x := v[name]
	if i >= len(x) {
		t.Errorf("%s = %v, want index %d ≈ %v", name, x, i, want)
		return
	}
	if d := math.Abs(x[i] - want); !(d <= tol) {
		t.Errorf("%s[%d] = %.12g, want %.12g ± %g", name, i, x[i], want, tol)
	}
}

func undefined(t *testing.T, v Values, names ...string) {
	t.Helper()
	for _, n := range names {
		if x, ok := v[n]; !ok || x != nil {
			t.Errorf("%s = %v (present %v), want undefined", n, x, ok)
		}
	}
}

func mustCompute(t *testing.T, v []float64, dt float64, s Settings) Values {
	t.Helper()
	got, err := Compute(v, dt, &s)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range Names {
		if _, ok := got[n]; !ok {
			t.Errorf("feature %s missing from the result", n)
		}
	}
	return got
}

// TestExponentialDecay: v = −70 mV up to stim_start, a step of A inside
// the stimulus, and an exact exponential relaxation A·exp(−(t−stim_end)/τ)
// after it, so that log|v − v(stim_start)| is a line of slope −1/τ and
// decay_time_constant_after_stim must return τ. Linear resampling of the
// exponential between 0.025 ms samples errs by about (dt²/8)/τ² relative,
// hence the 1e-6 tolerance.
func TestExponentialDecay(t *testing.T) {
	t.Parallel()
	const (
		rest, tau = -70.0, 7.5
		ss, se    = 15.0, 415.0
	)
	for _, amp := range []float64{5, -8} {
		v := synth(0.025, 515, func(x float64) float64 {
			switch {
			case x <= ss+1: // v(stim_start) is the decay fit's reference
				return rest
			case x <= se:
				return rest + amp
			default:
				return rest + amp*math.Exp(-(x-se)/tau)
			}
		})
		got := mustCompute(t, v, 0.025, Settings{StimStart: ss, StimEnd: se})
		near(t, got, "decay_time_constant_after_stim", 0, tau, 1e-6*tau)
		near(t, got, "voltage_base", 0, rest, 1e-12)
		near(t, got, "steady_state_voltage_stimend", 0, rest+amp, 1e-12)
		near(t, got, "Spikecount", 0, 0, 0)
		near(t, got, "depol_block", 0, 1, 0)
		undefined(t, got, "peak_time", "peak_voltage", "AP_amplitude", "mean_frequency",
			"ISI_values", "AHP_depth", "spike_half_width", "time_to_first_spike")
		if amp > 0 {
			undefined(t, got, "sag_amplitude") // depolarising: eFEL leaves it undefined
			near(t, got, "maximum_voltage", 0, rest+amp, 1e-12)
		} else {
			// The step has no sag: steady state equals the minimum.
			near(t, got, "sag_amplitude", 0, 0, 1e-12)
			near(t, got, "minimum_voltage", 0, rest+amp, 1e-12)
		}
	}
}

// TestSineTrain: v = −50 + 60·sin(2π·t/20 ms) has peaks of +10 mV at
// t = 5 + 20k ms (on the 0.1 ms grid), troughs of −110 mV at 15 + 20k, and
// crosses −20 mV at the phases 30° and 150°.
func TestSineTrain(t *testing.T) {
	t.Parallel()
	const period = 20.0
	v := synth(0.02, 515, func(x float64) float64 { return -50 + 60*math.Sin(2*math.Pi*x/period) })
	got := mustCompute(t, v, 0.02, NOBLE())
	// Peaks at 5, 25, ..., 505: the last down crossing (at 510 ms) exists, so 26 spikes.
	const n = 26
	near(t, got, "Spikecount", 0, n, 0)
	for i := 0; i < n; i++ {
		near(t, got, "peak_time", i, 5+period*float64(i), 1e-9)
		near(t, got, "peak_voltage", i, 10, 1e-9)
	}
	near(t, got, "time_to_first_spike", 0, 5-15, 1e-9) // the first peak precedes the stimulus
	// Spikes in [15, 415]: 25 … 405 → 20 spikes; 20·1000/(405 − 15).
	near(t, got, "mean_frequency", 0, 20*1000/(405.0-15), 1e-9)
	near(t, got, "inv_first_ISI", 0, 1000/period, 1e-9)
	if isi := got["ISI_values"]; len(isi) != n-2 {
		t.Errorf("len(ISI_values) = %d, want %d", len(isi), n-2)
	}
	near(t, got, "ISI_CV", 0, 0, 1e-9)
	near(t, got, "adaptation_index2", 0, 0, 1e-9)
	// Troughs follow every peak; the last one (515 ms) is the last sample and is dropped.
	if a := got["AHP_depth_abs"]; len(a) != n-1 {
		t.Errorf("len(AHP_depth_abs) = %d, want %d", len(a), n-1)
	}
	near(t, got, "AHP_depth_abs", 0, -110, 1e-9)
	near(t, got, "AHP_time_from_peak", 3, period/2, 1e-9)
	near(t, got, "AHP1_depth_from_peak", 0, 120, 1e-9)
	// Half amplitude −50 mV is the sine's zero crossing: the width is half a
	// period; linear interpolation of a sine at its zero crossing errs by
	// O(step³), far below 1e-4 ms.
	// The first rise search starts at stim_start (15 ms), after the first peak
	// (5 ms): the range is reversed, libstdc++'s find_if returns its end and
	// eFEL takes the peak itself as the rise point, giving a meaningless
	// width, which we reproduce but do not check.
	for i := 1; i < n-1; i++ {
		near(t, got, "spike_half_width", i, period/2, 1e-4)
	}
	// AP_width: time above −20 mV is a third of a period, on the 0.1 ms grid.
	for i := 0; i < n-1; i++ {
		near(t, got, "AP_width", i, period/3, 0.1)
	}
	near(t, got, "depol_block", 0, 1, 0)
	// AP_amplitude pairs the 20 peaks inside the stimulus with AP begins.
	amp, pv, bv := got["AP_amplitude"], got["peak_voltage"], got["AP_begin_voltage"]
	if len(amp) != 20 {
		t.Fatalf("len(AP_amplitude) = %d, want 20", len(amp))
	}
	for i := range amp {
		if d := amp[i] - (pv[i+1] - bv[i]); math.Abs(d) > 1e-12 {
			t.Errorf("AP_amplitude[%d] = %v, want peak_voltage − AP_begin_voltage = %v", i, amp[i], pv[i+1]-bv[i])
		}
	}
}

// TestFlat: a constant trace has no spikes; its subthreshold features are
// the constant, sag_amplitude is 0 (deflection 0 ≤ 0) and the decay fit of
// log 0 = −Inf is NaN, which eFEL also returns.
func TestFlat(t *testing.T) {
	t.Parallel()
	v := synth(0.02, 515, func(float64) float64 { return -65 })
	got := mustCompute(t, v, 0.02, NOBLE())
	near(t, got, "Spikecount", 0, 0, 0)
	for _, n := range []string{"voltage_base", "steady_state_voltage", "steady_state_voltage_stimend", "minimum_voltage", "maximum_voltage"} {
		near(t, got, n, 0, -65, 0)
	}
	near(t, got, "sag_amplitude", 0, 0, 0)
	near(t, got, "depol_block", 0, 1, 0)
	if x := got["decay_time_constant_after_stim"]; len(x) != 1 || !math.IsNaN(x[0]) {
		t.Errorf("decay_time_constant_after_stim = %v, want [NaN]", x)
	}
	undefined(t, got, "peak_indices", "peak_time", "mean_frequency", "ISI_CV", "AP_width",
		"AHP_depth_abs", "AP_begin_indices", "AP_amplitude", "mean_AP_amplitude", "adaptation_index2")
}

// spike is a 1 ms wide Gaussian action potential of +100 mV on −70 mV.
func spike(x, at float64) float64 { return 100 * math.Exp(-(x-at)*(x-at)/(2*0.25*0.25)) }

// TestStartsAboveThreshold: the leading downward crossing is dropped and the
// trailing upward one (trace ends above threshold) is unmatched and dropped,
// so only the two complete spikes count.
func TestStartsAboveThreshold(t *testing.T) {
	t.Parallel()
	v := synth(0.02, 515, func(x float64) float64 {
		base := -70.0
		if x < 2 || x > 510 {
			base = 0
		}
		return base + spike(x, 100) + spike(x, 200)
	})
	got := mustCompute(t, v, 0.02, NOBLE())
	near(t, got, "Spikecount", 0, 2, 0)
	near(t, got, "peak_time", 0, 100, 1e-9)
	near(t, got, "peak_time", 1, 200, 1e-9)
	near(t, got, "peak_voltage", 0, 30, 1e-9)
	near(t, got, "time_to_first_spike", 0, 85, 1e-9)
	near(t, got, "mean_frequency", 0, 2000/(200.0-15), 1e-9)
	near(t, got, "inv_first_ISI", 0, 10, 1e-9)
	if x := got["ISI_values"]; x == nil || len(x) != 0 {
		t.Errorf("ISI_values = %#v, want defined and empty (two spikes, first ISI ignored)", x)
	}
	undefined(t, got, "ISI_CV", "adaptation_index2")
	// Gaussian of σ = 0.25 ms and height 100 from −70: half maximum at −20 mV
	// (the AHP is the −70 baseline); FWHM = 2σ√(2 ln 2).
	fwhm := 2 * 0.25 * math.Sqrt(2*math.Ln2)
	near(t, got, "spike_half_width", 0, fwhm, 2e-3)
	near(t, got, "AP1_width", 0, fwhm, 2e-3)
	near(t, got, "AHP_depth_abs", 0, -70, 1e-6)
}

func TestErrors(t *testing.T) {
	t.Parallel()
	good := synth(0.02, 515, func(float64) float64 { return -70 })
	nan := append([]float64(nil), good...)
	nan[1234] = math.NaN()
	inf := append([]float64(nil), good...)
	inf[7] = math.Inf(-1)
	noble := NOBLE()
	cases := []struct {
		name string
		v    []float64
		dt   float64
		s    *Settings
		want error
		idx  int
	}{
		{"empty", nil, 0.02, &noble, ErrEmpty, -1},
		{"two samples", []float64{1, 2}, 0.02, &noble, ErrEmpty, -1},
		{"NaN", nan, 0.02, &noble, ErrNonFinite, 1234},
		{"Inf", inf, 0.02, &noble, ErrNonFinite, 7},
		{"zero dt", good, 0, &noble, ErrDt, -1},
		{"negative dt", good, -0.02, &noble, ErrDt, -1},
		{"NaN dt", good, math.NaN(), &noble, ErrDt, -1},
		{"stim beyond trace", good[:1000], 0.02, &noble, ErrStimWindow, -1},
		{"stim reversed", good, 0.02, &Settings{StimStart: 20, StimEnd: 10}, ErrStimWindow, -1},
		{"stim negative", good, 0.02, &Settings{StimStart: -1, StimEnd: 10}, ErrStimWindow, -1},
		{"no settings", good, 0.02, nil, ErrSettings, -1},
		{"bad window", good, 0.02, &Settings{StimStart: 15, StimEnd: 415, DerivativeWindow: -1}, ErrSettings, -1},
		{"NaN threshold", good, 0.02, &Settings{StimStart: 15, StimEnd: 415, Threshold: math.NaN()}, ErrSettings, -1},
		{"grid too fine", good, 0.02, &Settings{StimStart: 15, StimEnd: 415, InterpStep: 1e-9}, ErrSettings, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Compute(c.v, c.dt, c.s)
			if !errors.Is(err, c.want) {
				t.Fatalf("Compute error = %v, want %v", err, c.want)
			}
			if c.idx >= 0 {
				var se *SampleError
				if !errors.As(err, &se) || se.Index != c.idx {
					t.Errorf("error %v does not name sample %d", err, c.idx)
				}
			}
		})
	}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	v := Values{"Spikecount": {0}, "peak_time": nil, "ISI_values": {}, "decay_time_constant_after_stim": {math.NaN()}, "zzz": {1.5}}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"Spikecount":[0],"peak_time":null,"ISI_values":[],"decay_time_constant_after_stim":[null],"zzz":[1.5]}`
	if string(b) != want {
		t.Errorf("json = %s\nwant   %s", b, want)
	}
	var back map[string][]*float64
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
}

// TestReuse: an extractor gives the same answer on a trace whatever it
// computed before, and results do not alias its buffers.
func TestReuse(t *testing.T) {
	t.Parallel()
	root := testutil.RepoRoot(t)
	a := readTrace(t, filepath.Join(root, "testdata/neuron/mouse_pvalb_318331342/hof_param_318331342_0__amp0.3.npy"))
	b := readTrace(t, filepath.Join(root, "testdata/neuron/mouse_pvalb_318331342/hof_param_318331342_1__amp-0.1.npy"))
	s := NOBLE()
	ex, err := NewExtractor(&s)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := ex.Compute(a, 0.02)
	want, _ := json.Marshal(first)
	ex.Compute(b, 0.02)
	again, _ := ex.Compute(a, 0.02)
	got, _ := json.Marshal(again)
	if string(got) != string(want) {
		t.Error("results differ after reuse")
	}
	if b2, _ := json.Marshal(first); string(b2) != string(want) {
		t.Error("an earlier result changed: it aliases the extractor's buffers")
	}
	if !strings.Contains(string(want), `"Spikecount":[42]`) {
		t.Errorf("Spikecount of %s: %s", "hof_param_318331342_0__amp0.3", want[:60])
	}
}
