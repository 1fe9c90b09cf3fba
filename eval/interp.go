package eval

import (
	"context"
	"fmt"
	"math"

	"golang.org/x/sync/errgroup"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/noble-neuro/noble/dataset"
	"github.com/noble-neuro/noble/sim"
	"github.com/noble-neuro/noble/surrogate"
	"github.com/noble-neuro/noble/synth"
)

// Interpolation compares interpolating two HoF models in the latent
// (embedding) space with interpolating their PDE parameters.
type Interpolation struct {
	ModelA string        `json:"model_a"`
	ModelB string        `json:"model_b"`
	Amp    float64       `json:"amp_nA"`
	Points []InterpPoint `json:"points"`
}

// InterpPoint is one step α of the interpolation: the simulator runs the
// parameters (1−α)·θ_A + α·θ_B, the surrogate the embedding (1−α)·e_A + α·e_B.
type InterpPoint struct {
	Alpha      float64 `json:"alpha"`
	IThr       float64 `json:"i_thr_nA"`
	SThr       float64 `json:"s_thr_hz_per_nA"`
	SpikesSim  Num     `json:"spikes_sim"`
	SpikesSurr Num     `json:"spikes_surrogate"`
	RelL2      Num     `json:"voltage_rel_l2"`
}

// InterpolateParams returns the parameters (1−α)·a + α·b: every genome
// value, Ra, celsius and v_init linearly; the reversal potentials of a.
// The genomes must list the same (section, name, mechanism) in the same
// order.
func InterpolateParams(a, b *sim.Params, alpha float64) (*sim.Params, error) {
	if len(a.Genome) != len(b.Genome) {
		return nil, fmt.Errorf("%w: %s has %d genome entries, %s %d", ErrSettings, a.File, len(a.Genome), b.File, len(b.Genome))
	}
	lerp := func(x, y float64) float64 { return (1-alpha)*x + alpha*y }
	p := *a
	p.File = fmt.Sprintf("%s×%.3g+%s×%.3g", a.File, 1-alpha, b.File, alpha)
	p.Ra, p.Celsius, p.VInit = lerp(a.Ra, b.Ra), lerp(a.Celsius, b.Celsius), lerp(a.VInit, b.VInit)
	p.Genome = make([]sim.Gene, len(a.Genome))
	for i, g := range a.Genome {
		h := b.Genome[i]
		if g.Section != h.Section || g.Name != h.Name || g.Mechanism != h.Mechanism {
			return nil, fmt.Errorf("%w: genome entry %d: %s %s/%s in %s, %s %s/%s in %s", ErrSettings, i, g.Section, g.Name, g.Mechanism, a.File, h.Section, h.Name, h.Mechanism, b.File)
		}
		g.Value = lerp(g.Value, h.Value)
		p.Genome[i] = g
	}
	return &p, nil
}

func (e *evaluator) interpolation(ctx context.Context) error {
	if e.cell == nil || e.set.InterpSteps < 2 {
		return nil
	}
	train := e.models(dataset.ModelTrain)
	if len(train) < 2 && (e.set.InterpA == "" || e.set.InterpB == "") {
		return nil
	}
	find := func(name string) (dataset.Model, error) {
		for _, m := range e.models("") {
			if m.Name == name {
				return m, nil
			}
		}
		return dataset.Model{}, fmt.Errorf("%w: interpolation model %q is not a model of the dataset", ErrSettings, name)
	}
	var ma, mb dataset.Model
	var err error
	if e.set.InterpA != "" {
		if ma, err = find(e.set.InterpA); err != nil {
			return err
		}
	} else {
		ma = train[0]
	}
	if e.set.InterpB != "" {
		if mb, err = find(e.set.InterpB); err != nil {
			return err
		}
	} else { // the training model farthest from A in the scaled embedding
		best := -1.0
		sc := e.sur.Scaling
		for _, m := range train {
			d := math.Hypot(sc.ScaleIThr(m.IThr)-sc.ScaleIThr(ma.IThr), sc.ScaleSThr(m.SThr)-sc.ScaleSThr(ma.SThr))
			if d > best {
				best, mb = d, m
			}
		}
	}
	read := func(name string) (*sim.Params, error) {
		pf, err := e.cell.ParamFile(name)
		if err != nil {
			return nil, err
		}
		return sim.ReadParamsFile(pf)
	}
	pa, err := read(ma.Name)
	if err != nil {
		return err
	}
	pb, err := read(mb.Name)
	if err != nil {
		return err
	}
	n := e.set.InterpSteps
	in := &Interpolation{ModelA: ma.Name, ModelB: mb.Name, Amp: e.set.PopAmp, Points: make([]InterpPoint, n)}
	e.logf("interpolation %s → %s: %d simulations at %g nA", ma.Name, mb.Name, n, e.set.PopAmp)
	simV := make([][]float32, n)
	sts := make([]surrogate.Stimulus, n)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(e.workers())
	for k := range n {
		alpha := float64(k) / float64(n-1)
		sts[k] = surrogate.Stimulus{AmpNA: e.set.PopAmp, IThr: (1-alpha)*ma.IThr + alpha*mb.IThr, SThr: (1-alpha)*ma.SThr + alpha*mb.SThr}
		// Extra features move along the same line as I_thr and s_thr.
		for _, name := range e.sur.Embedding.ExtraFeatures() {
			a, _ := e.feat[ma.Index].Get(name)
			b, _ := e.feat[mb.Index].Get(name)
			sts[k].Features.Set(name, (1-alpha)*a+alpha*b)
		}
		in.Points[k] = InterpPoint{Alpha: alpha, IThr: sts[k].IThr, SThr: sts[k].SThr}
		g.Go(func() error {
			p, err := InterpolateParams(pa, pb, alpha)
			if err != nil {
				return err
			}
			simV[k], err = e.simulate(gctx, p, e.set.PopAmp)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	l := e.sur.Length()
	v, err := e.sur.Synthesize(ctx, sts, e.set.Batch, nil)
	if err != nil {
		return err
	}
	flat := make([]float32, 0, n*l)
	for _, t := range simV {
		flat = append(flat, t...)
	}
	sv, err := synth.Features(ctx, flat, n, l, e.sur.Dt(), e.fs)
	if err != nil {
		return err
	}
	qv, err := synth.Features(ctx, v, n, l, e.sur.Dt(), e.fs)
	if err != nil {
		return err
	}
	t := make([]float64, l)
	for j := range t {
		t[j] = float64(j) * e.sur.Dt()
	}
	var plots []*plot.Plot
	for k := range n {
		pt := &in.Points[k]
		a, _ := sv[k].First("Spikecount")
		b, _ := qv[k].First("Spikecount")
		pt.SpikesSim, pt.SpikesSurr = Num(a), Num(b)
		pt.RelL2 = Num(relL2(v[k*l:(k+1)*l], simV[k]))
		p := newPlot(fmt.Sprintf("α = %.2f", pt.Alpha), "time (ms)", "V (mV)")
		if err := addSeries(p, []series{
			{label: "simulator, interpolated parameters", x: t, y: toF64(simV[k]), col: colSim},
			{label: "surrogate, interpolated embedding", x: t, y: toF64(v[k*l : (k+1)*l]), col: colSurr, dashed: true},
		}); err != nil {
			return err
		}
		if k > 0 {
			p.Legend = plot.NewLegend()
		}
		plots = append(plots, p)
	}
	e.res.Interp = in
	return writeGrid(e.figure("interpolation.png"), plots, 1, 7*vg.Inch, 1.8*vg.Inch)
}
