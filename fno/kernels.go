package fno

import (
	"math"
	"unsafe"

	"github.com/noble-neuro/noble/internal/gemm"
	"github.com/noble-neuro/noble/internal/kernels"
)

// helper is a goroutine that takes half of the large matrix products and
// elementwise passes of a worker that is alone on a call (a batch of one),
// so that such a call still uses two cores. Splits are along rows or
// columns of the output, never along the summed dimension, so each output
// element is computed by the same sequence of operations.
type helper struct {
	req  chan struct{}
	done chan struct{}
	op   int // 0 gemm, 1 gelu, 2 geluBack
	g    gemmArgs
	x, y []float32
}

type gemmArgs struct {
	tA, tB        bool
	m, n, k       int
	alpha, beta   float32
	a, b, c       []float32
	lda, ldb, ldc int

	// fold makes the product gemm.SgemmFold of the rows of a (stride
	// lda = L) with b and b2 (stride ldb2) into c and c2; unfold makes it
	// gemm.SgemmUnfold of the columns [t0, t1), see mmUnfold.
	fold   bool
	b2, c2 []float32
	ldb2   int
	unfold *unfoldArgs
	t0, t1 int
}

// unfoldArgs are the operands of gemm.SgemmUnfold other than the column
// range: the spectrum a, the tables bc and bs, the output y.
type unfoldArgs struct {
	l, k            int
	alpha           float32
	a, bc, bs, y    []float32
	lda, ldbc, ldbs int
	add             bool
	bias            []float32
	per             int
}

func (g *gemmArgs) run() {
	switch {
	case g.unfold != nil:
		u := g.unfold
		gemm.SgemmUnfold(g.m, u.l, g.t0, g.t1, u.k, u.alpha, u.a, u.lda, u.bc, u.ldbc, u.bs, u.ldbs, u.y, u.add, u.bias, u.per)
	case g.fold:
		gemm.SgemmFold(g.m, g.n, g.lda, g.alpha, g.a, g.b, g.ldb, g.b2, g.ldb2, g.c, g.c2, g.ldc)
	default:
		gemm.Sgemm(g.tA, g.tB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, g.c, g.ldc)
	}
}

func (h *helper) loop() {
	for range h.req {
		switch h.op {
		case 0:
			h.g.run()
		case 1:
			kernels.Gelu(h.y, h.x)
		case 2:
			kernels.GeluBack(h.y, h.x)
		}
		h.done <- struct{}{}
	}
}

// minSplitFlops is the size of a product (m·n·k) above which a helper
// takes half of it.
const minSplitFlops = 1 << 19

// mm computes c = alpha·op(a)·op(b) + beta·c (row-major) through
// internal/gemm, reinterpreting the slices without allocation; with a
// helper, a large float32 product is split in two halves of the output.
func mm[T float](h *helper, tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	var z T
	if unsafe.Sizeof(z) == 4 {
		g := gemmArgs{tA: tA, tB: tB, m: m, n: n, k: k, alpha: float32(alpha), beta: float32(beta),
			a: f32s(a), b: f32s(b), c: f32s(c), lda: lda, ldb: ldb, ldc: ldc}
		runSplit(h, &g)
		return
	}
	gemm.Dgemm(tA, tB, m, n, k, float64(alpha), f64s(a), lda, f64s(b), ldb, float64(beta), f64s(c), ldc)
}

// mmFold sets ce = alpha·E·be and co = alpha·O·bo with E and O the even
// and odd folds of the rows of x ([m][l]), through gemm.SgemmFold
// (float32, gemm.Fused): the fold is done while the product packs x, not
// in a pass of its own.
func mmFold(h *helper, m, n, l int, alpha float32, x, be []float32, ldbe int, bo []float32, ldbo int, ce, co []float32, ldc int) {
	g := gemmArgs{m: m, n: n, k: l, alpha: alpha, a: x, lda: l, b: be, ldb: ldbe, c: ce, ldc: ldc,
		fold: true, b2: bo, ldb2: ldbo, c2: co}
	runSplit(h, &g)
}

// mmUnfold runs gemm.SgemmUnfold on all columns t < L/2+1, split in two
// column ranges with a helper (the ranges write disjoint elements of y).
func mmUnfold(h *helper, m int, u *unfoldArgs) {
	ne := gemm.FoldLen(false, u.l)
	g := gemmArgs{m: m, n: ne, k: u.k, unfold: u, t0: 0, t1: ne}
	if h == nil || m*ne*u.k < minSplitFlops {
		g.run()
		return
	}
	g2 := g
	g.t1 = ne / 2
	g2.t0 = g.t1
	h.op, h.g = 0, g2
	h.req <- struct{}{}
	g.run()
	<-h.done
}

