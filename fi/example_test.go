package fi_test

import (
	"context"
	"fmt"
	"math"

	"github.com/noble-neuro/noble/fi"
)

// A toy model that fires regularly at 800 Hz/nA × (I − 0.012 nA) from
// stimulus onset; in place of a biophysical simulator or a surrogate.
func toyModel(ctx context.Context, amp float64) ([]float64, error) {
	v := make([]float64, 25751) // 515 ms at 0.02 ms
	for i := range v {
		v[i] = -70
	}
	if f := 800 * (amp - 0.012); f > 0 {
		for ts := 15 + 1000/f; ts < 414.5; ts += 1000 / f {
			for i := int((ts - 2) / 0.02); i < int((ts+2)/0.02); i++ {
				d := float64(i)*0.02 - ts
				v[i] += 100 * math.Exp(-d*d/0.08)
			}
		}
	}
	return v, nil
}

func ExampleEmbed() {
	res, err := fi.Embed(context.Background(), toyModel, &fi.Settings{Rate: fi.RateMeanFrequency})
	if err != nil {
		panic(err)
	}
	// The default MethodFit fits a line over [rheobase, rheobase + 0.13 nA]:
	// for this exactly linear curve I_thr is its zero crossing, 0.012 nA.
	// The first spike inside the 400 ms stimulus needs f ≥ 2.5 Hz, so the
	// rheobase is 0.012 + 2.5/800 = 0.015125 nA (to the 1e-4 nA tolerance).
	fmt.Printf("I_thr %.3f nA, rheobase %.3f nA, s_thr %.0f Hz/nA, %d simulations\n",
		res.IThr, res.Rheobase, res.SThr, res.Sims)
	// Output:
	// I_thr 0.012 nA, rheobase 0.015 nA, s_thr 800 Hz/nA, 17 simulations
}
