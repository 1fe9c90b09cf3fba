//go:build cgo && amd64 && !purego

// The exponential's table and constants, shared by the kernels of every
// instruction set.

#include "vec.h"

long long noble_mech_tab[128];
double noble_mech_k[19];

void noble_mech_setup(const long long *tab, const double *k) {
	for (int i = 0; i < 128; i++) noble_mech_tab[i] = tab[i];
	for (int i = 0; i < 19; i++) noble_mech_k[i] = k[i];
}
