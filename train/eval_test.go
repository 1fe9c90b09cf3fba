package train

import (
	"context"
	"slices"
	"testing"

	"github.com/noble-neuro/noble/features"
	"github.com/noble-neuro/noble/fno"
)

func TestSpikeStatsAdd(t *testing.T) {
	var s SpikeStats
	for _, c := range []struct {
		nt, np int
		rel    float64
	}{
		{0, 0, 0},    // both silent
		{4, 0, 1},    // missed firing
		{0, 3, 0},    // missed non-firing: no relative error without spikes
		{4, 5, 0.25}, // one spike too many
		{10, 7, 0.3},
	} {
		got := s.add(c.nt, c.np)
		if got != c.rel {
			t.Errorf("add(%d, %d) = %g, want %g", c.nt, c.np, got, c.rel)
		}
	}
	want := SpikeStats{Firing: 3, SurrogateFiring: 3, MissedFiring: 1, MissedNonFiring: 1}
	if s != want {
		t.Errorf("stats %+v, want %+v", s, want)
	}
}

// spikyData is the tiny layout whose test_seen traces fire counts[i]
// one-sample spikes (+20 mV from −70 mV, 4 ms apart) inside the stimulus
// window of the test window.
func spikyData(counts []int) *memData {
	d := newMemData(1, 0, 0, 4)
	s := &Shard{Samples: d.info.Samples}
	for i, n := range counts {
		s.Amp = append(s.Amp, 0.1)
		s.Model = append(s.Model, i%3)
		for j := range d.info.Samples {
			v := float32(-70)
			if k := j - 24; k >= 0 && k%4 == 0 && k/4 < n {
				v = 20
			}
			s.Voltage = append(s.Voltage, v)
		}
	}
	d.shards[SplitTestSeen] = []*Shard{s}
	return d
}

// TestEvaluateSpikes counts the spikes of the targets and of an operator
// whose output is a constant −70 mV (every parameter zero but the last
// bias), which never fires.
func TestEvaluateSpikes(t *testing.T) {
	counts := []int{0, 1, 3, 5, 0, 7}
	d := spikyData(counts)
	set, err := tinySettings(1).Resolved()
	if err != nil {
		t.Fatal(err)
	}
	m, err := fno.New(set.FNO(), 1)
	if err != nil {
		t.Fatal(err)
	}
	clear(m.Params)
	m.Params[len(m.Params)-1] = -0.07 // projection.fcs.1.bias, volts
	r := &runner{data: d, info: d.info, set: set, model: m}
	ev, err := r.evaluate(context.Background(), SplitTestSeen, true)
	if err != nil {
		t.Fatal(err)
	}
	if ev.n != len(counts) {
		t.Fatalf("%d traces evaluated, want %d", ev.n, len(counts))
	}
	want := SpikeStats{Firing: 4, MissedFiring: 4}
	got := ev.spikes
	got.SpikecountRel = nil
	if got != want || ev.spikes.SpikecountRel == nil || *ev.spikes.SpikecountRel != 1 {
		t.Errorf("spikes %+v (spikecount_rel %v), want %+v and 1", ev.spikes, ev.spikes.SpikecountRel, want)
	}

	// A silent operator: the feature errors come from the two traces on
	// which the simulator is silent too, over the reference's silent
	// features only.
	if len(ev.feats) == 0 {
		t.Errorf("no feature errors")
	}
	for name, fe := range ev.feats {
		if fe.N < 1 || fe.N > 2 || !slices.Contains(features.ReferenceSilent, name) {
			t.Errorf("feature %s compared on %d traces, want 1 or 2 of the silent ones", name, fe.N)
		}
	}

	// The same traces as the operator's output: every count exact.
	sc, err := r.newSpikeCounter()
	if err != nil {
		t.Fatal(err)
	}
	w := d.info.WindowSamples
	y := make([]float32, w)
	for i, n := range counts {
		sh := d.shards[SplitTestSeen][0]
		toVolts(y, sh.Voltage[i*sh.Samples+d.info.TestOffset:][:w])
		_, got, err := sc.values(y)
		if err != nil || got != n {
			t.Errorf("trace %d: Spikecount %d (%v), want %d", i, got, err, n)
		}
	}
}
