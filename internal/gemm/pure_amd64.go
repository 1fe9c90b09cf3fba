//go:build (!cgo || purego) && amd64

package gemm

import (
	"sync"

	"github.com/noble-neuro/noble/internal/cpuisa"
)

//go:generate go run asm_gen.go

// Backend names the implementation in use: Go assembly kernels, or
// gonum's Sgemm on a CPU without AVX2 and FMA or under
// NOBLE_GEMM_ISA=generic (which, unlike the kernels, allocates: it starts
// goroutines for large products).
const Backend = "go"

// detect reports the best assembly kernels the CPU (and its operating
// system, for the AVX-512 registers) supports.
func detect() cpuisa.Level { return cpuisa.CPU() }

// The kernels of sgemm_amd64.s (written by asm_gen.go).

// kern16 sets the 6 × 16 tile c = alpha·A·B + beta·c (beta = 0: c is not
// read) from A packed [kc][6] and B [kc][16] with row stride ldb; c has
// row stride ldc. kc ≥ 1.
//
//go:noescape
func kern16(kc int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

// kern8 is kern16 for a 6 × 8 tile.
//
//go:noescape
func kern8(kc int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

// kern48 sets the 8 × 48 tile c = alpha·A·B + beta·c (AVX-512) from A
// packed [kc][8] and B [kc][48], reading and writing only the columns j
// whose bit of mask is set; with prefetch ≠ 0 it prefetches the next 48
// columns of B.
//
//go:noescape
func kern48(kc int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, mask uint64, prefetch int)

// dot3x4 sets dst[8(4i+j):][:8] to the lane sums of a[i]·b[j] over the
// first k values of rows a[i] = a[i·lda:], b[j] = b[j·ldb:]; k is a
// positive multiple of 8.
//
//go:noescape
func dot3x4(k int, a *float32, lda int, b *float32, ldb int, dst *float32)

// dot4x6 is dot3x4 for 4 × 6 tiles of 16 lanes (AVX-512), dst[16(6i+j):]
// [:16]; k is a positive multiple of 16.
//
//go:noescape
func dot4x6(k int, a *float32, lda int, b *float32, ldb int, dst *float32)

const (
	kcMax = 160  // values of k per pass of the broadcast kernel (doc.go)
	kcDot = 2048 // values of k per pass of the dot kernel
)

// scratch is the per-call workspace, kept on a free list so that products
// do not allocate once there is one per concurrent caller (a sync.Pool
// would drop them at each garbage collection).
type scratch struct {
	a []float32           // A packed into [m/mr][kc][mr]
	b [kcMax * 16]float32 // a column edge of B, padded with zeros (AVX2)
	t [8 * 48]float32     // an edge tile of C
	d [384]float32        // the dot kernel's lane sums
}

var free struct {
	sync.Mutex
	s []*scratch
}

func getScratch() *scratch {
	free.Lock()
	defer free.Unlock()
	if n := len(free.s); n > 0 {
		s := free.s[n-1]
		free.s = free.s[:n-1]
		return s
	}
	return new(scratch)
}

func putScratch(s *scratch) {
	free.Lock()
	free.s = append(free.s, s)
	free.Unlock()
}

// sgemmVec computes the product with the assembly kernels, or reports false
// for op(A)ᵀ·op(B)ᵀ, which the operator never asks for.
func sgemmVec(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) bool {
	if transA && transB {
		return false
	}
	s := getScratch()
	if transB {
		s.nt(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	} else {
		rsa, csa := lda, 1
		if transA {
			rsa, csa = 1, lda
		}
		if isa == cpuisa.AVX512 {
			s.nn512(m, n, k, alpha, a, rsa, csa, b, ldb, beta, c, ldc)
		} else {
			s.nn(m, n, k, alpha, a, rsa, csa, b, ldb, beta, c, ldc)
		}
	}
	putScratch(s)
	return true
}

// nn is the broadcast kernel's driver, C = alpha·A·B + beta·C with A's
// elements at a[i·rsa + p·csa]: k in passes of at most kcMax, each packing
// A and running 16 columns of B past every row block of it; columns past
// the last multiple of 16 (8) are copied into a padded panel and rows past
// the last multiple of 6 go through an edge tile.
func (s *scratch) nn(m, n, k int, alpha float32, a []float32, rsa, csa int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	const mr = 6
	mb := (m + mr - 1) / mr
	passes := (k + kcMax - 1) / kcMax
	kcm := (k + passes - 1) / passes
	if need := mb * mr * kcm; cap(s.a) < need {
		s.a = make([]float32, need)
	}
	for p0 := 0; p0 < k; p0 += kcm {
		kc := min(kcm, k-p0)
		ap := s.a[:mb*mr*kc]
		pack6(ap, m, kc, a[p0*csa:], rsa, csa)
		be := beta
		if p0 > 0 {
			be = 1
		}
		bp := b[p0*ldb:]
		for j := 0; j < n; j += 16 {
			nr := min(16, n-j)
			w := 16
			if nr <= 8 {
				w = 8
			}
			bj, ldbj := &bp[j], ldb
			if nr != w {
				panel := s.b[:kc*w]
				for p := range kc {
					row := panel[p*w : (p+1)*w]
					copy(row, bp[p*ldb+j:p*ldb+j+nr])
					clear(row[nr:])
				}
				bj, ldbj = &panel[0], w
			}
			kern := kern16
			if w == 8 {
				kern = kern8
			}
			for ib := range mb {
				api := &ap[ib*kc*mr]
				rows := min(mr, m-ib*mr)
				c0 := ib*mr*ldc + j
				if rows == mr && nr == w {
					kern(kc, api, bj, ldbj, &c[c0], ldc, alpha, be)
					continue
				}
				kern(kc, api, bj, ldbj, &s.t[0], 16, alpha, 0)
				s.merge(c[c0:], ldc, rows, nr, 16, be)
			}
		}
	}
}

// merge adds the edge tile s.t (row stride ldt) to the rows × cols block
// of C at c: c = t if beta = 0 (C not read), else beta·c + t.
func (s *scratch) merge(c []float32, ldc, rows, cols, ldt int, beta float32) {
	for r := range rows {
		ci, ti := c[r*ldc:r*ldc+cols], s.t[r*ldt:r*ldt+cols]
		if beta == 0 {
			copy(ci, ti)
			continue
		}
		for q, t := range ti {
			ci[q] = beta*ci[q] + t
		}
	}
}

// nn512 is nn on AVX-512: 8 × 48 tiles, the column edge masked in the
// kernel, and the first row block of each 48 columns prefetching the next
// 48 (a batch's rows of activations are too far apart for the hardware
// prefetcher).
func (s *scratch) nn512(m, n, k int, alpha float32, a []float32, rsa, csa int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	const mr, nr = 8, 48
	mb := (m + mr - 1) / mr
	passes := (k + kcMax - 1) / kcMax
	kcm := (k + passes - 1) / passes
	if need := mb * mr * kcm; cap(s.a) < need {
		s.a = make([]float32, need)
	}
	for p0 := 0; p0 < k; p0 += kcm {
		kc := min(kcm, k-p0)
		ap := s.a[:mb*mr*kc]
		pack8(ap, m, kc, a[p0*csa:], rsa, csa)
		be := beta
		if p0 > 0 {
			be = 1
		}
		bp := b[p0*ldb:]
		for j := 0; j < n; j += nr {
			cols := min(nr, n-j)
			mask := uint64(1)<<cols - 1
			// The last row of B this tile reads must exist.
			_ = bp[(kc-1)*ldb+j+cols-1]
			pf := 0
			if n-j > nr {
				pf = 1
			}
			for ib := range mb {
				api := &ap[ib*kc*mr]
				rows := min(mr, m-ib*mr)
				c0 := ib*mr*ldc + j
				if rows == mr {
					_ = c[c0+(mr-1)*ldc+cols-1]
					kern48(kc, api, &bp[j], ldb, &c[c0], ldc, alpha, be, mask, pf)
				} else {
					kern48(kc, api, &bp[j], ldb, &s.t[0], nr, alpha, 0, mask, pf)
					s.merge(c[c0:], ldc, rows, cols, nr, be)
				}
				pf = 0
			}
		}
	}
}

// pack8 is pack6 for blocks of 8 rows.
func pack8(dst []float32, m, kc int, a []float32, rsa, csa int) {
	const mr = 8
	for i0 := 0; i0 < m; i0 += mr {
		d := dst[:kc*mr]
		dst = dst[kc*mr:]
		r := min(mr, m-i0)
		switch {
		case r == mr && csa == 1:
			a0 := a[i0*rsa : i0*rsa+kc]
			a1 := a[(i0+1)*rsa : (i0+1)*rsa+kc]
			a2 := a[(i0+2)*rsa : (i0+2)*rsa+kc]
			a3 := a[(i0+3)*rsa : (i0+3)*rsa+kc]
			a4 := a[(i0+4)*rsa : (i0+4)*rsa+kc]
			a5 := a[(i0+5)*rsa : (i0+5)*rsa+kc]
			a6 := a[(i0+6)*rsa : (i0+6)*rsa+kc]
			a7 := a[(i0+7)*rsa : (i0+7)*rsa+kc]
			for p := range kc {
				q := d[p*mr : p*mr+mr]
				q[0], q[1], q[2], q[3] = a0[p], a1[p], a2[p], a3[p]
				q[4], q[5], q[6], q[7] = a4[p], a5[p], a6[p], a7[p]
			}
		case r == mr && rsa == 1:
			for p := range kc {
				copy(d[p*mr:p*mr+mr], a[p*csa+i0:p*csa+i0+mr])
			}
		default:
			for p := range kc {
				q := d[p*mr : p*mr+mr]
				for i := range r {
					q[i] = a[(i0+i)*rsa+p*csa]
				}
				clear(q[r:])
			}
		}
	}
}

// pack6 copies rows [0, m) × columns [0, kc) of A (a[i·rsa + p·csa]) into
// dst as blocks of 6 rows, [m/6][kc][6], the rows past m zero.
func pack6(dst []float32, m, kc int, a []float32, rsa, csa int) {
	const mr = 6
	for i0 := 0; i0 < m; i0 += mr {
		d := dst[:kc*mr]
		dst = dst[kc*mr:]
		r := min(mr, m-i0)
		switch {
		case r == mr && csa == 1:
			a0 := a[i0*rsa : i0*rsa+kc]
			a1 := a[(i0+1)*rsa : (i0+1)*rsa+kc]
			a2 := a[(i0+2)*rsa : (i0+2)*rsa+kc]
			a3 := a[(i0+3)*rsa : (i0+3)*rsa+kc]
			a4 := a[(i0+4)*rsa : (i0+4)*rsa+kc]
			a5 := a[(i0+5)*rsa : (i0+5)*rsa+kc]
			for p := range kc {
				q := d[p*mr : p*mr+mr]
				q[0], q[1], q[2], q[3], q[4], q[5] = a0[p], a1[p], a2[p], a3[p], a4[p], a5[p]
			}
		case r == mr && rsa == 1:
			for p := range kc {
				copy(d[p*mr:p*mr+mr], a[p*csa+i0:p*csa+i0+mr])
			}
		default:
			for p := range kc {
				q := d[p*mr : p*mr+mr]
				for i := range r {
					q[i] = a[(i0+i)*rsa+p*csa]
				}
				clear(q[r:])
			}
		}
	}
}

// nt is the dot kernel's driver, C = alpha·A·Bᵀ + beta·C with A [m][k] and
// B [n][k]: k in passes of at most kcDot, each giving tiles of C (3 × 4 on
// AVX2, 4 × 6 on AVX-512) as vector sums along k (rows of A or B past the
// last whole tile one at a time), the lanes summed pairwise and the last
// k mod 8 (16) terms added in order.
func (s *scratch) nt(m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ti, tj, lanes, dot := 3, 4, 8, dot3x4
	if isa == cpuisa.AVX512 {
		ti, tj, lanes, dot = 4, 6, 16, dot4x6
	}
	mt, nt := m/ti*ti, n/tj*tj
	for p0 := 0; p0 < k; p0 += kcDot {
		kc := min(kcDot, k-p0)
		kv := kc / lanes * lanes
		be := beta
		if p0 > 0 {
			be = 1
		}
		for i := 0; i < m; {
			ri, si := ti, lda
			if i >= mt {
				ri, si = 1, 0
			}
			for j := 0; j < n; {
				rj, sj := tj, ldb
				if j >= nt {
					rj, sj = 1, 0
				}
				if kv > 0 {
					_, _ = a[i*lda+p0+(ti-1)*si+kv-1], b[j*ldb+p0+(tj-1)*sj+kv-1]
					dot(kv, &a[i*lda+p0], si, &b[j*ldb+p0], sj, &s.d[0])
				} else {
					clear(s.d[:])
				}
				for r := range ri {
					for q := range rj {
						off := lanes * (tj*r + q)
						var sum float32
						if lanes == 16 {
							sum = hsum16((*[16]float32)(s.d[off : off+16]))
						} else {
							sum = hsum8((*[8]float32)(s.d[off : off+8]))
						}
						if kv < kc {
							ar := a[(i+r)*lda+p0 : (i+r)*lda+p0+kc]
							br := b[(j+q)*ldb+p0 : (j+q)*ldb+p0+kc]
							for p := kv; p < kc; p++ {
								sum += ar[p] * br[p]
							}
						}
						ci := &c[(i+r)*ldc+j+q]
						if be == 0 {
							*ci = alpha * sum
						} else {
							*ci = be**ci + alpha*sum
						}
					}
				}
				j += rj
			}
			i += ri
		}
	}
}

// hsum8 adds 8 lanes pairwise.
func hsum8(d *[8]float32) float32 {
	return ((d[0] + d[1]) + (d[2] + d[3])) + ((d[4] + d[5]) + (d[6] + d[7]))
}

// hsum16 adds 16 lanes pairwise.
func hsum16(d *[16]float32) float32 {
	return (((d[0] + d[1]) + (d[2] + d[3])) + ((d[4] + d[5]) + (d[6] + d[7]))) +
		(((d[8] + d[9]) + (d[10] + d[11])) + ((d[12] + d[13]) + (d[14] + d[15])))
}
