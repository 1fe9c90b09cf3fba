package fno

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/noble-neuro/noble/internal/atomicfile"
	"github.com/noble-neuro/noble/internal/safetensors"
	"github.com/noble-neuro/noble/surrogate"
)

// Metadata keys of a model file.
const (
	MetaFormat   = "noble.format"
	MetaConfig   = "noble.config"
	MetaProtocol = "noble.protocol"
	MetaScaling  = "noble.scaling"

	// FileFormat is the value of MetaFormat this package writes and reads.
	FileFormat = "noble-fno/1"
)

// ErrModelFile is wrapped by every error about a model file's content.
var ErrModelFile = errors.New("fno: invalid model file")

// Metadata is what a model file stores besides the parameters and the
// Config: how inputs were encoded for the model.
type Metadata struct {
	Protocol *surrogate.Protocol // input protocol; nil if not recorded
	Scaling  *surrogate.Scaling  // F-I feature scaling; nil if not recorded
	// Extra holds other metadata strings verbatim (e.g. training provenance);
	// its keys must not be "format" or start with "noble.".
	Extra map[string]string
}

// configJSON is the file form of Config.
type configJSON struct {
	InChannels         int `json:"in_channels"`
	Width              int `json:"width"`
	Layers             int `json:"layers"`
	Modes              int `json:"modes"`
	LiftingChannels    int `json:"lifting_channels"`
	ProjectionChannels int `json:"projection_channels"`
	MLPHidden          int `json:"mlp_hidden"`
	OutChannels        int `json:"out_channels"`
	// GroupNorm is left out when false, so that files of the published
	// architecture are unchanged and older files load as false.
	GroupNorm bool `json:"group_norm,omitempty"`
}

