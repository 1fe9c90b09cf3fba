package fno

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/noble-neuro/noble/internal/kernels"
)

// ErrOptimState is wrapped by errors decoding optimizer state.
var ErrOptimState = errors.New("fno: bad optimizer state")

// Rule is the update rule of Adam.
type Rule int

const (
	// RuleAdam is torch.optim.Adam: coupled L2 weight decay added to the
	// gradient, eps added to the bias-corrected root of the second moment,
	// complex parameters updated as independent real pairs.
	RuleAdam Rule = iota
	// RuleAdamW is neuralop.training.AdamW (the optimizer of NOBLE's
	// training scripts): decoupled weight decay applied after the step, eps
	// added to the uncorrected root of the second moment, and for a complex
	// parameter one second moment |g|² shared by its real and imaginary
	// parts.
	RuleAdamW
)

var ruleNames = [...]string{RuleAdam: "adam", RuleAdamW: "adamw"}

func (r Rule) String() string {
	if r >= 0 && int(r) < len(ruleNames) {
		return ruleNames[r]
	}
	return fmt.Sprintf("Rule(%d)", int(r))
}

// Span is a range [Off, Off+Len) of the flat parameter vector holding a
// complex tensor as interleaved (re, im) pairs; Len is even.
type Span struct{ Off, Len int }

// ComplexSpans returns the spans of the complex tensors of the
// configuration's parameter vector (the spectral weights
// fno_blocks.convs.i.weight.tensor, state-dict shape [..., 2]), in order.
// It allocates.
func (c Config) ComplexSpans() []Span {
	var sp []Span
	for _, s := range c.tensors() {
		if s.complex {
			sp = append(sp, Span{s.off, s.size})
		}
	}
	return sp
}

// Adam is torch.optim.Adam (Rule RuleAdam; amsgrad off, not maximizing) or
// neuralop's AdamW (RuleAdamW) over a flat float32 parameter vector. All
// fields are exported so that the state can be saved and restored;
// MarshalBinary and UnmarshalBinary do that in one blob.
//
// V has one entry per real parameter. Under RuleAdamW the two entries of a
// complex pair (Complex) hold the same value, the shared second moment, so
// that M and V keep the layout of the parameters under both rules.
type Adam struct {
	Rule        Rule    // update rule [RuleAdam]
	LR          float64 // learning rate (0.004 in NOBLE)
	Beta1       float64 // first-moment decay, default 0.9
	Beta2       float64 // second-moment decay, default 0.999
	Eps         float64 // denominator term: 1e-8 for RuleAdam, 1e-6 for RuleAdamW
	WeightDecay float64 // RuleAdam: L2 penalty added to the gradient; RuleAdamW: decoupled decay rate [0]
	// Complex lists the complex tensors as (re, im) pairs (RuleAdamW only;
	// RuleAdam treats them as reals, as torch's view_as_real). Spans must be
	// in increasing order, disjoint and of even length.
	Complex []Span
	Step    int64 // updates done
	M, V    []float32
}

// NewAdam returns Adam with PyTorch's defaults and learning rate lr for n
// parameters.
func NewAdam(n int, lr float64) *Adam {
	return &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, M: make([]float32, n), V: make([]float32, n)}
}

// NewAdamW returns neuralop's AdamW with its defaults (betas (0.9, 0.999),
// eps 1e-6, no weight decay) and learning rate lr for n parameters, of
// which complex (e.g. Config.ComplexSpans) are complex pairs. It panics on
// spans that are out of order, overlapping, odd or beyond n.
func NewAdamW(n int, lr float64, complex []Span) *Adam {
	a := &Adam{Rule: RuleAdamW, LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-6,
		Complex: slices.Clone(complex), M: make([]float32, n), V: make([]float32, n)}
	if err := checkSpans(a.Complex, n); err != nil {
		panic("fno: NewAdamW: " + err.Error())
	}
	return a
}

func checkSpans(sp []Span, n int) error {
	end := 0
	for i, s := range sp {
		if s.Off < end || s.Len < 0 || s.Len%2 != 0 || s.Len > n-s.Off {
			return fmt.Errorf("complex span %d (%d, %d) out of order, odd or beyond %d parameters", i, s.Off, s.Len, n)
		}
		end = s.Off + s.Len
	}
	return nil
}

