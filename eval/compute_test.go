package eval

// Tests of the report's computations, each against an independent
// recomputation from its definition (doc.go): the feature errors, the F-I
// curves' rate errors, the latent interpolation, the population, the
// simulations' signal path, the speed section, the histograms and the
// report's rendering. They run under -short: the mouse cell is shipped and
// its 60 ms simulations take milliseconds.

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/dataset"
	"github.com/noble-neuro/noble/dsp"
	"github.com/noble-neuro/noble/features"
	"github.com/noble-neuro/noble/sim"
	"github.com/noble-neuro/noble/surrogate"
	"github.com/noble-neuro/noble/synth"
)

// testEvaluator is the evaluator Run would make for set, writing into a
// temporary directory.
func testEvaluator(t *testing.T, s *synth.Surrogate, d *dataset.Dataset, set Settings) *evaluator {
	t.Helper()
	set = set.withDefaults(s)
	e := &evaluator{sur: s, d: d, out: t.TempDir(), set: set, res: &Result{Settings: set}}
	e.fs = s.FeatureSettings()
	if set.CellDir != "" {
		c, err := sim.LoadCell(set.CellDir)
		if err != nil {
			t.Fatal(err)
		}
		e.cell = c
	}
	return e
}

// close reports whether a equals b to a relative 1e-12 (both NaN counts
// as equal: a statistic of nothing).
func closeTo(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= 1e-12*math.Max(math.Abs(a), math.Abs(b))
}

