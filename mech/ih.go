package mech

import "math"

// ih is the hyperpolarization-activated cation current of Ih.mod (Kole et
// al. 2006, as used in the Allen all-active models):
//
//	ihcn = gbar·m·(v − ehcn),  ehcn = −45 mV (GLOBAL PARAMETER)
//	mα = 0.001·6.43·vtrap(v + 154.9, 11.9),  mβ = 0.001·193·exp(v/33.1)
//	m∞ = mα/(mα + mβ),  τm = 1/(mα + mβ)   (ms)
//
// It is a NONSPECIFIC_CURRENT (no ion); there is no temperature factor.
type ih struct {
	base
	gbar, m []float64
	tmp     []float64 // scratch of Advance, 2 per instance
}

const ihEhcn = -45.0 // mV, Ih.mod GLOBAL ehcn

var ihKind = &Kind{
	Name:   "Ih",
	Params: []Param{{Name: "gbar", Default: 0.00001, Unit: "S/cm2"}},
	New: func(nodes []int) Mechanism {
		n := len(nodes)
		return &ih{base: base{nodes: nodes}, gbar: filled(n, 0.00001), m: make([]float64, n), tmp: make([]float64, 2*n)}
	},
}

func ihRates(v float64) (inf, tau float64) {
	a := 0.001 * 6.43 * vtrap(v+154.9, 11.9)
	b := 0.001 * 193 * math.Exp(v/33.1)
	return a / (a + b), 1 / (a + b)
}

// Kind returns the ih kind.
func (c *ih) Kind() *Kind { return ihKind }

func (c *ih) Param(name string) []float64 {
	if name == "gbar" {
		return c.gbar
	}
	return nil
}

func (c *ih) Init(s *State) {
	for k, n := range c.nodes {
		c.m[k], _ = ihRates(s.V[n])
	}
}

func (c *ih) Current(s *State, i, g []float64) {
	if vecWidth() > 0 { // the same operations, vectorised (vec_body.h)
		c.checkVec([][]float64{i, g, s.V}, c.gbar, c.m)
		currentVec(c.nodes, s.V, nil, false, ihEhcn, c.gbar, c.m, 1, nil, i, g)
		return
	}
	gbar, m, v := c.gbar[:len(c.nodes)], c.m[:len(c.nodes)], s.V
	for k, n := range c.nodes {
		gk := gbar[k] * m[k]
		i[n] += gk * (v[n] - ihEhcn)
		g[n] += gk
	}
}

// Advance is ihRates and cnexp, batched (see expInPlace): the exponentials
// of vtrap and of mβ for every instance in one pass, then m∞ = mα/(mα + mβ)
// and dt·(−1/τm) = −dt·(mα + mβ), their exponential in a second pass, and
// the gate update (gate).
func (c *ih) Advance(s *State, dt float64) {
	if vecWidth() == 0 {
		c.advance(s, dt, 0, len(c.nodes))
		return
	}
	k := c.vecConst(dt)
	c.checkVec([][]float64{s.V}, c.m)
	c.finish(s, dt, ihVec(c.nodes, s.V, c.m, 0, &k), &k)
}

// vecConst returns the vector kernel's constants (vec_body.h).
func (c *ih) vecConst(dt float64) [8]float64 {
	return [8]float64{1 / 11.9, 1 / 33.1, 0.001 * 6.43, 0.001 * 193, dt, 154.9, 11.9, 1e-6}
}

// finish completes a vector Advance that stopped at instance lo: the Go
// loops take the block there, the kernel those after it, until the end.
func (c *ih) finish(s *State, dt float64, lo int, k *[8]float64) {
	n, w := len(c.nodes), vecWidth()
	for lo < n {
		c.advance(s, dt, lo, min(lo+w, n))
		lo = ihVec(c.nodes, s.V, c.m, lo+w, k)
	}
}

// advance is Advance's Go loops over the instances lo … hi−1 (the vector
// kernel of vec_body.h does the same operations on vecWidth instances at
// a time).
func (c *ih) advance(s *State, dt float64, lo, hi int) {
	n := len(c.nodes)
	nodes, m, e1, e2 := c.nodes[lo:hi], c.m[lo:hi], c.tmp[lo:hi], c.tmp[n+lo:n+hi]
	v := s.V
	for k, nd := range nodes {
		e1[k] = (v[nd] + 154.9) * (1 / 11.9)
		e2[k] = v[nd] * (1 / 33.1)
	}
	expInPlace(e1)
	expInPlace(e2)
	for k, nd := range nodes {
		x := v[nd] + 154.9
		var vt float64 // vtrap(x, 11.9)
		if u := x * (1 / 11.9); math.Abs(u) < 1e-6 {
			vt = 11.9 * (1 - u/2)
		} else {
			vt = x / (e1[k] - 1)
		}
		a := 0.001 * 6.43 * vt
		ab := a + 0.001*193*e2[k]
		e1[k] = a / ab     // m∞
		e2[k] = dt * (-ab) // dt·(−1/τm)
	}
	expSmallInPlace(e2) // |dt/τm| is small
	for k := range m {
		m[k] = gate(m[k], e1[k], e2[k])
	}
}
