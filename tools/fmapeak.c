// fmapeak measures the machine's peak float32 FMA throughput, the
// denominator of the "fraction of peak" in docs/benchmarks.md (Neural
// operator section). Each thread runs 12 independent chains of 16-lane
// AVX-512 FMAs (enough to cover the FMA latency) for a fixed count. It
// prints the wall-clock rate and, per thread, the rate per CPU-second: on a
// machine shared with other work the latter is the per-core peak.
//
//   gcc -O2 -mavx512f -pthread tools/fmapeak.c -o /tmp/fmapeak && /tmp/fmapeak 2
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ITERS 200000000L

static void *run(void *arg) {
	__m512 b = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
	__m512 a0 = _mm512_set1_ps(0), a1 = _mm512_set1_ps(1), a2 = _mm512_set1_ps(2), a3 = _mm512_set1_ps(3);
	__m512 a4 = _mm512_set1_ps(4), a5 = _mm512_set1_ps(5), a6 = _mm512_set1_ps(6), a7 = _mm512_set1_ps(7);
	__m512 a8 = _mm512_set1_ps(8), a9 = _mm512_set1_ps(9), a10 = _mm512_set1_ps(10), a11 = _mm512_set1_ps(11);
	for (long n = 0; n < ITERS / 12; n++) {
		a0 = _mm512_fmadd_ps(a0, b, c); a1 = _mm512_fmadd_ps(a1, b, c); a2 = _mm512_fmadd_ps(a2, b, c);
		a3 = _mm512_fmadd_ps(a3, b, c); a4 = _mm512_fmadd_ps(a4, b, c); a5 = _mm512_fmadd_ps(a5, b, c);
		a6 = _mm512_fmadd_ps(a6, b, c); a7 = _mm512_fmadd_ps(a7, b, c); a8 = _mm512_fmadd_ps(a8, b, c);
		a9 = _mm512_fmadd_ps(a9, b, c); a10 = _mm512_fmadd_ps(a10, b, c); a11 = _mm512_fmadd_ps(a11, b, c);
	}
	__m512 t = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
		_mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
	t = _mm512_add_ps(t, _mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)));
	float s = _mm512_reduce_add_ps(t);
	*(float *)arg = s;
	struct timespec cpu;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
	printf("  thread: %.1f GFLOP/s per CPU-second\n", 2.0 * 16 * (ITERS / 12 * 12) / (cpu.tv_sec + cpu.tv_nsec * 1e-9) / 1e9);
	return NULL;
}

int main(int argc, char **argv) {
	int nt = argc > 1 ? atoi(argv[1]) : 1;
	pthread_t th[64];
	float sink[64];
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < nt; i++) pthread_create(&th[i], NULL, run, &sink[i]);
	for (int i = 0; i < nt; i++) pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
	printf("%d threads: %.1f GFLOP/s (float32 FMA, %g s, sink %g)\n", nt, 2.0 * 16 * ITERS / 12 * 12 * nt / s / 1e9, s, sink[0]);
	return 0;
}
