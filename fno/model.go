package fno

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// float is the element type of the engine: float32 for the model, float64
// for the gradient checks of the tests.
type float interface{ ~float32 | ~float64 }

// Tensor is one named parameter tensor in PyTorch state-dict form: Shape as
// PyTorch reports it (complex tensors with a trailing dimension 2 holding
// real and imaginary parts), Data row-major.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// conv is a 1×1 convolution (a per-position linear map) with views into the
// flat parameter and gradient vectors; b and db are nil without bias.
type conv[T float] struct {
	in, out int
	w, b    []T // [out][in], [out]
	dw, db  []T
}

// layer holds the parameters of one Fourier layer.
type layer[T float] struct {
	spec, dspec   []T // [in][out][Modes][2] complex weights, interleaved
	sbias, dsbias []T // [out]
	skip          conv[T]
	mlp0, mlp1    conv[T]
	gate, dgate   []T // [Width] soft-gating weights
	// GroupNorm (nil without): norm[0] after the spectral convolution,
	// norm[1] after the channel MLP.
	norm [2]groupNorm[T]
}

// groupNorm holds the affine parameters of one GroupNorm(1, Width).
type groupNorm[T float] struct {
	w, b   []T // γ, β [Width]
	dw, db []T
}

// net is the model over element type T: parameters p and gradients g are
// flat vectors in state-dict order; the fields are views into them.
type net[T float] struct {
	cfg          Config
	specs        []tensorSpec
	p, g         []T
	lift0, lift1 conv[T]
	layers       []layer[T]
	proj0, proj1 conv[T]
}

func newNet[T float](cfg Config, p, g []T) *net[T] {
	n := &net[T]{cfg: cfg, specs: cfg.tensors(), p: p, g: g}
	idx := 0
	next := func() ([]T, []T) {
		s := n.specs[idx]
		idx++
		return p[s.off : s.off+s.size : s.off+s.size], g[s.off : s.off+s.size : s.off+s.size]
	}
	mk := func(in, out int, bias bool) conv[T] {
		c := conv[T]{in: in, out: out}
		c.w, c.dw = next()
		if bias {
			c.b, c.db = next()
		}
		return c
	}
	w := cfg.Width
	n.lift0 = mk(cfg.InChannels+1, cfg.LiftingChannels, true)
	n.lift1 = mk(cfg.LiftingChannels, w, true)
	n.layers = make([]layer[T], cfg.Layers)
	for i := range n.layers {
		l := &n.layers[i]
		l.spec, l.dspec = next()
		l.sbias, l.dsbias = next()
	}
	for i := range n.layers {
		n.layers[i].skip = mk(w, w, false)
	}
	for i := range n.layers {
		n.layers[i].mlp0 = mk(w, cfg.MLPHidden, true)
		n.layers[i].mlp1 = mk(cfg.MLPHidden, w, true)
	}
	for i := range n.layers {
		n.layers[i].gate, n.layers[i].dgate = next()
	}
	if cfg.GroupNorm {
		for i := range n.layers {
			for j := range n.layers[i].norm {
				gn := &n.layers[i].norm[j]
				gn.w, gn.dw = next()
				gn.b, gn.db = next()
			}
		}
	}
	n.proj0 = mk(w, cfg.ProjectionChannels, true)
	n.proj1 = mk(cfg.ProjectionChannels, cfg.OutChannels, true)
	if idx != len(n.specs) {
		panic("fno: parameter layout out of sync")
	}
	return n
}

func initParams[T float](n *net[T], seed uint64) {
	cfg := n.cfg
	std := math.Sqrt(2 / float64(cfg.Width+cfg.Width))
	for i, s := range n.specs {
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		dst := n.p[s.off : s.off+s.size]
		name := s.name
		switch {
		case strings.HasPrefix(name, "fno_blocks.convs.") && strings.HasSuffix(name, ".weight.tensor"):
			for j := range dst {
				dst[j] = T(rng.NormFloat64() * std / math.Sqrt2)
			}
		case strings.HasPrefix(name, "fno_blocks.convs.") && strings.HasSuffix(name, ".bias"):
			for j := range dst {
				dst[j] = T(rng.NormFloat64() * std)
			}
		case strings.HasPrefix(name, "fno_blocks.channel_mlp_skips."),
			strings.HasPrefix(name, "fno_blocks.norm.") && strings.HasSuffix(name, ".weight"):
			for j := range dst {
				dst[j] = 1
			}
		case strings.HasPrefix(name, "fno_blocks.norm."): // GroupNorm bias
			clear(dst)
		default: // Conv1d weight [out, in, 1] or bias [out]: fan_in = in
			fanIn := 0
			if strings.HasSuffix(name, ".weight") {
				fanIn = s.shape[1]
			} else {
				fanIn = n.specs[i-1].shape[1]
			}
			bound := 1 / math.Sqrt(float64(fanIn))
			for j := range dst {
				dst[j] = T((2*rng.Float64() - 1) * bound)
			}
		}
	}
}

