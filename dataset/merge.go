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
	"strings"

	"github.com/noble-neuro/noble/internal/atomicfile"
)

// ErrIncomplete is returned by Merge when shards are missing.
var ErrIncomplete = errors.New("dataset: shards missing")

// Merge joins the outputs of shard jobs (directories holding part manifests,
// or complete datasets) into one complete dataset in out. Every manifest
// must carry the same generation ID (same cell, models, embeddings, seed and
// settings: ErrOtherGeneration names the first difference otherwise), every
// shard of the generation must be present (ErrIncomplete lists the missing
// ones) and every shard file must match its checksum (a *ShardError names
// it). Shards are copied into out unless they are already there (out may be
// one of dirs: a shared directory all jobs wrote into). It writes
// out/manifest.json last, so an interrupted merge leaves no manifest; ctx is
// checked between shards.
func Merge(ctx context.Context, out string, dirs []string) (*Manifest, error) {
	if len(dirs) == 0 {
		return nil, fmt.Errorf("dataset: merge: no input directories")
	}
	var first *Manifest
	var firstPath string
	type source struct {
		info ShardInfo
		dir  string
	}
	have := map[int]source{}
	for _, dir := range dirs {
		paths, _ := filepath.Glob(filepath.Join(dir, "part-*-of-*.json"))
		if _, err := os.Stat(dirManifest(dir)); err == nil {
			paths = append(paths, dirManifest(dir))
		}
		if len(paths) == 0 {
			return nil, fmt.Errorf("dataset: merge: %s holds no manifest (manifest.json or part-*.json)", dir)
		}
		for _, p := range paths {
			m, err := ReadManifest(p)
			if err != nil {
				return nil, err
			}
			if first == nil {
				first, firstPath = m, p
			} else if m.GenerationID != first.GenerationID {
				return nil, fmt.Errorf("dataset: merge: %s and %s: %w (%s)", firstPath, p, ErrOtherGeneration, describeDiff(&first.Generation, &m.Generation))
			}
			for _, sh := range m.Shards {
				if prev, ok := have[sh.Global]; ok {
					if prev.info.SHA256 != sh.SHA256 {
						return nil, fmt.Errorf("dataset: merge: shard %s differs between %s and %s", sh.Name, prev.dir, dir)
					}
					if prev.dir == out {
						continue // prefer the copy already in place
					}
				}
				have[sh.Global] = source{sh, dir}
			}
		}
	}
	plan := first.Plan()
	var missing []string
	for _, sh := range plan {
		if _, ok := have[sh.Global]; !ok {
			missing = append(missing, sh.Name)
		}
	}
	if len(missing) > 0 {
		list := missing
		if len(list) > 5 {
			list = append(list[:5:5], "…")
		}
		return nil, fmt.Errorf("%w: %d of %d (%s)", ErrIncomplete, len(missing), len(plan), strings.Join(list, ", "))
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	full := &Manifest{Generation: first.Generation, GenerationID: first.GenerationID}
	for _, sh := range plan {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		src := have[sh.Global]
		if err := copyShard(src.dir, out, src.info); err != nil {
			return nil, err
		}
		full.Shards = append(full.Shards, src.info)
	}
	if err := full.write(dirManifest(out)); err != nil {
		return nil, err
	}
	return full, nil
}

// copyShard copies shard sh from dir src to dst (atomically), checking its
// checksum on the way; if src and dst are the same directory it only checks.
func copyShard(src, dst string, sh ShardInfo) error {
	in, err := os.Open(filepath.Join(src, sh.Name))
	if err != nil {
		return &ShardError{Dir: src, Shard: sh.Name, Err: err}
	}
	defer in.Close()
	check := func(n int64, sum []byte) error {
		if n != sh.Bytes {
			return &ShardError{Dir: src, Shard: sh.Name, Err: fmt.Errorf("%w: %d bytes, manifest says %d (truncated)", ErrShard, n, sh.Bytes)}
		}
		if got := hex.EncodeToString(sum); got != sh.SHA256 {
			return &ShardError{Dir: src, Shard: sh.Name, Err: fmt.Errorf("%w: SHA-256 %s, manifest says %s (corrupt)", ErrShard, got, sh.SHA256)}
		}
		return nil
	}
	same, err := sameDir(src, dst)
	if err != nil {
		return err
	}
	h := sha256.New()
	if same {
		n, err := io.Copy(h, in)
		if err != nil {
			return &ShardError{Dir: src, Shard: sh.Name, Err: err}
		}
		return check(n, h.Sum(nil))
	}
	return atomicfile.Write(filepath.Join(dst, sh.Name), func(w io.Writer) error {
		n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(in, sh.Bytes+1))
		if err != nil {
			return err
		}
		return check(n, h.Sum(nil))
	})
}

// sameDir reports whether a and b name the same existing directory.
func sameDir(a, b string) (bool, error) {
	fa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(fa, fb), nil
}
