package train

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/surrogate"
)

func loadModel(t *testing.T, path string) (*fno.Model, fno.Metadata, *Provenance) {
	t.Helper()
	m, meta, err := fno.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	prov, err := ReadProvenance(meta)
	if err != nil {
		t.Fatal(err)
	}
	return m, meta, prov
}

func TestExportLatest(t *testing.T) {
	d := newMemData(5, 1, 1, 6) // 8 batches of 4 per epoch
	dir := t.TempDir()
	s := tinySettings(3)
	mustTrain(t, context.Background(), d, dir, s, nil)
	out := filepath.Join(t.TempDir(), "latest.safetensors")
	p, err := ExportLatest(dir, out)
	if err != nil {
		t.Fatal(err)
	}
	st, ts, err := readCheckpoint(filepath.Join(dir, CheckpointName))
	if err != nil {
		t.Fatal(err)
	}
	m, meta, prov := loadModel(t, out)
	if i := sameBits(m.Params, ts[0]); i >= 0 {
		t.Errorf("exported parameter %d differs from the checkpoint's", i)
	}
	if !reflect.DeepEqual(prov, p) {
		t.Errorf("stored provenance %+v, returned %+v", prov, p)
	}
	if prov.Selected != "latest" || prov.Epoch != 3 || prov.Step != st.AdamStep || prov.Step != 24 ||
		prov.Metrics.Epoch != 3 || prov.Metrics.HeldL4 == nil || prov.Settings.Epochs != 3 {
		t.Errorf("provenance %+v", prov)
	}
	_, bestMeta, bestProv := loadModel(t, filepath.Join(dir, ModelName))
	if !reflect.DeepEqual(meta.Protocol, bestMeta.Protocol) || !reflect.DeepEqual(meta.Scaling, bestMeta.Scaling) ||
		meta.Extra[surrogate.MetaModels] != bestMeta.Extra[surrogate.MetaModels] {
		t.Errorf("exported metadata differs from the best model's")
	}
	if bestProv.Step != int64(8*bestProv.Epoch) || bestProv.Selected != "test_held_l4" {
		t.Errorf("best model's provenance %+v", bestProv)
	}

	// Mid-epoch: cancelled after 3 batches of epoch 4.
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hooks{Batch: func(epoch, done, total int) {
		if epoch == 4 && done == 3*s.BatchSize {
			cancel()
		}
	}}
	if _, err := Train(ctx, d, dir, tinySettings(4), h); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v", err)
	}
	cancel()
	p, err = ExportLatest(dir, out)
	if err != nil {
		t.Fatal(err)
	}
	if p.Epoch != 3 || p.Step != 27 || p.Metrics.Epoch != 0 {
		t.Errorf("mid-epoch export: %+v", p)
	}
	_, ts, err = readCheckpoint(filepath.Join(dir, CheckpointName))
	if err != nil {
		t.Fatal(err)
	}
	if m, _, _ := loadModel(t, out); sameBits(m.Params, ts[0]) >= 0 {
		t.Errorf("mid-epoch export differs from the checkpoint")
	}
}

