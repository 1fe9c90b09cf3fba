#!/usr/bin/env python3
"""Independent PyTorch implementation of the NOBLE neural operator, and the
generator of the golden files that package fno is tested against.

Written from docs/noble-model.md (the specification of the model in this
repository), NOT from the neuraloperator library, so that the Go engine and
this script are two independent readings of the same specification:

  input [B, 23, L] -> append grid linspace(0, 1, L+1)[:-1] -> [B, 24, L]
  lifting: 1x1 conv 24->48 (bias), GELU, 1x1 conv 48->24 (bias)
  12 Fourier layers i (width 24, post-activation):
      skip_fno = W_skip x                      (1x1, no bias)
      skip_mlp = w_gate * x                    (soft gating, [1, W, 1])
      spec = irfft(W_spec . rfft(x)[:m], n=L, norm="forward") + b_spec
             (imag of mode 0, and of the Nyquist mode when L is even, zeroed;
              m = min(modes, L//2+1); W_spec complex [in, out, modes])
      x = spec + skip_fno; GELU unless last
      x = fc1(GELU(fc0(x))) + skip_mlp; GELU unless last
  projection: 1x1 conv 24->96 (bias), GELU, 1x1 conv 96->1 (bias)
  GELU is the exact erf form. Loss: relative Lp summed over the batch.

  Option group_norm (noble.config "group_norm": true; fno.Config.GroupNorm),
  neuraloperator's norm="group_norm": two GroupNorm(1, W) per layer,
  F.group_norm with eps 1e-5 and affine weight/bias [W] named
  fno_blocks.norm.{2i,2i+1}.{weight,bias} (after the soft gates in the
  state dict):
      x = norm_{2i}(spec) + skip_fno; GELU unless last
      x = norm_{2i+1}(fc1(GELU(fc0(x))) + skip_mlp); GELU unless last

Parameters are held by their PyTorch state-dict names (lifting.fcs.0.weight,
fno_blocks.convs.3.weight.tensor, ...); complex spectral weights are stored as
real tensors [in, out, modes, 2] (real, imaginary), as the model files of
noble do. The computation runs in float64 (weights and inputs are float32
values), so the golden outputs are the exact result of the float32 weights
to float64 precision.

Usage (Debian: apt-get install python3-torch; run with /usr/bin/python3):

  noble_torch.py --golden OUTDIR
      Writes the golden files of fno/golden_test.go into OUTDIR (normally
      fno/testdata): for a small configuration with seeded weights
      golden_small.safetensors, and for each length L in 64, 63, 32 (batch 2)
      golden_small_L{L}_x.npy (input, float32 [2, 23, L]),
      golden_small_L{L}_y.npy (target, float32 [2, 1, L]),
      golden_small_L{L}_out.npy (output, float64 [2, 1, L]) and
      golden_small_L{L}_grad.safetensors (gradient of the relative L4 loss
      w.r.t. every parameter, F32, metadata "loss" = the loss as %.17g).
      The small configuration keeps 20 modes, so L = 64 and 63 truncate the
      spectrum and L = 32 keeps all 17 modes including the Nyquist mode.

  noble_torch.py --eval --weights W.safetensors --input X.npy --out Y.npy
                 [--target T.npy --grad G.safetensors] [--p 4]
      Evaluates a model file written by noble (configuration from its
      metadata "noble.config", or inferred from the tensor shapes) on X
      ([B, 23, L] float32), writes the output as float64 npy, and with a
      target the relative Lp loss gradient as an F32 safetensors file. Used by
      the default-configuration golden test, which generates its data on the
      fly because the full model's files are too large to commit, and by the
      GroupNorm golden test.

  noble_torch.py --bench [--batch 1,8,64] [--threads 2] [--group-norm]
      Times this implementation on the default configuration at L = 8583 in
      float32 (the speed reference of the issue): forward per trace without
      autograd, and a training step (forward, relative L4 loss, backward) per
      trace; prints one line per batch size. Meaningful only on an idle
      machine (measure with nothing else running).

  noble_torch.py --featloss IN.json --out OUT.json
      Evaluates the fine-tuning feature losses of package featloss with torch
      autograd in float64, written from the reference definitions (NOBLE's
      neuro/differentiable_sagamplitude.py, differentiable_ap1width.py of
      commit 298bba3, neuro_losses.py, engine/noble_finetune.py) and from
      featloss's documented spike count and van Rossum timing terms. IN holds
      the settings, the spec [[name, weight], ...], the stimulus, target and
      predicted traces (mV, [B][L]) and what needs eFEL (AP1 thresholds and
      widths, Spikecount of the targets); OUT gets each trace's combined loss,
      each feature's predicted and target values, and the gradient of the
      batch loss w.r.t. the predictions ([B][L]). Used by featloss's
      TestTorchReference.

Tested with torch 1.13 (Debian bookworm python3-torch) and numpy 1.24.
"""

