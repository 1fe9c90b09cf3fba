package fno

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ErrOptimState is wrapped by errors decoding optimizer state.
var ErrOptimState = errors.New("fno: bad optimizer state")

// Adam is torch.optim.Adam (amsgrad off, not maximizing) over a flat
// float32 parameter vector. A complex parameter stored as (re, im) pairs is
// updated as PyTorch does, which views complex parameters as real pairs
// (torch.view_as_real) and applies the real update elementwise. All fields
// are exported so that the state can be saved and restored; MarshalBinary
// and UnmarshalBinary do that in one blob.
type Adam struct {
	LR          float64 // learning rate (0.004 in NOBLE)
	Beta1       float64 // first-moment decay, default 0.9
	Beta2       float64 // second-moment decay, default 0.999
	Eps         float64 // denominator term, default 1e-8
	WeightDecay float64 // L2 penalty added to the gradient, default 0
	Step        int64   // updates done
	M, V        []float32
}

// NewAdam returns Adam with PyTorch's defaults and learning rate lr for n
// parameters.
func NewAdam(n int, lr float64) *Adam {
	return &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, M: make([]float32, n), V: make([]float32, n)}
}

// Update applies one step to params given grads, in float32 as PyTorch's
// single-tensor implementation does:
//
//	m ← m + (1−β1)(g − m);  v ← β2·v + (1−β2)·g²
//	p ← p − lr/(1−β1^t) · m / (sqrt(v)/sqrt(1−β2^t) + eps)
//
// It panics if the lengths differ from len(a.M); it does not allocate.
func (a *Adam) Update(params, grads []float32) {
	if len(params) != len(a.M) || len(grads) != len(a.M) || len(a.V) != len(a.M) {
		panic(fmt.Sprintf("fno: Adam.Update: %d params, %d grads, state %d/%d", len(params), len(grads), len(a.M), len(a.V)))
	}
	a.Step++
	t := float64(a.Step)
	bc1 := 1 - math.Pow(a.Beta1, t)
	bc2 := 1 - math.Pow(a.Beta2, t)
	stepSize := float32(a.LR / bc1)
	bc2Sqrt := float32(math.Sqrt(bc2))
	w1 := float32(1 - a.Beta1)
	b2, w2 := float32(a.Beta2), float32(1-a.Beta2)
	eps, wd := float32(a.Eps), float32(a.WeightDecay)
	m, v := a.M, a.V
	grads = grads[:len(params)]
	for i, p := range params {
		g := grads[i]
		if wd != 0 {
			g += wd * p
		}
		m[i] += w1 * (g - m[i])
		v[i] = v[i]*b2 + w2*g*g
		den := float32(math.Sqrt(float64(v[i])))/bc2Sqrt + eps
		params[i] = p - stepSize*(m[i]/den)
	}
}

const adamMagic = "fnoADAM1"

