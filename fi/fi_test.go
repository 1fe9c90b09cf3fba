package fi

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

const (
	dt    = 0.02 // ms
	tStop = 515.0
)

// spikeTrain is a −70 mV trace with a 100 mV Gaussian spike (σ = 0.2 ms)
// at each of the given times (ms).
func spikeTrain(times []float64) []float64 { return spikeTrainOver(times, tStop) }

// spikeTrainOver is spikeTrain on a trace of length tEnd ms.
func spikeTrainOver(times []float64, tEnd float64) []float64 {
	v := make([]float64, int(math.Round(tEnd/dt))+1)
	for i := range v {
		v[i] = -70
	}
	for _, ts := range times {
		lo, hi := int((ts-2)/dt), int((ts+2)/dt)+1
		for i := max(lo, 0); i < min(hi, len(v)); i++ {
			d := float64(i)*dt - ts
			v[i] += 100 * math.Exp(-d*d/(2*0.04))
		}
	}
	return v
}

// linearModel fires regularly at f = slope·(I − i0) Hz from stimulus onset
// (15 ms): spikes at 15 + k·1000/f ms while inside the 400 ms stimulus. Its
// eFEL mean_frequency is exactly f (up to the 0.1 ms resampling grid), and it
// first fires a spike inside the window at f = 2.5 Hz, i.e. at
// I = i0 + 2.5/slope.
func linearModel(slope, i0 float64, calls *int) Simulator {
	return func(ctx context.Context, amp float64) ([]float64, error) {
		*calls++
		var times []float64
		if f := slope * (amp - i0); f > 0 {
			for k := 1; ; k++ {
				ts := 15 + float64(k)*1000/f
				if ts > 414.5 {
					break
				}
				times = append(times, ts)
			}
		}
		return spikeTrain(times), nil
	}
}

// lif is a leaky integrate-and-fire neuron solved analytically: from rest EL
// the membrane relaxes towards EL + R·I with time constant tau; at VTh it
// spikes (a Gaussian spike is drawn) and resets to EL after a 2 ms
// refractory period. Its rheobase is (VTh − EL)/R; with tau = 10 ms the
// first spike comes within 400 ms for I > rheobase·(1 + 5e-18), so the
// threshold current equals the rheobase.
func lif(calls *int) (Simulator, float64) {
	const (
		el, vth, r, tau, tref = -70.0, -50.0, 1000.0, 10.0, 2.0 // mV, mV, MΩ, ms, ms
	)
	rheo := (vth - el) / r // nA
	return func(ctx context.Context, amp float64) ([]float64, error) {
		*calls++
		var times []float64
		if drive := r * amp; drive > vth-el {
			isi := tau * math.Log(drive/(drive-(vth-el)))
			for ts := 15 + isi; ts < 414; ts += isi + tref {
				times = append(times, ts)
			}
		}
		return spikeTrain(times), nil
	}, rheo
}

