//go:build (!cgo || purego) && amd64

package kernels

import "golang.org/x/sys/cpu"

// detect reports the assembly loops where the CPU has AVX2 and FMA.
func detect() int {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		return isaAVX2
	}
	return isaGeneric
}

// The loops of gelu_amd64.s over n values, n a multiple of 8.

//go:noescape
func geluAVX2(dst, x *float32, n int)

//go:noescape
func geluBackAVX2(d, x *float32, n int)

//go:noescape
func geluBothAVX2(gl, x *float32, n int)

//go:noescape
func geluBiasAVX2(dst, x *float32, b float32, n int)

// The vector forms of Gelu, GeluBack, GeluBoth and GeluBias: whole vectors
// in place, the last len mod 8 values through a zero-padded buffer, so
// that every value gets the same operations wherever it stands. dst and x
// have one length.

func geluVec(dst, x []float32) {
	n := len(x) &^ 7
	if n > 0 {
		geluAVX2(&dst[0], &x[0], n)
	}
	if n < len(x) {
		var bx, bd [8]float32
		copy(bx[:], x[n:])
		geluAVX2(&bd[0], &bx[0], 8)
		copy(dst[n:], bd[:])
	}
}

func geluBackVec(d, x []float32) {
	n := len(x) &^ 7
	if n > 0 {
		geluBackAVX2(&d[0], &x[0], n)
	}
	if n < len(x) {
		var bx, bd [8]float32
		copy(bx[:], x[n:])
		copy(bd[:], d[n:])
		geluBackAVX2(&bd[0], &bx[0], 8)
		copy(d[n:], bd[:])
	}
}

func geluBothVec(g, x []float32) {
	n := len(x) &^ 7
	if n > 0 {
		geluBothAVX2(&g[0], &x[0], n)
	}
	if n < len(x) {
		var bx, bg [8]float32
		copy(bx[:], x[n:])
		geluBothAVX2(&bg[0], &bx[0], 8)
		copy(x[n:], bx[:])
		copy(g[n:], bg[:])
	}
}

func geluBiasVec(dst, x []float32, b float32) {
	n := len(x) &^ 7
	if n > 0 {
		geluBiasAVX2(&dst[0], &x[0], b, n)
	}
	if n < len(x) {
		var bx, bd [8]float32
		copy(bx[:], x[n:])
		geluBiasAVX2(&bd[0], &bx[0], b, 8)
		copy(x[n:], bx[:])
		copy(dst[n:], bd[:])
	}
}
