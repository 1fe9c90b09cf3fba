//go:build !cgo || purego

package kernels

import "math"

// Backend names the implementation in use.
const Backend = "go"

// Gelu sets dst[i] = GELU(x[i]); dst may be x itself. It panics if
// len(dst) < len(x).
func Gelu(dst, x []float32) {
	dst = dst[:len(x)]
	for i, v := range x {
		e := float32(0)
		dst[i] = v * phi(v, &e)
	}
}

// GeluBack sets d[i] *= GELU'(x[i]). It panics if len(d) < len(x).
func GeluBack(d, x []float32) {
	d = d[:len(x)]
	for i, v := range x {
		var e float32
		p := phi(v, &e)
		d[i] *= p + v*e*0.39894228040143268
	}
}

func expf(x float32) float32 {
	x = max(min(x, 88), -87)
	fn := (x*1.44269504088896341 + 12582912) - 12582912
	r := x - fn*0.693359375
	r = r + fn*2.12194440e-4
	p := float32(1.9875691500e-4)
	p = p*r + 1.3981999507e-3
	p = p*r + 8.3334519073e-3
	p = p*r + 4.1665795894e-2
	p = p*r + 1.6666665459e-1
	p = p*r + 5.0000001201e-1
	e := p*r*r + r + 1
	return e * math.Float32frombits(uint32(int32(fn)+127)<<23)
}

func phi(x float32, e *float32) float32 {
	z := x * 0.70710678118654752
	az := z
	if az < 0 {
		az = -az
	}
	t := 1 / (1 + 0.3275911*az)
	p := float32(1.061405429)
	p = p*t - 1.453152027
	p = p*t + 1.421413741
	p = p*t - 0.284496736
	p = p*t + 0.254829592
	p = p * t
	ex := expf(-z * z)
	*e = ex
	erf := 1 - p*ex
	if z < 0 {
		erf = -erf
	}
	return 0.5 + 0.5*erf
}
