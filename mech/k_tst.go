package mech

// kTst is the transient potassium current of K_Tst.mod (Korngreen &
// Sakmann 2000, as adapted by Hay et al. 2011):
//
//	ik = gbar·m⁴·h·(v − ek),  with v' = v + 10 mV:
//	m∞ = 1/(1 + exp(−v'/19)),          τm = (0.34 + 0.92·exp(−((v' + 71)/59)²))/qt
//	h∞ = 1/(1 + exp(−(v' + 66)/−10)),  τh = (8 + 49·exp(−((v' + 73)/23)²))/qt
//
// qt = 2.3^((34 − 21)/10) is fixed: the file does not read celsius.
type kTst struct {
	base
	gbar, m, h []float64
}

var kTstKind = &Kind{
	Name:   "K_Tst",
	Params: []Param{{Name: "gbar", Default: 0.00001, Unit: "S/cm2"}},
	Ions:   K,
	New: func(nodes []int) Mechanism {
		n := len(nodes)
		return &kTst{base: base{nodes: nodes}, gbar: filled(n, 0.00001), m: make([]float64, n), h: make([]float64, n)}
	},
}

func kTstRates(v float64) (mInf, mTau, hInf, hTau float64) {
	qt := kPstQt
	v += 10
	mInf = 1 / (1 + exp1(-(v+0)/19))
	x := (v + 71) / 59
	mTau = (0.34 + 0.92*exp1(-(x*x))) / qt
	hInf = 1 / (1 + exp1(-(v+66)/-10))
	y := (v + 73) / 23
	hTau = (8 + 49*exp1(-(y*y))) / qt
	return
}

// Kind returns the kTst kind.
func (c *kTst) Kind() *Kind { return kTstKind }

func (c *kTst) Param(name string) []float64 {
	if name == "gbar" {
		return c.gbar
	}
	return nil
}

func (c *kTst) Init(s *State) {
	for k, n := range c.nodes {
		c.m[k], _, c.h[k], _ = kTstRates(s.V[n])
	}
}

func (c *kTst) Current(s *State, i, g []float64) {
	nn := len(c.nodes)
	gbar, m, h := c.gbar[:nn], c.m[:nn], c.h[:nn]
	for k, n := range c.nodes {
		m2 := m[k] * m[k]
		gk := gbar[k] * (m2 * m2) * h[k]
		i[n] += gk * (s.V[n] - s.Ek[n])
		g[n] += gk
	}
}

func (c *kTst) Advance(s *State, dt float64) {
	nn := len(c.nodes)
	m, h := c.m[:nn], c.h[:nn]
	for k, n := range c.nodes {
		mi, mt, hi, ht := kTstRates(s.V[n])
		m[k] = cnexp(m[k], mi, mt, dt)
		h[k] = cnexp(h[k], hi, ht, dt)
	}
}
