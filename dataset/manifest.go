package dataset

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/noble-neuro/noble/internal/atomicfile"
	"github.com/noble-neuro/noble/surrogate"
)

// Format identification written into every manifest.
const (
	Format  = "noble-dataset"
	Version = 1
)

// File names in a dataset directory.
const (
	ManifestName   = "manifest.json"  // the complete dataset
	EmbeddingsName = "embeddings.csv" // cached F-I embeddings, as "noble fi" writes them
)

// ErrManifest is wrapped by errors about a malformed or inconsistent manifest.
var ErrManifest = errors.New("dataset: bad manifest")

// Model is one model of the cell in a dataset.
type Model struct {
	Index int     `json:"index"`           // position among the cell's sorted parameter files
	Name  string  `json:"name"`            // parameter file stem
	IThr  float64 `json:"i_thr_nA"`        // threshold current, nA (0 when Split is "excluded")
	SThr  float64 `json:"s_thr_hz_per_nA"` // F-I slope, Hz/nA (0 when Split is "excluded")
	Split string  `json:"split"`           // ModelTrain, ModelTest or ModelExcluded
	// Features holds the extra features of a model that is not excluded
	// (surrogate.IsExtraFeature: AHP_depth, mV), from the embeddings
	// table; empty when the table has no such column, and then left out,
	// so that such a manifest (and its generation ID) is as before.
	Features surrogate.ExtraValues `json:"features,omitzero"`
}

// SplitInfo gives the size of one trace split.
type SplitInfo struct {
	Name   string `json:"name"`   // SplitTrain, SplitTestSeen or SplitTestHeld
	Traces int    `json:"traces"` // traces in the split
	Shards int    `json:"shards"` // shards holding them
}

// Generation is everything that determines a dataset's bytes: cell, models
// with their embeddings and split, resolved settings, layout. Shard jobs of
// one dataset must agree on it exactly; its SHA-256 is the generation ID.
type Generation struct {
	Format     string            `json:"format"`
	Version    int               `json:"version"`
	Cell       string            `json:"cell"`
	Models     []Model           `json:"models"`
	Scaling    surrogate.Scaling `json:"scaling"` // min-max scaling of the embedding over every non-excluded model
	Settings   Settings          `json:"settings"`
	Layout     Layout            `json:"layout"`
	FilterTaps int               `json:"filter_taps"`
	Splits     []SplitInfo       `json:"splits"`
}

