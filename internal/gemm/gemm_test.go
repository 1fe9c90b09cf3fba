package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"syscall"
	"testing"
)

// naive computes the reference product in float64.
func naive(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	for i := range m {
		for j := range n {
			var s float64
			for p := range k {
				ai, bi := i*lda+p, p*ldb+j
				if transA {
					ai = p*lda + i
				}
				if transB {
					bi = j*ldb + p
				}
				av, bv := a[ai], b[bi]
				s += av * bv
			}
			c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
		}
	}
}

// isas lists the instruction sets this build and CPU can run: every
// kernel variant is tested against the naive reference.
func isas() []string {
	_, best := ISA()
	switch best {
	case "avx512":
		return []string{"generic", "avx2", "avx512"}
	case "avx2":
		return []string{"generic", "avx2"}
	}
	return []string{best}
}

// forISA runs f with each instruction set in turn, restoring the one in
// use.
func forISA(t testing.TB, f func(isa string)) {
	inUse, _ := ISA()
	defer SetISA(inUse)
	for _, isa := range isas() {
		if err := SetISA(isa); err != nil {
			t.Fatal(err)
		}
		f(isa)
	}
}

// TestGemm compares every transpose case and kernel variant with a float64
// reference on odd sizes: row and column edges of the register tiles
// (8 × 48 and 4 × 6 for AVX-512, 6 × 16 and 3 × 4 for AVX2, 6 × 16 or
// 6 × 8 and 3 × 4 for the pure-Go build's assembly), k past one pass of
// the broadcast kernel (160) and of the dot kernel (2,048), and leading
// dimensions larger than the rows. In the pure-Go build the variants are
// gonum's Sgemm (generic) and the assembly kernels (avx2).
func TestGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := []struct{ m, n, k int }{
		{1, 1, 1}, {3, 5, 7}, {24, 37, 13}, {65, 9, 130}, {4, 6, 0}, {13, 49, 161},
		{9, 129, 331}, {17, 100, 24}, {7, 5, 2100}, {25, 23, 3},
		{6, 8, 5}, {12, 32, 321}, {5, 24, 17}, {6, 16, 4100},
	}
	forISA(t, func(isa string) {
		for _, tc := range sizes {
			for _, ta := range []bool{false, true} {
				for _, tb := range []bool{false, true} {
					for _, beta := range []float64{0, 0.3, 1} {
						name := fmt.Sprintf("%s/%dx%dx%d/%v%v/beta%v", isa, tc.m, tc.n, tc.k, ta, tb, beta)
						checkCase(t, name, rng, tc.m, tc.n, tc.k, ta, tb, beta)
					}
				}
			}
		}
	})
}

func checkCase(t *testing.T, name string, rng *rand.Rand, m, n, k int, ta, tb bool, beta float64) {
	t.Helper()
	lda, ldb, ldc := k+1, n+2, n+3
	if ta {
		lda = m + 1
	}
	if tb {
		ldb = k + 2
	}
	ar, br := m, k
	if ta {
		ar = k
	}
	if tb {
		br = n
	}
	a := make([]float64, max(ar*lda, 1))
	b := make([]float64, max(br*ldb, 1))
	c := make([]float64, m*ldc)
	for _, s := range [][]float64{a, b, c} {
		for i := range s {
			s[i] = rng.NormFloat64()
		}
	}
	want := append([]float64(nil), c...)
	naive(ta, tb, m, n, k, 0.7, a, lda, b, ldb, beta, want, ldc)
	got := append([]float64(nil), c...)
	Dgemm(ta, tb, m, n, k, 0.7, a, lda, b, ldb, beta, got, ldc)
	a32, b32, c32 := f32(a), f32(b), f32(c)
	if beta == 0 {
		// C must not be read: NaN there must not reach the result.
		for i := range c32 {
			c32[i] = float32(math.NaN())
		}
	}
	Sgemm(ta, tb, m, n, k, 0.7, a32, lda, b32, ldb, float32(beta), c32, ldc)
	for i := range want {
		if i%ldc >= n {
			// Padding between rows must be left alone.
			if beta != 0 && c32[i] != float32(c[i]) {
				t.Fatalf("%s: Sgemm wrote padding c[%d]", name, i)
			}
			continue
		}
		if d := math.Abs(got[i] - want[i]); d > 1e-12*float64(k+1) {
			t.Fatalf("%s: Dgemm c[%d] = %v, want %v", name, i, got[i], want[i])
		}
		// float32: rounding of inputs and k-term sums, |terms| ~ 1, sums
		// grow as sqrt(k) but the bound is kept linear for safety.
		if d := math.Abs(float64(c32[i]) - want[i]); !(d <= 2e-6*float64(k+2)) {
			t.Fatalf("%s: Sgemm c[%d] = %v, want %v", name, i, c32[i], want[i])
		}
	}
}