// MarshalBinary encodes the full optimizer state (little endian).
func (a *Adam) MarshalBinary() ([]byte, error) {
	if len(a.M) != len(a.V) {
		return nil, fmt.Errorf("%w: len(M) = %d, len(V) = %d", ErrOptimState, len(a.M), len(a.V))
	}
	b := make([]byte, 0, len(adamMagic)+8*7+8*len(a.M))
	b = append(b, adamMagic...)
	for _, f := range []float64{a.LR, a.Beta1, a.Beta2, a.Eps, a.WeightDecay} {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
	}
	b = binary.LittleEndian.AppendUint64(b, uint64(a.Step))
	b = binary.LittleEndian.AppendUint64(b, uint64(len(a.M)))
	for _, s := range [][]float32{a.M, a.V} {
		for _, v := range s {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	return b, nil
}

// UnmarshalBinary decodes a state written by MarshalBinary; errors wrap
// ErrOptimState and name the byte offset.
func (a *Adam) UnmarshalBinary(b []byte) error {
	const head = len(adamMagic) + 8*7
	if len(b) < head || string(b[:len(adamMagic)]) != adamMagic {
		return fmt.Errorf("%w: offset 0: not an Adam state", ErrOptimState)
	}
	u := func(i int) uint64 { return binary.LittleEndian.Uint64(b[len(adamMagic)+8*i:]) }
	var s Adam
	s.LR, s.Beta1, s.Beta2 = math.Float64frombits(u(0)), math.Float64frombits(u(1)), math.Float64frombits(u(2))
	s.Eps, s.WeightDecay = math.Float64frombits(u(3)), math.Float64frombits(u(4))
	s.Step = int64(u(5))
	n := u(6)
	if s.Step < 0 || n > uint64(len(b)) || uint64(len(b)-head) != 8*n {
		return fmt.Errorf("%w: offset %d: %d parameters do not match %d bytes", ErrOptimState, len(adamMagic)+48, n, len(b)-head)
	}
	s.M, s.V = make([]float32, n), make([]float32, n)
	off := head
	for _, d := range [][]float32{s.M, s.V} {
		for i := range d {
			d[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[off:]))
			off += 4
		}
	}
	*a = s
	return nil
}

// Plateau is torch.optim.lr_scheduler.ReduceLROnPlateau in mode "min" with
// a relative threshold: a metric is an improvement when it is below
// Best·(1 − Threshold); after more than Patience epochs without one the
// learning rate is multiplied by Factor (not below MinLR, and only if the
// change exceeds Eps), then Cooldown epochs pass before bad epochs count
// again. The state fields are exported for saving and restoring.
type Plateau struct {
	Factor    float64 // multiplicative decrease, e.g. 0.4 (PyTorch default 0.1)
	Patience  int     // tolerated epochs without improvement, e.g. 4 (default 10)
	Threshold float64 // relative improvement threshold, default 1e-4
	Cooldown  int     // epochs to wait after a decrease, default 0
	MinLR     float64 // lower bound of the learning rate, default 0
	Eps       float64 // minimal change of the learning rate, default 1e-8

	Best            float64 // best metric so far (+Inf before the first step)
	BadEpochs       int     // epochs since the last improvement
	CooldownCounter int     // cooldown epochs left
}

// NewPlateau returns the scheduler with PyTorch's defaults for the fields
// other than factor and patience.
func NewPlateau(factor float64, patience int) *Plateau {
	return &Plateau{Factor: factor, Patience: patience, Threshold: 1e-4, Eps: 1e-8, Best: math.Inf(1)}
}

// Step records the epoch's metric and returns the learning rate to use
// from now on, given the current one.
func (p *Plateau) Step(metric, lr float64) float64 {
	if metric < p.Best*(1-p.Threshold) {
		p.Best = metric
		p.BadEpochs = 0
	} else {
		p.BadEpochs++
	}
	if p.CooldownCounter > 0 {
		p.CooldownCounter--
		p.BadEpochs = 0
	}
	if p.BadEpochs > p.Patience {
		nl := max(lr*p.Factor, p.MinLR)
		if lr-nl > p.Eps {
			lr = nl
		}
		p.CooldownCounter = p.Cooldown
		p.BadEpochs = 0
	}
	return lr
}

// ClipGradNorm scales grads in place so that their global Euclidean norm
// is at most maxNorm, as torch.nn.utils.clip_grad_norm_: with total norm
// n (accumulated in float64), grads are multiplied by
// min(1, maxNorm/(n + 1e-6)). It returns n (NaN or Inf if a gradient is
// not finite; the gradients are then scaled by NaN or 0, as in PyTorch).
func ClipGradNorm(grads []float32, maxNorm float64) float64 {
	var s float64
	for _, g := range grads {
		s += float64(g) * float64(g)
	}
	n := math.Sqrt(s)
	c := maxNorm / (n + 1e-6)
	if c < 1 || math.IsNaN(c) {
		cf := float32(c)
		for i := range grads {
			grads[i] *= cf
		}
	}
	return n
}
