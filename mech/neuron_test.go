package mech

import (
	"bufio"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/internal/npy"
)

// neuronCell is the single-compartment reference of testdata/neuron_cell.*,
// made by tools/neuron_mech.py with NEURON 8.2.2 (see testdata/README.md).
type neuronCell struct {
	params map[string]float64 // cell, protocol and "param_Mech" values
	cols   map[string]int     // column index by name
	data   []float64          // rows × len(cols), row 0 after finitialize
	rows   int
}

func loadNeuronCell(t testing.TB) *neuronCell {
	t.Helper()
	c := &neuronCell{params: map[string]float64{}, cols: map[string]int{}}
	f, err := os.Open("testdata/neuron_cell_params.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		s := sc.Text()
		if strings.HasPrefix(s, "#") || s == "" {
			continue
		}
		k, v, ok := strings.Cut(s, " ")
		x, err := strconv.ParseFloat(v, 64)
		if !ok || err != nil {
			t.Fatalf("testdata/neuron_cell_params.txt:%d: bad line %q", line, s)
		}
		c.params[k] = x
	}
	b, err := os.ReadFile("testdata/neuron_cell_columns.txt")
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range strings.Fields(string(b)) {
		c.cols[name] = i
	}
	a, err := npy.ReadFile("testdata/neuron_cell.npy")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Shape) != 2 || a.Shape[1] != len(c.cols) || a.F64 == nil {
		t.Fatalf("neuron_cell.npy: shape %v, want [rows %d] float64", a.Shape, len(c.cols))
	}
	c.data, c.rows = a.F64, a.Shape[0]
	return c
}

func (c *neuronCell) at(row int, col string) float64 {
	j, ok := c.cols[col]
	if !ok {
		panic("no column " + col)
	}
	return c.data[row*len(c.cols)+j]
}

// nernstCa is eca at cao = 2 mM (ca_ion's cao0).
func nernstCa(cai, celsius float64) float64 { return Nernst(cai, Cao0, 2, celsius) }

// cell1 is a one-compartment cell with the reference's mechanisms, integrated as NEURON's
// fixed step does (secondorder 0): eca from cai; currents at the old v;
// (cm·1e-3/dt + Σg)·Δv = i_stim − Σi; v += Δv; states at the new v, in
// registration order.
type cell1 struct {
	s        State
	mechs    []Mechanism
	i, g     []float64
	cm, area float64
	stim     [2][3]float64 // delay, dur, amp (nA)
}

func newCell1(t testing.TB, c *neuronCell) *cell1 {
	t.Helper()
	p := c.params
	e := &cell1{
		s: State{V: []float64{p["v_init"]}, Cai: []float64{Cai0}, Ica: []float64{0}, Eca: []float64{0},
			Ena: []float64{p["ena"]}, Ek: []float64{p["ek"]}, Celsius: p["celsius"]},
		i: make([]float64, 1), g: make([]float64, 1), cm: p["cm"],
		area: math.Pi * p["L"] * p["diam"],
		stim: [2][3]float64{{p["stim1_del"], p["stim1_dur"], p["stim1_amp"]},
			{p["stim2_del"], p["stim2_dur"], p["stim2_amp"]}},
	}
	for _, k := range Kinds() {
		// The mechanisms NEURON's cell had: those whose parameters
		// neuron_cell_params.txt lists (the 13 of the PVALB models, not the
		// excitatory models' NaTs2_t, Nap_Et2 and Im).
		m, inserted := k.New([]int{0}), false
		for _, q := range k.Params {
			if x, ok := p[q.Name+"_"+k.Name]; ok {
				m.Param(q.Name)[0] = x
				inserted = true
			}
		}
		if inserted {
			e.mechs = append(e.mechs, m)
		}
	}
	e.s.Eca[0] = nernstCa(e.s.Cai[0], e.s.Celsius)
	for _, m := range e.mechs {
		m.Init(&e.s)
		if m.Kind().WritesCai {
			e.s.Eca[0] = nernstCa(e.s.Cai[0], e.s.Celsius)
		}
	}
	return e
}

// currents evaluates every mechanism at the present v and states, as
// nrn_cur does, and returns the total ionic current and conductance.
func (e *cell1) currents() (i, g float64) {
	e.s.Eca[0] = nernstCa(e.s.Cai[0], e.s.Celsius)
	e.s.Ica[0] = 0
	e.i[0], e.g[0] = 0, 0
	for _, m := range e.mechs {
		m.Current(&e.s, e.i, e.g)
	}
	return e.i[0], e.g[0]
}

func (e *cell1) advance(dt float64) {
	for _, m := range e.mechs {
		m.Advance(&e.s, dt)
	}
}

// stimAt returns the IClamp current density (mA/cm²) at time t.
func (e *cell1) stimAt(t float64) float64 {
	var amp float64
	for _, s := range e.stim {
		if t >= s[0] && t < s[0]+s[1] {
			amp += s[2]
		}
	}
	return amp * 100 / e.area
}

