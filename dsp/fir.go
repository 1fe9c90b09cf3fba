package dsp

import (
	"errors"
	"fmt"
	"math"
)

// ErrSettings is wrapped by errors about invalid filter or decimator settings.
var ErrSettings = errors.New("dsp: invalid settings")

// maxTaps bounds the length of a designed filter, so that an absurd request
// (a vanishing transition band) is an error rather than an allocation failure.
const maxTaps = 1 << 16

// Lowpass designs a linear-phase low-pass FIR filter by the Kaiser window
// method (see the package documentation): passband edge fp, stopband edge fs
// (cycles per sample, 0 < fp < fs ≤ 0.5) and stopband attenuation atten (dB,
// also the passband ripple −20·log10(1−δ) ≈ δ·8.7 dB). It returns an odd
// number of symmetric taps summing to 1. It allocates the taps.
func Lowpass(fp, fs, atten float64) ([]float64, error) {
	if !(fp > 0 && fp < fs && fs <= 0.5) {
		return nil, fmt.Errorf("%w: band edges fp %v, fs %v: need 0 < fp < fs ≤ 0.5 cycles/sample", ErrSettings, fp, fs)
	}
	if !(atten >= 21 && atten <= 300) {
		return nil, fmt.Errorf("%w: attenuation %v dB: need 21 … 300", ErrSettings, atten)
	}
	dw := 2 * math.Pi * (fs - fp)
	order := int(math.Ceil((atten - 8) / (2.285 * dw)))
	if order%2 == 1 {
		order++
	}
	if order+1 > maxTaps {
		return nil, fmt.Errorf("%w: transition band %v cycles/sample needs %d taps (more than %d)", ErrSettings, fs-fp, order+1, maxTaps)
	}
	beta := kaiserBeta(atten)
	fc := (fp + fs) / 2
	h := make([]float64, order+1)
	half := order / 2
	i0b := besselI0(beta)
	sum := 0.0
	for n := 0; n <= half; n++ {
		m := float64(n - half) // offset from the centre, ≤ 0
		var s float64
		if n == half {
			s = 2 * fc
		} else {
			x := 2 * math.Pi * fc * m
			s = math.Sin(x) / (math.Pi * m)
		}
		r := 2*float64(n)/float64(order) - 1
		w := besselI0(beta*math.Sqrt(1-r*r)) / i0b
		h[n] = s * w
		h[order-n] = h[n] // exact symmetry
	}
	// Sum in a fixed symmetric order, then normalise to unit DC gain.
	for n := 0; n < half; n++ {
		sum += 2 * h[n]
	}
	sum += h[half]
	for n := range h {
		h[n] /= sum
	}
	return h, nil
}

// kaiserBeta returns Kaiser's window parameter β for a stopband attenuation
// of a dB (Oppenheim & Schafer eq. 7.62).
func kaiserBeta(a float64) float64 {
	switch {
	case a > 50:
		return 0.1102 * (a - 8.7)
	case a >= 21:
		return 0.5842*math.Pow(a-21, 0.4) + 0.07886*(a-21)
	}
	return 0
}

// besselI0 returns the modified Bessel function of the first kind of order
// zero, I0(x) = Σ_k ((x/2)^k / k!)², summed until the terms no longer change
// the sum (all terms are positive, so there is no cancellation).
func besselI0(x float64) float64 {
	q := x * x / 4
	sum, term := 1.0, 1.0
	for k := 1; k < 500; k++ {
		term *= q / float64(k*k)
		next := sum + term
		if next == sum {
			break
		}
		sum = next
	}
	return sum
}

// Response returns the amplitude response of the symmetric, centred
// (zero-phase) filter h at frequency f (cycles per sample): a real number,
// negative where the response changes sign in the stopband. It panics if h is
// not of odd length.
func Response(h []float64, f float64) float64 {
	if len(h)%2 == 0 {
		panic("dsp: Response of an even-length filter")
	}
	half := len(h) / 2
	r := h[half]
	for k := 0; k < half; k++ {
		r += 2 * h[k] * math.Cos(2*math.Pi*f*float64(half-k))
	}
	return r
}
