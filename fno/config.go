package fno

import (
	"errors"
	"fmt"
)

// ErrConfig is wrapped by every configuration validation error.
var ErrConfig = errors.New("fno: invalid configuration")

// ErrStateDict is wrapped by every state-dict loading error.
var ErrStateDict = errors.New("fno: state dict mismatch")

// Config is the architecture of a 1-D Fourier neural operator in the
// neuraloperator library's FNO layout. All fields are counts (no units).
type Config struct {
	InChannels         int // input channels before the grid channel the model appends (23)
	Width              int // hidden channels of the Fourier layers (24)
	Layers             int // Fourier layers (12)
	Modes              int // complex Fourier modes kept, n_modes//2+1 (129)
	LiftingChannels    int // hidden channels of the lifting MLP (48)
	ProjectionChannels int // hidden channels of the projection MLP (96)
	MLPHidden          int // hidden channels of each layer's channel MLP (12)
	OutChannels        int // output channels (1)

	// GroupNorm adds two GroupNorm(1, Width) per layer, as neuraloperator's
	// FNOBlocks with norm="group_norm": after the spectral convolution
	// (bias included) before the linear skip is added, and after the
	// channel-MLP sum before its GELU; each with a per-channel affine
	// weight γ and bias β (see the package documentation). False is the
	// published model.
	GroupNorm bool
}

// DefaultConfig returns the published NOBLE architecture: 23 input channels
// (+1 grid), width 24, 12 layers, 129 modes, lifting 48, projection 96,
// channel-MLP hidden 12, one output channel; 1,803,001 parameters.
func DefaultConfig() Config {
	return Config{
		InChannels:         23,
		Width:              24,
		Layers:             12,
		Modes:              129,
		LiftingChannels:    48,
		ProjectionChannels: 96,
		MLPHidden:          12,
		OutChannels:        1,
	}
}

// Validate reports a field that is not positive, wrapping ErrConfig.
func (c Config) Validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{
		{"InChannels", c.InChannels}, {"Width", c.Width}, {"Layers", c.Layers}, {"Modes", c.Modes},
		{"LiftingChannels", c.LiftingChannels}, {"ProjectionChannels", c.ProjectionChannels},
		{"MLPHidden", c.MLPHidden}, {"OutChannels", c.OutChannels},
	} {
		if f.v <= 0 {
			return fmt.Errorf("%w: %s = %d, must be positive", ErrConfig, f.name, f.v)
		}
		if f.v > 1<<16 {
			return fmt.Errorf("%w: %s = %d, larger than 65536", ErrConfig, f.name, f.v)
		}
	}
	// The spectral weights dominate; bound the total before anything
	// allocates it (float64: the int product could overflow).
	w := float64(c.Width)
	n := float64(c.Layers) * (2*w*w*float64(c.Modes) + w*w + 2*w*float64(c.MLPHidden))
	if c.GroupNorm {
		n += float64(c.Layers) * 4 * w
	}
	n += float64(c.InChannels+1)*float64(c.LiftingChannels) + float64(c.LiftingChannels)*w + w*float64(c.ProjectionChannels) + float64(c.ProjectionChannels)*float64(c.OutChannels)
	if n > MaxParams {
		return fmt.Errorf("%w: about %.3g parameters, more than %d", ErrConfig, n, MaxParams)
	}
	return nil
}

// MaxParams bounds the parameter count of a valid Config (2^30, 4 GiB of
// float32), so that a configuration read from a file cannot exhaust memory.
const MaxParams = 1 << 30

// NumParams returns the number of real parameters (a complex weight counts
// twice), as PyTorch counts them with view_as_real.
func (c Config) NumParams() int {
	n := 0
	for _, s := range c.tensors() {
		n += s.size
	}
	return n
}

// tensorSpec places one state-dict tensor in the flat parameter vector.
type tensorSpec struct {
	name  string
	shape []int
	off   int
	size  int
	// complex: the tensor holds complex values as (re, im) pairs (its
	// last dimension is 2).
	complex bool
}

// tensors lists the parameters in state-dict order with their PyTorch names
// and shapes (complex tensors with a trailing dimension 2).
func (c Config) tensors() []tensorSpec {
	var ts []tensorSpec
	off := 0
	add := func(name string, shape ...int) {
		n := 1
		for _, d := range shape {
			n *= d
		}
		ts = append(ts, tensorSpec{name: name, shape: shape, off: off, size: n})
		off += n
	}
	addComplex := func(name string, shape ...int) {
		add(name, shape...)
		ts[len(ts)-1].complex = true
	}
	in := c.InChannels + 1
	add("lifting.fcs.0.weight", c.LiftingChannels, in, 1)
	add("lifting.fcs.0.bias", c.LiftingChannels)
	add("lifting.fcs.1.weight", c.Width, c.LiftingChannels, 1)
	add("lifting.fcs.1.bias", c.Width)
	w := c.Width
	for i := range c.Layers {
		addComplex(fmt.Sprintf("fno_blocks.convs.%d.weight.tensor", i), w, w, c.Modes, 2)
		add(fmt.Sprintf("fno_blocks.convs.%d.bias", i), w, 1)
	}
	for i := range c.Layers {
		add(fmt.Sprintf("fno_blocks.fno_skips.%d.conv.weight", i), w, w, 1)
	}
	for i := range c.Layers {
		add(fmt.Sprintf("fno_blocks.channel_mlp.%d.fcs.0.weight", i), c.MLPHidden, w, 1)
		add(fmt.Sprintf("fno_blocks.channel_mlp.%d.fcs.0.bias", i), c.MLPHidden)
		add(fmt.Sprintf("fno_blocks.channel_mlp.%d.fcs.1.weight", i), w, c.MLPHidden, 1)
		add(fmt.Sprintf("fno_blocks.channel_mlp.%d.fcs.1.bias", i), w)
	}
	for i := range c.Layers {
		add(fmt.Sprintf("fno_blocks.channel_mlp_skips.%d.weight", i), 1, w, 1)
	}
	// FNOBlocks registers its ModuleList norm after channel_mlp_skips, so
	// the norms follow them in the state dict: norm 2i after the spectral
	// convolution of layer i, 2i+1 after its channel MLP.
	if c.GroupNorm {
		for j := range 2 * c.Layers {
			add(fmt.Sprintf("fno_blocks.norm.%d.weight", j), w)
			add(fmt.Sprintf("fno_blocks.norm.%d.bias", j), w)
		}
	}
	add("projection.fcs.0.weight", c.ProjectionChannels, w, 1)
	add("projection.fcs.0.bias", c.ProjectionChannels)
	add("projection.fcs.1.weight", c.OutChannels, c.ProjectionChannels, 1)
	add("projection.fcs.1.bias", c.OutChannels)
	return ts
}