func TestEmbedLinear(t *testing.T) {
	t.Parallel()
	const slope, i0 = 800.0, 0.012 // Hz/nA, nA
	rheo := i0 + 2.5/slope         // first spike inside the 400 ms window
	for _, c := range []struct {
		method   Method
		rate     Rate
		slopeOK  float64 // relative tolerance on s_thr
		wantIThr float64 // nA
		iThrOK   float64 // nA
	}{
		// mean_frequency = f up to the 0.05 ms placement error of the last
		// peak over ≥ 300 ms: ≤ 2e-4 relative per point, so the fit over the
		// 0.13 nA window returns the line itself: slope and zero crossing i0.
		{MethodFit, RateMeanFrequency, 1e-3, i0, 1e-5},
		// A spike count over 400 ms quantises the rate to 2.5 Hz steps; over
		// the 0.13 nA window (104 Hz of rate) the slope is right within 5 %
		// and the zero crossing within 2.5 Hz / 800 Hz/nA ≈ 3 pA.
		{MethodFit, RateCount, 0.05, i0, 0.0035},
		// The local definition: I_thr is the bisection threshold (within the
		// 1e-4 nA tolerance); over the 0.02 nA window (16 Hz of rate) the
		// count slope is right within ~25 %.
		{MethodLocal, RateMeanFrequency, 1e-3, rheo, 1e-4 + 1e-6},
		{MethodLocal, RateCount, 0.25, rheo, 1e-4 + 1e-6},
	} {
		t.Run(c.method.String()+"/"+c.rate.String(), func(t *testing.T) {
			calls := 0
			res, err := Embed(context.Background(), linearModel(slope, i0, &calls), &Settings{Method: c.method, Rate: c.rate})
			if err != nil {
				t.Fatal(err)
			}
			if d := math.Abs(res.IThr - c.wantIThr); d > c.iThrOK {
				t.Errorf("IThr = %.6f nA, want %.6f ± %g", res.IThr, c.wantIThr, c.iThrOK)
			}
			if d := res.Rheobase - rheo; d < 0 || d > 1e-4+1e-6 {
				t.Errorf("Rheobase = %.6f nA, want %.6f (+ ≤ 1e-4)", res.Rheobase, rheo)
			}
			if d := math.Abs(res.SThr-slope) / slope; d > c.slopeOK {
				t.Errorf("SThr = %.3f Hz/nA, want %v ± %g relative", res.SThr, slope, c.slopeOK)
			}
			if res.Sims != calls || calls > 20 {
				t.Errorf("Sims = %d, simulator calls %d (want ≤ 20)", res.Sims, calls)
			}
			for i := 1; i < len(res.Points); i++ {
				if res.Points[i].Amp <= res.Points[i-1].Amp {
					t.Fatalf("points not ascending: %v", res.Points)
				}
			}
			if c.rate == RateMeanFrequency {
				// The zero-rate crossing of an exactly linear F-I curve is i0.
				if d := math.Abs(res.Intercept - i0); d > 1e-5 {
					t.Errorf("Intercept = %.7f nA, want %v", res.Intercept, i0)
				}
			}
		})
	}
}

func TestEmbedLIF(t *testing.T) {
	t.Parallel()
	calls := 0
	sim, rheo := lif(&calls)
	res, err := Embed(context.Background(), sim, &Settings{Tol: 1e-5})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rheobase < rheo || res.Rheobase-rheo > 1e-5 {
		t.Errorf("Rheobase = %.7f nA, want %.7f (+ ≤ 1e-5)", res.Rheobase, rheo)
	}
	// The LIF F-I curve is concave, so the fitted line crosses zero rate
	// below the rheobase.
	if !(res.IThr < res.Rheobase) || res.IThr != res.Intercept {
		t.Errorf("IThr = %v, want the fit's zero crossing %v below the rheobase %v", res.IThr, res.Intercept, res.Rheobase)
	}
	if !(res.SThr > 0) {
		t.Errorf("SThr = %v, want positive", res.SThr)
	}
	t.Logf("LIF: I_thr %.6f nA, s_thr %.1f Hz/nA, %d simulations", res.IThr, res.SThr, res.Sims)
}

