package cable

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/noble-neuro/noble/morph"
)

// DefaultRa is NEURON's default axial resistivity, Ω·cm.
const DefaultRa = 35.4

// ErrGeometry is wrapped by Build's errors about the morphology or settings.
var ErrGeometry = errors.New("cable: bad geometry")

// Settings configures Build. A nil *Settings or a zero field means the
// documented default.
type Settings struct {
	// Nseg returns the number of segments of a section of length L (µm).
	// nil means DefaultNseg, the all-active models' rule.
	Nseg func(L float64) int
	// Ra is the axial resistivity of every section, Ω·cm; 0 means
	// DefaultRa. Tree.SetRa changes it per section afterwards.
	Ra float64
}

// DefaultNseg is the discretisation rule of BMTK and BluePyOpt for the
// all-active models: nseg = 1 + 2·int(L/40), L in µm.
func DefaultNseg(L float64) int { return 1 + 2*int(L/40) }

// Build discretises m as NEURON does once the sections' nseg are set:
// nodes in NEURON's order (see Tree), areas, mean diameters and axial
// resistances integrated over the 3-D points (morph.Section.Segments,
// NEURON's nrn_area_ri and diam_from_list in src/nrnoc/treeset.cpp).
// It allocates the tree; m is not modified. m must be one tree whose
// sections each have at least two 3-D points.
func Build(m *morph.Morphology, s *Settings) (*Tree, error) {
	nsegFn := DefaultNseg
	ra := DefaultRa
	if s != nil {
		if s.Nseg != nil {
			nsegFn = s.Nseg
		}
		if s.Ra != 0 {
			ra = s.Ra
		}
	}
	if !(ra > 0) || math.IsInf(ra, 0) {
		return nil, fmt.Errorf("%w: Ra = %g Ω·cm, want a positive number", ErrGeometry, ra)
	}
	ns := len(m.Sections)
	if ns == 0 {
		return nil, fmt.Errorf("%w: no sections", ErrGeometry)
	}
	roots := 0
	for i := range m.Sections {
		ms := &m.Sections[i]
		if ms.Parent < 0 {
			roots++
		} else if ms.Parent >= ns {
			return nil, fmt.Errorf("%w: %s: parent index %d out of range", ErrGeometry, ms.Name, ms.Parent)
		}
		if len(ms.Points) < 2 {
			return nil, fmt.Errorf("%w: %s has %d 3-D points, want at least 2", ErrGeometry, ms.Name, len(ms.Points))
		}
		if !(ms.ParentX >= 0 && ms.ParentX <= 1) {
			return nil, fmt.Errorf("%w: %s: connection position %g outside 0…1", ErrGeometry, ms.Name, ms.ParentX)
		}
	}
	if roots != 1 {
		return nil, fmt.Errorf("%w: %d root sections, want 1", ErrGeometry, roots)
	}
	order := m.Order()
	if len(order) != ns {
		return nil, fmt.Errorf("%w: sections not connected to the root (cycle?)", ErrGeometry)
	}

	t := &Tree{Sections: make([]Section, ns)}
	nnodes := 1
	for i := range m.Sections {
		ms := &m.Sections[i]
		L := ms.L()
		n := nsegFn(L)
		if n < 1 || n > 1<<20 {
			return nil, fmt.Errorf("%w: %s: nseg = %d for L = %g µm", ErrGeometry, ms.Name, n, L)
		}
		t.Sections[i] = Section{
			Name: ms.Name, Type: ms.Type, L: L, Ra: ra, Nseg: n,
			Parent: ms.Parent, ParentX: ms.ParentX,
		}
		nnodes += n + 1
	}
	t.Parent = make([]int, 0, nnodes)
	t.Area = make([]float64, 0, nnodes)
	t.Ri = make([]float64, 0, nnodes)
	t.Section = make([]int, 0, nnodes)
	t.X = make([]float64, 0, nnodes)
	t.rParent = make([]float64, 0, nnodes)
	t.rLeft = make([]float64, 0, nnodes)
	add := func(parent int, area, rp, rl float64, sec int, x float64) int {
		t.Parent = append(t.Parent, parent)
		t.Area = append(t.Area, area)
		t.rParent = append(t.rParent, rp)
		t.rLeft = append(t.rLeft, rl)
		t.Ri = append(t.Ri, 0)
		t.Section = append(t.Section, sec)
		t.X = append(t.X, x)
		return len(t.Parent) - 1
	}
	// The root section's x = 0 node (NEURON's parentnode of a root).
	add(-1, 0, 0, 0, order[0], 0)
	var segs []morph.Segment
	for _, i := range order {
		ms := &m.Sections[i]
		sec := &t.Sections[i]
		parent := 0
		if ms.Parent >= 0 {
			parent = t.Node(ms.Parent, ms.ParentX)
		}
		segs = ms.Segments(segs[:0], sec.Nseg)
		sec.Nodes = make([]int, sec.Nseg)
		sec.Diam = make([]float64, sec.Nseg)
		rp := 0.0
		for j, g := range segs {
			x := (float64(j) + .5) / float64(sec.Nseg)
			parent = add(parent, g.Area, rp, g.RLeft, i, x)
			sec.Nodes[j] = parent
			sec.Diam[j] = g.Diam
			rp = g.RRight
		}
		sec.End = add(parent, 0, 0, rp, i, 1)
		t.setRi(i)
	}
	return t, nil
}

