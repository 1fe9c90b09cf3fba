package fno

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"slices"
	"testing"
)

// smallConfigs are the configurations of the exact checks: every size
// differs so that a transposed index cannot go unnoticed.
var smallConfigs = []struct {
	name string
	cfg  Config
	l    int
}{
	{"L16", Config{InChannels: 3, Width: 4, Layers: 2, Modes: 5, LiftingChannels: 6, ProjectionChannels: 7, MLPHidden: 3, OutChannels: 1}, 16},
	{"L15", Config{InChannels: 3, Width: 4, Layers: 2, Modes: 5, LiftingChannels: 6, ProjectionChannels: 7, MLPHidden: 3, OutChannels: 1}, 15},
	{"L8nyquist", Config{InChannels: 2, Width: 3, Layers: 3, Modes: 5, LiftingChannels: 5, ProjectionChannels: 4, MLPHidden: 2, OutChannels: 2}, 8},
	{"L5clipped", Config{InChannels: 2, Width: 3, Layers: 2, Modes: 5, LiftingChannels: 5, ProjectionChannels: 4, MLPHidden: 2, OutChannels: 1}, 5},
	{"L2", Config{InChannels: 2, Width: 3, Layers: 2, Modes: 5, LiftingChannels: 5, ProjectionChannels: 4, MLPHidden: 2, OutChannels: 1}, 2},
	{"L1", Config{InChannels: 2, Width: 3, Layers: 2, Modes: 5, LiftingChannels: 5, ProjectionChannels: 4, MLPHidden: 2, OutChannels: 1}, 1},
}

// exactConfigs are smallConfigs and, with GroupNorm, those at L = 16, 15,
// 8 and 5.
var exactConfigs = func() []struct {
	name string
	cfg  Config
	l    int
} {
	cs := slices.Clone(smallConfigs)
	for _, tc := range smallConfigs[:4] {
		tc.name += "/groupnorm"
		tc.cfg.GroupNorm = true
		cs = append(cs, tc)
	}
	return cs
}()

// randomNet returns a float64 network with all parameters (gates and
// biases included) drawn at random so that no term of the gradient
// vanishes by symmetry.
func randomNet(cfg Config, seed uint64) *net[float64] {
	np := cfg.NumParams()
	n := newNet(cfg, make([]float64, np), make([]float64, np))
	rng := rand.New(rand.NewPCG(seed, 99))
	for i := range n.p {
		n.p[i] = 0.6 * rng.NormFloat64()
	}
	return n
}

func randomSlice(n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	s := make([]float64, n)
	for i := range s {
		s[i] = rng.NormFloat64()
	}
	return s
}