// Save writes m and meta to w as a model file: a safetensors file (package
// internal/safetensors) holding the parameters under their PyTorch
// state-dict names (StateDict; complex spectral weights as float32
// [in, out, modes, 2]) and, in the string metadata, JSON values under these
// keys:
//
//	"noble.format"   "noble-fno/1"
//	"noble.config"   the Config: {"in_channels":23,"width":24,"layers":12,
//	                 "modes":129,"lifting_channels":48,"projection_channels":96,
//	                 "mlp_hidden":12,"out_channels":1}, with
//	                 "group_norm":true appended when Config.GroupNorm
//	                 (absent: false)
//	"noble.protocol" the input protocol (surrogate.Protocol), if given
//	"noble.scaling"  the F-I embedding's min-max scaling (surrogate.Scaling),
//	                 if given
//
// plus "format":"pt" (the Python safetensors convention) and the
// Metadata.Extra entries. tools/convert_checkpoint.py writes the same layout
// from a PyTorch checkpoint; tools/noble_torch.py reads it.
//
// It returns an error, having written nothing, for Extra keys that collide
// with the reserved ones or an invalid Protocol or Scaling.
func Save(w io.Writer, m *Model, meta Metadata) error {
	md, err := encodeMeta(m.Config(), meta)
	if err != nil {
		return err
	}
	sd := m.StateDict()
	ts := make([]safetensors.Tensor, len(sd))
	for i, t := range sd {
		ts[i] = safetensors.Tensor(t)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if err := safetensors.Write(bw, ts, md); err != nil {
		return err
	}
	return bw.Flush()
}

func encodeMeta(cfg Config, meta Metadata) (map[string]string, error) {
	md := map[string]string{"format": "pt", MetaFormat: FileFormat}
	for k, v := range meta.Extra {
		if k == "format" || strings.HasPrefix(k, "noble.") {
			return nil, fmt.Errorf("fno: metadata key %q is reserved", k)
		}
		md[k] = v
	}
	c, _ := json.Marshal(configJSON(cfg))
	md[MetaConfig] = string(c)
	if meta.Protocol != nil {
		if err := meta.Protocol.Validate(); err != nil {
			return nil, err
		}
		b, _ := json.Marshal(meta.Protocol)
		md[MetaProtocol] = string(b)
	}
	if meta.Scaling != nil {
		if err := meta.Scaling.Validate(); err != nil {
			return nil, err
		}
		b, _ := json.Marshal(meta.Scaling)
		md[MetaScaling] = string(b)
	}
	return md, nil
}

// Load reads a model file from r. The configuration comes from the
// "noble.config" metadata and must agree with the tensors: a disagreement is
// an error naming the tensor. Errors about the content wrap ErrModelFile (and
// safetensors.ErrFormat or ErrStateDict where they apply).
func Load(r io.Reader) (*Model, Metadata, error) {
	ts, md, err := safetensors.Read(r)
	if err != nil {
		return nil, Metadata{}, fmt.Errorf("%w: %w", ErrModelFile, err)
	}
	return fromTensors(ts, md)
}

func fromTensors(sts []safetensors.Tensor, md map[string]string) (*Model, Metadata, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrModelFile}, args...)...)
	}
	if f, ok := md[MetaFormat]; ok && f != FileFormat {
		return nil, Metadata{}, bad("%s is %q, want %q", MetaFormat, f, FileFormat)
	}
	raw, ok := md[MetaConfig]
	if !ok {
		return nil, Metadata{}, bad("no %q metadata (convert PyTorch checkpoints with tools/convert_checkpoint.py)", MetaConfig)
	}
	var cj configJSON
	if err := strictJSON(raw, &cj); err != nil {
		return nil, Metadata{}, bad("%s: %v", MetaConfig, err)
	}
	cfg := Config(cj)
	if err := cfg.Validate(); err != nil {
		return nil, Metadata{}, bad("%s: %w", MetaConfig, err)
	}
	ts := make([]Tensor, len(sts))
	for i, t := range sts {
		ts[i] = Tensor(t)
	}
	// Check the configuration against the tensor shapes before New
	// allocates: the allocation is then bounded by the file's own size.
	if err := checkConfig(cfg, ts); err != nil {
		return nil, Metadata{}, bad("%w", err)
	}
	m, err := New(cfg, 0)
	if err != nil {
		return nil, Metadata{}, bad("%w", err)
	}
	if err := m.LoadStateDict(ts); err != nil {
		return nil, Metadata{}, bad("%w", err)
	}
	var meta Metadata
	if raw, ok := md[MetaProtocol]; ok {
		meta.Protocol = new(surrogate.Protocol)
		if err := strictJSON(raw, meta.Protocol); err != nil {
			return nil, Metadata{}, bad("%s: %v", MetaProtocol, err)
		}
		if err := meta.Protocol.Validate(); err != nil {
			return nil, Metadata{}, bad("%s: %w", MetaProtocol, err)
		}
	}
	if raw, ok := md[MetaScaling]; ok {
		meta.Scaling = new(surrogate.Scaling)
		if err := strictJSON(raw, meta.Scaling); err != nil {
			return nil, Metadata{}, bad("%s: %v", MetaScaling, err)
		}
		if err := meta.Scaling.Validate(); err != nil {
			return nil, Metadata{}, bad("%s: %w", MetaScaling, err)
		}
	}
	for k, v := range md {
		if k == "format" || strings.HasPrefix(k, "noble.") {
			continue
		}
		if meta.Extra == nil {
			meta.Extra = map[string]string{}
		}
		meta.Extra[k] = v
	}
	return m, meta, nil
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

