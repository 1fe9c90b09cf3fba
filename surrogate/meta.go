package surrogate

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
)

// Metadata keys of a model file that inference reads besides package fno's
// own (noble.config, noble.protocol, noble.scaling): the strings of
// fno.Metadata.Extra. This file is their one reader, and PutModels and
// Embedding.PutMeta are their writers; package train writes MetaModels
// (PutModels) and MetaProvenance (its own record, passed through here),
// tools and tests may write MetaHoF and MetaAmpRange.
const (
	// MetaHoF holds the hall-of-fame (HoF) models the surrogate was
	// trained on: a JSON array of HoF.
	MetaHoF = "hof"
	// MetaModels is what noble train writes: every model of the cell, a
	// JSON array of CellModel (PutModels, ReadModels). ReadMeta reads it
	// when MetaHoF is absent, leaving out models split SplitExcluded.
	MetaModels = "train.models"
	// MetaProvenance is noble train's training record (passed through).
	MetaProvenance = "train.provenance"
	// MetaAmpRange holds the training range of step amplitudes, nA: a JSON
	// Range {"min": …, "max": …}.
	MetaAmpRange = "amp_range"
	// MetaEmbedding holds the model's input embedding, a JSON Embedding
	// (Embedding.PutMeta writes it). A file without it has
	// DefaultEmbedding: files from before the embedding was configurable,
	// and those trained with the default, which leave it out.
	MetaEmbedding = "embedding"
)

// Split names of a HoF model.
const (
	SplitTrain    = "train"    // trained on
	SplitTest     = "test"     // held out
	SplitExcluded = "excluded" // without an F-I embedding: in no trace
)

// The default amplitude support: without MetaAmpRange, training amplitudes
// are taken to lie in [min I_thr − DefaultAmpBelow, max I_thr +
// DefaultAmpAbove] nA, the support package dataset draws them from by
// default (its DefaultBelow and DefaultAbove; a test keeps them equal).
const (
	DefaultAmpBelow = 0.125 // nA
	DefaultAmpAbove = 0.26  // nA
)

// ErrMetadata is wrapped by errors reading a model file's metadata.
var ErrMetadata = errors.New("surrogate: unusable model metadata")

// HoF is one hall-of-fame model of the cell the surrogate was trained on.
type HoF struct {
	Name  string  `json:"name"`            // parameter file, e.g. "hof_param_318331342_0.json"
	IThr  float64 `json:"i_thr"`           // threshold current, nA
	SThr  float64 `json:"s_thr"`           // F-I slope, Hz/nA
	Split string  `json:"split,omitempty"` // SplitTrain or SplitTest, "" if unknown
	// Features holds the model's extra features by name (IsExtraFeature;
	// e.g. AHP_depth, mV); empty if the cell's feature table has none.
	Features ExtraValues `json:"features,omitzero"`
}

// Stimulus returns the stimulus of amplitude amp (nA) applied to h.
func (h HoF) Stimulus(amp float64) Stimulus {
	return Stimulus{AmpNA: amp, IThr: h.IThr, SThr: h.SThr, Features: h.Features}
}

// CellModel is one model of the cell a surrogate was trained on as noble
// train records it (MetaModels): every model of the dataset, excluded ones
// too.
type CellModel struct {
	Name  string  `json:"name"`            // parameter file stem
	IThr  float64 `json:"i_thr_nA"`        // threshold current I_thr, nA
	SThr  float64 `json:"s_thr_hz_per_nA"` // F-I slope s_thr, Hz/nA
	Split string  `json:"split"`           // SplitTrain, SplitTest or SplitExcluded
	// Features holds the model's extra features by name (IsExtraFeature),
	// left out when there are none, so that a model file of a cell without
	// them records its models as it always has.
	Features ExtraValues `json:"features,omitzero"`
}

// Stimulus returns the stimulus of amplitude amp (nA) applied to m.
func (m CellModel) Stimulus(amp float64) Stimulus {
	return Stimulus{AmpNA: amp, IThr: m.IThr, SThr: m.SThr, Features: m.Features}
}

// PutModels records models in a model file's extra metadata under
// MetaModels.
func PutModels(extra map[string]string, models []CellModel) error {
	b, err := json.Marshal(models)
	if err != nil {
		return err
	}
	extra[MetaModels] = string(b)
	return nil
}

// ReadModels reads the models recorded under MetaModels, strictly as
// ReadMeta does. A file without the key is an error wrapping ErrMetadata.
func ReadModels(extra map[string]string) ([]CellModel, error) {
	raw, ok := extra[MetaModels]
	if !ok {
		return nil, fmt.Errorf("%w: no %q", ErrMetadata, MetaModels)
	}
	return decodeModels(raw)
}

