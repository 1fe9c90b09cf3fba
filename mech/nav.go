package mech

import "math"

// naV is the 12-state Markov sodium channel of NaV.mod ("Mouse sodium
// current", kinetics of Carter, Giessel, Sabatini & Bean, Neuron 75:1081,
// 2012; 37 °C recordings from mouse CA1 pyramidal cells):
//
//	ina = gbar·O·(v − ena)
//
// The states form a 2×6 ladder: a closed/open row C1 … C5, O and an
// inactivated row I1 … I6, with the total occupancy conserved (= 1):
//
//	C1 ⇄ C2 ⇄ C3 ⇄ C4 ⇄ C5 ⇄ O        f0k / b0k (k = 1…4), f0O / b0O
//	↕    ↕    ↕    ↕    ↕    ↕        fik / bik (k = 1…5), fin / bin
//	I1 ⇄ I2 ⇄ I3 ⇄ I4 ⇄ I5 ⇄ I6       f1k / b1k (k = 1…4), f1n / b1n
//
// with qt = 2.3^((celsius − 37)/10) and, for k = 1…4,
//
//	f0k = qt·(5−k)·alpha·exp(v/x1)   b0k = qt·k·beta·exp(v/x2)
//	f1k = f0k·alfac                  b1k = b0k/btfac
//	fik = qt·Con·alfac^(k−1)         bik = qt·Coff/btfac^(k−1)   (also k = 5)
//	f0O = f1n = qt·gamma             b0O = b1n = qt·delta
//	fin = qt·Oon                     bin = qt·Ooff
//
// and the GLOBAL constants alpha 400, beta 12, gamma 250, delta 60, Con 0.01,
// Coff 40, Oon 8, Ooff 0.05 (/ms), alfac 2.51, btfac 5.32, x1 24, x2 −24 mV.
// Only gbar (S/cm², default 0.015) is a RANGE parameter.
//
// # Numerics
//
// NEURON integrates the KINETIC block with METHOD sparse: one Newton step of
// backward Euler, exact for this linear scheme, i.e. (I − dt·A(v))·y' = y
// with the rates at the new v and the CONSERVE equation replacing one row.
//
// The matrix is block tridiagonal in the ladder positions (C_k, I_k), with
// 2×2 diagonal blocks and diagonal off-diagonal blocks, and, being an
// M-matrix (I minus dt times a generator), needs no pivoting: it is solved
// by block Gaussian elimination (block Thomas algorithm) in about 200 flops
// and 6 divisions, against ~700 flops for dense elimination. step does this
// for one compartment; Advance uses stepChunk, the same elimination done
// position by position across 32 compartments at once, which lets the
// processor overlap the independent systems instead of waiting on each
// one's chain of divisions (BenchmarkNaVSolve, ns per compartment-step:
// chunked ~63, one at a time ~117, dense ~800; NEURON 8.2.2's generic sparse
// solver, ~2.3 µs). exp(v/x2) is taken as 1/exp(v/x1) since x2 = −x1
// (equal within an ulp); exp is expInPlace over the chunk (exp.go).
//
// Backward Euler preserves the total in exact arithmetic, but the total is
// a neutral direction of the iteration, so rounding makes it drift (~1e-12
// over 1e5 steps; up to ~4e-16 in one step). Advance therefore rescales y
// by 2 − Σ (= 1/Σ up to (Σ − 1)² ~ 1e-32) every 4th step, keeping Σ = 1 to
// ~2e-15 (every step: 4e-16; TestNaVConservation asks 1e-14) as NEURON's
// CONSERVE row does; this changes the states by ~1e-16 relative. Rescaling
// every step would cost a sixth of the solve.
//
// # Initial state
//
// The INITIAL block does not solve the kinetic scheme's steady state but the
// LINEAR block seqinitial, the balance equations of C1 … C5, O, I1 … I5 and
// the conservation law. Its equation for I3 has, in the published file, the
// term I4·bi3 where the scheme has I4·b13, so NEURON starts NaV far from its
// steady state: at −80 mV and 34 °C, I6 = 0.048 instead of 9.4e-5, I4 and
// I5 = 0.0071 and 0.0062 instead of 1.6e-4 and 2.2e-5, O = 5.1e-5 instead
// of 9.9e-6 (max difference 0.05; 0.18 at −65 mV). Clamped at −80 mV the
// excess relaxes with τ ≈ 0.18 ms (difference 3e-4 after 1 ms, 1e-6 after
// 2 ms). Init reproduces the file, typo included, so that runs match
// NEURON's (checked against NEURON 8.2.2's states after finitialize).
type naV struct {
	base
	gbar []float64
	// y holds the occupancies, in the order of the naC1 … naI6 constants,
	// naChunk compartments per block: instance k's state i is
	// y[k/naChunk][i·naChunk + k%naChunk].
	y []naBlock

	qt    float64
	r     naConst
	w     naWork // scratch of Advance
	steps int    // Advance calls since Init
}

