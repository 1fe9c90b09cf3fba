package sim

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"github.com/noble-neuro/noble/cable"
	"github.com/noble-neuro/noble/mech"
)

// NEURON's defaults for properties a parameter file does not set
// (src/nrnoc/membdef.h, DEF_vrest = −65 mV).
const (
	defaultRa = 35.4  // Ω·cm
	defaultCm = 1.0   // µF/cm²
	defEna    = 50.0  // mV, DEF_ena = 115 + DEF_vrest
	defEk     = -77.0 // mV, DEF_ek = −12 + DEF_vrest
	defCai    = 5e-5  // mM, DEF_cai
	defCao    = 2.0   // mM, DEF_cao
)

// Model is a cell with one parameter file applied, ready to simulate: the
// tree's matrix coefficients, capacitances, reversal potentials and every
// mechanism with its per-node parameter values, in NEURON's order.
//
// A Model is immutable: any number of goroutines may simulate it at once,
// each with its own Workspace (Model.Simulate takes one from a pool).
type Model struct {
	Name    string  // parameter file stem, e.g. "seed1_hof00"
	File    string  // parameter file path
	Celsius float64 // temperature, °C
	VInit   float64 // initial membrane potential, mV

	tree   *cable.Tree
	n      int
	parent []int     // parent node, -1 for the root (node 0)
	a, b   []float64 // NEURON's NODEA, NODEB (S/cm², or µS for nodes without membrane)
	cm     []float64 // µF/cm²; 0 for nodes without membrane
	area   []float64 // µm² as NEURON uses it in the matrix: 100 for nodes without membrane
	soma   int       // node of soma(0.5): stimulus and recording site
	ena    []float64 // mV
	ek     []float64 // mV
	mechs  []mechSpec
	// caNernst are the nodes whose eca NEURON recomputes from cai every
	// step (a mechanism there integrates cai); caInit those with the calcium
	// ion whose eca is set once, at initialisation.
	caNernst []int
	caInit   []int
	comps    int // nodes with membrane (NEURON's total nseg)
	// elim is the order in which Step eliminates the nodes but the root,
	// and back the order of its back-substitution (see schedule).
	elim, back []int32
	// The mechanisms and the ionic state see the membrane nodes only
	// (those where a mechanism is inserted), numbered 0 … len(mem)−1 in
	// node order, so that a mechanism inserted in every compartment has
	// consecutive indices: mem lists them, cpos[i] is node i's index, or
	// len(mem) for a node without membrane; somaC, caNernstC and caInitC
	// are soma, caNernst and caInit so numbered.
	mem                []int
	cpos               []int32
	somaC              int
	caNernstC, caInitC []int

	pool sync.Pool // of *Workspace, for Simulate
}

// mechSpec is one mechanism type inserted in a set of nodes.
type mechSpec struct {
	kind   *mech.Kind
	nodes  []int
	cnodes []int       // nodes as the mechanism sees them (Model.mem)
	params [][]float64 // per kind.Params[j], one value per node
}

// Compartments returns the number of nodes with membrane (the sum of nseg
// over the sections), as NEURON's index.csv counts compartments.
func (m *Model) Compartments() int { return m.comps }

// Nodes returns the number of nodes of the matrix, including the zero-area
// nodes at section ends and the root.
func (m *Model) Nodes() int { return m.n }

// SomaNode returns the node index of soma(0.5), where the stimulus is
// injected and the voltage recorded.
func (m *Model) SomaNode() int { return m.soma }

// Tree returns the discretised cell the model was built on; do not modify it.
func (m *Model) Tree() *cable.Tree { return m.tree }

// NodeName names a node as NEURON would, e.g. "dend[3](0.5)".
func (m *Model) NodeName(i int) string {
	if i < 0 || i >= m.n {
		return fmt.Sprintf("node %d", i)
	}
	s := m.tree.Sections[m.tree.Section[i]]
	return fmt.Sprintf("%s(%.4g)", s.Name, m.tree.X[i])
}

// typeSettings collects what a parameter file sets on one section type.
type typeSettings struct {
	ra, cm   float64
	inserted map[*mech.Kind]bool
	values   map[*mech.Kind]map[string]float64
	erev     *Erev
}

