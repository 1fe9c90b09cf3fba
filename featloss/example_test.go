package featloss_test

import (
	"context"
	"fmt"
	"math"

	"github.com/noble-neuro/noble/featloss"
)

// trace returns 515 ms at 0.06 ms: rest at −70 mV, 10 mV of depolarisation
// during the step (samples 250…6916) and 1 ms spikes of 100 mV at the given
// times (ms).
func trace(spikesMS ...float64) []float64 {
	v := make([]float64, 8583)
	for i := range v {
		t := float64(i) * 0.06
		v[i] = -70
		if i >= 250 && i <= 6916 {
			v[i] += 10
		}
		for _, s := range spikesMS {
			d := (t - s) / 0.25
			v[i] += 100 * math.Exp(-d*d/2)
		}
	}
	return v
}

// A fine-tuning step: the targets of a batch are prepared once, then each
// trace's loss and gradient are evaluated (concurrently in a trainer, one
// Workspace per goroutine) and λ·gradient is added to the data loss's.
func Example() {
	spec, err := featloss.ParseSpec("sag_amplitude=25,spike_count=1")
	if err != nil {
		fmt.Println(err)
		return
	}
	loss, err := featloss.New(spec, nil) // dt 0.06 ms, relative loss
	if err != nil {
		fmt.Println(err)
		return
	}
	target := trace(50, 100, 150, 200, 250, 300, 350, 400)
	win := featloss.NewWindow(featloss.StimulusWindow(stimulus()))
	tg, err := loss.Prepare(context.Background(), [][]float64{target}, []featloss.Window{win})
	if err != nil {
		fmt.Println(err)
		return
	}
	// The surrogate fires three spikes where the neuron fires eight.
	pred := trace(50, 100, 150)
	var ws featloss.Workspace
	ws.Reset(len(pred))
	grad := make([]float64, len(pred))
	l := tg.Trace(&ws, grad, pred, 0)
	fmt.Printf("spec %v\n", spec)
	fmt.Printf("spike count: predicted %.2f, target %.0f\n", ws.Predicted(featloss.SpikeCount), tg.Target(0, featloss.SpikeCount))
	fmt.Printf("loss %.4f = 25×%.4f (sag) + 1×%.4f (count)\n", l, ws.Term(featloss.SagAmplitude), ws.Term(featloss.SpikeCount))
	// The reference's sag is defined on spiking traces too: the target's
	// spike at 400 ms lies in the steady-state window (last 10 % of the step).
	fmt.Printf("sag target %.2f mV\n", tg.Target(0, featloss.SagAmplitude))
	// Output:
	// spec sag_amplitude=25,spike_count=1
	// spike count: predicted 3.00, target 8
	// loss 25.3912 = 25×1.0000 (sag) + 1×0.3906 (count)
	// sag target 1.57 mV
}

// stimulus is the operator's input: a step on samples 250…6916.
func stimulus() []float64 {
	s := make([]float64, 8583)
	for i := 250; i <= 6916; i++ {
		s[i] = 3
	}
	return s
}
