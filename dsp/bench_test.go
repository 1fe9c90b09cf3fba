package dsp

import (
	"fmt"
	"math"
	"testing"
)

var sink []float64

// BenchmarkDecimate measures NOBLE's signal path on traces of 515 ms and of
// 545 ms (the dataset's long traces) at dt 0.02 ms.
func BenchmarkDecimate(b *testing.B) {
	for _, n := range []int{25751, 27251} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			d, err := NewDecimator(nil)
			if err != nil {
				b.Fatal(err)
			}
			x := make([]float64, n)
			for i := range x {
				x[i] = -65 + 30*math.Sin(float64(i)*0.01)
			}
			y := make([]float64, d.Len(n))
			b.ReportAllocs()
			for b.Loop() {
				d.Decimate(y, x)
			}
			sink = y
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "traces/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}

func BenchmarkLowpass(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		h, err := Lowpass(0.8/6, 1.0/6, 80)
		if err != nil {
			b.Fatal(err)
		}
		sink = h
	}
}
