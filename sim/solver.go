package sim

import (
	"context"
	"fmt"
	"math"

	"github.com/noble-neuro/noble/mech"
)

// Physical constants as NEURON 8.2 defines them (src/oc/nrnunits_modern.h,
// CODATA 2018). They are variables, not constants, so that the products are
// rounded in float64 as NEURON's C code rounds them.
var (
	electronCharge = 1.602176634e-19 // C
	avogadro       = 6.02214076e+23  // 1/mol
	boltzmann      = 1.380649e-23    // J/K
	faraday        = electronCharge * avogadro
	gasConstant    = boltzmann * avogadro
)

// nernstCoef returns NEURON's ktf/z for calcium (z = 2) at celsius:
// ktf = 1000·R·(celsius + 273.15)/F in mV (eion.cpp).
func nernstCoef(celsius float64) float64 {
	ktf := 1000. * gasConstant * (celsius + 273.15) / faraday
	return ktf / 2
}

// nernst is eion.cpp's nrn_nernst for calcium with cao = 2 mM.
func nernst(coef, cai float64) float64 {
	if cai <= 0 {
		return 1e6
	}
	return coef * math.Log(defCao/cai)
}

// DivergenceError reports a simulation whose voltages or currents stopped
// being finite numbers.
type DivergenceError struct {
	Model string  // parameter file stem
	Node  int     // first node found with a non-finite value
	Where string  // the node in NEURON's notation, e.g. "dend[3](0.5)"
	Step  int     // 1-based step that produced it
	T     float64 // time at the end of that step, ms
	What  string  // "membrane current", "conductance" or "voltage"
}

func (e *DivergenceError) Error() string {
	return fmt.Sprintf("sim: %s: simulation diverged: non-finite %s in %s (node %d) at step %d, t = %.4g ms",
		e.Model, e.What, e.Where, e.Node, e.Step, e.T)
}

// Unwrap returns ErrDiverged.
func (e *DivergenceError) Unwrap() error { return ErrDiverged }

// Workspace holds the state of one simulation of a Model: voltages, ionic
// state, the mechanisms' states and the matrix. It is reused across
// simulations (Reset rebinds it to another model, keeping its buffers) and
// must not be used by two goroutines at once.
type Workspace struct {
	m     *Model
	v     []float64 // membrane potential, mV
	vm    []float64 // v of the membrane nodes (Model.mem), then a spare slot
	rhs   []float64 // right-hand side, then Δv
	d     []float64 // matrix diagonal
	dinv  []float64 // 1/d after triangularisation
	cur   []float64 // outward membrane current density, mA/cm², per membrane node, then a zero
	g     []float64 // its conductance dI/dV, S/cm², the same
	cmf   []float64 // 0.001·cm/dt, S/cm²
	st    mech.State
	mechs []mech.Mechanism

	// protocol
	dt, t          float64
	step           int
	stimOn, stimOf float64 // del and del+dur, ms
	amp, stimScale float64 // nA, 100/area(soma)
	wave           *Waveform
	waveLast       int     // Waveform.current's search hint
	caCoef         float64 // ktf/2, mV
}

// NewWorkspace returns a workspace for m.
func NewWorkspace(m *Model) *Workspace {
	w := &Workspace{}
	w.Reset(m)
	return w
}

func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

// Reset binds w to m, reusing w's buffers when large enough. The
// mechanisms are created anew when m differs from the current model.
func (w *Workspace) Reset(m *Model) {
	n, nc := m.n, len(m.mem)
	w.v = grow(w.v, n)
	w.vm = grow(w.vm, nc+1)
	w.rhs = grow(w.rhs, n)
	w.d = grow(w.d, n)
	w.dinv = grow(w.dinv, n)
	w.cur = grow(w.cur, nc+1)
	w.g = grow(w.g, nc+1)
	w.cmf = grow(w.cmf, n)
	w.st.V = w.vm[:nc]
	w.st.Cai = grow(w.st.Cai, nc)
	w.st.Ica = grow(w.st.Ica, nc)
	w.st.Eca = grow(w.st.Eca, nc)
	w.st.Ena = grow(w.st.Ena, nc)
	w.st.Ek = grow(w.st.Ek, nc)
	if w.m != m {
		w.mechs = w.mechs[:0]
		for _, s := range m.mechs {
			w.mechs = append(w.mechs, s.kind.New(s.cnodes))
		}
	}
	w.m = m
}

// Model returns the model w is bound to.
func (w *Workspace) Model() *Model { return w.m }

// T returns the simulated time, ms.
func (w *Workspace) T() float64 { return w.t }

// V returns the membrane potential of every node, mV. The slice is w's own:
// read it, do not keep it across calls.
func (w *Workspace) V() []float64 { return w.v }

