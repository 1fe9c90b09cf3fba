#!/usr/bin/env python3
"""Convert a PyTorch checkpoint of the NOBLE FNO to a noble model file.

A noble model file is a safetensors file holding the parameters under the
reference state-dict names, complex spectral weights as float32
[in, out, modes, 2] (real, imaginary), and in its metadata (see fno/io.go):

  noble.format    "noble-fno/1"
  noble.config    {"in_channels":23,"width":24,"layers":12,"modes":129,
                   "lifting_channels":48,"projection_channels":96,
                   "mlp_hidden":12,"out_channels":1}   (inferred from shapes)
  noble.protocol  {"dt_ms":0.06,"length":8583,"stim_start_ms":15,
                   "stim_end_ms":415,"current_unit":"0.1nA"}
  noble.scaling   {"i_thr":{"min":..,"max":..},"s_thr":{"min":..,"max":..},
                   "lo":0.5,"hi":3.5}                   (from the flags)

Usage (Debian: apt-get install python3-torch; run with /usr/bin/python3):

  convert_checkpoint.py --checkpoint model.pt --out model.safetensors \\
      (--embeddings TABLE.csv [--cell-id ID] [--test-hof K,K,...] |
       --i-thr-min 0.05 --i-thr-max 0.4 --s-thr-min 50 --s-thr-max 400 | --no-scaling) \\
      [--feature-order slope,intercept] [--amp-min A --amp-max B] \\
      [--lo 0.5 --hi 3.5] [--dt 0.06 --length 8583 --stim-start 15 --stim-end 415] \\
      [--meta KEY=VALUE ...]

A complete model (for noble synth, eval, compare and serve) comes from
--embeddings: NOBLE's published embedding table as it is
(data/e_features/<cell>_ephys_sim_features.csv of neuraloperator/noble:
columns index,cell_type,cell_id,seed,hof,slope,intercept; slope is the F-I
slope s_thr in Hz/nA, intercept the threshold current I_thr in nA) or
"noble fi"'s output (parameters,i_thr_nA,s_thr_hz_per_nA). Its rows give

  - the min-max scaling, over every row, as the reference training fits its
    MinMaxScaler on all the cell's HoF models (training and test):
    noble.scaling;
  - the HoF list (metadata "hof"): model k = (seed-1)*20 + hof of the
    published table is the parameter file seed<S>_hof<HH>.json of the cell
    directory; --test-hof lists the held-out ones (for the published table
    their numbers k, for noble fi's table their row positions from 0, or
    parameter file names), the others are "train". NOBLE's PVALB 689331391
    model held out 32,2,12,40,5,52,21,29,16,37 (inference notebooks).

A table with rows of several cells needs --cell-id. Without --embeddings,
--i-thr-min/--i-thr-max/--s-thr-min/--s-thr-max give the scaling alone (no
HoF list); --no-scaling writes none, so that noble can run the raw operator
(noble predict) but cannot encode new inputs.

Channel order. The reference training (src/training, config
e_features_to_embed: ["slope", "intercept"]; neuron_model_utils.py builds
the embedding channels in that order) puts the slope's NeRF channels before
the intercept's: channels 19-20 s_thr, 21-22 I_thr, as noble's encoder
(package surrogate). --feature-order intercept,slope converts a model
trained with the other order by swapping those input channels of the first
lifting weight (the inference notebook's sampled_models dict lists
intercept first; the trained models do not).

--amp-min/--amp-max record the training amplitudes (nA, metadata
"amp_range"); without them noble assumes [min I_thr - 0.125, max I_thr +
0.26] nA.

Accepted checkpoints: a .safetensors file of the state dict (F32/F64/F16/
BF16, complex weights as C64 or float32 [..., 2]; e.g. from
safetensors.torch.save_file(model.state_dict())), or a torch.save file of a
state dict, or a dict holding one under "model",
"state_dict" or "model_state_dict" (or a whole nn.Module); key prefixes
"module." (DataParallel) and "_orig_mod." (torch.compile) are removed;
non-tensor entries (neuraloperator's "_metadata") are ignored and printed.
Spectral weights may be complex tensors or real [..., 2], named
"fno_blocks.convs.{i}.weight.tensor" (tensorly-torch dense wrapper) or
"fno_blocks.convs.{i}.weight"; the older neuraloperator layout
("fno_blocks.convs.weight.{i}.tensor", a stacked "fno_blocks.convs.bias",
"fno_blocks.mlp.*" and "fno_blocks.mlp_skips.*") is renamed (that mapping was
written from the library's source, not tested on a real old checkpoint).
Every tensor the configuration needs must be present with its exact shape,
and no other tensor may remain: the conversion fails naming the tensor.
"""

