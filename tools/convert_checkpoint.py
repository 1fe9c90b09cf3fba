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
      --i-thr-min 0.05 --i-thr-max 0.4 --s-thr-min 50 --s-thr-max 400 \\
      [--lo 0.5 --hi 3.5] [--dt 0.06 --length 8583 --stim-start 15 --stim-end 415] \\
      [--no-scaling] [--meta KEY=VALUE ...]

The I_thr (nA) and s_thr (Hz/nA) minima and maxima are those over all
hall-of-fame models of the cell (training and test), which the model's inputs
were min-max scaled with; without them (--no-scaling) noble can run the raw
operator (noble predict) but cannot encode new inputs.

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
    ap.add_argument("--dt", type=float, default=0.06, help="sample spacing, ms")
    ap.add_argument("--length", type=int, default=8583, help="samples per trace")
    ap.add_argument("--stim-start", type=float, default=15.0, help="ms")
    ap.add_argument("--stim-end", type=float, default=415.0, help="ms")
    ap.add_argument("--meta", action="append", default=[], metavar="KEY=VALUE", help="extra metadata string")
    a = ap.parse_args()

    sd = rename_old_layout(load_state_dict(a.checkpoint))
    arrays = {k: to_numpy(k, v) for k, v in sd.items()}
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
            raise SystemExit("give --i-thr-min/--i-thr-max/--s-thr-min/--s-thr-max (or --no-scaling)")
        if a.i_thr_max < a.i_thr_min or a.s_thr_max < a.s_thr_min or a.hi < a.lo:
            raise SystemExit("a scaling range is inverted")
        meta["noble.scaling"] = json.dumps({"i_thr": {"min": a.i_thr_min, "max": a.i_thr_max},
                                            "s_thr": {"min": a.s_thr_min, "max": a.s_thr_max},
                                            "lo": a.lo, "hi": a.hi}, separators=(",", ":"))
    for kv in a.meta:
        k, sep, v = kv.partition("=")
        if not sep or k == "format" or k.startswith("noble."):
            raise SystemExit(f"--meta {kv!r}: want KEY=VALUE with a key not reserved")
        meta[k] = v
    noble_torch.write_safetensors(a.out, tensors, meta)
    n = sum(arr.size for _, arr in tensors)
    print(f"wrote {a.out}: {len(tensors)} tensors, {n} parameters, config {cfg}", file=sys.stderr)


if __name__ == "__main__":
    main()
