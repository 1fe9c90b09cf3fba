//go:build cgo && amd64 && !purego

// The vector kernels on AVX-512 (8 lanes): the primitives of vec_body.h.

#pragma GCC target("avx512f")
#pragma GCC optimize("fp-contract=off")

#include <immintrin.h>

#include "vec.h"

#define S avx512
#define W 8

typedef __m512d V;
typedef __m512i VI;
typedef __mmask8 M;

static inline V set1(double a) { return _mm512_set1_pd(a); }
static inline V add(V a, V b) { return _mm512_add_pd(a, b); }
static inline V sub(V a, V b) { return _mm512_sub_pd(a, b); }
static inline V mul(V a, V b) { return _mm512_mul_pd(a, b); }
static inline V vdiv(V a, V b) { return _mm512_div_pd(a, b); }
static inline V vabs(V a) { return _mm512_abs_pd(a); }
static inline V load(const double *p) { return _mm512_loadu_pd(p); }
static inline void store(double *p, V a) { _mm512_storeu_pd(p, a); }
static inline M le(V a, V b) { return _mm512_cmp_pd_mask(a, b, _CMP_LE_OQ); }
static inline M lt(V a, V b) { return _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ); }
static inline M eq(V a, V b) { return _mm512_cmp_pd_mask(a, b, _CMP_EQ_OQ); }
static inline M m_none(void) { return 0; }
static inline M m_or(M a, M b) { return a | b; }
static inline M m_not(M a) { return (M)~a; }
static inline M m_andnot(M a, M b) { return (M)(~a & b); }
static inline int m_any(M a) { return a != 0; }
static inline int m_all(M a) { return a == 0xff; }
// blend(m, a, b) is b where m is set, a elsewhere.
static inline V blend(M m, V a, V b) { return _mm512_mask_blend_pd(m, a, b); }
static inline VI iload(const long *p) { return _mm512_loadu_si512(p); }
static inline VI iset1(long a) { return _mm512_set1_epi64(a); }
static inline VI asint(V a) { return _mm512_castpd_si512(a); }
static inline V asdouble(VI a) { return _mm512_castsi512_pd(a); }
static inline VI iadd(VI a, VI b) { return _mm512_add_epi64(a, b); }
static inline VI isub(VI a, VI b) { return _mm512_sub_epi64(a, b); }
static inline VI iand(VI a, VI b) { return _mm512_and_si512(a, b); }
#define islli(a, n) _mm512_slli_epi64(a, n)
#define isrli(a, n) _mm512_srli_epi64(a, n)
static inline V gather(const void *base, VI idx) { return _mm512_i64gather_pd(idx, base, 8); }
static inline VI gatherbits(const void *base, VI idx) { return _mm512_i64gather_epi64(idx, base, 8); }

#include "vec_body.h"