// refForward is an independent, direct implementation of the FNO forward
// pass in float64 on [batch][channel][L] arrays, with the spectral
// convolution written from the definitions of torch.fft.rfft and irfft
// (norm="forward") as complex sums, and GroupNorm(1, C) from the
// definition of torch.nn.GroupNorm (two-pass mean and biased variance).
func refForward(nt *net[float64], x []float64, batch, l int) []float64 {
	cfg := nt.cfg
	gelu1 := func(v float64) float64 { return 0.5 * v * (1 + math.Erf(v/math.Sqrt2)) }
	conv1 := func(c conv[float64], x [][]float64) [][]float64 {
		y := make([][]float64, c.out)
		for o := range y {
			y[o] = make([]float64, l)
			for t := range l {
				s := 0.0
				if c.b != nil {
					s = c.b[o]
				}
				for i := range c.in {
					s += c.w[o*c.in+i] * x[i][t]
				}
				y[o][t] = s
			}
		}
		return y
	}
	// norm applies GroupNorm(1, C) with parameters gn to x in place.
	norm := func(gn groupNorm[float64], x [][]float64) {
		var s, v float64
		for _, r := range x {
			for _, u := range r {
				s += u
			}
		}
		mu := s / float64(len(x)*l)
		for _, r := range x {
			for _, u := range r {
				v += (u - mu) * (u - mu)
			}
		}
		sd := math.Sqrt(v/float64(len(x)*l) + 1e-5)
		for c, r := range x {
			for t := range r {
				r[t] = (r[t]-mu)/sd*gn.w[c] + gn.b[c]
			}
		}
	}
	act := func(x [][]float64) [][]float64 {
		y := make([][]float64, len(x))
		for i := range x {
			y[i] = make([]float64, len(x[i]))
			for t, v := range x[i] {
				y[i][t] = gelu1(v)
			}
		}
		return y
	}
	m := min(cfg.Modes, l/2+1)
	w := cfg.Width
	out := make([]float64, batch*cfg.OutChannels*l)
	for b := range batch {
		h := make([][]float64, cfg.InChannels+1)
		for c := range cfg.InChannels {
			h[c] = x[(b*cfg.InChannels+c)*l : (b*cfg.InChannels+c+1)*l]
		}
		h[cfg.InChannels] = make([]float64, l)
		for t := range l {
			h[cfg.InChannels][t] = float64(t) / float64(l)
		}
		h = conv1(nt.lift1, act(conv1(nt.lift0, h)))
		for li, ly := range nt.layers {
			last := li == len(nt.layers)-1
			// rfft, norm="forward", first m modes.
			xf := make([][]complex128, w)
			for i := range w {
				xf[i] = make([]complex128, m)
				for k := range m {
					var s complex128
					for t := range l {
						s += complex(h[i][t], 0) * cmplx.Exp(complex(0, -2*math.Pi*float64(k*t)/float64(l)))
					}
					xf[i][k] = s / complex(float64(l), 0)
				}
			}
			spec := make([][]float64, w)
			for o := range w {
				spec[o] = make([]float64, l)
				z := make([]complex128, m)
				for k := range m {
					for i := range w {
						wi := ((i*w+o)*cfg.Modes + k) * 2
						z[k] += xf[i][k] * complex(ly.spec[wi], ly.spec[wi+1])
					}
				}
				// irfft(n=l, norm="forward") of z padded with zeros.
				for t := range l {
					s := real(z[0])
					for k := 1; k < m; k++ {
						e := cmplx.Exp(complex(0, 2*math.Pi*float64(k*t)/float64(l)))
						if 2*k == l {
							s += real(z[k]) * real(e)
						} else {
							s += 2 * real(z[k]*e)
						}
					}
					spec[o][t] = s + ly.sbias[o]
				}
			}
			if cfg.GroupNorm {
				norm(ly.norm[0], spec)
			}
			skip := conv1(ly.skip, h)
			for o := range w {
				for t := range l {
					spec[o][t] += skip[o][t]
				}
			}
			if !last {
				spec = act(spec)
			}
			z := conv1(ly.mlp1, act(conv1(ly.mlp0, spec)))
			for o := range w {
				for t := range l {
					z[o][t] += ly.gate[o] * h[o][t]
				}
			}
			if cfg.GroupNorm {
				norm(ly.norm[1], z)
			}
			if !last {
				z = act(z)
			}
			h = z
		}
		y := conv1(nt.proj1, act(conv1(nt.proj0, h)))
		for c := range cfg.OutChannels {
			copy(out[(b*cfg.OutChannels+c)*l:], y[c])
		}
	}
	return out
}

// TestForwardReference compares the engine (folded truncated DFT as
// matrix products, channel-major layout) with the direct implementation,
// in float64: they agree to rounding, 1e-11 relative.
func TestForwardReference(t *testing.T) {
	for _, tc := range exactConfigs {
		t.Run(tc.name, func(t *testing.T) {
			const batch = 2
			nt := randomNet(tc.cfg, 1)
			x := randomSlice(batch*tc.cfg.InChannels*tc.l, 2)
			want := refForward(nt, x, batch, tc.l)
			for _, train := range []bool{false, true} {
				got := make([]float64, len(want))
				nt.forward(new(workspace[float64]), got, x, batch, tc.l, train)
				scale := 0.0
				for _, v := range want {
					scale = max(scale, math.Abs(v))
				}
				for i := range want {
					if math.Abs(got[i]-want[i]) > 1e-11*scale {
						t.Fatalf("train=%v: y[%d] = %.15g, want %.15g", train, i, got[i], want[i])
					}
				}
			}
		})
	}
}

