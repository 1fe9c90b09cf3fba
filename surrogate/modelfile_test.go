package surrogate_test

import (
	"bytes"
	"testing"

	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/surrogate"
)

// TestModelFileExtraScaling writes a 25-channel model embedding AHP_depth
// and reads it back: the AHP_depth range, the models' AHP_depth and the
// embedding survive, and the file's scaling of I_thr and s_thr alone is
// encoded as before (no "features" key).
func TestModelFileExtraScaling(t *testing.T) {
	t.Parallel()
	sc, err := surrogate.FitScaling([]float64{0.16, 0.21}, []float64{886, 1306})
	if err != nil {
		t.Fatal(err)
	}
	plain := sc
	if err := sc.FitFeature(surrogate.FeatureAHPDepth, []float64{-17.25, -9.5}); err != nil {
		t.Fatal(err)
	}
	emb, err := surrogate.ParseEmbedding("amp=9,s_thr=1,i_thr=1,AHP_depth=1")
	if err != nil {
		t.Fatal(err)
	}
	models := []surrogate.CellModel{
		{Name: "a", IThr: 0.16, SThr: 886, Split: surrogate.SplitTrain, Features: surrogate.ExtraValues{}.With(surrogate.FeatureAHPDepth, -17.25)},
		{Name: "b", IThr: 0.21, SThr: 1306, Split: surrogate.SplitTest, Features: surrogate.ExtraValues{}.With(surrogate.FeatureAHPDepth, -9.5)},
	}
	extra := map[string]string{}
	if err := surrogate.PutModels(extra, models); err != nil {
		t.Fatal(err)
	}
	emb.PutMeta(extra)
	m, err := fno.New(fno.Config{InChannels: emb.Channels(), Width: 2, Layers: 1, Modes: 2, LiftingChannels: 2, ProjectionChannels: 2, MLPHidden: 1, OutChannels: 1}, 1)
	if err != nil {
		t.Fatal(err)
	}
	proto := surrogate.DefaultProtocol()
	var buf bytes.Buffer
	if err := fno.Save(&buf, m, fno.Metadata{Protocol: &proto, Scaling: &sc, Extra: extra}); err != nil {
		t.Fatal(err)
	}
	_, meta, err := fno.Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if *meta.Scaling != sc {
		t.Errorf("scaling read back = %+v, want %+v", *meta.Scaling, sc)
	}
	mi, err := surrogate.ReadMeta(meta.Extra, *meta.Scaling)
	if err != nil {
		t.Fatal(err)
	}
	if !mi.Embedding.Equal(emb) || mi.Embedding.Channels() != 25 {
		t.Errorf("embedding read back = %v, want %v (25 channels)", mi.Embedding, emb)
	}
	if v, _ := mi.HoF[1].Features.Get(surrogate.FeatureAHPDepth); len(mi.HoF) != 2 || v != -9.5 {
		t.Errorf("HoF read back = %+v, want b with AHP_depth −9.5 mV", mi.HoF)
	}
	if _, err := surrogate.NewEncoderEmbedding(proto, *meta.Scaling, &mi.Embedding); err != nil {
		t.Errorf("encoder of the model read back: %v", err)
	}

	// A scaling without extra features encodes as it did before they
	// existed, so default model files keep their bytes.
	var a, b bytes.Buffer
	if err := fno.Save(&a, m, fno.Metadata{Scaling: &plain}); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(a.Bytes(), []byte(`"features"`)) {
		t.Errorf("a scaling without extra features writes a \"features\" key")
	}
	if err := fno.Save(&b, m, fno.Metadata{Scaling: &plain}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("two saves of one model differ")
	}
}
