package mech

// pas is NEURON's built-in passive leak (src/nrnoc/passive.mod):
//
//	i = g·(v − e),  g = g_pas (S/cm², default 0.001),  e = e_pas (mV, default −70).
//
// It has no states; dI/dV = g.
type pas struct {
	base
	g, e []float64
}

var pasKind = &Kind{
	Name: "pas",
	Params: []Param{
		{Name: "g", Default: 0.001, Unit: "S/cm2"},
		{Name: "e", Default: -70, Unit: "mV"},
	},
	New: newPas,
}

func newPas(nodes []int) Mechanism {
	return &pas{base: base{nodes: nodes},
		g: filled(len(nodes), 0.001),
		e: filled(len(nodes), -70)}
}

// Kind returns the pas kind.
func (m *pas) Kind() *Kind { return pasKind }

func (m *pas) Param(name string) []float64 {
	switch name {
	case "g":
		return m.g
	case "e":
		return m.e
	}
	return nil
}

func (m *pas) Init(s *State) {}

func (m *pas) Current(s *State, i, g []float64) {
	if vecWidth() > 0 { // the same operations, vectorised (vec_body.h)
		m.checkVec([][]float64{i, g, s.V}, m.g, m.e)
		currentVec(m.nodes, s.V, m.e, false, 0, m.g, nil, 0, nil, i, g)
		return
	}
	gg, e, v := m.g[:len(m.nodes)], m.e[:len(m.nodes)], s.V
	for k, n := range m.nodes {
		i[n] += gg[k] * (v[n] - e[k])
		g[n] += gg[k]
	}
}

func (m *pas) Advance(s *State, dt float64) {}
