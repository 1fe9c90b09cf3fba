package mech

// kv2like is the Kv2-like potassium current of Kv2like.mod (Allen Institute
// all-active models, after Hönigsperger et al. 2015 / Keren et al. 2005):
//
//	ik = gbar·m²·(0.5·h1 + 0.5·h2)·(v − ek),  qt = 2.3^((celsius − 21)/10)
//	mα = 0.12·vtrap(−(v − 43), 11),  mβ = 0.02·exp(−(v + 1.27)/120)
//	m∞ = mα/(mα + mβ),  τm = 2.5·(1/(qt·(mα + mβ)))
//	h∞ = 1/(1 + exp((v + 58)/11))
//	τh1 = (360 + (1010 + 23.7·(v + 54))·exp(−((v + 75)/48)²))/qt
//	τh2 = (2350 + 1380·exp(−0.011·v) − 210·exp(−0.03·v))/qt, set to 1e-3 ms if negative
type kv2like struct {
	base
	gbar, m, h1, h2 []float64
	qt              float64
}

var kv2likeKind = &Kind{
	Name:   "Kv2like",
	Params: []Param{{Name: "gbar", Default: 0.00001, Unit: "S/cm2"}},
	Ions:   K,
	New: func(nodes []int) Mechanism {
		n := len(nodes)
		return &kv2like{base: base{nodes: nodes}, gbar: filled(n, 0.00001),
			m: make([]float64, n), h1: make([]float64, n), h2: make([]float64, n), qt: 1}
	},
}

func kv2likeRates(v, qt float64) (mInf, mTau, hInf, h1Tau, h2Tau float64) {
	a := 0.12 * vtrap(-(v-43), 11.0)
	b := 0.02 * exp1(-(v+1.27)/120)
	mInf = a / (a + b)
	mTau = 2.5 * (1 / (qt * (a + b)))
	hInf = 1 / (1 + exp1((v+58)/11))
	x := (v + 75) / 48
	h1Tau = (360 + (1010+23.7*(v+54))*exp1(-(x*x))) / qt
	h2Tau = (2350 + 1380*exp1(-0.011*v) - 210*exp1(-0.03*v)) / qt
	if h2Tau < 0 {
		h2Tau = 1e-3
	}
	return
}

// Kind returns the kv2like kind.
func (c *kv2like) Kind() *Kind { return kv2likeKind }

func (c *kv2like) Param(name string) []float64 {
	if name == "gbar" {
		return c.gbar
	}
	return nil
}

func (c *kv2like) Init(s *State) {
	c.qt = q10(s.Celsius, 21)
	for k, n := range c.nodes {
		mi, _, hi, _, _ := kv2likeRates(s.V[n], c.qt)
		c.m[k], c.h1[k], c.h2[k] = mi, hi, hi
	}
}

func (c *kv2like) Current(s *State, i, g []float64) {
	nn := len(c.nodes)
	gbar, m, h1, h2 := c.gbar[:nn], c.m[:nn], c.h1[:nn], c.h2[:nn]
	for k, n := range c.nodes {
		gk := gbar[k] * m[k] * m[k] * (0.5*h1[k] + 0.5*h2[k])
		i[n] += gk * (s.V[n] - s.Ek[n])
		g[n] += gk
	}
}

func (c *kv2like) Advance(s *State, dt float64) {
	nn := len(c.nodes)
	m, h1, h2 := c.m[:nn], c.h1[:nn], c.h2[:nn]
	for k, n := range c.nodes {
		mi, mt, hi, t1, t2 := kv2likeRates(s.V[n], c.qt)
		m[k] = cnexp(m[k], mi, mt, dt)
		h1[k] = cnexp(h1[k], hi, t1, dt)
		h2[k] = cnexp(h2[k], hi, t2, dt)
	}
}
