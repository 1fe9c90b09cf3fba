package fno

import (
	"math"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/internal/gemm"
)

// widen widens a float32 slice.
func widen(s []float32) []float64 {
	r := make([]float64, len(s))
	for i, v := range s {
		r[i] = float64(v)
	}
	return r
}

func rel(a []float32, b []float64) float64 {
	var num, den float64
	for i, v := range b {
		d := float64(a[i]) - v
		num += d * d
		den += v * v
	}
	return math.Sqrt(num / den)
}

// TestFloat32MatchesFloat64 runs the published configuration in float32
// (OpenBLAS, vectorized GELU) and in float64 (math.Erf) on the same
// parameters at an odd length: outputs and gradients agree to 1e-5
// relative (float32 rounding over 12 layers and ~L-term DFT sums is
// ~1e-6; the GELU approximation adds ≤ 1.5e-7 per activation); also with
// GroupNorm, its weights and biases moved away from 1 and 0.
func TestFloat32MatchesFloat64(t *testing.T) {
	for _, gn := range []bool{false, true} {
		name := "published"
		if gn {
			name = "groupnorm"
		}
		t.Run(name, func(t *testing.T) { testFloat32MatchesFloat64(t, gn) })
	}
}

func testFloat32MatchesFloat64(t *testing.T, gn bool) {
	cfg := DefaultConfig()
	cfg.GroupNorm = gn
	const batch, l = 3, 301
	m, err := New(cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if gn {
		for _, s := range cfg.tensors() {
			if strings.HasPrefix(s.name, "fno_blocks.norm.") {
				for i := range s.size {
					m.Params[s.off+i] += float32(0.3 * math.Sin(float64(s.off+i)))
				}
			}
		}
	}
	p64 := widen(m.Params)
	n64 := newNet(cfg, p64, make([]float64, len(p64)))
	x64 := randomSlice(batch*cfg.InChannels*l, 6)
	y64 := randomSlice(batch*l, 7)
	x, y := make([]float32, len(x64)), make([]float32, len(y64))
	for i := range x64 {
		x[i] = float32(x64[i])
		x64[i] = float64(x[i])
	}
	for i := range y64 {
		y[i] = float32(y64[i])
		y64[i] = float64(y[i])
	}
	want := make([]float64, batch*l)
	ws := new(workspace[float64])
	n64.forward(ws, want, x64, batch, l, true)
	d64 := make([]float64, len(want))
	wantLoss, _ := relLp(d64, 4, want, y64, batch, l)
	n64.backward(ws, d64)

	// A lone trace with a helper goroutine (Workers 2, batch 1).
	m.Workers, m.SplitSingle = 2, true
	if e := rel(m.Forward(nil, x[:cfg.InChannels*l], 1, l), want[:l]); e > 1e-5 {
		t.Errorf("batch 1 with helper: Forward relative error %.3g", e)
	}
	m.SplitSingle = false
	for _, workers := range []int{1, 2, 3} {
		m.Workers = workers
		got := m.Forward(nil, x, batch, l)
		if e := rel(got, want); e > 1e-5 {
			t.Errorf("workers %d: Forward relative error %.3g", workers, e)
		}
		m.ZeroGrad()
		loss := m.TrainBatch(x, y, batch, l, 4)
		if math.Abs(loss-wantLoss) > 1e-5*wantLoss {
			t.Errorf("workers %d: loss %.8g, want %.8g", workers, loss, wantLoss)
		}
		if e := rel(m.Grad, n64.g); e > 1e-5 {
			t.Errorf("workers %d: gradient relative error %.3g", workers, e)
		}
		// ForwardTrain + RelLpLoss + Backward gives the same gradient.
		g1 := append([]float32(nil), m.Grad...)
		m.ZeroGrad()
		out := m.ForwardTrain(nil, x, batch, l)
		_, dy := RelLpLoss(nil, 4, out, y, batch, l)
		m.Backward(dy)
		if e := rel(m.Grad, widen(g1)); e > 1e-6 {
			t.Errorf("workers %d: Backward vs TrainBatch gradient relative difference %.3g", workers, e)
		}
	}
}

// TestDeterministic: the same call twice gives bitwise the same output
// and gradients for a given number of workers.
func TestDeterministic(t *testing.T) {
	cfg := smallConfigs[0].cfg
	const batch, l = 5, 40
	m, _ := New(cfg, 1)
	defer m.Close()
	m.Workers, m.Chunk = 2, 2
	x := make([]float32, batch*cfg.InChannels*l)
	y := make([]float32, batch*l)
	for i := range x {
		x[i] = float32(math.Sin(float64(i)))
	}
	for i := range y {
		y[i] = float32(math.Cos(float64(i)))
	}
	a := m.Forward(nil, x, batch, l)
	la := m.TrainBatch(x, y, batch, l, 2)
	ga := append([]float32(nil), m.Grad...)
	m.ZeroGrad()
	b := m.Forward(nil, x, batch, l)
	lb := m.TrainBatch(x, y, batch, l, 2)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("output %d: %v then %v", i, a[i], b[i])
		}
	}
	for i := range ga {
		if ga[i] != m.Grad[i] {
			t.Fatalf("gradient %d: %v then %v", i, ga[i], m.Grad[i])
		}
	}
	if la != lb {
		t.Fatalf("loss %v then %v", la, lb)
	}
}