// state returns the occupancies of instance k.
func (c *naV) state(k int) (y [naN]float64) {
	b := &c.y[k/naChunk]
	for i := range naN {
		y[i] = b[i*naChunk+k%naChunk]
	}
	return y
}

// NaV state indices: the closed/open row, then the inactivated row, so that
// ladder position k holds states k and k+6.
const (
	naC1 = iota
	naC2
	naC3
	naC4
	naC5
	naO
	naI1
	naI2
	naI3
	naI4
	naI5
	naI6
	naN
)

// NaV.mod GLOBAL parameters.
const (
	naAlpha = 400.0 // /ms
	naBeta  = 12.0  // /ms
	naGamma = 250.0 // /ms
	naDelta = 60.0  // /ms
	naCon   = 0.01  // /ms
	naCoff  = 40.0  // /ms
	naOon   = 8.0   // /ms
	naOoff  = 0.05  // /ms
	naAlfac = 2.51  // 1
	naBtfac = 5.32  // 1
	naX1    = 24.0  // mV
	naX2    = -24.0 // mV
	naGbar  = 0.015 // S/cm², default gbar
	naQ10   = 2.3   // 1
	naTref  = 37.0  // °C
)

// naConst holds the rate factors of one temperature: the voltage-dependent
// horizontal rates are fT[k]·exp(v/x1) (C_k+1 → C_k+2), bT[k]·exp(v/x2)
// (back), and fB, bB likewise in the inactivated row, for k = 0…3; index 4
// holds the constant rates C5 → O (f0O), O → C5 (b0O), I5 → I6 (f1n), I6 → I5
// (b1n). down[k] and up[k] are the vertical rates at ladder position k.
type naConst struct {
	fT, bT, fB, bB [5]float64
	down, up       [6]float64

	// The same factors times dt, for the dt of the last step.
	dt                 float64
	sfT, sbT, sfB, sbB [5]float64
	sdown, sup         [6]float64

	// The block solve's coefficients per ladder position k = 0 … 5 (see
	// stepChunk): the scaled rates into C_k and I_k from the left (f) and
	// the right (b), zero where there is no link; 1 + the vertical rate out
	// of C_k (a0) and I_k (d0); the products f·b of the horizontal rates
	// that the elimination needs, voltage-independent because
	// exp(v/x1)·exp(v/x2) = 1.
	kb, kbB [6]float64 // the rate factors from k+1 into k, zero for k = 5
	stage   [6]naStageConst
}

