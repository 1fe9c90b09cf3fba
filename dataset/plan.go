package dataset

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/noble-neuro/noble/dsp"
	"github.com/noble-neuro/noble/surrogate"
)

// NewGeneration resolves settings s for a cell with the given models (names
// in the cell's order) and their embeddings: the model split (held-out
// models never appear in training traces; models without an embedding are
// excluded), the amplitude distribution (DefaultStimulus of the thresholds
// unless s.Stimulus is set), the min-max scaling of the embeddings over all
// non-excluded models, and the layout and sizes of the splits.
func NewGeneration(cell string, names []string, emb []Embedding, s *Settings) (*Generation, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: nil settings", ErrSettings)
	}
	if len(names) != len(emb) || len(names) == 0 {
		return nil, fmt.Errorf("%w: %d models, %d embeddings", ErrSettings, len(names), len(emb))
	}
	set, err := s.resolved()
	if err != nil {
		return nil, err
	}
	eligible := make([]bool, len(names))
	var ithr, sthr []float64
	for i, e := range emb {
		eligible[i] = e.Has()
		if e.Has() {
			ithr = append(ithr, e.IThr)
			sthr = append(sthr, e.SThr)
		}
	}
	if len(ithr) < 2 {
		return nil, fmt.Errorf("%w: cell %s: %d of %d models have an F-I embedding, need at least 2", ErrSettings, cell, len(ithr), len(names))
	}
	test := set.TestModels
	if test == nil {
		if test, err = TestModels(cell, names, eligible, set.NumTestModels, set.SplitSeed); err != nil {
			return nil, err
		}
	}
	test = slices.Clone(test)
	slices.Sort(test)
	models := make([]Model, len(names))
	for i, n := range names {
		models[i] = Model{Index: i, Name: n, Split: ModelTrain}
		if eligible[i] {
			models[i].IThr, models[i].SThr = emb[i].IThr, emb[i].SThr
		} else {
			models[i].Split = ModelExcluded
		}
	}
	for k, i := range test {
		if i < 0 || i >= len(names) || (k > 0 && test[k-1] == i) {
			return nil, fmt.Errorf("%w: test model %d: need distinct indices in 0 … %d", ErrSettings, i, len(names)-1)
		}
		if !eligible[i] {
			return nil, fmt.Errorf("%w: test model %d (%s) has no F-I embedding", ErrSettings, i, names[i])
		}
		models[i].Split = ModelTest
	}
	set.TestModels = test
	nTrain := len(ithr) - len(test)
	if nTrain < 1 {
		return nil, fmt.Errorf("%w: no training model left (%d eligible, %d held out)", ErrSettings, len(ithr), len(test))
	}
	if len(test) == 0 && set.TestHeldTraces > 0 {
		return nil, fmt.Errorf("%w: %d held-out test traces but no test model", ErrSettings, set.TestHeldTraces)
	}
	if set.Stimulus == nil {
		st, err := DefaultStimulus(ithr)
		if err != nil {
			return nil, err
		}
		set.Stimulus = &st
	}
	if _, err := NewSampler(*set.Stimulus); err != nil {
		return nil, err
	}
	scaling, err := surrogate.FitScaling(ithr, sthr)
	if err != nil {
		return nil, fmt.Errorf("%w: scaling: %v", ErrSettings, err)
	}
	d, err := dsp.NewDecimator(&set.Filter)
	if err != nil {
		return nil, err
	}
	g := &Generation{
		Format:     Format,
		Version:    Version,
		Cell:       cell,
		Models:     models,
		Scaling:    scaling,
		Settings:   set,
		Layout:     set.Protocol.Layout(set.Filter.Factor),
		FilterTaps: len(d.Taps()),
	}
	for _, sp := range []SplitInfo{
		{Name: SplitTrain, Traces: set.Traces},
		{Name: SplitTestSeen, Traces: set.TestSeenTraces},
		{Name: SplitTestHeld, Traces: set.TestHeldTraces},
	} {
		sp.Shards = (sp.Traces + set.TracesPerShard - 1) / set.TracesPerShard
		g.Splits = append(g.Splits, sp)
	}
	return g, nil
}

// splitModels returns the models whose traces make up a split: training
// models for train and test_seen, held-out models for test_held.
func (g *Generation) splitModels(split string) []int {
	want := ModelTrain
	if split == SplitTestHeld {
		want = ModelTest
	}
	var out []int
	for _, m := range g.Models {
		if m.Split == want {
			out = append(out, m.Index)
		}
	}
	return out
}

// Stream returns the PCG stream of trace i of a split: the split's position
// in Splits in the top bits, the trace index below. Each trace is thus
// drawn from its own generator, PCG(seed, stream), whatever the shard, job or
// worker that makes it.
func Stream(split string, i int) uint64 {
	return uint64(slices.Index(Splits, split))<<40 | uint64(i)
}

// TraceSpec is what determines one trace: its model and amplitude.
type TraceSpec struct {
	Model int     // index into Generation.Models
	Amp   float64 // nA
}

// Traces returns the specs of traces first … first+n−1 of a split. Trace i
// uses model ms[i mod len(ms)], ms the split's models in index order (so every
// model gets the same number of traces, ±1), and an amplitude drawn from the
// stimulus distribution with PCG(Settings.Seed, Stream(split, i)).
func (g *Generation) Traces(split string, first, n int) ([]TraceSpec, error) {
	sp, ok := g.split(split)
	if !ok || first < 0 || n < 0 || first+n > sp.Traces {
		return nil, fmt.Errorf("dataset: traces %d … %d of split %q: out of range", first, first+n-1, split)
	}
	sm, err := NewSampler(*g.Settings.Stimulus)
	if err != nil {
		return nil, err
	}
	ms := g.splitModels(split)
	out := make([]TraceSpec, n)
	for k := range out {
		i := first + k
		r := rand.New(rand.NewPCG(g.Settings.Seed, Stream(split, i)))
		out[k] = TraceSpec{Model: ms[i%len(ms)], Amp: sm.Draw(r)}
	}
	return out, nil
}
