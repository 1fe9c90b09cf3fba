package mech

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
		return &naTs2t{base: base{nodes}, gbar: filled(n, 0.00001), m: make([]float64, n), h: make([]float64, n),
			tmp: make([]float64, 4*n)}
	},
}

// naTs2tRates is the file's PROCEDURE rates, expression by expression.
func naTs2tRates(v float64) (mInf, mTau, hInf, hTau float64) {
	qt := kPstQt // 2.3^((34−21)/10), as K_Pst
	if v == -32 {
		v += 0.0001
	}
	ma := (0.182 * (v - -32)) / (1 - exp1(-(v - -32)/6))
	mb := (0.124 * (-v - 32)) / (1 - exp1(-(-v-32)/6))
	mInf = ma / (ma + mb)
	mTau = (1 / (ma + mb)) / qt
	if v == -60 {
		v += 0.0001
	}
	ha := (-0.015 * (v - -60)) / (1 - exp1((v - -60)/6))
	hb := (-0.015 * (-v - 60)) / (1 - exp1((-v-60)/6))
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

// Advance is naTs2tRates and cnexp, batched (see expInPlace). The two
// exponentials of each gate are reciprocal, exp(−(−v − 32)/6) =
// 1/exp(−(v + 32)/6) and exp((−v − 60)/6) = 1/exp((v + 60)/6), so one pass
// computes two exponentials per instance instead of four; with
// x = v + 32, e = exp(−x/6) and y = v + 60, f = exp(y/6):
//
//	mα = 0.182·x/(1 − e),   mβ = −0.124·x/(1 − 1/e)
//	hα = −0.015·y/(1 − f),  hβ = 0.015·y/(1 − 1/f)
//
// (−v − 32 = −(v + 32) exactly in floating point). Then x∞ = xα/(xα + xβ)
// and dt·(−1/τx) = −dt·qt·(xα + xβ), their decay factors in a second pass
// and the gate updates (gate). The reciprocals and the folded τ change the
// results by rounding only (TestBatchedGates compares with naTs2tRates).
func (c *naTs2t) Advance(s *State, dt float64) {
	n := len(c.nodes)
	nodes, m, h := c.nodes[:n], c.m[:n], c.h[:n]
	e1, e2, e3, e4 := c.tmp[:n], c.tmp[n:2*n], c.tmp[2*n:3*n], c.tmp[3*n:4*n]
	v := s.V
	for k, nd := range nodes {
		vk := v[nd]
		if vk == -32 {
			vk += 0.0001
		}
		e1[k] = -(vk - -32) * (1. / 6)
		if vk == -60 {
			vk += 0.0001
		}
		e2[k] = (vk - -60) * (1. / 6)
	}
	expInPlace(c.tmp[:2*n])
	qdt := kPstQt * dt
	for k, nd := range nodes {
		vk := v[nd]
		if vk == -32 {
			vk += 0.0001
		}
		x := vk - -32
		e := e1[k]
		ma := (0.182 * x) / (1 - e)
		mb := (-0.124 * x) / (1 - 1/e)
		if vk == -60 {
			vk += 0.0001
		}
		y := vk - -60
		f := e2[k]
		ha := (-0.015 * y) / (1 - f)
		hb := (0.015 * y) / (1 - 1/f)
		sm, sh := ma+mb, ha+hb
		e1[k] = ma / sm   // m∞
		e2[k] = ha / sh   // h∞
		e3[k] = -qdt * sm // dt·(−1/τm)
		e4[k] = -qdt * sh // dt·(−1/τh)
	}
	expSmallInPlace(c.tmp[2*n : 4*n]) // |dt/τ| is small
	for k := range m {
		m[k] = gate(m[k], e1[k], e3[k])
		h[k] = gate(h[k], e2[k], e4[k])
	}
}
