package fno

import (
	"fmt"
	"math"
	"sync"
	"testing"
)

// TestLossHand evaluates the losses by hand on one row of length 4
// (h = 1/4): y = (1, −1, 2, 0), ŷ = (2, −1, 0, 0), e = ŷ − y = (1, 0, −2, 0).
//
//	L1:  Σ|e| = 3, Σ|y| = 4               rel 3/(4 + 1e-8) = 0.75, abs h·3 = 0.75
//	L2:  Σe² = 5, Σy² = 6                 rel sqrt(5/6) = 0.9128709292, abs sqrt(5/4) = 1.1180339887
//	L4:  Σe⁴ = 17, Σy⁴ = 18               rel (17/18)^(1/4) = 0.9858079259, abs (17/4)^(1/4) = 1.4358236844
//	H1:  1/(2h) = 2, (De)_i = 2(e_{i+1} − e_{i−1}) = (0, −6, 0, 6), Σ(De)² = 72, Σe² + Σ(De)² = 77;
//	     (Dy)_i = (−2, 2, 2, −2), Σy² + Σ(Dy)² = 6 + 16 = 22
//	     rel sqrt(77)/sqrt(22) = sqrt(3.5) = 1.8708286934, abs sqrt(77/4) = 4.3874821937
//
// The 1e-8 of the relative denominators changes these by < 1e-8 relative;
// the tolerance 1e-8 covers it (float32 inputs are exact here).
func TestLossHand(t *testing.T) {
	y := []float32{1, -1, 2, 0}
	yh := []float32{2, -1, 0, 0}
	for _, c := range []struct {
		loss Loss
		want float64
	}{
		{LpLoss{P: 1}, 0.75}, {LpLoss{P: 1, Absolute: true}, 0.75},
		{LpLoss{P: 2}, math.Sqrt(5.0 / 6)}, {LpLoss{P: 2, Absolute: true}, math.Sqrt(5.0 / 4)},
		{LpLoss{P: 4}, math.Pow(17.0/18, 0.25)}, {LpLoss{P: 4, Absolute: true}, math.Pow(17.0/4, 0.25)},
		{H1Loss{}, math.Sqrt(3.5)}, {H1Loss{Absolute: true}, math.Sqrt(77.0 / 4)},
	} {
		if got := c.loss.Eval(nil, yh, y, 0, 1, 4); math.Abs(got-c.want) > 1e-8*c.want {
			t.Errorf("%+v: loss = %.12g, want %.12g", c.loss, got, c.want)
		}
	}
	// Two traces sum; an exact prediction contributes 0 and a zero gradient.
	two := append(append([]float32(nil), yh...), y...)
	ys := append(append([]float32(nil), y...), y...)
	d := make([]float32, 8)
	for i := range d {
		d[i] = 7
	}
	if got, want := (H1Loss{}).Eval(d, two, ys, 0, 2, 4), math.Sqrt(3.5); math.Abs(got-want) > 1e-8 {
		t.Errorf("two traces: H1 = %g, want %g", got, want)
	}
	for i := 4; i < 8; i++ {
		if d[i] != 0 {
			t.Errorf("exact trace: gradient[%d] = %g, want 0", i, d[i])
		}
	}
}

// TestLossFD checks the gradients of LpLoss (p = 1, 2, 4) and H1Loss,
// relative and absolute, against central differences in float64 on rows
// of lengths 1, 2, 3, 5 and 16 (the periodic difference wraps, and
// vanishes on rows of one and two samples). Step 1e-6 on O(1) values:
// truncation error O(h²·f”') ≈ 1e-12 and rounding ≈ 1e-16/1e-6 = 1e-10,
// hence the tolerance 1e-7 absolute plus 1e-6 relative.
func TestLossFD(t *testing.T) {
	type lossFn func(dst, yhat, y []float64, rows, length int) float64
	cases := map[string]lossFn{}
	for _, p := range []int{1, 2, 4} {
		for _, abs := range []bool{false, true} {
			cases[fmt.Sprintf("L%d/abs=%v", p, abs)] = func(dst, yhat, y []float64, rows, length int) float64 {
				return lpLoss(dst, p, abs, yhat, y, rows, length)
			}
		}
	}
	for _, abs := range []bool{false, true} {
		cases[fmt.Sprintf("H1/abs=%v", abs)] = func(dst, yhat, y []float64, rows, length int) float64 {
			return h1Loss(dst, abs, yhat, y, rows, length)
		}
	}
	for name, f := range cases {
		for _, l := range []int{1, 2, 3, 5, 16} {
			t.Run(fmt.Sprintf("%s/L%d", name, l), func(t *testing.T) {
				t.Parallel()
				const rows = 3
				yh := randomSlice(rows*l, 1)
				y := randomSlice(rows*l, 2)
				d := make([]float64, len(y))
				f(d, yh, y, rows, l)
				for i := range yh {
					const h = 1e-6
					v := yh[i]
					yh[i] = v + h
					fp := f(nil, yh, y, rows, l)
					yh[i] = v - h
					fm := f(nil, yh, y, rows, l)
					yh[i] = v
					fd := (fp - fm) / (2 * h)
					if math.Abs(d[i]-fd) > 1e-7+1e-6*math.Abs(fd) {
						t.Errorf("∂loss/∂ŷ[%d] = %.10g, FD %.10g", i, d[i], fd)
					}
				}
			})
		}
	}
}