import argparse
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

CONFIG_KEYS = ["in_channels", "width", "layers", "modes", "lifting_channels",
               "projection_channels", "mlp_hidden", "out_channels"]

DEFAULT_CONFIG = dict(in_channels=23, width=24, layers=12, modes=129, lifting_channels=48,
                      projection_channels=96, mlp_hidden=12, out_channels=1)

SMALL_CONFIG = dict(in_channels=23, width=6, layers=3, modes=20, lifting_channels=8,
                    projection_channels=10, mlp_hidden=3, out_channels=1)


# ---------------------------------------------------------------- safetensors

def write_safetensors(path, tensors, metadata=None):
    """Writes an F32 safetensors file; tensors is a list of (name, array)."""
    header = {}
    if metadata is not None:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    off = 0
    blobs = []
    for name, arr in tensors:
        a = np.ascontiguousarray(np.asarray(arr, dtype="<f4"))
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        off += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def read_safetensors(path):
    """Reads F32/F64/F16/BF16/C64 tensors (C64 as float32 [..., 2]); returns (dict name->float32 array, metadata)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    if n > 100_000_000 or 8 + n > len(data):
        raise ValueError(f"{path}: bad header length {n}")
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", None) or {}
    body = data[8 + n:]
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        raw = body[b:e]
        dt = info["dtype"]
        if dt == "F32":
            a = np.frombuffer(raw, dtype="<f4")
        elif dt == "F64":
            a = np.frombuffer(raw, dtype="<f8").astype(np.float32)
        elif dt == "F16":
            a = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        elif dt == "BF16":
            a = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        elif dt == "C64":  # complex64 -> float32 [..., 2] (real, imaginary)
            out[name] = np.frombuffer(raw, dtype="<f4").reshape(list(info["shape"]) + [2]).copy()
            continue
        else:
            raise ValueError(f"{path}: tensor {name}: unsupported dtype {dt}")
        out[name] = a.reshape(info["shape"]).copy()
    return out, meta


# ---------------------------------------------------------------------- model

def param_shapes(cfg):
    """State-dict names and shapes, in the reference's order."""
    W, Mh = cfg["width"], cfg["mlp_hidden"]
    s = [("lifting.fcs.0.weight", [cfg["lifting_channels"], cfg["in_channels"] + 1, 1]),
         ("lifting.fcs.0.bias", [cfg["lifting_channels"]]),
         ("lifting.fcs.1.weight", [W, cfg["lifting_channels"], 1]),
         ("lifting.fcs.1.bias", [W])]
    for i in range(cfg["layers"]):
        s += [(f"fno_blocks.convs.{i}.weight.tensor", [W, W, cfg["modes"], 2]),
              (f"fno_blocks.convs.{i}.bias", [W, 1])]
    for i in range(cfg["layers"]):
        s += [(f"fno_blocks.fno_skips.{i}.conv.weight", [W, W, 1])]
    for i in range(cfg["layers"]):
        s += [(f"fno_blocks.channel_mlp.{i}.fcs.0.weight", [Mh, W, 1]),
              (f"fno_blocks.channel_mlp.{i}.fcs.0.bias", [Mh]),
              (f"fno_blocks.channel_mlp.{i}.fcs.1.weight", [W, Mh, 1]),
              (f"fno_blocks.channel_mlp.{i}.fcs.1.bias", [W])]
    for i in range(cfg["layers"]):
        s += [(f"fno_blocks.channel_mlp_skips.{i}.weight", [1, W, 1])]
    if cfg.get("group_norm"):
        for j in range(2 * cfg["layers"]):
            s += [(f"fno_blocks.norm.{j}.weight", [W]), (f"fno_blocks.norm.{j}.bias", [W])]
    s += [("projection.fcs.0.weight", [cfg["projection_channels"], W, 1]),
          ("projection.fcs.0.bias", [cfg["projection_channels"]]),
          ("projection.fcs.1.weight", [cfg["out_channels"], cfg["projection_channels"], 1]),
          ("projection.fcs.1.bias", [cfg["out_channels"]])]
    return s


