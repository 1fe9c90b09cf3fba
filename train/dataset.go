package train

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/noble-neuro/noble/dataset"
	"github.com/noble-neuro/noble/surrogate"
)

// dirData is a dataset directory of package dataset as Data.
type dirData struct {
	ds     *dataset.Dataset
	info   DataInfo
	shards map[string][]dataset.ShardInfo
}

// OpenDataset opens a complete dataset directory written by package dataset
// (dataset.Open: the manifest is checked and every shard must be present
// with its recorded size; each shard's SHA-256 is verified when it is read).
func OpenDataset(dir string) (Data, error) {
	return OpenDatasetFeatures(dir, "", nil)
}

// OpenDatasetFeatures is OpenDataset with the extra per-model features
// (AHP_depth) of the embeddings table file in place of the manifest's
// (dataset.Manifest.WithFeatures: the table must be the one the dataset
// was made from, plus columns). "" reads no table. The traces do not depend
// on the embedding, so a dataset made before the table had the column
// trains with it without being simulated again. The data's ID then names
// the table's features too, so that a checkpoint resumes only on the same.
//
// want lists the extra features the run embeds (surrogate.Embedding's
// ExtraFeatures): each must be a column of the table, or without a table
// be recorded in the manifest; the error names the file and the column.
func OpenDatasetFeatures(dir, file string, want []string) (Data, error) {
	ds, err := dataset.Open(dir)
	if err != nil {
		return nil, err
	}
	m := ds.Manifest
	id := m.GenerationID
	if file != "" {
		names := make([]string, len(m.Models))
		for i, md := range m.Models {
			names[i] = md.Name
		}
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		emb, err := dataset.ReadEmbeddingsWith(f, file, names, want)
		f.Close()
		if err != nil {
			return nil, err
		}
		if m, err = m.WithFeatures(file, emb); err != nil {
			return nil, err
		}
		b, err := json.Marshal(struct {
			M []dataset.Model
			S surrogate.ExtraRanges
		}{m.Models, m.Scaling.Features})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		h := sha256.Sum256(b)
		id += "+features-" + hex.EncodeToString(h[:8])
	}
	for _, name := range want {
		if _, ok := m.Scaling.Features.Get(name); !ok {
			return nil, fmt.Errorf("%s: %w: the dataset's models have no %s (the embeddings table it was made from had no %s column): give a table that has, as noble fi writes it, with --embeddings",
				filepath.Join(dir, dataset.ManifestName), ErrData, name, name)
		}
	}
	l := m.Layout
	d := &dirData{ds: ds, shards: map[string][]dataset.ShardInfo{}}
	d.info = DataInfo{
		Cell: m.Cell, ID: id, Scaling: m.Scaling,
		Samples: l.Samples, DtMS: l.Dt, WindowSamples: l.WindowSamples,
		MaxOffset: l.MaxOffset, TestOffset: l.TestOffset,
		StimOnsetMS: l.StimOnset, StimEndMS: l.StimEnd,
	}
	for _, md := range m.Models {
		d.info.Models = append(d.info.Models, surrogate.CellModel{Name: md.Name, IThr: md.IThr, SThr: md.SThr, Split: md.Split, Features: md.Features})
	}
	for _, split := range []string{SplitTrain, SplitTestSeen, SplitTestHeld} {
		sh := ds.Shards(split)
		slices.SortFunc(sh, func(a, b dataset.ShardInfo) int { return a.Index - b.Index })
		d.shards[split] = sh
	}
	if err := d.info.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return d, nil
}

func (d *dirData) Info() DataInfo { return d.info }

func (d *dirData) ShardSizes(split string) []int {
	var n []int
	for _, sh := range d.shards[split] {
		n = append(n, sh.Traces)
	}
	return n
}

func (d *dirData) Shard(ctx context.Context, split string, i int) (*Shard, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sh, err := d.ds.ReadShard(d.shards[split][i])
	if err != nil {
		return nil, err
	}
	return &Shard{Samples: sh.Samples, Voltage: sh.Voltage, Amp: sh.Amp, Model: sh.Model}, nil
}
