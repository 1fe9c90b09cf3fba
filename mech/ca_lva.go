package mech

// caLVA is the low-voltage-activated (T-type) calcium current of Ca_LVA.mod
// (Avery & Johnston 1996, Randall & Tsien 1997, as used by Hay et al. 2011):
//
//	ica = gbar·m²·h·(v − eca),  qt = 2.3^((celsius − 21)/10),  with v' = v + 10 mV:
//	m∞ = 1/(1 + exp((v' + 30)/−6)),   τm = (5 + 20/(1 + exp((v' + 25)/5)))/qt
//	h∞ = 1/(1 + exp((v' + 80)/6.4)),  τh = (20 + 50/(1 + exp((v' + 40)/7)))/qt
//
// The current is added to s.Ica as well.
type caLVA struct {
	base
	gbar, m, h []float64
	qt         float64
}

var caLVAKind = &Kind{
	Name:   "Ca_LVA",
	Params: []Param{{Name: "gbar", Default: 0.00001, Unit: "S/cm2"}},
	Ions:   Ca,
	New: func(nodes []int) Mechanism {
		n := len(nodes)
		return &caLVA{base: base{nodes: nodes}, gbar: filled(n, 0.00001), m: make([]float64, n), h: make([]float64, n), qt: 1}
	},
}

func caLVARates(v, qt float64) (mInf, mTau, hInf, hTau float64) {
	v += 10
	mInf = 1.0000 / (1 + exp1((v - -30.000)/-6))
	mTau = (5.0000 + 20.0000/(1+exp1((v - -25.000)/5))) / qt
	hInf = 1.0000 / (1 + exp1((v - -80.000)/6.4))
	hTau = (20.0000 + 50.0000/(1+exp1((v - -40.000)/7))) / qt
	return
}

// Kind returns the caLVA kind.
func (c *caLVA) Kind() *Kind { return caLVAKind }

func (c *caLVA) Param(name string) []float64 {
	if name == "gbar" {
		return c.gbar
	}
	return nil
}

func (c *caLVA) Init(s *State) {
	c.qt = q10(s.Celsius, 21)
	for k, n := range c.nodes {
		c.m[k], _, c.h[k], _ = caLVARates(s.V[n], c.qt)
	}
}

func (c *caLVA) Current(s *State, i, g []float64) {
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

func (c *caLVA) Advance(s *State, dt float64) {
	nn := len(c.nodes)
	m, h := c.m[:nn], c.h[:nn]
	for k, n := range c.nodes {
		mi, mt, hi, ht := caLVARates(s.V[n], c.qt)
		m[k] = cnexp(m[k], mi, mt, dt)
		h[k] = cnexp(h[k], hi, ht, dt)
	}
}
