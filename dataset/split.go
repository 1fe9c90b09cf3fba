package dataset

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// Split names of models and of traces.
const (
	SplitTrain    = "train"     // training traces: training models, random amplitudes
	SplitTestSeen = "test_seen" // test traces of training models at new amplitudes (NOBLE's in-distribution test)
	SplitTestHeld = "test_held" // test traces of held-out models (NOBLE's out-of-distribution test)

	ModelTrain    = "train"    // a training model
	ModelTest     = "test"     // a held-out model: never in training traces
	ModelExcluded = "excluded" // a model without an F-I embedding: in no trace
)

// Splits lists the trace splits in the order their shards are numbered.
var Splits = []string{SplitTrain, SplitTestSeen, SplitTestHeld}

// NOBLETestModels are NOBLE's held-out models of the human cell
// human_pvalb_689331391, as indices (seed−1)·20 + hof into its 60 HoF models
// (files seed<S>_hof<HH>.json; Ghafourpour et al. 2025, reference code).
var NOBLETestModels = []int{32, 2, 12, 40, 5, 52, 21, 29, 16, 37}

// nobleCell is the cell NOBLETestModels belong to.
const nobleCell = "human_pvalb_689331391"

// DefaultTestModels is the number of held-out models chosen for a cell
// other than NOBLE's human cell.
const DefaultTestModels = 8

// TestModels returns the held-out models (indices into names, ascending) of a
// cell. For NOBLE's human cell they are NOBLETestModels, located by file name
// (seed<S>_hof<HH>, S = i/20 + 1, HH = i mod 20) so that a different file
// order cannot change them. For any other cell, n models (DefaultTestModels if
// n is 0) are chosen among the eligible ones (eligible[i] true; nil means all)
// by a Fisher–Yates shuffle driven by PCG(seed, 0x50117000), independent of the
// dataset seed so that datasets of different seeds share the split.
func TestModels(cell string, names []string, eligible []bool, n int, seed uint64) ([]int, error) {
	if cell == nobleCell && n == 0 {
		idx := map[string]int{}
		for i, name := range names {
			idx[name] = i
		}
		var out []int
		for _, k := range NOBLETestModels {
			name := fmt.Sprintf("seed%d_hof%02d", k/20+1, k%20)
			i, ok := idx[name]
			if !ok {
				return nil, fmt.Errorf("dataset: cell %s: NOBLE test model %d (%s) not among its parameter files", cell, k, name)
			}
			out = append(out, i)
		}
		slices.Sort(out)
		return out, nil
	}
	if n == 0 {
		n = DefaultTestModels
	}
	var cand []int
	for i := range names {
		if eligible == nil || eligible[i] {
			cand = append(cand, i)
		}
	}
	if n < 1 || n >= len(cand) {
		return nil, fmt.Errorf("dataset: cell %s: %d test models requested, %d eligible models: need 1 ≤ n < %d", cell, n, len(cand), len(cand))
	}
	r := rand.New(rand.NewPCG(seed, splitStream))
	for i := len(cand) - 1; i > 0; i-- {
		j := r.IntN(i + 1)
		cand[i], cand[j] = cand[j], cand[i]
	}
	out := slices.Clone(cand[:n])
	slices.Sort(out)
	return out, nil
}

// splitStream is the PCG stream of the model split.
const splitStream = 0x5011_7000
