package mech

// caHVA is the high-voltage-activated calcium current of Ca_HVA.mod (Reuveni
// et al. 1993, as used by Hay et al. 2011):
//
//	ica = gbar·m²·h·(v − eca)
//	mα = 0.055·vtrap(−27 − v, 3.8),       mβ = 0.94·exp((−75 − v)/17)
//	hα = 0.000457·exp((−13 − v)/50),      hβ = 0.0065/(exp((−v − 15)/28) + 1)
//	x∞ = xα/(xα + xβ),  τx = 1/(xα + xβ)  (ms)
//
// There is no temperature factor. The current is added to s.Ica as well.
type caHVA struct {
	base
	gbar, m, h []float64
}

var caHVAKind = &Kind{
	Name:   "Ca_HVA",
	Params: []Param{{Name: "gbar", Default: 0.00001, Unit: "S/cm2"}},
	Ions:   Ca,
	New: func(nodes []int) Mechanism {
		n := len(nodes)
		return &caHVA{base: base{nodes: nodes}, gbar: filled(n, 0.00001), m: make([]float64, n), h: make([]float64, n)}
	},
}

func caHVARates(v float64) (mInf, mTau, hInf, hTau float64) {
	ma := 0.055 * vtrap(-27-v, 3.8)
	mb := 0.94 * exp1((-75-v)/17)
	mInf = ma / (ma + mb)
	mTau = 1 / (ma + mb)
	ha := 0.000457 * exp1((-13-v)/50)
	hb := 0.0065 / (exp1((-v-15)/28) + 1)
	hInf = ha / (ha + hb)
	hTau = 1 / (ha + hb)
	return
}

// Kind returns the caHVA kind.
func (c *caHVA) Kind() *Kind { return caHVAKind }

func (c *caHVA) Param(name string) []float64 {
	if name == "gbar" {
		return c.gbar
	}
	return nil
}

func (c *caHVA) Init(s *State) {
	for k, n := range c.nodes {
		c.m[k], _, c.h[k], _ = caHVARates(s.V[n])
	}
}

func (c *caHVA) Current(s *State, i, g []float64) {
	nn := len(c.nodes)
	gbar, m, h := c.gbar[:nn], c.m[:nn], c.h[:nn]
	for k, n := range c.nodes {
		gk := gbar[k] * m[k] * m[k] * h[k]
		ik := gk * (s.V[n] - s.Eca[n])
		i[n] += ik
		g[n] += gk
		s.Ica[n] += ik
	}
}

func (c *caHVA) Advance(s *State, dt float64) {
	nn := len(c.nodes)
	m, h := c.m[:nn], c.h[:nn]
	for k, n := range c.nodes {
		mi, mt, hi, ht := caHVARates(s.V[n])
		m[k] = cnexp(m[k], mi, mt, dt)
		h[k] = cnexp(h[k], hi, ht, dt)
	}
}