// scale sets the dt-scaled factors for dt.
func (r *naConst) scale(dt float64) {
	r.dt = dt
	for k := range 5 {
		r.sfT[k], r.sbT[k], r.sfB[k], r.sbB[k] = r.fT[k]*dt, r.bT[k]*dt, r.fB[k]*dt, r.bB[k]*dt
	}
	for k := range 6 {
		r.sdown[k], r.sup[k] = r.down[k]*dt, r.up[k]*dt
	}
	for k := range 6 {
		c := naStageConst{a0: 1 + r.sdown[k], d0: 1 + r.sup[k], up: r.sup[k], down: r.sdown[k]}
		r.kb[k], r.kbB[k] = 0, 0
		if k < 5 {
			r.kb[k], r.kbB[k] = r.sbT[k], r.sbB[k]
			c.f, c.fB = r.sfT[k], r.sfB[k]
			c.pTT, c.pTB = r.sfT[k]*r.sbT[k], r.sfT[k]*r.sbB[k]
			c.pBT, c.pBB = r.sfB[k]*r.sbT[k], r.sfB[k]*r.sbB[k]
		}
		if k > 0 {
			c.u, c.uB = r.sbT[k-1], r.sbB[k-1]
		}
		r.stage[k] = c
	}
}

func newNaConst(qt float64) naConst {
	var r naConst
	for k := 0; k < 4; k++ {
		r.fT[k] = qt * float64(4-k) * naAlpha
		r.fB[k] = qt * float64(4-k) * naAlpha * naAlfac
		r.bT[k] = qt * float64(k+1) * naBeta
		r.bB[k] = qt * float64(k+1) * naBeta / naBtfac
	}
	r.fT[4], r.fB[4] = qt*naGamma, qt*naGamma
	r.bT[4], r.bB[4] = qt*naDelta, qt*naDelta
	for k := 0; k < 5; k++ {
		r.down[k] = qt * naCon * math.Pow(naAlfac, float64(k))
		r.up[k] = qt * naCoff / math.Pow(naBtfac, float64(k))
	}
	r.down[5], r.up[5] = qt*naOon, qt*naOoff
	return r
}

// rates returns the horizontal rates at v: forward and backward, closed row
// (T) and inactivated row (B), for the 5 horizontal links.
func (r *naConst) rates(v float64) (fT, bT, fB, bB [5]float64) {
	ea := math.Exp(v / naX1)
	eb := 1 / ea // exp(v/x2) with x2 = −x1
	for k := 0; k < 4; k++ {
		fT[k] = r.fT[k] * ea
		fB[k] = r.fB[k] * ea
		bT[k] = r.bT[k] * eb
		bB[k] = r.bB[k] * eb
	}
	fT[4], bT[4], fB[4], bB[4] = r.fT[4], r.bT[4], r.fB[4], r.bB[4]
	return
}

// generator returns A(v), the transition-rate matrix of the scheme:
// dy/dt = A·y, A[i][j] the rate from state j to state i (i ≠ j) and
// A[j][j] = −(sum of the rates out of j).
func (r *naConst) generator(v float64) (a [naN][naN]float64) {
	fT, bT, fB, bB := r.rates(v)
	link := func(from, to int, rate float64) {
		a[to][from] += rate
		a[from][from] -= rate
	}
	for k := 0; k < 5; k++ {
		link(k, k+1, fT[k])
		link(k+1, k, bT[k])
		link(6+k, 7+k, fB[k])
		link(7+k, 6+k, bB[k])
	}
	for k := 0; k < 6; k++ {
		link(k, 6+k, r.down[k])
		link(6+k, k, r.up[k])
	}
	return a
}

// seqinitial returns the solution of NaV.mod's LINEAR block seqinitial at v:
// the balance rows of A for C1 … C5, O, I1 … I5 (with the file's I4·bi3 in
// the I3 row) and the conservation law in place of I6's row.
func (r *naConst) seqinitial(v float64) [naN]float64 {
	a := r.generator(v)
	// The file's I3 equation: "I2*f12 + C3*fi3 + I4*bi3 - I3*(b12+bi3+f13)".
	a[naI3][naI4] = r.up[2]
	var b [naN]float64
	for j := range a[naI6] {
		a[naI6][j] = 1
	}
	b[naI6] = 1
	return solveDense(&a, &b)
}

// steadyState returns the null vector of A(v) normalised to total 1: the
// true equilibrium of the scheme (which seqinitial misses by its typo).
func (r *naConst) steadyState(v float64) [naN]float64 {
	a := r.generator(v)
	var b [naN]float64
	for j := range a[naI6] {
		a[naI6][j] = 1
	}
	b[naI6] = 1
	return solveDense(&a, &b)
}

