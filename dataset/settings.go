package dataset

import (
	"errors"
	"fmt"
	"math"

	"github.com/noble-neuro/noble/dsp"
	"github.com/noble-neuro/noble/sim"
	"github.com/noble-neuro/noble/surrogate"
)

// ErrSettings is wrapped by errors about invalid generation settings.
var ErrSettings = errors.New("dataset: invalid settings")

// ErrTooLarge is wrapped (with ErrSettings) by the error about a dataset
// of more than MaxShards shards.
var ErrTooLarge = errors.New("dataset too large")

// MaxShards bounds the shards of a dataset (all splits). The manifest lists
// every shard, about 275 bytes of JSON each, and readers take it whole
// (at most 256 MB, maxManifest) and plan every shard in memory: 2^19 shards
// make a manifest of about 145 MB. At the default 256 traces per shard that
// is about 1.1e8 traces (4 TB of float32 voltages at NOBLE's 9084 samples),
// more than a single disk holds; larger datasets take more traces per shard.
const MaxShards = 1 << 19

// Protocol is the stimulus and recording of every trace of a dataset. A
// trace is simulated for Window + Margin ms with the step switched on at
// Margin/2 + Delay for Dur ms, so that a window of Window ms can start
// anywhere in the first Margin ms (random-window augmentation during
// training) and the window starting at Margin/2 sees exactly the published
// protocol (step from Delay to Delay + Dur within Window ms). NOBLE's values
// (the zero value): 545 ms simulated, step 30 → 430 ms; windows start at 0 …
// 30 ms, the test window at 15 ms.
type Protocol struct {
	Dt     float64 `json:"dt_ms"`     // simulation time step, ms [0.02]
	Window float64 `json:"window_ms"` // window the surrogate sees, ms [515]
	Margin float64 `json:"margin_ms"` // extra simulated time for window offsets, ms [30]
	Delay  float64 `json:"delay_ms"`  // step onset within the test window, ms [15]
	Dur    float64 `json:"dur_ms"`    // step duration, ms [400]
}

// WithDefaults returns p with zero fields replaced by NOBLE's values. Margin
// has no zero-meaning escape: a dataset without window augmentation sets
// Margin to a negative value, taken as 0.
func (p Protocol) WithDefaults() Protocol {
	def := func(x *float64, v float64) {
		if *x == 0 {
			*x = v
		}
	}
	def(&p.Dt, sim.DefaultDt)
	def(&p.Window, sim.DefaultTStop)
	def(&p.Margin, 30)
	def(&p.Delay, sim.DefaultDelay)
	def(&p.Dur, sim.DefaultDur)
	if p.Margin < 0 {
		p.Margin = 0
	}
	return p
}

// Sim returns the simulator protocol of a dataset trace of amplitude amp (nA).
func (p Protocol) Sim(amp float64) sim.Protocol {
	p = p.WithDefaults()
	return sim.Protocol{Dt: p.Dt, TStop: p.Window + p.Margin, Delay: p.Margin/2 + p.Delay, Dur: p.Dur, Amp: amp}
}

// Embedding returns the protocol of the F-I embedding: the published one,
// Window ms with the step from Delay to Delay + Dur.
func (p Protocol) Embedding() sim.Protocol {
	p = p.WithDefaults()
	return sim.Protocol{Dt: p.Dt, TStop: p.Window, Delay: p.Delay, Dur: p.Dur}
}

// Layout describes the stored traces, derived from a Protocol and the
// decimation factor; it is written into the manifest for readers.
type Layout struct {
	SimSamples    int                `json:"sim_samples"`    // samples of a simulated trace (t = 0 … TStop every Dt)
	Samples       int                `json:"samples"`        // samples of a stored trace, ⌈SimSamples/Factor⌉
	Dt            float64            `json:"dt_ms"`          // spacing of stored samples, ms (Dt·Factor)
	WindowSamples int                `json:"window_samples"` // samples of a window, ⌊Window/Dt⌋ (8583)
	MaxOffset     int                `json:"max_offset"`     // a window starts at sample 0 … MaxOffset
	TestOffset    int                `json:"test_offset"`    // the test window starts at this sample
	StimOnset     float64            `json:"stim_onset_ms"`  // step onset in the stored trace, ms
	StimEnd       float64            `json:"stim_end_ms"`    // step end in the stored trace, ms
	Window        surrogate.Protocol `json:"test_window"`    // the test window as the surrogate's protocol
}

// Layout returns the layout of p's traces after decimation by factor.
func (p Protocol) Layout(factor int) Layout {
	p = p.WithDefaults()
	sp := p.Sim(0)
	n := sp.Steps() + 1
	dt := p.Dt * float64(factor)
	l := Layout{
		SimSamples:    n,
		Samples:       (n + factor - 1) / factor,
		Dt:            dt,
		WindowSamples: int(math.Floor(p.Window/dt + 1e-9)),
		StimOnset:     sp.Delay,
		StimEnd:       sp.Delay + sp.Dur,
	}
	l.MaxOffset = min(int(math.Round(p.Margin/dt)), l.Samples-l.WindowSamples)
	l.TestOffset = int(math.Round(p.Margin / 2 / dt))
	l.Window = surrogate.Protocol{DtMS: dt, Length: l.WindowSamples, StimStartMS: p.Delay, StimEndMS: p.Delay + p.Dur, CurrentUnit: "0.1nA"}
	return l
}

