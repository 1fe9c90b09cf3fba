"""Dump NEURON 8.2.2 mechanism states for mech/ tests (mech/testdata/neuron_cell.*).

A single-compartment soma (L = diam = 20 um, nseg 1, cm 1) holds all 13 mechanisms of the
PVALB models (pas, CaDynamics, Ca_HVA, Ca_LVA, Ih, Im_v2, K_Pst, K_Tst, Kd, Kv2like, Kv3_1, NaV,
SK) with the soma values of the mouse Pvalb HoF model hof_param_318331342_0 (Kd, Kv2like:
its axon values; Im_v2: its dend value; gbar_Ih raised so Ih matters). celsius 34,
ena 53, ek -107 mV, v_init -80 mV, dt 0.025 ms, an IClamp at soma(0.5): -0.05 nA over 2-12 ms,
then +0.6 nA over 15-40 ms, 40 ms in all. Every step (and t = 0 after finitialize) records
v, cai, eca, ica, ina, ik, i_pas, ihcn_Ih and every state of every mechanism.

Run from the directory holding the compiled mechanisms (x86_64/, see docs/reference-data.md),
REPO being this repository:
  cd MECHDIR && /usr/bin/python3 REPO/tools/neuron_mech.py REPO/mech/testdata
Writes OUTDIR/neuron_cell.npy (float64, rows = steps + 1, columns as in
OUTDIR/neuron_cell_columns.txt) and OUTDIR/neuron_cell_params.txt (name value, one a line:
the cell, protocol and parameter values the Go test needs to rebuild the cell).
"""
import os
import sys

import numpy as np
from neuron import h

out = sys.argv[1] if len(sys.argv) > 1 else "."
os.makedirs(out, exist_ok=True)

MECHS = ["pas", "CaDynamics", "Ca_HVA", "Ca_LVA", "Ih", "Im_v2", "K_Pst", "K_Tst", "Kd",
         "Kv2like", "Kv3_1", "NaV", "SK"]
PARAMS = {
    "g_pas": 0.00020434445441, "e_pas": -86.9436721098,
    "gamma_CaDynamics": 0.0433989605817, "decay_CaDynamics": 777.337715549,
    "gbar_Ca_HVA": 0.000963548538947, "gbar_Ca_LVA": 0.00656899645953,
    "gbar_Ih": 5.74409632912e-04, "gbar_Im_v2": 0.00307902690369,
    "gbar_K_Pst": 0.229750652888, "gbar_K_Tst": 0.918218506953,
    "gbar_Kd": 0.00951891867944, "gbar_Kv2like": 0.0932565361158,
    "gbar_Kv3_1": 0.527295934129, "gbar_NaV": 0.0447238847999, "gbar_SK": 4.42179694831e-05,
}
STATES = [
    ("Ca_HVA", ["m", "h"]), ("Ca_LVA", ["m", "h"]), ("Ih", ["m"]), ("Im_v2", ["m"]),
    ("K_Pst", ["m", "h"]), ("K_Tst", ["m", "h"]), ("Kd", ["m", "h"]),
    ("Kv2like", ["m", "h1", "h2"]), ("Kv3_1", ["m"]),
    ("NaV", ["C1", "C2", "C3", "C4", "C5", "O", "I1", "I2", "I3", "I4", "I5", "I6"]), ("SK", ["z"]),
]
CELL = {"L": 20.0, "diam": 20.0, "cm": 1.0, "celsius": 34.0, "ena": 53.0, "ek": -107.0,
        "v_init": -80.0, "dt": 0.025, "tstop": 40.0,
        "stim1_del": 2.0, "stim1_dur": 10.0, "stim1_amp": -0.05,
        "stim2_del": 15.0, "stim2_dur": 25.0, "stim2_amp": 0.6}

soma = h.Section(name="soma")
soma.L, soma.diam, soma.nseg, soma.cm = CELL["L"], CELL["diam"], 1, CELL["cm"]
for m in MECHS:
    soma.insert(m)
for k, v in PARAMS.items():
    setattr(soma, k, v)
soma.ena, soma.ek = CELL["ena"], CELL["ek"]
h.celsius = CELL["celsius"]
seg = soma(0.5)
stims = []
for n in ("stim1", "stim2"):
    st = h.IClamp(seg)
    st.delay, st.dur, st.amp = CELL[n + "_del"], CELL[n + "_dur"], CELL[n + "_amp"]
    stims.append(st)

cols = [("v", seg._ref_v), ("cai", seg._ref_cai), ("eca", seg._ref_eca), ("ica", seg._ref_ica),
        ("ina", seg._ref_ina), ("ik", seg._ref_ik), ("i_pas", seg._ref_i_pas),
        ("ihcn_Ih", seg._ref_ihcn_Ih)]
for mech, names in STATES:
    for s in names:
        cols.append((f"{s}_{mech}", getattr(seg, f"_ref_{s}_{mech}")))
vecs = []
for _, ref in cols:
    vec = h.Vector()
    vec.record(ref)
    vecs.append(vec)

h.dt = CELL["dt"]
h.secondorder = 0
h.finitialize(CELL["v_init"])
nsteps = int(round(CELL["tstop"] / CELL["dt"]))
for _ in range(nsteps):
    h.fadvance()

a = np.ascontiguousarray(np.array([np.array(v) for v in vecs]).T)
assert a.shape == (nsteps + 1, len(cols)), a.shape
np.save(os.path.join(out, "neuron_cell.npy"), a)
with open(os.path.join(out, "neuron_cell_columns.txt"), "w") as f:
    f.write("\n".join(c for c, _ in cols) + "\n")
with open(os.path.join(out, "neuron_cell_params.txt"), "w") as f:
    f.write(f"# NEURON {h.nrnversion(5)}; area {seg.area():.17g} um2\n")
    for k, v in list(CELL.items()) + list(PARAMS.items()):
        f.write(f"{k} {v!r}\n")
vmax = a[:, 0].max()
spikes = int(((a[1:, 0] >= -20) & (a[:-1, 0] < -20)).sum())
print(f"{a.shape} vmin {a[:, 0].min():.2f} vmax {vmax:.2f} spikes {spikes}", file=sys.stderr)
