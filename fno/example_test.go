package fno_test

import (
	"fmt"

	"github.com/noble-neuro/noble/fno"
)

// A training step and a prediction on a batch of two traces of 100
// samples (23 input channels each, all zero here).
func Example() {
	cfg := fno.DefaultConfig()
	m, err := fno.New(cfg, 0)
	if err != nil {
		panic(err)
	}
	defer m.Close()
	const batch, length = 2, 100
	x := make([]float32, batch*cfg.InChannels*length)
	y := make([]float32, batch*cfg.OutChannels*length)
	for i := range y {
		y[i] = -0.065 // volts
	}
	opt := fno.NewAdam(len(m.Params), 0.004)
	m.ZeroGrad()
	loss := m.TrainBatch(x, y, batch, length, 4)
	opt.Update(m.Params, m.Grad)
	out := m.Forward(nil, x, batch, length)
	fmt.Println(cfg.NumParams(), "parameters")
	fmt.Println(len(out), "outputs, loss finite:", loss == loss && loss > 0)
	// Output:
	// 1803001 parameters
	// 200 outputs, loss finite: true
}