def init_params(cfg, seed, random_gates=False):
    """The published initialisation (spec): 1x1 convs as torch's Conv1d default
    (uniform +-1/sqrt(fan_in) for weight and bias), spectral weights complex
    normal with std sqrt(2/(in+out)) (each part std sqrt(1/(in+out))), spectral
    bias normal with the same std, gates 1 (or U(0.5, 1.5) with random_gates,
    so that a test is sensitive to them), GroupNorm weights 1 and biases 0.
    Returned as float32 numpy arrays."""
    g = torch.Generator().manual_seed(seed)
    W = cfg["width"]
    std = math.sqrt(2.0 / (W + W))
    out = []
    for name, shape in param_shapes(cfg):
        if name.endswith("weight.tensor"):
            t = torch.randn(shape, generator=g, dtype=torch.float64) * (std / math.sqrt(2))
        elif ".convs." in name:  # spectral bias
            t = torch.randn(shape, generator=g, dtype=torch.float64) * std
        elif ".norm." in name:
            t = torch.ones(shape, dtype=torch.float64) if name.endswith(".weight") \
                else torch.zeros(shape, dtype=torch.float64)
        elif "channel_mlp_skips" in name:
            if random_gates:
                t = 0.5 + torch.rand(shape, generator=g, dtype=torch.float64)
            else:
                t = torch.ones(shape, dtype=torch.float64)
        else:
            wshape = dict(param_shapes(cfg))[name.replace(".bias", ".weight")]
            fan_in = wshape[1] * wshape[2]
            bound = 1.0 / math.sqrt(fan_in)
            t = (torch.rand(shape, generator=g, dtype=torch.float64) * 2 - 1) * bound
        out.append((name, t.numpy().astype(np.float32)))
    return out


def infer_config(params):
    """Config from tensor shapes (for files without noble.config)."""
    layers = 0
    while f"fno_blocks.convs.{layers}.bias" in params:
        layers += 1
    w = params["fno_blocks.convs.0.weight.tensor"] if "fno_blocks.convs.0.weight.tensor" in params \
        else params["fno_blocks.convs.0.weight"]
    return dict(in_channels=params["lifting.fcs.0.weight"].shape[1] - 1,
                width=w.shape[0], layers=layers, modes=w.shape[2],
                lifting_channels=params["lifting.fcs.0.weight"].shape[0],
                projection_channels=params["projection.fcs.0.weight"].shape[0],
                mlp_hidden=params["fno_blocks.channel_mlp.0.fcs.0.weight"].shape[0],
                out_channels=params["projection.fcs.1.weight"].shape[0],
                group_norm="fno_blocks.norm.0.weight" in params)


def conv1x1(x, w, b=None):
    y = torch.einsum("oi,bil->bol", w[:, :, 0], x)
    if b is not None:
        y = y + b[None, :, None]
    return y


def gelu(x):
    return F.gelu(x)  # exact erf form (approximate='none')


def spectral(x, wri, bias, modes):
    B, C, L = x.shape
    nf = L // 2 + 1
    m = min(modes, nf)
    xf = torch.fft.rfft(x, dim=-1, norm="forward")
    w = torch.view_as_complex(wri[:, :, :m, :].contiguous())
    o = torch.einsum("bix,iox->box", xf[..., :m], w)
    if m < nf:
        o = torch.cat([o, torch.zeros(B, w.shape[1], nf - m, dtype=o.dtype)], dim=-1)
    mask = torch.ones(nf, dtype=x.dtype)
    mask[0] = 0
    if L % 2 == 0:
        mask[-1] = 0
    o = torch.complex(o.real, o.imag * mask)
    return torch.fft.irfft(o, n=L, dim=-1, norm="forward") + bias[None]


