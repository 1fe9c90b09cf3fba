//go:build cgo && amd64 && !purego

// The exponential's table and constants, shared by the kernels of every
// instruction set.

#include "vec.h"

#include <string.h>

long long noble_mech_tab[128];
double noble_mech_hi[64] __attribute__((aligned(64))), noble_mech_lo[64] __attribute__((aligned(64)));
double noble_mech_k[19];

void noble_mech_setup(const long long *tab, const double *k) {
	for (int i = 0; i < 128; i++) noble_mech_tab[i] = tab[i];
	for (int j = 0; j < 64; j++) {
		memcpy(&noble_mech_hi[j], &tab[2 * j], 8);
		memcpy(&noble_mech_lo[j], &tab[2 * j + 1], 8);
	}
	for (int i = 0; i < 19; i++) noble_mech_k[i] = k[i];
}
