package fno

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"testing"
)

// TestAdamWHand follows two AdamW steps (lr 0.1, weight decay 0.5) on
// params (p0, p1 + i·p2, p3) = (1, 1 + 1i, −2), the middle one complex, by
// hand. β = (0.9, 0.999), eps 1e-6.
//
// Step 1, g = (0.5, 3 + 4i, 0): m = 0.1·g; v = 0.001·|g|², so 0.00025 for
// p0 and 0.001·25 = 0.025 shared by p1 and p2 (torch.optim.Adam would
// keep 0.009 and 0.016 apart); step size lr·sqrt(1−0.999)/(1−0.9) =
// sqrt(0.001) = 0.0316227766.
//
//	p0: 1 − 0.0316227766·0.05/(0.0158113883 + 1e-6) = 0.9000063, × (1 − lr·wd = 0.95) = 0.8550060
//	p1: 1 − 0.0316227766·0.3/(0.158113883 + 1e-6) = 0.9400004, × 0.95 = 0.8930004
//	p2: 1 − 0.0316227766·0.4/(0.158113883 + 1e-6) = 0.9200005, × 0.95 = 0.8740005
//	p3: m = v = 0, no step; × 0.95 = −1.9
//
// (torch.optim.Adam would move p1 and p2 by ≈ lr each, to ≈ 0.9.)
// Step 2, g = (−0.5, 0, 1): m = 0.9·m + 0.1·g = (−0.005, 0.27 + 0.36i,
// 0.1); v = 0.999·v + 0.001·|g|² = (0.00049975, 0.024975, 0.001); step
// size 0.1·sqrt(0.001999)/0.19 = 0.0235316725.
//
//	p0: 0.8550060 + 0.0235316725·0.005/(0.0223550 + 1e-6) = 0.8602692, × 0.95 = 0.8172555
//	p1: 0.8930004 − 0.0235316725·0.27/(0.158034806 + 1e-6) = 0.8527971, × 0.95 = 0.8101573
//	p2: 0.8740005 − 0.0235316725·0.36/(0.158034806 + 1e-6) = 0.8203961, × 0.95 = 0.7793764
//	p3: −1.9 − 0.0235316725·0.1/(0.0316227766 + 1e-6) = −1.9744114, × 0.95 = −1.8756908
//
// The wanted values are these formulas evaluated in float64; float32
// arithmetic over two steps stays within 4 ulp of values near 1 (5e-7).
func TestAdamWHand(t *testing.T) {
	params := []float32{1, 1, 1, -2}
	a := NewAdamW(len(params), 0.1, []Span{{1, 2}})
	a.WeightDecay = 0.5
	steps := []struct {
		g    []float32
		want []float64
	}{
		{[]float32{0.5, 3, 4, 0}, []float64{0.8550060079475783, 0.8930003604973732, 0.8740004806631644, -1.9}},
		{[]float32{-0.5, 0, 0, 1}, []float64{0.8172554838974835, 0.8101572636618294, 0.779376351549106, -1.8756907628006634}},
	}
	for s, st := range steps {
		a.Update(params, st.g)
		for i, w := range st.want {
			if math.Abs(float64(params[i])-w) > 5e-7 {
				t.Errorf("step %d: p[%d] = %.9g, want %.9g", s+1, i, params[i], w)
			}
		}
	}
	if a.V[1] != a.V[2] {
		t.Errorf("complex pair: V = %v, %v, want one shared second moment", a.V[1], a.V[2])
	}
	if n := testing.AllocsPerRun(10, func() { a.Update(params, steps[0].g) }); n != 0 {
		t.Errorf("AdamW Update allocates %v times", n)
	}
}