// Update applies one step to params given grads. It panics if the lengths
// differ from len(a.M); it does not allocate.
//
// RuleAdam computes in float32 as PyTorch's single-tensor implementation:
//
//	g ← g + wd·p;  m ← m + (1−β1)(g − m);  v ← β2·v + (1−β2)·g²
//	p ← p − lr/(1−β1^t) · m / (sqrt(v)/sqrt(1−β2^t) + eps)
//
// RuleAdamW as neuralop/training/adamw.py (correct_bias on):
//
//	m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g·conj(g)   (|g|² for a complex g)
//	p ← p − lr·sqrt(1−β2^t)/(1−β1^t) · m / (sqrt(v) + eps)
//	p ← p − lr·wd·p                                    (if wd > 0, on the updated p)
//
// so that eps enters before the bias correction of v (it is scaled by
// sqrt(1−β2^t) relative to torch.optim.Adam's) and a complex pair's real
// and imaginary parts share the denominator sqrt(v) + eps.
func (a *Adam) Update(params, grads []float32) {
	if len(params) != len(a.M) || len(grads) != len(a.M) || len(a.V) != len(a.M) {
		panic(fmt.Sprintf("fno: Adam.Update: %d params, %d grads, state %d/%d", len(params), len(grads), len(a.M), len(a.V)))
	}
	a.Step++
	if a.Rule == RuleAdamW {
		a.updateW(params, grads)
		return
	}
	t := float64(a.Step)
	bc1 := 1 - math.Pow(a.Beta1, t)
	bc2 := 1 - math.Pow(a.Beta2, t)
	kernels.Adam(params, grads, a.M, a.V, kernels.AdamCoef{
		Step:    float32(a.LR / bc1),
		BC2Sqrt: float32(math.Sqrt(bc2)),
		W1:      float32(1 - a.Beta1),
		B2:      float32(a.Beta2),
		W2:      float32(1 - a.Beta2),
		Eps:     float32(a.Eps),
		WD:      float32(a.WeightDecay),
	})
}

// updateW is Update under RuleAdamW: the real stretches between the
// complex spans elementwise, the spans pairwise (internal/kernels has the
// loops, vectorised, with the same float32 rounding as a scalar loop).
func (a *Adam) updateW(params, grads []float32) {
	t := float64(a.Step)
	bc1 := 1 - math.Pow(a.Beta1, t)
	bc2 := 1 - math.Pow(a.Beta2, t)
	c := kernels.AdamWCoef{
		B1: float32(a.Beta1), W1: float32(1 - a.Beta1),
		B2: float32(a.Beta2), W2: float32(1 - a.Beta2),
		Eps:  float32(a.Eps),
		Step: float32(a.LR * math.Sqrt(bc2) / bc1),
		// p.add_(p, alpha=−lr·wd): the factor rounds to float32 as torch's
		// alpha does for a float32 tensor.
		Decay: float32(-a.LR * a.WeightDecay),
		WD:    a.WeightDecay > 0,
	}
	grads = grads[:len(params)]
	at := 0
	for _, s := range a.Complex {
		kernels.AdamW(params[at:s.Off], grads[at:s.Off], a.M[at:s.Off], a.V[at:s.Off], c)
		e := s.Off + s.Len
		kernels.AdamWComplex(params[s.Off:e], grads[s.Off:e], a.M[s.Off:e], a.V[s.Off:e], c)
		at = e
	}
	kernels.AdamW(params[at:], grads[at:], a.M[at:], a.V[at:], c)
}

// Optimizer state blobs: version 1 is Adam under RuleAdam without a rule
// or spans (written before RuleAdamW existed); version 2 adds the rule and
// the complex spans.
const (
	adamMagic  = "fnoADAM1"
	adamMagic2 = "fnoADAM2"
)