// runSplit runs a float32 product, with a helper in two halves of the
// output.
func runSplit(h *helper, g *gemmArgs) {
	m, n, k := g.m, g.n, g.k
	if h == nil || m*n*k < minSplitFlops || (m < 2 && n < 2) {
		g.run()
		return
	}
	g2 := *g
	if n >= m || n >= 64 {
		n1 := n / 2
		g.n, g2.n = n1, n-n1
		if g.tB {
			g2.b = g2.b[n1*g.ldb:]
		} else {
			g2.b = g2.b[n1:]
		}
		g2.c = g2.c[n1:]
		if g.fold {
			g2.b2, g2.c2 = g2.b2[n1:], g2.c2[n1:]
		}
	} else {
		m1 := m / 2
		g.m, g2.m = m1, m-m1
		if g.tA {
			g2.a = g2.a[m1:]
		} else {
			g2.a = g2.a[m1*g.lda:]
		}
		g2.c = g2.c[m1*g.ldc:]
		if g.fold {
			g2.c2 = g2.c2[m1*g.ldc:]
		}
	}
	h.op, h.g = 0, g2
	h.req <- struct{}{}
	g.run()
	<-h.done
}

func f32s[T float](s []T) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

func f64s[T float](s []T) []float64 {
	return unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// apply computes y[out][n] = W·x[in][n] + b for a 1×1 convolution; with add
// the product is added to y instead (and the bias still added once).
func (c *conv[T]) apply(h *helper, y, x []T, n int, add bool) {
	beta := T(0)
	if add {
		beta = 1
	}
	if c.b != nil {
		if !add {
			for o := range c.out {
				fill(y[o*n:(o+1)*n], c.b[o])
			}
		} else {
			for o := range c.out {
				addConst(y[o*n:(o+1)*n], c.b[o])
			}
		}
		beta = 1
	}
	mm(h, false, false, c.out, n, c.in, 1, c.w, c.in, x, n, beta, y, n)
}

// applyGelu sets pre = W·x + b and post = GELU(pre) (post may be pre),
// adding the bias in the GELU pass.
func (c *conv[T]) applyGelu(h *helper, pre, post, x []T, n int) {
	mm(h, false, false, c.out, n, c.in, 1, c.w, c.in, x, n, 0, pre, n)
	for o := range c.out {
		geluBias(pre[o*n:(o+1)*n], post[o*n:(o+1)*n], c.b[o])
	}
}

// geluBias adds b to x and sets dst = GELU(x); dst may be x.
func geluBias[T float](x, dst []T, b T) {
	var z T
	if unsafe.Sizeof(z) == 4 {
		kernels.GeluBias(f32s(dst), f32s(x), float32(b))
		return
	}
	addConst(x, b)
	gelu(nil, dst, x)
}

// axpb sets y = a·x + b elementwise; y may be x.
func axpb[T float](y, x []T, a, b T) {
	var z T
	if unsafe.Sizeof(z) == 4 {
		kernels.Axpb(f32s(y), f32s(x), float32(a), float32(b))
		return
	}
	y = y[:len(x)]
	for i, v := range x {
		y[i] = a*v + b
	}
}

// backward accumulates the weight and bias gradients of y = W·x + b given
// dy, and sets dx = Wᵀ·dy (or adds it, with add) unless dx is nil.
func (c *conv[T]) backward(h *helper, dx, x, dy []T, n int, add bool) {
	mm(h, false, true, c.out, c.in, n, 1, dy, n, x, n, 1, c.dw, c.in)
	if c.db != nil {
		for o := range c.out {
			c.db[o] += T(sum64(dy[o*n : (o+1)*n]))
		}
	}
	if dx != nil {
		beta := T(0)
		if add {
			beta = 1
		}
		mm(h, true, false, c.in, n, c.out, 1, c.w, c.in, dy, n, beta, dx, n)
	}
}

func fill[T float](s []T, v T) {
	for i := range s {
		s[i] = v
	}
}

func addConst[T float](s []T, v T) {
	for i := range s {
		s[i] += v
	}
}

// sum64 sums s with float64 accumulators (four, for instruction-level
// parallelism; the result depends only on len(s), not on the machine).
func sum64[T float](s []T) float64 {
	var z T
	if unsafe.Sizeof(z) == 4 {
		return kernels.Sum64(f32s(s))
	}
	var a0, a1, a2, a3 float64
	i := 0
	for ; i+4 <= len(s); i += 4 {
		v := s[i : i+4 : i+4]
		a0 += float64(v[0])
		a1 += float64(v[1])
		a2 += float64(v[2])
		a3 += float64(v[3])
	}
	for ; i < len(s); i++ {
		a0 += float64(s[i])
	}
	return (a0 + a1) + (a2 + a3)
}

// dot64 is the dot product of a and b with float64 accumulators, as sum64.
func dot64[T float](a, b []T) float64 {
	var z T
	if unsafe.Sizeof(z) == 4 {
		return kernels.Dot64(f32s(a), f32s(b))
	}
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		x, y := a[i:i+4:i+4], b[i:i+4:i+4]
		s0 += float64(x[0]) * float64(y[0])
		s1 += float64(x[1]) * float64(y[1])
		s2 += float64(x[2]) * float64(y[2])
		s3 += float64(x[3]) * float64(y[3])
	}
	for ; i < len(a); i++ {
		s0 += float64(a[i]) * float64(b[i])
	}
	return (s0 + s1) + (s2 + s3)
}

