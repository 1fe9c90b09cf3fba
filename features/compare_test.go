package features

import (
	"math"
	"testing"
)

// TestComparison checks the reference code's feature-error definition on
// hand-made feature values: misses are counted apart and not compared,
// multi-valued features are compared by their means, a zero truth has no
// relative error, and the feature lists follow the pair's firing.
func TestComparison(t *testing.T) {
	spiking := func(n, ahp1, ahp2, ss float64) Values {
		return Values{"Spikecount": {n}, "AHP_depth": {ahp1, ahp2}, "steady_state_voltage": {ss}, "sag_amplitude": {1}}
	}
	silent := func(ss float64) Values {
		return Values{"Spikecount": {0}, "steady_state_voltage": {ss}, "sag_amplitude": {2}}
	}
	pairs := []struct{ sim, sur Values }{
		{spiking(10, 20, 30, -60), spiking(8, 30, 30, -66)}, // both fire: Spikecount 0.2, AHP_depth 0.2, steady state 0.1
		{spiking(4, 10, 10, -60), silent(-70)},              // missed firing: not compared
		{silent(-70), spiking(2, 10, 10, -60)},              // missed non-firing: not compared
		{silent(-70), silent(-63)},                          // both silent: steady state 0.1, sag 0
		{silent(0), silent(-1)},                             // zero truth; sag 0
		{silent(-50), Values{"Spikecount": {0}}},            // steady state and sag on the simulator's only
	}
	c := Comparison{
		FiringNames: []string{"Spikecount", "AHP_depth", "steady_state_voltage", "AP1_width"},
		SilentNames: []string{"Spikecount", "steady_state_voltage", "sag_amplitude"},
	}
	for _, p := range pairs {
		c.Add(p.sim, p.sur)
	}
	if c.Traces != 6 || c.Firing != 2 || c.MissedFiring != 1 || c.MissedNonFiring != 1 {
		t.Errorf("traces %d, firing %d, missed firing %d, missed non-firing %d; want 6, 2, 1, 1", c.Traces, c.Firing, c.MissedFiring, c.MissedNonFiring)
	}
	for _, tc := range []struct {
		name            string
		want            []float64
		zero, onlyTruth int
	}{
		{"Spikecount", []float64{0.2}, 3, 0}, // the three silent pairs have Spikecount 0
		{"AHP_depth", []float64{0.2}, 0, 0},
		{"steady_state_voltage", []float64{0.1, 0.1}, 1, 1},
		{"sag_amplitude", []float64{0, 0}, 0, 1}, // compared on the silent pairs only
		{"AP1_width", nil, 0, 0},
	} {
		got := c.Rel[tc.name]
		if len(got) != len(tc.want) || c.ZeroTruth[tc.name] != tc.zero || c.OnlyTruth[tc.name] != tc.onlyTruth {
			t.Errorf("%s: errors %v (zero truth %d, only truth %d), want %v (%d, %d)", tc.name, got, c.ZeroTruth[tc.name], c.OnlyTruth[tc.name], tc.want, tc.zero, tc.onlyTruth)
			continue
		}
		for i := range got {
			if math.Abs(got[i]-tc.want[i]) > 1e-12 {
				t.Errorf("%s[%d] = %g, want %g", tc.name, i, got[i], tc.want[i])
			}
		}
	}
	if m, n := c.Mean("steady_state_voltage"); n != 2 || math.Abs(m-0.1) > 1e-12 {
		t.Errorf("Mean(steady_state_voltage) = %g over %d, want 0.1 over 2", m, n)
	}
	if m, n := c.Mean("AP1_width"); n != 0 || !math.IsNaN(m) {
		t.Errorf("Mean(AP1_width) = %g over %d, want NaN over 0", m, n)
	}
	for _, n := range append(append([]string(nil), ReferenceFiring...), ReferenceSilent...) {
		if !contains(Names, n) {
			t.Errorf("reference feature %q is not computed (features.Names)", n)
		}
	}
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

func TestValuesMeanFires(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		v     Values
		mean  float64
		ok    bool
		fires bool
	}{
		{"two values", Values{"x": {1, 4}, "Spikecount": {2}}, 2.5, true, true},
		{"undefined", Values{"Spikecount": {0}}, 0, false, false},
		{"empty", Values{"x": {}}, 0, false, false},
		{"NaN element", Values{"x": {1, math.NaN()}}, 0, false, false},
		{"infinite", Values{"x": {math.Inf(1)}, "Spikecount": {1}}, 0, false, true},
	} {
		m, ok := c.v.Mean("x")
		if m != c.mean && ok || ok != c.ok || c.v.Fires() != c.fires {
			t.Errorf("%s: Mean = %v, %v, Fires = %v; want %v, %v, %v", c.name, m, ok, c.v.Fires(), c.mean, c.ok, c.fires)
		}
	}
}
