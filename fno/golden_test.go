package fno

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/internal/npy"
	"github.com/noble-neuro/noble/internal/safetensors"
	"github.com/noble-neuro/noble/internal/testutil"
	"github.com/noble-neuro/noble/surrogate"
)

// The golden files in testdata/golden_small* were written by
// tools/noble_torch.py --golden fno/testdata (torch 1.13, Debian bookworm
// python3-torch; numpy 1.24), an independent PyTorch implementation of
// docs/noble-model.md that computes in float64 from the float32 weights and
// inputs. See testdata/README.md.
//
// Tolerance: the Go model runs in float32 (ε = 6e-8) through ~12 layers of
// sums over ≤ 129 modes and ≤ 96 channels; the accumulated relative error of
// the output and of the gradients is ~1e-6, so 1e-5 (the bar) has
// margin without hiding an error of the model (a wrong sign, mode or
// activation gives errors of order 1).
const goldenTol = 1e-5

// relErr returns ‖a − b‖₂ / ‖b‖₂ in float64 (‖a − b‖₂ when b = 0).
func relErr(a []float32, b []float64) float64 {
	var num, den float64
	for i := range a {
		d := float64(a[i]) - b[i]
		num += d * d
		den += b[i] * b[i]
	}
	if den == 0 {
		return math.Sqrt(num)
	}
	return math.Sqrt(num / den)
}

func to64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// checkAgainst runs forward, loss and backward on m and compares with the
// reference output (float64), loss and gradients.
func checkAgainst(t *testing.T, m *Model, x, y []float32, batch, length int, wantOut []float64, wantLoss float64, wantGrad []safetensors.Tensor) {
	t.Helper()
	out := m.Forward(nil, x, batch, length)
	if e := relErr(out, wantOut); e > goldenTol || math.IsNaN(e) {
		t.Errorf("Forward: relative error %.3g, want ≤ %g", e, goldenTol)
	} else {
		t.Logf("Forward: relative error %.3g", e)
	}
	m.ZeroGrad()
	out = m.ForwardTrain(nil, x, batch, length)
	loss, dy := RelLpLoss(nil, 4, out, y, batch, m.Config().OutChannels*length)
	if e := math.Abs(loss-wantLoss) / math.Abs(wantLoss); e > goldenTol || math.IsNaN(e) {
		t.Errorf("RelLpLoss = %.9g, want %.9g (relative error %.3g)", loss, wantLoss, e)
	}
	m.Backward(dy)
	byName := map[string]Tensor{}
	for _, g := range m.GradStateDict() {
		byName[g.Name] = g
	}
	if len(wantGrad) != len(byName) {
		t.Errorf("reference has %d gradient tensors, model %d", len(wantGrad), len(byName))
	}
	worst, worstName := 0.0, ""
	for _, w := range wantGrad {
		g, ok := byName[w.Name]
		if !ok {
			t.Errorf("gradient %q: not in GradStateDict", w.Name)
			continue
		}
		if len(g.Data) != len(w.Data) {
			t.Errorf("gradient %q: %d values, reference %d", w.Name, len(g.Data), len(w.Data))
			continue
		}
		e := relErr(g.Data, to64(w.Data))
		if e > goldenTol || math.IsNaN(e) {
			t.Errorf("gradient %q: relative error %.3g, want ≤ %g", w.Name, e, goldenTol)
		}
		if e > worst {
			worst, worstName = e, w.Name
		}
	}
	t.Logf("gradients: max relative error %.3g (%s)", worst, worstName)
}