// TestFeatureErrorDefinition recomputes a split's accuracy from the
// definition of doc.go, independently of features.Comparison: per trace,
// f is the mean of the feature's values; a trace on which only one of
// simulator and surrogate fires (Spikecount > 0) is a miss and compares
// nothing; otherwise a feature defined on one side only, or with f = 0, is
// counted apart, and the others give |f̂ − f|/|f|. The voltage error is
// ‖ŷ − y‖₂/‖y‖₂ on the test window.
func TestFeatureErrorDefinition(t *testing.T) {
	s, d := tinyData(t)
	e := testEvaluator(t, s, d, Settings{Batch: 3, FIPoints: -1, PopSize: -1, SpeedBatch: -1})
	if err := e.accuracy(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	lay := d.Manifest.Layout
	l := lay.WindowSamples
	for _, sr := range e.res.Splits {
		t.Run(sr.Split, func(t *testing.T) {
			var ys []float32
			var sts []surrogate.Stimulus
			err := d.EachTrace(ctx, sr.Split, func(tr dataset.Trace) error {
				ys = append(ys, lay.Slice(tr.V, lay.TestOffset)...)
				sts = append(sts, surrogate.Stimulus{AmpNA: tr.Amp, IThr: tr.IThr, SThr: tr.SThr})
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			n := len(sts)
			// The same batches as the evaluation's, so that the operator
			// sees the same inputs together.
			v, err := s.Synthesize(ctx, sts, 3, nil)
			if err != nil {
				t.Fatal(err)
			}
			tv, err := synth.Features(ctx, ys, n, l, lay.Dt, e.fs)
			if err != nil {
				t.Fatal(err)
			}
			pv, err := synth.Features(ctx, v, n, l, lay.Dt, e.fs)
			if err != nil {
				t.Fatal(err)
			}
			fires := func(x features.Values) bool { c, ok := x.First("Spikecount"); return ok && c > 0 }
			meanOf := func(x features.Values, name string) (float64, bool) {
				xs := x[name]
				if len(xs) == 0 {
					return 0, false
				}
				m := 0.0
				for _, a := range xs {
					m += a
				}
				m /= float64(len(xs))
				return m, finite(m)
			}
			var firing, missF, missNF int
			rel := map[string][]float64{}
			only := map[string][2]int{}
			zero := map[string]int{}
			var l2 []float64
			for i := range n {
				y, yh := ys[i*l:(i+1)*l], v[i*l:(i+1)*l]
				var num, den float64
				for j := range y {
					num += (float64(yh[j]) - float64(y[j])) * (float64(yh[j]) - float64(y[j]))
					den += float64(y[j]) * float64(y[j])
				}
				l2 = append(l2, math.Sqrt(num/den))
				ft, fp := fires(tv[i]), fires(pv[i])
				if ft {
					firing++
				}
				if ft != fp {
					if ft {
						missF++
					} else {
						missNF++
					}
					continue
				}
				for _, name := range ErrorFeatures {
					a, okT := meanOf(tv[i], name)
					b, okP := meanOf(pv[i], name)
					o := only[name]
					switch {
					case okT && !okP:
						o[0]++
					case okP && !okT:
						o[1]++
					case okT && okP && a == 0:
						zero[name]++
					case okT && okP:
						rel[name] = append(rel[name], math.Abs(b-a)/math.Abs(a))
					}
					only[name] = o
				}
			}
			if sr.Traces != n || sr.Firing != firing || sr.MissedFiring != missF || sr.MissedNonFiring != missNF {
				t.Errorf("traces %d, firing %d, missed %d + %d; want %d, %d, %d + %d",
					sr.Traces, sr.Firing, sr.MissedFiring, sr.MissedNonFiring, n, firing, missF, missNF)
			}
			if !closeTo(float64(sr.VoltageL2), mean(l2)) || !closeTo(float64(sr.VoltageL2Med), median(l2)) {
				t.Errorf("voltage error mean %v median %v, want %v %v", sr.VoltageL2, sr.VoltageL2Med, mean(l2), median(l2))
			}
			if len(sr.Features) != len(ErrorFeatures) {
				t.Fatalf("%d features, want %d", len(sr.Features), len(ErrorFeatures))
			}
			compared := 0
			for i, f := range sr.Features {
				name := ErrorFeatures[i]
				r := rel[name]
				compared += len(r)
				if f.Name != name || f.N != len(r) || !closeTo(float64(f.Mean), mean(r)) || !closeTo(float64(f.Median), median(r)) ||
					f.OnlySim != only[name][0] || f.OnlySurr != only[name][1] || f.ZeroTruth != zero[name] {
					t.Errorf("%+v, want %s n %d mean %v median %v only %v zero %d", f, name, len(r), mean(r), median(r), only[name], zero[name])
				}
			}
			if compared == 0 {
				t.Error("no feature compared: the test checks nothing")
			}
		})
	}
}

// TestFICurves checks the F-I section's arithmetic on hand-made records:
// one curve per model with evaluated traces, in model order; the rate MAE
// at the traces' amplitudes; the surrogate curve on FIPoints amplitudes
// spanning all records (widened by 0.05 nA each way when they coincide).
func TestFICurves(t *testing.T) {
	s, d := tinyData(t)
	cases := []struct {
		name    string
		points  int
		recs    []record
		lo, hi  float64
		mae     map[int]float64
		npoints map[int]int
	}{
		{"two models", 4, []record{
			{model: 5, amp: 0.3, rateSim: 50, rateSu: 40},
			{model: 0, amp: 0.4, rateSim: 30, rateSu: 20},
			{model: 0, amp: 0.2, rateSim: 10, rateSu: 12},
		}, 0.2, 0.4, map[int]float64{0: 6, 5: 10}, map[int]int{0: 2, 5: 1}},
		{"one amplitude", 1, []record{{model: 1, amp: 0.25, rateSim: 7, rateSu: 7}}, 0.2, 0.3, map[int]float64{1: 0}, map[int]int{1: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := testEvaluator(t, s, d, Settings{FIPoints: tc.points})
			e.recs = tc.recs
			if err := e.fiCurves(context.Background()); err != nil {
				t.Fatal(err)
			}
			var models []int
			for m := range tc.mae {
				models = append(models, m)
			}
			slices.Sort(models)
			if len(e.res.FI) != len(models) {
				t.Fatalf("%d curves, want %d", len(e.res.FI), len(models))
			}
			for k, m := range models {
				c := e.res.FI[k]
				mm := d.Manifest.Models[m]
				if c.Model != mm.Name || c.Split != mm.Split || c.IThr != mm.IThr || c.SThr != mm.SThr {
					t.Errorf("curve %d is of %s (%s), want %s (%s)", k, c.Model, c.Split, mm.Name, mm.Split)
				}
				if c.Points != tc.npoints[m] || !closeTo(float64(c.RateMAE), tc.mae[m]) {
					t.Errorf("%s: %d points, MAE %v; want %d, %v", c.Model, c.Points, c.RateMAE, tc.npoints[m], tc.mae[m])
				}
				if n := max(tc.points, 2); len(c.Amps) != n || len(c.RateSurr) != n ||
					math.Abs(c.Amps[0]-tc.lo) > 1e-12 || math.Abs(c.Amps[n-1]-tc.hi) > 1e-12 {
					t.Errorf("%s: amplitudes %v, want %d from %g to %g", c.Model, c.Amps, n, tc.lo, tc.hi)
				}
			}
			if !slices.Contains(e.res.Figures, "fi_curves.png") {
				t.Errorf("figures %v", e.res.Figures)
			}
		})
	}
	e := testEvaluator(t, s, d, Settings{FIPoints: -1})
	e.recs = cases[0].recs
	if err := e.fiCurves(context.Background()); err != nil || e.res.FI != nil {
		t.Errorf("FIPoints < 0: %v, %d curves", err, len(e.res.FI))
	}

	// Fresh simulations at FISims amplitudes of the grid, both ends
	// included: the rates of plain simulations there.
	e = testEvaluator(t, s, d, Settings{FIPoints: 4, FISims: 2, CellDir: mouseCell, Workers: 2})
	e.recs = cases[0].recs
	if err := e.fiCurves(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, c := range e.res.FI {
		if len(c.SimAmps) != 2 || c.SimAmps[0] != c.Amps[0] || c.SimAmps[1] != c.Amps[3] || len(c.RateSim) != 2 {
			t.Fatalf("%s: simulated at %v (%d rates), want the grid's ends %v", c.Model, c.SimAmps, len(c.RateSim), c.Amps)
		}
		pf, err := e.cell.ParamFile(c.Model)
		if err != nil {
			t.Fatal(err)
		}
		m, err := e.cell.Model(pf)
		if err != nil {
			t.Fatal(err)
		}
		for j, a := range c.SimAmps {
			v, err := simulateModel(context.Background(), m, s.Protocol, a)
			if err != nil {
				t.Fatal(err)
			}
			fv, err := synth.Features(context.Background(), v, 1, s.Length(), s.Dt(), e.fs)
			if err != nil {
				t.Fatal(err)
			}
			if want := e.rate(fv[0]); c.RateSim[j] != want {
				t.Errorf("%s at %g nA: rate %g Hz, want %g", c.Model, a, c.RateSim[j], want)
			}
		}
	}
}

// TestSimulateModel checks the simulations' signal path: the model run at
// a third of the surrogate's step, then the datasets' zero-phase low-pass
// and decimation by 3, cut to the window.
func TestSimulateModel(t *testing.T) {
	s, _ := tinyData(t)
	cell, err := sim.LoadCell(mouseCell)
	if err != nil {
		t.Fatal(err)
	}
	m, err := cell.Model(cell.ParamFiles[0])
	if err != nil {
		t.Fatal(err)
	}
	pr := s.Protocol
	got, err := simulateModel(context.Background(), m, pr, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	v, err := m.Simulate(context.Background(), sim.Protocol{Dt: pr.DtMS / 3, TStop: float64(pr.Length) * pr.DtMS,
		Delay: pr.StimStartMS, Dur: pr.StimEndMS - pr.StimStartMS, Amp: 0.3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := dsp.NewDecimator(&dsp.Settings{Factor: 3})
	if err != nil {
		t.Fatal(err)
	}
	want := dec.Decimate(nil, v)
	if len(got) != pr.Length || len(want) < pr.Length {
		t.Fatalf("%d samples (decimated %d), want %d", len(got), len(want), pr.Length)
	}
	for i := range got {
		if got[i] != float32(want[i]) {
			t.Fatalf("sample %d = %g, want %g", i, got[i], want[i])
		}
	}
	if !(got[0] < -50 && got[0] > -100) {
		t.Errorf("resting potential %g mV", got[0])
	}
}

// TestInterpolation checks the latent interpolation: α on an even grid of
// [0, 1]; the surrogate's embeddings on the segment from A to B; by
// default B is the training model farthest from A in the scaled
// embedding; at α = 0 and 1 the simulator runs A's and B's own parameters
// (InterpolateParams is exact there), so the error equals the surrogate's
// against their plain simulations.
func TestInterpolation(t *testing.T) {
	s, d := tinyData(t)
	cases := []struct {
		name       string
		a, b       string
		steps      int
		wantA      string
		wantB      string
		wantErr    error
		wantPoints int
	}{
		{name: "default models", steps: 3, wantPoints: 3},
		{name: "given models", a: d.Manifest.Models[2].Name, b: d.Manifest.Models[5].Name, steps: 2, wantPoints: 2,
			wantA: d.Manifest.Models[2].Name, wantB: d.Manifest.Models[5].Name},
		{name: "unknown model", a: "nobody", steps: 3, wantErr: ErrSettings},
		{name: "one step", steps: 1},
	}
	// The default pair.
	train := (&evaluator{d: d}).models(dataset.ModelTrain)
	sc := s.Scaling
	far, best := "", -1.0
	for _, m := range train {
		dd := math.Hypot(sc.ScaleIThr(m.IThr)-sc.ScaleIThr(train[0].IThr), sc.ScaleSThr(m.SThr)-sc.ScaleSThr(train[0].SThr))
		if dd > best {
			far, best = m.Name, dd
		}
	}
	cases[0].wantA, cases[0].wantB = train[0].Name, far
	cell, err := sim.LoadCell(mouseCell)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := testEvaluator(t, s, d, Settings{CellDir: mouseCell, InterpA: tc.a, InterpB: tc.b, InterpSteps: tc.steps, PopAmp: 0.3, Workers: 2})
			err := e.interpolation(context.Background())
			if tc.wantErr != nil || tc.wantPoints == 0 {
				if !errors.Is(err, tc.wantErr) || e.res.Interp != nil {
					t.Fatalf("error %v, interpolation %+v; want %v and none", err, e.res.Interp, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			in := e.res.Interp
			if in.ModelA != tc.wantA || in.ModelB != tc.wantB || in.Amp != 0.3 || len(in.Points) != tc.wantPoints {
				t.Fatalf("%s → %s at %g nA, %d points; want %s → %s at 0.3, %d", in.ModelA, in.ModelB, in.Amp, len(in.Points), tc.wantA, tc.wantB, tc.wantPoints)
			}
			model := func(name string) dataset.Model {
				for _, m := range d.Manifest.Models {
					if m.Name == name {
						return m
					}
				}
				t.Fatalf("no model %s", name)
				return dataset.Model{}
			}
			ma, mb := model(tc.wantA), model(tc.wantB)
			for k, pt := range in.Points {
				alpha := float64(k) / float64(len(in.Points)-1)
				if pt.Alpha != alpha || !closeTo(pt.IThr, (1-alpha)*ma.IThr+alpha*mb.IThr) || !closeTo(pt.SThr, (1-alpha)*ma.SThr+alpha*mb.SThr) {
					t.Errorf("point %d: %+v, want α %g on the segment", k, pt, alpha)
				}
			}
			// The ends: plain simulations of A and B against the
			// surrogate at their embeddings.
			for k, m := range map[int]dataset.Model{0: ma, len(in.Points) - 1: mb} {
				pf, err := cell.ParamFile(m.Name)
				if err != nil {
					t.Fatal(err)
				}
				sm, err := cell.Model(pf)
				if err != nil {
					t.Fatal(err)
				}
				y, err := simulateModel(context.Background(), sm, s.Protocol, 0.3)
				if err != nil {
					t.Fatal(err)
				}
				yh, err := s.Synthesize(context.Background(), []surrogate.Stimulus{{AmpNA: 0.3, IThr: m.IThr, SThr: m.SThr}}, 1, nil)
				if err != nil {
					t.Fatal(err)
				}
				// The operator in float32 over a batch of 1 instead of
				// the interpolation's batch: sums may round differently.
				if got, want := float64(in.Points[k].RelL2), relL2(yh, y); math.Abs(got-want) > 1e-5*want {
					t.Errorf("α %g: voltage error %g, want %g (%s simulated alone)", in.Points[k].Alpha, got, want, m.Name)
				}
			}
			if !slices.Contains(e.res.Figures, "interpolation.png") {
				t.Errorf("figures %v", e.res.Figures)
			}
		})
	}
}

// TestPopulation checks the population section without a cell: the
// synthetic population is the hull sample of the training models only, the
// HoF population is every model with an embedding (not the excluded), taken
// from the surrogate at the HoF embeddings, and the statistics are
// synth.Stats of their features; the same seed gives the same population.
func TestPopulation(t *testing.T) {
	s, d := tinyData(t)
	ctx := context.Background()
	run := func(seed uint64) *Population {
		t.Helper()
		e := testEvaluator(t, s, d, Settings{PopSize: 12, PopAmp: 0.3, Seed: seed})
		if err := e.population(ctx); err != nil {
			t.Fatal(err)
		}
		return e.res.Population
	}
	p := run(3)
	var pts []synth.Embedding
	var hof []surrogate.Stimulus
	for _, m := range d.Manifest.Models {
		if m.Split == dataset.ModelTrain {
			pts = append(pts, synth.Embedding{IThr: m.IThr, SThr: m.SThr})
		}
		if m.Split != dataset.ModelExcluded {
			hof = append(hof, surrogate.Stimulus{AmpNA: 0.3, IThr: m.IThr, SThr: m.SThr})
		}
	}
	sts, err := synth.Hull(pts, 12, 0.3, 3)
	if err != nil {
		t.Fatal(err)
	}
	stats := func(sts []surrogate.Stimulus) []synth.Stat {
		v, err := s.Synthesize(ctx, sts, 16, nil)
		if err != nil {
			t.Fatal(err)
		}
		vals, err := synth.Features(ctx, v, len(sts), s.Length(), s.Dt(), s.FeatureSettings())
		if err != nil {
			t.Fatal(err)
		}
		return synth.Stats(vals, nil)
	}
	if p.Size != 12 || p.Amp != 0.3 || p.Seed != 3 || p.HoFSize != len(hof) || p.HoFSource != "surrogate at the HoF embeddings" {
		t.Errorf("population %+v", p)
	}
	for _, c := range []struct {
		name      string
		got, want []synth.Stat
	}{{"synthetic", p.Synthetic, stats(sts)}, {"HoF", p.HoF, stats(hof)}} {
		if len(c.got) != len(c.want) {
			t.Fatalf("%s: %d statistics, want %d", c.name, len(c.got), len(c.want))
		}
		for i := range c.got {
			g, w := c.got[i], c.want[i]
			if g.Name != w.Name || g.N != w.N || g.Missing != w.Missing || !closeTo(g.Mean, w.Mean) || !closeTo(g.SD, w.SD) || !closeTo(g.Q05, w.Q05) || !closeTo(g.Q95, w.Q95) {
				t.Errorf("%s %s: %+v, want %+v", c.name, g.Name, g, w)
			}
		}
	}
	again, other := run(3), run(4)
	b1, _ := json.Marshal(p)
	b2, _ := json.Marshal(again)
	b3, _ := json.Marshal(other)
	if string(b1) != string(b2) {
		t.Error("the same seed gave another population")
	}
	if string(b1) == string(b3) {
		t.Error("seeds 3 and 4 gave the same population")
	}
	e := testEvaluator(t, s, d, Settings{PopSize: -1})
	if err := e.population(ctx); err != nil || e.res.Population != nil {
		t.Errorf("PopSize < 0: %v, %+v", err, e.res.Population)
	}

	// SimHoF: the HoF population is simulated.
	e = testEvaluator(t, s, d, Settings{PopSize: 12, PopAmp: 0.3, Seed: 3, CellDir: mouseCell, SimHoF: true, Workers: 2})
	if err := e.population(ctx); err != nil {
		t.Fatal(err)
	}
	var flat []float32
	for _, m := range d.Manifest.Models {
		if m.Split == dataset.ModelExcluded {
			continue
		}
		pf, err := e.cell.ParamFile(m.Name)
		if err != nil {
			t.Fatal(err)
		}
		sm, err := e.cell.Model(pf)
		if err != nil {
			t.Fatal(err)
		}
		v, err := simulateModel(ctx, sm, s.Protocol, 0.3)
		if err != nil {
			t.Fatal(err)
		}
		flat = append(flat, v...)
	}
	vals, err := synth.Features(ctx, flat, len(hof), s.Length(), s.Dt(), e.fs)
	if err != nil {
		t.Fatal(err)
	}
	sp := e.res.Population
	b4, _ := json.Marshal(sp.HoF)
	b5, _ := json.Marshal(synth.Stats(vals, nil))
	if sp.HoFSource != "simulator" || sp.HoFSize != len(hof) || string(b4) != string(b5) {
		t.Errorf("simulated HoF population %s (%d): %s\nwant %s", sp.HoFSource, sp.HoFSize, b4, b5)
	}
}

// TestSpeed checks the speed section's counts, with and without the
// simulator.
func TestSpeed(t *testing.T) {
	s, d := tinyData(t)
	for _, tc := range []struct {
		name string
		set  Settings
		sims int
	}{
		{"surrogate only", Settings{SpeedBatch: 5, SpeedReps: 2, PopAmp: 0.3}, 0},
		{"with the simulator", Settings{SpeedBatch: 3, SpeedReps: 1, SimTraces: 2, CellDir: mouseCell, PopAmp: 0.3}, 2},
		{"none", Settings{SpeedBatch: -1}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := testEvaluator(t, s, d, tc.set)
			if err := e.speed(context.Background()); err != nil {
				t.Fatal(err)
			}
			sp := e.res.Speed
			if tc.sims < 0 {
				if sp != nil {
					t.Errorf("speed %+v, want none", sp)
				}
				return
			}
			if sp == nil || !(sp.Batch1MS > 0) || sp.BatchN != tc.set.SpeedBatch || !(sp.BatchNMS > 0) || sp.SimTraces != tc.sims ||
				(tc.sims > 0) != (sp.SimMS > 0) || sp.NEURONPaperMS != neuronPaperMS {
				t.Errorf("speed %+v", sp)
			}
		})
	}
}

// TestDensity checks the histograms' densities: they integrate to 1,
// values outside the range count in the edge bins, and a range of one
// value is widened to a unit bin span around it.
func TestDensity(t *testing.T) {
	for _, tc := range []struct {
		name           string
		x              []float64
		lo, hi         float64
		bins           int
		wantLo, wantHi float64
		want           []float64
	}{
		{"even", []float64{0.5, 1.5, 1.7, 3.9}, 0, 4, 4, 0, 4, []float64{0.25, 0.5, 0, 0.25}},
		{"outside", []float64{-1, 0.2, 9}, 0, 2, 2, 0, 2, []float64{2.0 / 3, 1.0 / 3}},
		{"upper edge", []float64{2}, 0, 2, 2, 0, 2, []float64{0, 1}},
		{"one value", []float64{3, 3}, 3, 3, 2, 2.5, 3.5, []float64{0, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lo, hi, d := density(tc.x, tc.lo, tc.hi, tc.bins)
			if lo != tc.wantLo || hi != tc.wantHi || len(d) != len(tc.want) {
				t.Fatalf("density over [%g, %g] = %v, want [%g, %g] %v", lo, hi, d, tc.wantLo, tc.wantHi, tc.want)
			}
			area := 0.0
			for i := range d {
				if !closeTo(d[i], tc.want[i]) && math.Abs(d[i]-tc.want[i]) > 1e-15 {
					t.Errorf("bin %d: %g, want %g", i, d[i], tc.want[i])
				}
				area += d[i] * (hi - lo) / float64(tc.bins)
			}
			if math.Abs(area-1) > 1e-12 {
				t.Errorf("area %g, want 1", area)
			}
		})
	}
}

func TestHelpers(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name      string
		got, want float64
	}{
		{"relL2", relL2([]float32{1, 2, 2}, []float32{1, 2, 4}), 2 / math.Sqrt(21)},
		{"relL2 exact", relL2([]float32{-70, -65}, []float32{-70, -65}), 0},
		{"mean", mean([]float64{1, 2, 6}), 3},
		{"mean of nothing", mean(nil), nan},
		{"median odd", median([]float64{5, 1, 3}), 3},
		{"median even", median([]float64{4, 1, 3, 2}), 2.5},
		{"median of nothing", median(nil), nan},
	} {
		if !closeTo(tc.got, tc.want) {
			t.Errorf("%s = %g, want %g", tc.name, tc.got, tc.want)
		}
	}
	for _, tc := range []struct {
		x             float64
		json, pc, num string
	}{
		{0.0218, "0.0218", "2.18 %", "0.0218"},
		{1234.5678, "1234.5678", "123,000 %", "1235"},
		{12.335, "12.335", "1,230 %", "12.34"},
		{-10, "-10", "-1,000 %", "-10"},
		{9.994, "9.994", "999 %", "9.994"},
		{nan, "null", "–", "–"},
		{math.Inf(1), "null", "–", "–"},
		{math.Inf(-1), "null", "–", "–"},
	} {
		b, err := json.Marshal(Num(tc.x))
		if err != nil || string(b) != tc.json || pct(Num(tc.x)) != tc.pc || num(tc.x) != tc.num {
			t.Errorf("%g: JSON %s (%v), pct %q, num %q; want %s, %q, %q", tc.x, b, err, pct(Num(tc.x)), num(tc.x), tc.json, tc.pc, tc.num)
		}
	}
}

// TestWriteReport renders a hand-made result: the accuracy table beside
// the paper's figures, undefined values as "–", the misses, a split
// without traces, and each optional section only when it has results.
func TestWriteReport(t *testing.T) {
	s, d := tinyData(t)
	feats := func(spike float64) []FeatureError {
		var fe []FeatureError
		for _, n := range ErrorFeatures {
			fe = append(fe, FeatureError{Name: n, N: 3, Mean: 0.1, Median: 0.05})
		}
		fe[0].Mean = Num(spike)
		fe[1].OnlySim, fe[1].OnlySurr, fe[1].ZeroTruth = 2, 1, 4
		return fe
	}
	full := &Result{
		Model: "m.safetensors", Data: "data", Cell: "mouse",
		Splits: []SplitResult{
			{Split: "test_seen", Description: "seen", Traces: 10, VoltageL2: 0.05, VoltageL2Med: 0.04, Firing: 6, MissedFiring: 2, MissedNonFiring: 1, Features: feats(0.5)},
			{Split: "test_held", Description: "held", Traces: 0},
		},
		FI:         []FICurve{{Model: "m0", Split: "train", IThr: 0.1, SThr: 200, Points: 3, RateMAE: 12.5, Amps: []float64{0.1, 0.2}}},
		Population: &Population{Amp: 0.3, Size: 20, Seed: 7, HoFSource: "simulator", HoFSize: 6, Synthetic: []synth.Stat{{Name: "Spikecount", Mean: 3, SD: 1, Q05: 1, Q95: 5}}, HoF: []synth.Stat{{Name: "Spikecount", Mean: math.NaN(), SD: math.NaN(), Q05: math.NaN(), Q95: math.NaN()}}},
		Interp:     &Interpolation{ModelA: "a", ModelB: "b", Amp: 0.3, Points: []InterpPoint{{Alpha: 0.5, IThr: 0.2, SThr: 250, SpikesSim: 4, SpikesSurr: Num(math.NaN()), RelL2: 0.25}}},
		Speed:      &Speed{Batch1MS: 10, BatchN: 100, BatchNMS: 2, SimMS: 1000, SimTraces: 2, NEURONPaperMS: neuronPaperMS, NEURONHereMS: neuronHereLo, NEURONHereHi: neuronHereHi},
		Figures:    []string{"traces.png", "voltage_error.png"},
	}
	vip := &Result{Model: "m.safetensors", Cell: "human_vip_650077366", Splits: []SplitResult{
		{Split: "test_seen", Description: "seen", Traces: 4, VoltageL2: 0.05, VoltageL2Med: 0.04, Firing: 2, Features: feats(0.5)},
		{Split: "test_held", Description: "held", Traces: 4, VoltageL2: 0.1, VoltageL2Med: 0.08, Firing: 2, Features: feats(0.5)},
	}}
	bare := &Result{Model: "m.safetensors", Splits: []SplitResult{{Split: "test_seen", Traces: 2, VoltageL2: Num(math.NaN()), Features: feats(math.NaN())}}}
	for _, tc := range []struct {
		name        string
		res         *Result
		want, never []string
	}{
		{"full", full, []string{
			"| test_seen (10 traces) | 5 % | 50 % | 10 % | 10 % | 10 % | 2 of 6 | 1 of 4 |",
			"| paper, test_seen | 2.18 % | 3 % | 32.8 % | 8.54 % | 0.83 % | – | – |",
			"Paper: NOBLE's published figures for its human PVALB cell (Tables 1 and 2).",
			"### test_held: held\n\nNo traces.",
			"mean **5 %**, median 4 % (paper 2.18 %). The simulator fires on 6; the surrogate misses 2 of them and fires on 1 of the other 4.",
			"| AP1_width | 3 | 10 % | 5 % | 32.8 % | 2 | 1 | 4 |",
			"| AHP_depth | 3 | 10 % | 5 % | – | 0 | 0 | 0 |",
			"![example traces](traces.png)", "![distribution of the voltage errors](voltage_error.png)",
			"| m0 | train | 0.1 | 200 | 3 | 12.5 |",
			"| Spikecount | 3 ± 1 | 1 – 5 | – ± – | – – – |",
			"| 0.50 | 0.2 | 250 | 4 | – | 25 % |",
			"| surrogate, batch 1 | 10 | 100× | 280–1100× | 360× |",
			"| surrogate, 100 traces | 2 | 500× | 1400–5500× | 1800× |",
			"| simulator (package sim, 2 traces, one core) | 1000 | 1× | | |",
		}, []string{"| test_held (0 traces)", "Not run: it simulates"}},
		{"vip", vip, []string{
			"Paper: NOBLE's published figures for its human VIP cell (Appendix D.3: training models only).",
			"| paper, test_seen | 2.5 % | 9 % | 20 % | 10 % | 0.99 % | – | – |",
			"| paper, test_held | – | – | – | – | – | – | – |",
			"mean **10 %**, median 8 % (paper –).",
			"| AP1_width | 3 | 10 % | 5 % | 20 % | 2 | 1 | 4 |",
		}, []string{"2.18 %", "PVALB"}},
		{"bare", bare, []string{
			"| test_seen (2 traces) | – | – |",
			"Not run: it simulates, and no cell directory was given",
		}, []string{"## F-I curves", "## Synthetic population", "## Speed", "![example traces]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := testEvaluator(t, s, d, Settings{})
			e.res = tc.res
			if err := e.writeReport(); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(e.out, ReportName))
			if err != nil {
				t.Fatal(err)
			}
			rep := string(b)
			for _, w := range tc.want {
				if !strings.Contains(rep, w) {
					t.Errorf("report lacks %q", w)
				}
			}
			for _, w := range tc.never {
				if strings.Contains(rep, w) {
					t.Errorf("report has %q", w)
				}
			}
			if t.Failed() {
				t.Logf("report:\n%s", rep)
			}
		})
	}
}

// TestQuality checks what the demo and the explorer state of a model:
// the results.json beside it, read back, and its one-line summary.
func TestQuality(t *testing.T) {
	if got, want := ReportResults(filepath.Join("models", "x", "model.safetensors")), filepath.Join("models", "x", "report", ResultsName); got != want {
		t.Errorf("ReportResults = %s, want %s", got, want)
	}
	q := &Quality{Splits: []SplitResult{
		{Split: "test_seen", Description: "training models at unseen currents", Traces: 10, VoltageL2: 0.0791, Firing: 6, MissedFiring: 1,
			Features: []FeatureError{{Name: "AP1_width", Mean: 0.3}, {Name: "Spikecount", Mean: 0.771}}},
		{Split: "test_held", Traces: 5, VoltageL2: Num(math.NaN()), Firing: 0},
	}}
	want := "measured by noble eval on 15 test traces: training models at unseen currents: voltage error 7.91 %, misses 1 of 6 firing traces, Spikecount error 77.1 %; test_held: voltage error –, misses 0 of 0 firing traces"
	if got := q.Summary(); got != want {
		t.Errorf("Summary =\n%s\nwant\n%s", got, want)
	}

	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	b, err := json.Marshal(Result{Model: "m", Cell: "c", Splits: q.Splits})
	if err != nil {
		t.Fatal(err)
	}
	// Read back, an undefined error (null in the file) stays undefined:
	// it read as 0 %, a perfect score, before Num had UnmarshalJSON.
	good := write("good.json", string(b))
	got, err := ReadQuality(good)
	if err != nil || got.Model != "m" || got.Cell != "c" || len(got.Splits) != 2 {
		t.Fatalf("ReadQuality: %+v, %v", got, err)
	}
	if s := got.Summary(); s != want {
		t.Errorf("Summary of the file =\n%s\nwant\n%s", s, want)
	}
	for _, tc := range []struct {
		name, path string
		is         error
		msg        string
	}{
		{"missing", filepath.Join(dir, "none.json"), fs.ErrNotExist, "none.json"},
		{"not JSON", write("bad.json", "{"), nil, "bad.json"},
		{"no splits", write("empty.json", `{"model":"m","splits":[]}`), nil, "no test splits"},
	} {
		_, err := ReadQuality(tc.path)
		if err == nil || (tc.is != nil && !errors.Is(err, tc.is)) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.msg)
		}
	}
}

// TestDemo checks the demo: five neurons at 20 %, 50 % and 80 % of the
// embedding ranges under the default step, its files, the quality line
// with and without an evaluation report beside the model, and a refused
// amplitude before anything is written.
func TestDemo(t *testing.T) {
	s, _ := tinyData(t)
	s.AmpRange = surrogate.Range{Min: 0, Max: 0.5}
	names, sts := DemoStimuli(s, 0)
	wantAmp := min(s.Scaling.IThr.Max+0.1, s.AmpRange.Max)
	at := func(r surrogate.Range, f float64) float64 { return r.Min + f*(r.Max-r.Min) }
	fr := [][2]float64{{0.5, 0.5}, {0.2, 0.2}, {0.2, 0.8}, {0.8, 0.2}, {0.8, 0.8}}
	if len(names) != 5 || len(sts) != 5 {
		t.Fatalf("%d names, %d stimuli", len(names), len(sts))
	}
	for i, st := range sts {
		if st.AmpNA != wantAmp || !closeTo(st.IThr, at(s.Scaling.IThr, fr[i][0])) || !closeTo(st.SThr, at(s.Scaling.SThr, fr[i][1])) {
			t.Errorf("%s: %+v", names[i], st)
		}
	}
	if _, sts := DemoStimuli(s, 0.2); sts[0].AmpNA != 0.2 {
		t.Errorf("amp 0.2: %+v", sts[0])
	}

	dir := t.TempDir()
	model := filepath.Join(dir, "m.safetensors")
	out := filepath.Join(dir, "demo")
	res, err := Demo(context.Background(), s, model, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(filepath.Join(out, DemoSummary))
	if len(res.Neurons) != 5 || len(res.Files) != 2 || !strings.Contains(res.Quality, "its quality is unknown") ||
		!strings.Contains(string(md), res.Quality) || !strings.Contains(string(md), "| centre |") {
		t.Errorf("demo without a report: %+v\n%s", res, md)
	}
	checkPNG(t, filepath.Join(out, DemoPlot))
	for _, n := range res.Neurons {
		if len(n.Features) != len(DemoFeatures) {
			t.Errorf("%s: %d features", n.Label, len(n.Features))
		}
	}

	// With an evaluation report beside the model.
	q := Result{Model: "m", Splits: []SplitResult{{Split: "test_seen", Traces: 4, VoltageL2: 0.1}}}
	b, _ := json.Marshal(q)
	if err := os.MkdirAll(filepath.Dir(ReportResults(model)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ReportResults(model), b, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err = Demo(context.Background(), s, model, out, nil)
	if err != nil || !strings.HasPrefix(res.Quality, "Quality measured by noble eval on 4 test traces: test_seen: voltage error 10 %") {
		t.Errorf("demo with a report: %v, quality %q", err, res.Quality)
	}

	refused := filepath.Join(dir, "refused")
	if _, err := Demo(context.Background(), s, model, refused, &DemoSettings{Amp: 5}); !errors.Is(err, synth.ErrRange) {
		t.Errorf("amp 5 nA: %v, want synth.ErrRange", err)
	}
	if _, err := os.Stat(refused); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a refused demo created %s (%v)", refused, err)
	}
}
