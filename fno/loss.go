package fno

import (
	"fmt"
	"math"
)

// RelLpLoss returns the relative Lp loss summed over the batch,
//
//	loss = Σ_b ‖ŷ_b − y_b‖_p / ‖y_b‖_p,
//
// as neuraloperator's LpLoss(d=1, p, reduction="sum") with relative norms,
// and its gradient with respect to yhat, written into dst (nil allocates):
//
//	∂loss/∂ŷ_bt = sign(e_t)·|e_t|^(p−1) / (‖e_b‖_p^(p−1)·‖y_b‖_p),  e = ŷ_b − y_b.
//
// yhat and y are [batch, length] (any inner layout of length values per
// sample); p must be 2 or 4. Norms are accumulated in float64. A sample
// with ŷ_b = y_b contributes 0 and a zero gradient (the subgradient); a
// sample with a zero target norm contributes +Inf or NaN, as in the
// reference. It panics on p other than 2 or 4 or on wrong lengths.
func RelLpLoss(dst []float32, p int, yhat, y []float32, batch, length int) (float64, []float32) {
	if p != 2 && p != 4 {
		panic(fmt.Sprintf("fno: RelLpLoss: p = %d, want 2 or 4", p))
	}
	if len(yhat) != batch*length || len(y) != batch*length {
		panic(fmt.Sprintf("fno: RelLpLoss: len(yhat) = %d, len(y) = %d, want %d", len(yhat), len(y), batch*length))
	}
	if dst == nil {
		dst = make([]float32, batch*length)
	} else if len(dst) != batch*length {
		panic(fmt.Sprintf("fno: RelLpLoss: len(dst) = %d, want %d", len(dst), batch*length))
	}
	return relLp(dst, p, yhat, y, batch, length)
}

func relLp[T float](dst []T, p int, yhat, y []T, batch, length int) (float64, []T) {
	var loss float64
	for b := range batch {
		yh, yt, d := yhat[b*length:(b+1)*length], y[b*length:(b+1)*length], dst[b*length:(b+1)*length]
		var se, sy float64
		for t, v := range yh {
			e := float64(v) - float64(yt[t])
			w := float64(yt[t])
			if p == 2 {
				se += e * e
				sy += w * w
			} else {
				e2, w2 := e*e, w*w
				se += e2 * e2
				sy += w2 * w2
			}
		}
		ne, ny := root(se, p), root(sy, p)
		loss += ne / ny
		if ne == 0 {
			clear(d)
			continue
		}
		// scale = 1 / (‖e‖^(p−1)·‖y‖)
		scale := 1 / (math.Pow(ne, float64(p-1)) * ny)
		for t, v := range yh {
			e := float64(v) - float64(yt[t])
			if p == 2 {
				d[t] = T(e * scale)
			} else {
				d[t] = T(e * e * e * scale)
			}
		}
	}
	return loss, dst
}

func root(s float64, p int) float64 {
	if p == 2 {
		return math.Sqrt(s)
	}
	return math.Sqrt(math.Sqrt(s))
}
