package dataset

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/noble-neuro/noble/surrogate"
)

// Dataset is a complete dataset directory opened for reading.
type Dataset struct {
	Dir      string
	Manifest *Manifest
}

// Open reads and checks dir's manifest.json and checks that every shard file
// exists with the size the manifest gives (a missing or truncated shard is a
// *ShardError naming it). Checksums and contents are verified when a shard is
// read (ReadShard, Each) or by Verify.
func Open(dir string) (*Dataset, error) {
	m, err := ReadManifest(dirManifest(dir))
	if err != nil {
		return nil, err
	}
	d := &Dataset{Dir: dir, Manifest: m}
	var errs []error
	for _, sh := range m.Shards {
		if err := d.statShard(sh); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return d, nil
}

func (d *Dataset) statShard(sh ShardInfo) error {
	fi, err := os.Stat(filepath.Join(d.Dir, sh.Name))
	if err != nil {
		return &ShardError{Dir: d.Dir, Shard: sh.Name, Err: err}
	}
	if fi.Size() != sh.Bytes {
		return &ShardError{Dir: d.Dir, Shard: sh.Name, Err: fmt.Errorf("%w: %d bytes, manifest says %d (truncated or replaced)", ErrShard, fi.Size(), sh.Bytes)}
	}
	return nil
}

// Shards returns the shards of a split, in order (nil for an unknown split).
func (d *Dataset) Shards(split string) []ShardInfo {
	var out []ShardInfo
	for _, sh := range d.Manifest.Shards {
		if sh.Split == split {
			out = append(out, sh)
		}
	}
	return out
}

// Traces returns the number of traces of a split.
func (d *Dataset) Traces(split string) int {
	sp, _ := d.Manifest.split(split)
	return sp.Traces
}

// ReadShard reads one shard, verifying its size and SHA-256 against the
// manifest before decoding it, and then its arrays (shapes, finite values,
// indices). Errors are *ShardError naming the shard. It reads the file into
// memory once: about Traces × Samples × 4 bytes.
func (d *Dataset) ReadShard(sh ShardInfo) (*Shard, error) {
	data, err := d.readVerified(sh)
	if err != nil {
		return nil, err
	}
	s, err := decodeShard(data, sh, d.Manifest.Layout.Samples, len(d.Manifest.Models))
	if err != nil {
		return nil, &ShardError{Dir: d.Dir, Shard: sh.Name, Err: err}
	}
	return s, nil
}

// readVerified reads a shard file and checks its size and checksum.
func (d *Dataset) readVerified(sh ShardInfo) ([]byte, error) {
	if err := d.statShard(sh); err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Join(d.Dir, sh.Name))
	if err != nil {
		return nil, &ShardError{Dir: d.Dir, Shard: sh.Name, Err: err}
	}
	defer f.Close()
	data := make([]byte, sh.Bytes)
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, &ShardError{Dir: d.Dir, Shard: sh.Name, Err: fmt.Errorf("%w: %v", ErrShard, err)}
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != sh.SHA256 {
		return nil, &ShardError{Dir: d.Dir, Shard: sh.Name, Err: fmt.Errorf("%w: SHA-256 %s, manifest says %s (corrupt)", ErrShard, got, sh.SHA256)}
	}
	return data, nil
}

// Each calls fn with every shard of a split in order, reading (and verifying)
// one shard at a time, so memory stays bounded by two shards whatever the
// dataset's size. ctx is checked between shards. fn must not keep the shard
// beyond the call if memory is to stay bounded.
func (d *Dataset) Each(ctx context.Context, split string, fn func(s *Shard) error) error {
	for _, sh := range d.Shards(split) {
		if err := ctx.Err(); err != nil {
			return err
		}
		s, err := d.ReadShard(sh)
		if err != nil {
			return err
		}
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}

// VerifyDir checks the dataset in dir like Open followed by Verify, but
// reports every bad shard (missing, truncated, corrupt, malformed) rather
// than stopping at those Open finds.
func VerifyDir(ctx context.Context, dir string, progress func(done, total int)) (*Dataset, error) {
	m, err := ReadManifest(dirManifest(dir))
	if err != nil {
		return nil, err
	}
	d := &Dataset{Dir: dir, Manifest: m}
	return d, d.Verify(ctx, progress)
}

// Verify reads every shard and checks size, checksum, shapes and values. It
// returns nil for a sound dataset, else the errors joined, one *ShardError
// per bad shard. progress, if not nil, is called after each shard.
func (d *Dataset) Verify(ctx context.Context, progress func(done, total int)) error {
	var errs []error
	for i, sh := range d.Manifest.Shards {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := d.ReadShard(sh); err != nil {
			errs = append(errs, err)
		}
		if progress != nil {
			progress(i+1, len(d.Manifest.Shards))
		}
	}
	return errors.Join(errs...)
}

// Slice returns the window of a stored trace starting at sample offset:
// Layout.WindowSamples samples (a subslice of v). The training window starts
// at a random offset in [0, MaxOffset], the test window at TestOffset; the
// step then starts at StimOnset − offset·Dt ms within the window. It panics
// if the window does not fit.
func (l Layout) Slice(v []float32, offset int) []float32 {
	return v[offset : offset+l.WindowSamples]
}

// Trace is one stored trace with what a trainer needs next to it.
type Trace struct {
	Split string
	Index int       // index within the split
	Model int       // index into Manifest.Models
	Amp   float64   // step amplitude, nA
	IThr  float64   // the model's threshold current, nA (unscaled)
	SThr  float64   // the model's F-I slope, Hz/nA (unscaled)
	V     []float32 // Layout.Samples voltages, mV; valid only during the call
	// Features are the model's extra features (Model.Features).
	Features surrogate.ExtraValues
}

// EachTrace calls fn with every trace of a split in order, reading one shard
// at a time (see Each). fn must copy V if it keeps it.
func (d *Dataset) EachTrace(ctx context.Context, split string, fn func(t Trace) error) error {
	return d.Each(ctx, split, func(s *Shard) error {
		for i := range s.Info.Traces {
			m := d.Manifest.Models[s.Model[i]]
			err := fn(Trace{Split: split, Index: s.Trace[i], Model: m.Index, Amp: s.Amp[i], IThr: m.IThr, SThr: m.SThr, V: s.V(i), Features: m.Features})
			if err != nil {
				return err
			}
		}
		return nil
	})
}
