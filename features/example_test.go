package features_test

import (
	"fmt"
	"math"

	"github.com/noble-neuro/noble/features"
)

func ExampleCompute() {
	// A 515 ms trace at dt 0.02 ms: −70 mV rest and two 100 mV Gaussian
	// spikes at 100 and 150 ms.
	v := make([]float64, 25751)
	for i := range v {
		t := float64(i) * 0.02
		v[i] = -70 + 100*math.Exp(-(t-100)*(t-100)/0.125) + 100*math.Exp(-(t-150)*(t-150)/0.125)
	}
	s := features.NOBLE() // stimulus 15 → 415 ms, eFEL defaults otherwise
	f, err := features.Compute(v, 0.02, &s)
	if err != nil {
		panic(err)
	}
	fmt.Println("Spikecount", f["Spikecount"])
	fmt.Printf("peak_time %.1f\n", f["peak_time"])
	fmt.Printf("mean_frequency %.3f Hz\n", f["mean_frequency"][0])
	fmt.Println("ISI_CV defined:", f.Defined("ISI_CV"))
	// Output:
	// Spikecount [2]
	// peak_time [100.0 150.0]
	// mean_frequency 14.815 Hz
	// ISI_CV defined: false
}
