//go:build (!cgo || purego) && !amd64

package kernels

import "github.com/noble-neuro/noble/internal/cpuisa"

// detect reports the scalar loops: there is no assembly outside amd64.
func detect() cpuisa.Level { return cpuisa.Generic }

// The vector forms are never called outside amd64.

func geluVec(dst, x []float32)                      { panic("kernels: no vector loops") }
func geluBackVec(d, x []float32)                    { panic("kernels: no vector loops") }
func geluBothVec(g, x []float32)                    { panic("kernels: no vector loops") }
func geluBiasVec(dst, x []float32, b float32)       { panic("kernels: no vector loops") }
func sum64Vec(x []float32) float64                  { panic("kernels: no vector loops") }
func dot64Vec(a, b []float32) float64               { panic("kernels: no vector loops") }
func axpbVec(y, x []float32, a, b float32)          { panic("kernels: no vector loops") }
func foldVec(e, o, x []float32, rows, l, h, ne int) { panic("kernels: no vector loops") }
func unfoldVec(y, e, o []float32, rows, l, h, ne int, add bool, bias []float32, per int) {
	panic("kernels: no vector loops")
}
func mixVec(ys, xs, wre, wim []float32, width, batch, m int) { panic("kernels: no vector loops") }
func mixBackVec(dxs, dw, dys, xs, wre, wim []float32, width, batch, m, modes int) {
	panic("kernels: no vector loops")
}
func adamVec(p, g, m, v []float32, c AdamCoef) int { panic("kernels: no vector loops") }
func adamwVec(p, g, m, v []float32, c AdamWCoef, pairs bool) int {
	panic("kernels: no vector loops")
}
func addVec(d, x []float32) int { panic("kernels: no vector loops") }