import argparse
import json
import os
import re
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import noble_torch  # noqa: E402  (param_shapes, infer_config, write_safetensors)


def load_state_dict(path):
    if path.endswith(".safetensors"):
        arrays, _ = noble_torch.read_safetensors(path)
        obj = {k: torch.from_numpy(v) for k, v in arrays.items()}
    else:
        obj = torch.load(path, map_location="cpu")
    if isinstance(obj, torch.nn.Module):
        obj = obj.state_dict()
    for key in ("model", "state_dict", "model_state_dict"):
        if isinstance(obj, dict) and key in obj and isinstance(obj[key], dict):
            obj = obj[key]
            break
    if not isinstance(obj, dict):
        raise SystemExit(f"{path}: not a state dict (got {type(obj).__name__})")
    sd = {}
    for k, v in obj.items():
        if not torch.is_tensor(v):
            print(f"ignoring non-tensor entry {k!r}: {v!r}"[:300], file=sys.stderr)
            continue
        for pre in ("module.", "_orig_mod."):
            while k.startswith(pre):
                k = k[len(pre):]
        sd[k] = v
    return sd


def rename_old_layout(sd):
    out = {}
    for k, v in sd.items():
        m = re.fullmatch(r"fno_blocks\.convs\.weight\.(\d+)(\.tensor)?", k)
        if m:
            out[f"fno_blocks.convs.{m.group(1)}.weight.tensor"] = v
            continue
        if k == "fno_blocks.convs.bias" and v.dim() >= 2:
            for i in range(v.shape[0]):
                out[f"fno_blocks.convs.{i}.bias"] = v[i].reshape(v.shape[1], 1)
            continue
        k = re.sub(r"^fno_blocks\.mlp\.", "fno_blocks.channel_mlp.", k)
        k = re.sub(r"^fno_blocks\.mlp_skips\.", "fno_blocks.channel_mlp_skips.", k)
        m = re.fullmatch(r"(fno_blocks\.convs\.\d+\.weight)", k)
        if m:
            k = m.group(1) + ".tensor"
        out[k] = v
    return out


def to_numpy(name, v):
    if v.is_complex():
        v = torch.view_as_real(v.resolve_conj())
    return v.detach().to(torch.float32).contiguous().numpy()


def read_embeddings(path, cell_id=None):
    """Rows (name, i_thr, s_thr, k) of an embeddings table; k is the published
    model number (seed-1)*20+hof, or the row position for noble fi's table.
    Errors name the file and line."""
    import csv
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise SystemExit(f"{path}:1: empty embeddings table")
    head = [h.strip() for h in rows[0]]
    col = {h: i for i, h in enumerate(head)}
    published = all(h in col for h in ("seed", "hof", "slope", "intercept"))
    if not published and not all(h in col for h in ("parameters", "i_thr_nA", "s_thr_hz_per_nA")):
        raise SystemExit(f"{path}:1: want NOBLE's published columns seed,hof,slope,intercept "
                         f"or noble fi's parameters,i_thr_nA,s_thr_hz_per_nA; got {head}")

    def num(line, rec, h, integer=False):
        s = rec[col[h]].strip()
        try:
            x = float(s)
        except ValueError:
            raise SystemExit(f"{path}:{line}: {h} {s!r}: not a number")
        if not np.isfinite(x) or (integer and x != int(x)):
            raise SystemExit(f"{path}:{line}: {h} {s!r}: not a finite {'integer' if integer else 'number'}")
        return int(x) if integer else x

    out, cells = [], set()
    for line, rec in enumerate(rows[1:], start=2):
        if not rec:
            continue
        if len(rec) != len(head):
            raise SystemExit(f"{path}:{line}: {len(rec)} fields, want {len(head)}")
        if published:
            cid = rec[col["cell_id"]].strip() if "cell_id" in col else ""
            if cell_id is not None and cid != str(cell_id):
                continue
            cells.add(cid)
            seed, hof = num(line, rec, "seed", True), num(line, rec, "hof", True)
            if seed < 1 or hof < 0:
                raise SystemExit(f"{path}:{line}: seed {seed}, hof {hof}: want seed >= 1, hof >= 0")
            out.append((f"seed{seed}_hof{hof:02d}.json", num(line, rec, "intercept"), num(line, rec, "slope"),
                        (seed - 1) * 20 + hof, line))
        else:
            name = os.path.basename(rec[col["parameters"]].strip())
            if not name.endswith(".json"):
                name += ".json"
            if rec[col["i_thr_nA"]].strip() == "" or rec[col["s_thr_hz_per_nA"]].strip() == "":
                print(f"{path}:{line}: {name} has no embedding: left out", file=sys.stderr)
                continue
            out.append((name, num(line, rec, "i_thr_nA"), num(line, rec, "s_thr_hz_per_nA"), line - 2, line))
    if len(cells) > 1:
        raise SystemExit(f"{path}: rows of {len(cells)} cells ({', '.join(sorted(cells))}): choose one with --cell-id")
    if not out:
        raise SystemExit(f"{path}: no embedding rows" + (f" of cell {cell_id}" if cell_id is not None else ""))
    names = [r[0] for r in out]
    for r in out:
        if names.count(r[0]) > 1:
            raise SystemExit(f"{path}:{r[4]}: model {r[0]} listed twice")
    return out


