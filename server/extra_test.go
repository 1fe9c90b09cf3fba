package server

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/surrogate"
)

// TestOpenRefusesExtraFeatures: the API describes a model by (I_thr,
// s_thr), so a model embedding AHP_depth is refused, naming the file and
// the feature.
func TestOpenRefusesExtraFeatures(t *testing.T) {
	t.Parallel()
	e, err := surrogate.ParseEmbedding("amp=9,s_thr=1,i_thr=1,AHP_depth=1")
	if err != nil {
		t.Fatal(err)
	}
	cfg := tinyConfig()
	cfg.InChannels = e.Channels()
	m, err := fno.New(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	p, s := surrogate.DefaultProtocol(), testScaling
	s.Features.Set(surrogate.FeatureAHPDepth, surrogate.Range{Min: -15, Max: -5})
	extra := map[string]string{}
	e.PutMeta(extra)
	path := filepath.Join(t.TempDir(), "ahp.safetensors")
	if err := fno.SaveFile(path, m, fno.Metadata{Protocol: &p, Scaling: &s, Extra: extra}); err != nil {
		t.Fatal(err)
	}
	_, err = Open(path, nil)
	if !errors.Is(err, ErrModel) || !strings.Contains(err.Error(), path+": ") || !strings.Contains(err.Error(), "the model embeds AHP_depth besides I_thr and s_thr") {
		t.Errorf("Open = %v, want ErrModel naming %s and AHP_depth", err, path)
	}
}