func f32(s []float64) []float32 {
	r := make([]float32, len(s))
	for i, v := range s {
		r[i] = float32(v)
	}
	return r
}

func TestShapePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("short c did not panic")
		}
	}()
	Sgemm(false, false, 2, 2, 2, 1, make([]float32, 4), 2, make([]float32, 4), 2, 0, make([]float32, 3), 2)
}

var sink float32

// cpuSeconds is the process's user+system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// BenchmarkSgemm measures the shapes of the neural operator at batch 8,
// L = 8583 (the folded truncated DFT and a 1×1 convolution) on one
// thread, as package fno calls it; GFLOP/s per wall second and per
// CPU-second (steadier on a shared machine).
func BenchmarkSgemm(b *testing.B) {
	SetThreads(1)
	inUse, _ := ISA()
	defer SetISA(inUse)
	for _, isa := range isas() {
		if isa == "generic" {
			continue
		}
		if err := SetISA(isa); err != nil {
			b.Fatal(err)
		}
		for _, s := range []struct {
			name    string
			ta, tb  bool
			m, n, k int
		}{
			{"dft_192x129x4292", false, false, 192, 129, 4292},
			{"idft_192x4292x129", false, false, 192, 4292, 129},
			{"conv_24x68664x24", false, false, 24, 68664, 24},
			{"convdx_24x68664x24", true, false, 24, 68664, 24},
			{"convdw_24x24x68664", false, true, 24, 24, 68664},
		} {
			b.Run(isa+"/"+s.name, func(b *testing.B) {
				lda, ldb := s.k, s.n
				if s.ta {
					lda = s.m
				}
				if s.tb {
					ldb = s.k
				}
				a := make([]float32, s.m*s.k)
				bb := make([]float32, s.k*s.n)
				c := make([]float32, s.m*s.n)
				for i := range a {
					a[i] = float32(i%7) * 0.1
				}
				for i := range bb {
					bb[i] = float32(i%5) * 0.1
				}
				Sgemm(s.ta, s.tb, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
				c0 := cpuSeconds()
				b.ResetTimer()
				for b.Loop() {
					Sgemm(s.ta, s.tb, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
				}
				sink = c[0]
				flops := 2 * float64(s.m) * float64(s.n) * float64(s.k) * float64(b.N)
				b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				b.ReportMetric(flops/(cpuSeconds()-c0)/1e9, "GFLOP/cpu-s")
			})
		}
	}
}

// TestNoAllocs: once a product of a shape has run, running it again
// allocates nothing (the kernels' scratch is reused) for every transpose
// case the operator uses; gonum's generic Sgemm of the pure-Go build is
// exempt (it starts goroutines).
func TestNoAllocs(t *testing.T) {
	forISA(t, func(isa string) {
		if isa == "generic" && Backend == "go" {
			return
		}
		const m, n, k = 13, 50, 170
		a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}} {
			lda, ldb := k, n
			if tr[0] {
				lda = m
			}
			if tr[1] {
				ldb = k
			}
			f := func() { Sgemm(tr[0], tr[1], m, n, k, 1, a, lda, b, ldb, 0.5, c, n) }
			f()
			if got := testing.AllocsPerRun(10, f); got != 0 {
				t.Errorf("%s: Sgemm(%v, %v) allocates %v times", isa, tr[0], tr[1], got)
			}
		}
	})
}