// TestGradient checks every parameter gradient of the whole model (lifting,
// spectral weights and bias, linear skip, channel MLP, soft gating,
// projection, the GroupNorm weights and biases, through every GELU and
// GroupNorm and the relative L2 and L4 losses) against central
// differences in float64. With h = 1e-5 the truncation error is O(h²)·(third derivative)
// ≈ 1e-10 and the rounding error ε·|loss|/h ≈ 1e-11, so agreement within
// 1e-7 absolute + 1e-6 relative would expose any wrong term.
func TestGradient(t *testing.T) {
	for _, tc := range exactConfigs {
		for _, p := range []int{2, 4} {
			t.Run(fmt.Sprintf("%s/p%d", tc.name, p), func(t *testing.T) {
				const batch = 2
				cfg, l := tc.cfg, tc.l
				nt := randomNet(cfg, 3)
				x := randomSlice(batch*cfg.InChannels*l, 4)
				target := randomSlice(batch*cfg.OutChannels*l, 5)
				ws := new(workspace[float64])
				y := make([]float64, len(target))
				dy := make([]float64, len(target))
				loss := func() float64 {
					nt.forward(ws, y, x, batch, l, true)
					v, _ := relLp(dy, p, y, target, batch, cfg.OutChannels*l)
					return v
				}
				loss()
				clear(nt.g)
				nt.backward(ws, dy)
				const h = 1e-5
				worst := 0.0
				for i := range nt.p {
					p0 := nt.p[i]
					nt.p[i] = p0 + h
					fp := loss()
					nt.p[i] = p0 - h
					fm := loss()
					nt.p[i] = p0
					fd := (fp - fm) / (2 * h)
					err := math.Abs(nt.g[i] - fd)
					if err > 1e-7+1e-6*math.Abs(fd) {
						t.Errorf("∂loss/∂%s = %.10g, central difference %.10g", paramName(cfg, i), nt.g[i], fd)
					}
					worst = max(worst, err)
				}
				t.Logf("%d parameters, worst |analytic − FD| = %.2g", len(nt.p), worst)
			})
		}
	}
}

// paramName names flat parameter i as tensor[index].
func paramName(cfg Config, i int) string {
	for _, s := range cfg.tensors() {
		if i >= s.off && i < s.off+s.size {
			return fmt.Sprintf("%s[%d]", s.name, i-s.off)
		}
	}
	return "?"
}

// TestLossGradient checks RelLpLoss against central differences (float64
// path) and its value against a direct evaluation.
func TestLossGradient(t *testing.T) {
	const batch, l = 3, 11
	yh := randomSlice(batch*l, 1)
	y := randomSlice(batch*l, 2)
	for _, p := range []int{2, 4} {
		d := make([]float64, len(y))
		loss, _ := relLp(d, p, yh, y, batch, l)
		want := 0.0
		for b := range batch {
			var se, sy float64
			for t := range l {
				se += math.Pow(math.Abs(yh[b*l+t]-y[b*l+t]), float64(p))
				sy += math.Pow(math.Abs(y[b*l+t]), float64(p))
			}
			want += math.Pow(se, 1/float64(p)) / math.Pow(sy, 1/float64(p))
		}
		if math.Abs(loss-want) > 1e-13*want {
			t.Errorf("p=%d: loss = %.16g, want %.16g", p, loss, want)
		}
		tmp := make([]float64, len(y))
		for i := range yh {
			const h = 1e-6
			v := yh[i]
			yh[i] = v + h
			fp, _ := relLp(tmp, p, yh, y, batch, l)
			yh[i] = v - h
			fm, _ := relLp(tmp, p, yh, y, batch, l)
			yh[i] = v
			fd := (fp - fm) / (2 * h)
			if math.Abs(d[i]-fd) > 1e-8+1e-6*math.Abs(fd) {
				t.Errorf("p=%d: ∂loss/∂ŷ[%d] = %g, FD %g", p, i, d[i], fd)
			}
		}
	}
	// float32 entry point agrees with the float64 path.
	yh32, y32 := make([]float32, len(yh)), make([]float32, len(y))
	for i := range yh {
		yh32[i], y32[i] = float32(yh[i]), float32(y[i])
	}
	l32, _ := RelLpLoss(nil, 4, yh32, y32, batch, l)
	l64, _ := relLp(make([]float64, len(y)), 4, yh, y, batch, l)
	if math.Abs(l32-l64) > 1e-6*l64 {
		t.Errorf("RelLpLoss float32 = %g, float64 path %g", l32, l64)
	}
}
