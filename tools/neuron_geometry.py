"""Dump NEURON's geometry of an all-active cell, built with the exact recipe of the reference
traces (nrncell.py, docs/reference-data.md), as JSON for comparison with noble's morph and cable
packages.

Usage (NEURON 8.2.2; run from the directory holding the compiled mechanisms' x86_64/ if PARAMS is
given):
    /usr/bin/python3 neuron_geometry.py SWC AXONMODE OUT.json [PARAMS.json]

AXONMODE is "keep" (Import3d result, axon untouched: checks the import itself), "noaxon" (delete every
axon section: cell.json "axon": "delete") or "stub" (two 30 um cylinders, diameters d0/d1 as in
the reference recipe: cell.json "axon": "stub"). After the axon step: h.define_shape(), then (if
PARAMS is given) pas, Ra and the genome's mechanisms exactly as the reference recipe, then
nseg = 1 + 2*int(L/40) for every section, then h.finitialize(-65) so node indices exist.

Output: {"neuron": version, "swc", "axon", "d0", "d1" (stub only), "topology": h.topology() text,
"sections": [per section in cell.all order: name, type, L, Ra, nseg, parent, parent_x,
n3d, x3d, y3d, z3d, arc3d, diam3d, seg_x, area, ri, node (seg.node_index()), end_ri (sec(1).ri()),
end_node (sec(1).node_index()), root_node (sec(0).node_index(), root section only)]}.
All floats are written with 17 significant digits (json repr).
"""
import json, os, sys, tempfile

from neuron import h

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nrncell  # noqa: E402

swc, axmode, out = sys.argv[1], sys.argv[2], sys.argv[3]
pj = sys.argv[4] if len(sys.argv) > 4 else None
if axmode not in ("keep", "noaxon", "stub"):
    sys.exit("AXONMODE must be keep, noaxon or stub")

cell = nrncell.import_cell(h, swc, "Biophys1")
meta = {"neuron": h.nrnversion(), "swc": os.path.abspath(swc), "axon": axmode}
stub = nrncell.axon(h, cell, axmode)
if stub is not None:
    meta["d0"], meta["d1"] = stub
if pj:
    nrncell.parameters(h, cell, pj)
nrncell.discretise(cell)
h.finitialize(-65)


def short(sec):
    return sec.name().split(".", 1)[1]


secs = []
for sec in cell.all:
    n = int(h.n3d(sec=sec))
    ps = sec.parentseg()
    d = {
        "name": short(sec),
        "type": short(sec).split("[")[0],
        "L": sec.L,
        "Ra": sec.Ra,
        "nseg": sec.nseg,
        "parent": short(ps.sec) if ps is not None else "",
        "parent_x": ps.x if ps is not None else -1.0,
        "children": [short(c) for c in sec.children()],
        "n3d": n,
        "x3d": [h.x3d(i, sec=sec) for i in range(n)],
        "y3d": [h.y3d(i, sec=sec) for i in range(n)],
        "z3d": [h.z3d(i, sec=sec) for i in range(n)],
        "arc3d": [h.arc3d(i, sec=sec) for i in range(n)],
        "diam3d": [h.diam3d(i, sec=sec) for i in range(n)],
        "seg_x": [seg.x for seg in sec],
        "diam": [seg.diam for seg in sec],
        "area": [seg.area() for seg in sec],
        "ri": [seg.ri() for seg in sec],
        "node": [seg.node_index() for seg in sec],
        "end_ri": sec(1).ri(),
        "end_node": sec(1).node_index(),
    }
    if ps is None:
        d["root_node"] = sec(0).node_index()
    secs.append(d)

# h.topology() prints through NEURON's stdout: capture file descriptor 1.
sys.stdout.flush()
with tempfile.TemporaryFile(mode="w+") as tf:
    saved = os.dup(1)
    os.dup2(tf.fileno(), 1)
    h.topology()
    sys.stdout.flush()
    os.dup2(saved, 1)
    os.close(saved)
    tf.seek(0)
    meta["topology"] = tf.read()
meta["sections"] = secs
meta["compartments"] = sum(s["nseg"] for s in secs)
tmp = out + ".tmp"
with open(tmp, "w") as f:
    json.dump(meta, f, separators=(",", ":"))
os.replace(tmp, out)
print(out, len(secs), "sections", meta["compartments"], "compartments", file=sys.stderr)
