package morph

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
)

// Point is one 3-D point of a section, as NEURON stores it (struct Pt3d in
// src/nrnoc/section.h): coordinates and diameter in single precision
// (held here as float64 values that are exactly representable as float32),
// and the arc length from the section's first point in double precision.
type Point struct {
	X, Y, Z float64 // µm
	Diam    float64 // µm
	Arc     float64 // µm, NEURON's arc3d: computed when the point is added
}

// Section is one unbranched cable, with NEURON's name and 3-D points.
type Section struct {
	Name    string  // "soma[0]", "dend[3]", "apic[0]", "axon[1]"
	Type    string  // "soma", "axon", "dend", "apic" (other SWC types: "dend_N", "minus_N")
	Parent  int     // index of the parent section in Morphology.Sections, -1 for the root
	ParentX float64 // position on the parent where x = 0 of this section attaches, 0…1
	Points  []Point // NEURON's pt3d list (at least 2 points)

	// Wire, if not nil, is the point of the parent this section is wired to
	// (Import3d's pt3dstyle(1, x, y, z) "logical connection", used for
	// dendrites leaving a single-point soma): the section's own first point
	// lies elsewhere. Only DefineShape uses it.
	Wire *Point

	// Seq is the order in which NEURON connected the section to its parent
	// (Import3d's section index; stub axons come after). NEURON orders the
	// children of a section by connection position and, at equal
	// positions, the most recently connected first; Order uses it.
	Seq int
}

// L returns the section's length, µm: the arc length of its last point,
// which is NEURON's sec.L for a section with 3-D points.
func (s *Section) L() float64 {
	if len(s.Points) == 0 {
		return 0
	}
	return s.Points[len(s.Points)-1].Arc
}

// Morphology is a cell's sections in NEURON's order: the order of
// cell.all after Import3d (by SWC type: soma, axon, dend, apic, each in
// Import3d order), with sections created later (stub axons) at the end.
type Morphology struct {
	Sections []Section
}

// ReadSWCFile reads and imports the SWC file at path (see ReadSWC).
func ReadSWCFile(path string) (*Morphology, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadSWC(f, path)
}

// ReadSWC parses SWC data from r and imports it as NEURON 8.2's Import3d
// (Import3d_SWC_read + Import3d_GUI.instantiate) does. name labels errors.
func ReadSWC(r io.Reader, name string) (*Morphology, error) {
	s, err := ParseSWC(r, name)
	if err != nil {
		return nil, err
	}
	return Import(s, name)
}

// appendPoint appends a point as NEURON's stor_pt3d does: coordinates and
// diameter rounded to float32, arc length accumulated in double from the
// single-precision coordinate differences (nrn_pt3dmodified).
func appendPoint(pts []Point, x, y, z, d float64) []Point {
	p := Point{X: f32(x), Y: f32(y), Z: f32(z), Diam: f32(d)}
	if n := len(pts); n > 0 {
		q := pts[n-1]
		t1 := float64(float32(p.X) - float32(q.X))
		t2 := float64(float32(p.Y) - float32(q.Y))
		t3 := float64(float32(p.Z) - float32(q.Z))
		p.Arc = q.Arc + math.Sqrt(float64(t1*t1)+float64(t2*t2)+float64(t3*t3)) // no FMA
	}
	return append(pts, p)
}

// AddPoint appends a 3-D point as NEURON's pt3dadd does: x, y, z (µm) and
// diam (µm) are stored in single precision and the arc length is
// accumulated from the previous point.
func (s *Section) AddPoint(x, y, z, diam float64) {
	s.Points = appendPoint(s.Points, x, y, z, diam)
}

func f32(v float64) float64 { return float64(float32(v)) }

// g8 is Import3d's "%.8g" formatting of pt3dadd arguments, read back.
func g8(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 8, 64), 64)
	return r
}

// TypeName returns NEURON Import3d's section name for an SWC type.
func TypeName(t int) string {
	switch {
	case t == 1:
		return "soma"
	case t == 2:
		return "axon"
	case t == 3:
		return "dend"
	case t == 4:
		return "apic"
	case t < 0:
		return "minus_" + strconv.Itoa(-t)
	}
	return "dend_" + strconv.Itoa(t)
}

// i3dSec is an Import3d_Section.
type i3dSec struct {
	id      int // index of the section's first own point
	raw     [][4]float64
	typ     int
	parent  int // index into the section list, -1 for the root
	parentx float64
	first   int // 1: the first raw point is a wire to the parent, not drawn
	line    int
}