// TestTrainBatchLoss checks that TrainBatch is TrainBatchLoss with
// RelLpLoss, bit for bit, that the workers pass every trace's batch index
// exactly once, and that TrainBatchLoss with LpLoss equals ForwardTrain,
// LpLoss and Backward on the whole batch up to float32 rounding.
func TestTrainBatchLoss(t *testing.T) {
	cfg := smallConfigs[0].cfg
	const batch, l = 7, 24
	x := make([]float32, batch*cfg.InChannels*l)
	y := make([]float32, batch*l)
	for i := range x {
		x[i] = float32(math.Sin(0.3 * float64(i)))
	}
	for i := range y {
		y[i] = float32(1 + math.Cos(0.2*float64(i)))
	}
	m, _ := New(cfg, 3)
	defer m.Close()
	m.Workers, m.Chunk = 2, 2
	for _, p := range []int{2, 4} {
		m.ZeroGrad()
		want := m.TrainBatch(x, y, batch, l, p)
		wantG := append([]float32(nil), m.Grad...)
		var mu sync.Mutex
		seen := make([]int, batch)
		m.ZeroGrad()
		got := m.TrainBatchLoss(x, y, batch, l, LossFunc(func(dst, yh, yt []float32, first, n, length int) float64 {
			mu.Lock()
			for i := first; i < first+n; i++ {
				seen[i]++
			}
			mu.Unlock()
			loss, _ := RelLpLoss(dst, p, yh, yt, n, length)
			return loss
		}))
		if math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("p=%d: TrainBatchLoss = %v, TrainBatch %v", p, got, want)
		}
		for i := range wantG {
			if math.Float32bits(m.Grad[i]) != math.Float32bits(wantG[i]) {
				t.Fatalf("p=%d: gradient %d = %v, TrainBatch's %v", p, i, m.Grad[i], wantG[i])
			}
		}
		for i, n := range seen {
			if n != 1 {
				t.Errorf("p=%d: trace %d passed %d times", p, i, n)
			}
		}
	}
	for _, loss := range []Loss{LpLoss{P: 1}, LpLoss{P: 4, Absolute: true}, H1Loss{}, H1Loss{Absolute: true}} {
		m.ZeroGrad()
		got := m.TrainBatchLoss(x, y, batch, l, loss)
		g := append([]float32(nil), m.Grad...)
		m.ZeroGrad()
		yh := m.ForwardTrain(nil, x, batch, l)
		dy := make([]float32, len(yh))
		want := loss.Eval(dy, yh, y, 0, batch, l)
		m.Backward(dy)
		if math.Abs(got-want) > 1e-6*math.Abs(want) {
			t.Errorf("%+v: loss %v, whole batch %v", loss, got, want)
		}
		var norm, diff float64
		for i := range g {
			norm += float64(g[i]) * float64(g[i])
			diff += (float64(g[i]) - float64(m.Grad[i])) * (float64(g[i]) - float64(m.Grad[i]))
		}
		// Chunked and whole-batch gradients differ by the float32 rounding
		// of per-part sums: 1e-5 relative in norm.
		if math.Sqrt(diff) > 1e-5*math.Sqrt(norm) {
			t.Errorf("%+v: gradient differs from the whole batch's by %g of %g", loss, math.Sqrt(diff), math.Sqrt(norm))
		}
	}
}
