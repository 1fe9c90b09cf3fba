package mech

import "math"

// im is the M-type potassium current of Im.mod (Adams et al. 1982, as
// adapted by Hay et al. 2011), used by the excitatory all-active models
// (the inhibitory ones use Im_v2):
//
//	ik = gbar·m·(v − ek)
//	mα = 3.3e-3·exp(2.5·0.04·(v + 35)),  mβ = 3.3e-3·exp(−2.5·0.04·(v + 35))
//	m∞ = mα/(mα + mβ),  τm = (1/(mα + mβ))/qt,  qt = 2.3^((celsius − 21)/10)
//
// METHOD cnexp; INITIAL sets m = m∞(v).
type im struct {
	base
	gbar, m []float64
	qt      float64
	tmp     []float64 // scratch of Advance, 2 per instance
}

var imKind = &Kind{
	Name:   "Im",
	Params: []Param{{Name: "gbar", Default: 0.00001, Unit: "S/cm2"}},
	Ions:   K,
	New: func(nodes []int) Mechanism {
		n := len(nodes)
		return &im{base: base{nodes: nodes}, gbar: filled(n, 0.00001), m: make([]float64, n), qt: 1, tmp: make([]float64, 2*n)}
	},
}

// imRates is the file's PROCEDURE rates, expression by expression.
func imRates(v, qt float64) (inf, tau float64) {
	a := 3.3e-3 * math.Exp(2.5*0.04*(v - -35))
	b := 3.3e-3 * math.Exp(-2.5*0.04*(v - -35))
	return a / (a + b), (1 / (a + b)) / qt
}

// Kind returns the im kind.
func (c *im) Kind() *Kind { return imKind }

func (c *im) Param(name string) []float64 {
	if name == "gbar" {
		return c.gbar
	}
	return nil
}

func (c *im) Init(s *State) {
	c.qt = q10(s.Celsius, 21)
	for k, n := range c.nodes {
		c.m[k], _ = imRates(s.V[n], c.qt)
	}
}

func (c *im) Current(s *State, i, g []float64) {
	if vecWidth() > 0 { // the same operations, vectorised (vec_body.h)
		c.checkVec([][]float64{i, g, s.V, s.Ek}, c.gbar, c.m)
		currentVec(c.nodes, s.V, s.Ek, true, 0, c.gbar, c.m, 1, nil, i, g)
		return
	}
	// The slices are read once: stores through i and g could alias
	// s's fields, so the compiler would reload them every iteration.
	gbar, m, v, ek := c.gbar[:len(c.nodes)], c.m[:len(c.nodes)], s.V, s.Ek
	for k, n := range c.nodes {
		gk := gbar[k] * m[k]
		i[n] += gk * (v[n] - ek[n])
		g[n] += gk
	}
}

// Advance is imRates and cnexp, batched (see expInPlace). mα and mβ share
// one exponential: with u = exp(0.1·(v + 35)), mα = 3.3e-3·u and mβ =
// 3.3e-3/u, so
//
//	m∞ = mα/(mα + mβ) = u²/(u² + 1),  dt·(−1/τm) = −dt·qt·3.3e-3·(u² + 1)/u,
//
// one exponential and two divisions per instance instead of two and four;
// the results agree with the file's expressions to a few ulp.
func (c *im) Advance(s *State, dt float64) {
	if vecWidth() == 0 {
		c.advance(s, dt, 0, len(c.nodes))
		return
	}
	k := c.vecConst(dt)
	c.checkVec([][]float64{s.V}, c.m)
	c.finish(s, dt, imVec(c.nodes, s.V, c.m, 0, &k), &k)
}

// vecConst returns the vector kernel's constants (vec_body.h).
func (c *im) vecConst(dt float64) [2]float64 {
	return [2]float64{2.5 * 0.04, -dt * c.qt * 3.3e-3}
}

// finish completes a vector Advance that stopped at instance lo: the Go
// loops take the block there, the kernel those after it, until the end.
func (c *im) finish(s *State, dt float64, lo int, k *[2]float64) {
	n, w := len(c.nodes), vecWidth()
	for lo < n {
		c.advance(s, dt, lo, min(lo+w, n))
		lo = imVec(c.nodes, s.V, c.m, lo+w, k)
	}
}

// advance is Advance's Go loops over the instances lo … hi−1 (the vector
// kernel of vec_body.h does the same operations on vecWidth instances at
// a time).
func (c *im) advance(s *State, dt float64, lo, hi int) {
	n := len(c.nodes)
	nodes, m, e1, e2 := c.nodes[lo:hi], c.m[lo:hi], c.tmp[lo:hi], c.tmp[n+lo:n+hi]
	v := s.V
	for k, nd := range nodes {
		e1[k] = (2.5 * 0.04) * (v[nd] - -35)
	}
	expInPlace(e1)
	c0 := -dt * c.qt * 3.3e-3
	for k := range m {
		u := e1[k]
		s := u*u + 1
		e1[k] = u * u / s  // m∞
		e2[k] = c0 * s / u // dt·(−1/τm)
	}
	expSmallInPlace(e2) // |dt/τm| is small
	for k := range m {
		m[k] = gate(m[k], e1[k], e2[k])
	}
}
