// The vector kernels, written once over the primitives that vec_avx512.c
// and vec_avx2.c define before including this file (W lanes of float64:
// V, its 64-bit integer view VI, a lane mask M, and the operations below),
// with S naming the instruction set. Every kernel performs, lane by lane,
// exactly the floating-point operations of its Go counterpart in the same
// order (the file is compiled with -ffp-contract=off), so it returns the
// same bits.
//
// A kernel works on blocks of W instances from lo and returns the start of
// the first block it could not take (n when it took them all): a block
// where an exponential's argument lies outside the table method's range
// (math.Exp's in Go) or, for NaTs2_t, a voltage is singular. It stores
// nothing of that block; the Go caller takes it and calls again after it.
// The last partial block goes through buffers padded with its last
// instance.

#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(noble_mech_##name, S)

#define K(i) set1(noble_mech_k[i])

// vexp is expInPlace's table method on W lanes; lanes that it cannot take
// (|x| > 700, NaN) are added to *bad.
static inline __attribute__((always_inline)) V vexp(V x, M *bad) {
	*bad = m_or(*bad, m_not(le(vabs(x), K(0))));
	V rnd = K(2);
	V t = add(mul(x, K(1)), rnd);
	V kf = sub(t, rnd);
	// t = 1.5·2^52 + k exactly, so k is the difference of the bits.
	VI k = isub(asint(t), asint(rnd));
	V r = sub(sub(x, mul(kf, K(3))), mul(kf, K(4)));
	V p = mul(r, add(K(9), mul(r, add(K(8), mul(r, add(K(7), mul(r, add(K(6), mul(r, K(5))))))))));
	VI hi;
	V lo;
	lookup(iand(k, iset1(63)), &hi, &lo);
	// (k >> 6) << 52 keeps bits 6 … 17 of k: logical and arithmetic
	// shifts agree there.
	V s = asdouble(iadd(hi, islli(isrli(k, 6), 52)));
	return add(s, mul(s, add(p, lo)));
}

// vexpsmall is expSmallInPlace on W lanes: the degree-8 series where
// |x| ≤ 1/32, vexp elsewhere.
static inline __attribute__((always_inline)) V vexpsmall(V x, M *bad) {
	M small = le(vabs(x), K(10));
	V one = K(11);
	V y = add(one, mul(x, add(one, mul(x, add(K(12), mul(x, add(K(13), mul(x, add(K(14),
		mul(x, add(K(15), mul(x, add(K(16), mul(x, add(K(17), mul(x, K(18)))))))))))))))));
	if (!m_all(small)) {
		M b = m_none();
		V z = vexp(x, &b);
		*bad = m_or(*bad, m_andnot(small, b));
		y = blend(small, z, y);
	}
	return y;
}

// gate is mech.gate: x + (1 − e)·(inf − x).
static inline V vgate(V x, V inf, V e) { return add(x, mul(sub(set1(1), e), sub(inf, x))); }

long FN(exp)(double *x, long lo, long n) {
	long i = lo;
	for (; i + W <= n; i += W) {
		M bad = m_none();
		V y = vexp(load(x + i), &bad);
		if (m_any(bad)) return i;
		store(x + i, y);
	}
	if (i < n) {
		double b[W];
		for (long l = 0; l < W; l++) b[l] = x[i + (l < n - i ? l : n - i - 1)];
		M bad = m_none();
		V y = vexp(load(b), &bad);
		if (m_any(bad)) return i;
		store(b, y);
		for (long l = 0; i + l < n; l++) x[i + l] = b[l];
	}
	return n;
}

long FN(expsmall)(double *x, long lo, long n) {
	long i = lo;
	for (; i + W <= n; i += W) {
		M bad = m_none();
		V y = vexpsmall(load(x + i), &bad);
		if (m_any(bad)) return i;
		store(x + i, y);
	}
	if (i < n) {
		double b[W];
		for (long l = 0; l < W; l++) b[l] = x[i + (l < n - i ? l : n - i - 1)];
		M bad = m_none();
		V y = vexpsmall(load(b), &bad);
		if (m_any(bad)) return i;
		store(b, y);
		for (long l = 0; i + l < n; l++) x[i + l] = b[l];
	}
	return n;
}

