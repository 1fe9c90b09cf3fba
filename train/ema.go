package train

// ema is the exponential moving average of a run's parameters
// (Settings.EMA).
type ema struct {
	decay float64
	w     []float32 // the average
	raw   []float32 // the raw parameters while the average is swapped in
	in    bool      // the model holds the average (swap)
}

// newEMA returns the average of decay d started at params.
func newEMA(d float64, params []float32) *ema {
	return &ema{decay: d, w: append([]float32(nil), params...), raw: make([]float32, len(params))}
}

// emaDecay is the decay of the EMA update after n earlier updates:
// min(d, (1 + n)/(10 + n)).
func emaDecay(d float64, n int64) float64 {
	return min(d, float64(1+n)/float64(10+n))
}

// update folds params into the average after n earlier updates.
func (e *ema) update(params []float32, n int64) {
	d := emaDecay(e.decay, n)
	for i, p := range params {
		e.w[i] = float32(d*float64(e.w[i]) + (1-d)*float64(p))
	}
}

// swap puts the average into params (in = true), keeping the raw
// parameters, or puts them back (in = false); params is the model's
// parameter slice, which the model's layers view, so it is copied into
// rather than replaced. Swapping back restores the raw parameters bit for
// bit.
func (e *ema) swap(params []float32, in bool) {
	if e == nil || e.in == in {
		return
	}
	if in {
		copy(e.raw, params)
		copy(params, e.w)
	} else {
		copy(params, e.raw)
	}
	e.in = in
}