// decodeModels decodes a MetaModels entry.
func decodeModels(raw string) ([]CellModel, error) {
	var models []CellModel
	if err := strictJSON(raw, &models); err != nil {
		return nil, fmt.Errorf("%w: %q: %v", ErrMetadata, MetaModels, err)
	}
	return models, nil
}

// Meta is what inference reads from a model file's extra metadata.
type Meta struct {
	// HoF lists the HoF models (MetaHoF, else MetaModels without the
	// excluded ones); nil when the file records neither.
	HoF []HoF
	// AmpRange is the training range of step amplitudes, nA: MetaAmpRange,
	// else the default support around the scaling's I_thr range.
	AmpRange Range
	// Embedding is the model's input embedding (MetaEmbedding, else
	// DefaultEmbedding), resolved.
	Embedding Embedding
	// Other holds the remaining entries (training provenance and the like)
	// verbatim; nil if there are none.
	Other map[string]string
}

// ReadMeta reads the extra metadata of a model file whose embedding scaling
// is sc. Every entry is decoded strictly: unknown fields, trailing data,
// non-finite embeddings and an inverted or non-finite range are errors
// wrapping ErrMetadata that name the key.
func ReadMeta(extra map[string]string, sc Scaling) (*Meta, error) {
	m := &Meta{Embedding: DefaultEmbedding()}
	if raw, ok := extra[MetaEmbedding]; ok {
		var e Embedding
		if err := strictJSON(raw, &e); err != nil {
			return nil, fmt.Errorf("%w: %q: %v", ErrMetadata, MetaEmbedding, err)
		}
		var err error
		if m.Embedding, err = e.Resolved(); err != nil {
			return nil, fmt.Errorf("%w: %q: %w", ErrMetadata, MetaEmbedding, err)
		}
	}
	lo, hi := sc.IThr.Min-DefaultAmpBelow, sc.IThr.Max+DefaultAmpAbove
	m.AmpRange = Range{Min: Tidy(lo, hi-lo), Max: Tidy(hi, hi-lo)}
	if raw, ok := extra[MetaAmpRange]; ok {
		if err := strictJSON(raw, &m.AmpRange); err != nil {
			return nil, fmt.Errorf("%w: %q: %v", ErrMetadata, MetaAmpRange, err)
		}
		r := m.AmpRange
		if !finite(r.Min) || !finite(r.Max) || r.Min > r.Max {
			return nil, fmt.Errorf("%w: %q: [%g, %g] is not a finite range", ErrMetadata, MetaAmpRange, r.Min, r.Max)
		}
	}
	key := MetaHoF
	if raw, ok := extra[MetaHoF]; ok {
		if err := strictJSON(raw, &m.HoF); err != nil {
			return nil, fmt.Errorf("%w: %q: %v", ErrMetadata, key, err)
		}
	} else if raw, ok := extra[MetaModels]; ok {
		key = MetaModels
		models, err := decodeModels(raw)
		if err != nil {
			return nil, err
		}
		m.HoF = []HoF{}
		for _, x := range models {
			if x.Split != SplitExcluded {
				m.HoF = append(m.HoF, HoF(x)) // the same fields, tagged for MetaHoF
			}
		}
	}
	for i, h := range m.HoF {
		if !finite(h.IThr) || !finite(h.SThr) {
			return nil, fmt.Errorf("%w: %q: model %d (%s): non-finite embedding", ErrMetadata, key, i, h.Name)
		}
		for _, name := range h.Features.Names() {
			if v, _ := h.Features.Get(name); !finite(v) {
				return nil, fmt.Errorf("%w: %q: model %d (%s): non-finite %s", ErrMetadata, key, i, h.Name, name)
			}
		}
	}
	for k, v := range extra {
		if k == MetaHoF || k == MetaModels || k == MetaAmpRange || k == MetaEmbedding {
			continue
		}
		if m.Other == nil {
			m.Other = map[string]string{}
		}
		m.Other[k] = v
	}
	return m, nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// Tidy rounds x to 1e-9 of the span w > 0, so that a bound derived by
// arithmetic prints as −0.025, not −0.024999999999999994 (it moves by at
// most 5e-10 of w). It returns x unchanged for w ≤ 0.
func Tidy(x, w float64) float64 {
	if !(w > 0) {
		return x
	}
	p := math.Pow(10, 9-math.Floor(math.Log10(w)))
	y := math.Round(x*p) / p
	if !finite(y) {
		return x
	}
	return y
}

// strictJSON decodes s into v, refusing unknown fields and trailing data.
func strictJSON(s string, v any) error {
	d := json.NewDecoder(strings.NewReader(s))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}