func TestGoldenSmall(t *testing.T) {
	t.Parallel()
	m, meta, err := LoadFile(filepath.Join("testdata", "golden_small.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if meta.Protocol != nil || meta.Scaling != nil {
		t.Errorf("golden model has unexpected metadata %+v", meta)
	}
	for _, length := range []int{64, 63, 32} {
		t.Run(fmt.Sprintf("L%d", length), func(t *testing.T) {
			base := filepath.Join("testdata", fmt.Sprintf("golden_small_L%d", length))
			x, err := npy.ReadFile(base + "_x.npy")
			if err != nil {
				t.Fatal(err)
			}
			y, err := npy.ReadFile(base + "_y.npy")
			if err != nil {
				t.Fatal(err)
			}
			out, err := npy.ReadFile(base + "_out.npy")
			if err != nil {
				t.Fatal(err)
			}
			grads, gmeta, err := safetensors.ReadFile(base + "_grad.safetensors")
			if err != nil {
				t.Fatal(err)
			}
			loss, err := strconv.ParseFloat(gmeta["loss"], 64)
			if err != nil {
				t.Fatalf("loss metadata: %v", err)
			}
			batch := x.Shape[0]
			if x.Shape[2] != length || out.F64 == nil {
				t.Fatalf("golden shapes: x %v, out %v (float64: %v)", x.Shape, out.Shape, out.F64 != nil)
			}
			checkAgainst(t, m, x.F32, y.F32, batch, length, out.F64, loss, grads)
		})
	}
	// Negative control: the comparison must notice a 1 % change of one
	// soft gate of the middle layer.
	sd := m.StateDict()
	for i := range sd {
		if sd[i].Name == "fno_blocks.channel_mlp_skips.1.weight" {
			sd[i].Data[0] *= 1.01
		}
	}
	if err := m.LoadStateDict(sd); err != nil {
		t.Fatal(err)
	}
	x, _ := npy.ReadFile(filepath.Join("testdata", "golden_small_L64_x.npy"))
	ref, _ := npy.ReadFile(filepath.Join("testdata", "golden_small_L64_out.npy"))
	if e := relErr(m.Forward(nil, x.F32, x.Shape[0], 64), ref.F64); e <= goldenTol {
		t.Errorf("perturbed model: relative error %.3g ≤ %g; the golden comparison is not sensitive", e, goldenTol)
	} else {
		t.Logf("negative control: perturbed model relative error %.3g", e)
	}
}

// torchPython returns a python3 that can import torch, or skips.
func torchPython(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if err := exec.Command(py, "-c", "import torch, numpy").Run(); err == nil {
			return py
		}
	}
	t.Skip("python3 with torch not available (Debian: apt-get install python3-torch); default-config golden skipped")
	return ""
}

