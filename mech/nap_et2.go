package mech

// napEt2 is the persistent sodium current of Nap_Et2.mod (Hay et al. 2011,
// kinetics after Magistretti & Alonso 1999; τm six times NaTa's, as the
// file's comment says):
//
//	ina = gbar·m³·h·(v − ena),  qt = 2.3^((34 − 21)/10)
//	m∞ = 1/(1 + exp((v + 52.6)/−4.6))
//	mα = 0.182·(v + 38)/(1 − exp(−(v + 38)/6)),  mβ = 0.124·(−v − 38)/(1 − exp(−(−v − 38)/6))
//	τm = 6·(1/(mα + mβ))/qt
//	h∞ = 1/(1 + exp((v + 48.8)/10))
//	hα = −2.88e-6·(v + 17)/(1 − exp((v + 17)/4.63)),  hβ = 6.94e-6·(v + 64.4)/(1 − exp(−(v + 64.4)/2.63))
//	τh = (1/(hα + hβ))/qt
//
// qt is fixed (the file does not read celsius). As in the file, m∞ uses the
// voltage as given, and the removable singularities move the file's copy of
// v by 0.0001 mV when it equals −38, then −17, then −64.4 exactly, each
// later expression using the moved v. METHOD cnexp; INITIAL sets m = m∞(v),
// h = h∞(v). The models insert it in the soma only, so it is computed one
// instance at a time (exp1).
type napEt2 struct {
	base
	gbar, m, h []float64
}

var napEt2Kind = &Kind{
	Name:   "Nap_Et2",
	Params: []Param{{Name: "gbar", Default: 0.00001, Unit: "S/cm2"}},
	Ions:   Na,
	New: func(nodes []int) Mechanism {
		n := len(nodes)
		return &napEt2{base: base{nodes: nodes}, gbar: filled(n, 0.00001), m: make([]float64, n), h: make([]float64, n)}
	},
}

// napEt2Rates is the file's PROCEDURE rates, expression by expression.
func napEt2Rates(v float64) (mInf, mTau, hInf, hTau float64) {
	qt := kPstQt // 2.3^((34−21)/10), as K_Pst
	mInf = 1.0 / (1 + exp1((v - -52.6)/-4.6))
	if v == -38 {
		v += 0.0001
	}
	ma := (0.182 * (v - -38)) / (1 - exp1(-(v - -38)/6))
	mb := (0.124 * (-v - 38)) / (1 - exp1(-(-v-38)/6))
	mTau = 6 * (1 / (ma + mb)) / qt
	if v == -17 {
		v += 0.0001
	}
	if v == -64.4 {
		v += 0.0001
	}
	hInf = 1.0 / (1 + exp1((v - -48.8)/10))
	ha := -2.88e-6 * (v + 17) / (1 - exp1((v+17)/4.63))
	hb := 6.94e-6 * (v + 64.4) / (1 - exp1(-(v+64.4)/2.63))
	hTau = (1 / (ha + hb)) / qt
	return
}

// Kind returns the napEt2 kind.
func (c *napEt2) Kind() *Kind { return napEt2Kind }

func (c *napEt2) Param(name string) []float64 {
	if name == "gbar" {
		return c.gbar
	}
	return nil
}

func (c *napEt2) Init(s *State) {
	for k, n := range c.nodes {
		c.m[k], _, c.h[k], _ = napEt2Rates(s.V[n])
	}
}

func (c *napEt2) Current(s *State, i, g []float64) {
	nn := len(c.nodes)
	gbar, m, h, v, ena := c.gbar[:nn], c.m[:nn], c.h[:nn], s.V, s.Ena
	for k, n := range c.nodes {
		gk := gbar[k] * m[k] * m[k] * m[k] * h[k] // the file's g = gbar*m*m*m*h, same order
		i[n] += gk * (v[n] - ena[n])
		g[n] += gk
	}
}

func (c *napEt2) Advance(s *State, dt float64) {
	nn := len(c.nodes)
	m, h := c.m[:nn], c.h[:nn]
	for k, n := range c.nodes {
		mi, mt, hi, ht := napEt2Rates(s.V[n])
		m[k] = cnexp(m[k], mi, mt, dt)
		h[k] = cnexp(h[k], hi, ht, dt)
	}
}
