package train

import (
	"context"
	"fmt"
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
	ds, err := dataset.Open(dir)
	if err != nil {
		return nil, err
	}
	m := ds.Manifest
	l := m.Layout
	d := &dirData{ds: ds, shards: map[string][]dataset.ShardInfo{}}
	d.info = DataInfo{
		Cell: m.Cell, ID: m.GenerationID, Scaling: m.Scaling,
		Samples: l.Samples, DtMS: l.Dt, WindowSamples: l.WindowSamples,
		MaxOffset: l.MaxOffset, TestOffset: l.TestOffset,
		StimOnsetMS: l.StimOnset, StimEndMS: l.StimEnd,
	}
	for _, md := range m.Models {
		d.info.Models = append(d.info.Models, surrogate.CellModel{Name: md.Name, IThr: md.IThr, SThr: md.SThr, Split: md.Split})
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