// TestAdamWResume checks that a state saved by MarshalBinary and restored
// continues bit for bit, and that version-1 blobs (RuleAdam, written
// before RuleAdamW) still decode.
func TestAdamWResume(t *testing.T) {
	grad := func(s int) []float32 {
		g := make([]float32, 9)
		for i := range g {
			g[i] = float32(math.Sin(float64(7*s + i)))
		}
		return g
	}
	for _, rule := range []Rule{RuleAdam, RuleAdamW} {
		t.Run(rule.String(), func(t *testing.T) {
			p := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}
			var a *Adam
			if rule == RuleAdam {
				a = NewAdam(len(p), 0.01)
			} else {
				a = NewAdamW(len(p), 0.01, []Span{{2, 4}, {6, 2}})
			}
			a.WeightDecay = 0.01
			for s := range 3 {
				a.Update(p, grad(s))
			}
			blob, err := a.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var b Adam
			if err := b.UnmarshalBinary(blob); err != nil {
				t.Fatal(err)
			}
			q := append([]float32(nil), p...)
			for s := 3; s < 6; s++ {
				a.Update(p, grad(s))
				b.Update(q, grad(s))
			}
			for i := range p {
				if math.Float32bits(p[i]) != math.Float32bits(q[i]) {
					t.Fatalf("resumed p[%d] = %v, uninterrupted %v", i, q[i], p[i])
				}
			}
			for _, cut := range []int{1, 8, len(blob) - 1} {
				if err := b.UnmarshalBinary(blob[:cut]); !errors.Is(err, ErrOptimState) {
					t.Errorf("truncated to %d bytes: %v", cut, err)
				}
			}
		})
	}
	// A version-1 blob: magic, lr, β1, β2, eps, wd, step, n, M, V.
	var v1 bytes.Buffer
	v1.WriteString("fnoADAM1")
	for _, f := range []float64{0.004, 0.9, 0.999, 1e-8, 0} {
		binary.Write(&v1, binary.LittleEndian, math.Float64bits(f))
	}
	binary.Write(&v1, binary.LittleEndian, uint64(7))
	binary.Write(&v1, binary.LittleEndian, uint64(2))
	binary.Write(&v1, binary.LittleEndian, []float32{0.5, -0.5, 0.25, 0.125})
	var old Adam
	if err := old.UnmarshalBinary(v1.Bytes()); err != nil {
		t.Fatal(err)
	}
	if old.Rule != RuleAdam || old.Step != 7 || old.LR != 0.004 || old.M[1] != -0.5 || old.V[1] != 0.125 || old.Complex != nil {
		t.Errorf("version-1 state decoded as %+v", old)
	}
}

// TestAdamWTorch compares AdamW with the update of
// neuralop/training/adamw.py evaluated by PyTorch on a real and a complex
// parameter tensor (a standalone snippet of the same tensor operations:
// exp_avg.mul_.add_, exp_avg_sq.mul_.addcmul_ with grad.conj(), sqrt,
// add eps, the bias-corrected step and the decay). It needs
// /usr/bin/python3 with torch and is skipped without them. Both compute
// in float32 with different operation orders (vectorized kernels, complex
// division), so they agree to a few ulp: 2e-6 absolute after 6 steps on
// values of order 1.
func TestAdamWTorch(t *testing.T) {
	if testing.Short() {
		t.Skip("runs python")
	}
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	const script = `
import json, math, sys
try:
    import torch
except ImportError:
    print("NOTORCH"); sys.exit(0)
lr, wd, b1, b2, eps = 0.01, 0.1, 0.9, 0.999, 1e-6
r = torch.tensor([1.0, -0.5, 2.0])
c = torch.view_as_complex(torch.tensor([[0.5, -1.0], [1.5, 0.25]]))
st = {0: [torch.zeros_like(r), torch.zeros_like(r)], 1: [torch.zeros_like(c), torch.zeros_like(c)]}
for s in range(6):
    gr = torch.tensor([math.sin(7*s+i) for i in range(3)])
    gc = torch.view_as_complex(torch.tensor([[math.sin(7*s+3+2*k), math.sin(7*s+4+2*k)] for k in range(2)]))
    for k, (p, g) in enumerate(((r, gr), (c, gc))):
        m, v = st[k]
        m.mul_(b1).add_(g, alpha=1.0 - b1)
        if torch.is_complex(g):
            v.mul_(b2).addcmul_(g, g.conj(), value=1.0 - b2)
        else:
            v.mul_(b2).addcmul_(g, g, value=1.0 - b2)
        denom = v.sqrt().add_(eps)
        step = lr * math.sqrt(1.0 - b2 ** (s + 1)) / (1.0 - b1 ** (s + 1))
        p.add_(m / denom, alpha=-step)
        p.add_(p, alpha=-lr * wd)
print(json.dumps(r.tolist() + torch.view_as_real(c).flatten().tolist()))
`
	out, err := exec.Command(py, "-c", script).Output()
	if err != nil {
		t.Skipf("python: %v", err)
	}
	if bytes.HasPrefix(out, []byte("NOTORCH")) {
		t.Skip("torch is not installed for /usr/bin/python3")
	}
	var want []float64
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatalf("python output %q: %v", out, err)
	}
	p := []float32{1, -0.5, 2, 0.5, -1, 1.5, 0.25}
	a := NewAdamW(len(p), 0.01, []Span{{3, 4}})
	a.WeightDecay = 0.1
	for s := range 6 {
		g := make([]float32, len(p))
		for i := range g {
			g[i] = float32(math.Sin(float64(7*s + i)))
		}
		a.Update(p, g)
	}
	for i, w := range want {
		if math.Abs(float64(p[i])-w) > 2e-6 {
			t.Errorf("p[%d] = %.9g, torch %.9g", i, p[i], w)
		}
	}
}
