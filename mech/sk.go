package mech

import "math"

// sk is the small-conductance calcium-activated potassium current of SK.mod
// (Köhler et al. 1996, as used by Hay et al. 2011):
//
//	ik = gbar·z·(v − ek)
//	z∞ = 1/(1 + (0.00043/ca)^4.8),  ca = cai, or cai + 1e-7 if cai < 1e-7 (mM)
//	τz = zTau = 1 ms (GLOBAL PARAMETER)
//
// z depends on cai only, not on v. SK must advance after CaDynamics (as in
// NEURON's registration order), so that it reads the cai of the new step.
type sk struct {
	base
	gbar, z []float64
}

const skZTau = 1 // ms, SK.mod GLOBAL zTau

var skKind = &Kind{
	Name:   "SK",
	Params: []Param{{Name: "gbar", Default: 0.000001, Unit: "S/cm2"}},
	Ions:   K | Ca,
	New: func(nodes []int) Mechanism {
		n := len(nodes)
		return &sk{base: base{nodes: nodes}, gbar: filled(n, 0.000001), z: make([]float64, n)}
	},
}

func skZInf(ca float64) float64 {
	if ca < 1e-7 {
		ca = ca + 1e-07
	}
	// (0.00043/ca)^4.8 as exp(4.8·ln(0.00043/ca)): three times faster than
	// math.Pow here, and equal to it within ~1e-15 relative.
	return 1 / (1 + exp1(4.8*math.Log(0.00043/ca)))
}

// Kind returns the sk kind.
func (c *sk) Kind() *Kind { return skKind }

func (c *sk) Param(name string) []float64 {
	if name == "gbar" {
		return c.gbar
	}
	return nil
}

func (c *sk) Init(s *State) {
	for k, n := range c.nodes {
		c.z[k] = skZInf(s.Cai[n])
	}
}

func (c *sk) Current(s *State, i, g []float64) {
	nn := len(c.nodes)
	gbar, z := c.gbar[:nn], c.z[:nn]
	for k, n := range c.nodes {
		gk := gbar[k] * z[k]
		i[n] += gk * (s.V[n] - s.Ek[n])
		g[n] += gk
	}
}

func (c *sk) Advance(s *State, dt float64) {
	z := c.z[:len(c.nodes)]
	for k, n := range c.nodes {
		z[k] = cnexp(z[k], skZInf(s.Cai[n]), skZTau, dt)
	}
}