// newModel applies p to tree, which it takes over (it sets the sections'
// Ra), as the BMTK recipe (and the NEURON references' tools/nrncell.py,
// docs/reference-data.md) does: pas everywhere, passive ra on
// every section, then the genome in order (insert the named mechanism in
// every section of the type, set the value), then ena/ek where a Na / K
// mechanism is inserted, celsius and v_init. The stages: the section types'
// settings, the nodes, their connections, the mechanisms.
func newModel(tree *cable.Tree, p *Params) (*Model, error) {
	if err := checkTree(tree); err != nil {
		return nil, err
	}
	types, err := sectionTypeSettings(p)
	if err != nil {
		return nil, err
	}
	n := len(tree.Parent)
	m := &Model{
		Name:    strings.TrimSuffix(filepath.Base(p.File), filepath.Ext(p.File)),
		File:    p.File,
		Celsius: p.Celsius,
		VInit:   p.VInit,
		tree:    tree,
		n:       n,
		parent:  tree.Parent,
		a:       make([]float64, n),
		b:       make([]float64, n),
		cm:      make([]float64, n),
		area:    make([]float64, n),
		ena:     make([]float64, n),
		ek:      make([]float64, n),
		soma:    -1,
	}
	nodeType, err := m.setNodes(types)
	if err != nil {
		return nil, err
	}
	m.connect()
	m.elim, m.back = schedule(m.parent)
	if err := m.insertMechanisms(nodeType); err != nil {
		return nil, err
	}
	m.compact()
	return m, nil
}

// sectionTypeSettings applies the parameter file to the section types:
// defaults with pas inserted everywhere, Ra from p.Ra, then the genome in
// order (insert the named mechanism, set the value) and the reversal
// potentials each type's Erev entry gives.
func sectionTypeSettings(p *Params) (map[string]*typeSettings, error) {
	pasKind, _ := mech.Lookup("pas")
	types := map[string]*typeSettings{}
	for _, t := range SectionTypes {
		ts := &typeSettings{ra: defaultRa, cm: defaultCm,
			inserted: map[*mech.Kind]bool{pasKind: true},
			values:   map[*mech.Kind]map[string]float64{}}
		if p.Ra > 0 {
			ts.ra = p.Ra
		}
		types[t] = ts
	}
	for i, g := range p.Genome {
		ts := types[g.Section]
		if ts == nil {
			return nil, &ParamError{File: p.File, Field: fmt.Sprintf("genome[%d].section", i), Err: fmt.Errorf("%w: unknown section type %q", ErrRange, g.Section)}
		}
		if g.Mechanism != "" {
			k, err := mech.Get(g.Mechanism)
			if err != nil {
				return nil, &ParamError{File: p.File, Field: fmt.Sprintf("genome[%d].mechanism", i), Err: err}
			}
			ts.inserted[k] = true
		}
		switch g.Name {
		case "cm":
			ts.cm = g.Value
		case "Ra":
			ts.ra = g.Value
		default:
			k, name, err := mech.ParamKind(g.Name)
			if err != nil {
				return nil, &ParamError{File: p.File, Field: fmt.Sprintf("genome[%d].name", i), Err: err}
			}
			if !ts.inserted[k] {
				return nil, &ParamError{File: p.File, Field: fmt.Sprintf("genome[%d].name", i),
					Err: fmt.Errorf("%w: %s: mechanism %s is not inserted in %s", ErrMissing, g.Name, k.Name, g.Section)}
			}
			if ts.values[k] == nil {
				ts.values[k] = map[string]float64{}
			}
			ts.values[k][name] = g.Value
		}
	}
	for i := range p.Erev {
		e := &p.Erev[i]
		types[e.Section].erev = e
	}
	return types, nil
}