// solveDense solves a·x = b by Gaussian elimination with partial pivoting,
// overwriting a. It is used at Init only (and as the tests' reference).
func solveDense(a *[naN][naN]float64, b *[naN]float64) [naN]float64 {
	for c := 0; c < naN; c++ {
		p := c
		for r := c + 1; r < naN; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		a[c], a[p] = a[p], a[c]
		b[c], b[p] = b[p], b[c]
		for r := c + 1; r < naN; r++ {
			f := a[r][c] / a[c][c]
			if f == 0 {
				continue
			}
			for j := c; j < naN; j++ {
				a[r][j] -= f * a[c][j]
			}
			b[r] -= f * b[c]
		}
	}
	var x [naN]float64
	for r := naN - 1; r >= 0; r-- {
		s := b[r]
		for j := r + 1; j < naN; j++ {
			s -= a[r][j] * x[j]
		}
		x[r] = s / a[r][r]
	}
	return x
}

// step replaces y by the backward Euler step (I − dt·A(v))⁻¹·y, solving the
// block-tridiagonal system by block Gaussian elimination over the six
// ladder positions k, each holding the 2-vector (C_k, I_k) (C6 = O).
func (r *naConst) step(y *[naN]float64, v, dt float64) {
	if dt != r.dt {
		r.scale(dt)
	}
	// Scaled rates: everything below is dt·rate.
	ea := math.Exp(v / naX1)
	eb := 1 / ea // exp(v/x2) with x2 = −x1
	var fT, bT, fB, bB [5]float64
	for k := 0; k < 4; k++ {
		fT[k] = r.sfT[k] * ea
		fB[k] = r.sfB[k] * ea
		bT[k] = r.sbT[k] * eb
		bB[k] = r.sbB[k] * eb
	}
	fT[4], bT[4], fB[4], bB[4] = r.sfT[4], r.sbT[4], r.sfB[4], r.sbB[4]
	var inv [6][4]float64 // inverses of the eliminated diagonal blocks
	var rT, rB [6]float64 // eliminated right-hand sides
	// Diagonal block k: [[1 + dt·out(C_k), −dt·up_k], [−dt·down_k, 1 + dt·out(I_k)]].
	// Sub-diagonal block L_k = −diag(fT[k−1], fB[k−1]); super-diagonal U_k = −diag(bT[k], bB[k]).
	var pa, pb, pc, pd float64 // coupling W·U_{k−1} subtracted from block k
	var qT, qB float64         // W·r_{k−1} subtracted from the rhs of block k
	for k := 0; k < 6; k++ {
		up, down := r.sup[k], r.sdown[k]
		a := 1 + down
		d := 1 + up
		if k < 5 {
			a += fT[k]
			d += fB[k]
		}
		if k > 0 {
			a += bT[k-1]
			d += bB[k-1]
		}
		b, c := -up, -down
		a -= pa
		b -= pb
		c -= pc
		d -= pd
		det := 1 / (a*d - b*c)
		ia, ib, ic, id := d*det, -b*det, -c*det, a*det
		inv[k] = [4]float64{ia, ib, ic, id}
		tT, tB := y[k]-qT, y[6+k]-qB
		rT[k], rB[k] = tT, tB
		if k < 5 {
			// W = L_{k+1}·inv_k = −diag(fT[k], fB[k])·inv_k; block k+1 gets
			// −W·U_k = −(fT·ia·bT, fT·ib·bB; fB·ic·bT, fB·id·bB) added ... as
			// D_{k+1} − W·U_k with U_k = −diag(bT[k], bB[k]).
			lt, lb := fT[k], fB[k]
			ut, ub := bT[k], bB[k]
			pa, pb = lt*ia*ut, lt*ib*ub
			pc, pd = lb*ic*ut, lb*id*ub
			// r_{k+1} −= W·r_k, W = −diag(lt, lb)·inv_k.
			qT = -lt * (ia*tT + ib*tB)
			qB = -lb * (ic*tT + id*tB)
		}
	}
	// Back substitution: x_k = inv_k·(r_k − U_k·x_{k+1}) = inv_k·(r_k + diag(bT, bB)·x_{k+1}).
	var xT, xB, sT, sB float64 // sT, sB: the totals of the two rows
	for k := 5; k >= 0; k-- {
		tT, tB := rT[k], rB[k]
		if k < 5 {
			tT += bT[k] * xT
			tB += bB[k] * xB
		}
		iv := &inv[k]
		xT = iv[0]*tT + iv[1]*tB
		xB = iv[2]*tT + iv[3]*tB
		y[k], y[6+k] = xT, xB
		sT += xT
		sB += xB
	}
	// Renormalise: multiply by 2 − Σ = 1/Σ + O((Σ − 1)²), Σ − 1 ~ 1e-16.
	f := 2 - (sT + sB)
	for i := range y {
		y[i] *= f
	}
}