// validate checks p after defaults.
func (p Protocol) validate(factor int) error {
	for _, x := range []float64{p.Dt, p.Window, p.Margin, p.Delay, p.Dur} {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%w: protocol %+v: values must be finite", ErrSettings, p)
		}
	}
	if err := p.Sim(0).Validate(); err != nil {
		return fmt.Errorf("%w: protocol: %v", ErrSettings, err)
	}
	if p.Dur < 0 || p.Delay < 0 || p.Delay+p.Dur > p.Window {
		return fmt.Errorf("%w: protocol: step %v → %.10g ms not inside the %v ms window", ErrSettings, p.Delay, p.Delay+p.Dur, p.Window)
	}
	l := p.Layout(factor)
	if l.WindowSamples < 1 || l.Samples < l.WindowSamples+l.MaxOffset || l.TestOffset > l.MaxOffset {
		return fmt.Errorf("%w: protocol: layout %+v is inconsistent", ErrSettings, l)
	}
	return nil
}

// Settings define a dataset; together with the seed, the cell and its
// models' embeddings they determine every byte of it. A zero field means the
// default in brackets. Settings are stored, resolved, in the manifest.
type Settings struct {
	Traces         int    `json:"traces"`           // training traces, > 0
	TestSeenTraces int    `json:"test_seen_traces"` // test traces of training models at new amplitudes [Traces/10; < 0: none]
	TestHeldTraces int    `json:"test_held_traces"` // test traces of held-out models [Traces/10; < 0: none]
	Seed           uint64 `json:"seed"`             // seed of the amplitude draws (0 is a seed)
	TracesPerShard int    `json:"traces_per_shard"` // [256]

	// TestModels are the held-out models (indices into the cell's sorted
	// parameter files). Nil: TestModels(cell, …, NumTestModels, SplitSeed).
	TestModels    []int  `json:"test_models"`
	NumTestModels int    `json:"num_test_models,omitempty"` // [NOBLE's 10 for its human cell, else 8]
	SplitSeed     uint64 `json:"split_seed"`                // seed of the model split (0 is a seed)

	// Stimulus is the amplitude distribution; nil derives it from the
	// models' thresholds (DefaultStimulus).
	Stimulus *Stimulus `json:"stimulus"`

	Protocol Protocol     `json:"protocol"`
	Filter   dsp.Settings `json:"filter"`
}

// resolved returns s with every default applied except those that need the
// models (TestModels, Stimulus), and validates it.
func (s Settings) resolved() (Settings, error) {
	if s.Traces <= 0 {
		return s, fmt.Errorf("%w: traces %d: need at least 1", ErrSettings, s.Traces)
	}
	if s.Traces > 1<<30 {
		return s, fmt.Errorf("%w: traces %d: at most 2^30", ErrSettings, s.Traces)
	}
	def10 := func(x *int) {
		switch {
		case *x == 0:
			*x = max(s.Traces/10, 1)
		case *x < 0:
			*x = 0
		}
	}
	def10(&s.TestSeenTraces)
	def10(&s.TestHeldTraces)
	if s.TestSeenTraces > 1<<30 || s.TestHeldTraces > 1<<30 {
		return s, fmt.Errorf("%w: test traces %d, %d: at most 2^30", ErrSettings, s.TestSeenTraces, s.TestHeldTraces)
	}
	if s.TracesPerShard == 0 {
		s.TracesPerShard = 256
	}
	if s.TracesPerShard < 1 || s.TracesPerShard > 1<<20 {
		return s, fmt.Errorf("%w: traces per shard %d: need 1 … 2^20", ErrSettings, s.TracesPerShard)
	}
	per := s.TracesPerShard
	if n := (s.Traces+per-1)/per + (s.TestSeenTraces+per-1)/per + (s.TestHeldTraces+per-1)/per; n > MaxShards {
		return s, fmt.Errorf("%w: %w: %d + %d + %d traces in shards of %d make %d shards, at most %d (the manifest lists every shard and is read whole): fewer traces or more per shard",
			ErrSettings, ErrTooLarge, s.Traces, s.TestSeenTraces, s.TestHeldTraces, per, n, MaxShards)
	}
	s.Protocol = s.Protocol.WithDefaults()
	s.Filter = s.Filter.WithDefaults()
	if _, err := dsp.NewDecimator(&s.Filter); err != nil {
		return s, fmt.Errorf("%w: filter: %v", ErrSettings, err)
	}
	if err := s.Protocol.validate(s.Filter.Factor); err != nil {
		return s, err
	}
	if s.Stimulus != nil {
		if _, err := NewSampler(*s.Stimulus); err != nil {
			return s, err
		}
	}
	return s, nil
}