// MarshalBinary encodes the full optimizer state (little endian, version
// 2: magic "fnoADAM2"; lr, β1, β2, eps, weight decay as float64; step,
// parameter count, rule, span count as uint64; the spans as (off, len)
// uint64 pairs; M and V as float32).
func (a *Adam) MarshalBinary() ([]byte, error) {
	if len(a.M) != len(a.V) {
		return nil, fmt.Errorf("%w: len(M) = %d, len(V) = %d", ErrOptimState, len(a.M), len(a.V))
	}
	if err := checkSpans(a.Complex, len(a.M)); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOptimState, err)
	}
	b := make([]byte, 0, len(adamMagic2)+8*9+16*len(a.Complex)+8*len(a.M))
	b = append(b, adamMagic2...)
	for _, f := range []float64{a.LR, a.Beta1, a.Beta2, a.Eps, a.WeightDecay} {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
	}
	for _, u := range []uint64{uint64(a.Step), uint64(len(a.M)), uint64(a.Rule), uint64(len(a.Complex))} {
		b = binary.LittleEndian.AppendUint64(b, u)
	}
	for _, s := range a.Complex {
		b = binary.LittleEndian.AppendUint64(b, uint64(s.Off))
		b = binary.LittleEndian.AppendUint64(b, uint64(s.Len))
	}
	for _, s := range [][]float32{a.M, a.V} {
		for _, v := range s {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	return b, nil
}

// UnmarshalBinary decodes a state written by MarshalBinary, of version 2
// or 1 (RuleAdam, no spans); errors wrap ErrOptimState and name the byte
// offset.
func (a *Adam) UnmarshalBinary(b []byte) error {
	v2 := len(b) >= len(adamMagic2) && string(b[:len(adamMagic2)]) == adamMagic2
	nhead := 7
	if v2 {
		nhead = 9
	}
	head := len(adamMagic) + 8*nhead
	if len(b) < head || !v2 && string(b[:len(adamMagic)]) != adamMagic {
		return fmt.Errorf("%w: offset 0: not an Adam state", ErrOptimState)
	}
	u := func(i int) uint64 { return binary.LittleEndian.Uint64(b[len(adamMagic)+8*i:]) }
	var s Adam
	s.LR, s.Beta1, s.Beta2 = math.Float64frombits(u(0)), math.Float64frombits(u(1)), math.Float64frombits(u(2))
	s.Eps, s.WeightDecay = math.Float64frombits(u(3)), math.Float64frombits(u(4))
	s.Step = int64(u(5))
	n := u(6)
	if s.Step < 0 {
		return fmt.Errorf("%w: offset %d: step %d", ErrOptimState, len(adamMagic)+40, s.Step)
	}
	off := head
	if v2 {
		rule, ns := u(7), u(8)
		if rule >= uint64(len(ruleNames)) {
			return fmt.Errorf("%w: offset %d: unknown rule %d", ErrOptimState, len(adamMagic)+56, rule)
		}
		s.Rule = Rule(rule)
		if ns > uint64(len(b)-head)/16 {
			return fmt.Errorf("%w: offset %d: %d spans do not fit in %d bytes", ErrOptimState, len(adamMagic)+64, ns, len(b)-head)
		}
		if ns > 0 {
			s.Complex = make([]Span, ns)
		}
		for i := range s.Complex {
			o, l := binary.LittleEndian.Uint64(b[off:]), binary.LittleEndian.Uint64(b[off+8:])
			if o > uint64(len(b)) || l > uint64(len(b)) {
				return fmt.Errorf("%w: offset %d: span %d (%d, %d) beyond the state", ErrOptimState, off, i, o, l)
			}
			s.Complex[i] = Span{int(o), int(l)}
			off += 16
		}
	}
	if n > uint64(len(b)) || uint64(len(b)-off) != 8*n {
		return fmt.Errorf("%w: offset %d: %d parameters do not match %d bytes", ErrOptimState, len(adamMagic)+48, n, len(b)-off)
	}
	if err := checkSpans(s.Complex, int(n)); err != nil {
		return fmt.Errorf("%w: offset %d: %w", ErrOptimState, head, err)
	}
	s.M, s.V = make([]float32, n), make([]float32, n)
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
