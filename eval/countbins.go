package eval

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/noble-neuro/noble/features"
)

// CountBin is the Spikecount error on the test traces whose simulator
// fires Lo to Hi spikes (Hi 0: no upper bound), over the traces on which
// both simulator and surrogate fire, the pairs the Spikecount row of the
// accuracy table averages. The mean error hides where it comes from: a
// fast-spiking cell fires a few spikes just above threshold and then
// jumps to a sustained train, and a surrogate can be right on one side of
// that jump and wrong on the other.
type CountBin struct {
	Lo     int `json:"lo"`
	Hi     int `json:"hi"`
	N      int `json:"n"`
	Mean   Num `json:"mean_rel"`   // mean |ŝ − s| / s
	Signed Num `json:"signed_rel"` // mean (ŝ − s) / s: negative when the surrogate fires too few
	// Share is the bin's part of the split's Spikecount error, the sum
	// of its relative errors over the sum over all bins.
	Share Num `json:"share"`
}

// countEdges are the bins' lower bounds, in spikes (the simulator's eFEL
// Spikecount on the test window): near threshold, then trains of
// increasing rate.
var countEdges = [...]int{1, 4, 11, 21, 41}

// countBinner accumulates CountBins trace by trace.
type countBinner struct {
	n           [len(countEdges)]int
	abs, signed [len(countEdges)]float64
}

// spikecount returns a trace's eFEL Spikecount, 0 where it is undefined
// (silent, as features.Values.Fires reads it).
func spikecount(v features.Values) float64 {
	n, ok := v.Mean("Spikecount")
	if !ok {
		return 0
	}
	return n
}

// bothFire reports whether a pair of spike counts (simulator, surrogate)
// is compared: the pairs of the accuracy table's Spikecount error.
func bothFire(sim, sur float64) bool { return sim > 0 && sur > 0 }

// add bins one pair of traces if both fire.
func (b *countBinner) add(truth, pred features.Values) {
	s, p := spikecount(truth), spikecount(pred)
	if !bothFire(s, p) {
		return
	}
	k := len(countEdges) - 1
	for k > 0 && s < float64(countEdges[k]) {
		k--
	}
	b.n[k]++
	b.abs[k] += math.Abs(p-s) / s
	b.signed[k] += (p - s) / s
}

// bins returns the non-empty bins.
func (b *countBinner) bins() []CountBin {
	total := 0.0
	for _, a := range b.abs {
		total += a
	}
	var out []CountBin
	for k, n := range b.n {
		if n == 0 {
			continue
		}
		bin := CountBin{Lo: countEdges[k], N: n, Mean: Num(b.abs[k] / float64(n)), Signed: Num(b.signed[k] / float64(n)), Share: Num(math.NaN())}
		if k+1 < len(countEdges) {
			bin.Hi = countEdges[k+1] - 1
		}
		if total > 0 {
			bin.Share = Num(b.abs[k] / total)
		}
		out = append(out, bin)
	}
	return out
}

// label names a bin's range of spike counts.
func (c CountBin) label() string {
	switch {
	case c.Hi == 0:
		return fmt.Sprintf("%d or more", c.Lo)
	case c.Hi == c.Lo:
		return fmt.Sprint(c.Lo)
	}
	return fmt.Sprintf("%d–%d", c.Lo, c.Hi)
}

// countTable is the report's table of bins, "" for none.
func countTable(bins []CountBin) string {
	if len(bins) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("Spikecount error by the simulator's spike count (the traces on which both fire; signed: negative when the surrogate fires too few; share: the bin's part of the mean):\n\n")
	b.WriteString("| simulator spikes | n | mean rel. error | signed | share |\n|---|---|---|---|---|\n")
	for _, c := range bins {
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s |\n", c.label(), c.N, pct(c.Mean), pct(c.Signed), pct(c.Share))
	}
	b.WriteString("\n")
	return b.String()
}

// countOutlierRows is how many outliers the report lists per split.
const countOutlierRows = 5

// CountOutlier is one of the test traces with the largest Spikecount
// errors. A cell's F-I curve has sharp turns (the jump from a few spikes
// to a train above threshold, depolarization block at the top of the
// range) where one trace can carry a fifth of a split's mean.
type CountOutlier struct {
	Model     string  `json:"model"`
	AmpNA     float64 `json:"amp_nA"`
	Simulator float64 `json:"simulator_spikes"`
	Surrogate float64 `json:"surrogate_spikes"`
	Rel       Num     `json:"rel"`   // |ŝ − s| / s
	Share     Num     `json:"share"` // part of the split's Spikecount error
}

// countOutliers returns the k traces of recs with the largest Spikecount
// errors among those on which both fire (the pairs the bins hold), in
// decreasing order, ties in reading order; name gives a model's name.
func countOutliers(recs []record, name func(model int) string, k int) []CountOutlier {
	var out []CountOutlier
	total := 0.0
	for _, r := range recs {
		if !bothFire(r.spikesSim, r.spikes) {
			continue
		}
		rel := math.Abs(r.spikes-r.spikesSim) / r.spikesSim
		total += rel
		out = append(out, CountOutlier{Model: name(r.model), AmpNA: r.amp, Simulator: r.spikesSim, Surrogate: r.spikes, Rel: Num(rel)})
	}
	slices.SortStableFunc(out, func(a, b CountOutlier) int { return cmp.Compare(b.Rel, a.Rel) })
	out = out[:min(k, len(out))]
	for i := range out {
		out[i].Share = Num(float64(out[i].Rel) / total)
	}
	return out
}

// outlierTable is the report's table of outliers, "" for none.
func outlierTable(o []CountOutlier) string {
	if len(o) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "The %d largest Spikecount errors of single traces (every trace: %s):\n\n", len(o), TracesName)
	b.WriteString("| model | current (nA) | simulator spikes | surrogate spikes | rel. error | share |\n|---|---|---|---|---|---|\n")
	for _, c := range o {
		fmt.Fprintf(&b, "| %s | %.4g | %g | %g | %s | %s |\n", c.Model, c.AmpNA, c.Simulator, c.Surrogate, pct(c.Rel), pct(c.Share))
	}
	b.WriteString("\n")
	return b.String()
}