def group_norm(x, P, j):
    """GroupNorm with one group: per sample, mean and biased variance over
    all channels and positions, eps 1e-5, per-channel affine."""
    return F.group_norm(x, 1, P[f"fno_blocks.norm.{j}.weight"], P[f"fno_blocks.norm.{j}.bias"], eps=1e-5)


def forward(P, cfg, x):
    B, C, L = x.shape
    gn = cfg.get("group_norm", False)
    grid = torch.linspace(0, 1, L + 1, dtype=torch.float32)[:-1].to(x.dtype)
    x = torch.cat([x, grid[None, None, :].expand(B, 1, L)], dim=1)
    x = conv1x1(x, P["lifting.fcs.0.weight"], P["lifting.fcs.0.bias"])
    x = conv1x1(gelu(x), P["lifting.fcs.1.weight"], P["lifting.fcs.1.bias"])
    n = cfg["layers"]
    for i in range(n):
        b = "fno_blocks."
        skip_fno = conv1x1(x, P[f"{b}fno_skips.{i}.conv.weight"])
        skip_mlp = P[f"{b}channel_mlp_skips.{i}.weight"] * x
        spec = spectral(x, P[f"{b}convs.{i}.weight.tensor"], P[f"{b}convs.{i}.bias"], cfg["modes"])
        if gn:
            spec = group_norm(spec, P, 2 * i)
        x = spec + skip_fno
        if i < n - 1:
            x = gelu(x)
        h = conv1x1(x, P[f"{b}channel_mlp.{i}.fcs.0.weight"], P[f"{b}channel_mlp.{i}.fcs.0.bias"])
        h = conv1x1(gelu(h), P[f"{b}channel_mlp.{i}.fcs.1.weight"], P[f"{b}channel_mlp.{i}.fcs.1.bias"])
        x = h + skip_mlp
        if gn:
            x = group_norm(x, P, 2 * i + 1)
        if i < n - 1:
            x = gelu(x)
    x = conv1x1(x, P["projection.fcs.0.weight"], P["projection.fcs.0.bias"])
    return conv1x1(gelu(x), P["projection.fcs.1.weight"], P["projection.fcs.1.bias"])


def rel_lp_loss(yhat, y, p):
    B = y.shape[0]
    d = (yhat - y).reshape(B, -1)
    yy = y.reshape(B, -1)
    return (d.abs().pow(p).sum(1).pow(1.0 / p) / yy.abs().pow(p).sum(1).pow(1.0 / p)).sum()


def evaluate(params, cfg, x, y=None, p=4):
    """Returns (output float64 numpy, loss, {name: grad float64 numpy})."""
    P = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    if "fno_blocks.convs.0.weight" in P:  # bare name: alias
        for i in range(cfg["layers"]):
            P[f"fno_blocks.convs.{i}.weight.tensor"] = P.pop(f"fno_blocks.convs.{i}.weight")
    xt = torch.tensor(x, dtype=torch.float64)
    out = forward(P, cfg, xt)
    if y is None:
        return out.detach().numpy(), None, None
    loss = rel_lp_loss(out, torch.tensor(y, dtype=torch.float64), p)
    loss.backward()
    return out.detach().numpy(), loss.item(), {k: v.grad.numpy() for k, v in P.items()}


def config_meta(cfg):
    c = {k: cfg[k] for k in CONFIG_KEYS}
    if cfg.get("group_norm"):
        c["group_norm"] = True
    return {"format": "pt", "noble.format": "noble-fno/1",
            "noble.config": json.dumps(c, separators=(",", ":"))}