// BLOCKS runs block(idx, mp, hp) (returning nonzero when it cannot take
// the block) over the instances from lo, the last partial block through
// padded buffers.
#define BLOCKS(block)                                                                                  \
	long i = lo;                                                                                       \
	for (; i + W <= n; i += W)                                                                         \
		if (block(nodes + i, m + i, h ? h + i : 0)) return i;                                        \
	if (i < n) {                                                                                       \
		long bi[W];                                                                                    \
		double bm[W], bh[W];                                                                           \
		for (long l = 0; l < W; l++) {                                                                 \
			long q = i + (l < n - i ? l : n - i - 1);                                                  \
			bi[l] = nodes[q];                                                                          \
			bm[l] = m[q];                                                                              \
			bh[l] = h ? h[q] : 0;                                                                      \
		}                                                                                              \
		if (block(bi, bm, bh)) return i;                                                               \
		for (long l = 0; i + l < n; l++) {                                                             \
			m[i + l] = bm[l];                                                                          \
			if (h) h[i + l] = bh[l];                                                                   \
		}                                                                                              \
	}                                                                                                  \
	return n;

// NaTs2_t (naTs2t.advance): c = {−1/6, 0.182, 0.124, exp(28/6), qt·dt,
// 0.015}.
static inline __attribute__((always_inline)) int FN(nats2t_block)(const long *idx, const double *v, double *mp, double *hp, const double *c) {
	V vk = gatherv(v, idx);
	M bad = m_or(eq(vk, set1(-32)), eq(vk, set1(-60)));
	V x = sub(vk, set1(-32)), y = sub(vk, set1(-60));
	V e = vexp(mul(x, set1(c[0])), &bad);
	V kk = set1(c[3]);
	V den = add(set1(c[1]), mul(set1(c[2]), e));
	V minf = vdiv(set1(c[1]), den);
	V hinf = vdiv(e, add(e, kk));
	V a3 = mul(set1(-c[4]), vdiv(mul(x, den), sub(set1(1), e)));
	V a4 = mul(set1(c[4]), vdiv(mul(mul(set1(c[5]), y), add(e, kk)), sub(e, kk)));
	V e3 = vexp(a3, &bad);
	V e4 = vexpsmall(a4, &bad);
	if (m_any(bad)) return 1;
	store(mp, vgate(load(mp), minf, e3));
	store(hp, vgate(load(hp), hinf, e4));
	return 0;
}

long FN(nats2t)(const long *nodes, const double *v, double *m, double *h, long lo, long n, const double *c) {
#define B(ix, mp, hp) FN(nats2t_block)(ix, v, mp, hp, c)
	BLOCKS(B)
#undef B
}

// Ih (ih.advance): c = {1/11.9, 1/33.1, 0.001·6.43, 0.001·193, dt, 154.9,
// 11.9, 1e-6}.
static inline __attribute__((always_inline)) int FN(ih_block)(const long *idx, const double *v, double *mp, const double *c) {
	V vk = gatherv(v, idx);
	M bad = m_none();
	V x = add(vk, set1(c[5]));
	V u = mul(x, set1(c[0]));
	V e1 = vexp(u, &bad);
	V e2 = vexp(mul(vk, set1(c[1])), &bad);
	M tiny = lt(vabs(u), set1(c[7]));
	V vt = blend(tiny, vdiv(x, sub(e1, set1(1))), mul(set1(c[6]), sub(set1(1), vdiv(u, set1(2)))));
	V a = mul(set1(c[2]), vt);
	V ab = add(a, mul(set1(c[3]), e2));
	V minf = vdiv(a, ab);
	V d = vexpsmall(mul(set1(c[4]), sub(set1(-0.0), ab)), &bad);
	if (m_any(bad)) return 1;
	store(mp, vgate(load(mp), minf, d));
	return 0;
}

long FN(ih)(const long *nodes, const double *v, double *m, long lo, long n, const double *c) {
	double *h = 0;
#define B(ix, mp, hp) FN(ih_block)(ix, v, mp, c)
	BLOCKS(B)
#undef B
}

// Im (im.advance): c = {2.5·0.04, −dt·qt·3.3e-3}.
static inline __attribute__((always_inline)) int FN(im_block)(const long *idx, const double *v, double *mp, const double *c) {
	V vk = gatherv(v, idx);
	M bad = m_none();
	V u = vexp(mul(set1(c[0]), sub(vk, set1(-35))), &bad);
	V uu = mul(u, u);
	V s = add(uu, set1(1));
	V minf = vdiv(uu, s);
	V d = vexpsmall(vdiv(mul(set1(c[1]), s), u), &bad);
	if (m_any(bad)) return 1;
	store(mp, vgate(load(mp), minf, d));
	return 0;
}