// TestNoAllocs asserts that Forward, ForwardTrain, Backward and TrainBatch
// allocate nothing after the first call at a given (batch, length), with
// and without GroupNorm. The pure-Go gonum Sgemm (CGO_ENABLED=0 builds)
// starts goroutines per product, so the guarantee holds for the default
// and OpenBLAS builds only.
func TestNoAllocs(t *testing.T) {
	if gemm.Backend == "gonum" {
		t.Skipf("gemm backend %s allocates per product", gemm.Backend)
	}
	cfg := smallConfigs[0].cfg
	const batch, l = 4, 33
	m, _ := New(cfg, 1)
	defer m.Close()
	m.Workers, m.Chunk = 2, 3
	x := make([]float32, batch*cfg.InChannels*l)
	y := make([]float32, batch*l)
	for i := range y {
		y[i] = 1
	}
	dst := make([]float32, batch*l)
	big := DefaultConfig()
	mb, _ := New(big, 1)
	defer mb.Close()
	mb.Workers, mb.SplitSingle = 2, true
	const lb = 2000 // long enough for the helper to split products and GELU
	xb := make([]float32, big.InChannels*lb)
	yb := make([]float32, lb)
	var h1 Loss = H1Loss{}
	gcfg := cfg
	gcfg.GroupNorm = true
	mg, _ := New(gcfg, 1)
	defer mg.Close()
	mg.Workers, mg.Chunk = 2, 3
	for name, f := range map[string]func(){
		"Forward/groupnorm":    func() { mg.Forward(dst, x, batch, l) },
		"TrainBatch/groupnorm": func() { mg.TrainBatch(x, y, batch, l, 4) },
		"ForwardTrain+Backward/groupnorm": func() {
			mg.ForwardTrain(dst, x, batch, l)
			mg.Backward(y)
		},
		"TrainBatchLoss/H1":        func() { m.TrainBatchLoss(x, y, batch, l, h1) },
		"Forward/batch1/helper":    func() { mb.Forward(yb, xb, 1, lb) },
		"TrainBatch/batch1/helper": func() { mb.TrainBatch(xb, yb, 1, lb, 2) },
		"Forward":                  func() { m.Forward(dst, x, batch, l) },
		"TrainBatch":               func() { m.TrainBatch(x, y, batch, l, 4) },
		"ForwardTrain+Backward": func() {
			m.ForwardTrain(dst, x, batch, l)
			m.Backward(y)
		},
	} {
		f()
		if n := testing.AllocsPerRun(5, f); n != 0 {
			t.Errorf("%s allocates %v times per call", name, n)
		}
	}
}

// TestFLOPs checks the analytic count against the shapes of the matrix
// products by hand for the small configuration at L = 16 (M = 5, H = 7,
// nE = 9) and that the default configuration is ≈ 1.6 GFLOP forward.
func TestFLOPs(t *testing.T) {
	cfg := smallConfigs[0].cfg // In 3, W 4, layers 2, modes 5, lift 6, proj 7, hid 3, out 1
	f, b := cfg.FLOPs(16)
	convs := 2.0 * 16 * (4*6 + 6*4 + 4*7 + 7*1 + 2*(4*4+4*3+3*4))
	dft := 2.0 * 2 * (9 + 7) * 5 * 4 // two directions, 4 channels
	mix := 8.0 * 4 * 4 * 5
	wantF := convs + 2*(dft+mix)
	wantB := 2*convs - 2*16*4*6 + 2*(dft+2*mix)
	if f != wantF || b != wantB {
		t.Fatalf("FLOPs(16) = %g, %g, want %g, %g", f, b, wantF, wantB)
	}
	f, _ = DefaultConfig().FLOPs(8583)
	if f < 1.5e9 || f > 1.7e9 {
		t.Fatalf("default forward FLOPs = %g", f)
	}
	// GroupNorm: 14·W·L forward and 16·W·L backward per layer.
	cfg.GroupNorm = true
	fg, bg := cfg.FLOPs(16)
	if fg != wantF+2*14*4*16 || bg != wantB+2*16*4*16 {
		t.Fatalf("GroupNorm FLOPs(16) = %g, %g, want %g, %g", fg, bg, wantF+2*14*4*16, wantB+2*16*4*16)
	}
}

// TestShortLengths runs the float32 path (C fold/unfold, BLAS with empty
// odd parts) at lengths 1–4 against the float64 path.
func TestShortLengths(t *testing.T) {
	cfg := smallConfigs[0].cfg
	m, _ := New(cfg, 2)
	defer m.Close()
	n64 := newNet(cfg, widen(m.Params), make([]float64, len(m.Params)))
	for l := 1; l <= 4; l++ {
		const batch = 2
		x64 := randomSlice(batch*cfg.InChannels*l, uint64(l))
		x := make([]float32, len(x64))
		for i, v := range x64 {
			x[i] = float32(v)
			x64[i] = float64(x[i])
		}
		want := make([]float64, batch*l)
		n64.forward(new(workspace[float64]), want, x64, batch, l, false)
		if e := rel(m.Forward(nil, x, batch, l), want); e > 1e-5 {
			t.Errorf("L = %d: relative error %.3g", l, e)
		}
	}
}