// Import converts samples to sections as NEURON 8.2's Import3d does
// (share/lib/hoc/import3d/read_swc.hoc, import3d_gui.hoc). name labels
// errors. The first sample (lowest ID) must be a root of soma type, and
// every parent ID must exist and be smaller than the sample's ID. Further
// roots of other types (axon fragments reconstructed apart, as in the human
// ITL23 cells) start trees of their own: their sections have Parent −1, and
// the axon treatment (DeleteAxon) removes them; cable.Build refuses a
// morphology that still has more than one root section.
//
// The stages are Import3d's: link and check the samples, mark_branch,
// sectionify, mksection, chk_valid, instantiate.
func Import(samples []Sample, name string) (*Morphology, error) {
	t, err := linkSamples(samples, name)
	if err != nil {
		return nil, err
	}
	t.markBranches()
	t.sectionify()
	secs := t.mksections()
	secs = dropEmptySections(secs)
	return instantiate(secs), nil
}

// i3dTree is the sample tree as Import3d's stages see it: the samples in ID
// order, each with the index of its parent, and the per-point arrays the
// stages fill in turn.
type i3dTree struct {
	pts        []Sample
	pix        []int // index of each point's parent, -1 for a root
	typ        []int
	x, y, z, d []float64

	// Set by markBranches.
	nchild       []float64 // nchild[p] == 1 exactly when p continues a section
	connect2prox []bool

	// Set by sectionify.
	nchildSoma []float64 // soma children of each soma point
	soma3geom  bool      // a neuromorpho.org 3-point soma
	point2sec  []int     // section index of each point
}

// linkSamples sorts the samples by ID and links each to its parent's index,
// checking what Import3d's check_pid checks: IDs are unique, parents exist
// and precede their children, there is one soma tree, and the first sample
// is a soma root.
func linkSamples(samples []Sample, name string) (*i3dTree, error) {
	if len(samples) == 0 {
		return nil, &ParseError{name, 0, "", fmt.Errorf("%w: no samples", ErrNoSoma)}
	}
	pe := func(s Sample, field string, err error) error { return &ParseError{name, s.Line, field, err} }
	pts := slices.Clone(samples)
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].ID < pts[j].ID })
	n := len(pts)
	idx := make(map[int]int, n)
	for i, s := range pts {
		if j, ok := idx[s.ID]; ok {
			return nil, pe(s, "id", fmt.Errorf("%w: %d (also on line %d)", ErrDuplicateID, s.ID, pts[j].Line))
		}
		idx[s.ID] = i
	}
	pix := make([]int, n)
	root := -1
	for i, s := range pts {
		if s.Parent < 0 {
			// Import3d accepts several trees (check_pid warns "more than
			// one tree" and goes on); reconstructions of the human
			// models have axon fragments as separate trees, which the
			// recipe then deletes. A second soma tree would be a second
			// cell: refuse it.
			if root >= 0 && (s.Type == 1 || pts[root].Type != 1) {
				return nil, pe(s, "parent", fmt.Errorf("%w: sample %d (line %d) and sample %d are both roots", ErrMultipleRoots, pts[root].ID, pts[root].Line, s.ID))
			}
			if root < 0 {
				root = i
			}
			pix[i] = -1
			continue
		}
		p, ok := idx[s.Parent]
		if !ok {
			return nil, pe(s, "parent", fmt.Errorf("%w: %d", ErrUnknownParent, s.Parent))
		}
		pix[i] = p
	}
	for i, s := range pts {
		if pix[i] < 0 || s.Parent < s.ID {
			continue
		}
		// Walk up: a cycle returns to i within n steps.
		j := pix[i]
		for k := 0; k < n && j >= 0 && j != i; k++ {
			j = pix[j]
		}
		if j == i {
			return nil, pe(s, "parent", fmt.Errorf("%w through sample %d", ErrCycle, s.ID))
		}
		return nil, pe(s, "parent", fmt.Errorf("%w (parent %d, id %d)", ErrParentOrder, s.Parent, s.ID))
	}
	if root < 0 {
		return nil, &ParseError{name, 0, "parent", fmt.Errorf("%w: no root sample", ErrCycle)}
	}
	if pts[0].Type != 1 {
		hasSoma := false
		for _, s := range pts {
			hasSoma = hasSoma || s.Type == 1
		}
		if !hasSoma {
			return nil, &ParseError{name, 0, "type", fmt.Errorf("%w: no sample of type 1", ErrNoSoma)}
		}
		return nil, pe(pts[0], "type", fmt.Errorf("%w: the root sample (id %d) has type %d, not 1 (soma)", ErrNoSoma, pts[0].ID, pts[0].Type))
	}

	return newI3dTree(pts, pix), nil
}

