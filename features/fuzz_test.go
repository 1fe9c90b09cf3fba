package features

import (
	"encoding/binary"
	"math"
	"testing"
)

// FuzzCompute feeds arbitrary traces (float32 samples from the fuzz input,
// at most 4096) with an arbitrary time step and stimulus window: Compute
// must return an error or a consistent result, never panic.
func FuzzCompute(f *testing.F) {
	seed := func(v []float32, dt float32, a, b uint8) []byte {
		out := []byte{a, b}
		out = binary.LittleEndian.AppendUint32(out, math.Float32bits(dt))
		for _, x := range v {
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(x))
		}
		return out
	}
	spikes := make([]float32, 2000)
	for i := range spikes {
		spikes[i] = float32(-70 + 100*math.Exp(-math.Pow(float64(i%200-100)/5, 2)))
	}
	f.Add(seed(spikes, 0.02, 10, 200))
	f.Add(seed([]float32{0, -30, 0, -30, 0}, 1, 0, 255))
	f.Add(seed([]float32{10, 10, 10, -70, -70, 20, -70}, 0.3, 50, 100))
	f.Add(seed([]float32{-65, -65, -65}, 0.01, 1, 2))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 6+12 || len(data) > 6+4*4096 {
			return
		}
		a, b := float64(data[0]), float64(data[1])
		dt := float64(math.Float32frombits(binary.LittleEndian.Uint32(data[2:6])))
		if !(dt >= 1e-3 && dt <= 10) {
			dt = 0.1 // keep the resampled grid small
		}
		n := (len(data) - 6) / 4
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(data[6+4*i:])))
		}
		tEnd := float64(n-1) * dt
		s := Settings{StimStart: tEnd * a / 256, StimEnd: tEnd * (a + (b+1)*(256-a)/256) / 256}
		got, err := Compute(v, dt, &s)
		if err != nil {
			return
		}
		sc := got["Spikecount"]
		if len(sc) != 1 || sc[0] != float64(len(got["peak_time"])) {
			t.Fatalf("Spikecount %v but %d peak times", sc, len(got["peak_time"]))
		}
		if len(got["AHP_depth_abs"]) > len(got["peak_time"]) {
			t.Fatalf("more AHPs than peaks")
		}
	})
}
