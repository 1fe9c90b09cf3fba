package mech

import "math"

// kPst is the persistent potassium current of K_Pst.mod (Korngreen &
// Sakmann 2000, as adapted by Hay et al. 2011):
//
//	ik = gbar·m²·h·(v − ek),  with v' = v + 10 mV:
//	m∞ = 1/(1 + exp(−(v' + 1)/12))
//	τm = (1.25 + 175.03·exp(0.026·v'))/qt  if v' < −50,  else (1.25 + 13·exp(−0.026·v'))/qt
//	h∞ = 1/(1 + exp(−(v' + 54)/−11))
//	τh = (360 + (1010 + 24·(v' + 55))·exp(−((v' + 75)/48)²))/qt
//
// qt = 2.3^((34 − 21)/10) is fixed: the file does not read celsius.
type kPst struct {
	base
	gbar, m, h []float64
}

// kPstQt is K_Pst.mod's and K_Tst.mod's qt = 2.3^((34−21)/10).
var kPstQt = math.Pow(2.3, (34.0-21.0)/10.0)

var kPstKind = &Kind{
	Name:   "K_Pst",
	Params: []Param{{Name: "gbar", Default: 0.00001, Unit: "S/cm2"}},
	Ions:   K,
	New: func(nodes []int) Mechanism {
		n := len(nodes)
		return &kPst{base: base{nodes: nodes}, gbar: filled(n, 0.00001), m: make([]float64, n), h: make([]float64, n)}
	},
}

func kPstRates(v float64) (mInf, mTau, hInf, hTau float64) {
	qt := kPstQt
	v += 10
	mInf = 1 / (1 + exp1(-(v+1)/12))
	if v < -50 {
		mTau = (1.25 + 175.03*exp1(-v*-0.026)) / qt
	} else {
		mTau = (1.25 + 13*exp1(-v*0.026)) / qt
	}
	hInf = 1 / (1 + exp1(-(v+54)/-11))
	x := (v + 75) / 48
	hTau = (360 + (1010+24*(v+55))*exp1(-(x*x))) / qt
	return
}

// Kind returns the kPst kind.
func (c *kPst) Kind() *Kind { return kPstKind }

func (c *kPst) Param(name string) []float64 {
	if name == "gbar" {
		return c.gbar
	}
	return nil
}

func (c *kPst) Init(s *State) {
	for k, n := range c.nodes {
		c.m[k], _, c.h[k], _ = kPstRates(s.V[n])
	}
}

func (c *kPst) Current(s *State, i, g []float64) {
	nn := len(c.nodes)
	gbar, m, h := c.gbar[:nn], c.m[:nn], c.h[:nn]
	for k, n := range c.nodes {
		gk := gbar[k] * m[k] * m[k] * h[k]
		i[n] += gk * (s.V[n] - s.Ek[n])
		g[n] += gk
	}
}

func (c *kPst) Advance(s *State, dt float64) {
	nn := len(c.nodes)
	m, h := c.m[:nn], c.h[:nn]
	for k, n := range c.nodes {
		mi, mt, hi, ht := kPstRates(s.V[n])
		m[k] = cnexp(m[k], mi, mt, dt)
		h[k] = cnexp(h[k], hi, ht, dt)
	}
}
