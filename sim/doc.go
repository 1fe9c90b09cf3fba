// Package sim implements the simulation of all-active multi-compartment
// neuron models as NEURON 8.2 performs it with its default fixed-step
// method, so that its traces equal NEURON's: cell directories and Allen/BMTK
// parameter files, model assembly, the solver, the current-clamp protocol
// and a parallel runner.
//
// # Cells and models
//
// LoadCell reads a cell directory (cell.json, the SWC morphology, the
// parameter files) and discretises the morphology once (packages morph and
// cable). Cell.Model applies one parameter file as BMTK's
// set_params_allactive and the NEURON references (tools/nrncell.py,
// docs/reference-data.md) do: pas in
// every section; passive[0].ra as Ra everywhere; the genome in file order
// (insert the named mechanism in every section of the type, then set cm,
// Ra or the mechanism parameter); ena and ek only where a Na / K mechanism
// is inserted; celsius and v_init from conditions[0]. Section types are
// soma, dend, apic (SWC type 4: the apical dendrites of the excitatory
// models) and axon; entries for a type the cell lacks apply to nothing, as
// the recipe's loop over that type's sections does in NEURON. A mechanism
// mech does not have is an error naming it, the file and field, and the
// supported list. A Model is immutable and may be simulated by many
// goroutines at once.
//
// # Numerics (NEURON's fadvance.cpp, treeset.cpp, solve.cpp, eion.cpp)
//
// The cell is a tree of nodes: one per segment centre, one zero-area node at
// each section's x = 1 end, and the root (soma x = 0). Each step of dt
// (secondorder = 0, backward Euler) does, as nrn_fixed_step:
//
//  1. t += dt/2. eca = (R·T/2F)·ln(cao/cai) where a mechanism integrates cai
//     (cao = 2 mM; R, F from CODATA 2018 as NEURON), ica = 0.
//  2. Every mechanism adds its outward current i(v) and dI/dV to its nodes
//     in NEURON's order (pas, then IClamp, then mech.Kinds()); the IClamp
//     current, on when del ≤ t < del+dur with t the mid-step time, enters as
//     amp·(100/area) mA/cm². rhs = −i, d = dI/dV + 0.001·cm/dt.
//  3. Axial terms with NEURON's coefficients a = −100/(ri·area(parent)),
//     b = −100/(ri·area) (ri in MΩ, areas in µm²): rhs[i] −= b·(v[p]−v[i]),
//     rhs[p] += a·(v[p]−v[i]), d[i] −= b, d[p] −= a. Nodes without membrane
//     take the dimensionless area 100 and no capacitance, as NEURON's
//     nrn_area_ri and node_construct give them; their rows are then in nA
//     and µS, a pure current balance.
//  4. Hines' elimination (triang from the leaves, bksub from the root) in
//     the node order (parents before children); v += Δv; t += dt/2. Step 3
//     is done inside triang's pass and 1/d is taken once per node (see
//     Workspace.Step): the same terms as NEURON's, summed in another order.
//     The nodes are taken level by level rather than in node order (see
//     schedule): the same operations on the same values, each parent
//     receiving its children's terms in node order, so the same results,
//     with independent nodes next to each other for the processor.
//  5. Every mechanism advances its states with the new v (exponential Euler
//     gates, implicit Euler kinetic schemes, cnexp calcium), in NEURON's
//     order, so that CaDynamics updates cai before SK reads it
//     (mech.AdvanceAll, which runs the kinds whose Advance reads v alone
//     in one call of the vector kernels).
//
// The mechanisms and the ionic state (Workspace.State) see only the nodes
// with membrane, numbered consecutively in node order, so that a
// mechanism inserted in every compartment has consecutive indices and its
// vector kernels load and store whole vectors.
//
// Initialisation is finitialize(v_init): t = 0, every v = v_init, cai =
// 5e-5 mM, eca by Nernst, each mechanism's INITIAL block in order, eca again
// from the cai CaDynamics set. The trace holds v at soma(0.5) after
// finitialize and after every step. The operations are kept in NEURON's
// order, so that rounding agrees as far as possible (GOAMD64=v1 code has no
// fused multiply-add, as NEURON's generic x86-64 build has none).
//
// # Agreement with NEURON
//
// TestNEURONReference simulates all 32 reference traces of NEURON 8.2.2
// of the mouse and human PVALB cells (−0.1 … 0.3 nA): every spike count and
// every spike peak sample agree; traces without spikes agree to 3.8e-6 mV,
// the float32 rounding of the reference files; the largest difference on
// any trace, 7.0e-4 mV, is on the upstroke of a late spike near threshold,
// where last-bit rounding differences (exp, NaV's linear solve, the order
// of the sums in the tree solve) shift the crossing by nanoseconds. The 16
// traces of the human VIP cell (90 compartments, 189 spikes) and the 18 of
// the excitatory ITL23 cell (632 compartments with apical dendrites,
// NaTs2_t, Nap_Et2 and Im; −0.1 … 0.8 nA, 20 spikes) agree on every sample
// to 3.8e-6 mV, spikes included. TestNEURONDump checks areas, axial resistances
// and every node's voltage during the first steps against a NEURON dump
// (tools/neuron_dump.py) to 1e-12.
//
// # Running many jobs
//
// Run simulates (parameter file, amplitude) jobs on a worker pool
// (errgroup), building each model once; results do not depend on the number
// of workers.
package sim
