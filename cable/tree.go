package cable

// Tree is a discretised cell: the compartments ("nodes") of NEURON's
// fixed-step method in Hines order, with the geometry that the solver needs.
//
// As in NEURON, every section of nseg segments contributes one node per
// segment centre and one node at its x = 1 end (zero area); the root section
// (the soma) also has a node at x = 0 (zero area). A child section's
// first segment couples to the node of the parent section at the connection
// point (NEURON's parentnode).
//
// Build numbers the nodes exactly as NEURON 8.2 does (reorder_secorder in
// src/nrnoc/multicore.cpp), so node i here is NEURON's v_node[i]: node 0 is
// the root section's x = 0 node, then each section in NEURON's section
// order (morph.Morphology.Order: breadth first, siblings by connection
// position, the latest connected first) contributes its segment centres in
// order of x followed by its x = 1 end node.
type Tree struct {
	// Parent[i] is the index of node i's parent node, -1 for the root.
	// Parent[i] < i for every non-root node (Hines order).
	Parent []int
	// Area[i] is the membrane area of node i, µm², integrated over the
	// 3-D points as NEURON's seg.area() does; 0 for nodes without membrane.
	Area []float64
	// Ri[i] is the axial resistance between node i and its parent, MΩ,
	// as NEURON's seg.ri() (Ri[root] = 0). It scales with the section's Ra.
	Ri []float64
	// Section[i] is the index into Sections of the section owning node i.
	Section []int
	// X[i] is node i's position along its section, 0…1.
	X []float64

	Sections []Section

	// Half-segment resistance integrals per unit Ra (morph.Segment.RLeft
	// and RRight) behind Ri, so that SetRa recomputes Ri as NEURON does:
	// Ri[i] = HalfRi(rParent[i], Ra) + HalfRi(rLeft[i], Ra).
	rParent, rLeft []float64
}

// Section is one unbranched cable of the discretised cell.
type Section struct {
	Name  string  // NEURON-style name, e.g. "soma[0]", "dend[12]", "axon[1]"
	Type  string  // "soma", "dend", "apic" or "axon"
	L     float64 // length, µm
	Ra    float64 // axial resistivity, Ω·cm
	Nseg  int     // number of segments
	Nodes []int   // node index of each segment centre, in order of x
	End   int     // node index of the x = 1 end (zero area)

	Parent  int       // index of the parent section, -1 for the root
	ParentX float64   // position on the parent where x = 0 of this section attaches
	Diam    []float64 // mean diameter of each segment, µm (NEURON's seg.diam)
}
