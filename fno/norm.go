package fno

import "math"

// gnEps is the ε of torch.nn.GroupNorm (its default), added to the
// variance.
const gnEps = 1e-5

// forward applies torch.nn.GroupNorm(num_groups=1, num_channels=C) to x,
// channel-major [C][batch][l]: for each sample b, the mean μ and the
// biased variance σ² of its C·l values (float64 sums of x and x², so
// σ² = E[x²] − μ², whose cancellation costs ≈ 1e-16·E[x²]/σ² relative:
// nothing at float32), x̂ = r·x − r·μ with r = 1/sqrt(σ² + ε), and
// y = γ_c·x̂ + β_c per channel c. It writes x̂ to xh and y to y (either, or
// both, may be x) and r to rstd[b].
func (gn *groupNorm[T]) forward(y, xh, x []T, rstd []float64, batch, l int) {
	c := len(gn.w)
	n := batch * l
	inv := 1 / float64(c*l)
	for b := range batch {
		var s, sq float64
		for ch := range c {
			seg := x[ch*n+b*l : ch*n+(b+1)*l]
			s += sum64(seg)
			sq += dot64(seg, seg)
		}
		mu := s * inv
		r := 1 / math.Sqrt(max(sq*inv-mu*mu, 0)+gnEps)
		rstd[b] = r
		for ch := range c {
			o := ch*n + b*l
			axpb(xh[o:o+l], x[o:o+l], T(r), T(-r*mu))
		}
		gn.affineSample(y, xh, b, batch, l)
	}
}

// affine sets y = γ_c·x̂ + β_c for all samples: the output of forward
// recomputed from its x̂, bit for bit (the same segments and kernel).
func (gn *groupNorm[T]) affine(y, xh []T, batch, l int) {
	for b := range batch {
		gn.affineSample(y, xh, b, batch, l)
	}
}

func (gn *groupNorm[T]) affineSample(y, xh []T, b, batch, l int) {
	n := batch * l
	for ch := range gn.w {
		o := ch*n + b*l
		axpb(y[o:o+l], xh[o:o+l], gn.w[ch], gn.b[ch])
	}
}

// backward replaces d = ∂loss/∂y by ∂loss/∂x for the forward pass that
// left x̂ in xh and 1/σ in rstd, and adds ∂loss/∂γ_c = Σ d·x̂ and
// ∂loss/∂β_c = Σ d (sums over the batch and positions) to the gradients.
// With g = γ_c·d and N = C·l, per sample
//
//	∂loss/∂x = r·(g − mean(g) − x̂·mean(g·x̂)),
//
// the means over the sample's N values; they and the parameter gradients
// are accumulated in float64 (acc, 2·C values, is scratch).
func (gn *groupNorm[T]) backward(d, xh []T, rstd, acc []float64, batch, l int) {
	c := len(gn.w)
	n := batch * l
	inv := 1 / float64(c*l)
	dw, db := acc[:c], acc[c:2*c]
	clear(dw)
	clear(db)
	for b := range batch {
		var s1, s2 float64 // Σ g, Σ g·x̂
		for ch := range c {
			o := ch*n + b*l
			sd, sdx := sum64(d[o:o+l]), dot64(d[o:o+l], xh[o:o+l])
			db[ch] += sd
			dw[ch] += sdx
			g := float64(gn.w[ch])
			s1 += g * sd
			s2 += g * sdx
		}
		r := rstd[b]
		cx, c0 := T(-r*s2*inv), T(-r*s1*inv)
		for ch := range c {
			o := ch*n + b*l
			normBack(d[o:o+l], xh[o:o+l], T(r*float64(gn.w[ch])), cx, c0)
		}
	}
	for ch := range c {
		gn.dw[ch] += T(dw[ch])
		gn.db[ch] += T(db[ch])
	}
}

// normBack sets d = a·d + b·x + c elementwise.
func normBack[T float](d, x []T, a, b, c T) {
	x = x[:len(d)]
	for i, v := range d {
		d[i] = a*v + b*x[i] + c
	}
}