// newI3dTree holds the linked samples with their types, coordinates and
// diameters (twice the SWC radius) as per-point arrays.
func newI3dTree(pts []Sample, pix []int) *i3dTree {
	n := len(pts)
	t := &i3dTree{
		pts: pts,
		pix: pix,
		typ: make([]int, n),
		x:   make([]float64, n),
		y:   make([]float64, n),
		z:   make([]float64, n),
		d:   make([]float64, n),
	}
	for i, s := range pts {
		t.typ[i] = s.Type
		t.x[i], t.y[i], t.z[i] = s.X, s.Y, s.Z
		t.d[i] = s.Radius * 2
	}
	return t
}

// markBranches is Import3d's mark_branch: nchild[p] counts children of
// point p, plus 0.01 for every non-contiguous child and for every child of
// another type, so that nchild == 1 exactly when p continues a section.
// It also marks the points whose section connects to its parent's proximal
// end (connect2prox).
func (t *i3dTree) markBranches() {
	n, pix, typ := len(t.pts), t.pix, t.typ
	nchild := make([]float64, n)
	connect2prox := make([]bool, n)
	for i := range n {
		p := pix[i]
		if p < 0 {
			continue
		}
		nchild[p]++
		if p != i-1 {
			nchild[p] += .01
			if p > 1 {
				if typ[p] != 1 && pix[p] >= 0 && typ[pix[p]] == 1 {
					connect2prox[i] = true
					nchild[p] = 1
				}
			} else if p == 0 && typ[p] != 1 {
				connect2prox[i] = true
				nchild[p] = 1
			}
		}
		if typ[p] != typ[i] {
			nchild[p] += .01
		}
	}
	t.nchild, t.connect2prox = nchild, connect2prox
}

// sectionify is Import3d's sectionify: it counts the soma children of each
// soma point, recognises neuromorpho.org's 3-point soma (re-linking its third
// point to the second), joins contiguous soma points into one section, and
// assigns every point its section (point2sec): a section starts at every
// point whose nchild is not 1.
func (t *i3dTree) sectionify() {
	n, pix, typ, nchild := len(t.pts), t.pix, t.typ, t.nchild
	x, y, z, d := t.x, t.y, t.z, t.d
	nchildSoma := make([]float64, n)
	nsoma := 0
	if typ[0] == 1 {
		nsoma++
	}
	for i := 1; i < n; i++ {
		if typ[i] == 1 {
			nsoma++
			if p := pix[i]; p >= 0 && typ[p] == 1 {
				nchildSoma[p]++
			}
		}
	}
	soma3geom := false
	if nsoma == 3 && n >= 3 && pix[1] == 0 && pix[2] == 0 && nchild[1] == 0 && nchild[2] == 0 &&
		d[1] == d[0] && d[2] == d[0] {
		// neuromorpho.org's 3-point soma: a sphere given by its centre.
		l := 0.0
		for i := 1; i <= 2; i++ {
			l += math.Sqrt((x[i]-x[0])*(x[i]-x[0]) + (y[i]-y[0])*(y[i]-y[0]) + (z[i]-z[0])*(z[i]-z[0]))
		}
		if math.Abs(l/d[0]-1) < .01 {
			soma3geom = true
			pix[2] = 1
		}
	}
	for i := 0; i < n-1; i++ {
		if typ[i] == 1 && typ[i+1] == 1 && pix[i+1] == i {
			if !(i != 0 && nchildSoma[i] > 1) {
				nchild[i] = 1
			}
		}
	}
	var sec2point []int
	for i := range n {
		if nchild[i] != 1 {
			sec2point = append(sec2point, i)
		}
	}
	point2sec := make([]int, n)
	si := 0
	for i := 1; i < n; i++ {
		if i > sec2point[si] {
			si++
		}
		point2sec[i] = si
	}
	t.nchildSoma, t.soma3geom, t.point2sec = nchildSoma, soma3geom, point2sec
}

// mksections is Import3d's mksection over every run of points that
// sectionify assigned to one section, in order: each section gets its raw
// points, its parent section and the position on it, and whether its first
// raw point is only a wire to the parent.
func (t *i3dTree) mksections() []*i3dSec {
	var secs []*i3dSec
	n := len(t.pts)
	isec, first := 0, 0
	for i := range n {
		if t.point2sec[i] > isec {
			secs = append(secs, t.mksection(secs, isec, first, i))
			isec++
			first = i
		}
	}
	return append(secs, t.mksection(secs, isec, first, n))
}

