package sim

import (
	"context"
	"errors"
	"math"
	"testing"
)

// TestWaveformCurrent checks the interpolation against NEURON's rule for
// Vector.play(&amp, tvec, 1) (ivocvect.cpp VecPlayContinuous::interpolate):
// the first value before the first time, the last after the last, linear in
// between, and at a repeated time the side t lies on.
func TestWaveformCurrent(t *testing.T) {
	t.Parallel()
	ramp := &Waveform{T: []float64{10, 20}, I: []float64{0, 1}}
	step := &Waveform{T: []float64{0, 5, 5, 8, 8, 20}, I: []float64{0, 0, 0.3, 0.3, 0, 0}}
	grid := &Waveform{I: []float64{1, 2, 3}}
	cases := []struct {
		name string
		w    *Waveform
		k    int
		t    float64
		want float64
	}{
		{"ramp before", ramp, 0, 5, 0},
		{"ramp start", ramp, 0, 10, 0},
		{"ramp middle", ramp, 0, 12.5, 0.25},
		{"ramp end", ramp, 0, 20, 1},
		{"ramp after", ramp, 0, 30, 1},
		{"step off", step, 0, 4.99, 0},
		{"step at the jump", step, 0, 5, 0.3},
		{"step on", step, 0, 7.99, 0.3},
		{"step off again", step, 0, 8.01, 0},
		{"grid 0", grid, 0, 99, 1},
		{"grid 2", grid, 2, -1, 3},
	}
	for _, c := range cases {
		last := 1
		if got := c.w.current(c.k, c.t, &last); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("%s: current(%d, %v) = %v, want %v", c.name, c.k, c.t, got, c.want)
		}
	}
	// The search hint may point anywhere: forwards and backwards give the
	// same values as a fresh search.
	last := 1
	for _, tt := range []float64{1, 6, 19, 7, 2, 8.5, 5} {
		fresh := 1
		if a, b := step.current(0, tt, &last), step.current(0, tt, &fresh); a != b {
			t.Errorf("current at %v with a stale hint = %v, fresh = %v", tt, a, b)
		}
	}
}

// TestWaveformStep: a step given as a waveform, on the dt grid or with
// times, gives the step protocol's trace bit for bit (the simulator adds the
// same current at the same steps), and bad waveforms are ErrProtocol.
func TestWaveformStep(t *testing.T) {
	t.Parallel()
	c, err := LoadCell(mouseDir(t))
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.Model(c.ParamFiles[0])
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const dt, tstop, delay, dur, amp = 0.025, 30.0, 5.0, 20.0, 0.4
	ref, err := m.Simulate(ctx, Protocol{Dt: dt, TStop: tstop, Delay: delay, Dur: dur, Amp: amp}, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := int(math.Round(tstop/dt)) + 1
	grid := make([]float64, n)
	for k := range grid {
		if tk := float64(k) * dt; tk >= delay && tk < delay+dur-dt/2 {
			grid[k] = amp
		}
	}
	for _, w := range []*Waveform{
		{I: grid},
		{T: []float64{0, delay, delay, delay + dur, delay + dur, tstop}, I: []float64{0, 0, amp, amp, 0, 0}},
	} {
		v, err := m.Simulate(ctx, Protocol{Dt: dt, TStop: tstop, Stimulus: w}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k := range ref {
			if v[k] != ref[k] {
				t.Fatalf("waveform (times %v): v[%d] = %v, step protocol %v", w.T != nil, k, v[k], ref[k])
			}
		}
	}
	for _, w := range []*Waveform{
		{},
		{I: grid[:10]},
		{I: []float64{0, math.NaN()}, T: []float64{0, 1}},
		{I: []float64{0, 1}, T: []float64{1, 0}},
		{I: []float64{0, 1}, T: []float64{1}},
	} {
		if _, err := m.Simulate(ctx, Protocol{Dt: dt, TStop: tstop, Stimulus: w}, nil); !errors.Is(err, ErrProtocol) {
			t.Errorf("waveform %+v: err = %v, want ErrProtocol", w, err)
		}
	}
}