// TestGoldenDefault compares the published 1,803,001-parameter
// configuration at the published length (8583) with tools/noble_torch.py on
// the fly: its files (~15 MB) are too large to commit. It needs PyTorch and
// takes a few seconds, so it is skipped under -short and without torch.
func TestGoldenDefault(t *testing.T) {
	if testing.Short() {
		t.Skip("default-config golden (PyTorch, full size) skipped under -short")
	}
	py := torchPython(t)
	script := filepath.Join(testutil.RepoRoot(t), "tools", "noble_torch.py")
	const batch = 2
	cfg := DefaultConfig()
	m, err := New(cfg, 42)
	if err != nil {
		t.Fatal(err)
	}
	if n := cfg.NumParams(); n != 1803001 {
		t.Errorf("NumParams = %d, want 1803001", n)
	}
	// Random, non-default soft gates make the test sensitive to them.
	rng := rand.New(rand.NewPCG(42, 1))
	sd := m.StateDict()
	for i := range sd {
		if strings.Contains(sd[i].Name, "channel_mlp_skips") {
			for j := range sd[i].Data {
				sd[i].Data[j] = float32(0.5 + rng.Float64())
			}
		}
	}
	if err := m.LoadStateDict(sd); err != nil {
		t.Fatal(err)
	}
	p := surrogate.DefaultProtocol()
	enc, err := surrogate.NewEncoder(p, surrogate.Scaling{IThr: surrogate.Range{Min: 0.05, Max: 0.4}, SThr: surrogate.Range{Min: 50, Max: 400}, Lo: 0.5, Hi: 3.5})
	if err != nil {
		t.Fatal(err)
	}
	x, err := enc.EncodeBatch(nil, []surrogate.Stimulus{{AmpNA: 0.35, IThr: 0.1, SThr: 120}, {AmpNA: -0.1, IThr: 0.3, SThr: 300}})
	if err != nil {
		t.Fatal(err)
	}
	y := make([]float32, batch*p.Length)
	for i := range y {
		y[i] = float32(-0.065 + 0.01*rng.NormFloat64())
	}
	dir := t.TempDir()
	wpath := filepath.Join(dir, "w.safetensors")
	if err := SaveFile(wpath, m, Metadata{Protocol: &p}); err != nil {
		t.Fatal(err)
	}
	if err := npy.WriteFileFloat32(filepath.Join(dir, "x.npy"), []int{batch, surrogate.DefaultEmbedding().Channels(), p.Length}, x); err != nil {
		t.Fatal(err)
	}
	if err := npy.WriteFileFloat32(filepath.Join(dir, "y.npy"), []int{batch, 1, p.Length}, y); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, script, "--eval", "--weights", wpath, "--input", filepath.Join(dir, "x.npy"),
		"--out", filepath.Join(dir, "out.npy"), "--target", filepath.Join(dir, "y.npy"), "--grad", filepath.Join(dir, "g.safetensors"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
	ref, err := npy.ReadFile(filepath.Join(dir, "out.npy"))
	if err != nil {
		t.Fatal(err)
	}
	grads, gmeta, err := safetensors.ReadFile(filepath.Join(dir, "g.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	loss, _ := strconv.ParseFloat(gmeta["loss"], 64)
	checkAgainst(t, m, x, y, batch, p.Length, ref.F64, loss, grads)
}

// TestConvertCheckpoint runs tools/convert_checkpoint.py on a PyTorch
// checkpoint made from the small golden model (complex spectral weights,
// nested under "model", DataParallel "module." prefixes, neuraloperator's
// "_metadata" entry) and checks that the converted file loads to the same
// parameters, with the scaling and protocol given as flags.
func TestConvertCheckpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("converter test (PyTorch) skipped under -short")
	}
	py := torchPython(t)
	root := testutil.RepoRoot(t)
	dir := t.TempDir()
	golden := filepath.Join(root, "fno", "testdata", "golden_small.safetensors")
	// Two inputs: a torch.save checkpoint (complex weights named
	// ".weight.tensor", nested under "model", "module." prefixes,
	// neuraloperator's "_metadata") and a safetensors state dict (complex
	// weights as C64 under the bare ".weight" name).
	mk := `import sys, json, struct, torch
sys.path.insert(0, sys.argv[1])
import noble_torch as nt
ps, _ = nt.read_safetensors(sys.argv[2])
sd = {}
for k, v in ps.items():
    t = torch.tensor(v)
    if k.endswith("weight.tensor"):
        t = torch.view_as_complex(t.contiguous())
    sd["module." + k] = t
sd["_metadata"] = {"n_modes": (38,)}
torch.save({"model": sd, "epoch": 296}, sys.argv[3])
hdr, blobs, off = {}, [], 0
for k, v in ps.items():
    dt = "F32"
    if k.endswith("weight.tensor"):
        k, dt, shape = k[:-len(".tensor")], "C64", list(v.shape[:-1])
    else:
        shape = list(v.shape)
    b = v.astype("<f4").tobytes()
    hdr[k] = {"dtype": dt, "shape": shape, "data_offsets": [off, off + len(b)]}
    off += len(b)
    blobs.append(b)
h = json.dumps(hdr).encode()
with open(sys.argv[4], "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
`
	ck, cks := filepath.Join(dir, "ck.pt"), filepath.Join(dir, "ck_c64.safetensors")
	if out, err := exec.Command(py, "-c", mk, filepath.Join(root, "tools"), golden, ck, cks).CombinedOutput(); err != nil {
		t.Fatalf("making the checkpoints: %v\n%s", err, out)
	}
	for _, in := range []string{ck, cks} {
		conv := in + ".converted.safetensors"
		cmd := exec.Command(py, filepath.Join(root, "tools", "convert_checkpoint.py"), "--checkpoint", in, "--out", conv,
			"--i-thr-min", "0.05", "--i-thr-max", "0.4", "--s-thr-min", "50", "--s-thr-max", "400", "--meta", "source=test")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("convert_checkpoint.py %s: %v\n%s", filepath.Base(in), err, out)
		}
		checkConverted(t, golden, conv)
	}
	// The Go reader takes the C64, bare-named state dict directly too.
	sts, _, err := safetensors.ReadFile(cks)
	if err != nil {
		t.Fatal(err)
	}
	ts := make([]Tensor, len(sts))
	for i, st := range sts {
		ts[i] = Tensor(st)
	}
	cfg, err := InferConfig(ts)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.LoadStateDict(ts); err != nil {
		t.Fatalf("LoadStateDict of the C64 state dict: %v", err)
	}
	want, _, err := LoadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.Params {
		if m.Params[i] != want.Params[i] {
			t.Fatalf("C64 state dict: parameter %d = %g, want %g", i, m.Params[i], want.Params[i])
		}
	}
}

func checkConverted(t *testing.T, golden, conv string) {
	t.Helper()
	want, _, err := LoadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	got, meta, err := LoadFile(conv)
	if err != nil {
		t.Fatal(err)
	}
	if got.Config() != want.Config() {
		t.Errorf("config = %+v, want %+v", got.Config(), want.Config())
	}
	for i := range want.Params {
		if got.Params[i] != want.Params[i] {
			t.Fatalf("parameter %d = %g, want %g", i, got.Params[i], want.Params[i])
		}
	}
	wantS := surrogate.Scaling{IThr: surrogate.Range{Min: 0.05, Max: 0.4}, SThr: surrogate.Range{Min: 50, Max: 400}, Lo: 0.5, Hi: 3.5}
	if meta.Scaling == nil || *meta.Scaling != wantS {
		t.Errorf("scaling = %+v, want %+v", meta.Scaling, wantS)
	}
	if meta.Protocol == nil || *meta.Protocol != surrogate.DefaultProtocol() {
		t.Errorf("protocol = %+v, want the default", meta.Protocol)
	}
	if meta.Extra["source"] != "test" {
		t.Errorf("extra metadata = %v", meta.Extra)
	}
}

