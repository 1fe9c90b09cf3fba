package mech

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBatchedGates compares the batched Advance of Ih, Im, Im_v2 and Kv3_1
// (shared exponentials, expInPlace, gate) with the file's expressions
// evaluated one instance at a time (the Rates functions with math.Exp, and
// cnexp) for random voltages, including vtrap's removable singularity of Ih
// at v = −154.9 mV, and random gate values: equal to 1e-13 absolute (the
// gates are in [0, 1]; observed differences are a few 1e-16).
func TestBatchedGates(t *testing.T) {
	t.Parallel()
	const n = 300
	rng := rand.New(rand.NewPCG(3, 4))
	v := make([]float64, n)
	for i := range v {
		v[i] = -120 + 180*rng.Float64()
	}
	v[0], v[1], v[2] = -154.9, -154.9+1e-7, -154.9-3e-6
	for _, tc := range []struct {
		name  string
		gate  func(Mechanism) []float64
		rates func(v, qt float64) (inf, tau float64)
		qt    func(celsius float64) float64
	}{
		{"Ih", func(m Mechanism) []float64 { return m.(*ih).m }, func(v, _ float64) (float64, float64) { return ihRates(v) }, func(float64) float64 { return 1 }},
		{"Im_v2", func(m Mechanism) []float64 { return m.(*imV2).m }, imV2Rates, func(c float64) float64 { return q10(c, 30) }},
		{"Kv3_1", func(m Mechanism) []float64 { return m.(*kv31).m }, func(v, _ float64) (float64, float64) { return kv31Rates(v) }, func(float64) float64 { return 1 }},
		{"Im", func(m Mechanism) []float64 { return m.(*im).m }, imRates, func(c float64) float64 { return q10(c, 21) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, dt := range []float64{0.02, 0.025, 0.1} {
				s := newState(n, 0, 1e-4, 34)
				copy(s.V, v)
				nodes := make([]int, n)
				for i := range nodes {
					nodes[i] = i
				}
				m := mustKind(t, tc.name).New(nodes)
				m.Init(s)
				x := tc.gate(m)
				want := make([]float64, n)
				qt := tc.qt(s.Celsius)
				for i := range x {
					x[i] = rng.Float64()
					inf, tau := tc.rates(v[i], qt)
					want[i] = cnexp(x[i], inf, tau, dt)
				}
				m.Advance(s, dt)
				var worst float64
				for i := range x {
					d := math.Abs(x[i] - want[i])
					worst = max(worst, d)
					if d > 1e-13 {
						t.Errorf("dt %g v %.10g: gate %.17g, file's expressions %.17g", dt, v[i], x[i], want[i])
					}
				}
				t.Logf("dt %g: worst |Δ| %.3g", dt, worst)
			}
		})
	}
}

// TestNaVChunks compares Advance, which solves naChunk compartments at a
// time, with the dense reference solve per compartment, for instance counts
// around the chunk size (partial and several chunks), random voltages and
// random occupancies, over 8 steps (so that the renormalisation, every
// naRenormEvery steps, is crossed): 1e-13 as TestNaVStepDense.
func TestNaVChunks(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, naChunk - 1, naChunk, naChunk + 1, 3*naChunk + 5} {
		s := newState(n, -65, 1e-4, 34)
		nodes := make([]int, n)
		for i := range nodes {
			nodes[i] = i
		}
		m := mustKind(t, "NaV").New(nodes).(*naV)
		m.Init(s)
		want := make([][naN]float64, n)
		for k := range want {
			var sum float64
			for i := range naN {
				want[k][i] = rng.Float64()
				sum += want[k][i]
			}
			for i := range naN {
				want[k][i] /= sum
				m.y[k/naChunk][i*naChunk+k%naChunk] = want[k][i]
			}
		}
		ref := m.r
		for step := range 8 {
			for k := range s.V {
				s.V[k] = -120 + 180*rng.Float64()
				denseBackwardEuler(&ref, &want[k], s.V[k], 0.025)
			}
			m.Advance(s, 0.025)
			for k := range want {
				got := m.state(k)
				for i := range naN {
					if math.Abs(got[i]-want[k][i]) > 1e-13 {
						t.Fatalf("n %d step %d instance %d state %d: %.17g, dense %.17g", n, step, k, i, got[i], want[k][i])
					}
				}
			}
		}
	}
}

// TestNaTs2tBatched compares NaTs2_t's batched Advance (one exponential
// per instance, rearranged rates) with the file's expressions evaluated one
// instance at a time (naTs2tRates with math.Exp, and cnexp), for random
// voltages and gates and at and around the file's singular voltages (−32
// and −60 mV exactly, where it moves v by 1e-4 mV, and 1e-9 … 1e-3 mV
// from them, where 1 − exp(·) cancels): 1e-13 absolute, as TestBatchedGates.
// Near a singularity both forms lose digits to the cancellation
// (relative ~1e-16/|v − v₀|), so the points closest to it are held to
// 1e-13 + 1e-16·6/|v − v₀|.
func TestNaTs2tBatched(t *testing.T) {
	t.Parallel()
	const n = 300
	rng := rand.New(rand.NewPCG(7, 8))
	v := make([]float64, n)
	for i := range v {
		v[i] = -120 + 180*rng.Float64()
	}
	special := []float64{-32, -60}
	for _, v0 := range []float64{-32, -60} {
		for _, d := range []float64{1e-9, 1e-7, 1e-5, 1e-3} {
			special = append(special, v0+d, v0-d)
		}
	}
	copy(v, special)
	tol := func(vi float64) float64 {
		d := min(math.Abs(vi+32), math.Abs(vi+60))
		if d == 0 {
			return 1e-13
		}
		return 1e-13 + 6e-16/d
	}
	nodes := make([]int, n)
	for i := range nodes {
		nodes[i] = i
	}
	for _, dt := range []float64{0.02, 0.025, 0.1} {
		s := newState(n, 0, 1e-4, 34)
		copy(s.V, v)
		m := mustKind(t, "NaTs2_t").New(nodes).(*naTs2t)
		m.Init(s)
		wantM, wantH := make([]float64, n), make([]float64, n)
		for i := range v {
			m.m[i], m.h[i] = rng.Float64(), rng.Float64()
			mi, mt, hi, ht := naTs2tRates(v[i])
			wantM[i], wantH[i] = cnexp(m.m[i], mi, mt, dt), cnexp(m.h[i], hi, ht, dt)
		}
		m.Advance(s, dt)
		var worst float64
		for i := range v {
			dm, dh := math.Abs(m.m[i]-wantM[i]), math.Abs(m.h[i]-wantH[i])
			if i >= len(special) {
				worst = max(worst, dm, dh)
			}
			if dm > tol(v[i]) || dh > tol(v[i]) {
				t.Errorf("dt %g v %.12g: m, h = %.17g, %.17g; file's expressions %.17g, %.17g", dt, v[i], m.m[i], m.h[i], wantM[i], wantH[i])
			}
		}
		t.Logf("dt %g: worst |Δ| away from the singular voltages %.3g", dt, worst)
	}
}
