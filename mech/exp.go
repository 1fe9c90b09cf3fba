package mech

import (
	"math"
	"math/big"
)

// Batched exponential.
//
// The rate functions of the mechanisms spend most of their time in exp.
// math.Exp is accurate (< 1 ulp) but is an out-of-line call per value, and
// Go's calling convention keeps no floating-point register across a call,
// so a loop that calls it reloads its state around every call and its
// iterations cannot overlap. expInPlace instead evaluates exp over a whole
// slice in one loop with no call on the fast path, so that the processor
// pipelines independent elements; the mechanisms gather their exponents in
// scratch slices, exponentiate them in one pass and combine the results.
//
// # Method
//
// With N = 2^expBits = 64, write x = (64·q + j)·ln2/N + r, j ∈ [0, 64), q an
// integer and |r| ≤ ln2/(2N) ≈ 0.0054 (Tang's table method). Then
//
//	exp(x) = 2^q · 2^(j/N) · exp(r),
//
// with 2^(j/N) = T_j·(1 + t_j) from a table of T_j, correctly rounded to
// float64, and the small relative remainders t_j (|t_j| < 2^-53; both computed
// at start-up with math/big), 2^q added to T_j's exponent bits, and
// exp(r) − 1 = r + r²/2 + r³/6 + r⁴/24 + r⁵/120 (Taylor; the truncation is
// ≤ r⁶/720 ≈ 3.4e-17, 0.15 ulp relative to 1). The index k = 64·q + j is x·N/ln2
// rounded to the nearest integer by adding and subtracting 1.5·2^52, and r
// = x − k·L1 − k·L2 with ln2/N split (Cody & Waite) into L1, whose 32
// significant bits make k·L1 exact for |k| < 2^21, and the remainder L2.
// The result is s + s·(p + t_j) (s = 2^q·T_j, p = exp(r) − 1), so the last
// addition is the only rounding at the scale of the result: the error is
// below 1 ulp (TestExpAccuracy measures ≤ 0.8 ulp
// against a 200-bit reference over [−700, 700]; math.Exp's is about the
// same, glibc's exp, which NEURON uses, is correctly rounded in almost all
// cases). Arguments outside [−700, 700] (overflow, subnormal results,
// infinities) and NaN are passed to math.Exp.
const (
	expBits = 6
	expN    = 1 << expBits
	expMax  = 700.0
	// expRound is 1.5·2^52: adding and subtracting it rounds a float64 of
	// magnitude < 2^51 to the nearest integer (ties to even).
	expRound = 0x1.8p52
	// expInvL is N/ln2.
	expInvL = expN / math.Ln2
)

var (
	expTab [expN]struct {
		hi uint64  // bits of T_j, 2^(j/N) correctly rounded, j = 0 … N−1
		lo float64 // t_j = 2^(j/N)/T_j − 1
	}
	expL1 float64 // ln2/N rounded to 32 significant bits
	expL2 float64 // ln2/N − expL1
)

func init() {
	const prec = 200
	// ln2 to 200 bits: the Go constant math.Ln2 holds more digits than a
	// float64, but big.Float needs them spelled out.
	ln2, _, err := big.ParseFloat("0.69314718055994530941723212145817656807550013436025525412068000949339362196969471560586332699641868754200148102057068573368552023575813055703267075163507596193072757082837143519030703862389167347112335", 10, prec, big.ToNearestEven)
	if err != nil {
		panic(err)
	}
	l := new(big.Float).SetPrec(prec).Quo(ln2, big.NewFloat(expN))
	lf, _ := l.Float64()
	expL1 = math.Float64frombits(math.Float64bits(lf) &^ (1<<21 - 1))
	expL2, _ = new(big.Float).SetPrec(prec).Sub(l, big.NewFloat(expL1)).Float64()
	expK.l1, expK.l2 = expL1, expL2

	// 2^(1/N) by repeated square roots of 2, then its powers.
	root := new(big.Float).SetPrec(prec).SetInt64(2)
	for range expBits {
		root.Sqrt(root)
	}
	p := new(big.Float).SetPrec(prec).SetInt64(1)
	for j := range expN {
		f, _ := p.Float64()
		expTab[j].hi = math.Float64bits(f)
		bf := new(big.Float).SetPrec(prec).SetFloat64(f)
		expTab[j].lo, _ = bf.Quo(p, bf).Sub(bf, big.NewFloat(1)).Float64()
		p.Mul(p, root)
	}
	vecSetup()
}

// expConst holds expInPlace's constants. They are read through a pointer
// because Go's compiler then folds each load into the arithmetic
// instruction that uses it (ADDSD 8(R), X), whereas a constant or a global
// takes a separate load instruction: 9 fewer instructions per value.
type expConst struct {
	max, invL, round, l1, l2, c5, c4, c3, c2, one float64
}

