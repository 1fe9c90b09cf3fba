package dataset

import (
	"fmt"
	"math"
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
	if err := setFeatures(models, &scaling, emb); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSettings, err)
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

// setFeatures sets the extra features of the models that are not excluded
// from emb, and fits the scaling of each feature that every one of them
// has; a feature some of them lack (an empty cell in the table) is left
// out of every model and of the scaling, so that embedding it is refused.
func setFeatures(models []Model, sc *surrogate.Scaling, emb []Embedding) error {
	sc.Features = surrogate.ExtraRanges{}
	for i := range models {
		models[i].Features = surrogate.ExtraValues{}
	}
	for _, name := range extraNames(emb) {
		var v []float64
		for i, m := range models {
			if m.Split == ModelExcluded {
				continue
			}
			if x, ok := emb[i].Features.Get(name); ok && !math.IsNaN(x) {
				v = append(v, x)
			}
		}
		if len(v) == 0 || len(v) < len(models)-excluded(models) {
			continue
		}
		if err := sc.FitFeature(name, v); err != nil {
			return err
		}
		for i := range models {
			if models[i].Split != ModelExcluded {
				x, _ := emb[i].Features.Get(name)
				models[i].Features.Set(name, x)
			}
		}
	}
	return nil
}

// excluded returns the number of excluded models.
func excluded(models []Model) int {
	n := 0
	for _, m := range models {
		if m.Split == ModelExcluded {
			n++
		}
	}
	return n
}

// WithFeatures returns a copy of m whose models carry the extra features of
// the embeddings emb read from the table file (ReadEmbeddings of m's
// models), with their scaling fitted as NewGeneration would: the way to
// embed a feature (AHP_depth) in a dataset made before its table had the
// column, since the traces do not depend on the embedding. The table must
// be the dataset's own in everything else: the same models, excluded ones
// without an embedding and every other one with the manifest's I_thr and
// s_thr (within 1e-12 relative, the round trip of a printed float64), so
// that the splits, stimuli and scaling the traces were made with still
// hold. Errors name file and model and wrap ErrEmbeddings. The generation
// and its ID are m's: the features are not part of the stored traces.
func (m *Manifest) WithFeatures(file string, emb []Embedding) (*Manifest, error) {
	if len(emb) != len(m.Models) {
		return nil, fmt.Errorf("%s: %w: %d models, the dataset has %d", file, ErrEmbeddings, len(emb), len(m.Models))
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(math.Abs(a), math.Abs(b)) }
	for i, md := range m.Models {
		e := emb[i]
		switch {
		case md.Split == ModelExcluded && e.Has():
			return nil, fmt.Errorf("%s: %w: model %s has an F-I embedding, but the dataset excludes it: the table is not the dataset's", file, ErrEmbeddings, md.Name)
		case md.Split != ModelExcluded && (!near(e.IThr, md.IThr) || !near(e.SThr, md.SThr)):
			return nil, fmt.Errorf("%s: %w: model %s: I_thr %v nA, s_thr %v Hz/nA; the dataset's are %v nA, %v Hz/nA: the table is not the one the dataset was made from",
				file, ErrEmbeddings, md.Name, e.IThr, e.SThr, md.IThr, md.SThr)
		}
	}
	out := *m
	out.Models = slices.Clone(m.Models)
	if err := setFeatures(out.Models, &out.Scaling, emb); err != nil {
		return nil, fmt.Errorf("%s: %w: %w", file, ErrEmbeddings, err)
	}
	return &out, nil
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