// mksection makes section isec of points first..i-1; secs holds the
// sections made before it.
func (t *i3dTree) mksection(secs []*i3dSec, isec, first, i int) *i3dSec {
	pix, typ, nchildSoma := t.pix, t.typ, t.nchildSoma
	rawPt := func(i int) [4]float64 { return [4]float64{t.x[i], t.y[i], t.z[i], t.d[i]} }
	sec := &i3dSec{id: first, parent: -1, parentx: 1, line: t.pts[first].Line}
	if isec == 0 {
		if t.soma3geom {
			i = 1
		}
		for k := first; k < i; k++ {
			sec.raw = append(sec.raw, rawPt(k))
		}
	} else if pix[first] < 0 {
		// The root of a further tree: a section of its own points,
		// connected to nothing.
		for k := first; k < i; k++ {
			sec.raw = append(sec.raw, rawPt(k))
		}
	} else {
		pp := pix[first]
		sec.parent = t.point2sec[pp]
		psec := secs[sec.parent]
		denConSoma := psec.typ == 1 && typ[first] != 1
		conSoma := psec.typ == 1
		handled := false
		if sec.parent == 0 {
			handled = true
			if denConSoma && len(psec.raw) == 1 {
				sec.parentx = 0.5
				if i-first > 1 {
					sec.first = 1
				}
			} else if pp == psec.id {
				sec.parentx = 0
				if typ[first] != 1 && nchildSoma[pp] > 1 {
					sec.first = 1
				}
			} else {
				handled = false
			}
		}
		if !handled && conSoma {
			offset := -2
			if psec.id == 0 {
				offset = -1
			}
			if pp < psec.id+len(psec.raw)+offset {
				sec.parentx = 0.5
				if denConSoma && i-first > 1 {
					sec.first = 1
				}
			} else if i-first > 1 && nchildSoma[pp] > 1 && typ[first] != 1 {
				sec.first = 1
			}
		}
		sec.raw = append(sec.raw, rawPt(pp))
		for k := first; k < i; k++ {
			sec.raw = append(sec.raw, rawPt(k))
		}
	}
	sec.typ = typ[first]
	if sec.parent >= 0 {
		if secs[sec.parent].typ == 1 && sec.typ != 1 {
			sec.raw[0][3] = sec.raw[1][3]
		}
	}
	if t.connect2prox[first] {
		sec.parentx = 0
	}
	return sec
}

// dropEmptySections is Import3d_GUI.chk_valid: it drops one-point and
// zero-length two-point sections (never the first), reattaching their
// children to their parent at the dropped section's position.
func dropEmptySections(secs []*i3dSec) []*i3dSec {
	for i := len(secs) - 1; i >= 1; i-- {
		sec := secs[i]
		np := len(sec.raw) - sec.first
		drop := np <= 1
		if !drop && np <= 2 {
			a, b := sec.raw[sec.first], sec.raw[sec.first+1]
			drop = a[0] == b[0] && a[1] == b[1] && a[2] == b[2] // x, y, z only
		}
		if !drop {
			continue
		}
		secs = slices.Delete(secs, i, i+1)
		for _, c := range secs[i:] {
			if c.parent == i {
				c.parent, c.parentx = sec.parent, sec.parentx
			}
		}
		for _, c := range secs {
			if c.parent > i {
				c.parent--
			}
		}
	}
	return secs
}

// instantiate is Import3d_GUI.instantiate: names by type in section order,
// sections created type by type (so cell.all lists them by type), pt3dadd
// with "%.8g" arguments, a single point as a 3-point cylinder of L = diam.
func instantiate(secs []*i3dSec) *Morphology {
	count := map[int]int{}
	nameIdx := make([]int, len(secs))
	for i, sec := range secs {
		nameIdx[i] = count[sec.typ]
		count[sec.typ]++
	}
	order := make([]int, len(secs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return secs[order[a]].typ < secs[order[b]].typ })
	pos := make([]int, len(secs))
	for k, i := range order {
		pos[i] = k
	}
	m := &Morphology{Sections: make([]Section, len(secs))}
	for i, sec := range secs {
		s := Section{
			Name:    TypeName(sec.typ) + "[" + strconv.Itoa(nameIdx[i]) + "]",
			Type:    TypeName(sec.typ),
			Parent:  -1,
			ParentX: sec.parentx,
			Seq:     i,
		}
		if sec.parent >= 0 {
			s.Parent = pos[sec.parent]
		} else {
			s.ParentX = 0
		}
		raw := sec.raw[sec.first:]
		if sec.first == 1 {
			w := sec.raw[0]
			s.Wire = &Point{X: f32(g8(w[0])), Y: f32(g8(w[1])), Z: f32(g8(w[2]))}
		}
		if len(raw) == 1 {
			p := raw[0]
			for k := -1; k <= 1; k++ {
				s.Points = appendPoint(s.Points, g8(p[0]+float64(k)*p[3]/2), g8(p[1]), g8(p[2]), g8(p[3]))
			}
		} else {
			for _, p := range raw {
				s.Points = appendPoint(s.Points, g8(p[0]), g8(p[1]), g8(p[2]), g8(p[3]))
			}
		}
		m.Sections[pos[i]] = s
	}
	return m
}
