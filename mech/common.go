package mech

import "math"

// base holds the nodes of a mechanism. (Each mechanism's Kind method
// returns its package-level Kind; storing it here would make the Kind's New
// refer to the Kind itself, an initialization cycle.)
type base struct {
	nodes []int
	top   int // 1 + the largest node, 0 until top is called
}

func (b *base) Nodes() []int { return b.nodes }

// topNode returns the largest node (−1 for none), computed once; it panics
// on a negative node. The vector kernels, which do not check their
// indices, call it so that slices too short for the nodes panic in Go.
func (b *base) topNode() int {
	if b.top == 0 {
		t := -1
		for _, n := range b.nodes {
			if n < 0 {
				panic("mech: negative node index")
			}
			t = max(t, n)
		}
		b.top = t + 1
	}
	return b.top - 1
}

// checkVec panics unless every slice in node is long enough for the
// nodes and every slice in inst holds one value per instance, before a
// vector kernel (which does not check) reads or writes them.
func (b *base) checkVec(node [][]float64, inst ...[]float64) {
	if t := b.topNode(); t >= 0 {
		for _, s := range node {
			_ = s[t]
		}
	}
	for _, s := range inst {
		_ = s[:len(b.nodes)]
	}
}

// filled returns a slice of n copies of x.
func filled(n int, x float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = x
	}
	return s
}

// cnexp advances x' = (inf − x)/tau over dt as the C code that NEURON's
// nocmodl emits for METHOD cnexp:
//
//	x = x + (1 − exp(dt·(−1/tau)))·(−(inf/tau)/(−1/tau) − x)
//
// which is the exact solution for inf and tau held constant over the step
// (exponential Euler). −(inf/tau)/(−1/tau) is inf in exact arithmetic, so
// cnexp is gate(x, inf, exp(dt·(−1/tau))), two divisions fewer, within a
// few ulp of nocmodl's expression; the exponential is expSmall1 (the
// argument is small for the time constants of these models).
func cnexp(x, inf, tau, dt float64) float64 {
	return gate(x, inf, expSmall1(dt*(-1/tau)))
}

// gate advances an HH gate x by exponential Euler given its steady state
// inf and the decay factor e = exp(−dt/τ): x + (1 − e)·(inf − x). It is
// cnexp with nocmodl's −(inf/τ)/(−1/τ) replaced by inf, equal in exact
// arithmetic: this saves two divisions per gate and step and changes the
// result by at most a few ulp. The batched Advance methods of the
// mechanisms with many instances (Ih, Im_v2, Kv3_1) use it; the others use
// it through cnexp.
func gate(x, inf, e float64) float64 {
	return x + (1-e)*(inf-x)
}

// vtrap is the vtrap FUNCTION of Ca_HVA.mod, Ih.mod and Kv2like.mod:
// x/(exp(x/y) − 1), replaced by its first-order expansion y(1 − x/y/2)
// when |x/y| < 1e-6.
func vtrap(x, y float64) float64 {
	if math.Abs(x/y) < 1e-6 {
		return y * (1 - x/y/2)
	}
	return x / (exp1(x/y) - 1)
}

// q10 returns 2.3^((celsius − ref)/10), the temperature factor of the
// mechanisms, computed as NEURON does (pow).
func q10(celsius, ref float64) float64 {
	return math.Pow(2.3, (celsius-ref)/10)
}