def golden(outdir):
    os.makedirs(outdir, exist_ok=True)
    cfg = SMALL_CONFIG
    params = init_params(cfg, seed=20250604, random_gates=True)
    write_safetensors(os.path.join(outdir, "golden_small.safetensors"), params, config_meta(cfg))
    pd = dict(params)
    g = torch.Generator().manual_seed(7)
    for L in (64, 63, 32):
        x = torch.randn(2, cfg["in_channels"], L, generator=g, dtype=torch.float64).numpy().astype(np.float32)
        y = (-0.065 + 0.02 * torch.randn(2, cfg["out_channels"], L, generator=g, dtype=torch.float64)).numpy().astype(np.float32)
        out, loss, grads = evaluate(pd, cfg, x, y, p=4)
        base = os.path.join(outdir, f"golden_small_L{L}")
        np.save(base + "_x.npy", x)
        np.save(base + "_y.npy", y)
        np.save(base + "_out.npy", out.astype(np.float64))
        write_safetensors(base + "_grad.safetensors", [(n, grads[n]) for n, _ in params],
                          {"loss": "%.17g" % loss, "p": "4", "torch": torch.__version__})
        print(f"L={L}: loss {loss:.17g}, |out| {np.linalg.norm(out):.6g}", file=sys.stderr)


def bench(batches, threads, gn=False):
    import time
    torch.set_num_threads(threads)
    cfg = dict(DEFAULT_CONFIG, group_norm=gn)
    L = 8583
    params = init_params(cfg, seed=0)
    P = {k: torch.tensor(v, requires_grad=True) for k, v in params}
    for B in batches:
        x = torch.randn(B, cfg["in_channels"], L)
        y = -0.065 + 0.01 * torch.randn(B, 1, L)
        # Wall and process CPU time per trace: on a shared machine the CPU
        # time is the fair comparison.
        with torch.no_grad():
            forward(P, cfg, x)  # warm-up
            n, t0, c0 = 0, time.perf_counter(), time.process_time()
            while n < 3 or time.perf_counter() - t0 < 2:
                forward(P, cfg, x)
                n += 1
            fwd = (time.perf_counter() - t0) / n / B
            fwdc = (time.process_time() - c0) / n / B
        n, t0, c0 = 0, time.perf_counter(), time.process_time()
        while n < 2 or time.perf_counter() - t0 < 2:
            for v in P.values():
                v.grad = None
            rel_lp_loss(forward(P, cfg, x), y, 4).backward()
            n += 1
        step = (time.perf_counter() - t0) / n / B
        stepc = (time.process_time() - c0) / n / B
        print(f"torch {torch.__version__} threads {threads}{' group_norm' if gn else ''} batch {B}: forward {fwd*1e3:.1f} ms/trace "
              f"({fwdc*1e3:.1f} CPU), training step {step*1e3:.1f} ms/trace ({stepc*1e3:.1f} CPU)")


# ---------------------------------------------------------------------------
# Feature losses of the fine-tuning stage (package featloss).

def fl_stimulus_window(stim):
    """First and last non-zero samples of each row; 0 and T-1 when all zero."""
    nz = stim != 0
    T = stim.shape[1]
    first = nz.double().argmax(dim=1)
    last = T - 1 - torch.flip(nz, dims=[1]).double().argmax(dim=1)
    none = ~nz.any(dim=1)
    first[none] = 0
    last[none] = T - 1
    return first, last


def fl_sag(v, stim, dt, temperature):
    """Soft sag: mean over the last 10 % of the step minus a softmin over it.

    Time axis t_i = i*dt and stimulus times first*dt, last*dt (featloss's
    NewWindow; the reference's linspace(0, 515, L) differs from it by
    0.0009 %, see featloss.ReferenceWindow)."""
    B, T = v.shape
    first, last = fl_stimulus_window(stim)
    t = (torch.arange(T, dtype=torch.float64) * dt).unsqueeze(0).expand(B, -1)
    # float64 explicitly: long * float would give float32 stimulus times (as
    # in the reference, whose time axis is float32 too), which would drop the
    # last stimulus sample from t <= t1.
    t0, t1 = (first.double() * dt).unsqueeze(1), (last.double() * dt).unsqueeze(1)
    begin = t1 - 0.1 * (t1 - t0)
    steady_mask = ((t >= begin) & (t < t1)).double()
    steady = (v * steady_mask).sum(1) / steady_mask.sum(1).clamp(min=1.0)
    inside = (t >= t0) & (t <= t1)
    weights = F.softmax(-temperature * (v + (~inside).double() * 1e6), dim=1)
    return steady - (weights * v).sum(1)


