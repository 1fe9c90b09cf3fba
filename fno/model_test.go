package fno

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestNumParams(t *testing.T) {
	// 1,803,001: the count torch reports for the reference NOBLE model
	// (noble-model.md), complex weights counted as real pairs.
	if got := DefaultConfig().NumParams(); got != 1803001 {
		t.Fatalf("NumParams() = %d, want 1803001", got)
	}
	m, err := New(DefaultConfig(), 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ts := range m.StateDict() {
		n += len(ts.Data)
	}
	if n != 1803001 {
		t.Fatalf("state dict holds %d values, want 1803001", n)
	}
}

// TestNumParamsGroupNorm: GroupNorm adds γ and β [Width] to each of the
// 2·Layers norms (1,803,001 + 12·2·2·24), initialised to 1 and 0, and the
// parameter bound of Validate counts them.
func TestNumParamsGroupNorm(t *testing.T) {
	cfg := DefaultConfig()
	cfg.GroupNorm = true
	const want = 1803001 + 12*2*2*24
	if got := cfg.NumParams(); got != want {
		t.Fatalf("NumParams() = %d, want %d", got, want)
	}
	m, err := New(cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	n, norms := 0, 0
	for _, ts := range m.StateDict() {
		n += len(ts.Data)
		if strings.HasPrefix(ts.Name, "fno_blocks.norm.") {
			norms++
			init := float32(0)
			if strings.HasSuffix(ts.Name, ".weight") {
				init = 1
			}
			for _, v := range ts.Data {
				if v != init {
					t.Fatalf("%s = %g, want %g", ts.Name, v, init)
				}
			}
		}
	}
	if n != want || norms != 4*cfg.Layers {
		t.Fatalf("state dict holds %d values in %d norm tensors, want %d in %d", n, norms, want, 4*cfg.Layers)
	}
	// A configuration just under MaxParams without the norms is over it
	// with them: Layers·(2W²M + W² + 2WH + 4W) with W = 1, H = 1.
	c := Config{InChannels: 1, Width: 1, Layers: 1 << 16, Modes: 1, LiftingChannels: 1, ProjectionChannels: 1, MLPHidden: 1, OutChannels: 1}
	c.Modes = (MaxParams/c.Layers - 5) / 2 // 2M + 1 + 2 ≤ MaxParams/Layers − 2
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate without GroupNorm: %v", err)
	}
	c.GroupNorm = true
	if err := c.Validate(); !errors.Is(err, ErrConfig) {
		t.Errorf("Validate with GroupNorm = %v, want ErrConfig", err)
	}
}

func TestConfigValidate(t *testing.T) {
	for name, mut := range map[string]func(*Config){
		"Modes 0":      func(c *Config) { c.Modes = 0 },
		"Width -1":     func(c *Config) { c.Width = -1 },
		"huge Layers":  func(c *Config) { c.Layers = 1 << 20 },
		"huge weights": func(c *Config) { c.Width, c.Modes, c.Layers = 1<<16, 1<<16, 1<<16 },
	} {
		c := DefaultConfig()
		mut(&c)
		if _, err := New(c, 0); !errors.Is(err, ErrConfig) {
			t.Errorf("New(%s) error = %v, want ErrConfig", name, err)
		}
	}
}

// TestInit checks the initialisation statistics against the published
// scheme: Conv1d uniform ±1/sqrt(fan_in) (variance 1/(3 fan_in)), spectral
// weights with complex variance 2/(in+out), gates 1.
func TestInit(t *testing.T) {
	m, err := New(DefaultConfig(), 7)
	if err != nil {
		t.Fatal(err)
	}
	for _, ts := range m.StateDict() {
		var s2, mx float64
		for _, v := range ts.Data {
			s2 += float64(v) * float64(v)
			mx = max(mx, math.Abs(float64(v)))
		}
		n := float64(len(ts.Data))
		switch ts.Name {
		case "fno_blocks.convs.0.weight.tensor":
			// E[re²+im²] = 2/48; per real component 1/48. 148,608 samples: ±2%.
			if v := s2 / n; math.Abs(v-1.0/48)/(1.0/48) > 0.02 {
				t.Errorf("%s: component variance %g, want %g", ts.Name, v, 1.0/48)
			}
		case "lifting.fcs.0.weight":
			if b := 1 / math.Sqrt(24); mx > b {
				t.Errorf("%s: max %g beyond bound %g", ts.Name, mx, b)
			}
			if v := s2 / n; math.Abs(v-1.0/72)/(1.0/72) > 0.15 {
				t.Errorf("%s: variance %g, want %g", ts.Name, v, 1.0/72)
			}
		case "fno_blocks.channel_mlp_skips.3.weight":
			if s2 != n {
				t.Errorf("%s: not all ones", ts.Name)
			}
		}
	}
	m2, _ := New(DefaultConfig(), 7)
	for i := range m.Params {
		if m.Params[i] != m2.Params[i] {
			t.Fatalf("same seed, different parameter %d", i)
		}
	}
}

func TestStateDictRoundTrip(t *testing.T) {
	cfg := DefaultConfig()
	a, _ := New(cfg, 1)
	b, _ := New(cfg, 2)
	sd := a.StateDict()
	if sd[4].Name != "fno_blocks.convs.0.weight.tensor" || len(sd[4].Shape) != 4 || sd[4].Shape[3] != 2 || sd[4].Shape[2] != 129 {
		t.Fatalf("tensor 4 = %s %v", sd[4].Name, sd[4].Shape)
	}
	if err := b.LoadStateDict(sd); err != nil {
		t.Fatal(err)
	}
	for i := range a.Params {
		if a.Params[i] != b.Params[i] {
			t.Fatalf("parameter %d differs after load", i)
		}
	}
	bad := func(name string, mut func([]Tensor) []Tensor) {
		t.Helper()
		if err := b.LoadStateDict(mut(a.StateDict())); !errors.Is(err, ErrStateDict) {
			t.Errorf("%s: error %v, want ErrStateDict", name, err)
		}
	}
	bad("missing", func(ts []Tensor) []Tensor { return ts[1:] })
	bad("shape", func(ts []Tensor) []Tensor { ts[0].Shape = []int{48, 24}; return ts })
	bad("unknown", func(ts []Tensor) []Tensor { ts[0].Name = "x"; return ts })
	bad("dup", func(ts []Tensor) []Tensor { return append(ts, ts[0]) })
	bad("nan", func(ts []Tensor) []Tensor { ts[1].Data[0] = float32(math.NaN()); return ts })
	ts := a.StateDict()
	ts[4].Name = "fno_blocks.convs.0.weight"
	if err := b.LoadStateDict(ts); err != nil {
		t.Errorf("bare .weight name: %v", err)
	}
}