// State returns the ionic state shared with the mechanisms (read only). Its
// slices are indexed by membrane node: the nodes where a mechanism is
// inserted, numbered in node order from 0.
func (w *Workspace) State() *mech.State { return &w.st }

// Init prepares a simulation of protocol p as NEURON's finitialize(v_init)
// does: t = 0, every voltage v_init, ion concentrations at NEURON's
// defaults, eca by the Nernst equation, then every mechanism's INITIAL
// block in NEURON's order (so SK sees the cai that CaDynamics set).
func (w *Workspace) Init(p Protocol) error {
	if err := p.Validate(); err != nil {
		return err
	}
	p = p.WithDefaults()
	m := w.m
	w.dt = p.Dt
	w.t = 0
	w.step = 0
	w.stimOn = p.Delay
	w.stimOf = p.Delay + p.Dur
	w.amp = p.Amp
	w.wave, w.waveLast = p.Stimulus, 1
	w.stimScale = 1.e2 / m.area[m.soma]
	cj := 1.0 / p.Dt
	cfac := .001 * cj
	for i := range w.cmf {
		w.cmf[i] = cfac * m.cm[i]
	}
	w.caCoef = nernstCoef(m.Celsius)
	w.st.Celsius = m.Celsius
	defEca := 12.5 * math.Log(defCao/defCai)
	for i := range w.v {
		w.v[i] = m.VInit
	}
	for c, nd := range m.mem {
		w.vm[c] = m.VInit
		w.st.Cai[c] = defCai
		w.st.Ica[c] = 0
		w.st.Eca[c] = defEca
		w.st.Ena[c] = m.ena[nd]
		w.st.Ek[c] = m.ek[nd]
	}
	// ion_init: eca from the initial concentrations where the ion's
	// concentration is used.
	for _, nd := range m.caNernstC {
		w.st.Eca[nd] = nernst(w.caCoef, w.st.Cai[nd])
	}
	for _, nd := range m.caInitC {
		w.st.Eca[nd] = nernst(w.caCoef, w.st.Cai[nd])
	}
	for j, mk := range w.mechs {
		s := &m.mechs[j]
		for q, par := range s.kind.Params {
			dst := mk.Param(par.Name)
			if len(dst) != len(s.nodes) {
				return fmt.Errorf("sim: mechanism %s: parameter %s has %d values for %d nodes", s.kind.Name, par.Name, len(dst), len(s.nodes))
			}
			copy(dst, s.params[q])
		}
	}
	for _, mk := range w.mechs {
		mk.Init(&w.st)
	}
	// CaDynamics wrote cai: NEURON recomputes eca (nrn_wrote_conc, then
	// ion_cur in the setup_tree_matrix that ends finitialize).
	for _, nd := range m.caNernstC {
		w.st.Eca[nd] = nernst(w.caCoef, w.st.Cai[nd])
	}
	return nil
}