var expK = expConst{max: expMax, invL: expInvL, round: expRound,
	c5: 1.0 / 120, c4: 1.0 / 24, c3: 1.0 / 6, c2: 1.0 / 2, one: 1}

// expInPlace replaces every x[i] by exp(x[i]), within 1 ulp. With a
// vector instruction set (isa.go) the kernel of vec_body.h, the same
// operations on 4 or 16 values at once, takes the slice and leaves the
// blocks holding an argument outside [−700, 700] to expGo.
func expInPlace(x []float64) {
	w := vecWidth()
	if w == 0 || len(x) < vecMin {
		expGo(x)
		return
	}
	for lo := 0; lo < len(x); lo += w {
		lo = expVec(x, lo)
		expGo(x[lo:min(lo+w, len(x))])
	}
}

// vecMin is the shortest slice worth a call of a C kernel (tens of
// nanoseconds).
const vecMin = 16

// expGo is expInPlace's Go loop.
func expGo(x []float64) {
	c := &expK
	for i, xi := range x {
		if !(math.Abs(xi) <= c.max) { // also NaN
			x[i] = math.Exp(xi)
			continue
		}
		kf := xi*c.invL + c.round
		kf -= c.round
		k := int64(kf)
		r := xi - kf*c.l1 - kf*c.l2
		p := r * (c.one + r*(c.c2+r*(c.c3+r*(c.c4+r*c.c5))))
		e := &expTab[k&(expN-1)]
		s := math.Float64frombits(e.hi + uint64(k>>expBits)<<52)
		x[i] = s + s*(p+e.lo)
	}
}

// expSmallInPlace is expInPlace for arguments that are mostly small: the
// decay factors exp(−dt/τ) of the gates, whose arguments are ≥ −0.03 for
// the time constants and steps of these models. For |x| ≤ 1/32 it sums the
// Taylor series to degree 8 (truncation ≤ (1/32)⁹/9! ≈ 8e-20, so the final
// rounding of 1 + x·(…) dominates: within 1 ulp, measured by
// TestExpSmallAccuracy), about half the work of the table method; other
// arguments go to expInPlace's method.
func expSmallInPlace(x []float64) {
	w := vecWidth()
	if w == 0 || len(x) < vecMin {
		expSmallGo(x)
		return
	}
	for lo := 0; lo < len(x); lo += w {
		lo = expSmallVec(x, lo)
		expSmallGo(x[lo:min(lo+w, len(x))])
	}
}

// expSmallGo is expSmallInPlace's Go loop.
func expSmallGo(x []float64) {
	c := &expSmallK
	for i, xi := range x {
		if !(math.Abs(xi) <= c.max) { // also NaN
			x[i] = exp1(xi)
			continue
		}
		x[i] = c.one + xi*(c.one+xi*(c.c2+xi*(c.c3+xi*(c.c4+xi*(c.c5+xi*(c.c6+xi*(c.c7+xi*c.c8)))))))
	}
}

// expSmallConst holds expSmallInPlace's constants (read through a pointer,
// as expConst): the bound and 1/k! for k = 2 … 8.
type expSmallConst struct {
	max, one, c2, c3, c4, c5, c6, c7, c8 float64
}

var expSmallK = expSmallConst{max: 1.0 / 32, one: 1, c2: 1.0 / 2, c3: 1.0 / 6, c4: 1.0 / 24,
	c5: 1.0 / 120, c6: 1.0 / 720, c7: 1.0 / 5040, c8: 1.0 / 40320}

// exp1 is expInPlace for one value, for the mechanisms with few instances
// (their scalar rate functions): the same operations, so the same result
// (TestExpScalar), without math.Exp's slower path.
func exp1(x float64) float64 {
	c := &expK
	if !(math.Abs(x) <= c.max) { // also NaN
		return math.Exp(x)
	}
	kf := x*c.invL + c.round
	kf -= c.round
	k := int64(kf)
	r := x - kf*c.l1 - kf*c.l2
	p := r * (c.one + r*(c.c2+r*(c.c3+r*(c.c4+r*c.c5))))
	e := &expTab[k&(expN-1)]
	s := math.Float64frombits(e.hi + uint64(k>>expBits)<<52)
	return s + s*(p+e.lo)
}

// expSmall1 is expSmallInPlace for one value (the same operations).
func expSmall1(x float64) float64 {
	c := &expSmallK
	if !(math.Abs(x) <= c.max) { // also NaN
		return exp1(x)
	}
	return c.one + x*(c.one+x*(c.c2+x*(c.c3+x*(c.c4+x*(c.c5+x*(c.c6+x*(c.c7+x*c.c8)))))))
}