// Config returns the model's architecture.
func (m *Model) Config() Config { return m.cfg }

// StateDict returns copies of the parameters as PyTorch state-dict tensors,
// in state-dict order: lifting.fcs.{0,1}.{weight,bias};
// fno_blocks.convs.{i}.weight.tensor [Width, Width, Modes, 2] and
// fno_blocks.convs.{i}.bias [Width, 1]; fno_blocks.fno_skips.{i}.conv.weight
// [Width, Width, 1]; fno_blocks.channel_mlp.{i}.fcs.{0,1}.{weight,bias};
// fno_blocks.channel_mlp_skips.{i}.weight [1, Width, 1]; with
// Config.GroupNorm, fno_blocks.norm.{j}.{weight,bias} [Width] for
// j = 0 … 2·Layers−1 (2i and 2i+1 are layer i's two norms);
// projection.fcs.{0,1}.{weight,bias}. 1×1 convolution weights are
// [out, in, 1], biases [out]. It allocates.
func (m *Model) StateDict() []Tensor { return m.dict(m.Params) }

// GradStateDict is StateDict for the accumulated gradients (same names and
// shapes; a complex weight's gradient as PyTorch's, ∂L/∂Re + i·∂L/∂Im).
func (m *Model) GradStateDict() []Tensor { return m.dict(m.Grad) }

func (m *Model) dict(v []float32) []Tensor {
	specs := m.net.specs
	ts := make([]Tensor, len(specs))
	for i, s := range specs {
		ts[i] = Tensor{Name: s.name, Shape: slices.Clone(s.shape), Data: slices.Clone(v[s.off : s.off+s.size])}
	}
	return ts
}

// LoadStateDict copies ts into the parameters. Every parameter must appear
// exactly once with its state-dict shape; a spectral weight may be named
// with or without the ".tensor" suffix. Unknown names, duplicates, missing
// tensors, wrong shapes and non-finite values are errors wrapping
// ErrStateDict; on error the model is unchanged.
func (m *Model) LoadStateDict(ts []Tensor) error {
	specs := m.net.specs
	byName := make(map[string]int, len(specs))
	for i, s := range specs {
		byName[s.name] = i
	}
	seen := make([]bool, len(specs))
	for _, t := range ts {
		i, ok := byName[t.Name]
		if !ok && strings.HasPrefix(t.Name, "fno_blocks.convs.") && strings.HasSuffix(t.Name, ".weight") {
			i, ok = byName[t.Name+".tensor"]
		}
		if !ok {
			return fmt.Errorf("%w: unexpected tensor %q", ErrStateDict, t.Name)
		}
		s := specs[i]
		if seen[i] {
			return fmt.Errorf("%w: tensor %q given twice", ErrStateDict, s.name)
		}
		seen[i] = true
		if !slices.Equal(t.Shape, s.shape) {
			return fmt.Errorf("%w: tensor %q has shape %v, want %v", ErrStateDict, t.Name, t.Shape, s.shape)
		}
		if len(t.Data) != s.size {
			return fmt.Errorf("%w: tensor %q has %d values, shape %v needs %d", ErrStateDict, t.Name, len(t.Data), s.shape, s.size)
		}
		for j, v := range t.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("%w: tensor %q value %d is %v", ErrStateDict, t.Name, j, v)
			}
		}
	}
	for i, s := range specs {
		if !seen[i] {
			return fmt.Errorf("%w: tensor %q missing", ErrStateDict, s.name)
		}
	}
	for _, t := range ts {
		i, ok := byName[t.Name]
		if !ok {
			i = byName[t.Name+".tensor"]
		}
		copy(m.Params[specs[i].off:], t.Data)
	}
	return nil
}

// ZeroGrad sets the accumulated gradients to zero.
func (m *Model) ZeroGrad() { clear(m.Grad) }
