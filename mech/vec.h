// Shared declarations of the vector kernels (vec_avx512.c, vec_avx2.c):
// the exponential's table and constants, copied from Go at start-up
// (noble_mech_setup), and the kernels' signatures per instruction set.

#ifndef NOBLE_MECH_VEC_H
#define NOBLE_MECH_VEC_H

// noble_mech_tab holds expTab: for j = 0 … 63 the bits of T_j at 2j and
// those of t_j at 2j + 1.
extern long long noble_mech_tab[128];
// noble_mech_hi and noble_mech_lo hold the same as two tables of 64
// (the AVX-512 kernels look them up by permutations, not gathers).
extern double noble_mech_hi[64], noble_mech_lo[64];
// noble_mech_k holds expK (max, invL, round, l1, l2, c5, c4, c3, c2, one),
// then expSmallK (max, one, c2 … c8).
extern double noble_mech_k[19];

void noble_mech_setup(const long long *tab, const double *k);

#define DECL(S)                                                                                        \
	long noble_mech_exp_##S(double *x, long lo, long n);                                               \
	long noble_mech_expsmall_##S(double *x, long lo, long n);                                          \
	long noble_mech_nats2t_##S(const long *nodes, const double *v, double *m, double *h, long lo,      \
	                           long n, const double *c);                                               \
	long noble_mech_ih_##S(const long *nodes, const double *v, double *m, long lo, long n,             \
	                       const double *c);                                                           \
	long noble_mech_im_##S(const long *nodes, const double *v, double *m, long lo, long n,             \
	                       const double *c);                                                           \
	long noble_mech_kv31_##S(const long *nodes, const double *v, double *m, long lo, long n,           \
	                         const double *c);                                                         \
	void noble_mech_current_##S(const long *nodes, long n, const double *v, const double *e, int eNode, \
	                            double ec, const double *gbar, const double *m, int mpow,              \
	                            const double *h, double *i, double *g);                                 \
	void noble_mech_advance4_##S(const double *v, long *stop, const long *nn, double *nm, double *nh,  \
	                             long n0, const double *nc, const long *hn, double *hm, long n1,        \
	                             const double *hc, const long *mn, double *mm, long n2,                 \
	                             const double *mc, const long *kn, double *km, long n3,                 \
	                             const double *kc);

DECL(avx512)
DECL(avx2)

#endif
