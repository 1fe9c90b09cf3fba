package morph

import (
	"fmt"
	"math"
	"sort"
)

// StubLength is the length of each of the two stub axon sections, µm.
const StubLength = 30

// Children returns, for every section, its children in NEURON's sibling
// order (nrn_add_sibling_list in src/nrnoc/cabcode.cpp): by increasing
// connection position and, at equal positions, the most recently
// connected (largest Seq) first.
func (m *Morphology) Children() [][]int {
	ch := make([][]int, len(m.Sections))
	for i, s := range m.Sections {
		if s.Parent >= 0 {
			ch[s.Parent] = append(ch[s.Parent], i)
		}
	}
	for _, c := range ch {
		sort.SliceStable(c, func(a, b int) bool {
			sa, sb := &m.Sections[c[a]], &m.Sections[c[b]]
			if sa.ParentX != sb.ParentX {
				return sa.ParentX < sb.ParentX
			}
			return sa.Seq > sb.Seq
		})
	}
	return ch
}

// Order returns the section indices in NEURON's section order (secorder,
// reorder_secorder in src/nrnoc/multicore.cpp): the roots, then breadth
// first, the children of each section in sibling order. Parents precede
// their children; NEURON numbers its nodes in this order.
func (m *Morphology) Order() []int {
	ch := m.Children()
	var order []int
	for i, s := range m.Sections {
		if s.Parent < 0 {
			order = append(order, i)
		}
	}
	for k := 0; k < len(order); k++ {
		order = append(order, ch[order[k]]...)
	}
	return order
}

// connection returns the position, in single precision, where section i
// attaches: its parent's first and last 3-D points interpolated linearly
// at ParentX (nrn_define_shape).
func (m *Morphology) connection(i int) (x, y, z float32) {
	s := &m.Sections[i]
	pp := m.Sections[s.Parent].Points
	a, b := pp[0], pp[len(pp)-1]
	arc1 := s.ParentX
	x = float32(float64(b.X*arc1) + float64(a.X*(1-arc1)))
	y = float32(float64(b.Y*arc1) + float64(a.Y*(1-arc1)))
	z = float32(float64(b.Z*arc1) + float64(a.Z*(1-arc1)))
	return
}

// DefineShape does what NEURON's define_shape() does to sections that
// already have 3-D points (nrn_define_shape, src/nrnoc/treeset.cpp): in
// section order, each child section is translated so that it starts where
// it attaches to its parent, or, for a section with a Wire, by the amount
// its wire point moves. Arc lengths, and so every area and resistance, are
// unchanged (NEURON does not recompute them); only X, Y, Z move, in single
// precision. Calling it again changes nothing.
func (m *Morphology) DefineShape() {
	for _, i := range m.Order() {
		s := &m.Sections[i]
		if s.Parent < 0 || len(s.Points) == 0 {
			continue
		}
		x, y, z := m.connection(i)
		var dx, dy, dz float32
		if w := s.Wire; w != nil {
			dx, dy, dz = x-float32(w.X), y-float32(w.Y), z-float32(w.Z)
			w.X, w.Y, w.Z = float64(x), float64(y), float64(z)
		} else {
			p := s.Points[0]
			dx, dy, dz = x-float32(p.X), y-float32(p.Y), z-float32(p.Z)
		}
		for k := range s.Points {
			p := &s.Points[k]
			p.X = float64(float32(p.X) + dx)
			p.Y = float64(float32(p.Y) + dy)
			p.Z = float64(float32(p.Z) + dz)
		}
	}
}

