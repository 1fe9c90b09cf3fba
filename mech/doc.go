// Package mech implements the membrane mechanisms of the Allen Institute
// all-active models exactly as their NMODL files, compiled by NEURON 8.2.2's
// nocmodl, compute them: the same rate expressions, temperature factors,
// INITIAL blocks and fixed-step integration methods. The inhibitory
// (PVALB, SST, VIP, LAMP5/PAX6) models use pas, CaDynamics, Ca_HVA, Ca_LVA,
// Ih, Im_v2, K_Pst, K_Tst, Kd, Kv2like, Kv3_1, NaV and SK; the excitatory
// ones (ITL23 … L56NP) replace NaV by NaTs2_t and Nap_Et2 and Im_v2 by Im.
// The sources are the .mod files of anastassiou-team/
// human_cortical_single_neuron_models (Required_Files/modfiles), also in
// AllenInstitute/bmtk; each mechanism's file cites its equations.
//
// # Contract with the solver
//
// A Mechanism is one mechanism inserted into a set of nodes, its parameters
// and states stored per node (structure of arrays). NEURON's fixed step,
// which a solver reproduces by calling, for every mechanism in the order of
// Kinds (NEURON's registration order):
//
//  1. Current with the voltages of the previous step: each mechanism adds its
//     outward current density i (mA/cm²) and di/dv (S/cm²) per node, and
//     calcium channels add to s.Ica.
//  2. The voltage solve (the solver's job).
//  3. Advance with the new voltages: HH gates by exponential Euler with the
//     rates at the new v, NaV by one backward Euler step, CaDynamics by cnexp
//     with ica from step 1, then SK from the new cai.
//
// # Numerics
//
// HH gates: NEURON's METHOD cnexp for x' = (x∞ − x)/τ yields
// x ← x + (1 − exp(−dt/τ))(x∞ − x); nocmodl writes x∞ as
// −(x∞/τ)/(−1/τ), which gate and cnexp (common.go) simplify to x∞, two
// divisions fewer per gate and step, within a few ulp.
//
// NaV: METHOD sparse on a linear KINETIC scheme is one backward Euler step,
// (I − dt·A(v))·y' = y; the 12×12 system is block tridiagonal (a 2×6 ladder)
// and is solved by a dedicated block elimination (see nav.go).
//
// # Speed
//
// A simulation spends its time in the mechanisms of the dendrites (NaV,
// Kv3_1, Ih, Im_v2 in every compartment), so these are written for
// throughput; each choice is measured by the benchmarks beside it
// (bench_test.go, exp_test.go) and explained where it is made:
//
//   - exp (exp.go): math.Exp is an out-of-line call, and Go's calling
//     convention keeps no floating-point register across calls, so a loop
//     calling it cannot overlap its iterations. expInPlace exponentiates a
//     whole slice with a table method written for it (< 1 ulp, like
//     math.Exp), and expSmallInPlace the gates' decay factors exp(−dt/τ),
//     whose arguments are small, by a short series. Mechanisms with many
//     instances gather their exponents in scratch slices, exponentiate them
//     in one pass and combine them in another (kv3_1.go, ih.go, im_v2.go);
//     the others call the scalar exp1 and expSmall1.
//   - Algebra instead of exponentials and divisions: Im_v2's and Im's two
//     rates from one exponential, NaTs2_t's four from one, NaV's exp(−v/24) as 1/exp(v/24), x∞ and 1/τ from
//     α/(α + β) and α + β, divisions by constants as multiplications.
//   - NaV (about half the time): the same block elimination as before, done
//     32 compartments at a time, position by position, in flat
//     structure-of-arrays scratch, which removes the latency of each
//     compartment's chain of divisions and lets the processor overlap
//     independent systems; the last and first ladder positions are
//     specialised, and the totals are renormalised every 4th step.
//   - Current loops read the State slices once (the compiler cannot prove
//     that stores through i and g leave them unchanged).
//   - Vector kernels (vec_body.h, C with AVX-512 or AVX2 intrinsics through
//     cgo on amd64, chosen at run time; NOBLE_MECH_ISA=generic|avx2|avx512
//     selects one for tests and benchmarks, isa.go): the Advance and
//     Current of NaTs2_t, Ih, Im and Kv3_1, the Current of pas, and
//     expInPlace and expSmallInPlace on slices of 16 values or more. They
//     perform each instance's floating-point operations of the Go loops in
//     the same order, the exponential's table method included (its table
//     looked up by permutations on AVX-512, a gather being slower on these
//     cores), compiled without fused multiply-add, so they return the same
//     bits (TestExpVec, TestMechVec, TestCurrentVec, TestAdvanceAll compare
//     every instruction set with the Go loops bit for bit). A block where
//     an exponential's argument leaves the table's range or NaTs2_t's
//     voltage is singular is left to the Go loops. AVX-512 takes 16
//     instances per step, two 8-lane chains interleaved, which the cores
//     overlap better than one. AdvanceAll runs the four kinds' kernels in
//     one cgo call (about 100 ns each on these machines). Without cgo
//     (CGO_ENABLED=0, the purego tag) or outside amd64 the Go loops run.
//
// These change results by rounding only: TestNeuronReplay still agrees with
// NEURON's states to 2e-14 relative, TestBatchedGates, TestNaTs2tBatched and
// TestNaVChunks compare the fast paths with the file's expressions and the
// dense solve. (The NEURON replay data cover the 13 inhibitory mechanisms;
// NaTs2_t, Nap_Et2 and Im are checked against steady states, time constants
// and limits worked out by hand from their files, and through package sim's
// traces of the ITL23 cell, which agree with NEURON's to the float32
// rounding of the reference files.)
//
// Conductance: NEURON's nrn_cur computes di/dv by a finite difference,
// (i(v + 0.001) − i(v))/0.001. With the states fixed during nrn_cur every
// current here is ohmic in v, i = G·(v − E), so the difference equals G up
// to rounding (relative ~1e-13): Current returns G itself.
//
// Temperature factors (qt) are computed in Init from s.Celsius; a change of
// Celsius takes effect at the next Init.
//
// Initial calcium: CaDynamics.mod's INITIAL sets cai = minCai. Run in
// NEURON 8.2.2, finitialize gives cai = minCai_CaDynamics (not ca_ion's
// cai0 = 5e-5 mM) in sections holding CaDynamics, with eca from it.
//
// Reversal potentials: Nernst, Cai0, Cao0 and Eca0 give NEURON's values; a
// solver recomputes eca from cai at the start of every step where
// CaDynamics is inserted, and uses Eca0 where no mechanism writes cai.
//
// Current, Advance and AdvanceAll do not allocate. A Mechanism is not safe for
// concurrent use (NaV caches dt-scaled rates, and the batched mechanisms
// keep scratch); Kinds are read-only.
package mech