const invSqrt2 = 1 / math.Sqrt2

// invSqrt2Pi is 1/sqrt(2π), the standard normal density at 0.
var invSqrt2Pi = 1 / math.Sqrt(2*math.Pi)

// gelu sets dst = GELU(x) = x·Φ(x) = ½x(1 + erf(x/√2)), the exact form
// (torch.nn.functional.gelu, approximate="none"). dst may alias x. float32
// uses internal/kernels (erf within 1.5e-7, as PyTorch's CPU kernel);
// float64 uses math.Erf.
func gelu[T float](h *helper, dst, x []T) {
	var z T
	if unsafe.Sizeof(z) == 4 {
		splitPass(h, 1, f32s(dst), f32s(x), kernels.Gelu)
		return
	}
	dst = dst[:len(x)]
	for i, v := range x {
		f := float64(v)
		dst[i] = T(0.5 * f * (1 + math.Erf(f*invSqrt2)))
	}
}

// geluBack sets d = d·GELU'(x), GELU'(x) = Φ(x) + x·φ(x).
func geluBack[T float](h *helper, d, x []T) {
	var z T
	if unsafe.Sizeof(z) == 4 {
		splitPass(h, 2, f32s(d), f32s(x), kernels.GeluBack)
		return
	}
	d = d[:len(x)]
	for i, v := range x {
		f := float64(v)
		g := 0.5*(1+math.Erf(f*invSqrt2)) + f*invSqrt2Pi*math.Exp(-0.5*f*f)
		d[i] = T(float64(d[i]) * g)
	}
}

// geluBoth sets g = GELU(x) and x = GELU'(x) from one evaluation: the
// backward pass needs the activation for a weight gradient and then the
// derivative for the gradient through it, and erf is the cost.
func geluBoth[T float](g, x []T) {
	var z T
	if unsafe.Sizeof(z) == 4 {
		kernels.GeluBoth(f32s(g), f32s(x))
		return
	}
	g = g[:len(x)]
	for i, v := range x {
		f := float64(v)
		phi := 0.5 * (1 + math.Erf(f*invSqrt2))
		g[i] = T(f * phi)
		x[i] = T(phi + f*invSqrt2Pi*math.Exp(-0.5*f*f))
	}
}

// mul sets d = d·x elementwise.
func mul[T float](d, x []T) {
	var z T
	if unsafe.Sizeof(z) == 4 {
		kernels.Mul(f32s(d), f32s(x))
		return
	}
	x = x[:len(d)]
	for i := range d {
		d[i] *= x[i]
	}
}

// splitPass runs f(y, x) with the helper taking the second half of a long pass.
func splitPass(h *helper, op int, y, x []float32, f func(y, x []float32)) {
	y = y[:len(x)]
	if h == nil || len(x) < 1<<15 {
		f(y, x)
		return
	}
	n1 := len(x) / 2
	h.op, h.y, h.x = op, y[n1:], x[n1:]
	h.req <- struct{}{}
	f(y[:n1], x[:n1])
	<-h.done
}
