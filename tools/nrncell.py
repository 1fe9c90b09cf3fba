"""nrncell.py: the cell-building recipe of the NEURON reference traces, shared by the
reference tools (neuron_dump.py, neuron_geometry.py). It is the recipe the reference traces
were made with (docs/reference-data.md), step by step: Import3d of the SWC, the axon step,
define_shape, pas everywhere, passive Ra, the genome in file order, ena/ek where the ion is
used, celsius, and nseg = 1 + 2*int(L/40). Needs NEURON 8.2 (Debian python3-neuron).
"""
import json

_TEMPLATE = '''begintemplate %s
public init, soma, dend, apic, axon, all, somatic, basal, apical, axonal
objref all, somatic, basal, apical, axonal, nl, i3d, this
create soma[1], dend[1], apic[1], axon[1]
proc init() {
  all = new SectionList() somatic = new SectionList() basal = new SectionList()
  apical = new SectionList() axonal = new SectionList()
  forall delete_section()
  nl = new Import3d_SWC_read() nl.quiet = 1 nl.input($s1)
  i3d = new Import3d_GUI(nl, 0) i3d.instantiate(this)
}
endtemplate %s'''


def import_cell(h, swc, template="NobleCell"):
    """Imports the SWC file as NEURON's Import3d does; defines the template on first use."""
    h.load_file("stdrun.hoc")
    h.load_file("import3d.hoc")
    if not hasattr(h, template):
        h(_TEMPLATE % (template, template))
    return getattr(h, template)(swc)


def axon(h, cell, mode):
    """Applies the axon step: "keep" (Import3d result), "delete"/"noaxon" (remove every axon
    section) or "stub" (two 30 um cylinders with the nseg=1 diam of the first and of the last
    imported axon section). Returns (d0, d1) for "stub", else None. Ends with define_shape."""
    stub = None
    if mode in ("delete", "noaxon"):
        for sec in list(cell.axon):
            h.delete_section(sec=sec)
    elif mode == "stub":
        d0 = cell.axon[0].diam
        d1 = d0
        for sec in cell.all:
            if sec.name().split(".")[1][:4] == "axon":
                d1 = sec.diam
        for sec in list(cell.axon):
            h.delete_section(sec=sec)
        h.execute("create axon[2]", cell)
        for i, sec in enumerate(cell.axon):
            sec.L = 30
            sec.diam = [d0, d1][i]
            cell.axonal.append(sec=sec)
            cell.all.append(sec=sec)
        cell.axon[0].connect(cell.soma[0], 1.0, 0)
        cell.axon[1].connect(cell.axon[0], 1.0, 0)
        stub = (d0, d1)
    elif mode != "keep":
        raise ValueError("axon mode must be keep, delete, noaxon or stub, not %r" % mode)
    h.define_shape()
    return stub


def parameters(h, cell, paramfile):
    """Applies an all-active parameter file; returns its conditions[0] (celsius, v_init, erev)."""
    P = json.load(open(paramfile))
    smap = {}
    for sec in cell.all:
        smap.setdefault(sec.name().split(".")[1][:4], []).append(sec)
    for sec in cell.all:
        sec.insert("pas")
    pas = P["passive"][0]
    if "ra" in pas:
        for sec in cell.all:
            sec.Ra = pas["ra"]
    for g in P["genome"]:
        for sec in smap.get(g["section"], []):
            if g.get("mechanism", ""):
                sec.insert(g["mechanism"])
            setattr(sec, g["name"], float(g["value"]))
    cond = P["conditions"][0]
    for e in cond["erev"]:
        for sec in smap.get(e["section"], []):
            if h.ismembrane("k_ion", sec=sec):
                sec.ek = e["ek"]
            if h.ismembrane("na_ion", sec=sec):
                sec.ena = e["ena"]
    h.celsius = cond["celsius"]
    return cond


def discretise(cell):
    """nseg = 1 + 2*int(L/40) in every section (BMTK's and BluePyOpt's fixed rule)."""
    for sec in cell.all:
        sec.nseg = 1 + 2 * int(sec.L / 40.0)