def fl_ap1_width(v, thr, k, dt):
    """Soft AP1 width of commit 298bba3: first soft up- and down-crossings of
    the (detached) per-trace threshold, sub-sample times with the step dv
    detached, width relu(t_down - t_up)*dt where both crossings exist."""
    B, T = v.shape
    thr = thr.unsqueeze(1)
    above = torch.sigmoid(k * (v - thr))
    step = above[:, 1:] - above[:, :-1]
    rise, fall = torch.relu(step), torch.relu(-step)
    first_rise = rise * torch.sigmoid(-k * (torch.cumsum(rise, dim=1) - 1.5))
    first_fall = fall * torch.sigmoid(-k * (torch.cumsum(fall, dim=1) - 1.5))
    v0 = v[:, :-1]
    dv = (v[:, 1:] - v0).detach()
    used = (first_rise + first_fall) > 0
    slope_inv = torch.zeros_like(dv)
    slope_inv[used] = torch.sign(dv[used]) / dv[used].abs().clamp(min=1e-4)
    frac_raw = (thr - v0) * slope_inv
    frac = torch.zeros_like(frac_raw)
    frac[used] = frac_raw[used].clamp(0.0, 1.0)
    times = torch.arange(T - 1, dtype=torch.float64).unsqueeze(0) + frac
    n_rise, n_fall = first_rise.sum(1), first_fall.sum(1)
    t_up = (first_rise * times).sum(1) / (n_rise + 1e-9)
    t_down = (first_fall * times).sum(1) / (n_fall + 1e-9)
    both = ((n_rise > 0) & (n_fall > 0)).double()
    return torch.relu(t_down - t_up) * both * dt


def fl_soft_mass(v, thr, k):
    """Soft spike mass at each sample: relu of the rise of sigmoid(k(v-thr))
    from the previous sample (0 at sample 0)."""
    above = torch.sigmoid(k * (v - thr))
    return F.pad(torch.relu(above[:, 1:] - above[:, :-1]), (1, 0))


def fl_spike_count(v, thr, k):
    return fl_soft_mass(v, thr, k).sum(1)


def fl_target_spikes(v, thr):
    """Samples of eFEL-paired upward crossings (v[i-1] < thr < v[i])."""
    ups, downs = [], []
    for i in range(1, len(v)):
        if v[i] > thr and v[i - 1] < thr:
            ups.append(i)
        elif v[i] < thr and v[i - 1] > thr:
            downs.append(i)
    while downs and ups and downs[0] < ups[0]:
        downs.pop(0)
    # eFEL pairs the k-th up with the k-th down; a pair whose down comes
    # first (possible with samples exactly at thr) has no peak.
    return [u for u, d in zip(ups, downs) if u <= d]


def fl_filter(x, alpha):
    """Causal exponential filter y_i = sum_{j<=i} alpha^(i-j) x_j, as one
    full-length convolution (exact, no truncation)."""
    B, T = x.shape
    kernel = alpha ** torch.arange(T, dtype=torch.float64)
    y = F.conv1d(F.pad(x, (T - 1, 0)).unsqueeze(1), torch.flip(kernel, [0]).view(1, 1, T))
    return y.squeeze(1)


def fl_van_rossum(v, target_trains, thr, k, dt, tau):
    """(dt/tau) sum_i (filtered soft train - filtered target train)^2 per
    trace, and the same for an empty train (the relative denominator)."""
    alpha = math.exp(-dt / tau)
    pred = fl_filter(fl_soft_mass(v, thr, k), alpha)
    tgt = fl_filter(target_trains, alpha)
    return dt / tau * ((pred - tgt) ** 2).sum(1), dt / tau * (tgt ** 2).sum(1)


