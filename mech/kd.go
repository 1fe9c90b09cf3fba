package mech

// kd is the delay-rectifier-like (Kv1, D-type) potassium current of Kd.mod
// (Allen Institute all-active models, after Foust et al. 2011):
//
//	ik = gbar·m·h·(v − ek)
//	m∞ = 1 − 1/(1 + exp((v + 43)/8)),  τm = 1 ms
//	h∞ = 1/(1 + exp((v + 67)/7.3)),    τh = 1500 ms
//
// The file computes qt = 2.3^((celsius − 23)/10) but never uses it, so the
// kinetics do not depend on temperature.
type kd struct {
	base
	gbar, m, h []float64
}

var kdKind = &Kind{
	Name:   "Kd",
	Params: []Param{{Name: "gbar", Default: 0.00001, Unit: "S/cm2"}},
	Ions:   K,
	New: func(nodes []int) Mechanism {
		n := len(nodes)
		return &kd{base: base{nodes: nodes}, gbar: filled(n, 0.00001), m: make([]float64, n), h: make([]float64, n)}
	},
}

const (
	kdMTau = 1    // ms
	kdHTau = 1500 // ms
)

func kdRates(v float64) (mInf, hInf float64) {
	mInf = 1 - 1/(1+exp1((v-(-43))/8))
	hInf = 1 / (1 + exp1((v-(-67))/7.3))
	return
}

// Kind returns the kd kind.
func (c *kd) Kind() *Kind { return kdKind }

func (c *kd) Param(name string) []float64 {
	if name == "gbar" {
		return c.gbar
	}
	return nil
}

func (c *kd) Init(s *State) {
	for k, n := range c.nodes {
		c.m[k], c.h[k] = kdRates(s.V[n])
	}
}

func (c *kd) Current(s *State, i, g []float64) {
	nn := len(c.nodes)
	gbar, m, h := c.gbar[:nn], c.m[:nn], c.h[:nn]
	for k, n := range c.nodes {
		gk := gbar[k] * m[k] * h[k]
		i[n] += gk * (s.V[n] - s.Ek[n])
		g[n] += gk
	}
}

func (c *kd) Advance(s *State, dt float64) {
	nn := len(c.nodes)
	m, h := c.m[:nn], c.h[:nn]
	for k, n := range c.nodes {
		mi, hi := kdRates(s.V[n])
		m[k] = cnexp(m[k], mi, kdMTau, dt)
		h[k] = cnexp(h[k], hi, kdHTau, dt)
	}
}
