//go:build cgo && amd64 && !purego

// The vector kernels on AVX2 (4 lanes): the primitives of vec_body.h; a
// lane mask is a vector of all-ones or all-zeros lanes.

#pragma GCC target("avx2")
#pragma GCC optimize("fp-contract=off")

#include <immintrin.h>

#include "vec.h"

#define S avx2
#define W 4

typedef __m256d V;
typedef __m256i VI;
typedef __m256d M;

static inline V set1(double a) { return _mm256_set1_pd(a); }
static inline V add(V a, V b) { return _mm256_add_pd(a, b); }
static inline V sub(V a, V b) { return _mm256_sub_pd(a, b); }
static inline V mul(V a, V b) { return _mm256_mul_pd(a, b); }
static inline V vdiv(V a, V b) { return _mm256_div_pd(a, b); }
static inline V vabs(V a) { return _mm256_andnot_pd(_mm256_set1_pd(-0.0), a); }
static inline V load(const double *p) { return _mm256_loadu_pd(p); }
static inline void store(double *p, V a) { _mm256_storeu_pd(p, a); }
static inline M le(V a, V b) { return _mm256_cmp_pd(a, b, _CMP_LE_OQ); }
static inline M lt(V a, V b) { return _mm256_cmp_pd(a, b, _CMP_LT_OQ); }
static inline M eq(V a, V b) { return _mm256_cmp_pd(a, b, _CMP_EQ_OQ); }
static inline M m_none(void) { return _mm256_setzero_pd(); }
static inline M m_or(M a, M b) { return _mm256_or_pd(a, b); }
static inline M m_not(M a) { return _mm256_xor_pd(a, _mm256_castsi256_pd(_mm256_set1_epi64x(-1))); }
static inline M m_andnot(M a, M b) { return _mm256_andnot_pd(a, b); }
static inline int m_any(M a) { return _mm256_movemask_pd(a) != 0; }
static inline int m_all(M a) { return _mm256_movemask_pd(a) == 0xf; }
// blend(m, a, b) is b where m is set, a elsewhere.
static inline V blend(M m, V a, V b) { return _mm256_blendv_pd(a, b, m); }
static inline VI iload(const long *p) { return _mm256_loadu_si256((const __m256i *)p); }
static inline VI iset1(long a) { return _mm256_set1_epi64x(a); }
static inline VI asint(V a) { return _mm256_castpd_si256(a); }
static inline V asdouble(VI a) { return _mm256_castsi256_pd(a); }
static inline VI iadd(VI a, VI b) { return _mm256_add_epi64(a, b); }
static inline VI isub(VI a, VI b) { return _mm256_sub_epi64(a, b); }
static inline VI iand(VI a, VI b) { return _mm256_and_si256(a, b); }
#define islli(a, n) _mm256_slli_epi64(a, n)
#define isrli(a, n) _mm256_srli_epi64(a, n)

// gatherv returns v[idx[0]], …, v[idx[3]]: one load where the indices are
// consecutive (the usual case: a mechanism's nodes run along its
// sections), else a gather.
static inline V gatherv(const double *v, const long *idx) {
	VI i = _mm256_loadu_si256((const __m256i *)idx);
	VI want = _mm256_add_epi64(_mm256_set1_epi64x(idx[0]), _mm256_set_epi64x(3, 2, 1, 0));
	if (_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpeq_epi64(i, want))) == 0xf)
		return _mm256_loadu_pd(v + idx[0]);
	return _mm256_i64gather_pd(v, i, 8);
}

// consecutive reports whether idx[0 … 3] are consecutive.
static inline int consecutive(const long *idx) {
	VI want = _mm256_add_epi64(_mm256_set1_epi64x(idx[0]), _mm256_set_epi64x(3, 2, 1, 0));
	return _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpeq_epi64(iload(idx), want))) == 0xf;
}

// lookup sets T_j's bits and t_j for the indices j (0 … 63), by gathers
// from the interleaved table.
static inline void lookup(VI j, VI *hi, V *lo) {
	VI j2 = _mm256_slli_epi64(j, 1);
	*hi = _mm256_i64gather_epi64(noble_mech_tab, j2, 8);
	*lo = _mm256_i64gather_pd((const double *)noble_mech_tab + 1, j2, 8);
}

#include "vec_body.h"
