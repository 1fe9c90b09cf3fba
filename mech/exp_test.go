package mech

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// bigExp returns exp(x) to about 150 bits: exp(x) = e^n·exp(f) with n the
// nearest integer to x, f = x − n exact, e from its decimal expansion and
// exp(f) by its Taylor series.
func bigExp(x float64) *big.Float {
	const prec = 200
	e, _, _ := big.ParseFloat("2.71828182845904523536028747135266249775724709369995957496696762772407663035354759457138217852516642742746639193200305992181741359662904357290033429526059563073813232862794349076323382988075319525101901", 10, prec, big.ToNearestEven)
	n := math.Round(x)
	f := new(big.Float).SetPrec(prec).SetFloat64(x - n)
	sum := new(big.Float).SetPrec(prec).SetInt64(1)
	term := new(big.Float).SetPrec(prec).SetInt64(1)
	for k := 1; k < 60; k++ {
		term.Mul(term, f)
		term.Quo(term, new(big.Float).SetPrec(prec).SetInt64(int64(k)))
		sum.Add(sum, term)
	}
	p := new(big.Float).SetPrec(prec).SetInt64(1)
	base := new(big.Float).SetPrec(prec).Set(e)
	m := int64(n)
	if m < 0 {
		base.Quo(new(big.Float).SetPrec(prec).SetInt64(1), base)
		m = -m
	}
	for ; m > 0; m >>= 1 {
		if m&1 == 1 {
			p.Mul(p, base)
		}
		base.Mul(base, base)
	}
	return p.Mul(p, sum)
}

// ulpErr returns |got − want|/ulp(want) in units of the last place of the
// float64 nearest to want.
func ulpErr(got float64, want *big.Float) float64 {
	w, _ := want.Float64()
	ulp := math.Nextafter(w, math.Inf(1)) - w
	d := new(big.Float).SetPrec(200).SetFloat64(got)
	d.Sub(d, want)
	df, _ := d.Float64()
	return math.Abs(df) / ulp
}

// TestExpAccuracy compares expInPlace with a 200-bit exp at random points
// of [−700, 700] and of the range the rate functions use ([−50, 50]) and at
// points where the table index changes: the error stays below 1 ulp
// (math.Exp's, measured the same way, is reported alongside).
func TestExpAccuracy(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	n := 5000 // with the 400 structured points: a minute under -race; raise locally for a sweep
	if testing.Short() {
		n = 3000
	}
	xs := make([]float64, 0, 2*n+400)
	for range n {
		xs = append(xs, -700+1400*rng.Float64(), -50+100*rng.Float64())
	}
	for k := -200; k < 200; k++ { // near the half-way points of the reduction
		xs = append(xs, (float64(k)+0.5)*math.Ln2/expN)
	}
	got := append([]float64(nil), xs...)
	expInPlace(got)
	var worst, worstStd float64
	var worstX float64
	for i, x := range xs {
		want := bigExp(x)
		if e := ulpErr(got[i], want); e > worst {
			worst, worstX = e, x
		}
		worstStd = max(worstStd, ulpErr(math.Exp(x), want))
	}
	t.Logf("%d points: worst %.3f ulp at x = %.17g (math.Exp: %.3f ulp)", len(xs), worst, worstX, worstStd)
	if worst >= 1 {
		t.Errorf("worst error %.3f ulp at x = %.17g, want < 1", worst, worstX)
	}
}

// TestExpSmallAccuracy: expSmallInPlace against the 200-bit exp on
// [−1/32, 1/32] (its polynomial) and beyond (the fallback): below 1 ulp.
func TestExpSmallAccuracy(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	n := 5000 // with the 400 structured points: a minute under -race; raise locally for a sweep
	if testing.Short() {
		n = 3000
	}
	xs := []float64{0, 1.0 / 32, -1.0 / 32, math.Nextafter(1.0/32, 1), -0.5, 3, -40}
	for range n {
		xs = append(xs, (2*rng.Float64()-1)/32, -0.2*rng.Float64())
	}
	got := append([]float64(nil), xs...)
	expSmallInPlace(got)
	var worst, worstX float64
	for i, x := range xs {
		if e := ulpErr(got[i], bigExp(x)); e > worst {
			worst, worstX = e, x
		}
	}
	t.Logf("%d points: worst %.3f ulp at x = %.17g", len(xs), worst, worstX)
	if worst >= 1 {
		t.Errorf("worst error %.3f ulp at x = %.17g, want < 1", worst, worstX)
	}
	sp := []float64{math.NaN(), math.Inf(-1), 0}
	if expSmallInPlace(sp); !math.IsNaN(sp[0]) || sp[1] != 0 || sp[2] != 1 {
		t.Errorf("exp(NaN, −Inf, 0) = %v, want NaN, 0, 1", sp)
	}
}

// TestExpScalar: exp1 and expSmall1 give the batched functions' results
// bit for bit.
func TestExpScalar(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(9, 10))
	xs := []float64{0, 1.0 / 32, -1.0 / 32, 700, -700, 710, -750, math.Inf(1), math.Inf(-1)}
	for range 5000 {
		xs = append(xs, -100+200*rng.Float64(), (2*rng.Float64()-1)/16)
	}
	a := append([]float64(nil), xs...)
	b := append([]float64(nil), xs...)
	expInPlace(a)
	expSmallInPlace(b)
	for i, x := range xs {
		if got := exp1(x); got != a[i] {
			t.Errorf("exp1(%.17g) = %.17g, expInPlace %.17g", x, got, a[i])
		}
		if got := expSmall1(x); got != b[i] {
			t.Errorf("expSmall1(%.17g) = %.17g, expSmallInPlace %.17g", x, got, b[i])
		}
	}
}

// TestExpSpecial checks the values outside the table's range: overflow,
// underflow, subnormal results, infinities, NaN, and exp(0) = 1 exactly.
func TestExpSpecial(t *testing.T) {
	t.Parallel()
	for _, x := range []float64{0, math.Copysign(0, -1), 700, -700, 709.7, 710, 1000, -708, -740, -746, -1000,
		math.Inf(1), math.Inf(-1), 1e-300, -1e-300} {
		if got, want := exp1(x), math.Exp(x); got != want && math.Abs(got-want) > 2e-16*want {
			t.Errorf("exp(%g) = %g, want %g", x, got, want)
		}
	}
	if got := exp1(0); got != 1 {
		t.Errorf("exp(0) = %v, want 1", got)
	}
	if got := exp1(math.NaN()); !math.IsNaN(got) {
		t.Errorf("exp(NaN) = %v, want NaN", got)
	}
}

var sinkExp []float64

// BenchmarkExp compares expInPlace on benchNodes values with a loop of
// math.Exp over the same values (ns per value; 2026-11-28, load ≈ 1:
// 3.6 and 7.0 ns).
func BenchmarkExp(b *testing.B) {
	src := make([]float64, benchNodes)
	for i := range src {
		src[i] = -5 + 10*float64(i)/benchNodes
	}
	x := make([]float64, benchNodes)
	for _, bc := range []struct {
		name string
		f    func([]float64)
	}{
		{"batched", expInPlace},
		{"math.Exp", func(x []float64) {
			for i, xi := range x {
				x[i] = math.Exp(xi)
			}
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ct := startCPU(b)
			for b.Loop() {
				copy(x, src)
				bc.f(x)
			}
			sinkExp = x
			ct.report(b, benchNodes, "value")
		})
	}
}
