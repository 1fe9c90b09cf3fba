//go:build cgo && amd64 && !purego

// The vector kernels on AVX-512 (2 × 8 lanes): the primitives of
// vec_body.h.

#pragma GCC target("avx512f")
#pragma GCC optimize("fp-contract=off")

#include <immintrin.h>

#include "vec.h"

#define S avx512
// Two vectors per value: the kernels are chains of dependent operations,
// and interleaving two independent chains in program order lets the core
// overlap them, which it does poorly by itself across loop iterations
// (measured: 1.4 → 0.6 ns per value for expSmallInPlace's series).
#define W 16

typedef __m512d D;
typedef __m512i DI;
typedef struct {
	D a, b;
} V;
typedef struct {
	DI a, b;
} VI;
typedef __mmask16 M; // the lanes of a in bits 0 … 7, of b in bits 8 … 15

#define MAP2(f, x, y) {f((x).a, (y).a), f((x).b, (y).b)}
static inline V set1(double a) { return (V){_mm512_set1_pd(a), _mm512_set1_pd(a)}; }
static inline V add(V x, V y) { return (V)MAP2(_mm512_add_pd, x, y); }
static inline V sub(V x, V y) { return (V)MAP2(_mm512_sub_pd, x, y); }
static inline V mul(V x, V y) { return (V)MAP2(_mm512_mul_pd, x, y); }
static inline V vdiv(V x, V y) { return (V)MAP2(_mm512_div_pd, x, y); }
static inline V vabs(V x) { return (V){_mm512_abs_pd(x.a), _mm512_abs_pd(x.b)}; }
static inline V load(const double *p) { return (V){_mm512_loadu_pd(p), _mm512_loadu_pd(p + 8)}; }
static inline void store(double *p, V x) {
	_mm512_storeu_pd(p, x.a);
	_mm512_storeu_pd(p + 8, x.b);
}
static inline M cmp2(__mmask8 a, __mmask8 b) { return (M)(a | (unsigned)b << 8); }
static inline M le(V x, V y) {
	return cmp2(_mm512_cmp_pd_mask(x.a, y.a, _CMP_LE_OQ), _mm512_cmp_pd_mask(x.b, y.b, _CMP_LE_OQ));
}
static inline M lt(V x, V y) {
	return cmp2(_mm512_cmp_pd_mask(x.a, y.a, _CMP_LT_OQ), _mm512_cmp_pd_mask(x.b, y.b, _CMP_LT_OQ));
}
static inline M eq(V x, V y) {
	return cmp2(_mm512_cmp_pd_mask(x.a, y.a, _CMP_EQ_OQ), _mm512_cmp_pd_mask(x.b, y.b, _CMP_EQ_OQ));
}
static inline M m_none(void) { return 0; }
static inline M m_or(M a, M b) { return a | b; }
static inline M m_not(M a) { return (M)~a; }
static inline M m_andnot(M a, M b) { return (M)(~a & b); }
static inline int m_any(M a) { return a != 0; }
static inline int m_all(M a) { return a == 0xffff; }
// blend(m, x, y) is y where m is set, x elsewhere.
static inline V blend(M m, V x, V y) {
	return (V){_mm512_mask_blend_pd((__mmask8)m, x.a, y.a), _mm512_mask_blend_pd((__mmask8)(m >> 8), x.b, y.b)};
}
static inline VI iset1(long a) { return (VI){_mm512_set1_epi64(a), _mm512_set1_epi64(a)}; }
static inline VI asint(V x) { return (VI){_mm512_castpd_si512(x.a), _mm512_castpd_si512(x.b)}; }
static inline V asdouble(VI x) { return (V){_mm512_castsi512_pd(x.a), _mm512_castsi512_pd(x.b)}; }
static inline VI iadd(VI x, VI y) { return (VI)MAP2(_mm512_add_epi64, x, y); }
static inline VI isub(VI x, VI y) { return (VI)MAP2(_mm512_sub_epi64, x, y); }
static inline VI iand(VI x, VI y) { return (VI)MAP2(_mm512_and_si512, x, y); }
#define islli(x, n) ((VI){_mm512_slli_epi64((x).a, n), _mm512_slli_epi64((x).b, n)})
#define isrli(x, n) ((VI){_mm512_srli_epi64((x).a, n), _mm512_srli_epi64((x).b, n)})

// gather8 returns v[idx[0]], …, v[idx[7]]: one load where the indices
// are consecutive (where a mechanism's nodes run along a section), else a
// gather.
static inline D gather8(const double *v, const long *idx) {
	DI i = _mm512_loadu_si512(idx);
	DI want = _mm512_add_epi64(_mm512_set1_epi64(idx[0]), _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0));
	if (_mm512_cmpeq_epi64_mask(i, want) == 0xff) return _mm512_loadu_pd(v + idx[0]);
	return _mm512_i64gather_pd(i, v, 8);
}

static inline V gatherv(const double *v, const long *idx) { return (V){gather8(v, idx), gather8(v, idx + 8)}; }

// consecutive reports whether idx[0 … 15] are consecutive.
static inline int consecutive(const long *idx) {
	DI first = _mm512_set1_epi64(idx[0]);
	DI a = _mm512_add_epi64(first, _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0));
	DI b = _mm512_add_epi64(first, _mm512_set_epi64(15, 14, 13, 12, 11, 10, 9, 8));
	return (_mm512_cmpeq_epi64_mask(_mm512_loadu_si512(idx), a) & _mm512_cmpeq_epi64_mask(_mm512_loadu_si512(idx + 8), b)) == 0xff;
}

// look16 looks j's low 4 bits up in the 16 values at t.
static inline D look16(const double *t, DI j) {
	return _mm512_permutex2var_pd(_mm512_load_pd(t), j, _mm512_load_pd(t + 8));
}

// look64 looks j (0 … 63) up in the 64 values at t: four permutations
// of 16 and a choice by bits 4 and 5 (a gather is slower on these cores).
static inline D look64(const double *t, DI j) {
	__mmask8 b4 = _mm512_test_epi64_mask(j, _mm512_set1_epi64(16));
	__mmask8 b5 = _mm512_test_epi64_mask(j, _mm512_set1_epi64(32));
	D lo = _mm512_mask_blend_pd(b4, look16(t, j), look16(t + 16, j));
	D hi = _mm512_mask_blend_pd(b4, look16(t + 32, j), look16(t + 48, j));
	return _mm512_mask_blend_pd(b5, lo, hi);
}

// lookup sets T_j's bits and t_j for the indices j (0 … 63).
static inline void lookup(VI j, VI *hi, V *lo) {
	hi->a = _mm512_castpd_si512(look64(noble_mech_hi, j.a));
	hi->b = _mm512_castpd_si512(look64(noble_mech_hi, j.b));
	lo->a = look64(noble_mech_lo, j.a);
	lo->b = look64(noble_mech_lo, j.b);
}

#include "vec_body.h"