// ID returns the generation ID: the hex SHA-256 of g's JSON encoding.
func (g *Generation) ID() string {
	b, err := json.Marshal(g)
	if err != nil {
		panic(err) // only finite numbers and plain types: cannot fail
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// ShardInfo describes one shard file.
type ShardInfo struct {
	Name   string `json:"name"`   // file name, e.g. "train-00003-of-00296.npz"
	Split  string `json:"split"`  // trace split
	Index  int    `json:"index"`  // shard number within the split
	Global int    `json:"global"` // shard number across splits (train, test_seen, test_held): what --shard i/n distributes
	First  int    `json:"first"`  // index within the split of the shard's first trace
	Traces int    `json:"traces"` // traces in the shard
	Bytes  int64  `json:"bytes,omitempty"`
	SHA256 string `json:"sha256,omitempty"` // hex SHA-256 of the file
}

// Manifest is a dataset directory's description: its generation, the ID of
// the generation, and its shards with checksums. A complete dataset's
// manifest (manifest.json) lists every shard; the part manifest of a shard
// job (part-IIIII-of-NNNNN.json) lists the shards that job has finished.
type Manifest struct {
	Generation
	GenerationID string      `json:"generation_id"`
	Job          string      `json:"job,omitempty"` // "i/n" in a part manifest
	Shards       []ShardInfo `json:"shards"`
}

// Plan returns every shard of g, in Global order, without checksums.
func (g *Generation) Plan() []ShardInfo {
	var out []ShardInfo
	per := g.Settings.TracesPerShard
	for _, sp := range g.Splits {
		for k := range sp.Shards {
			first := k * per
			out = append(out, ShardInfo{
				Name:   fmt.Sprintf("%s-%05d-of-%05d.npz", sp.Name, k, sp.Shards),
				Split:  sp.Name,
				Index:  k,
				Global: len(out),
				First:  first,
				Traces: min(per, sp.Traces-first),
			})
		}
	}
	return out
}

// split returns the SplitInfo of name.
func (g *Generation) split(name string) (SplitInfo, bool) {
	for _, s := range g.Splits {
		if s.Name == name {
			return s, true
		}
	}
	return SplitInfo{}, false
}

// partName is the part manifest of shard job i of n.
func partName(i, n int) string { return fmt.Sprintf("part-%05d-of-%05d.json", i, n) }

// maxManifest bounds the size of a manifest file read (a corrupt or hostile
// file is an error, not an allocation of its declared size).
const maxManifest = 256 << 20

// ReadManifest reads and checks the manifest at path: format and version,
// the generation ID against the generation, and the shard list against the
// generation's plan (names, counts; a complete manifest must list every
// shard, a part manifest a subset). Errors name the file and wrap ErrManifest.
func ReadManifest(path string) (*Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxManifest+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > maxManifest {
		return nil, fmt.Errorf("%s: %w: larger than %d bytes", path, ErrManifest, maxManifest)
	}
	m, err := ParseManifest(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// ParseManifest decodes and checks a manifest (see ReadManifest).
func ParseManifest(data []byte) (*Manifest, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := position(data, se.Offset)
			return nil, fmt.Errorf("%w: line %d col %d: %v", ErrManifest, line, col, err)
		}
		return nil, fmt.Errorf("%w: %v", ErrManifest, err)
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	return &m, nil
}

// position converts a byte offset to 1-based line and column.
func position(data []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line = 1 + bytes.Count(before, []byte("\n"))
	col = int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

func (m *Manifest) check() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrManifest, field, fmt.Sprintf(format, args...))
	}
	if m.Format != Format {
		return bad("format", "%q, want %q", m.Format, Format)
	}
	if m.Version != Version {
		return bad("version", "%d, this program reads version %d", m.Version, Version)
	}
	if id := m.Generation.ID(); id != m.GenerationID {
		return bad("generation_id", "%s does not match the generation (%s): the manifest was edited or is corrupt", m.GenerationID, id)
	}
	if len(m.Models) == 0 {
		return bad("models", "empty")
	}
	for i, md := range m.Models {
		if md.Index != i {
			return bad(fmt.Sprintf("models[%d].index", i), "%d", md.Index)
		}
		switch md.Split {
		case ModelTrain, ModelTest, ModelExcluded:
		default:
			return bad(fmt.Sprintf("models[%d].split", i), "%q", md.Split)
		}
	}
	l := m.Layout
	if l.Samples < 1 || l.Samples > 1<<24 || l.WindowSamples < 1 || l.WindowSamples > l.Samples {
		return bad("layout", "samples %d, window %d", l.Samples, l.WindowSamples)
	}
	if m.Settings.TracesPerShard < 1 || m.Settings.TracesPerShard > 1<<20 {
		return bad("settings.traces_per_shard", "%d", m.Settings.TracesPerShard)
	}
	for i, sp := range m.Splits {
		want := (sp.Traces + m.Settings.TracesPerShard - 1) / m.Settings.TracesPerShard
		if sp.Traces < 0 || sp.Traces > 1<<30 || sp.Shards != want || !slices.Contains(Splits, sp.Name) {
			return bad(fmt.Sprintf("splits[%d]", i), "%+v", sp)
		}
	}
	plan := m.Plan()
	seen := map[int]bool{}
	for i, sh := range m.Shards {
		field := fmt.Sprintf("shards[%d]", i)
		if sh.Global < 0 || sh.Global >= len(plan) {
			return bad(field, "global index %d outside 0 … %d", sh.Global, len(plan)-1)
		}
		p := plan[sh.Global]
		if sh.Name != p.Name || sh.Split != p.Split || sh.Index != p.Index || sh.First != p.First || sh.Traces != p.Traces {
			return bad(field, "%s does not match the plan (%s, %d traces)", sh.Name, p.Name, p.Traces)
		}
		if seen[sh.Global] {
			return bad(field, "%s listed twice", sh.Name)
		}
		seen[sh.Global] = true
		if len(sh.SHA256) != 64 || sh.Bytes <= 0 {
			return bad(field, "%s: missing checksum or size", sh.Name)
		}
		if _, err := hex.DecodeString(sh.SHA256); err != nil {
			return bad(field+".sha256", "%v", err)
		}
	}
	if m.Job == "" && len(m.Shards) != len(plan) {
		return bad("shards", "%d listed, the dataset has %d", len(m.Shards), len(plan))
	}
	return nil
}

// Complete reports whether m lists every shard of its generation.
func (m *Manifest) Complete() bool { return len(m.Shards) == len(m.Plan()) }

// write writes m atomically to path, indented, shards in Global order.
func (m *Manifest) write(path string) error {
	slices.SortFunc(m.Shards, func(a, b ShardInfo) int { return a.Global - b.Global })
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(b, '\n'))
}

// dirManifest returns the path of the complete manifest in dir.
func dirManifest(dir string) string { return filepath.Join(dir, ManifestName) }
