// Package morph implements reading SWC reconstructions and turning them
// into NEURON sections exactly as NEURON 8.2's Import3d does, plus the
// axon treatments of the all-active cell models (delete, or a two-section
// stub) and NEURON's define_shape.
//
// The result reproduces NEURON 8.2.2 bit for bit: section names, order,
// connections and every 3-D point (x, y, z, diam equal, arc length to
// 1e-12) for the shipped mouse cell and NOBLE's human PVALB cell (tests
// compare with dumps of tools/neuron_geometry.py; the human cell is not
// shipped, docs/reference-data.md).
//
// # Sources
//
// NEURON 8.2.2 (github.com/neuronsimulator/nrn, tag 8.2.2):
// share/lib/hoc/import3d/read_swc.hoc (Import3d_SWC_read: parse, check_pid,
// mark_branch, sectionify, mksection), import3d_sec.hoc (Import3d_Section),
// import3d_gui.hoc (Import3d_GUI.instantiate, chk_valid, sphere_rep,
// type2name), src/oc/code2.cpp (hoc sscanf), src/nrnoc/section.h (Pt3d),
// src/nrnoc/treeset.cpp (stor_pt3d, nrn_pt3dmodified, nrn_define_shape,
// diam_from_list), src/nrnoc/cabcode.cpp (nrn_add_sibling_list),
// src/nrnoc/multicore.cpp (reorder_secorder). The stub axon follows the
// Allen Institute's all-active recipe as BMTK's set_params_allactive
// applies it (docs/reference-data.md; tools/nrncell.py runs it in NEURON).
//
// # Import3d rules implemented
//
//   - Reading: each data line is seven numbers read with hoc's sscanf "%f",
//     that is, rounded to single precision; the radius is doubled to a
//     diameter. Samples are sorted by id.
//   - Sections: a point continues a section when it has exactly one child,
//     contiguous in the file and of the same type; every other point (a
//     branch point, a leaf, a type change, a non-contiguous child) ends one.
//     Adjacent soma points stay in one section unless a soma point has
//     several soma children. Import3d's special cases are kept: the
//     neuromorpho.org three-point soma (a sphere), "connect to proximal end"
//     for branches leaving the first point of a dendrite wired to the soma,
//     interior connections to a multi-point soma at x = 0.5.
//   - Points: a child section's first point is a copy of its parent point;
//     for a non-soma section leaving a soma section its diameter is that of
//     the section's second point. A dendrite leaving a single-point soma is
//     attached at soma(0.5) by a "wire": its copied first point is dropped
//     and the soma centre recorded as a logical connection (Section.Wire),
//     unless the dendrite has only one point of its own. Other sections
//     attach at the parent's x = 1 (x = 0 at the root's first point).
//   - Further trees: samples with parent −1 besides the first start trees
//     of their own (check_pid warns of "more than one tree" and carries on);
//     their sections have Parent −1 and hold their own points only. The
//     human ITL23 reconstruction has axon fragments so, which the axon
//     treatment deletes; a second tree rooted at a soma sample is refused.
//   - One-point sections and two-point sections of zero length are dropped,
//     their children reattached to their parent (chk_valid).
//   - A section of one point (the single-point soma) becomes three points
//     along x, centre ± diam/2, all of that diameter: a cylinder with
//     L = diam, area π·diam² (sphere_rep).
//   - Names: type 1 soma, 2 axon, 3 dend, 4 apic (others dend_N, minus_N),
//     indexed per type in Import3d order; NEURON's cell.all lists the
//     sections type by type (soma, axon, dend, apic), which is the order of
//     Morphology.Sections.
//   - Storage: pt3dadd receives each value printed with "%.8g" and stores
//     it as float32; the arc length accumulates, in double, the lengths
//     computed from single-precision coordinate differences.
//
// # define_shape
//
// DefineShape translates each child section so that it starts at its
// connection point (the parent's first and last points interpolated at
// the connection position) or, for wired sections, by the movement of the
// wire point; arc lengths are not recomputed, as in NEURON, so geometry is
// unchanged. A section without points (the stub axon) gets a straight
// line of three points from its connection point (shapeNew).
//
// # Axon
//
// DeleteAxon removes all axon sections (human models). StubAxon first
// takes d0 and d1, NEURON's diam with nseg = 1 (the trapezoidal mean over
// the 3-D points, Section.Segments) of the first and of the last axon
// section in section order, then deletes the axon and adds axon[0] (30
// µm, diam d0) at soma[0](1) and axon[1] (30 µm, diam d1) at axon[0](1).
//
// # Building sections by hand
//
// Section.AddPoint appends a point as pt3dadd does (float32 storage, arc
// accumulated), so programmatic cells follow the same rules.
// Section.Segments integrates diameter, area and axial resistance over
// the points for nseg segments (NEURON's diam_from_list); package cable
// builds on it.
//
// # Errors
//
// Bad input gives a *ParseError naming file, line and field and wrapping
// one of the sentinel errors (ErrSyntax, ErrRadius, ErrDuplicateID,
// ErrUnknownParent, ErrCycle, ErrParentOrder, ErrMultipleRoots, ErrNoSoma,
// ErrTooLarge). NEURON prints a message and continues on several of these;
// morph refuses them: a cell must be rooted at a soma sample (its lowest
// id), further trees may not start at soma samples, and every parent id
// must be smaller than its child's id. A morphology left with more than one
// tree after the axon treatment is refused by package cable.
package morph
