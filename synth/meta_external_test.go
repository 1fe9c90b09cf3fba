package synth_test

import (
	"testing"

	"github.com/noble-neuro/noble/dataset"
	"github.com/noble-neuro/noble/surrogate"
	"github.com/noble-neuro/noble/train"
)

// TestMetadataAgreesWithTraining keeps inference's reader of the model
// file's metadata (package surrogate) in step with what training writes,
// without inference importing training: the split names are training's,
// the models entry as train writes it (surrogate.PutModels) is read back,
// and the default amplitude support is package dataset's.
// (Test files may import any package; internal/depcheck checks the
// packages themselves.)
func TestMetadataAgreesWithTraining(t *testing.T) {
	for _, c := range []struct {
		what      string
		ours, its any
	}{
		{"excluded split (train)", surrogate.SplitExcluded, train.ModelExcluded},
		{"excluded split (dataset)", surrogate.SplitExcluded, dataset.ModelExcluded},
		{"support below, nA", surrogate.DefaultAmpBelow, dataset.DefaultBelow},
		{"support above, nA", surrogate.DefaultAmpAbove, dataset.DefaultAbove},
	} {
		if c.ours != c.its {
			t.Errorf("%s: surrogate has %v, training %v", c.what, c.ours, c.its)
		}
	}
	extra := map[string]string{}
	models := []surrogate.CellModel{{Name: "a", IThr: 0.18, SThr: 1000, Split: train.ModelTrain}, {Name: "b", Split: train.ModelExcluded}}
	if err := surrogate.PutModels(extra, models); err != nil {
		t.Fatal(err)
	}
	sc := surrogate.Scaling{IThr: surrogate.Range{Min: 0.18, Max: 0.2}, SThr: surrogate.Range{Min: 900, Max: 1100}, Lo: 0.5, Hi: 3.5}
	m, err := surrogate.ReadMeta(extra, sc)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.HoF) != 1 || m.HoF[0] != (surrogate.HoF{Name: "a", IThr: 0.18, SThr: 1000, Split: "train"}) {
		t.Errorf("HoF read from train's metadata = %+v", m.HoF)
	}
}
