//go:build cgo && amd64 && !openblas && !purego

package gemm

/*
#cgo CFLAGS: -O3
int noble_gemm_isa(int *best);
int noble_gemm_set_isa(int want);
void noble_sgemm(int ta, int tb, long m, long n, long k, float alpha, const float *a, long lda, const float *b,
		 long ldb, float beta, float *c, long ldc);
*/
import "C"

import (
	"fmt"
	"os"
)

// init applies NOBLE_GEMM_ISA; an unusable value is reported on stderr and
// the best set kept, since a slower choice must not stop a run.
func init() {
	if s := os.Getenv("NOBLE_GEMM_ISA"); s != "" {
		if err := SetISA(s); err != nil {
			fmt.Fprintf(os.Stderr, "NOBLE_GEMM_ISA: %v\n", err)
		}
	}
}

// Backend names the implementation in use.
const Backend = "noble"

var isaNames = []string{"generic", "avx2", "avx512"}

// Sgemm computes c = alpha·op(a)·op(b) + beta·c for row-major float32
// matrices, op(a) being m×k and op(b) k×n.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	check(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if k == 0 {
		scaleS(m, n, beta, c, ldc)
		return
	}
	C.noble_sgemm(cbool(transA), cbool(transB), C.long(m), C.long(n), C.long(k), C.float(alpha),
		(*C.float)(&a[0]), C.long(lda), (*C.float)(&b[0]), C.long(ldb), C.float(beta), (*C.float)(&c[0]), C.long(ldc))
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// ISA reports the instruction set the float32 kernels use ("avx512",
// "avx2" or "generic") and the best one this CPU supports.
func ISA() (inUse, best string) {
	var b C.int
	i := C.noble_gemm_isa(&b)
	return isaNames[i], isaNames[b]
}

// SetISA selects the float32 kernels by instruction set, for tests and
// benchmarks that compare them; it must not be called while a product
// runs. It returns an error for a set this CPU lacks.
func SetISA(name string) error {
	for i, s := range isaNames {
		if s == name {
			if C.noble_gemm_set_isa(C.int(i)) != 0 {
				_, best := ISA()
				return fmt.Errorf("gemm: this CPU has no %s (best: %s)", name, best)
			}
			return nil
		}
	}
	return fmt.Errorf("gemm: unknown instruction set %q (want one of %v)", name, isaNames)
}

// SetThreads has no effect: each product runs on the calling thread.
func SetThreads(n int) {}

// Threads reports 1: each product runs on the calling thread.
func Threads() int { return 1 }