// Step advances the simulation by one fixed step dt as NEURON's
// nrn_fixed_step does with secondorder = 0 (fadvance.cpp): t += dt/2;
// membrane currents and their conductances at the old voltages, the
// stimulus at t (treeset.cpp nrn_rhs, nrn_lhs); the tree matrix solved by
// Hines' method (solve.cpp triang, bksub); v += Δv; t += dt/2; then the
// mechanisms' states advanced with the new voltages (nonvint). It does not
// allocate. A non-finite current or voltage returns a *DivergenceError.
func (w *Workspace) Step() error {
	m := w.m
	n := m.n
	nc := len(m.mem)
	v, rhs, d, cmf, dinv := w.v[:n], w.rhs[:n], w.d[:n], w.cmf[:n], w.dinv[:n]
	cur, g, vm := w.cur[:nc+1], w.g[:nc+1], w.vm[:nc+1]
	a, b, par, cpos := m.a[:n], m.b[:n], m.parent[:n], m.cpos[:n]

	w.t += .5 * w.dt
	w.step++
	t := w.t

	// ion_cur: eca from cai (Nernst) where cai evolves; ica zeroed.
	cai, eca, ica := w.st.Cai, w.st.Eca, w.st.Ica
	for _, nd := range m.caNernstC {
		eca[nd] = nernst(w.caCoef, cai[nd])
		ica[nd] = 0
	}
	for _, nd := range m.caInitC {
		ica[nd] = 0
	}

	// Membrane currents in NEURON's mechanism order: pas, then IClamp
	// (registered right after pas), then the others. cur holds the
	// negated right-hand side, which sums identically (IEEE rounding is
	// sign-symmetric). The mechanisms see the membrane nodes only
	// (Model.mem); cur and g end with a zero for the other nodes.
	clear(cur)
	clear(g)
	w.mechs[0].Current(&w.st, cur, g)
	if w.wave != nil {
		// A zero current adds nothing, as the step's off phase: so a
		// waveform holding a step gives the step's trace bit for bit.
		if a := w.wave.current(w.step-1, t, &w.waveLast); a != 0 {
			cur[m.somaC] -= a * w.stimScale
		}
	} else if t < w.stimOf && t >= w.stimOn {
		cur[m.somaC] -= w.amp * w.stimScale
	}
	for _, mk := range w.mechs[1:] {
		mk.Current(&w.st, cur, g)
	}
	for i := range rhs {
		c := cpos[i]
		rhs[i] = -cur[c]
		d[i] = g[c] + cmf[i]
	}
	// Axial currents and coupling (NODEA, NODEB are negative), fused with
	// Hines' triangularisation from the leaves: nodes are numbered parents
	// before children, so when the descending loop reaches node i, every
	// child has added its axial and elimination terms to d[i] and rhs[i],
	// and node i's own axial term completes them. NEURON adds all axial
	// terms in one pass and eliminates in a second; the sums into a parent
	// are the same terms in another order (results within a few ulp), in
	// one pass over the tree instead of two.
	//
	// NEURON divides twice per node (a/d in triang, rhs/d in bksub); here
	// 1/d is taken once, when d is final, and both become multiplications
	// (each result within an ulp of the division). This takes the division
	// off bksub's dependency chain from the root outwards, where its latency
	// (not its throughput) set the pace.
	//
	// The nodes go in the order of m.elim (see schedule), which gives the
	// same results as descending node order with the independent nodes
	// of a level next to each other, so that their chains overlap.
	// Each parent term is read and written once: d[p] − a, then − pp·b;
	// rhs[p] + a·dv, then − pp·ri, as two statements would, with no store
	// and reload between.
	for _, i32 := range m.elim {
		i := int(i32)
		p := par[i]
		ai, bi := a[i], b[i]
		dv := v[p] - v[i]
		ri := rhs[i] - bi*dv
		di := d[i] - bi
		id := 1 / di
		pp := ai * id
		dinv[i] = id
		rhs[i] = ri
		d[p] = d[p] - ai - pp*bi
		rhs[p] = rhs[p] + ai*dv - pp*ri
	}
	dinv[0] = 1 / d[0]
	rhs[0] *= dinv[0]
	for _, i32 := range m.back {
		i := int(i32)
		rhs[i] = (rhs[i] - b[i]*rhs[par[i]]) * dinv[i]
	}
	sum := 0.0
	for i := range v {
		v[i] += rhs[i]
		sum += v[i]
		vm[cpos[i]] = v[i]
	}
	w.t += .5 * w.dt
	if math.IsNaN(sum) || math.IsInf(sum, 0) {
		return w.diverged()
	}
	mech.AdvanceAll(w.mechs, &w.st, w.dt)
	return nil
}

// diverged finds where a step went wrong: the first node whose membrane
// current or conductance was not finite (NaN spreads to every node through
// the solve, so the currents point at the origin), else the first voltage.
func (w *Workspace) diverged() error {
	e := &DivergenceError{Model: w.m.Name, Node: -1, Step: w.step, T: w.t}
	bad := func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }
	for c, i := range w.m.mem {
		if bad(w.cur[c]) {
			e.Node, e.What = i, "membrane current"
			break
		}
		if bad(w.g[c]) {
			e.Node, e.What = i, "conductance"
			break
		}
	}
	if e.Node < 0 {
		for i, x := range w.v {
			if bad(x) {
				e.Node, e.What = i, "voltage"
				break
			}
		}
	}
	e.Where = w.m.NodeName(e.Node)
	return e
}

// ctxEvery is how many steps pass between checks of the context.
const ctxEvery = 1000

// Simulate runs protocol p from finitialize to TStop and returns the
// voltage at soma(0.5), mV, at every step including t = 0: p.Steps()+1
// samples. The result is written into dst if it has the capacity (dst is
// resliced), else into a new slice. ctx is checked every 1000 steps.
func (w *Workspace) Simulate(ctx context.Context, p Protocol, dst []float64) ([]float64, error) {
	if err := w.Init(p); err != nil {
		return nil, err
	}
	ns := p.Steps()
	if cap(dst) >= ns+1 {
		dst = dst[:ns+1]
	} else {
		dst = make([]float64, ns+1)
	}
	soma := w.m.soma
	dst[0] = w.v[soma]
	for k := 1; k <= ns; k++ {
		if k%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if err := w.Step(); err != nil {
			return nil, err
		}
		dst[k] = w.v[soma]
	}
	return dst, nil
}

// Simulate runs p on m with a workspace from m's pool; see
// Workspace.Simulate. It is safe for concurrent use.
func (m *Model) Simulate(ctx context.Context, p Protocol, dst []float64) ([]float64, error) {
	w, _ := m.pool.Get().(*Workspace)
	if w == nil {
		w = NewWorkspace(m)
	}
	out, err := w.Simulate(ctx, p, dst)
	m.pool.Put(w)
	return out, err
}
