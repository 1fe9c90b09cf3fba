package fno

import (
	"fmt"
	"math"
)

// Loss is a training loss that is a sum over traces, for TrainBatchLoss.
//
// Eval returns the loss of traces first, …, first+traces−1 of the batch
// (indices into the batch given to TrainBatchLoss, so that a loss can look
// up per-trace data prepared beforehand), summed over them, and writes
// ∂loss/∂ŷ into dst. yhat (the model's output), y (the targets) and dst are
// [traces, OutChannels, length]. The workers of a Model call Eval
// concurrently on disjoint ranges of traces, each with its own dst: an
// implementation must be safe for concurrent use (read-only, or
// synchronised) and must write only dst. Accumulate in float64.
type Loss interface {
	Eval(dst, yhat, y []float32, first, traces, length int) float64
}

// LossFunc adapts a function to Loss.
type LossFunc func(dst, yhat, y []float32, first, traces, length int) float64

// Eval calls f.
func (f LossFunc) Eval(dst, yhat, y []float32, first, traces, length int) float64 {
	return f(dst, yhat, y, first, traces, length)
}

// relLpLoss is RelLpLoss as a Loss: TrainBatch's loss.
type relLpLoss struct{ p int }

// Package-level values, so that TrainBatch converts nothing to an
// interface per call.
var relLp2, relLp4 Loss = relLpLoss{2}, relLpLoss{4}

func (l relLpLoss) Eval(dst, yhat, y []float32, _, traces, _ int) float64 {
	loss, _ := relLp(dst, l.p, yhat, y, traces, len(yhat)/traces)
	return loss
}

// lossEps is the eps of neuraloperator's relative losses (LpLoss and
// H1Loss, eps=1e-8), added to the norm of the target in the denominator.
const lossEps = 1e-8

// LpLoss is neuraloperator's LpLoss(d=1, p, measure=1.0, reduction="sum")
// (neuralop/losses/data_losses.py) as a Loss, relative (its __call__,
// LpLoss.rel) or absolute (LpLoss.abs). Each row of length samples (one
// channel of one trace) is a function on [0, 1) sampled at h = 1/length,
// the uniform quadrature; with e = ŷ − y and sums over the row,
//
//	relative, p = 1:   Σ|e| / (Σ|y| + 1e-8)
//	relative, p = 2,4: (Σe^p)^(1/p) / ((Σy^p)^(1/p) + 1e-8)
//	absolute, p = 1:   h·Σ|e|
//	absolute, p = 2,4: (h·Σe^p)^(1/p)
//
// and the loss is the sum over rows (traces and channels). The relative
// form differs from RelLpLoss by the 1e-8 of the denominator. Norms are
// accumulated in float64. A row with ŷ = y contributes 0 and a zero
// gradient (the subgradient; PyTorch's autograd gives NaN there for
// p > 1), as does |e| = 0 for p = 1 (sign(0) = 0, as torch.abs's
// gradient).
type LpLoss struct {
	P        int  // 1, 2 or 4
	Absolute bool // LpLoss.abs instead of the relative LpLoss.rel
}

// Eval returns the loss of the rows of yhat against y ([traces, C,
// length]) and writes its gradient into dst (nil: the value only). It
// panics on P other than 1, 2 or 4 or on wrong lengths.
func (l LpLoss) Eval(dst, yhat, y []float32, _, traces, length int) float64 {
	if l.P != 1 && l.P != 2 && l.P != 4 {
		panic(fmt.Sprintf("fno: LpLoss: p = %d, want 1, 2 or 4", l.P))
	}
	rows := checkLoss("LpLoss", dst, yhat, y, traces, length)
	return lpLoss(dst, l.P, l.Absolute, yhat, y, rows, length)
}

// H1Loss is neuraloperator's H1Loss(d=1, measure=1.0, reduction="sum")
// (periodic_in_x=True, the default) as a Loss, relative (its __call__,
// H1Loss.rel) or absolute (H1Loss.abs). With h = 1/length, e = ŷ − y and
// the derivative of FiniteDiff(dim=1, h).dx, a periodic central difference
//
//	(De)_i = (e_{i+1} − e_{i−1}) / (2h)        (indices mod length)
//
// a row (one channel of one trace) contributes
//
//	relative: sqrt(Σe² + Σ(De)²) / (sqrt(Σy² + Σ(Dy)²) + 1e-8)
//	absolute: sqrt(h·Σe² + h·Σ(De)²)
//
// and the loss is the sum over rows. Its gradient uses Dᵀ = −D:
// ∂Σ(De)²/∂e_j = 2·(2e_j − e_{j−2} − e_{j+2})/(4h²). Rows of one or two
// samples have De = 0 (torch.roll by ±1 returns the same row). Sums are
// accumulated in float64; a row with ŷ = y contributes 0 and a zero
// gradient.
type H1Loss struct {
	Absolute bool // H1Loss.abs instead of the relative H1Loss.rel
}