// shapeNew gives section i, which has no 3-D points, the points that
// nrn_define_shape creates for a section of one segment, length l and
// diameter d: a straight line from its connection point, in the direction
// of the parent's first-to-last points (reversed if attached at x < 0.5,
// turned 90° if attached in the interior, fanned out over ±0.4 rad among
// siblings at the same position).
func (m *Morphology) shapeNew(i int, l, d float64) {
	s := &m.Sections[i]
	pp := m.Sections[s.Parent].Points
	a, b := pp[0], pp[len(pp)-1]
	arc := s.ParentX
	x1 := float32(b.X) - float32(a.X)
	y1 := float32(b.Y) - float32(a.Y)
	if arc < .5 {
		x1, y1 = -x1, -y1
	}
	x, y, z := m.connection(i)
	var angle float32
	if !(math.Abs(float64(y1)) < 1e-6 && math.Abs(float64(x1)) < 1e-6) {
		angle = float32(math.Atan2(float64(y1), float64(x1)))
	}
	if arc > 0 && arc < 1 {
		angle = float32(float64(angle) + 3.14159265358979323846/2.)
	}
	var nch, ich float32
	for _, c := range m.Children()[s.Parent] {
		if c == i {
			ich = nch
		}
		if m.Sections[c].ParentX == arc {
			nch++
		}
	}
	if nch > 1 {
		angle = float32(float64(angle) + (float64(float64(ich)/(float64(nch)-1.)*.8) - .4))
	}
	// C++ resolves sin, cos and atan2 of float arguments to sinf, cosf and
	// atan2f: single-precision results (emulated by rounding the double).
	x1 = float32(float64(x) + float64(l*float64(float32(math.Cos(float64(angle))))))
	y1 = float32(float64(y) + float64(l*float64(float32(math.Sin(float64(angle))))))
	const frac = .5
	s.Points = nil
	s.Points = appendPoint(s.Points, float64(x), float64(y), float64(z), d)
	s.Points = appendPoint(s.Points, float64(float64(x)*(1-frac))+float64(float64(x1)*frac),
		float64(float64(y)*(1-frac))+float64(float64(y1)*frac), float64(z), d)
	s.Points = appendPoint(s.Points, float64(x1), float64(y1), float64(z), d)
	s.Points[2].Arc = l // "don't let above change length due to round-off errors"
}

// DeleteAxon removes every axon section, as the human all-active models
// do (cell.json "axon": "delete"). It fails, changing nothing, if a
// non-axon section hangs from an axon section.
func (m *Morphology) DeleteAxon() error {
	keep := make([]int, len(m.Sections)) // new index, -1 if deleted
	n := 0
	for i, s := range m.Sections {
		keep[i] = -1
		if s.Type != "axon" {
			keep[i] = n
			n++
		}
	}
	for i, s := range m.Sections {
		if keep[i] >= 0 && s.Parent >= 0 && keep[s.Parent] < 0 {
			return fmt.Errorf("%w: %s is attached to axon section %s", ErrUnsupported, s.Name, m.Sections[s.Parent].Name)
		}
	}
	out := m.Sections[:0]
	for i, s := range m.Sections {
		if keep[i] < 0 {
			continue
		}
		if s.Parent >= 0 {
			s.Parent = keep[s.Parent]
		}
		out = append(out, s)
	}
	clear(m.Sections[len(out):])
	m.Sections = out
	return nil
}

// AxonDiams returns NEURON's diam, with nseg = 1, of the first axon
// section and of the last axon section in section order: the stub
// diameters d0 and d1 of StubAxon.
func (m *Morphology) AxonDiams() (d0, d1 float64, err error) {
	first := -1
	last := -1
	for i, s := range m.Sections {
		if s.Type == "axon" {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return 0, 0, ErrNoAxon
	}
	var seg [1]Segment
	d0 = m.Sections[first].Segments(seg[:0], 1)[0].Diam
	d1 = m.Sections[last].Segments(seg[:0], 1)[0].Diam
	return d0, d1, nil
}

// StubAxon replaces the axon by the stub of the Allen Institute's mouse
// all-active models (BMTK set_params_allactive; cell.json "axon": "stub"):
// two cylinders of StubLength µm, axon[0](0) at soma[0](1) and axon[1](0)
// at axon[0](1), with diameters d0 and d1 from AxonDiams. Their 3-D points
// are those NEURON's define_shape gives them. It fails, changing nothing,
// if the cell has no axon or no soma[0], or if DeleteAxon would fail.
func (m *Morphology) StubAxon() error {
	d0, d1, err := m.AxonDiams()
	if err != nil {
		return err
	}
	soma := -1
	for i, s := range m.Sections {
		if s.Name == "soma[0]" {
			soma = i
		}
	}
	if soma < 0 || m.Sections[soma].Type != "soma" {
		return fmt.Errorf("%w: no soma[0] to attach the stub axon to", ErrNoSoma)
	}
	if err := m.DeleteAxon(); err != nil {
		return err
	}
	// Indices shift when axon sections before the soma go; find it again.
	for i, s := range m.Sections {
		if s.Name == "soma[0]" {
			soma = i
		}
	}
	seq := 0
	for _, s := range m.Sections {
		seq = max(seq, s.Seq+1)
	}
	a0 := len(m.Sections)
	m.Sections = append(m.Sections,
		Section{Name: "axon[0]", Type: "axon", Parent: soma, ParentX: 1, Seq: seq},
		Section{Name: "axon[1]", Type: "axon", Parent: a0, ParentX: 1, Seq: seq + 1})
	m.shapeNew(a0, StubLength, d0)
	m.shapeNew(a0+1, StubLength, d1)
	return nil
}