var naVKind = &Kind{
	Name:   "NaV",
	Params: []Param{{Name: "gbar", Default: naGbar, Unit: "S/cm2"}},
	Ions:   Na,
	New: func(nodes []int) Mechanism {
		n := len(nodes)
		return &naV{base: base{nodes: nodes}, gbar: filled(n, naGbar), y: make([]naBlock, (n+naChunk-1)/naChunk),
			qt: 1, r: newNaConst(1)}
	},
}

// Kind returns the naV kind.
func (c *naV) Kind() *Kind { return naVKind }

func (c *naV) Param(name string) []float64 {
	if name == "gbar" {
		return c.gbar
	}
	return nil
}

// Init computes qt at s.Celsius and sets the states to the solution of
// seqinitial at s.V, as NEURON's INITIAL block does.
func (c *naV) Init(s *State) {
	c.qt = math.Pow(naQ10, (s.Celsius-naTref)/10)
	c.r = newNaConst(c.qt)
	c.steps = 0
	for k, n := range c.nodes {
		y := c.r.seqinitial(s.V[n])
		for i := range naN {
			c.y[k/naChunk][i*naChunk+k%naChunk] = y[i]
		}
	}
}

func (c *naV) Current(s *State, i, g []float64) {
	v, ena := s.V, s.Ena
	for q := range c.y {
		lo := q * naChunk
		nodes := c.nodes[lo:min(lo+naChunk, len(c.nodes))]
		gbar := c.gbar[lo : lo+len(nodes)]
		o := c.y[q][naO*naChunk : naO*naChunk+len(nodes)]
		for j, n := range nodes {
			gk := gbar[j] * o[j]
			i[n] += gk * (v[n] - ena[n])
			g[n] += gk
		}
	}
}

// Advance takes one backward Euler step in every compartment, naChunk
// compartments at a time (stepChunk).
func (c *naV) Advance(s *State, dt float64) {
	if dt != c.r.dt {
		c.r.scale(dt)
	}
	c.steps++
	renorm := c.steps%naRenormEvery == 0
	for q := range c.y {
		lo := q * naChunk
		c.r.stepChunk(&c.w, &c.y[q], s.V, c.nodes[lo:min(lo+naChunk, len(c.nodes))], renorm)
	}
}

// naChunk is the number of compartments whose NaV systems are solved
// together.
const naChunk = 32

// renormChunk rescales the occupancies of every compartment of y by
// 2 − Σ, as step does, with Σ summed in step's order (each row from O down
// to C1, then the two rows). It uses w.ea and w.eb, free after the solve.
func (r *naConst) renormChunk(w *naWork, y *naBlock) {
	sT, sB := &w.ea, &w.eb
	for j := range naChunk {
		sT[j], sB[j] = y[5*naChunk+j], y[11*naChunk+j]
	}
	for k := 4; k >= 0; k-- {
		lo := k * naChunk
		for j := range naChunk {
			i := lo + j
			sT[j] += y[i]
			sB[j] += y[i+6*naChunk]
		}
	}
	for j := range naChunk {
		sT[j] = 2 - (sT[j] + sB[j])
	}
	for q := range naN {
		lo := q * naChunk
		for j := range naChunk {
			y[lo+j] *= sT[j]
		}
	}
}

