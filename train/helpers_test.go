package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/noble-neuro/noble/surrogate"
)

// memData is an in-memory Data: a synthetic cell whose "voltage" is a fixed,
// learnable function of the amplitude, the model's embedding and time.
type memData struct {
	info   DataInfo
	shards map[string][]*Shard
	reads  int // Shard calls
}

func (d *memData) Info() DataInfo { return d.info }

func (d *memData) ShardSizes(split string) []int {
	var n []int
	for _, s := range d.shards[split] {
		n = append(n, s.Len())
	}
	return n
}

func (d *memData) Shard(ctx context.Context, split string, i int) (*Shard, error) {
	d.reads++
	ss := d.shards[split]
	if i < 0 || i >= len(ss) {
		return nil, fmt.Errorf("no shard %s %d", split, i)
	}
	return ss[i], nil
}

// tinyInfo is a layout of 80 samples at 1 ms with a 48-sample window
// starting anywhere in the first 16 samples, the step at 20 → 60 ms.
func tinyInfo() DataInfo {
	models := []surrogate.CellModel{
		{Name: "m0", IThr: 0.10, SThr: 80, Split: ModelTrain},
		{Name: "m1", IThr: 0.15, SThr: 120, Split: ModelTrain},
		{Name: "m2", IThr: 0.20, SThr: 60, Split: ModelTrain},
		{Name: "m3", IThr: 0.12, SThr: 100, Split: ModelTest},
		{Name: "m4", Split: ModelExcluded},
	}
	sc, err := surrogate.FitScaling([]float64{0.10, 0.15, 0.20, 0.12}, []float64{80, 120, 60, 100})
	if err != nil {
		panic(err)
	}
	return DataInfo{
		Cell: "tiny", ID: "tiny-1", Models: models, Scaling: sc,
		Samples: 80, DtMS: 1, WindowSamples: 48, MaxOffset: 16, TestOffset: 8,
		StimOnsetMS: 20, StimEndMS: 60,
	}
}

// tinyVoltage is the synthetic response (mV) of model m to amp at sample j:
// rest at −70 mV, a depolarisation during the step that grows with the
// amplitude and the model's threshold, relaxing with a 5 ms time constant.
func tinyVoltage(info *DataInfo, m int, amp float64, j int) float32 {
	mi := info.Models[m]
	t := float64(j) * info.DtMS
	v := -70.0
	if t >= info.StimOnsetMS {
		on := math.Min(t, info.StimEndMS) - info.StimOnsetMS
		h := 40 * amp * (1 + 2*mi.IThr) * (1 - math.Exp(-on/5))
		if t >= info.StimEndMS {
			h *= math.Exp(-(t - info.StimEndMS) / 5)
		}
		v += h
	}
	return float32(v)
}

// newMemData builds shards of per traces each: train shards of the training
// models, test_seen of the same at other amplitudes, test_held of the
// held-out model.
func newMemData(train, seen, held, per int) *memData {
	d := &memData{info: tinyInfo(), shards: map[string][]*Shard{}}
	rng := rand.New(rand.NewPCG(7, 7))
	add := func(split string, shards int, models []int) {
		for range shards {
			s := &Shard{Samples: d.info.Samples}
			for k := range per {
				m := models[k%len(models)]
				amp := 0.05 + 0.45*rng.Float64()
				s.Amp = append(s.Amp, amp)
				s.Model = append(s.Model, m)
				for j := range d.info.Samples {
					s.Voltage = append(s.Voltage, tinyVoltage(&d.info, m, amp, j))
				}
			}
			d.shards[split] = append(d.shards[split], s)
		}
	}
	add(SplitTrain, train, []int{0, 1, 2})
	add(SplitTestSeen, seen, []int{0, 1, 2})
	add(SplitTestHeld, held, []int{3})
	return d
}

// tinySettings is a small operator on the tiny layout.
func tinySettings(epochs int) *Settings {
	return &Settings{
		Epochs: epochs, BatchSize: 4, Workers: 2, LR: 0.01,
		ShardBuffer: 2,
		Model:       ModelConfig{Width: 4, Layers: 2, Modes: 6, LiftingChannels: 8, ProjectionChannels: 8, MLPHidden: 4},
	}
}

func mustTrain(t *testing.T, ctx context.Context, d Data, dir string, s *Settings, h *Hooks) *Result {
	t.Helper()
	res, err := Train(ctx, d, dir, s, h)
	if err != nil {
		t.Fatalf("Train(%s): %v", dir, err)
	}
	return res
}
