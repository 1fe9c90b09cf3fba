package eval

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/features"
)

func spikes(n float64) features.Values { return features.Values{"Spikecount": {n}} }

func TestCountBins(t *testing.T) {
	pairs := [][2]float64{ // simulator, surrogate
		{1, 1}, {3, 6}, // 1–3: errors 0 and +1
		{4, 2},             // 4–10: −0.5
		{20, 10},           // 11–20: −0.5
		{40, 30},           // 21–40: −0.25
		{41, 41}, {80, 40}, // 41 or more: 0 and −0.5
		{0, 5}, {7, 0}, {0, 0}, // a miss each way and a silent pair: not binned
	}
	var b countBinner
	cmp := features.Comparison{FiringNames: []string{"Spikecount"}}
	for _, p := range pairs {
		b.add(spikes(p[0]), spikes(p[1]))
		cmp.Add(spikes(p[0]), spikes(p[1]))
	}
	got := b.bins()
	want := []struct {
		label        string
		n            int
		mean, signed float64
	}{
		{"1–3", 2, 0.5, 0.5},
		{"4–10", 1, 0.5, -0.5},
		{"11–20", 1, 0.5, -0.5},
		{"21–40", 1, 0.25, -0.25},
		{"41 or more", 2, 0.25, -0.25},
	}
	if len(got) != len(want) {
		t.Fatalf("%d bins, want %d: %+v", len(got), len(want), got)
	}
	total, n, share := 0.0, 0, 0.0
	for i, w := range want {
		g := got[i]
		if g.label() != w.label || g.N != w.n || math.Abs(float64(g.Mean)-w.mean) > 1e-15 || math.Abs(float64(g.Signed)-w.signed) > 1e-15 {
			t.Errorf("bin %d: %s n %d mean %v signed %v, want %+v", i, g.label(), g.N, g.Mean, g.Signed, w)
		}
		total += float64(g.Mean) * float64(g.N)
		n += g.N
		share += float64(g.Share)
	}
	// The bins split the accuracy table's Spikecount error: the same
	// pairs, the same sum.
	m, cn := cmp.Mean("Spikecount")
	if n != cn || math.Abs(total/float64(n)-m) > 1e-15 {
		t.Errorf("bins hold %d pairs, mean %v; the Comparison %d, %v", n, total/float64(n), cn, m)
	}
	if math.Abs(share-1) > 1e-15 || math.Abs(float64(got[0].Share)-1/2.75) > 1e-15 {
		t.Errorf("shares sum to %v, first %v (want 1, 1/2.75)", share, got[0].Share)
	}
}

func TestCountTable(t *testing.T) {
	var b countBinner
	b.add(spikes(2), spikes(3))
	b.add(spikes(50), spikes(25))
	got := countTable(b.bins())
	for _, want := range []string{
		"| simulator spikes | n | mean rel. error | signed | share |",
		"| 1–3 | 1 | 50 % | 50 % | 50 % |",
		"| 41 or more | 1 | 50 % | -50 % | 50 % |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
	if countTable(nil) != "" {
		t.Error("a table without bins")
	}
}

func TestCountBinsEmpty(t *testing.T) {
	var b countBinner
	b.add(spikes(0), spikes(0))
	b.add(spikes(3), features.Values{})
	if got := b.bins(); len(got) != 0 {
		t.Errorf("bins %+v, want none", got)
	}
}

func TestCountOutliers(t *testing.T) {
	recs := []record{ // simulator, surrogate spikes
		{model: 0, amp: 0.43, spikesSim: 3, spikes: 40}, // 37/3
		{model: 1, amp: 0.2, spikesSim: 20, spikes: 10}, // 0.5
		{model: 2, amp: 0.1, spikesSim: 0, spikes: 9},   // missed non-firing: not a pair
		{model: 1, amp: 0.3, spikesSim: 40, spikes: 40}, // 0
		{model: 2, amp: 0.25, spikesSim: 2, spikes: 3},  // 0.5, after model 1's tie
		{model: 0, amp: 0.19, spikesSim: 4, spikes: 0},  // missed firing: not a pair
	}
	name := func(m int) string { return fmt.Sprint("m", m) }
	got := countOutliers(recs, name, 3)
	total := 37.0/3 + 0.5 + 0 + 0.5
	want := []CountOutlier{
		{Model: "m0", AmpNA: 0.43, Simulator: 3, Surrogate: 40, Rel: Num(37.0 / 3), Share: Num(37.0 / 3 / total)},
		{Model: "m1", AmpNA: 0.2, Simulator: 20, Surrogate: 10, Rel: 0.5, Share: Num(0.5 / total)},
		{Model: "m2", AmpNA: 0.25, Simulator: 2, Surrogate: 3, Rel: 0.5, Share: Num(0.5 / total)},
	}
	if len(got) != len(want) {
		t.Fatalf("%d outliers, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Model != w.Model || g.AmpNA != w.AmpNA || g.Simulator != w.Simulator || g.Surrogate != w.Surrogate ||
			math.Abs(float64(g.Rel-w.Rel)) > 1e-15 || math.Abs(float64(g.Share-w.Share)) > 1e-15 {
			t.Errorf("outlier %d: %+v, want %+v", i, g, w)
		}
	}
	if n := len(countOutliers(recs, name, 10)); n != 4 {
		t.Errorf("%d outliers of 4 pairs", n)
	}
	tab := outlierTable(got)
	if !strings.Contains(tab, "| m0 | 0.43 | 3 | 40 | 1,230 % | 92.5 % |") || !strings.Contains(tab, "| m2 | 0.25 | 2 | 3 | 50 % | 3.75 % |") {
		t.Errorf("table:\n%s", tab)
	}
	if outlierTable(nil) != "" || countOutliers(recs[2:3], name, 3) != nil {
		t.Error("outliers without pairs")
	}
}
