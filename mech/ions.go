package mech

import "math"

// NEURON 8.2's ion defaults and physical constants (nrnunits.lib, CODATA
// 2018, the default non-legacy units), for solvers that must compute
// reversal potentials as NEURON does.
const (
	Cai0 = 5e-5 // mM, ca_ion's cai0: cai in sections without CaDynamics
	Cao0 = 2.0  // mM, ca_ion's cao0

	// Eca0 is eca (mV) in sections where no mechanism writes cai (a calcium
	// channel without CaDynamics): ca_ion's default 12.5·ln(cao0/cai0), not
	// recomputed from Nernst (checked with NEURON 8.2.2).
	Eca0 = 132.4579341637009

	Faraday     = faraday          // C/mol
	GasConstant = 8.31446261815324 // J/(mol·K), k·N_A exactly (CODATA 2018)
)

// Nernst returns the reversal potential (mV) of an ion of valence z with
// inner and outer concentrations ci and co (mM) at celsius (°C), as NEURON's
// nrn_nernst: 1000·R·(celsius + 273.15)/F / z · ln(co/ci), 0 if z is 0, 1e6
// if ci ≤ 0, −1e6 if co ≤ 0. With CaDynamics, NEURON recomputes eca this way
// from cai at the start of every step (and after Init writes cai).
func Nernst(ci, co float64, z int, celsius float64) float64 {
	switch {
	case z == 0:
		return 0
	case ci <= 0:
		return 1e6
	case co <= 0:
		return -1e6
	}
	ktf := 1000 * GasConstant * (celsius + 273.15) / Faraday
	return ktf / float64(z) * math.Log(co/ci)
}
