package train

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// CPURecipe is the best recipe measured from random weights on a 2-core
// budget, as a Stages spec: the cpu preset for 64 epochs, the cpu preset
// again for 40 from its latest weights (a warm restart at its initial
// rate), then the spike stage from those (docs/results.md, "From a random
// start").
const CPURecipe = "cpu:64,cpu:40,cpu-spikes"

// LatestName is the file in a stage's run directory that holds its latest
// weights (ExportLatest), from which the next stage starts.
const LatestName = "latest.safetensors"

// Stage is one run of a staged recipe: a preset and its epochs (0: the
// preset's). Every stage after the first starts from the latest weights of
// the one before (not its best: a stage that has just begun to fire has its
// best epoch by held-out loss among the silent ones), with Adam and the
// schedule afresh, and selects its model by held-out spike counts.
type Stage struct {
	Preset string
	Epochs int
}

// ParseStages reads a Stages spec, PRESET[:EPOCHS] joined by commas
// (CPURecipe is one), and checks every stage's settings on base, the
// settings all stages share (their zero fields take each preset's values;
// base.Init is the first stage's start, "" for random weights). The stages
// set Preset, Epochs and SelectBy, so base must leave them zero.
func ParseStages(spec string, base Settings) ([]Stage, error) {
	if base.Preset != "" || base.Epochs != 0 || base.SelectBy != "" {
		return nil, fmt.Errorf("%w: the stages set preset, epochs and select_by; the shared settings have %q, %d, %q", ErrSettings, base.Preset, base.Epochs, base.SelectBy)
	}
	var out []Stage
	for i, f := range strings.Split(spec, ",") {
		name, ep, hasEp := strings.Cut(strings.TrimSpace(f), ":")
		if name == "" {
			return nil, fmt.Errorf("%w: stage %d %q: no preset", ErrSettings, i+1, f)
		}
		st := Stage{Preset: name}
		if hasEp {
			n, err := strconv.Atoi(ep)
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("%w: stage %d %q: epochs must be a positive integer", ErrSettings, i+1, f)
			}
			st.Epochs = n
		}
		init := base.Init
		if i > 0 {
			init = "previous stage" // a placeholder: the file is made when that stage ends
		}
		if _, err := st.Settings(base, init).Resolved(); err != nil {
			return nil, fmt.Errorf("stage %d %q: %w", i+1, f, err)
		}
		out = append(out, st)
	}
	return out, nil
}

// Settings returns the stage's run settings: base with the stage's preset
// and epochs, started from init ("" for random weights).
func (st Stage) Settings(base Settings, init string) Settings {
	s := base
	s.Preset, s.Epochs, s.Init, s.SelectBy = st.Preset, st.Epochs, init, SelectSpikecount
	return s
}

// StageDir is the run directory of stage i (from 0) of a staged run in out.
func StageDir(out string, i int) string {
	return filepath.Join(out, fmt.Sprintf("stage-%d", i+1))
}
