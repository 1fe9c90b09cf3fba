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
		return &imV2{base: base{nodes: nodes}, gbar: filled(n, 0.00001), m: make([]float64, n), qt: 1, tmp: make([]float64, 2*n)}
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
	// The slices are read once: stores through i and g could alias
	// s's fields, so the compiler would reload them every iteration.
	gbar, m, v, ek := c.gbar[:len(c.nodes)], c.m[:len(c.nodes)], s.V, s.Ek
	for k, n := range c.nodes {
		gk := gbar[k] * m[k]
		i[n] += gk * (v[n] - ek[n])
		g[n] += gk
	}
}

// Advance is imV2Rates and cnexp, batched (see expInPlace). mα and mβ
// share one exponential: with u = exp(1.2·(v + 48)/26.12), mα = 0.007·u²
// and mβ = 0.007/u³, so with q = 1/(u⁵ + 1)
//
//	m∞ = mα/(mα + mβ) = u⁵·q,  1/(mα + mβ) = u³·q/0.007,
//
// and dt·(−1/τm) = −dt·qt/(15 + 1/(mα + mβ)). So one pass of u for every
// instance, one of the decay factors, two divisions per instance instead of
// four. The results agree with the file's expressions to ~1e-15 relative
// (u⁵ carries a few ulp).
func (c *imV2) Advance(s *State, dt float64) {
	n := len(c.nodes)
	m, e1, e2 := c.m[:n], c.tmp[:n], c.tmp[n:2*n]
	v := s.V
	for k, nd := range c.nodes {
		e1[k] = (v[nd] - (-48)) * (6 * 0.2 / 26.12)
	}
	expInPlace(e1)
	qt := c.qt
	for k := range m {
		u := e1[k]
		u2 := u * u
		u3 := u2 * u
		u5 := u2 * u3
		q := 1 / (u5 + 1)
		e1[k] = u5 * q                             // m∞
		e2[k] = dt * (-qt / (15 + u3*q*(1/0.007))) // dt·(−1/τm)
	}
	expSmallInPlace(e2) // |dt/τm| is small
	for k := range m {
		m[k] = gate(m[k], e1[k], e2[k])
	}
}
