package mech

import "math"

// naTs2t is the transient sodium current of NaTs2_t.mod (Hay et al. 2011:
// NaTa_t of Colbert & Pan 2002 with activation and inactivation shifted by
// 6 mV), the fast sodium channel of the excitatory all-active models:
//
//	ina = gbar·m³·h·(v − ena)
//	mα = 0.182·(v + 32)/(1 − exp(−(v + 32)/6)),  mβ = 0.124·(−v − 32)/(1 − exp(−(−v − 32)/6))
//	hα = −0.015·(v + 60)/(1 − exp((v + 60)/6)),  hβ = −0.015·(−v − 60)/(1 − exp((−v − 60)/6))
//	x∞ = xα/(xα + xβ),  τx = (1/(xα + xβ))/qt,  qt = 2.3^((34 − 21)/10)
//
// qt is fixed (the file does not read celsius). The removable singularities
// are handled as the file does, by moving v (its own copy, not the node's)
// by 0.0001 mV when it equals −32 exactly, and then when it equals −60, the
// shifted v serving every later expression. METHOD cnexp; INITIAL sets
// m = m∞(v), h = h∞(v).
type naTs2t struct {
	base
	gbar, m, h []float64
	tmp        []float64 // scratch of Advance, 4 per instance
}

var naTs2tKind = &Kind{
	Name:   "NaTs2_t",
	Params: []Param{{Name: "gbar", Default: 0.00001, Unit: "S/cm2"}},
	Ions:   Na,
	New: func(nodes []int) Mechanism {
		n := len(nodes)
		return &naTs2t{base: base{nodes: nodes}, gbar: filled(n, 0.00001), m: make([]float64, n), h: make([]float64, n),
			tmp: make([]float64, 4*n)}
	},
}

// naTs2tRates is the file's PROCEDURE rates, expression by expression.
func naTs2tRates(v float64) (mInf, mTau, hInf, hTau float64) {
	qt := kPstQt // 2.3^((34−21)/10), as K_Pst
	if v == -32 {
		v += 0.0001
	}
	ma := (0.182 * (v - -32)) / (1 - math.Exp(-(v - -32)/6))
	mb := (0.124 * (-v - 32)) / (1 - math.Exp(-(-v-32)/6))
	mInf = ma / (ma + mb)
	mTau = (1 / (ma + mb)) / qt
	if v == -60 {
		v += 0.0001
	}
	ha := (-0.015 * (v - -60)) / (1 - math.Exp((v - -60)/6))
	hb := (-0.015 * (-v - 60)) / (1 - math.Exp((-v-60)/6))
	hInf = ha / (ha + hb)
	hTau = (1 / (ha + hb)) / qt
	return
}

// Kind returns the naTs2t kind.
func (c *naTs2t) Kind() *Kind { return naTs2tKind }

func (c *naTs2t) Param(name string) []float64 {
	if name == "gbar" {
		return c.gbar
	}
	return nil
}

func (c *naTs2t) Init(s *State) {
	for k, n := range c.nodes {
		c.m[k], _, c.h[k], _ = naTs2tRates(s.V[n])
	}
}

func (c *naTs2t) Current(s *State, i, g []float64) {
	if vecWidth() > 0 { // the same operations, vectorised (vec_body.h)
		c.checkVec([][]float64{i, g, s.V, s.Ena}, c.gbar, c.m, c.h)
		currentVec(c.nodes, s.V, s.Ena, true, 0, c.gbar, c.m, 3, c.h, i, g)
		return
	}
	// The slices are read once: stores through i and g could alias
	// s's fields, so the compiler would reload them every iteration.
	nn := len(c.nodes)
	gbar, m, h, v, ena := c.gbar[:nn], c.m[:nn], c.h[:nn], s.V, s.Ena
	for k, n := range c.nodes {
		gk := gbar[k] * m[k] * m[k] * m[k] * h[k] // the file's g = gbar*m*m*m*h, same order
		i[n] += gk * (v[n] - ena[n])
		g[n] += gk
	}
}

