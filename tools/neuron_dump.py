#!/usr/bin/env python3
"""neuron_dump.py: build an all-active cell in NEURON exactly as the reference traces were made
(nrncell.py, docs/reference-data.md: Import3d, axon delete/stub, pas everywhere, genome in order,
ena/ek where the ion is used, nseg = 1 + 2*int(L/40)) and either dump intermediate quantities for
comparison with package sim, or time one trace.

Needs NEURON 8.2 (Debian python3-neuron; run with /usr/bin/python3) and the compiled mechanisms:
--mech DIR names the directory holding x86_64/ (built by nrnivmodl from the mod files of
anastassiou-team/human_cortical_single_neuron_models, docs/reference-data.md); it is
required. NEURON is a reference for
debugging and benchmarks only: noble never needs it.

  neuron_dump.py dump CELLDIR PARAMFILE [--amp 0.3] [--steps 5] [--out dump.json]
      JSON with, for every node in NEURON's section order (cell.all; segment centres, then the
      x = 1 end of each section, and the root x = 0 of soma[0]): section, x, area (um2), ri (MOhm),
      cm, and the voltages of every node after finitialize and after each of the first --steps
      steps (plus soma cai/eca). `go test ./sim -run TestNEURONDump -neuron-dump dump.json`
      compares them with sim, node by node.
  neuron_dump.py run CELLDIR PARAMFILE [--amp 0.3] [--out trace.npy]
      Simulates the NOBLE protocol (dt 0.02 ms, 515 ms, IClamp soma(0.5) 15 -> 415 ms) and prints
      "wall_s cpu_s spikes" for continuerun alone (tools/bench_neuron.sh uses it).
"""
import argparse
import glob
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nrncell  # noqa: E402


def load_neuron(mechdir):
    import neuron
    from neuron import h
    lib = os.path.join(mechdir, "x86_64", ".libs", "libnrnmech.so")
    if not os.path.exists(lib):
        sys.exit(f"neuron_dump.py: no compiled mechanisms at {lib}")
    h.nrn_load_dll(lib)
    return h


def build(h, celldir, paramfile):
    """The reference recipe (nrncell.py, docs/reference-data.md), reading cell.json for the morphology
    and axon treatment."""
    desc = json.load(open(os.path.join(celldir, "cell.json")))
    cell = nrncell.import_cell(h, os.path.join(celldir, desc["morphology"]))
    nrncell.axon(h, cell, desc["axon"])
    cond = nrncell.parameters(h, cell, paramfile)
    nrncell.discretise(cell)
    return cell, cond


def protocol(h, cell, amp, vinit):
    st = h.IClamp(cell.soma[0](0.5))
    st.delay, st.dur, st.amp = 15.0, 400.0, amp
    h.dt = 0.02
    h.steps_per_ms = 50
    h.tstop = 515.0
    h.finitialize(vinit)
    return st


def nodes(h, cell):
    """(section, x, segment-or-None) for every node: centres then x=1 end per section,
    the root (soma[0](0)) last."""
    out = []
    for sec in cell.all:
        name = sec.name().split(".")[1]
        for seg in sec:
            out.append((sec, name, seg.x))
        out.append((sec, name, 1.0))
    out.append((cell.soma[0], cell.soma[0].name().split(".")[1], 0.0))
    return out


def cmd_dump(a):
    h = load_neuron(a.mech)
    cell, cond = build(h, a.celldir, a.paramfile)
    nl = nodes(h, cell)
    rec = {"source": "NEURON " + h.nrnversion(5) + " via tools/neuron_dump.py",
           "param_file": os.path.basename(a.paramfile), "amp": a.amp, "nodes": [], "steps": []}
    for sec, name, x in nl:
        seg = sec(x)
        inner = 0 < x < 1
        rec["nodes"].append({"section": name, "x": x,
                             "area": seg.area() if inner else 0.0,
                             "ri": seg.ri() if x > 0 else 0.0,
                             "cm": seg.cm if inner else 0.0})
    st = protocol(h, cell, a.amp, cond["v_init"])
    soma = cell.soma[0](0.5)

    def snap():
        s = {"t": h.t, "v": [sec(x).v for sec, _, x in nl]}
        if h.ismembrane("ca_ion", sec=cell.soma[0]):
            s["soma_cai"], s["soma_eca"] = soma.cai, soma.eca
        return s

    rec["steps"].append(snap())
    for _ in range(a.steps):
        h.fadvance()
        rec["steps"].append(snap())
    del st
    with open(a.out, "w") as f:
        json.dump(rec, f, indent=1)
    print(f"{a.out}: {len(nl)} nodes, {a.steps} steps")


def cmd_run(a):
    h = load_neuron(a.mech)
    cell, cond = build(h, a.celldir, a.paramfile)
    st = protocol(h, cell, a.amp, cond["v_init"])
    v = h.Vector().record(cell.soma[0](0.5)._ref_v)
    h.finitialize(cond["v_init"])
    w0, c0 = time.perf_counter(), time.process_time()
    h.continuerun(515.0)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    x = list(v)
    spikes = sum(1 for i in range(1, len(x)) if x[i - 1] < -20 <= x[i])
    if a.out:
        import numpy as np
        np.save(a.out, np.array(x, dtype=np.float32))
    print(f"{wall:.3f} {cpu:.3f} {spikes}")
    del st


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mech", required=True, help="directory holding x86_64/ (compiled mechanisms)")
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("dump", "run"):
        s = sub.add_parser(name)
        s.add_argument("celldir")
        s.add_argument("paramfile", help="path, or a file name in CELLDIR's parameter folder")
        s.add_argument("--amp", type=float, default=0.3, help="IClamp amplitude, nA")
        s.add_argument("--out", default="dump.json" if name == "dump" else "")
        if name == "dump":
            s.add_argument("--steps", type=int, default=5)
    a = p.parse_args()
    if not os.path.exists(a.paramfile):
        desc = json.load(open(os.path.join(a.celldir, "cell.json")))
        pdir = os.path.dirname(os.path.join(a.celldir, desc["parameters"]))
        cands = [os.path.join(pdir, a.paramfile), os.path.join(pdir, a.paramfile + ".json")]
        found = [c for c in cands if os.path.exists(c)]
        if not found:
            sys.exit(f"neuron_dump.py: parameter file {a.paramfile} not found")
        a.paramfile = found[0]
    {"dump": cmd_dump, "run": cmd_run}[a.cmd](a)


if __name__ == "__main__":
    main()
