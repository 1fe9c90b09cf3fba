// Package cable implements NEURON's spatial discretisation of a cell: the
// nodes (compartments) of its fixed-step method, in NEURON's order, with
// membrane areas and axial resistances integrated over the 3-D points.
//
// Build turns a morph.Morphology into a Tree. For the all-active cells the
// result equals NEURON 8.2.2's seg.area(), seg.ri(), seg.diam, sec.L, nseg
// and seg.node_index() to ~1e-16 relative (largest difference 4e-15 over
// the 282 sections of the full human reconstruction), tested against dumps
// of tools/neuron_geometry.py.
//
// # Sources
//
// NEURON 8.2.2 (github.com/neuronsimulator/nrn, tag 8.2.2):
// src/nrnoc/treeset.cpp (nrn_area_ri, diam_from_list, connection_coef,
// area, ri), src/nrnoc/cabcode.cpp (node_index, node_index_exact,
// nrn_add_sibling_list), src/nrnoc/multicore.cpp (reorder_secorder), and
// the nseg rule of BMTK / BluePyOpt (1 + 2·int(L/40)).
//
// # Rules implemented
//
//   - Nodes. A section of nseg segments owns nseg nodes at the segment
//     centres x = (j+½)/nseg and one node at x = 1 with no membrane (area
//     0; NEURON keeps its internal area at 100 so that its equation is in
//     nA). The root section's x = 0 end is one more membrane-less node, the
//     root of the tree. A child section's x = 0 end is the parent's node at
//     the connection point: parent(1) is the parent's end node, parent(0)
//     the node the parent attaches to, any other x the centre node of the
//     segment containing x (index int(nseg·x), the last one for x = 1).
//   - Order. Node 0 is the root; then the sections in NEURON's section
//     order (morph.Morphology.Order), each contributing its centre nodes
//     then its end node. Every parent index is smaller than its child's
//     (Hines order) and equals NEURON's v_node index.
//   - L is the arc length of the last 3-D point.
//   - Integration (morph.Section.Segments): the diameter is piecewise linear
//     along the arc length between 3-D points; each segment is split at its
//     centre into two halves; per piece between points (or half boundaries,
//     where the diameter is interpolated), area += π/2·(d₁+d₂)·√(Δs² +
//     ((d₂−d₁)/2)²), the lateral area of a frustum, and r += Δs/(d₁·d₂),
//     which is ∫ds/d(s)² exactly for a linear taper. seg.diam is the
//     trapezoidal mean (1/ds)·∫d ds.
//   - Axial resistance. A half-segment's r converts to MΩ as
//     r·Ra/π·0.04 (4/π·Ra [Ω·cm] · µm/µm² · 1e-2). Ri of a centre node is
//     the right half of the previous segment (nothing for the first
//     segment: the parent node sits at the connection point) plus the left
//     half of its own segment; Ri of the end node is the right half of the
//     last segment. This is NEURON's 1/NODERINV, seg.ri().
//
// NEURON computes these with single-precision 3-D points and double
// arithmetic in a fixed order; Build repeats the same operations (no fused
// multiply-add), which is why the agreement is to the last bits rather
// than to a tolerance.
package cable
