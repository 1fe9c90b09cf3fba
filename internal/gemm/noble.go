//go:build cgo && amd64 && !openblas && !purego

package gemm

/*
#cgo CFLAGS: -O3
int noble_gemm_isa(int *best);
int noble_gemm_set_isa(int want);
void noble_sgemm(int ta, int tb, long m, long n, long k, float alpha, const float *a, long lda, const float *b,
		 long ldb, float beta, float *c, long ldc);
void noble_sgemm_fold(long m, long n, long l, float alpha, const float *x, const float *be, long ldbe,
		      const float *bo, long ldbo, float *ce, float *co, long ldc);
void noble_sgemm_unfold(long m, long l, long t0, long t1, long k, float alpha, const float *a, long lda,
			const float *bc, long ldbc, const float *bs, long ldbs, float *y, int add, const float *bias,
			long per);
*/
import "C"

import (
	"fmt"

	"github.com/noble-neuro/noble/internal/cpuisa"
)

// init applies NOBLE_GEMM_ISA; an unusable value is reported on stderr and
// the best set kept, since a slower choice must not stop a run.
func init() {
	_, best := ISA()
	b, _ := cpuisa.Parse(best)
	if l := cpuisa.FromEnv("NOBLE_GEMM_ISA", b); l != b {
		C.noble_gemm_set_isa(C.int(l))
	}
}

// Backend names the implementation in use.
const Backend = "noble"

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

// Fused reports whether this build has SgemmFold and SgemmUnfold (the
// default build; the others fold and unfold in separate passes).
const Fused = true

// SgemmFold sets ce = alpha·E·be and co = alpha·O·bo, E and O being the
// m × ke even and m × ko odd folds of the rows of x ([m][l], l ≥ 1) as
// package fno's folded DFT defines them: with h = (l−1)/2, E = [x0,
// x1+x(l−1), …, xh+x(l−h), (x(l/2) if l is even)] (ke = l/2+1 columns) and
// O = [x1−x(l−1), …, xh−x(l−h)] (ko = h). be is [ke][n] and bo [ko][n],
// with row strides ldbe and ldbo; ce and co have row stride ldc. The
// fold is done while x is packed for the kernel, the passes over k of the
// two products alternating so that x is read from memory once; E and O
// are never stored. The result equals the folds followed by Sgemm bit for
// bit. It panics on inconsistent shapes and in builds without Fused.
func SgemmFold(m, n, l int, alpha float32, x, be []float32, ldbe int, bo []float32, ldbo int, ce, co []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	ke, ko := FoldLen(false, l), FoldLen(true, l)
	checkFold(m, l, len(x))
	check(false, false, m, n, ke, m*ke, ke, len(be), ldbe, len(ce), ldc)
	check(false, false, m, n, ko, m*ko, max(ko, 1), len(bo), ldbo, len(co), ldc)
	if ko == 0 { // l ≤ 2: no odd part
		scaleS(m, n, 0, co, ldc)
		bo = be
	}
	C.noble_sgemm_fold(C.long(m), C.long(n), C.long(l), C.float(alpha), (*C.float)(&x[0]),
		(*C.float)(&be[0]), C.long(ldbe), (*C.float)(&bo[0]), C.long(ldbo), (*C.float)(&ce[0]), (*C.float)(&co[0]), C.long(ldc))
}

// SgemmUnfold is the synthesis of fno's folded DFT with the unfold in the
// kernel's store. Row i of a (stride lda) holds k real parts then k
// imaginary parts; with h = (l−1)/2 and ne = l/2+1, the even sums E =
// alpha·Re·bc (bc [k][ne], stride ldbc) and odd sums O = alpha·Im·bs (bs
// [k][h], stride ldbs) at the columns t0 ≤ t < t1 ≤ ne are written into
// row i of y ([m][l]) as
//
//	y[t] = (E_t + O_(t−1)) + β,   y[l−t] = (E_t − O_(t−1)) + β,
//
// the O term absent at t = 0 and t > h and y[l−t] only for 1 ≤ t ≤ h;
// β = bias[i/per], or 0 for a nil bias. With add the values are added to
// y. Disjoint column ranges write disjoint elements of y, so a product
// can be split between threads by t. E and O are never stored; the result
// equals Sgemm followed by the unfold bit for bit (up to the sign of a
// zero). It panics on inconsistent shapes and in builds without Fused.
func SgemmUnfold(m, l, t0, t1, k int, alpha float32, a []float32, lda int, bc []float32, ldbc int, bs []float32, ldbs int, y []float32, add bool, bias []float32, per int) {
	if m == 0 || t0 >= t1 {
		return
	}
	checkUnfold(m, l, t0, t1, k, len(a), lda, len(bc), ldbc, len(bs), ldbs, len(y), len(bias), per)
	var bp *C.float
	if bias != nil {
		bp = (*C.float)(&bias[0])
	}
	if len(bs) == 0 { // h = 0 (l ≤ 2): no odd part, bs is not read
		bs = bc
	}
	C.noble_sgemm_unfold(C.long(m), C.long(l), C.long(t0), C.long(t1), C.long(k), C.float(alpha),
		(*C.float)(&a[0]), C.long(lda), (*C.float)(&bc[0]), C.long(ldbc), (*C.float)(&bs[0]), C.long(ldbs),
		(*C.float)(&y[0]), cbool(add), bp, C.long(per))
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
	return cpuisa.Level(i).String(), cpuisa.Level(b).String()
}

// SetISA selects the float32 kernels by instruction set, for tests and
// benchmarks that compare them; it must not be called while a product
// runs. It returns an error for a set this CPU lacks.
func SetISA(name string) error {
	_, best := ISA()
	b, _ := cpuisa.Parse(best)
	l, err := cpuisa.Choose(name, b)
	if err != nil {
		return fmt.Errorf("gemm: %w", err)
	}
	C.noble_gemm_set_isa(C.int(l))
	return nil
}

// SetThreads has no effect: each product runs on the calling thread.
func SetThreads(n int) {}

// Threads reports 1: each product runs on the calling thread.
func Threads() int { return 1 }