// setRi computes the axial resistances of section i's nodes from the
// stored half-segment integrals, as nrn_area_ri does: Ri of a segment's
// node is the right half of the previous segment (0 for the first) plus
// the left half of its own, each converted to MΩ separately.
func (t *Tree) setRi(i int) {
	sec := &t.Sections[i]
	set := func(n int) {
		t.Ri[n] = morph.HalfRi(t.rParent[n], sec.Ra) + morph.HalfRi(t.rLeft[n], sec.Ra)
	}
	for _, n := range sec.Nodes {
		set(n)
	}
	set(sec.End)
}

// SetRa sets the axial resistivity of a section (Ω·cm) and recomputes the
// axial resistances of its nodes, as NEURON does when sec.Ra changes.
// For a Tree not made by Build, it rescales Ri instead.
func (t *Tree) SetRa(section int, ra float64) {
	sec := &t.Sections[section]
	if t.rLeft == nil {
		f := ra / sec.Ra
		for _, n := range sec.Nodes {
			t.Ri[n] *= f
		}
		t.Ri[sec.End] *= f
		sec.Ra = ra
		return
	}
	sec.Ra = ra
	t.setRi(section)
}

// Node returns the node of sec(x) as NEURON's node_ptr does: x = 0 is the
// node the section attaches to (the root node for the root section),
// x = 1 the section's end node, and any other x the centre node of the
// segment containing it, index int(nseg·x) (the last segment for
// x·nseg = nseg). Node panics if section is out of range or x outside 0…1.
func (t *Tree) Node(section int, x float64) int {
	sec := &t.Sections[section]
	switch {
	case !(x >= 0 && x <= 1):
		panic(fmt.Sprintf("cable: Node(%s, %g): x outside 0…1", sec.Name, x))
	case x == 0:
		if sec.Parent < 0 {
			return 0
		}
		return t.Parent[sec.Nodes[0]]
	case x == 1:
		return sec.End
	}
	n := float64(sec.Nseg)
	i := int(n * x)
	if i == sec.Nseg {
		i = sec.Nseg - 1
	}
	return sec.Nodes[i]
}

// SectionsOfType returns the indices of the sections of a type ("soma",
// "dend", "apic", "axon"), in section order; nil if there are none.
func (t *Tree) SectionsOfType(typ string) []int {
	var out []int
	for i := range t.Sections {
		if t.Sections[i].Type == typ {
			out = append(out, i)
		}
	}
	return out
}

// Compartments returns the number of segments, the sum of nseg over the
// sections (what the reference index.csv files call "compartments").
func (t *Tree) Compartments() int {
	n := 0
	for i := range t.Sections {
		n += t.Sections[i].Nseg
	}
	return n
}

// Topology returns the tree drawn as NEURON's topology() prints it
// (nrnhoc_topology in src/nrnoc/solve.cpp), with section names as in
// Sections: one line per section, its segments as dashes, indented to
// the connection point on its parent, children listed in reverse sibling
// order.
func (t *Tree) Topology() string {
	var b strings.Builder
	children := make([][]int, len(t.Sections))
	for i := range t.Sections {
		if p := t.Sections[i].Parent; p >= 0 {
			children[p] = append(children[p], i)
		}
	}
	for _, c := range children {
		// Sibling order is the order of the sections' first nodes.
		slices.SortFunc(c, func(a, b int) int { return t.Sections[a].Nodes[0] - t.Sections[b].Nodes[0] })
	}
	var dashes func(sec, offset int, first byte)
	dashes = func(sec, offset int, first byte) {
		s := &t.Sections[sec]
		b.WriteString(strings.Repeat(" ", offset))
		b.WriteByte(first)
		b.WriteString(strings.Repeat("-", s.Nseg-1))
		fmt.Fprintf(&b, "|       %s(0-1)\n", s.Name)
		c := children[sec]
		for k := len(c) - 1; k >= 0; k-- {
			ch := &t.Sections[c[k]]
			i := -1 // x = 0
			switch {
			case ch.ParentX == 1:
				i = s.Nseg
			case ch.ParentX > 0:
				i = min(int(float64(s.Nseg)*ch.ParentX), s.Nseg-1)
			}
			b.WriteByte(' ')
			dashes(c[k], i+offset+1, '`')
		}
	}
	b.WriteByte('\n')
	for i := range t.Sections {
		if t.Sections[i].Parent < 0 {
			b.WriteByte('|')
			dashes(i, 0, '-')
		}
	}
	b.WriteByte('\n')
	return b.String()
}