long FN(im)(const long *nodes, const double *v, double *m, long lo, long n, const double *c) {
	double *h = 0;
#define B(ix, mp, hp) FN(im_block)(ix, v, mp, c)
	BLOCKS(B)
#undef B
}

// Kv3_1 (kv31.advance): c = {18.7, 1/−9.7, −46.56, 1/−44.14, dt}.
static inline __attribute__((always_inline)) int FN(kv31_block)(const long *idx, const double *v, double *mp, const double *c) {
	V vk = gatherv(v, idx);
	M bad = m_none();
	V e1 = vexp(mul(sub(vk, set1(c[0])), set1(c[1])), &bad);
	V e2 = vexp(mul(sub(vk, set1(c[2])), set1(c[3])), &bad);
	V minf = vdiv(set1(1), add(set1(1), e1));
	V d = vexpsmall(mul(set1(c[4]), sub(set1(-0.0), mul(add(set1(1), e2), set1(0.25)))), &bad);
	if (m_any(bad)) return 1;
	store(mp, vgate(load(mp), minf, d));
	return 0;
}

long FN(kv31)(const long *nodes, const double *v, double *m, long lo, long n, const double *c) {
	double *h = 0;
#define B(ix, mp, hp) FN(kv31_block)(ix, v, mp, c)
	BLOCKS(B)
#undef B
}

// current is the Current loop of pas, Ih, Im, Kv3_1 and NaTs2_t: per
// instance k at node n = nodes[k], with the conductance gk = gbar[k]
// (mpow 0, pas), gbar[k]·m[k] (mpow 1) or gbar[k]·m[k]·m[k]·m[k]·h[k]
// (mpow 3, in this order), and the reversal potential e[n] (eNode),
// e[k] or the constant ec (e null), i[n] += gk·(v[n] − e) and g[n] += gk.
// Blocks of consecutive nodes add in place; the others through buffers.
void FN(current)(const long *nodes, long n, const double *v, const double *e, int eNode, double ec,
                 const double *gbar, const double *m, int mpow, const double *h, double *i, double *g) {
	long k = 0;
	for (; k + W <= n; k += W) {
		const long *idx = nodes + k;
		V gk = load(gbar + k);
		if (mpow == 1) {
			gk = mul(gk, load(m + k));
		} else if (mpow == 3) {
			V mk = load(m + k);
			gk = mul(mul(mul(mul(gk, mk), mk), mk), load(h + k));
		}
		V ek = e == 0 ? set1(ec) : eNode ? gatherv(e, idx) : load(e + k);
		V ci = mul(gk, sub(gatherv(v, idx), ek));
		long n0 = idx[0];
		if (idx[W - 1] - n0 == W - 1 && consecutive(idx)) {
			store(i + n0, add(load(i + n0), ci));
			store(g + n0, add(load(g + n0), gk));
		} else {
			double bc[W], bg[W];
			store(bc, ci);
			store(bg, gk);
			for (long l = 0; l < W; l++) {
				i[idx[l]] += bc[l];
				g[idx[l]] += bg[l];
			}
		}
	}
	for (; k < n; k++) {
		long nd = nodes[k];
		double gk = gbar[k];
		if (mpow == 1) {
			gk = gk * m[k];
		} else if (mpow == 3) {
			gk = gk * m[k] * m[k] * m[k] * h[k];
		}
		double ek = e == 0 ? ec : eNode ? e[nd] : e[k];
		i[nd] += gk * (v[nd] - ek);
		g[nd] += gk;
	}
}

// advance4 runs the Advance kernels of NaTs2_t, Ih, Im and Kv3_1 (those
// with n > 0) in one call, each from instance 0, and sets stop[0 … 3] to
// where each stopped.
void FN(advance4)(const double *v, long *stop,
                  const long *nn, double *nm, double *nh, long n0, const double *nc,
                  const long *hn, double *hm, long n1, const double *hc,
                  const long *mn, double *mm, long n2, const double *mc,
                  const long *kn, double *km, long n3, const double *kc) {
	stop[0] = n0 > 0 ? FN(nats2t)(nn, v, nm, nh, 0, n0, nc) : 0;
	stop[1] = n1 > 0 ? FN(ih)(hn, v, hm, 0, n1, hc) : 0;
	stop[2] = n2 > 0 ? FN(im)(mn, v, mm, 0, n2, mc) : 0;
	stop[3] = n3 > 0 ? FN(kv31)(kn, v, km, 0, n3, kc) : 0;
}