// stateValues returns the states of instance 0 of m, keyed by their column
// names in the NEURON dump (state_Mechanism).
func stateValues(m Mechanism) map[string]float64 {
	out := map[string]float64{}
	suf := "_" + m.Kind().Name
	switch c := m.(type) {
	case *caHVA:
		out["m"+suf], out["h"+suf] = c.m[0], c.h[0]
	case *caLVA:
		out["m"+suf], out["h"+suf] = c.m[0], c.h[0]
	case *ih:
		out["m"+suf] = c.m[0]
	case *imV2:
		out["m"+suf] = c.m[0]
	case *kPst:
		out["m"+suf], out["h"+suf] = c.m[0], c.h[0]
	case *kTst:
		out["m"+suf], out["h"+suf] = c.m[0], c.h[0]
	case *kd:
		out["m"+suf], out["h"+suf] = c.m[0], c.h[0]
	case *kv2like:
		out["m"+suf], out["h1"+suf], out["h2"+suf] = c.m[0], c.h1[0], c.h2[0]
	case *kv31:
		out["m"+suf] = c.m[0]
	case *naV:
		y := c.state(0)
		for j, name := range []string{"C1", "C2", "C3", "C4", "C5", "O", "I1", "I2", "I3", "I4", "I5", "I6"} {
			out[name+suf] = y[j]
		}
	case *sk:
		out["z"+suf] = c.z[0]
	}
	return out
}

// TestNeuronReplay drives every mechanism with the voltage trajectory NEURON
// produced and compares states, cai, eca and currents at every step. Both
// sides compute the same expressions in float64; the differences come from
// rounding only (libm exp/pow vs Go's, 1/exp(v/24) for exp(−v/24) in NaV,
// analytic vs finite-difference g): observed ≤ 2e-14 relative over 1600
// steps. The tolerance, 1e-11 relative (floor 1 for tiny values), is 100×
// tighter than the 1e-9 asked for and still leaves room for other
// platforms' rounding; any wrong expression or order shows at ≥1e-6.
func TestNeuronReplay(t *testing.T) {
	c := loadNeuronCell(t)
	e := newCell1(t, c)
	dt := c.params["dt"]
	const tol = 1e-11
	var worst float64
	check := func(row int, name string, got float64) {
		t.Helper()
		want := c.at(row, name)
		d := math.Abs(got - want)
		worst = max(worst, d/max(1, math.Abs(want)))
		if d > tol*max(1, math.Abs(want)) {
			t.Fatalf("row %d: %s = %.17g, NEURON %.17g (diff %.3g)", row, name, got, want, d)
		}
	}
	checkStates := func(row int) {
		t.Helper()
		check(row, "cai", e.s.Cai[0])
		for _, m := range e.mechs {
			for name, x := range stateValues(m) {
				check(row, name, x)
			}
		}
	}
	checkStates(0)
	check(0, "eca", e.s.Eca[0])
	for row := 1; row < c.rows; row++ {
		e.s.V[0] = c.at(row-1, "v")
		// Currents at the old v, by ion, as NEURON records them.
		e.s.Eca[0] = nernstCa(e.s.Cai[0], e.s.Celsius)
		if d := math.Abs(e.s.Eca[0] - c.at(row, "eca")); d > 1e-11 { // eca ~130 mV: a few ulp
			t.Fatalf("row %d: eca = %.17g, NEURON %.17g", row, e.s.Eca[0], c.at(row, "eca"))
		}
		e.s.Ica[0] = 0
		byIon := map[string]float64{}
		for _, m := range e.mechs {
			i, g := []float64{0}, []float64{0}
			m.Current(&e.s, i, g)
			switch m.Kind().Name {
			case "pas":
				byIon["i_pas"] += i[0]
			case "Ih":
				byIon["ihcn_Ih"] += i[0]
			case "NaV":
				byIon["ina"] += i[0]
			case "Ca_HVA", "Ca_LVA":
			default:
				byIon["ik"] += i[0]
			}
		}
		for name, x := range byIon {
			check(row, name, x)
		}
		check(row, "ica", e.s.Ica[0])
		e.s.V[0] = c.at(row, "v")
		e.advance(dt)
		checkStates(row)
	}
	t.Logf("%d steps, worst relative difference %.3g", c.rows-1, worst)
}

// TestNeuronFreeRun integrates the one-compartment cell with these
// mechanisms and NEURON's fixed-step update, and compares the voltage with
// NEURON's at every step (three spikes). di/dv is analytic here and a finite
// difference in NEURON, equal to ~1e-13 relative; with rounding amplified
// through the spikes the voltages agree to ~1e-9 mV (observed 1.2e-9), so
// 1e-7 mV leaves room for other platforms and still catches any difference
// in equations or order of operations (those show up at ≥1e-4 mV).
func TestNeuronFreeRun(t *testing.T) {
	c := loadNeuronCell(t)
	e := newCell1(t, c)
	dt := c.params["dt"]
	var worst float64
	tm := 0.0
	for row := 1; row < c.rows; row++ {
		i, g := e.currents()
		tm += dt / 2
		rhs := e.stimAt(tm) - i
		d := e.cm*0.001/dt + g
		e.s.V[0] += rhs / d
		tm += dt / 2
		e.advance(dt)
		want := c.at(row, "v")
		diff := math.Abs(e.s.V[0] - want)
		worst = max(worst, diff)
		if diff > 1e-7 {
			t.Fatalf("t = %.3f ms: v = %.12f mV, NEURON %.12f (diff %.3g)", tm, e.s.V[0], want, diff)
		}
	}
	t.Logf("%d steps, worst |Δv| %.3g mV", c.rows-1, worst)
}
