package synth

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/surrogate"
)

// Errors.
var (
	ErrModel = errors.New("synth: unusable model file")
	ErrInput = errors.New("synth: invalid input")
	ErrRange = errors.New("synth: outside the training range")
)

// Embedding is a point of the F-I embedding space.
type Embedding struct {
	IThr float64 `json:"i_thr_nA"`        // threshold current, nA
	SThr float64 `json:"s_thr_hz_per_nA"` // F-I slope, Hz/nA
}

// Surrogate is a trained model ready to synthesise traces. It is not safe
// for concurrent use (the operator's workspaces are reused).
type Surrogate struct {
	Model    *fno.Model
	Meta     fno.Metadata
	Protocol surrogate.Protocol // the model's input window (DefaultProtocol if not recorded)
	Scaling  surrogate.Scaling
	AmpRange surrogate.Range   // training amplitudes, nA (see the package doc)
	HoF      []surrogate.HoF   // nil if the file records none
	Other    map[string]string // the metadata not read here (training provenance …), verbatim
	// Embedding is the model's input embedding (surrogate.ReadMeta:
	// surrogate.DefaultEmbedding unless the file records another).
	Embedding surrogate.Embedding

	enc *surrogate.Encoder
	x   []float32 // input workspace, reused between calls
}

// Open loads the model file at path (see New).
func Open(path string) (*Surrogate, error) {
	m, meta, err := fno.LoadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := New(m, meta)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// New wraps m and its metadata. The metadata must hold the embedding
// scaling; the protocol defaults to surrogate.DefaultProtocol.
func New(m *fno.Model, meta fno.Metadata) (*Surrogate, error) {
	if meta.Scaling == nil {
		return nil, fmt.Errorf("%w: no embedding scaling (noble.scaling) in the metadata", ErrModel)
	}
	s := &Surrogate{Model: m, Meta: meta, Protocol: surrogate.DefaultProtocol(), Scaling: *meta.Scaling}
	if meta.Protocol != nil {
		s.Protocol = *meta.Protocol
	}
	mi, err := surrogate.ReadMeta(meta.Extra, s.Scaling)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrModel, err)
	}
	s.AmpRange, s.HoF, s.Other, s.Embedding = mi.AmpRange, mi.HoF, mi.Other, mi.Embedding
	if nc := s.Embedding.Channels(); m.Config().InChannels != nc || m.Config().OutChannels != 1 {
		return nil, fmt.Errorf("%w: %d input and %d output channels, want %d (the embedding's) and 1", ErrModel, m.Config().InChannels, m.Config().OutChannels, nc)
	}
	if s.enc, err = surrogate.NewEncoderEmbedding(s.Protocol, s.Scaling, &s.Embedding); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrModel, err)
	}
	return s, nil
}

// RequireFI returns nil if the model's inputs are a step amplitude and an
// (I_thr, s_thr) embedding, and otherwise an error wrapping ErrModel that
// names the extra features the model embeds (AHP_depth) and use, the
// command or part that cannot supply them. Grids, ensembles and hulls
// (Grid, Hull, Neighbourhood) sample the (I_thr, s_thr) plane only, so
// every use built on them refuses such a model up front rather than
// failing at its first encoding.
func (s *Surrogate) RequireFI(use string) error {
	x := s.Embedding.ExtraFeatures()
	if len(x) == 0 {
		return nil
	}
	return fmt.Errorf("%w: the model embeds %s besides I_thr and s_thr (embedding %v); %s describes a model by (I_thr, s_thr) only: evaluate it with noble eval",
		ErrModel, strings.Join(x, ", "), s.Embedding, use)
}

// Clone returns a surrogate computing with its own copy of the operator's
// parameters and its own workspaces, sharing the read-only metadata: one
// per goroutine that synthesises concurrently. The caller closes its
// Model.
func (s *Surrogate) Clone() (*Surrogate, error) {
	m, err := fno.New(s.Model.Config(), 0)
	if err != nil {
		return nil, err
	}
	copy(m.Params, s.Model.Params)
	c := *s
	c.Model, c.x = m, nil
	return &c, nil
}

// Length returns the samples of a synthesised trace.
func (s *Surrogate) Length() int { return s.Protocol.Length }

// Dt returns the sample spacing of a synthesised trace, ms.
func (s *Surrogate) Dt() float64 { return s.Protocol.DtMS }

// Combine says how Grid combines its lists.
type Combine int

const (
	Product Combine = iota // cartesian product, I_thr outermost, amplitude innermost
	Zip                    // i-th elements together; lists of length 1 repeat
)

// String returns "product" or "zip".
func (c Combine) String() string {
	switch c {
	case Product:
		return "product"
	case Zip:
		return "zip"
	}
	return fmt.Sprintf("Combine(%d)", int(c))
}

// ParseCombine parses "product" or "zip".
func ParseCombine(s string) (Combine, error) {
	switch strings.ToLower(s) {
	case "product":
		return Product, nil
	case "zip":
		return Zip, nil
	}
	return 0, fmt.Errorf("%w: combine %q: want product or zip", ErrInput, s)
}

