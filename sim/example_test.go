package sim_test

import (
	"context"
	"fmt"
	"log"

	"github.com/noble-neuro/noble/sim"
)

// Simulate the first 100 ms of the shipped mouse cell's first model under
// a 0.3 nA step from 15 ms, and count the spikes (upward crossings of
// −20 mV): the NEURON reference trace has 9 in these 100 ms.
func ExampleModel_Simulate() {
	c, err := sim.LoadCell("../data/cells/mouse_pvalb_318331342")
	if err != nil {
		log.Fatal(err)
	}
	m, err := c.Model(c.ParamFiles[0])
	if err != nil {
		log.Fatal(err)
	}
	v, err := m.Simulate(context.Background(), sim.Protocol{TStop: 100, Amp: 0.3}, nil)
	if err != nil {
		log.Fatal(err)
	}
	spikes := 0
	for k := 1; k < len(v); k++ {
		if v[k-1] < -20 && v[k] >= -20 {
			spikes++
		}
	}
	fmt.Printf("%s: %d compartments, %d samples, v(0) = %g mV, %d spikes\n",
		m.Name, m.Compartments(), len(v), v[0], spikes)
	// Output:
	// hof_param_318331342_0: 91 compartments, 5001 samples, v(0) = -80 mV, 9 spikes
}