// naRenormEvery is how many steps Advance takes between renormalisations
// of the totals (see the type's documentation).
const naRenormEvery = 4

// naBlock holds the occupancies of naChunk compartments, state by state
// (structure of arrays): state i of compartment j is at i·naChunk + j.
// Slots past the last compartment hold zeros, a trivial system that stays
// zero.
type naBlock [naN * naChunk]float64

// naWork is the scratch of stepChunk: per compartment j of a chunk, the
// voltage factors, and per ladder position k the eliminated block and what
// k passes to k+1, at k·naChunk + j.
type naWork struct {
	ea, eb, one            [naChunk]float64     // exp(v/x1), exp(v/x2) = 1/exp(v/x1), and 1
	ia, ib, ic, id, rT, rB [5 * naChunk]float64 // inverted diagonal blocks, right-hand sides (k < 5)
	// The coupling P and the right-hand side correction g that position k
	// receives from k−1, at k·naChunk + j (k ≥ 1; slot 0 is unused).
	pa, pb, pc, pd, gT, gB [6 * naChunk]float64
}

// naStageConst holds the dt-scaled constants of ladder position k in the
// elimination (see stepChunk): the horizontal rate factors out of C_k and
// I_k to the right (f, fB) and into position k−1 (u, uB), 1 + the vertical
// rates (a0 = 1 + dt·down_k, d0 = 1 + dt·up_k), the vertical rates, and the
// products of the rate factors between k and k+1 (pTT = f·u_{k+1} etc.).
// Missing links (left of C1, right of O) have zero rates.
type naStageConst struct {
	f, fB, u, uB, a0, d0, up, down, pTT, pTB, pBT, pBB float64
}