// setNodes gives the nodes their areas, capacitances and default reversal
// potentials, sets every section's Ra to its type's, and finds the soma's
// middle node. It returns each node's type settings (nil for nodes without
// membrane).
func (m *Model) setNodes(types map[string]*typeSettings) ([]*typeSettings, error) {
	tree, n := m.tree, m.n
	// Areas as the matrix sees them: NEURON gives nodes without membrane
	// (section ends, the root) the dimensionless area 100 (treeset.cpp
	// nrn_area_ri, solve.cpp node_construct), so that their equations are in
	// nA and µS.
	for i := range m.area {
		m.area[i] = 100
		m.ena[i] = defEna
		m.ek[i] = defEk
	}
	// Ra per section type: NEURON recomputes a section's axial resistances
	// when its Ra changes (tree.SetRa does the same arithmetic); a node's
	// Ri lies entirely in its own section.
	for si := range tree.Sections {
		s := &tree.Sections[si]
		ts := types[s.Type]
		if ts == nil {
			return nil, fmt.Errorf("sim: section %s has unknown type %q", s.Name, s.Type)
		}
		if s.Ra != ts.ra {
			tree.SetRa(si, ts.ra)
		}
	}
	nodeType := make([]*typeSettings, n) // nil for nodes without membrane
	for si := range tree.Sections {
		s := &tree.Sections[si]
		ts := types[s.Type]
		for _, nd := range s.Nodes {
			nodeType[nd] = ts
			m.area[nd] = tree.Area[nd]
			m.cm[nd] = ts.cm
			m.comps++
		}
		if s.Type == "soma" && m.soma < 0 {
			m.soma = s.Nodes[segmentIndex(0.5, s.Nseg)]
		}
	}
	if m.soma < 0 {
		return nil, fmt.Errorf("sim: cell has no soma section")
	}
	return nodeType, nil
}

// connect sets the connection coefficients from the sections' axial
// resistances (treeset.cpp connection_coef): a is the effect of node i on
// its parent's equation, b of the parent on node i's.
func (m *Model) connect() {
	ri := m.tree.Ri
	for i := 1; i < m.n; i++ {
		rinv := 1 / ri[i]
		m.a[i] = -1.e2 * rinv / m.area[m.parent[i]]
		m.b[i] = -1.e2 * rinv / m.area[i]
	}
}

// insertMechanisms inserts the mechanisms in NEURON's order, each over the
// nodes of the section types where it is inserted, with its parameter
// values per node; sets ena/ek where a Na / K mechanism is inserted; and
// lists the nodes whose calcium is set by a Nernst mechanism or initialised.
func (m *Model) insertMechanisms(nodeType []*typeSettings) error {
	n := m.n
	pasKind, _ := mech.Lookup("pas")
	hasCa := make([]bool, n)
	writesCai := make([]bool, n)
	for _, k := range mech.Kinds() {
		var nodes []int
		for nd, ts := range nodeType {
			if ts != nil && ts.inserted[k] {
				nodes = append(nodes, nd)
			}
		}
		if len(nodes) == 0 {
			continue
		}
		spec := mechSpec{kind: k, nodes: nodes, params: make([][]float64, len(k.Params))}
		for j, par := range k.Params {
			vals := make([]float64, len(nodes))
			for q, nd := range nodes {
				v, ok := nodeType[nd].values[k][par.Name]
				if !ok {
					v = par.Default
				}
				vals[q] = v
			}
			spec.params[j] = vals
		}
		m.mechs = append(m.mechs, spec)
		for _, nd := range nodes {
			ts := nodeType[nd]
			if k.Ions&mech.Na != 0 && ts.erev != nil {
				m.ena[nd] = ts.erev.Ena
			}
			if k.Ions&mech.K != 0 && ts.erev != nil {
				m.ek[nd] = ts.erev.Ek
			}
			if k.Ions&mech.Ca != 0 || k.WritesCai {
				hasCa[nd] = true
			}
			if k.WritesCai {
				writesCai[nd] = true
			}
		}
	}
	if len(m.mechs) == 0 || m.mechs[0].kind != pasKind {
		return fmt.Errorf("sim: mech.Kinds() must start with pas")
	}
	for nd := range hasCa {
		switch {
		case writesCai[nd]:
			m.caNernst = append(m.caNernst, nd)
		case hasCa[nd]:
			m.caInit = append(m.caInit, nd)
		}
	}
	return nil
}

// segmentIndex is NEURON's node_index for 0 < x < 1: the segment holding x.
func segmentIndex(x float64, nseg int) int {
	i := int(x * float64(nseg))
	if i >= nseg {
		i = nseg - 1
	}
	return i
}

