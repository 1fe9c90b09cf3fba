package fno

import (
	"errors"
	"math"
	"testing"
)

// TestAdam compares Update with the update rule evaluated in float64
// (the bias-corrected Adam of Kingma & Ba as torch.optim.Adam writes it)
// over 5 steps; float32 state rounding bounds the difference to 1e-6
// relative of the step size.
func TestAdam(t *testing.T) {
	params := []float32{0.5, -1, 2, 0, 3}
	grads := [][]float32{{0.1, -0.2, 0.3, 1e-9, -4}, {0.2, 0.1, -0.3, 0, -4}, {0.1, 0.1, 0.1, 0.1, 0.1}, {-1, 1, -1, 1, -1}, {0.5, 0.5, 0.5, 0.5, 0.5}}
	a := NewAdam(len(params), 0.004)
	ref := make([]float64, len(params))
	m, v := make([]float64, len(params)), make([]float64, len(params))
	for i, p := range params {
		ref[i] = float64(p)
	}
	for s, g := range grads {
		a.Update(params, g)
		tt := float64(s + 1)
		for i := range ref {
			m[i] = 0.9*m[i] + 0.1*float64(g[i])
			v[i] = 0.999*v[i] + 0.001*float64(g[i])*float64(g[i])
			mh := m[i] / (1 - math.Pow(0.9, tt))
			vh := v[i] / (1 - math.Pow(0.999, tt))
			ref[i] -= 0.004 * mh / (math.Sqrt(vh) + 1e-8)
		}
		for i := range ref {
			if math.Abs(float64(params[i])-ref[i]) > 1e-6*0.004*tt+1e-7*math.Abs(ref[i]) {
				t.Fatalf("step %d: p[%d] = %.9g, want %.9g", s+1, i, params[i], ref[i])
			}
		}
	}
	// First step moves every parameter with a nonzero gradient by ≈ lr.
	b, _ := a.MarshalBinary()
	var c Adam
	if err := c.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if c.Step != 5 || c.LR != 0.004 || c.M[4] != a.M[4] || c.V[2] != a.V[2] {
		t.Fatalf("round trip: %+v", c)
	}
	if err := c.UnmarshalBinary(b[:len(b)-1]); !errors.Is(err, ErrOptimState) {
		t.Fatalf("truncated state: %v", err)
	}
	if n := testing.AllocsPerRun(10, func() { a.Update(params, grads[0]) }); n != 0 {
		t.Fatalf("Adam.Update allocates %v times", n)
	}
}

// TestPlateau follows torch's ReduceLROnPlateau(factor=0.4, patience=2)
// by hand: the learning rate drops on the 3rd epoch after the last
// improvement, improvements need a relative gain above 1e-4.
func TestPlateau(t *testing.T) {
	p := NewPlateau(0.4, 2)
	lr := 1.0
	metrics := []float64{10, 9, 8.9995, 9, 9.5, 5, 6, 6, 6, 6}
	// epoch: 1 best 10; 2 best 9; 3 8.9995 not < 9·(1−1e-4)=8.9991 → bad 1;
	// 4 bad 2; 5 bad 3 > 2 → lr 0.4; 6 best 5; 7,8 bad 1,2; 9 bad 3 → 0.16; 10 bad 1.
	want := []float64{1, 1, 1, 1, 0.4, 0.4, 0.4, 0.4, 0.16, 0.16}
	for i, m := range metrics {
		lr = p.Step(m, lr)
		if math.Abs(lr-want[i]) > 1e-15 {
			t.Fatalf("epoch %d: lr = %g, want %g", i+1, lr, want[i])
		}
	}
	q := NewPlateau(0.5, 0)
	q.Cooldown = 1
	q.MinLR = 0.3
	lr = 1
	for i, w := range []float64{1, 0.5, 0.5, 0.3, 0.3, 0.3} {
		lr = q.Step(1, lr) // never improves after the first epoch
		if lr != w {
			t.Fatalf("cooldown epoch %d: lr = %g, want %g", i+1, lr, w)
		}
	}
}

func TestClipGradNorm(t *testing.T) {
	g := []float32{3, 4}
	if n := ClipGradNorm(g, 10); n != 5 || g[0] != 3 {
		t.Fatalf("no clip: norm %g, g %v", n, g)
	}
	if n := ClipGradNorm(g, 1); n != 5 || math.Abs(float64(g[0])-0.6) > 1e-6 || math.Abs(float64(g[1])-0.8) > 1e-6 {
		t.Fatalf("clip: norm %g, g %v", n, g)
	}
}
