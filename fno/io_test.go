package fno

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/internal/safetensors"
	"github.com/noble-neuro/noble/surrogate"
)

func smallConfig() Config {
	return Config{InChannels: 23, Width: 6, Layers: 3, Modes: 20, LiftingChannels: 8, ProjectionChannels: 10, MLPHidden: 3, OutChannels: 1}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	t.Parallel()
	m, err := New(smallConfig(), 3)
	if err != nil {
		t.Fatal(err)
	}
	p := surrogate.DefaultProtocol()
	s := surrogate.Scaling{IThr: surrogate.Range{Min: 0.05, Max: 0.4}, SThr: surrogate.Range{Min: 50, Max: 400}, Lo: 0.5, Hi: 3.5}
	meta := Metadata{Protocol: &p, Scaling: &s, Extra: map[string]string{"training": `{"epochs":300}`}}
	var b bytes.Buffer
	if err := Save(&b, m, meta); err != nil {
		t.Fatal(err)
	}
	m2, meta2, err := Load(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if m2.Config() != m.Config() {
		t.Errorf("config = %+v, want %+v", m2.Config(), m.Config())
	}
	for i := range m.Params {
		if math.Float32bits(m.Params[i]) != math.Float32bits(m2.Params[i]) {
			t.Fatalf("parameter %d = %g, want %g", i, m2.Params[i], m.Params[i])
		}
	}
	if *meta2.Protocol != p || *meta2.Scaling != s || len(meta2.Extra) != 1 || meta2.Extra["training"] != `{"epochs":300}` {
		t.Errorf("metadata = %+v %+v %v, want %+v %+v %v", *meta2.Protocol, *meta2.Scaling, meta2.Extra, p, s, meta.Extra)
	}
	// The file is plain safetensors with the documented metadata.
	ts, md, err := safetensors.Read(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"in_channels":23,"width":6,"layers":3,"modes":20,"lifting_channels":8,"projection_channels":10,"mlp_hidden":3,"out_channels":1}`
	if md[MetaConfig] != want || md[MetaFormat] != FileFormat || md["format"] != "pt" {
		t.Errorf("metadata = %v", md)
	}
	if md[MetaProtocol] != `{"dt_ms":0.06,"length":8583,"stim_start_ms":15,"stim_end_ms":415,"current_unit":"0.1nA"}` {
		t.Errorf("protocol metadata = %s", md[MetaProtocol])
	}
	if ts[4].Name != "fno_blocks.convs.0.weight.tensor" || len(ts[4].Shape) != 4 || ts[4].Shape[3] != 2 {
		t.Errorf("tensor 4 = %s %v, want fno_blocks.convs.0.weight.tensor [6 6 20 2]", ts[4].Name, ts[4].Shape)
	}
}

// file writes a model file from modified tensors and metadata.
func file(t *testing.T, edit func(ts []safetensors.Tensor, md map[string]string) []safetensors.Tensor) []byte {
	t.Helper()
	m, err := New(smallConfig(), 1)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Save(&b, m, Metadata{}); err != nil {
		t.Fatal(err)
	}
	ts, md, err := safetensors.Read(&b)
	if err != nil {
		t.Fatal(err)
	}
	ts = edit(ts, md)
	b.Reset()
	if err := safetensors.Write(&b, ts, md); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestLoadBareSpectralName(t *testing.T) {
	t.Parallel()
	data := file(t, func(ts []safetensors.Tensor, md map[string]string) []safetensors.Tensor {
		for i := range ts {
			ts[i].Name = strings.TrimSuffix(ts[i].Name, ".weight.tensor") + map[bool]string{true: ".weight", false: ""}[strings.HasSuffix(ts[i].Name, ".weight.tensor")]
		}
		delete(md, MetaFormat)
		return ts
	})
	if !bytes.Contains(data, []byte(`"fno_blocks.convs.0.weight"`)) {
		t.Fatal("test file has no bare spectral weight name")
	}
	if _, _, err := Load(bytes.NewReader(data)); err != nil {
		t.Fatalf("Load with bare .weight names: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(ts []safetensors.Tensor, md map[string]string) []safetensors.Tensor
		want string
	}{
		{"no config", func(ts []safetensors.Tensor, md map[string]string) []safetensors.Tensor {
			delete(md, MetaConfig)
			return ts
		}, `no "noble.config" metadata`},
		{"width mismatch", func(ts []safetensors.Tensor, md map[string]string) []safetensors.Tensor {
			md[MetaConfig] = strings.Replace(md[MetaConfig], `"width":6`, `"width":7`, 1)
			return ts
		}, `config width = 7 but tensor "fno_blocks.convs.0.weight.tensor" implies 6`},
		{"modes mismatch", func(ts []safetensors.Tensor, md map[string]string) []safetensors.Tensor {
			md[MetaConfig] = strings.Replace(md[MetaConfig], `"modes":20`, `"modes":129`, 1)
			return ts
		}, `config modes = 129 but tensor "fno_blocks.convs.0.weight.tensor" implies 20`},
		{"layers mismatch", func(ts []safetensors.Tensor, md map[string]string) []safetensors.Tensor {
			md[MetaConfig] = strings.Replace(md[MetaConfig], `"layers":3`, `"layers":12`, 1)
			return ts
		}, `config layers = 12 but the highest layer tensor is "fno_blocks.convs.2.bias"`},
		{"group_norm without norm tensors", func(ts []safetensors.Tensor, md map[string]string) []safetensors.Tensor {
			md[MetaConfig] = strings.Replace(md[MetaConfig], `}`, `,"group_norm":true}`, 1)
			return ts
		}, `config group_norm = true but tensor "fno_blocks.norm.0.weight" is absent`},
		{"norm tensors without group_norm", func(ts []safetensors.Tensor, md map[string]string) []safetensors.Tensor {
			g := smallConfig()
			g.GroupNorm = true
			m, _ := New(g, 1)
			for _, t := range m.StateDict() {
				if strings.HasPrefix(t.Name, "fno_blocks.norm.") {
					ts = append(ts, safetensors.Tensor(t))
				}
			}
			return ts
		}, `config group_norm = false but tensor "fno_blocks.norm.0.weight" is present`},
		{"in channels mismatch", func(ts []safetensors.Tensor, md map[string]string) []safetensors.Tensor {
			md[MetaConfig] = strings.Replace(md[MetaConfig], `"in_channels":23`, `"in_channels":22`, 1)
			return ts
		}, `config in_channels = 22 but tensor "lifting.fcs.0.weight" implies 23`},
		{"one tensor reshaped", func(ts []safetensors.Tensor, md map[string]string) []safetensors.Tensor {
			for i := range ts {
				if ts[i].Name == "fno_blocks.channel_mlp.1.fcs.1.weight" {
					ts[i].Shape = []int{3, 6, 1}
				}
			}
			return ts
		}, `tensor "fno_blocks.channel_mlp.1.fcs.1.weight" has shape [3 6 1], want [6 3 1]`},
		{"missing tensor", func(ts []safetensors.Tensor, md map[string]string) []safetensors.Tensor {
			return ts[:len(ts)-1]
		}, `tensor "projection.fcs.1.bias" missing`},
		{"unknown tensor", func(ts []safetensors.Tensor, md map[string]string) []safetensors.Tensor {
			return append(ts, safetensors.Tensor{Name: "extra", Shape: []int{1}, Data: []float32{0}})
		}, `unexpected tensor "extra"`},
		{"NaN weight", func(ts []safetensors.Tensor, md map[string]string) []safetensors.Tensor {
			ts[0].Data[3] = float32(math.NaN())
			return ts
		}, `tensor "lifting.fcs.0.weight" value 3 is NaN`},
		{"config not JSON", func(ts []safetensors.Tensor, md map[string]string) []safetensors.Tensor {
			md[MetaConfig] = "width=24"
			return ts
		}, `noble.config: invalid character`},
		{"config unknown field", func(ts []safetensors.Tensor, md map[string]string) []safetensors.Tensor {
			md[MetaConfig] = strings.Replace(md[MetaConfig], `{`, `{"depth":3,`, 1)
			return ts
		}, `unknown field "depth"`},
		{"config zero field", func(ts []safetensors.Tensor, md map[string]string) []safetensors.Tensor {
			md[MetaConfig] = strings.Replace(md[MetaConfig], `"mlp_hidden":3`, `"mlp_hidden":0`, 1)
			return ts
		}, `MLPHidden = 0, must be positive`},
		{"format", func(ts []safetensors.Tensor, md map[string]string) []safetensors.Tensor {
			md[MetaFormat] = "noble-fno/2"
			return ts
		}, `noble.format is "noble-fno/2"`},
		{"bad protocol", func(ts []safetensors.Tensor, md map[string]string) []safetensors.Tensor {
			md[MetaProtocol] = `{"dt_ms":-1,"length":10,"stim_start_ms":0,"stim_end_ms":1,"current_unit":"0.1nA"}`
			return ts
		}, `noble.protocol: surrogate: invalid input: protocol dt_ms = -1`},
		{"bad scaling", func(ts []safetensors.Tensor, md map[string]string) []safetensors.Tensor {
			md[MetaScaling] = `{"i_thr":{"min":1,"max":0},"s_thr":{"min":0,"max":1},"lo":0.5,"hi":3.5}`
			return ts
		}, `noble.scaling: surrogate: invalid input: scaling i_thr range [1, 0] is inverted`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := Load(bytes.NewReader(file(t, tc.edit)))
			if err == nil {
				t.Fatalf("Load succeeded, want an error containing %q", tc.want)
			}
			if !errors.Is(err, ErrModelFile) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load error = %q, want ErrModelFile containing %q", err, tc.want)
			}
		})
	}
	if _, _, err := Load(strings.NewReader("not a model")); !errors.Is(err, safetensors.ErrFormat) || !errors.Is(err, ErrModelFile) {
		t.Errorf("Load(garbage) = %v, want ErrModelFile and safetensors.ErrFormat", err)
	}
}

func TestSaveErrors(t *testing.T) {
	t.Parallel()
	m, _ := New(smallConfig(), 1)
	var b bytes.Buffer
	if err := Save(&b, m, Metadata{Extra: map[string]string{"noble.config": "x"}}); err == nil || !strings.Contains(err.Error(), "reserved") {
		t.Errorf("Save with a reserved Extra key: %v", err)
	}
	bad := surrogate.Protocol{}
	if err := Save(&b, m, Metadata{Protocol: &bad}); !errors.Is(err, surrogate.ErrInput) {
		t.Errorf("Save with an invalid protocol: %v", err)
	}
	if b.Len() != 0 {
		t.Errorf("failed Saves wrote %d bytes", b.Len())
	}
}

func TestSaveLoadFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	m, _ := New(smallConfig(), 5)
	if err := SaveFile(path, m, Metadata{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadFile(path); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("SaveFile left %d files in the directory, want 1", len(entries))
	}
	os.WriteFile(path, []byte("12345678"), 0o644)
	if _, _, err := LoadFile(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("LoadFile error %v does not name the file", err)
	}
}

// TestSaveLoadGroupNorm: a model with GroupNorm round-trips through a
// model file, whose config records "group_norm":true; files without the
// field (all older ones) load as GroupNorm false.
func TestSaveLoadGroupNorm(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	cfg.GroupNorm = true
	m, err := New(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.Params {
		m.Params[i] += float32(i%7) * 0.01 // norm parameters away from 1, 0
	}
	var b bytes.Buffer
	if err := Save(&b, m, Metadata{}); err != nil {
		t.Fatal(err)
	}
	_, md, err := safetensors.Read(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"in_channels":23,"width":6,"layers":3,"modes":20,"lifting_channels":8,"projection_channels":10,"mlp_hidden":3,"out_channels":1,"group_norm":true}`
	if md[MetaConfig] != want {
		t.Errorf("config metadata = %s, want %s", md[MetaConfig], want)
	}
	m2, _, err := Load(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if m2.Config() != cfg {
		t.Errorf("config = %+v, want %+v", m2.Config(), cfg)
	}
	for i := range m.Params {
		if math.Float32bits(m.Params[i]) != math.Float32bits(m2.Params[i]) {
			t.Fatalf("parameter %d = %g, want %g", i, m2.Params[i], m.Params[i])
		}
	}
	old, _, err := LoadFile(filepath.Join("testdata", "golden_small.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if old.Config().GroupNorm {
		t.Error("a file without group_norm loads with GroupNorm true")
	}
}

func TestInferConfig(t *testing.T) {
	t.Parallel()
	gn := smallConfig()
	gn.GroupNorm = true
	for _, cfg := range []Config{smallConfig(), DefaultConfig(), gn} {
		m, err := New(cfg, 1)
		if err != nil {
			t.Fatal(err)
		}
		got, err := InferConfig(m.StateDict())
		if err != nil || got != cfg {
			t.Errorf("InferConfig = %+v, %v; want %+v", got, err, cfg)
		}
	}
	if _, err := InferConfig(nil); !errors.Is(err, ErrStateDict) || !strings.Contains(err.Error(), `"lifting.fcs.0.weight" missing`) {
		t.Errorf("InferConfig(nil) = %v", err)
	}
}

// FuzzLoad: run with -fuzzminimizetime 2s; the default minimisation of
// each new input (60 s) dominates otherwise.
func FuzzLoad(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "golden_small.safetensors")); err == nil {
		f.Add(b)
	}
	m, _ := New(Config{InChannels: 2, Width: 2, Layers: 1, Modes: 2, LiftingChannels: 2, ProjectionChannels: 2, MLPHidden: 1, OutChannels: 1}, 1)
	var b bytes.Buffer
	p := surrogate.DefaultProtocol()
	Save(&b, m, Metadata{Protocol: &p})
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		m, meta, err := Load(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrModelFile) {
				t.Fatalf("error %v does not wrap ErrModelFile", err)
			}
			return
		}
		var out bytes.Buffer
		if err := Save(&out, m, meta); err != nil {
			t.Fatalf("Save of a loaded model: %v", err)
		}
		m2, _, err := Load(&out)
		if err != nil {
			t.Fatalf("re-load: %v", err)
		}
		if m2.Config() != m.Config() {
			t.Fatalf("round trip changed the config")
		}
	})
}

// BenchmarkLoad measures reading a model file of the published size
// (1,803,001 parameters, 7.2 MB).
func BenchmarkLoad(b *testing.B) {
	m, err := New(DefaultConfig(), 1)
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Save(&buf, m, Metadata{}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Load(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(data))*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
}

func BenchmarkLoadTiny(b *testing.B) {
	m, _ := New(Config{InChannels: 2, Width: 2, Layers: 1, Modes: 2, LiftingChannels: 2, ProjectionChannels: 2, MLPHidden: 1, OutChannels: 1}, 1)
	var buf bytes.Buffer
	Save(&buf, m, Metadata{})
	data := buf.Bytes()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Load(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