// checkTree verifies the invariants the solver relies on, so that a
// malformed tree is an error rather than an index panic mid-run.
func checkTree(t *cable.Tree) error {
	n := len(t.Parent)
	if n == 0 {
		return fmt.Errorf("sim: empty tree")
	}
	if len(t.Area) != n || len(t.Ri) != n || len(t.Section) != n || len(t.X) != n {
		return fmt.Errorf("sim: tree arrays have different lengths")
	}
	if t.Parent[0] != -1 {
		return fmt.Errorf("sim: tree node 0 is not the root")
	}
	for i := 1; i < n; i++ {
		if p := t.Parent[i]; p < 0 || p >= i {
			return fmt.Errorf("sim: tree node %d has parent %d (want 0 ≤ parent < node)", i, p)
		}
		if !(t.Ri[i] > 0) {
			return fmt.Errorf("sim: tree node %d has axial resistance %v MΩ", i, t.Ri[i])
		}
	}
	for si, s := range t.Sections {
		if len(s.Nodes) != s.Nseg || s.Nseg < 1 {
			return fmt.Errorf("sim: section %s has %d nodes for nseg %d", s.Name, len(s.Nodes), s.Nseg)
		}
		if !(s.Ra > 0) {
			return fmt.Errorf("sim: section %s has Ra %v", s.Name, s.Ra)
		}
		for _, nd := range append(append([]int(nil), s.Nodes...), s.End) {
			if nd <= 0 || nd >= n || t.Section[nd] != si {
				return fmt.Errorf("sim: section %s lists node %d that is not its own", s.Name, nd)
			}
		}
		for _, nd := range s.Nodes {
			if !(t.Area[nd] > 0) {
				return fmt.Errorf("sim: %s node %d has area %v µm²", s.Name, nd, t.Area[nd])
			}
		}
	}
	return nil
}

// schedule returns orders of Hines' elimination and back-substitution
// that give the results of NEURON's node order bit for bit but let the
// processor overlap independent nodes.
//
// In node order (descending in the elimination, parents before children)
// almost every node is its predecessor's parent, so the elimination is one
// chain of dependent operations, a division among them, about 750 nodes
// long for the ITL23 cell, whose tree is only 41 nodes deep. elim takes
// the nodes level by level instead: a node's level is above its
// children's and at least that of its next sibling by index (the sibling
// whose contributions to the parent precede its own), and within a level
// the nodes go by descending index. So every node comes after its
// children, and each parent receives its children's terms in NEURON's
// order: each node sees the same operations on the same values. The nodes
// of one level are independent but for siblings, which the processor then
// overlaps. back is the order of increasing depth, by index within a depth
// (each back-substitution reads its parent's final value only).
func schedule(parent []int) (elim, back []int32) {
	n := len(parent)
	level := make([]int, n)
	depth := make([]int, n)
	// next[p] is the last child of p seen so far, by descending index:
	// the sibling just above the current node.
	next := make([]int, n)
	for i := range next {
		next[i] = -1
	}
	top := 0
	for i := n - 1; i >= 1; i-- {
		p := parent[i]
		// level[i] is already max over i's children + 1 (or 0).
		if s := next[p]; s >= 0 {
			level[i] = max(level[i], level[s])
		}
		next[p] = i
		level[p] = max(level[p], level[i]+1)
		top = max(top, level[i])
	}
	for i := 1; i < n; i++ {
		depth[i] = depth[parent[i]] + 1
	}
	elim = make([]int32, 0, max(n-1, 0))
	for l := 0; l <= top; l++ {
		for i := n - 1; i >= 1; i-- {
			if level[i] == l {
				elim = append(elim, int32(i))
			}
		}
	}
	back = make([]int32, 0, max(n-1, 0))
	for d := 1; len(back) < n-1; d++ {
		for i := 1; i < n; i++ {
			if depth[i] == d {
				back = append(back, int32(i))
			}
		}
	}
	return elim, back
}

// compact numbers the membrane nodes for the mechanisms (Model.mem).
func (m *Model) compact() {
	in := make([]bool, m.n)
	in[m.soma] = true
	for _, s := range m.mechs {
		for _, nd := range s.nodes {
			in[nd] = true
		}
	}
	m.mem = m.mem[:0]
	m.cpos = make([]int32, m.n)
	for i, ok := range in {
		m.cpos[i] = int32(len(m.mem))
		if ok {
			m.mem = append(m.mem, i)
		}
	}
	for i, ok := range in {
		if !ok {
			m.cpos[i] = int32(len(m.mem))
		}
	}
	conv := func(nodes []int) []int {
		c := make([]int, len(nodes))
		for q, nd := range nodes {
			c[q] = int(m.cpos[nd])
		}
		return c
	}
	for j := range m.mechs {
		m.mechs[j].cnodes = conv(m.mechs[j].nodes)
	}
	m.somaC = int(m.cpos[m.soma])
	m.caNernstC, m.caInitC = conv(m.caNernst), conv(m.caInit)
}
