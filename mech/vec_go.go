//go:build !cgo || !amd64 || purego

package mech

import "github.com/noble-neuro/noble/internal/cpuisa"

// Without cgo (or outside amd64) the mechanisms run their Go loops: the
// kernels take nothing.

func detectISA() cpuisa.Level { return cpuisa.Generic }

func vecSetup() {}

func expVec(x []float64, lo int) int                                      { return lo }
func expSmallVec(x []float64, lo int) int                                 { return lo }
func naTs2tVec(nodes []int, v, m, h []float64, lo int, c *[6]float64) int { return lo }
func ihVec(nodes []int, v, m []float64, lo int, c *[8]float64) int        { return lo }
func imVec(nodes []int, v, m []float64, lo int, c *[2]float64) int        { return lo }
func kv31Vec(nodes []int, v, m []float64, lo int, c *[5]float64) int      { return lo }

func currentVec(nodes []int, v, e []float64, eNode bool, ec float64, gbar, m []float64, mpow int, h, i, g []float64) {
}

func advance4Vec(v []float64, stop *[4]int, b *advanceBatch) {}