// Grid returns the stimuli of the lists ithr (nA), sthr (Hz/nA) and amp
// (nA) combined by c (see the package doc). Empty lists, lists of
// different lengths under Zip (other than 1) and non-finite values are
// errors.
func Grid(ithr, sthr, amp []float64, c Combine) ([]surrogate.Stimulus, error) {
	lists := []struct {
		name string
		v    []float64
	}{{"i_thr", ithr}, {"s_thr", sthr}, {"amp", amp}}
	for _, l := range lists {
		if len(l.v) == 0 {
			return nil, fmt.Errorf("%w: %s: empty list", ErrInput, l.name)
		}
		for i, x := range l.v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("%w: %s[%d]: %v is not finite", ErrInput, l.name, i, x)
			}
		}
	}
	var out []surrogate.Stimulus
	switch c {
	case Product:
		out = make([]surrogate.Stimulus, 0, len(ithr)*len(sthr)*len(amp))
		for _, i := range ithr {
			for _, s := range sthr {
				for _, a := range amp {
					out = append(out, surrogate.Stimulus{AmpNA: a, IThr: i, SThr: s})
				}
			}
		}
	case Zip:
		n := max(len(ithr), len(sthr), len(amp))
		for _, l := range lists {
			if len(l.v) != 1 && len(l.v) != n {
				return nil, fmt.Errorf("%w: zip: %s has %d values, want 1 or %d", ErrInput, l.name, len(l.v), n)
			}
		}
		at := func(v []float64, i int) float64 {
			if len(v) == 1 {
				return v[0]
			}
			return v[i]
		}
		out = make([]surrogate.Stimulus, n)
		for i := range out {
			out[i] = surrogate.Stimulus{AmpNA: at(amp, i), IThr: at(ithr, i), SThr: at(sthr, i)}
		}
	default:
		return nil, fmt.Errorf("%w: %v", ErrInput, c)
	}
	return out, nil
}

// RangeError reports one value outside the training range.
type RangeError struct {
	Index    int     // stimulus index
	Field    string  // "i_thr", "s_thr" or "amp"
	Value    float64 // the value
	Min, Max float64 // the training range
}

// Describe says what is wrong without the stimulus index: "amp = 5 nA is
// outside the training range [0.0562, 0.462] nA".
func (e *RangeError) Describe() string {
	u := unit[e.Field]
	return fmt.Sprintf("%s = %g %s is outside the training range [%g, %g] %s", e.Field, e.Value, u, e.Min, e.Max, u)
}

func (e *RangeError) Error() string {
	return fmt.Sprintf("stimulus %d: %s", e.Index, e.Describe())
}

// Unwrap returns ErrRange.
func (e *RangeError) Unwrap() error { return ErrRange }

// Check returns a RangeError for every value of sts outside the model's
// training ranges (nil if all are inside).
func (s *Surrogate) Check(sts []surrogate.Stimulus) []*RangeError {
	var out []*RangeError
	for i, st := range sts {
		for _, f := range []struct {
			name string
			v    float64
			r    surrogate.Range
		}{{"i_thr", st.IThr, s.Scaling.IThr}, {"s_thr", st.SThr, s.Scaling.SThr}, {"amp", st.AmpNA, s.AmpRange}} {
			if !(f.v >= f.r.Min && f.v <= f.r.Max) {
				out = append(out, &RangeError{Index: i, Field: f.name, Value: f.v, Min: f.r.Min, Max: f.r.Max})
			}
		}
	}
	return out
}

// Synthesize returns the traces of sts in mV as float32 [len(sts), L],
// evaluated batch stimuli at a time (batch ≤ 0: 16), so that memory is
// bounded by the batch. ctx is checked between batches; progress, if not
// nil, is called with the number of traces done after each batch. Values
// are not range-checked here (see Admit). A non-finite output voltage is
// an error wrapping ErrModel naming the stimulus and sample.
func (s *Surrogate) Synthesize(ctx context.Context, sts []surrogate.Stimulus, batch int, progress func(done int)) ([]float32, error) {
	if batch <= 0 {
		batch = 16
	}
	l := s.Length()
	out := make([]float32, len(sts)*l)
	x := s.x
	for lo := 0; lo < len(sts); lo += batch {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hi := min(lo+batch, len(sts))
		n := hi - lo
		nx := n * s.enc.Channels() * l
		if cap(x) < nx {
			x = make([]float32, nx)
		}
		x = x[:nx]
		if _, err := s.enc.EncodeBatch(x, sts[lo:hi]); err != nil {
			return nil, fmt.Errorf("%w: stimuli %d…%d: %w", ErrInput, lo, hi-1, err)
		}
		dst := out[lo*l : hi*l]
		s.Model.Forward(dst, x, n, l)
		surrogate.VoltsToMV(dst)
		for j, u := range dst {
			if math.IsNaN(float64(u)) || math.IsInf(float64(u), 0) {
				return nil, fmt.Errorf("%w: the model produced a non-finite voltage (%g mV) at sample %d of stimulus %d", ErrModel, u, j%l, lo+j/l)
			}
		}
		if progress != nil {
			progress(hi)
		}
	}
	s.x = x
	return out, nil
}