// Eval returns the loss of the rows of yhat against y ([traces, C,
// length]) and writes its gradient into dst (nil: the value only). It
// panics on wrong lengths.
func (l H1Loss) Eval(dst, yhat, y []float32, _, traces, length int) float64 {
	rows := checkLoss("H1Loss", dst, yhat, y, traces, length)
	return h1Loss(dst, l.Absolute, yhat, y, rows, length)
}

// checkLoss checks the lengths of a loss's arguments and returns the
// number of rows.
func checkLoss(name string, dst, yhat, y []float32, traces, length int) int {
	if traces <= 0 || length <= 0 || len(yhat)%(traces*length) != 0 || len(yhat) == 0 {
		panic(fmt.Sprintf("fno: %s: len(yhat) = %d is not a positive multiple of traces·length = %d·%d", name, len(yhat), traces, length))
	}
	if len(y) != len(yhat) || dst != nil && len(dst) != len(yhat) {
		panic(fmt.Sprintf("fno: %s: len(yhat) = %d, len(y) = %d, len(dst) = %d", name, len(yhat), len(y), len(dst)))
	}
	return len(yhat) / length
}

// lpLoss is LpLoss.Eval over rows of length values; dst nil skips the
// gradient.
func lpLoss[T float](dst []T, p int, abs bool, yhat, y []T, rows, length int) float64 {
	h := 1 / float64(length)
	pw := func(v float64) float64 { // |v|^p
		switch p {
		case 1:
			return math.Abs(v)
		case 2:
			return v * v
		}
		v *= v
		return v * v
	}
	var loss float64
	for r := range rows {
		yh, yt := yhat[r*length:(r+1)*length], y[r*length:(r+1)*length]
		var se, sy float64
		for t, v := range yh {
			w := float64(yt[t])
			se += pw(float64(v) - w)
			sy += pw(w)
		}
		// value = num/den; ∂value/∂e_t = scale·sign(e_t)|e_t|^(p−1).
		var value, scale float64
		switch {
		case abs && p == 1:
			value, scale = h*se, h
		case abs:
			value = rootP(h*se, p)
			scale = h / math.Pow(value, float64(p-1))
		case p == 1:
			value = se / (sy + lossEps)
			scale = 1 / (sy + lossEps)
		default:
			ne, den := rootP(se, p), rootP(sy, p)+lossEps
			value = ne / den
			scale = 1 / (math.Pow(ne, float64(p-1)) * den)
		}
		loss += value
		if dst == nil {
			continue
		}
		d := dst[r*length : (r+1)*length]
		if se == 0 {
			clear(d)
			continue
		}
		for t, v := range yh {
			e := float64(v) - float64(yt[t])
			var g float64
			switch p {
			case 1:
				g = sign(e)
			case 2:
				g = e
			default:
				g = e * e * e
			}
			d[t] = T(g * scale)
		}
	}
	return loss
}

// h1Loss is H1Loss.Eval over rows of length values; dst nil skips the
// gradient.
func h1Loss[T float](dst []T, abs bool, yhat, y []T, rows, length int) float64 {
	h := 1 / float64(length)
	c := 1 / (2 * h) // the central difference's 1/(2h)
	n := length
	at := func(s []T, i int) float64 { return float64(s[(i%n+n)%n]) }
	var loss float64
	for r := range rows {
		yh, yt := yhat[r*n:(r+1)*n], y[r*n:(r+1)*n]
		e := func(i int) float64 { return at(yh, i) - at(yt, i) }
		var se, sy float64
		for i := range n {
			ei, wi := e(i), float64(yt[i])
			de := (e(i+1) - e(i-1)) * c
			dy := (at(yt, i+1) - at(yt, i-1)) * c
			se += ei*ei + de*de
			sy += wi*wi + dy*dy
		}
		var value, scale float64 // ∂value/∂e_j = scale·(e_j + (DᵀDe)_j)
		if abs {
			value = math.Sqrt(h * se)
			scale = h / value
		} else {
			ne, den := math.Sqrt(se), math.Sqrt(sy)+lossEps
			value = ne / den
			scale = 1 / (ne * den)
		}
		loss += value
		if dst == nil {
			continue
		}
		d := dst[r*n : (r+1)*n]
		if se == 0 {
			clear(d)
			continue
		}
		for j := range n {
			dtd := (2*e(j) - e(j-2) - e(j+2)) * c * c
			d[j] = T((e(j) + dtd) * scale)
		}
	}
	return loss
}

func rootP(s float64, p int) float64 {
	switch p {
	case 1:
		return s
	case 2:
		return math.Sqrt(s)
	}
	return math.Sqrt(math.Sqrt(s))
}

func sign(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}
