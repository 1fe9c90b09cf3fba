package featloss

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/internal/npy"
	"github.com/noble-neuro/noble/internal/testutil"
)

// Protocol of the real traces: NEURON at 0.02 ms, taken every third sample
// to the operator's grid (dt 0.06 ms, 8583 samples, 0 … 514.92 ms); the
// step 15 → 415 ms is on samples 250 … 6916.
const (
	realDt     = 0.06
	realLen    = 8583
	realStart  = 250
	realEnd    = 6916
	neuronStep = 3
)

// realTrace is one NEURON reference trace on the operator's grid.
type realTrace struct {
	name string
	v    []float64 // mV
}

// realTraces reads the shipped mouse traces and, when the project's shared
// folder is present, the human ones; it logs which sets it found.
func realTraces(t testing.TB) []realTrace {
	t.Helper()
	root := testutil.RepoRoot(t)
	dirs, _ := filepath.Glob(filepath.Join(root, "testdata", "neuron", "*"))
	shared := filepath.Join(root, "..", "shared", "reference", "neuron")
	if more, _ := filepath.Glob(filepath.Join(shared, "*")); len(more) > 0 {
		for _, d := range more {
			if !strings.Contains(d, "mouse") { // the mouse cell is shipped
				dirs = append(dirs, d)
			}
		}
	} else {
		t.Logf("%s absent (the human cells are not shipped): mouse traces only", shared)
	}
	var out []realTrace
	for _, d := range dirs {
		files, _ := filepath.Glob(filepath.Join(d, "*.npy"))
		sort.Strings(files)
		for _, f := range files {
			a, err := npy.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			raw := a.Float64s()
			if len(raw) < neuronStep*(realLen-1)+1 {
				t.Fatalf("%s: %d samples", f, len(raw))
			}
			v := make([]float64, realLen)
			for i := range v {
				v[i] = raw[neuronStep*i]
			}
			out = append(out, realTrace{filepath.Base(d) + "/" + filepath.Base(f), v})
		}
	}
	if len(out) == 0 {
		t.Fatal("no NEURON reference traces in testdata/neuron")
	}
	return out
}

// synth returns a synthetic trace of n samples: rest at −70 mV, a step on
// samples n/10 … 9n/10 that either hyperpolarises (sag: a fast drop to
// −82 mV relaxing to −76 mV) or depolarises and fires spikes (amplitude
// 100 mV, Gaussian of width 1.2 samples) at the given samples, plus
// 0.05 mV of seeded noise so that no two samples tie.
func synth(n int, spikes []int, seed uint64) ([]float64, Window) {
	rng := rand.New(rand.NewPCG(seed, 1))
	v := make([]float64, n)
	lo, hi := n/10, 9*n/10
	for i := range v {
		v[i] = -70 + 0.05*rng.NormFloat64()
		if i >= lo && i <= hi {
			x := float64(i - lo)
			if spikes == nil {
				v[i] += -12*(1-math.Exp(-x/6)) + 6*(1-math.Exp(-x/40))
			} else {
				v[i] += 10 * (1 - math.Exp(-x/8))
			}
		}
		for _, s := range spikes {
			d := float64(i-s) / 1.2
			v[i] += 100 * math.Exp(-d*d/2)
		}
	}
	return v, NewWindow(lo, hi)
}

// centralDiff returns the central difference gradient of f at v with step h.
func centralDiff(f func([]float64) float64, v []float64, h float64) []float64 {
	g := make([]float64, len(v))
	x := append([]float64(nil), v...)
	for i := range x {
		x[i] = v[i] + h
		fp := f(x)
		x[i] = v[i] - h
		fm := f(x)
		x[i] = v[i]
		g[i] = (fp - fm) / (2 * h)
	}
	return g
}

// checkGrad fails unless |got_i − want_i| ≤ tol·(1 + max|want|) for all i,
// and reports the largest gradient so that a vanishing one is visible.
func checkGrad(t *testing.T, got, want []float64, tol float64) {
	t.Helper()
	var scale, worst float64
	at := -1
	for _, x := range want {
		scale = max(scale, math.Abs(x))
	}
	for i := range got {
		if d := math.Abs(got[i] - want[i]); d > worst {
			worst, at = d, i
		}
	}
	if worst > tol*(1+scale) {
		t.Errorf("gradient[%d] = %.10g, central difference %.10g (max |∂| %.3g, tol %.1g)", at, got[at], want[at], scale, tol)
	}
	if scale == 0 {
		t.Errorf("gradient is identically zero: the case tests nothing")
	}
}

// nudge moves sample i of v to thr + x/k, so that it lies where a sigmoid
// of sharpness k (1/mV) around thr has a gradient.
func nudge(v []float64, i int, thr, x, k float64) { v[i] = thr + x/k }