// InferConfig returns the configuration the shapes of a state dict imply,
// reading each field from one tensor (lifting.fcs.0.weight for InChannels
// and LiftingChannels, fno_blocks.convs.0.weight[.tensor] for Width and
// Modes, the highest fno_blocks.convs.{i}.bias for Layers,
// fno_blocks.channel_mlp.0.fcs.0.weight for MLPHidden, projection.fcs.0.weight
// and projection.fcs.1.weight for the projection, the presence of
// fno_blocks.norm.0.weight for GroupNorm). Errors name the missing
// or malformed tensor and wrap ErrStateDict. It does not check the other
// tensors (LoadStateDict does).
func InferConfig(ts []Tensor) (Config, error) {
	byName := make(map[string]Tensor, len(ts))
	layers := 0
	for _, t := range ts {
		byName[t.Name] = t
		if rest, ok := strings.CutPrefix(t.Name, "fno_blocks.convs."); ok {
			if i, err := strconv.Atoi(strings.TrimSuffix(rest, ".bias")); err == nil && strings.HasSuffix(rest, ".bias") && i >= 0 && i < 1<<16 {
				layers = max(layers, i+1)
			}
		}
	}
	dims := func(name string, rank int) ([]int, error) {
		t, ok := byName[name]
		if !ok && name == "fno_blocks.convs.0.weight.tensor" {
			t, ok = byName["fno_blocks.convs.0.weight"]
		}
		if !ok {
			return nil, fmt.Errorf("%w: tensor %q missing", ErrStateDict, name)
		}
		if len(t.Shape) != rank {
			return nil, fmt.Errorf("%w: tensor %q has shape %v, want rank %d", ErrStateDict, name, t.Shape, rank)
		}
		return t.Shape, nil
	}
	var c Config
	lift, err := dims("lifting.fcs.0.weight", 3)
	if err != nil {
		return Config{}, err
	}
	c.LiftingChannels, c.InChannels = lift[0], lift[1]-1
	spec, err := dims("fno_blocks.convs.0.weight.tensor", 4)
	if err != nil {
		return Config{}, err
	}
	c.Width, c.Modes = spec[0], spec[2]
	c.Layers = layers
	mlp, err := dims("fno_blocks.channel_mlp.0.fcs.0.weight", 3)
	if err != nil {
		return Config{}, err
	}
	c.MLPHidden = mlp[0]
	p0, err := dims("projection.fcs.0.weight", 3)
	if err != nil {
		return Config{}, err
	}
	p1, err := dims("projection.fcs.1.weight", 3)
	if err != nil {
		return Config{}, err
	}
	c.ProjectionChannels, c.OutChannels = p0[0], p1[0]
	_, c.GroupNorm = byName["fno_blocks.norm.0.weight"]
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("%w: shapes imply %w", ErrStateDict, err)
	}
	return c, nil
}

// checkConfig compares cfg with the configuration the tensors imply and
// names the first tensor that disagrees.
func checkConfig(cfg Config, ts []Tensor) error {
	got, err := InferConfig(ts)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		field, tensor string
		want, got     int
	}{
		{"in_channels", "lifting.fcs.0.weight", cfg.InChannels, got.InChannels},
		{"lifting_channels", "lifting.fcs.0.weight", cfg.LiftingChannels, got.LiftingChannels},
		{"width", "fno_blocks.convs.0.weight.tensor", cfg.Width, got.Width},
		{"modes", "fno_blocks.convs.0.weight.tensor", cfg.Modes, got.Modes},
		{"mlp_hidden", "fno_blocks.channel_mlp.0.fcs.0.weight", cfg.MLPHidden, got.MLPHidden},
		{"projection_channels", "projection.fcs.0.weight", cfg.ProjectionChannels, got.ProjectionChannels},
		{"out_channels", "projection.fcs.1.weight", cfg.OutChannels, got.OutChannels},
	} {
		if f.want != f.got {
			return fmt.Errorf("%w: config %s = %d but tensor %q implies %d", ErrStateDict, f.field, f.want, f.tensor, f.got)
		}
	}
	if cfg.GroupNorm != got.GroupNorm {
		return fmt.Errorf("%w: config group_norm = %v but tensor \"fno_blocks.norm.0.weight\" is %s",
			ErrStateDict, cfg.GroupNorm, map[bool]string{true: "present", false: "absent"}[got.GroupNorm])
	}
	if cfg.Layers != got.Layers {
		return fmt.Errorf("%w: config layers = %d but the highest layer tensor is \"fno_blocks.convs.%d.bias\" (%d layers)",
			ErrStateDict, cfg.Layers, got.Layers-1, got.Layers)
	}
	return nil
}

// SaveFile atomically writes m and meta to path (see Save).
func SaveFile(path string, m *Model, meta Metadata) error {
	return atomicfile.Write(path, func(w io.Writer) error { return Save(w, m, meta) })
}

// LoadFile reads the model file at path (see Load); errors name the file.
func LoadFile(path string) (*Model, Metadata, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, Metadata{}, err
	}
	defer f.Close()
	m, meta, err := Load(bufio.NewReaderSize(f, 1<<16))
	if err != nil {
		return nil, Metadata{}, fmt.Errorf("%s: %w", path, err)
	}
	return m, meta, nil
}
