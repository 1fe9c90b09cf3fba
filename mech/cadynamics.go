package mech

// caDynamics is the intracellular calcium pool of CaDynamics.mod (after
// Destexhe et al. 1994, as used in the Allen all-active models):
//
//	dcai/dt = −10000·ica·gamma/(2·F·depth) − (cai − minCai)/decay
//
// with F = 96485.3321233100141 C/mol (NEURON 8.2's FARADAY, CODATA 2018),
// gamma the free fraction (default 0.05), decay in ms (80), depth in µm
// (0.1) and minCai in mM (1e-4); all four are RANGE parameters. The factor
// 10000 converts mA/cm² over a µm-deep shell into mM/ms.
//
// Numerics: cnexp with ica held at the value of this step's Current (NEURON
// computes ica in nrn_cur, then integrates cai in nrn_state), i.e. the exact
// solution of the linear ODE over dt, written in nocmodl's form.
//
// Initial value: the INITIAL block sets cai = minCai. Checked with NEURON
// 8.2.2: after finitialize(−80), cai = minCai_CaDynamics (e.g. 2e-4 when
// minCai is 2e-4), not ca_ion's cai0 = 5e-5 mM, and eca is then computed
// from that cai. Init therefore writes minCai into s.Cai; the solver must
// set s.Eca by Nernst after the Init of all mechanisms that write cai and
// before the Init of mechanisms that read it (SK: z∞(cai)), which the
// registration order (CaDynamics before SK) gives.
type caDynamics struct {
	base
	gamma, decay, depth, minCai []float64
}

// faraday is NEURON 8.2's FARADAY (nrnunits.lib, non-legacy units).
const faraday = 0x1.78e555060882cp+16 // 96485.3321233100141 C/mol

var caDynamicsKind = &Kind{
	Name: "CaDynamics",
	Params: []Param{
		{Name: "gamma", Default: 0.05, Unit: "1"},
		{Name: "decay", Default: 80, Unit: "ms"},
		{Name: "depth", Default: 0.1, Unit: "um"},
		{Name: "minCai", Default: 1e-4, Unit: "mM"},
	},
	Ions:      Ca,
	WritesCai: true,
	New: func(nodes []int) Mechanism {
		n := len(nodes)
		return &caDynamics{base: base{nodes: nodes},
			gamma: filled(n, 0.05), decay: filled(n, 80), depth: filled(n, 0.1), minCai: filled(n, 1e-4)}
	},
}

// Kind returns the caDynamics kind.
func (c *caDynamics) Kind() *Kind { return caDynamicsKind }

func (c *caDynamics) Param(name string) []float64 {
	switch name {
	case "gamma":
		return c.gamma
	case "decay":
		return c.decay
	case "depth":
		return c.depth
	case "minCai":
		return c.minCai
	}
	return nil
}

// Init sets cai = minCai, as the INITIAL block does.
func (c *caDynamics) Init(s *State) {
	for k, n := range c.nodes {
		s.Cai[n] = c.minCai[k]
	}
}

// Current does nothing: CaDynamics has no current.
func (c *caDynamics) Current(s *State, i, g []float64) {}

func (c *caDynamics) Advance(s *State, dt float64) {
	nn := len(c.nodes)
	gamma, decay, depth, minCai := c.gamma[:nn], c.decay[:nn], c.depth[:nn], c.minCai[:nn]
	for k, n := range c.nodes {
		cai, ica := s.Cai[n], s.Ica[n]
		s.Cai[n] = cai + (1-expSmall1(dt*(-(1.0)/decay[k])))*
			(-(-(10000.0)*((ica*gamma[k])/(2.0*faraday*depth[k]))-(-minCai[k])/decay[k])/(-(1.0)/decay[k])-cai)
	}
}