// stepChunk is step for the naChunk compartments of y at once: y[·][j] ←
// (I − dt·A(v[nodes[j]]))⁻¹·y[·][j] (len(nodes) ≤ naChunk). It performs the
// same block elimination as step, up to the last bit (the coupling products
// f·inv·b use the voltage-independent f·b, and signs are folded), but
// position by position over all compartments of the chunk instead of
// compartment by compartment. Within one compartment every position depends
// on the previous one through a division, so step is bound by the latency of
// that chain; across compartments the systems are independent, so the inner
// loops over j let the processor overlap them. Every array of the scratch
// and of y is addressed from one base pointer and one index, which keeps
// the loops' registers for the arithmetic (Go's compiler does not unroll or
// hoist, so fewer live pointers means fewer spills and address
// computations: ~40 % fewer instructions than with an array per position).
// Unused slots carry zeros. The scratch, ~18 kB, stays in the L1 cache. The
// rates must have been scaled (scale) for the step's dt. If renorm is set,
// the totals are then reset to 1 (renormChunk).
func (r *naConst) stepChunk(w *naWork, y *naBlock, v []float64, nodes []int, renorm bool) {
	for j, n := range nodes {
		w.ea[j] = v[n] / naX1
	}
	for j := len(nodes); j < naChunk; j++ {
		w.ea[j] = 0
	}
	expInPlace(w.ea[:])
	for j := range naChunk {
		w.eb[j] = 1 / w.ea[j] // exp(v/x2) with x2 = −x1
		w.one[j] = 1
	}
	// Forward elimination. Block k, minus the coupling from k−1, is
	// [[a, −B], [−C, d]] with a = 1 + dt·out(C_k) − pa, d = 1 + dt·out(I_k)
	// − pd, B = dt·up_k + pb, C = dt·down_k + pc; its inverse is
	// [[ia, ib], [ic, id]] = [[d, B], [C, a]]/(a·d − B·C). The right-hand
	// side is r = y_k + g. With the horizontal rates fT, fB (k → k+1) and
	// uT, uB (k+1 → k), block k+1 gets P = diag(fT, fB)·inv·diag(uT, uB),
	// i.e. pa = (fT·uT)·ia etc. with the constant products f·u, and
	// g = diag(fT, fB)·inv·r.
	// Position 0 (C1, I1) has nothing to its left: P = 0, g = 0.
	c := &r.stage[0]
	for j := range naChunk {
		fT, fB := c.f*w.ea[j], c.fB*w.ea[j]
		a := c.a0 + fT
		d := c.d0 + fB
		det := 1 / (a*d - c.up*c.down)
		xa, xb, xc, xd := d*det, c.up*det, c.down*det, a*det
		w.ia[j], w.ib[j], w.ic[j], w.id[j] = xa, xb, xc, xd
		w.pa[j+naChunk], w.pb[j+naChunk] = c.pTT*xa, c.pTB*xb
		w.pc[j+naChunk], w.pd[j+naChunk] = c.pBT*xc, c.pBB*xd
		tT, tB := y[j], y[j+6*naChunk]
		w.rT[j], w.rB[j] = tT, tB
		w.gT[j+naChunk] = fT * (xa*tT + xb*tB)
		w.gB[j+naChunk] = fB * (xc*tT + xd*tB)
	}
	for k := 1; k < 5; k++ {
		fe := &w.ea // voltage factor of the rates from k to k+1
		if k == 4 {
			fe = &w.one
		}
		be := &w.eb // of the rates from k into k−1, part of out(C_k), out(I_k)
		c := &r.stage[k]
		lo := k * naChunk
		for j := range naChunk {
			i := lo + j
			fT, fB := c.f*fe[j], c.fB*fe[j]
			a := c.a0 + fT + c.u*be[j] - w.pa[i]
			d := c.d0 + fB + c.uB*be[j] - w.pd[i]
			bb := c.up + w.pb[i]
			cc := c.down + w.pc[i]
			det := 1 / (a*d - bb*cc)
			xa, xb, xc, xd := d*det, bb*det, cc*det, a*det
			w.ia[i], w.ib[i], w.ic[i], w.id[i] = xa, xb, xc, xd
			w.pa[i+naChunk], w.pb[i+naChunk] = c.pTT*xa, c.pTB*xb
			w.pc[i+naChunk], w.pd[i+naChunk] = c.pBT*xc, c.pBB*xd
			tT, tB := y[i]+w.gT[i], y[i+6*naChunk]+w.gB[i]
			w.rT[i], w.rB[i] = tT, tB
			w.gT[i+naChunk] = fT * (xa*tT + xb*tB)
			w.gB[i+naChunk] = fB * (xc*tT + xd*tB)
		}
	}
	// The last position, (O, I6), has no rates to the right and constant
	// ones to the left; its block is solved at once: x_5 = inv_5·r_5.
	c = &r.stage[5]
	for j := range naChunk {
		i := 5*naChunk + j
		a := c.a0 + c.u - w.pa[i]
		d := c.d0 + c.uB - w.pd[i]
		bb := c.up + w.pb[i]
		cc := c.down + w.pc[i]
		det := 1 / (a*d - bb*cc)
		tT, tB := y[i]+w.gT[i], y[i+6*naChunk]+w.gB[i]
		y[i] = d*det*tT + bb*det*tB
		y[i+6*naChunk] = cc*det*tT + a*det*tB
	}
	// Back substitution: x_k = inv_k·(r_k + diag(uT, uB)·x_{k+1}), into y.
	for k := 4; k >= 0; k-- {
		be := &w.eb
		if k == 4 {
			be = &w.one
		}
		ub, ubB := r.kb[k], r.kbB[k]
		lo := k * naChunk
		for j := range naChunk {
			i := lo + j
			tT := w.rT[i] + ub*be[j]*y[i+naChunk]
			tB := w.rB[i] + ubB*be[j]*y[i+7*naChunk]
			y[i] = w.ia[i]*tT + w.ib[i]*tB
			y[i+6*naChunk] = w.ic[i]*tT + w.id[i]*tB
		}
	}
	if renorm {
		r.renormChunk(w, y)
	}
}
