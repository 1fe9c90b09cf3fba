package dsp

import (
	"fmt"
)

// Settings configures a Decimator. A zero field means the default in
// brackets; the defaults are NOBLE's dt 0.02 → 0.06 ms path.
type Settings struct {
	Factor      int     `json:"factor"`         // decimation factor, ≥ 1 [3]
	Passband    float64 `json:"passband"`       // passband edge as a fraction of the output Nyquist frequency, (0, 1) [0.8]
	Attenuation float64 `json:"attenuation_dB"` // stopband attenuation from the output Nyquist frequency on, dB [80]
}

// WithDefaults returns s with zero fields replaced by the defaults.
func (s Settings) WithDefaults() Settings {
	if s.Factor == 0 {
		s.Factor = 3
	}
	if s.Passband == 0 {
		s.Passband = 0.8
	}
	if s.Attenuation == 0 {
		s.Attenuation = 80
	}
	return s
}

// Decimator low-pass filters traces with zero phase and keeps every
// Factor-th sample. It owns a padding buffer reused between calls, so one
// Decimator must not be used by two goroutines at once; its taps may be
// shared (Taps).
type Decimator struct {
	set    Settings
	taps   []float64
	factor int
	ext    []float64 // the input with odd-symmetric padding of len(taps)/2 each side
}

// NewDecimator designs the filter for s (nil means the defaults) and returns
// a Decimator. With Factor 1 it filters nothing and only copies.
func NewDecimator(s *Settings) (*Decimator, error) {
	var set Settings
	if s != nil {
		set = *s
	}
	set = set.WithDefaults()
	if set.Factor < 1 || set.Factor > 1000 {
		return nil, fmt.Errorf("%w: factor %d: need 1 … 1000", ErrSettings, set.Factor)
	}
	if !(set.Passband > 0 && set.Passband < 1) {
		return nil, fmt.Errorf("%w: passband %v: need a fraction of the output Nyquist frequency in (0, 1)", ErrSettings, set.Passband)
	}
	d := &Decimator{set: set, factor: set.Factor}
	if set.Factor == 1 {
		d.taps = []float64{1}
		return d, nil
	}
	stop := 0.5 / float64(set.Factor)
	h, err := Lowpass(set.Passband*stop, stop, set.Attenuation)
	if err != nil {
		return nil, err
	}
	d.taps = h
	return d, nil
}

// Settings returns the settings with defaults filled in.
func (d *Decimator) Settings() Settings { return d.set }

// Taps returns the filter coefficients (odd length, symmetric, sum 1). Do
// not modify them.
func (d *Decimator) Taps() []float64 { return d.taps }

// Len returns the number of output samples for n input samples, ⌈n/Factor⌉.
func (d *Decimator) Len(n int) int { return (n + d.factor - 1) / d.factor }

// Decimate filters src and keeps the samples 0, Factor, 2·Factor, … into dst,
// which must have length Len(len(src)) or be nil (then it is allocated). It
// returns dst. It panics if dst has the wrong length. After the first call
// with a given input length it does not allocate.
func (d *Decimator) Decimate(dst, src []float64) []float64 {
	return d.apply(dst, src, d.factor)
}

// Filter applies the zero-phase low-pass filter without decimating: dst has
// the length of src (nil allocates). It panics if dst has the wrong length.
func (d *Decimator) Filter(dst, src []float64) []float64 {
	return d.apply(dst, src, 1)
}

func (d *Decimator) apply(dst, src []float64, step int) []float64 {
	n := len(src)
	m := (n + step - 1) / step
	if dst == nil {
		dst = make([]float64, m)
	}
	if len(dst) != m {
		panic(fmt.Sprintf("dsp: destination length %d, want %d", len(dst), m))
	}
	if n == 0 {
		return dst
	}
	h := d.taps
	half := len(h) / 2
	if cap(d.ext) < n+2*half {
		d.ext = make([]float64, n+2*half)
	}
	ext := d.ext[:n+2*half]
	copy(ext[half:], src)
	x0, xn := src[0], src[n-1]
	for k := 1; k <= half; k++ {
		ext[half-k] = 2*x0 - src[min(k, n-1)]
		ext[half+n-1+k] = 2*xn - src[max(n-1-k, 0)]
	}
	// Output j is centred on input j·step, i.e. ext[j·step + half]: the taps
	// cover ext[j·step … j·step + 2·half]. The sum runs in a fixed order, so
	// results are bit-identical wherever a trace is processed.
	for j := range dst {
		w := ext[j*step : j*step+len(h)]
		w = w[:len(h)]
		// Fold the symmetric taps, h[k] = h[2·half−k], and sum deviations
		// from the centre sample: with Σh = 1, y = xc + Σ_{k<half}
		// h[k]·(w[k] + w[2·half−k] − 2·xc). A constant passes exactly and
		// the products are of small numbers (better rounding at −70 mV).
		xc := w[half]
		var acc float64
		for k, c := range h[:half] {
			acc += c * ((w[k] - xc) + (w[2*half-k] - xc))
		}
		dst[j] = xc + acc
	}
	return dst
}
