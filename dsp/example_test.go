package dsp_test

import (
	"fmt"

	"github.com/noble-neuro/noble/dsp"
)

// Example decimates a 515 ms trace sampled every 0.02 ms to NOBLE's 0.06 ms.
func Example() {
	d, err := dsp.NewDecimator(nil) // factor 3, passband 0.8 of the new Nyquist, 80 dB
	if err != nil {
		panic(err)
	}
	v := make([]float64, 25751) // t = 0 … 515 ms at dt 0.02 ms
	for i := range v {
		v[i] = -70
	}
	y := d.Decimate(nil, v)
	fmt.Println(len(d.Taps()), "taps;", len(y), "samples; first", y[0], "mV")
	// Output: 153 taps; 8584 samples; first -70 mV
}
