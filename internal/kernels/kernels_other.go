//go:build (!cgo || purego) && !amd64

package kernels

// detect reports the scalar loops: there is no assembly outside amd64.
func detect() int { return isaGeneric }

// The vector forms are never called outside amd64.

func geluVec(dst, x []float32)                { panic("kernels: no vector loops") }
func geluBackVec(d, x []float32)              { panic("kernels: no vector loops") }
func geluBothVec(g, x []float32)              { panic("kernels: no vector loops") }
func geluBiasVec(dst, x []float32, b float32) { panic("kernels: no vector loops") }
