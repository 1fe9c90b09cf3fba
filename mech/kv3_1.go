package mech

import "math"

// kv31 is the Kv3.1 potassium current of Kv3_1.mod (Allen Institute
// all-active models, after Rettig et al. 1992 / Hay et al. 2011 SKv3_1):
//
//	ik = gbar·m·(v − ek)
//	m∞ = 1/(1 + exp((v − (18.7 + vshift))/−9.7))
//	τm = 0.2·20/(1 + exp((v − (−46.56 + vshift))/−44.14))   (ms)
//
// vshift is a GLOBAL PARAMETER (0 mV) and is not settable per section;
// there is no temperature factor. INITIAL sets m = m∞(v).
type kv31 struct {
	base
	gbar, m []float64
	tmp     []float64 // scratch of Advance, 2 per instance
}

const kv31Vshift = 0 // mV, Kv3_1.mod GLOBAL vshift

var kv31Kind = &Kind{
	Name:   "Kv3_1",
	Params: []Param{{Name: "gbar", Default: 0.00001, Unit: "S/cm2"}},
	Ions:   K,
	New: func(nodes []int) Mechanism {
		n := len(nodes)
		return &kv31{base: base{nodes: nodes}, gbar: filled(n, 0.00001), m: make([]float64, n), tmp: make([]float64, 2*n)}
	},
}

func kv31Rates(v float64) (inf, tau float64) {
	inf = 1 / (1 + math.Exp((v-(18.700+kv31Vshift))/(-9.700)))
	tau = 0.2 * 20.000 / (1 + math.Exp((v-(-46.560+kv31Vshift))/(-44.140)))
	return
}

// Kind returns the kv31 kind.
func (c *kv31) Kind() *Kind { return kv31Kind }

func (c *kv31) Param(name string) []float64 {
	if name == "gbar" {
		return c.gbar
	}
	return nil
}

func (c *kv31) Init(s *State) {
	for k, n := range c.nodes {
		c.m[k], _ = kv31Rates(s.V[n])
	}
}

func (c *kv31) Current(s *State, i, g []float64) {
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

// Advance is kv31Rates and cnexp, batched (see expInPlace): the two rate
// exponentials of every instance in one pass, then m∞ and dt·(−1/τm) =
// −dt·(1 + e₂)/4, their exponential in a second pass, and the gate update
// (gate). Divisions by constants are multiplications by their reciprocals
// (within an ulp of the division).
func (c *kv31) Advance(s *State, dt float64) {
	if vecWidth() == 0 {
		c.advance(s, dt, 0, len(c.nodes))
		return
	}
	k := c.vecConst(dt)
	c.checkVec([][]float64{s.V}, c.m)
	c.finish(s, dt, kv31Vec(c.nodes, s.V, c.m, 0, &k), &k)
}

// vecConst returns the vector kernel's constants (vec_body.h).
func (c *kv31) vecConst(dt float64) [5]float64 {
	return [5]float64{18.700 + kv31Vshift, 1 / -9.700, -46.560 + kv31Vshift, 1 / -44.140, dt}
}

// finish completes a vector Advance that stopped at instance lo: the Go
// loops take the block there, the kernel those after it, until the end.
func (c *kv31) finish(s *State, dt float64, lo int, k *[5]float64) {
	n, w := len(c.nodes), vecWidth()
	for lo < n {
		c.advance(s, dt, lo, min(lo+w, n))
		lo = kv31Vec(c.nodes, s.V, c.m, lo+w, k)
	}
}

// advance is Advance's Go loops over the instances lo … hi−1 (the vector
// kernel of vec_body.h does the same operations on vecWidth instances at
// a time).
func (c *kv31) advance(s *State, dt float64, lo, hi int) {
	n := len(c.nodes)
	nodes, m, e1, e2 := c.nodes[lo:hi], c.m[lo:hi], c.tmp[lo:hi], c.tmp[n+lo:n+hi]
	v := s.V
	for k, nd := range nodes {
		e1[k] = (v[nd] - (18.700 + kv31Vshift)) * (1 / -9.700)
		e2[k] = (v[nd] - (-46.560 + kv31Vshift)) * (1 / -44.140)
	}
	expInPlace(e1)
	expInPlace(e2)
	for k := range m {
		e1[k] = 1 / (1 + e1[k])                // m∞
		e2[k] = dt * -((1 + e2[k]) * (1 / 4.)) // dt·(−1/τm), τm = 0.2·20/(1 + e₂)
	}
	expSmallInPlace(e2) // |dt/τm| is small
	for k := range m {
		m[k] = gate(m[k], e1[k], e2[k])
	}
}