// TestGoldenGroupNorm compares a small configuration with Config.GroupNorm
// with tools/noble_torch.py (F.group_norm, written from neuraloperator's
// FNOBlocks norm="group_norm") on the fly: outputs, the relative L4 loss
// and every gradient within goldenTol, at L = 63 (modes truncated) and 32
// (Nyquist mode kept). The GroupNorm weights and biases and the soft gates
// are random so that the comparison is sensitive to them, and the norms'
// state-dict names and places are checked against neuraloperator's
// (FNOBlocks.norm, a ModuleList of nn.GroupNorm registered after
// channel_mlp_skips inside fno_blocks). It needs PyTorch and is skipped
// without it.
func TestGoldenGroupNorm(t *testing.T) {
	t.Parallel()
	py := torchPython(t)
	script := filepath.Join(testutil.RepoRoot(t), "tools", "noble_torch.py")
	cfg := smallConfig()
	cfg.GroupNorm = true
	m, err := New(cfg, 11)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	// The reference's names, in the reference's order within fno_blocks.
	sd := m.StateDict()
	var names []string
	for _, ts := range sd {
		if strings.HasPrefix(ts.Name, "fno_blocks.") {
			names = append(names, ts.Name)
		}
	}
	var want []string
	for _, kind := range []string{"convs", "fno_skips", "channel_mlp", "channel_mlp_skips", "norm"} {
		for _, n := range names {
			if strings.HasPrefix(n, "fno_blocks."+kind+".") {
				want = append(want, n)
			}
		}
	}
	if !slices.Equal(names, want) {
		t.Errorf("fno_blocks tensors in the order %v, want FNOBlocks' registration order %v", names, want)
	}
	rng := rand.New(rand.NewPCG(11, 1))
	norms := 0
	for i := range sd {
		name := sd[i].Name
		if rest, ok := strings.CutPrefix(name, "fno_blocks.norm."); ok {
			j := norms / 2
			if wantName := fmt.Sprintf("%d.%s", j, map[bool]string{true: "weight", false: "bias"}[norms%2 == 0]); rest != wantName {
				t.Errorf("norm tensor %d is %q, want fno_blocks.norm.%s", norms, name, wantName)
			}
			if !slices.Equal(sd[i].Shape, []int{cfg.Width}) {
				t.Errorf("%s: shape %v, want [%d]", name, sd[i].Shape, cfg.Width)
			}
			init := float32(0)
			if strings.HasSuffix(name, ".weight") {
				init = 1
			}
			for j := range sd[i].Data {
				if sd[i].Data[j] != init {
					t.Fatalf("New: %s[%d] = %g, want %g (nn.GroupNorm's initialisation)", name, j, sd[i].Data[j], init)
				}
				sd[i].Data[j] = float32(init + 0.5*float32(rng.NormFloat64()))
			}
			norms++
		}
		if strings.Contains(name, "channel_mlp_skips") {
			for j := range sd[i].Data {
				sd[i].Data[j] = float32(0.5 + rng.Float64())
			}
		}
	}
	if norms != 4*cfg.Layers {
		t.Errorf("%d GroupNorm tensors, want %d", norms, 4*cfg.Layers)
	}
	if err := m.LoadStateDict(sd); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	wpath := filepath.Join(dir, "w.safetensors")
	if err := SaveFile(wpath, m, Metadata{}); err != nil {
		t.Fatal(err)
	}
	for _, length := range []int{63, 32} {
		t.Run(fmt.Sprintf("L%d", length), func(t *testing.T) {
			const batch = 2
			x := make([]float32, batch*cfg.InChannels*length)
			y := make([]float32, batch*length)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			for i := range y {
				y[i] = float32(-0.065 + 0.02*rng.NormFloat64())
			}
			base := filepath.Join(dir, fmt.Sprintf("L%d", length))
			if err := npy.WriteFileFloat32(base+"_x.npy", []int{batch, cfg.InChannels, length}, x); err != nil {
				t.Fatal(err)
			}
			if err := npy.WriteFileFloat32(base+"_y.npy", []int{batch, 1, length}, y); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(py, script, "--eval", "--weights", wpath, "--input", base+"_x.npy",
				"--out", base+"_out.npy", "--target", base+"_y.npy", "--grad", base+"_g.safetensors")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", script, err, out)
			}
			ref, err := npy.ReadFile(base + "_out.npy")
			if err != nil {
				t.Fatal(err)
			}
			grads, gmeta, err := safetensors.ReadFile(base + "_g.safetensors")
			if err != nil {
				t.Fatal(err)
			}
			loss, _ := strconv.ParseFloat(gmeta["loss"], 64)
			checkAgainst(t, m, x, y, batch, length, ref.F64, loss, grads)
		})
	}
}
