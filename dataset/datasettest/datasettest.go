// Package datasettest provides a dataset.Source for tests of the packages
// that consume datasets (eval, the noble command): a caricature of a neuron
// that is cheap, deterministic and fires with a known F-I curve, so those
// tests check mechanics without the simulator's cost.
package datasettest

import (
	"context"
	"math"

	"github.com/noble-neuro/noble/dataset"
	"github.com/noble-neuro/noble/sim"
)

// Caricature "simulates" model i as a resting potential of −70 mV, a
// depolarisation of 40 mV/nA during the step and, above the model's I_thr,
// 1 ms spikes (30 mV half-sines) at s_thr·(amp − I_thr) Hz from the step
// onset.
type Caricature struct {
	Name  string              // cell name
	Names []string            // model names
	Emb   []dataset.Embedding // model i's embedding
}

func (c *Caricature) Cell() string     { return c.Name }
func (c *Caricature) Models() []string { return c.Names }

// Simulate implements dataset.Source; dst is not reused.
func (c *Caricature) Simulate(ctx context.Context, i int, p sim.Protocol, dst []float64) ([]float64, error) {
	p = p.WithDefaults()
	v := make([]float64, p.Steps()+1)
	rate := c.Emb[i].SThr * (p.Amp - c.Emb[i].IThr)
	for j := range v {
		t := float64(j) * p.Dt
		v[j] = -70
		if t >= p.Delay && t < p.Delay+p.Dur {
			v[j] += 40 * p.Amp
			if rate > 0 {
				if ph := math.Mod(t-p.Delay, 1000/rate); ph < 1 {
					v[j] = 30 * math.Sin(math.Pi*ph)
				}
			}
		}
	}
	return v, nil
}
