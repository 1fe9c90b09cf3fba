//go:build cgo && amd64 && !purego

package mech

/*
#cgo CFLAGS: -O2
#cgo noescape noble_mech_setup
#cgo noescape noble_mech_advance4_avx512
#cgo nocallback noble_mech_advance4_avx512
#cgo noescape noble_mech_advance4_avx2
#cgo nocallback noble_mech_advance4_avx2
#cgo noescape noble_mech_current_avx512
#cgo nocallback noble_mech_current_avx512
#cgo noescape noble_mech_current_avx2
#cgo nocallback noble_mech_current_avx2
#cgo nocallback noble_mech_setup
#cgo noescape noble_mech_exp_avx512
#cgo nocallback noble_mech_exp_avx512
#cgo noescape noble_mech_exp_avx2
#cgo nocallback noble_mech_exp_avx2
#cgo noescape noble_mech_expsmall_avx512
#cgo nocallback noble_mech_expsmall_avx512
#cgo noescape noble_mech_expsmall_avx2
#cgo nocallback noble_mech_expsmall_avx2
#cgo noescape noble_mech_nats2t_avx512
#cgo nocallback noble_mech_nats2t_avx512
#cgo noescape noble_mech_nats2t_avx2
#cgo nocallback noble_mech_nats2t_avx2
#cgo noescape noble_mech_ih_avx512
#cgo nocallback noble_mech_ih_avx512
#cgo noescape noble_mech_ih_avx2
#cgo nocallback noble_mech_ih_avx2
#cgo noescape noble_mech_im_avx512
#cgo nocallback noble_mech_im_avx512
#cgo noescape noble_mech_im_avx2
#cgo nocallback noble_mech_im_avx2
#cgo noescape noble_mech_kv31_avx512
#cgo nocallback noble_mech_kv31_avx512
#cgo noescape noble_mech_kv31_avx2
#cgo nocallback noble_mech_kv31_avx2
#include "vec.h"
*/
import "C"

import (
	"math"
	"unsafe"

	"github.com/noble-neuro/noble/internal/cpuisa"
)

// detectISA reports the best kernels the CPU (and its operating system,
// for the AVX-512 registers) supports.
func detectISA() cpuisa.Level { return cpuisa.CPU() }

// vecSetup gives the C kernels their copy of the exponential's table and
// constants; exp.go's init calls it once they are computed.
func vecSetup() {
	var tab [2 * expN]uint64
	for j, e := range expTab {
		tab[2*j], tab[2*j+1] = e.hi, math.Float64bits(e.lo)
	}
	k := [19]float64{expK.max, expK.invL, expK.round, expK.l1, expK.l2, expK.c5, expK.c4, expK.c3, expK.c2, expK.one,
		expSmallK.max, expSmallK.one, expSmallK.c2, expSmallK.c3, expSmallK.c4, expSmallK.c5, expSmallK.c6, expSmallK.c7, expSmallK.c8}
	C.noble_mech_setup((*C.longlong)(unsafe.Pointer(&tab[0])), (*C.double)(&k[0]))
}

func fp(s []float64) *C.double {
	if len(s) == 0 {
		return nil
	}
	return (*C.double)(unsafe.SliceData(s))
}

func ip(s []int) *C.long {
	if len(s) == 0 {
		return nil
	}
	return (*C.long)(unsafe.Pointer(unsafe.SliceData(s)))
}

// The vector kernels (vec_body.h): each takes the instances (or values)
// from lo in blocks of vecWidth() and returns the start of the first
// block it left to the caller, len when it took them all; with the
// generic instruction set they take nothing and return lo.

func expVec(x []float64, lo int) int {
	switch isa {
	case isaAVX512:
		return int(C.noble_mech_exp_avx512(fp(x), C.long(lo), C.long(len(x))))
	case isaAVX2:
		return int(C.noble_mech_exp_avx2(fp(x), C.long(lo), C.long(len(x))))
	}
	return lo
}

func expSmallVec(x []float64, lo int) int {
	switch isa {
	case isaAVX512:
		return int(C.noble_mech_expsmall_avx512(fp(x), C.long(lo), C.long(len(x))))
	case isaAVX2:
		return int(C.noble_mech_expsmall_avx2(fp(x), C.long(lo), C.long(len(x))))
	}
	return lo
}

// nodes, m and h have one length; v holds every node's voltage.

func naTs2tVec(nodes []int, v, m, h []float64, lo int, c *[6]float64) int {
	switch isa {
	case isaAVX512:
		return int(C.noble_mech_nats2t_avx512(ip(nodes), fp(v), fp(m), fp(h), C.long(lo), C.long(len(nodes)), (*C.double)(&c[0])))
	case isaAVX2:
		return int(C.noble_mech_nats2t_avx2(ip(nodes), fp(v), fp(m), fp(h), C.long(lo), C.long(len(nodes)), (*C.double)(&c[0])))
	}
	return lo
}