func TestEmbedFailures(t *testing.T) {
	t.Parallel()
	calls := 0
	_, err := Embed(context.Background(), linearModel(800, -0.1, &calls), nil)
	if !errors.Is(err, ErrFiresAtLo) {
		t.Errorf("spontaneously firing model: err = %v, want ErrFiresAtLo", err)
	}
	res, err := Embed(context.Background(), linearModel(800, 5, &calls), nil)
	if !errors.Is(err, ErrNoThreshold) {
		t.Errorf("silent model: err = %v, want ErrNoThreshold", err)
	}
	if res == nil || len(res.Points) != 8 { // 0, 0.05, 0.1, 0.2, …, 1.6, 2
		t.Errorf("silent model: points %v, want 0 and the doubling bracket up to 2 nA", res)
	}
	boom := errors.New("boom")
	_, err = Embed(context.Background(), func(context.Context, float64) ([]float64, error) { return nil, boom }, nil)
	if !errors.Is(err, boom) {
		t.Errorf("simulator error: err = %v, want it wrapped", err)
	}
	_, err = Embed(context.Background(), func(context.Context, float64) ([]float64, error) {
		return []float64{1, math.NaN(), 3}, nil
	}, nil)
	if !errors.Is(err, ErrTrace) {
		t.Errorf("bad trace: err = %v, want ErrTrace", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Embed(ctx, linearModel(800, 0.01, &calls), nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
	for _, s := range []Settings{{Lo: 1, FirstHi: 0.5}, {SlopePoints: 1}, {Tol: -1}, {Rate: 7}, {Dt: math.NaN()},
		{Method: 5}, {FitPoints: 1}, {FitWidth: -0.1}, {FitWidth: math.Inf(1)}} {
		if _, err := Embed(context.Background(), linearModel(800, 0.01, &calls), &s); !errors.Is(err, ErrSettings) {
			t.Errorf("settings %+v: err = %v, want ErrSettings", s, err)
		}
	}
}

func TestFit(t *testing.T) {
	t.Parallel()
	s, z := Fit([]float64{0.1, 0.2, 0.3, 0.4}, []float64{10, 30, 50, 70})
	if math.Abs(s-200) > 1e-9 || math.Abs(z-0.05) > 1e-12 {
		t.Errorf("Fit = %v, %v; want 200, 0.05", s, z)
	}
	if s, _ := Fit([]float64{1, 1}, []float64{1, 2}); !math.IsNaN(s) {
		t.Errorf("Fit of equal x = %v, want NaN", s)
	}
}

func TestCurveAndRate(t *testing.T) {
	t.Parallel()
	calls := 0
	pts, err := Curve(context.Background(), linearModel(1000, 0, &calls), []float64{0, 0.01, 0.05, 0.01}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// f = 10 Hz: spikes at 115, 215, 315, 415(>414.5, dropped) → 3 spikes,
	// 7.5 Hz by count; 50 Hz: 19 spikes (15 + 20k ≤ 414.5).
	want := []int{0, 3, 19, 3}
	for i, p := range pts {
		if p.Spikes != want[i] || p.Rate != float64(want[i])*2.5 {
			t.Errorf("point %d = %+v, want %d spikes", i, p, want[i])
		}
	}
	if calls != 3 {
		t.Errorf("simulator called %d times, want 3 (repeated amplitude cached)", calls)
	}
	for _, r := range []Rate{RateCount, RateMeanFrequency} {
		if got, err := ParseRate(r.String()); err != nil || got != r {
			t.Errorf("ParseRate(%q) = %v, %v", r, got, err)
		}
	}
	if _, err := ParseRate("hz"); !errors.Is(err, ErrSettings) {
		t.Errorf("ParseRate(hz) err = %v", err)
	}
	for _, m := range []Method{MethodFit, MethodLocal} {
		if got, err := ParseMethod(m.String()); err != nil || got != m {
			t.Errorf("ParseMethod(%q) = %v, %v", m, got, err)
		}
	}
	if _, err := ParseMethod("ipfx"); !errors.Is(err, ErrSettings) {
		t.Errorf("ParseMethod(ipfx) err = %v", err)
	}
}

// countModel fires spikes(amp) spikes spread over the stimulus window.
func countModel(spikes func(amp float64) int) Simulator {
	return func(_ context.Context, amp float64) ([]float64, error) {
		n := spikes(amp)
		times := make([]float64, n)
		for k := range times {
			times[k] = 15 + (float64(k)+0.5)*400/float64(n)
		}
		return spikeTrain(times), nil
	}
}

// TestCheck embeds models whose F-I curves a line fit describes, and ones it
// cannot (the faults seen on /api/fi: a surrogate firing one spike at every
// amplitude above its threshold gave I_thr −0.613 nA with s_thr 4.1 Hz/nA,
// and an almost flat curve I_thr 3e14 nA), and checks which embeddings
// Result.Check accepts.
func TestCheck(t *testing.T) {
	t.Parallel()
	var calls int
	for _, c := range []struct {
		name string
		sim  Simulator
		s    *Settings
		want string // substring of Check's error; "" for nil
	}{
		{"linear", linearModel(800, 0.1, &calls), nil, ""},
		{"linear local", linearModel(800, 0.1, &calls), &Settings{Method: MethodLocal}, ""},
		{"one spike everywhere", countModel(func(a float64) int { return b2i(a >= 0.2) }), nil, "s_thr = 0"},
		{"one spike, two at the top", countModel(func(a float64) int { return b2i(a >= 0.2) + b2i(a > 0.32) }), nil, "less than one spike"},
		{"silent after threshold", countModel(func(a float64) int { return 5 * b2i(a >= 0.2 && a < 0.21) }), nil, "of the 7 amplitudes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := Embed(context.Background(), c.sim, c.s)
			if err != nil {
				t.Fatal(err)
			}
			err = res.Check()
			switch {
			case c.want == "" && err != nil:
				t.Errorf("Check() = %v, want nil (I_thr %g, s_thr %g)", err, res.IThr, res.SThr)
			case c.want != "" && (!errors.Is(err, ErrUnreliable) || !strings.Contains(err.Error(), c.want)):
				t.Errorf("Check() = %v, want ErrUnreliable with %q (I_thr %g, s_thr %g)", err, c.want, res.IThr, res.SThr)
			}
		})
	}
	// Results made by hand: the two values reported on /api/fi.
	win := []Point{{Amp: 0.2, Spikes: 1}, {Amp: 0.25, Spikes: 1}, {Amp: 0.3, Spikes: 2}}
	set := Settings{}.withDefaults()
	for _, r := range []Result{
		{IThr: -0.613, SThr: 4.1, Rheobase: 0.2, Window: win, Settings: set},
		{IThr: 3.04e14, SThr: 1e-12, Rheobase: 0.2, Window: win, Settings: set},
		{IThr: -0.613, SThr: 400, Rheobase: 0.2, Window: win, Settings: set},
		{IThr: 0.19, SThr: math.Inf(1), Rheobase: 0.2, Window: win, Settings: set},
		{IThr: math.NaN(), SThr: math.NaN(), Rheobase: math.NaN(), Settings: set},
	} {
		if err := r.Check(); !errors.Is(err, ErrUnreliable) {
			t.Errorf("Check(I_thr %g, s_thr %g) = %v, want ErrUnreliable", r.IThr, r.SThr, err)
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestAHPDepthWindow(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	for _, c := range []struct {
		name      string
		window    []Point
		depth, at float64 // NaN: none
	}{
		{"top of the window", []Point{{Amp: 0.1, AHPDepth: nan}, {Amp: 0.15, AHPDepth: 3}, {Amp: 0.2, AHPDepth: 5}}, 5, 0.2},
		{"strongest with one", []Point{{Amp: 0.1, AHPDepth: -2}, {Amp: 0.15, AHPDepth: nan}}, -2, 0.1},
		{"none fires twice", []Point{{Amp: 0.1, AHPDepth: nan}}, nan, nan},
		{"empty", nil, nan, nan},
	} {
		d, a := AHPDepth(c.window)
		same := func(x, y float64) bool { return x == y || math.IsNaN(x) && math.IsNaN(y) }
		if !same(d, c.depth) || !same(a, c.at) {
			t.Errorf("%s: AHPDepth = %v mV at %v nA, want %v at %v", c.name, d, a, c.depth, c.at)
		}
	}
}
