package mech

import "math"

// imV2 is the M-type (KCNQ) potassium current of Im_v2.mod (Allen Institute
// all-active models, after Vervaeke et al. 2006):
//
//	ik = gbar·m·(v − ek)
//	mα = 0.007·exp(6·0.4·(v + 48)/26.12),  mβ = 0.007·exp(−6·(1 − 0.4)·(v + 48)/26.12)
//	m∞ = mα/(mα + mβ),  τm = (15 + 1/(mα + mβ))/qt,  qt = 2.3^((celsius − 30)/10)
type imV2 struct {
	base
	gbar, m []float64
	qt      float64
	tmp     []float64 // scratch of Advance, 2 per instance
}

var imV2Kind = &Kind{
	Name:   "Im_v2",
	Params: []Param{{Name: "gbar", Default: 0.00001, Unit: "S/cm2"}},
	Ions:   K,
	New: func(nodes []int) Mechanism {
		n := len(nodes)
		return &imV2{base: base{nodes}, gbar: filled(n, 0.00001), m: make([]float64, n), qt: 1, tmp: make([]float64, 2*n)}
	},
}

func imV2Rates(v, qt float64) (inf, tau float64) {
	a := 0.007 * math.Exp((6*0.4*(v-(-48)))/26.12)
	b := 0.007 * math.Exp((-6*(1-0.4)*(v-(-48)))/26.12)
	return a / (a + b), (15 + 1/(a+b)) / qt
}

// Kind returns the imV2 kind.
func (c *imV2) Kind() *Kind { return imV2Kind }

func (c *imV2) Param(name string) []float64 {
	if name == "gbar" {
		return c.gbar
	}
	return nil
}

func (c *imV2) Init(s *State) {
	c.qt = q10(s.Celsius, 30)
	for k, n := range c.nodes {
		c.m[k], _ = imV2Rates(s.V[n], c.qt)
	}
}

func (c *imV2) Current(s *State, i, g []float64) {
	gbar, m := c.gbar[:len(c.nodes)], c.m[:len(c.nodes)]
	for k, n := range c.nodes {
		gk := gbar[k] * m[k]
		i[n] += gk * (s.V[n] - s.Ek[n])
		g[n] += gk
	}
}

// Advance is imV2Rates and cnexp, batched (see expInPlace): mα's and mβ's
// exponentials for every instance in one pass, then m∞ = mα·(1/(mα + mβ))
// and dt·(−1/τm) = −dt·qt/(15 + 1/(mα + mβ)), their exponential in a second
// pass, and the gate update (gate). Two divisions per instance instead of
// four, each result within a few ulp of the file's expressions.
func (c *imV2) Advance(s *State, dt float64) {
	n := len(c.nodes)
	m, e1, e2 := c.m[:n], c.tmp[:n], c.tmp[n:2*n]
	v := s.V
	for k, nd := range c.nodes {
		e1[k] = (v[nd] - (-48)) * (6 * 0.4 / 26.12)
		e2[k] = (v[nd] - (-48)) * (-6 * (1 - 0.4) / 26.12)
	}
	expInPlace(c.tmp[:2*n])
	qt := c.qt
	for k := range m {
		a := 0.007 * e1[k]
		r := 1 / (a + 0.007*e2[k])
		e1[k] = a * r                 // m∞
		e2[k] = dt * (-qt / (15 + r)) // dt·(−1/τm)
	}
	expInPlace(e2)
	for k := range m {
		m[k] = gate(m[k], e1[k], e2[k])
	}
}