func ihVec(nodes []int, v, m []float64, lo int, c *[8]float64) int {
	switch isa {
	case isaAVX512:
		return int(C.noble_mech_ih_avx512(ip(nodes), fp(v), fp(m), C.long(lo), C.long(len(nodes)), (*C.double)(&c[0])))
	case isaAVX2:
		return int(C.noble_mech_ih_avx2(ip(nodes), fp(v), fp(m), C.long(lo), C.long(len(nodes)), (*C.double)(&c[0])))
	}
	return lo
}

func imVec(nodes []int, v, m []float64, lo int, c *[2]float64) int {
	switch isa {
	case isaAVX512:
		return int(C.noble_mech_im_avx512(ip(nodes), fp(v), fp(m), C.long(lo), C.long(len(nodes)), (*C.double)(&c[0])))
	case isaAVX2:
		return int(C.noble_mech_im_avx2(ip(nodes), fp(v), fp(m), C.long(lo), C.long(len(nodes)), (*C.double)(&c[0])))
	}
	return lo
}

func kv31Vec(nodes []int, v, m []float64, lo int, c *[5]float64) int {
	switch isa {
	case isaAVX512:
		return int(C.noble_mech_kv31_avx512(ip(nodes), fp(v), fp(m), C.long(lo), C.long(len(nodes)), (*C.double)(&c[0])))
	case isaAVX2:
		return int(C.noble_mech_kv31_avx2(ip(nodes), fp(v), fp(m), C.long(lo), C.long(len(nodes)), (*C.double)(&c[0])))
	}
	return lo
}

// currentVec is the Current loop of pas (mpow 0), Ih, Im, Kv3_1 (mpow 1)
// and NaTs2_t (mpow 3, with h): i[n] += gk·(v[n] − e) and g[n] += gk for
// the instances' nodes n, e from e by node (eNode), by instance, or ec
// where e is nil; with the generic instruction set it does nothing. The
// caller checks the slices' lengths (base.checkVec).
func currentVec(nodes []int, v, e []float64, eNode bool, ec float64, gbar, m []float64, mpow int, h, i, g []float64) {
	if len(nodes) == 0 {
		return
	}
	en := C.int(0)
	if eNode {
		en = 1
	}
	switch isa {
	case isaAVX512:
		C.noble_mech_current_avx512(ip(nodes), C.long(len(nodes)), fp(v), fp(e), en, C.double(ec), fp(gbar), fp(m), C.int(mpow), fp(h), fp(i), fp(g))
	case isaAVX2:
		C.noble_mech_current_avx2(ip(nodes), C.long(len(nodes)), fp(v), fp(e), en, C.double(ec), fp(gbar), fp(m), C.int(mpow), fp(h), fp(i), fp(g))
	}
}

// advance4Vec runs the Advance kernels of the batch's mechanisms in one
// call (advanceBatch.run), setting stop to where each stopped.
func advance4Vec(v []float64, stop *[4]int, b *advanceBatch) {
	var nn, hn, mn, kn *C.long
	var nm, nh, hm, mm, km *C.double
	var n0, n1, n2, n3 int
	if c := b.na; c != nil {
		nn, nm, nh, n0 = ip(c.nodes), fp(c.m), fp(c.h), len(c.nodes)
	}
	if c := b.ih; c != nil {
		hn, hm, n1 = ip(c.nodes), fp(c.m), len(c.nodes)
	}
	if c := b.im; c != nil {
		mn, mm, n2 = ip(c.nodes), fp(c.m), len(c.nodes)
	}
	if c := b.kv; c != nil {
		kn, km, n3 = ip(c.nodes), fp(c.m), len(c.nodes)
	}
	var st [4]C.long
	switch isa {
	case isaAVX512:
		C.noble_mech_advance4_avx512(fp(v), &st[0], nn, nm, nh, C.long(n0), (*C.double)(&b.kna[0]), hn, hm, C.long(n1), (*C.double)(&b.kih[0]),
			mn, mm, C.long(n2), (*C.double)(&b.kim[0]), kn, km, C.long(n3), (*C.double)(&b.kkv[0]))
	case isaAVX2:
		C.noble_mech_advance4_avx2(fp(v), &st[0], nn, nm, nh, C.long(n0), (*C.double)(&b.kna[0]), hn, hm, C.long(n1), (*C.double)(&b.kih[0]),
			mn, mm, C.long(n2), (*C.double)(&b.kim[0]), kn, km, C.long(n3), (*C.double)(&b.kkv[0]))
	}
	for j := range st {
		stop[j] = int(st[j])
	}
}
