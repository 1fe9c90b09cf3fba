package mech

// State is the per-node state that mechanisms share with the solver.
// Every slice is indexed by node (compartment) and owned by the solver;
// mechanisms read and write only the entries of their own nodes.
type State struct {
	V   []float64 // membrane potential, mV
	Cai []float64 // intracellular calcium concentration, mM
	Ica []float64 // total calcium current density, mA/cm²; the solver zeroes it before Current
	Eca []float64 // calcium reversal potential, mV; the solver sets it by Nernst from Cai
	Ena []float64 // sodium reversal potential, mV
	Ek  []float64 // potassium reversal potential, mV

	Celsius float64 // temperature, °C
}

// Mechanism is one mechanism inserted into a fixed set of nodes, its
// parameters and states stored per node (structure of arrays).
//
// The solver calls, per time step of NEURON's fixed-step method:
// Current at the half step with the voltages of the previous step, then,
// after the voltage solve, Advance with the new voltages. Init sets the
// states to their steady state at the current voltages (finitialize).
type Mechanism interface {
	// Kind returns the mechanism's description.
	Kind() *Kind

	// Nodes returns the node index of each instance; do not modify it.
	Nodes() []int

	// Param returns the per-instance values of the named parameter
	// (NEURON's range-variable name without the suffix, e.g. "gbar"),
	// or nil if the mechanism has no such parameter. The solver writes
	// parameter values into the returned slice before Init.
	Param(name string) []float64

	// Init sets every state to its steady state at s.V (and s.Cai).
	Init(s *State)

	// Current adds, for each instance on node n, the outward membrane
	// current density (mA/cm²) to i[n] and its derivative with respect to
	// the membrane potential (S/cm²) to g[n]. Calcium channels also add
	// their current to s.Ica[n].
	Current(s *State, i, g []float64)

	// Advance integrates the states over one step of dt ms with the new
	// voltages in s.V, as NEURON's fixed-step method does (exponential Euler
	// for HH gates, implicit Euler for kinetic schemes, cnexp for CaDynamics).
	Advance(s *State, dt float64)
}

// Ion flags say which ions a mechanism uses.
type Ion uint8

const (
	Na Ion = 1 << iota // reads ena: ena is set in sections holding it
	K                  // reads ek: ek is set in sections holding it
	Ca                 // reads eca or cai, or writes ica or cai
)

// Param describes one parameter of a mechanism.
type Param struct {
	Name    string  // NEURON's name without the suffix, e.g. "gbar"
	Default float64 // NEURON's default value
	Unit    string  // e.g. "S/cm2"
}

// Kind describes a mechanism type: its NEURON suffix, parameters and ions.
type Kind struct {
	Name   string  // NEURON suffix, e.g. "NaV"
	Params []Param // parameters settable from a parameter file
	Ions   Ion     // ions used
	// WritesCai is true for a mechanism that integrates cai (CaDynamics).
	WritesCai bool
	// New returns the mechanism inserted in the given nodes, with its
	// parameters at their defaults. It keeps nodes.
	New func(nodes []int) Mechanism
}