// Advance is naTs2tRates and cnexp, batched (see expInPlace), with the
// rate expressions rearranged to need one exponential and four divisions
// per instance instead of four and eight. With x = v + 32, e = exp(−x/6),
// y = v + 60 and K = exp(28/6), the file's other exponentials are
// exp(−(−v − 32)/6) = 1/e and exp((v + 60)/6) = K/e, exp((−v − 60)/6) =
// e/K (−v − 32 = −(v + 32) exactly in floating point), so
//
//	mα + mβ = x·(0.182 + 0.124·e)/(1 − e),  m∞ = 0.182/(0.182 + 0.124·e)
//	hα + hβ = −0.015·y·(e + K)/(e − K),     h∞ = e/(e + K)
//
// and dt·(−1/τx) = −dt·qt·(xα + xβ). The decay factor of m, whose
// argument reaches −0.3 at rest, is taken with expInPlace, that of h, small,
// with expSmallInPlace. At the file's singular voltages (v = −32 or −60
// exactly, where it moves its copy of v) the instance takes naTs2tRates.
// The results differ from the file's expressions by rounding only
// (TestNaTs2tBatched: 1e-13 absolute on the gates, also near the
// singularities, where both forms lose digits to 1 − e as NEURON does).
func (c *naTs2t) Advance(s *State, dt float64) {
	if vecWidth() == 0 {
		c.advance(s, dt, 0, len(c.nodes))
		return
	}
	k := c.vecConst(dt)
	c.checkVec([][]float64{s.V}, c.m, c.h)
	c.finish(s, dt, naTs2tVec(c.nodes, s.V, c.m, c.h, 0, &k), &k)
}

// vecConst returns the vector kernel's constants (vec_body.h).
func (c *naTs2t) vecConst(dt float64) [6]float64 {
	return [6]float64{-1. / 6, 0.182, 0.124, naTs2tK, kPstQt * dt, 0.015}
}

// finish completes a vector Advance that stopped at instance lo: the Go
// loops take the block there, the kernel those after it, until the end.
func (c *naTs2t) finish(s *State, dt float64, lo int, k *[6]float64) {
	n, w := len(c.nodes), vecWidth()
	for lo < n {
		c.advance(s, dt, lo, min(lo+w, n))
		lo = naTs2tVec(c.nodes, s.V, c.m, c.h, lo+w, k)
	}
}

// advance is Advance's Go loops over the instances lo … hi−1 (the vector
// kernel of vec_body.h does the same operations on vecWidth instances at
// a time).
func (c *naTs2t) advance(s *State, dt float64, lo, hi int) {
	n := len(c.nodes)
	nodes, m, h := c.nodes[lo:hi], c.m[lo:hi], c.h[lo:hi]
	e1, e2, e3, e4 := c.tmp[lo:hi], c.tmp[n+lo:n+hi], c.tmp[2*n+lo:2*n+hi], c.tmp[3*n+lo:3*n+hi]
	v := s.V
	for k, nd := range nodes {
		e1[k] = (v[nd] - -32) * (-1. / 6)
	}
	expInPlace(e1)
	qdt := kPstQt * dt
	for k, nd := range nodes {
		vk := v[nd]
		if vk == -32 || vk == -60 {
			mi, mt, hi, ht := naTs2tRates(vk)
			e1[k], e2[k], e3[k], e4[k] = mi, hi, dt*(-1/mt), dt*(-1/ht)
			continue
		}
		x, y, e := vk - -32, vk - -60, e1[k]
		den := 0.182 + 0.124*e
		e1[k] = 0.182 / den                                       // m∞
		e2[k] = e / (e + naTs2tK)                                 // h∞
		e3[k] = -qdt * (x * den / (1 - e))                        // dt·(−1/τm)
		e4[k] = qdt * (0.015 * y * (e + naTs2tK) / (e - naTs2tK)) // dt·(−1/τh)
	}
	expInPlace(e3)
	expSmallInPlace(e4) // |dt/τh| is small
	for k := range m {
		m[k] = gate(m[k], e1[k], e3[k])
		h[k] = gate(h[k], e2[k], e4[k])
	}
}

// naTs2tK is exp(28/6): exp((v + 60)/6) = naTs2tK·exp((v + 32)/6).
var naTs2tK = math.Exp(28. / 6)
