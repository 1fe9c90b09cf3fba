package safetensors

import (
	"bytes"
	"testing"
)

// BenchmarkReadWrite measures a model-sized file (1.8M float32 values, the
// NOBLE default configuration).
func BenchmarkReadWrite(b *testing.B) {
	ts := []Tensor{{Name: "w", Shape: []int{1803001}, Data: make([]float32, 1803001)}}
	var buf bytes.Buffer
	b.Run("Write", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			if err := Write(&buf, ts, map[string]string{"k": "v"}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(buf.Len())*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
	})
	data := buf.Bytes()
	b.Run("Read", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := Read(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(data))*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
	})
}