func TestExportLatestErrors(t *testing.T) {
	d := newMemData(2, 1, 1, 4)
	dir := t.TempDir()
	mustTrain(t, context.Background(), d, dir, tinySettings(1), nil)
	for _, name := range []string{ModelName, CheckpointName, SnapshotName(3)} {
		_, err := ExportLatest(dir, filepath.Join(dir, name))
		if err == nil || !strings.Contains(err.Error(), "would overwrite") {
			t.Errorf("export onto %s: %v", name, err)
		}
	}
	if _, err := ExportLatest(t.TempDir(), filepath.Join(t.TempDir(), "x")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("export of an empty directory: %v", err)
	}
	if err := os.Remove(filepath.Join(dir, ModelName)); err != nil {
		t.Fatal(err)
	}
	_, err := ExportLatest(dir, filepath.Join(t.TempDir(), "x"))
	if err == nil || !strings.Contains(err.Error(), "best model") {
		t.Errorf("export without the best model: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, CheckpointName))
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-5] ^= 0xff
	if err := os.WriteFile(filepath.Join(dir, CheckpointName), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ExportLatest(dir, filepath.Join(t.TempDir(), "x")); !errors.Is(err, ErrCheckpoint) {
		t.Errorf("export of a corrupt checkpoint: %v", err)
	}
}

// TestInit starts a run from another run's model. At a learning rate far
// below float32's resolution of the parameters, Adam leaves them unchanged,
// so the new run's parameters must be the init model's bit for bit; at the
// usual rate its first epoch must start where the first run ended, far
// below a fresh run's first epoch.
func TestInit(t *testing.T) {
	d := newMemData(4, 1, 1, 8)
	base := t.TempDir()
	first := filepath.Join(base, "first")
	s := tinySettings(12)
	s.LR = 0.02
	res := mustTrain(t, context.Background(), d, first, s, nil)
	init := filepath.Join(first, ModelName)
	want, _, _ := loadModel(t, init)

	frozen := tinySettings(1)
	frozen.LR, frozen.Init = 1e-30, init
	mustTrain(t, context.Background(), d, filepath.Join(base, "frozen"), frozen, nil)
	_, ts, err := readCheckpoint(filepath.Join(base, "frozen", CheckpointName))
	if err != nil {
		t.Fatal(err)
	}
	if i := sameBits(ts[0], want.Params); i >= 0 {
		t.Errorf("parameter %d of a run initialised from %s differs from the file's", i, init)
	}

	warm := tinySettings(1)
	warm.LR, warm.Init = 0.02, init
	wdir := filepath.Join(base, "warm")
	wres := mustTrain(t, context.Background(), d, wdir, warm, nil)
	fresh, best := res.Metrics[0].TrainLoss, res.Metrics[res.BestEpoch-1].TrainLoss
	got := wres.Metrics[0].TrainLoss
	t.Logf("first epoch's training loss: fresh %.4f, warm %.4f (first run's best epoch %.4f)", fresh, got, best)
	if !(got < fresh/2) {
		t.Errorf("warm-started first epoch loss %g, a fresh run's %g", got, fresh)
	}

	// Resuming does not read the init file again.
	if err := os.Rename(init, init+".gone"); err != nil {
		t.Fatal(err)
	}
	warm.Epochs = 2
	if r := mustTrain(t, context.Background(), d, wdir, warm, nil); !r.Resumed || r.Epochs != 2 {
		t.Errorf("resumed warm run: %+v", r)
	}
	if _, err := Train(context.Background(), d, t.TempDir(), warm, nil); !errors.Is(err, ErrSettings) || !strings.Contains(err.Error(), "init") {
		t.Errorf("missing init file: %v", err)
	}

	other := tinySettings(1)
	other.Init = init + ".gone"
	other.Model.Width = 6
	_, err = Train(context.Background(), d, t.TempDir(), other, nil)
	if !errors.Is(err, ErrSettings) || !strings.Contains(err.Error(), "architecture") {
		t.Errorf("init of another architecture: %v", err)
	}
}

func TestSnapshots(t *testing.T) {
	d := newMemData(5, 1, 1, 6)
	dir := t.TempDir()
	s := tinySettings(2)
	s.SnapshotEvery = 2
	mustTrain(t, context.Background(), d, dir, s, nil)
	// Resuming with other snapshot settings is the same run.
	s = tinySettings(5)
	s.SnapshotEvery = 3
	mustTrain(t, context.Background(), d, dir, s, nil)

	for epoch := 1; epoch <= 5; epoch++ {
		path := filepath.Join(dir, SnapshotName(epoch))
		_, err := os.Stat(path)
		if want := epoch == 2 || epoch == 3; want != (err == nil) {
			t.Errorf("epoch %d: snapshot written %v, want %v (%v)", epoch, err == nil, want, err)
		}
	}
	_, meta, prov := loadModel(t, filepath.Join(dir, SnapshotName(3)))
	if prov.Selected != SelectedEpoch || prov.Epoch != 3 || prov.Step != 24 || prov.Metrics.Epoch != 3 || prov.Metrics.HeldL4 == nil {
		t.Errorf("snapshot provenance %+v", prov)
	}
	_, bestMeta, _ := loadModel(t, filepath.Join(dir, ModelName))
	if !reflect.DeepEqual(meta.Protocol, bestMeta.Protocol) || !reflect.DeepEqual(meta.Scaling, bestMeta.Scaling) {
		t.Errorf("snapshot metadata differs from the best model's")
	}

	// A snapshot holds the parameters the checkpoint of its epoch holds.
	s.SnapshotEvery = 1
	s.Epochs = 7
	mustTrain(t, context.Background(), d, dir, s, nil)
	_, ts, err := readCheckpoint(filepath.Join(dir, CheckpointName))
	if err != nil {
		t.Fatal(err)
	}
	m, _, prov := loadModel(t, filepath.Join(dir, SnapshotName(7)))
	if i := sameBits(m.Params, ts[0]); i >= 0 || prov.Epoch != 7 {
		t.Errorf("snapshot of epoch 7 (provenance epoch %d) differs from the checkpoint at parameter %d", prov.Epoch, i)
	}

	s.SnapshotEvery = -1
	if _, err := Train(context.Background(), d, dir, s, nil); !errors.Is(err, ErrSettings) || !strings.Contains(err.Error(), "snapshot_every") {
		t.Errorf("negative snapshot_every: %v", err)
	}
}

func TestSnapshotEpoch(t *testing.T) {
	for _, tc := range []struct {
		name  string
		want  bool
		epoch int
	}{
		{"epoch-0003.safetensors", true, 3},
		{"epoch-12345.safetensors", true, 12345},
		{"epoch-3.safetensors", false, 0},
		{"epoch-0003.safetensors.bak", false, 0},
		{"epoch-00x3.safetensors", false, 0},
		{"model.safetensors", false, 0},
	} {
		e, got := snapshotEpoch(tc.name)
		if got != tc.want || (got && e != tc.epoch) {
			t.Errorf("snapshotEpoch(%q) = %d, %v; want %d, %v", tc.name, e, got, tc.epoch, tc.want)
		}
	}
}
