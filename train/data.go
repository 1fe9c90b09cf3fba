package train

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/noble-neuro/noble/surrogate"
)

// Trace splits, as package dataset names them.
const (
	SplitTrain    = "train"     // training traces: training models, random amplitudes
	SplitTestSeen = "test_seen" // training models at amplitudes not trained on
	SplitTestHeld = "test_held" // held-out models (never in training traces)
)

// Model splits.
const (
	ModelTrain    = "train"    // a training model
	ModelTest     = "test"     // a held-out model
	ModelExcluded = "excluded" // a model without an F-I embedding
)

// ErrData is wrapped by errors about data that does not fit the training
// protocol (inconsistent layout, wrong shard content).
var ErrData = errors.New("train: invalid data")

// Data is what Train reads: the description of a dataset and its traces,
// stored in shards that are read one at a time so that the dataset never has
// to fit in memory. Package dataset's directories satisfy it through
// OpenDataset; tests use in-memory implementations.
//
// Implementations must return the same content for the same shard every time
// (training resumes by replaying the data order) and must be safe for
// sequential use from one goroutine (Train does not call them concurrently).
type Data interface {
	// Info describes the dataset.
	Info() DataInfo
	// ShardSizes returns the number of traces of each shard of a split, in
	// shard order (nil or empty if the split has no traces).
	ShardSizes(split string) []int
	// Shard reads shard i of a split.
	Shard(ctx context.Context, split string, i int) (*Shard, error)
}

// DataInfo describes a dataset: its models, their F-I embeddings and the
// layout of its stored traces.
type DataInfo struct {
	Cell string // cell name
	// ID identifies the dataset's content (package dataset's generation
	// ID); a checkpoint refuses to resume on data of another ID.
	ID      string
	Models  []surrogate.CellModel // every model of the cell, indexed by Shard.Model; the model file records them
	Scaling surrogate.Scaling     // min-max scaling of the embedding, stored with the trained model

	Samples       int     // samples of a stored trace
	DtMS          float64 // sample spacing, ms (0.06)
	WindowSamples int     // samples of the operator's window (8583)
	MaxOffset     int     // a training window starts at sample 0 … MaxOffset (500: 30 ms)
	TestOffset    int     // the evaluation window starts at this sample (250: 15 ms)
	StimOnsetMS   float64 // step onset in the stored trace, ms from its first sample (30)
	StimEndMS     float64 // step end in the stored trace, ms (430)
}

// Shard is the content of one shard: n traces of Samples samples.
type Shard struct {
	Samples int       // samples per trace
	Voltage []float32 // [n × Samples] soma voltage, mV
	Amp     []float64 // [n] step amplitude, nA
	Model   []int     // [n] index into DataInfo.Models
}

// Len returns the number of traces of s.
func (s *Shard) Len() int { return len(s.Amp) }

// Protocol returns the operator's protocol for a window starting at sample
// offset of a stored trace: WindowSamples samples at DtMS with the step where
// it falls in that window. The step's times are rounded to 1e-9 ms, so that
// 30 − 250·0.06 gives 15 and not 14.999999999999998 (surrogate matches
// sample times with a tolerance of 1e-9·DtMS, so this does not move the
// step).
func (d *DataInfo) Protocol(offset int) surrogate.Protocol {
	shift := float64(offset) * d.DtMS
	return surrogate.Protocol{
		DtMS:        d.DtMS,
		Length:      d.WindowSamples,
		StimStartMS: roundPS(d.StimOnsetMS - shift),
		StimEndMS:   roundPS(d.StimEndMS - shift),
		CurrentUnit: "0.1nA",
	}
}

// roundPS rounds t (ms) to 1e-9 ms.
func roundPS(t float64) float64 { return math.Round(t*1e9) / 1e9 }

// validate checks the layout and the models.
func (d *DataInfo) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrData, fmt.Sprintf(format, args...))
	}
	switch {
	case len(d.Models) == 0:
		return bad("no models")
	case !(d.DtMS > 0) || math.IsInf(d.DtMS, 0):
		return bad("sample spacing %g ms", d.DtMS)
	case d.WindowSamples < 2:
		return bad("window of %d samples", d.WindowSamples)
	case d.MaxOffset < 0 || d.MaxOffset+d.WindowSamples > d.Samples:
		return bad("windows starting at 0 … %d of %d samples do not fit in a stored trace of %d samples",
			d.MaxOffset, d.WindowSamples, d.Samples)
	case d.TestOffset < 0 || d.TestOffset+d.WindowSamples > d.Samples:
		return bad("the test window at %d of %d samples does not fit in a stored trace of %d samples",
			d.TestOffset, d.WindowSamples, d.Samples)
	}
	if err := d.Scaling.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrData, err)
	}
	for i := 0; i <= 1; i++ {
		off := []int{0, d.MaxOffset}[i]
		if err := d.Protocol(off).Validate(); err != nil {
			return fmt.Errorf("%w: window at sample %d: %w", ErrData, off, err)
		}
	}
	for i, m := range d.Models {
		switch m.Split {
		case ModelTrain, ModelTest:
			if math.IsNaN(m.IThr) || math.IsInf(m.IThr, 0) || math.IsNaN(m.SThr) || math.IsInf(m.SThr, 0) {
				return bad("model %d (%s): embedding (%g nA, %g Hz/nA) not finite", i, m.Name, m.IThr, m.SThr)
			}
			for _, f := range m.Features.Names() {
				if x, _ := m.Features.Get(f); math.IsNaN(x) || math.IsInf(x, 0) {
					return bad("model %d (%s): %s %g not finite", i, m.Name, f, x)
				}
			}
		case ModelExcluded:
		default:
			return bad("model %d (%s): split %q", i, m.Name, m.Split)
		}
	}
	return nil
}

// checkShard verifies a shard's shape against the layout.
func (d *DataInfo) checkShard(s *Shard, split string, i, want int) error {
	n := s.Len()
	if n != want || len(s.Model) != n || s.Samples != d.Samples || len(s.Voltage) != n*d.Samples {
		return fmt.Errorf("%w: %s shard %d: %d traces × %d samples (%d values, %d models), want %d × %d",
			ErrData, split, i, n, s.Samples, len(s.Voltage), len(s.Model), want, d.Samples)
	}
	for j, m := range s.Model {
		if m < 0 || m >= len(d.Models) || d.Models[m].Split == ModelExcluded {
			return fmt.Errorf("%w: %s shard %d: trace %d: model index %d is not a usable model", ErrData, split, i, j, m)
		}
		if math.IsNaN(s.Amp[j]) || math.IsInf(s.Amp[j], 0) {
			return fmt.Errorf("%w: %s shard %d: trace %d: amplitude %g", ErrData, split, i, j, s.Amp[j])
		}
	}
	return nil
}