def featloss(cfg):
    dt, absolute = cfg["dt"], cfg["absolute"]
    stim = torch.tensor(cfg["stimulus"], dtype=torch.float64)
    target = torch.tensor(cfg["target"], dtype=torch.float64)
    pred = torch.tensor(cfg["pred"], dtype=torch.float64, requires_grad=True)
    B, T = pred.shape
    per_trace = torch.zeros(B, dtype=torch.float64)
    values, targets = {}, {}
    for name, weight in cfg["spec"]:
        if name == "spike_timing":
            trains = torch.zeros(B, T, dtype=torch.float64)
            for b in range(B):
                for i in fl_target_spikes(target[b].tolist(), cfg["count_threshold"]):
                    trains[b, i] += 1
            dist, empty = fl_van_rossum(pred, trains, cfg["count_threshold"], cfg["count_sharpness"], dt, cfg["timing_tau"])
            terms = dist if absolute else dist / (empty.sum() + 1e-8)
            f_pred, f_true = dist, trains.sum(1)
        else:
            if name == "sag_amplitude":
                f_pred = fl_sag(pred, stim, dt, cfg["sag_temperature"])
                f_true = fl_sag(target, stim, dt, cfg["sag_temperature"])
            elif name == "AP1_width":
                thr = torch.tensor(cfg["ap1_threshold"], dtype=torch.float64)
                f_pred = fl_ap1_width(pred, thr, cfg["width_sharpness"], dt)
                f_true = torch.tensor(cfg["ap1_target"], dtype=torch.float64)
            elif name == "spike_count":
                f_pred = fl_spike_count(pred, cfg["count_threshold"], cfg["count_sharpness"])
                f_true = torch.tensor(cfg["count_target"], dtype=torch.float64)
            else:
                raise ValueError("unknown feature " + name)
            sq = (f_pred - f_true) ** 2
            terms = sq if absolute else sq / ((f_true ** 2).sum() + 1e-8)
        per_trace = per_trace + weight * terms
        values[name] = f_pred.detach().tolist()
        targets[name] = f_true.detach().tolist()
    per_trace.sum().backward()
    return {"loss": per_trace.detach().tolist(), "pred_values": values, "target_values": targets,
            "grad": pred.grad.tolist()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--golden", metavar="OUTDIR")
    ap.add_argument("--eval", action="store_true")
    ap.add_argument("--weights")
    ap.add_argument("--input")
    ap.add_argument("--out")
    ap.add_argument("--target")
    ap.add_argument("--grad")
    ap.add_argument("--p", type=int, default=4)
    ap.add_argument("--bench", action="store_true")
    ap.add_argument("--batch", default="1,8,64", help="--bench batch sizes")
    ap.add_argument("--threads", type=int, default=2, help="--bench torch threads")
    ap.add_argument("--group-norm", action="store_true", help="--bench with two GroupNorms per layer")
    ap.add_argument("--featloss", metavar="IN.json", help="feature losses of package featloss")
    a = ap.parse_args()
    if a.featloss:
        if not a.out:
            ap.error("--featloss needs --out OUT.json")
        torch.set_num_threads(1)
        with open(a.featloss) as f:
            res = featloss(json.load(f))
        with open(a.out, "w") as f:
            json.dump(res, f)
        return
    if a.bench:
        bench([int(b) for b in a.batch.split(",")], a.threads, a.group_norm)
        return
    torch.set_num_threads(1)
    if a.golden:
        golden(a.golden)
        return
    if not a.eval or not (a.weights and a.input and a.out):
        ap.error("give --golden OUTDIR, or --eval --weights W --input X --out Y")
    params, meta = read_safetensors(a.weights)
    cfg = json.loads(meta["noble.config"]) if "noble.config" in meta else infer_config(params)
    x = np.load(a.input)
    y = np.load(a.target) if a.target else None
    out, loss, grads = evaluate(params, cfg, x, y, a.p)
    np.save(a.out, out.astype(np.float64))
    if grads is not None and a.grad:
        write_safetensors(a.grad, [(n, grads[n]) for n in sorted(grads)], {"loss": "%.17g" % loss, "p": str(a.p)})


if __name__ == "__main__":
    main()
