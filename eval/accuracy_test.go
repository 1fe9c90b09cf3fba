package eval

import (
	"math"
	"testing"

	"github.com/noble-neuro/noble/features"
)

// TestCompareTrace checks the paper's feature-error definition on
// hand-made feature values: misses are counted apart and not compared,
// multi-valued features are compared by their means, and a zero truth has
// no relative error.
func TestCompareTrace(t *testing.T) {
	spiking := func(n, ahp1, ahp2, ss float64) features.Values {
		return features.Values{"Spikecount": {n}, "AHP_depth": {ahp1, ahp2}, "steady_state_voltage": {ss}}
	}
	silent := func(ss float64) features.Values {
		return features.Values{"Spikecount": {0}, "steady_state_voltage": {ss}}
	}
	pairs := []struct{ sim, sur features.Values }{
		{spiking(10, 20, 30, -60), spiking(8, 30, 30, -66)}, // both fire: Spikecount 0.2, AHP_depth 0.2, steady state 0.1
		{spiking(4, 10, 10, -60), silent(-70)},              // missed firing: not compared
		{silent(-70), spiking(2, 10, 10, -60)},              // missed non-firing: not compared
		{silent(-70), silent(-63)},                          // both silent: steady state 0.1
		{silent(0), silent(-1)},                             // zero truth
	}
	sr := SplitResult{}
	perFeat := map[string]*FeatureError{}
	for _, n := range ErrorFeatures {
		perFeat[n] = &FeatureError{Name: n}
	}
	rels := map[string][]float64{}
	for _, p := range pairs {
		compareTrace(&sr, perFeat, rels, p.sim, p.sur)
	}
	if sr.Firing != 2 || sr.MissedFiring != 1 || sr.MissedNonFiring != 1 {
		t.Errorf("firing %d, missed firing %d, missed non-firing %d; want 2, 1, 1", sr.Firing, sr.MissedFiring, sr.MissedNonFiring)
	}
	for _, tc := range []struct {
		name string
		want []float64
		zero int
	}{
		{"Spikecount", []float64{0.2}, 2}, // the two silent pairs have Spikecount 0
		{"AHP_depth", []float64{0.2}, 0},
		{"steady_state_voltage", []float64{0.1, 0.1}, 1},
		{"AP1_width", nil, 0},
	} {
		got := rels[tc.name]
		if len(got) != len(tc.want) || perFeat[tc.name].ZeroTruth != tc.zero {
			t.Errorf("%s: errors %v (zero truth %d), want %v (%d)", tc.name, got, perFeat[tc.name].ZeroTruth, tc.want, tc.zero)
			continue
		}
		for i := range got {
			if math.Abs(got[i]-tc.want[i]) > 1e-12 {
				t.Errorf("%s[%d] = %g, want %g", tc.name, i, got[i], tc.want[i])
			}
		}
	}
}