def hof_meta(rows, test, path):
    """The "hof" metadata: every row, split test if listed in test (model
    numbers or names), else train. An unknown test entry is an error."""
    keys = {}
    for name, _, _, k, _ in rows:
        keys[str(k)] = name
        keys[name] = name
        keys[name[:-len(".json")]] = name
    tset = set()
    for t in test:
        if t not in keys:
            raise SystemExit(f"--test-hof {t!r}: no such model in {path}")
        tset.add(keys[t])
    return [{"name": name, "i_thr": i, "s_thr": s, "split": "test" if name in tset else "train"}
            for name, i, s, _, _ in rows]


def main():
    ap = argparse.ArgumentParser(description="PyTorch NOBLE checkpoint -> noble safetensors model file")
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--i-thr-min", type=float)
    ap.add_argument("--i-thr-max", type=float)
    ap.add_argument("--s-thr-min", type=float)
    ap.add_argument("--s-thr-max", type=float)
    ap.add_argument("--lo", type=float, default=0.5)
    ap.add_argument("--hi", type=float, default=3.5)
    ap.add_argument("--no-scaling", action="store_true", help="write no noble.scaling (raw operator only)")
    ap.add_argument("--embeddings", help="embedding table (NOBLE's published one or noble fi's): scaling and HoF list")
    ap.add_argument("--cell-id", help="the cell's rows of a published table holding several cells")
    ap.add_argument("--test-hof", default="", help="held-out HoF models: comma-separated model numbers k or names")
    ap.add_argument("--feature-order", default="slope,intercept",
                    help="order of the embedded features in the checkpoint's input channels (reference: slope,intercept)")
    ap.add_argument("--amp-min", type=float, help="smallest training amplitude, nA (metadata amp_range)")
    ap.add_argument("--amp-max", type=float, help="largest training amplitude, nA")
    ap.add_argument("--dt", type=float, default=0.06, help="sample spacing, ms")
    ap.add_argument("--length", type=int, default=8583, help="samples per trace")
    ap.add_argument("--stim-start", type=float, default=15.0, help="ms")
    ap.add_argument("--stim-end", type=float, default=415.0, help="ms")
    ap.add_argument("--meta", action="append", default=[], metavar="KEY=VALUE", help="extra metadata string")
    a = ap.parse_args()

    if a.feature_order.replace(" ", "") not in ("slope,intercept", "intercept,slope"):
        raise SystemExit(f"--feature-order {a.feature_order!r}: want slope,intercept or intercept,slope")
    scaling_flags = [a.i_thr_min, a.i_thr_max, a.s_thr_min, a.s_thr_max]
    rows = None
    if a.embeddings:
        if a.no_scaling or any(v is not None for v in scaling_flags):
            raise SystemExit("--embeddings gives the scaling: drop --no-scaling and --i-thr-*/--s-thr-*")
        rows = read_embeddings(a.embeddings, a.cell_id)
        i_thr, s_thr = [r[1] for r in rows], [r[2] for r in rows]
        a.i_thr_min, a.i_thr_max, a.s_thr_min, a.s_thr_max = min(i_thr), max(i_thr), min(s_thr), max(s_thr)
    elif a.test_hof or a.cell_id:
        raise SystemExit("--test-hof and --cell-id need --embeddings")
    if (a.amp_min is None) != (a.amp_max is None):
        raise SystemExit("give both --amp-min and --amp-max, or neither")

    sd = rename_old_layout(load_state_dict(a.checkpoint))
    arrays = {k: to_numpy(k, v) for k, v in sd.items()}
    if a.feature_order.replace(" ", "") == "intercept,slope":
        # noble's encoder: channels 19-20 s_thr, 21-22 I_thr (the reference
        # training's order); swap the checkpoint's two feature blocks.
        w = arrays.get("lifting.fcs.0.weight")
        if w is None or w.shape[1] != 24:
            raise SystemExit(f"{a.checkpoint}: --feature-order needs the 23-channel NOBLE input "
                             f"(lifting.fcs.0.weight [*, 24, 1]), got {None if w is None else list(w.shape)}")
        w = w.copy()
        w[:, [19, 20, 21, 22], :] = w[:, [21, 22, 19, 20], :]
        arrays["lifting.fcs.0.weight"] = w
    try:
        cfg = noble_torch.infer_config(arrays)
    except KeyError as e:
        raise SystemExit(f"{a.checkpoint}: tensor {e} missing: not a NOBLE FNO state dict")
    tensors = []
    for name, shape in noble_torch.param_shapes(cfg):
        if name not in arrays:
            raise SystemExit(f"{a.checkpoint}: tensor {name!r} missing (config {cfg})")
        arr = arrays.pop(name)
        if list(arr.shape) != shape:
            raise SystemExit(f"{a.checkpoint}: tensor {name!r} has shape {list(arr.shape)}, want {shape} (config {cfg})")
        if not np.all(np.isfinite(arr)):
            raise SystemExit(f"{a.checkpoint}: tensor {name!r} has non-finite values")
        tensors.append((name, arr))
    if arrays:
        raise SystemExit(f"{a.checkpoint}: unexpected tensors {sorted(arrays)}")

    meta = noble_torch.config_meta(cfg)
    meta["noble.protocol"] = json.dumps({"dt_ms": a.dt, "length": a.length, "stim_start_ms": a.stim_start,
                                         "stim_end_ms": a.stim_end, "current_unit": "0.1nA"}, separators=(",", ":"))
    if not a.no_scaling:
        vals = [a.i_thr_min, a.i_thr_max, a.s_thr_min, a.s_thr_max]
        if any(v is None for v in vals):
            raise SystemExit("give --embeddings, or --i-thr-min/--i-thr-max/--s-thr-min/--s-thr-max, or --no-scaling")
        if a.i_thr_max < a.i_thr_min or a.s_thr_max < a.s_thr_min or a.hi < a.lo:
            raise SystemExit("a scaling range is inverted")
        meta["noble.scaling"] = json.dumps({"i_thr": {"min": a.i_thr_min, "max": a.i_thr_max},
                                            "s_thr": {"min": a.s_thr_min, "max": a.s_thr_max},
                                            "lo": a.lo, "hi": a.hi}, separators=(",", ":"))
    if rows is not None:
        test = [t.strip() for t in a.test_hof.split(",") if t.strip()]
        meta["hof"] = json.dumps(hof_meta(rows, test, a.embeddings), separators=(",", ":"))
    if a.amp_min is not None:
        if not (np.isfinite(a.amp_min) and np.isfinite(a.amp_max) and a.amp_min <= a.amp_max):
            raise SystemExit(f"--amp-min {a.amp_min} --amp-max {a.amp_max}: not a finite range")
        meta["amp_range"] = json.dumps({"min": a.amp_min, "max": a.amp_max}, separators=(",", ":"))
    for kv in a.meta:
        k, sep, v = kv.partition("=")
        if not sep or k in ("format", "hof", "amp_range") or k.startswith("noble."):
            raise SystemExit(f"--meta {kv!r}: want KEY=VALUE with a key not reserved")
        meta[k] = v
    noble_torch.write_safetensors(a.out, tensors, meta)
    n = sum(arr.size for _, arr in tensors)
    print(f"wrote {a.out}: {len(tensors)} tensors, {n} parameters, config {cfg}", file=sys.stderr)


if __name__ == "__main__":
    main()
