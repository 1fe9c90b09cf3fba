package train

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/surrogate"
)

// runState is what must be identical between an interrupted and an
// uninterrupted run: the checkpoint's tensors and state (wall times
// aside), the best model's parameters and the metrics (wall times aside).
type runState struct {
	st      state
	tensors [4][]float32 // params, Adam m and v, the moving average (nil without)
	best    []float32
	metrics []Metrics
}

func readRun(t *testing.T, dir string) runState {
	t.Helper()
	st, ts, err := readCheckpoint(filepath.Join(dir, CheckpointName))
	if err != nil {
		t.Fatal(err)
	}
	st.Seconds, st.EpochSeconds = 0, 0
	st.Settings.Epochs = 0
	m, _, err := fno.LoadFile(filepath.Join(dir, ModelName))
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	return runState{st: *st, tensors: ts, best: m.Params, metrics: readMetrics(t, dir)}
}

func readMetrics(t *testing.T, dir string) []Metrics {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, MetricsName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ms []Metrics
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m Metrics
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%s: %v", MetricsName, err)
		}
		m.Seconds = 0
		ms = append(ms, m)
	}
	return ms
}

func sameBits(a, b []float32) int {
	if len(a) != len(b) {
		return 0
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

func compareRuns(t *testing.T, name string, got, want runState) {
	t.Helper()
	if !reflect.DeepEqual(got.st, want.st) {
		t.Errorf("%s: checkpoint state\n got %+v\nwant %+v", name, got.st, want.st)
	}
	for i, n := range []string{tenParams, tenAdamM, tenAdamV, tenEMA} {
		if (got.tensors[i] == nil) != (want.tensors[i] == nil) {
			t.Errorf("%s: %s present %v, want %v", name, n, got.tensors[i] != nil, want.tensors[i] != nil)
		} else if k := sameBits(got.tensors[i], want.tensors[i]); k >= 0 {
			t.Errorf("%s: %s differs at %d", name, n, k)
		}
	}
	if k := sameBits(got.best, want.best); k >= 0 {
		t.Errorf("%s: best model's parameters differ at %d", name, k)
	}
	if !slices.EqualFunc(got.metrics, want.metrics, func(a, b Metrics) bool {
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		return string(ja) == string(jb)
	}) {
		t.Errorf("%s: metrics\n got %+v\nwant %+v", name, got.metrics, want.metrics)
	}
}

// TestResumeExact checks that a run of 2 epochs equals, bit for bit, a run
// of 1 epoch resumed for a second, and a run cancelled in the middle of its
// first and of its second epoch and resumed each time.
func TestResumeExact(t *testing.T) {
	d := newMemData(5, 1, 1, 6) // 30 training traces: 8 batches of 4 per epoch
	base := t.TempDir()
	s := tinySettings(2)
	s.LRFactor, s.Patience = 0.5, 0 // the learning rate changes between epochs

	whole := filepath.Join(base, "whole")
	res := mustTrain(t, context.Background(), d, whole, s, nil)
	if res.Epochs != 2 || res.Resumed || len(res.Metrics) != 2 {
		t.Fatalf("whole run: %+v", res)
	}
	want := readRun(t, whole)
	if want.st.Epoch != 3 || want.st.Batch != 0 || want.st.AdamStep != 16 {
		t.Fatalf("whole run state: %+v", want.st)
	}

	split := filepath.Join(base, "split")
	s1 := *s
	s1.Epochs = 1
	mustTrain(t, context.Background(), d, split, &s1, nil)
	res = mustTrain(t, context.Background(), d, split, s, nil)
	if !res.Resumed || res.StartedAt != 2 || res.Epochs != 2 {
		t.Errorf("resumed run: %+v", res)
	}
	compareRuns(t, "1+1 epochs", readRun(t, split), want)

	// Cancel after batch 3 of epoch 1, then after batch 5 of epoch 2.
	cancelled := filepath.Join(base, "cancelled")
	for _, at := range [][2]int{{1, 3}, {2, 5}} {
		ctx, cancel := context.WithCancel(context.Background())
		h := &Hooks{Batch: func(epoch, done, total int) {
			if epoch == at[0] && done == at[1]*s.BatchSize {
				cancel()
			}
		}}
		_, err := Train(ctx, d, cancelled, s, h)
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled at %v: err = %v, want context.Canceled", at, err)
		}
		st, _, err := readCheckpoint(filepath.Join(cancelled, CheckpointName))
		if err != nil {
			t.Fatal(err)
		}
		if st.Epoch != at[0] || st.Batch != at[1] {
			t.Errorf("checkpoint after cancelling at %v: epoch %d batch %d", at, st.Epoch, st.Batch)
		}
	}
	mustTrain(t, context.Background(), d, cancelled, s, nil)
	compareRuns(t, "cancelled twice", readRun(t, cancelled), want)

	// A finished run called again does nothing.
	res = mustTrain(t, context.Background(), d, whole, s, nil)
	if res.Epochs != 2 || len(res.Metrics) != 2 {
		t.Errorf("finished run again: %+v", res)
	}
	compareRuns(t, "finished run again", readRun(t, whole), want)
}

// TestResumeTornMetrics simulates a kill between the metrics line and the
// checkpoint of epoch 2: the resumed run logs epoch 2 once.
func TestResumeTornMetrics(t *testing.T) {
	d := newMemData(2, 1, 1, 4)
	dir := t.TempDir()
	mustTrain(t, context.Background(), d, dir, tinySettings(1), nil)
	f, err := os.OpenFile(filepath.Join(dir, MetricsName), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"epoch":2,"train_loss":1}` + "\n" + `{"epoch":3,"tra`)
	f.Close()
	mustTrain(t, context.Background(), d, dir, tinySettings(2), nil)
	ms := readMetrics(t, dir)
	if len(ms) != 2 || ms[0].Epoch != 1 || ms[1].Epoch != 2 || ms[1].TrainLoss == 1 {
		t.Errorf("metrics after resume: %+v", ms)
	}
}

// TestLossDecreases trains the tiny operator on the synthetic cell and
// checks that the training and held-out losses fall well below their
// first-epoch values and the best model is kept.
func TestLossDecreases(t *testing.T) {
	d := newMemData(4, 1, 1, 8)
	s := tinySettings(12)
	s.LR = 0.02
	res := mustTrain(t, context.Background(), d, t.TempDir(), s, nil)
	first, last := res.Metrics[0], res.Metrics[len(res.Metrics)-1]
	t.Logf("train loss %.4f → %.4f, held-out L4 %.4f → %.4f, best epoch %d",
		first.TrainLoss, last.TrainLoss, *first.HeldL4, *last.HeldL4, res.BestEpoch)
	if !(last.TrainLoss < first.TrainLoss/3) {
		t.Errorf("training loss %g → %g: did not fall by 3×", first.TrainLoss, last.TrainLoss)
	}
	if !(res.BestLoss < *first.HeldL4/3) {
		t.Errorf("best held-out L4 %g, first epoch %g: did not fall by 3×", res.BestLoss, *first.HeldL4)
	}
	if res.Selection != "test_held_l4" {
		t.Errorf("selection %q", res.Selection)
	}
	best := res.Metrics[res.BestEpoch-1]
	if !best.Best || *best.HeldL4 != res.BestLoss {
		t.Errorf("best epoch %d: %+v, best loss %g", res.BestEpoch, best, res.BestLoss)
	}
	for _, m := range res.Metrics {
		if *m.HeldL4 < res.BestLoss {
			t.Errorf("epoch %d has held-out L4 %g below the best %g", m.Epoch, *m.HeldL4, res.BestLoss)
		}
	}
	// The synthetic cell never fires: the spike statistics are recorded
	// for both test splits, with every trace silent.
	if h, s := last.HeldSpikes, last.SeenSpikes; h == nil || s == nil || *h != (SpikeStats{}) || *s != (SpikeStats{}) {
		t.Errorf("spike statistics: held %+v, seen %+v", h, s)
	}
}

// TestModelFile checks the best model's metadata and that it reproduces the
// held-out loss the metrics recorded.
func TestModelFile(t *testing.T) {
	d := newMemData(2, 1, 1, 4)
	dir := t.TempDir()
	res := mustTrain(t, context.Background(), d, dir, tinySettings(2), nil)
	m, meta, err := fno.LoadFile(filepath.Join(dir, ModelName))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	info := d.Info()
	if meta.Protocol == nil || *meta.Protocol != info.Protocol(info.TestOffset) {
		t.Errorf("protocol %+v, want %+v", meta.Protocol, info.Protocol(info.TestOffset))
	}
	if meta.Protocol.StimStartMS != 12 || meta.Protocol.StimEndMS != 52 {
		t.Errorf("test window step %g → %g ms, want 12 → 52", meta.Protocol.StimStartMS, meta.Protocol.StimEndMS)
	}
	if meta.Scaling == nil || *meta.Scaling != info.Scaling {
		t.Errorf("scaling %+v", meta.Scaling)
	}
	models, err := surrogate.ReadModels(meta.Extra)
	if err != nil || !slices.Equal(models, info.Models) {
		t.Fatalf("models %v (%v)", models, err)
	}
	prov, err := ReadProvenance(meta)
	if err != nil {
		t.Fatal(err)
	}
	if prov.Epoch != res.BestEpoch || prov.DataID != "tiny-1" || prov.Cell != "tiny" || prov.Selected != "test_held_l4" {
		t.Errorf("provenance %+v", prov)
	}
	// Re-evaluate the held-out trace with the saved model.
	r := &runner{data: d, info: info, set: res.Settings, model: m}
	ev, err := r.evaluate(context.Background(), SplitTestHeld, true)
	if err != nil || ev.n != 4 {
		t.Fatalf("evaluate: %d traces, %v", ev.n, err)
	}
	if ev.l4 != res.BestLoss {
		t.Errorf("saved model's held-out L4 = %g, recorded %g", ev.l4, res.BestLoss)
	}
	if _, err := ReadProvenance(fno.Metadata{}); !errors.Is(err, ErrData) {
		t.Errorf("ReadProvenance of a bare model file: %v", err)
	}
	if _, err := surrogate.ReadModels(nil); !errors.Is(err, surrogate.ErrMetadata) {
		t.Errorf("ReadModels of a bare model file: %v", err)
	}
	var cfg Settings
	b, _ := os.ReadFile(filepath.Join(dir, ConfigName))
	if err := json.Unmarshal(b, &cfg); err != nil || !reflect.DeepEqual(cfg, res.Settings) {
		t.Errorf("config.json = %+v (%v), want %+v", cfg, err, res.Settings)
	}
}

func TestCorruptCheckpoint(t *testing.T) {
	d := newMemData(2, 0, 0, 4)
	dir := t.TempDir()
	mustTrain(t, context.Background(), d, dir, tinySettings(1), nil)
	path := filepath.Join(dir, CheckpointName)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		mangle func([]byte) []byte
		msg    string
	}{
		{"truncated", func(b []byte) []byte { return b[:len(b)-100] }, "safetensors"},
		{"flipped tensor byte", func(b []byte) []byte { b[len(b)-5] ^= 0x40; return b }, "checksum"},
		{"empty", func([]byte) []byte { return nil }, "safetensors"},
		{"bad state", func(b []byte) []byte {
			return []byte(strings.Replace(string(b), CheckpointFormat, "noble-train-checkpoint/9", 1))
		}, "format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(path, tc.mangle(slices.Clone(good)), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Train(context.Background(), d, dir, tinySettings(2), nil)
			if !errors.Is(err, ErrCheckpoint) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("Train = %v, want ErrCheckpoint naming %s and %q", err, path, tc.msg)
			}
		})
	}
}

func TestResumeOtherSettings(t *testing.T) {
	d := newMemData(2, 0, 0, 4)
	dir := t.TempDir()
	mustTrain(t, context.Background(), d, dir, tinySettings(1), nil)
	s := tinySettings(2)
	s.BatchSize = 2
	_, err := Train(context.Background(), d, dir, s, nil)
	if !errors.Is(err, ErrCheckpoint) || !strings.Contains(err.Error(), "batch_size: 2, was 4") {
		t.Errorf("other batch size: %v", err)
	}
	s = tinySettings(2)
	s.Model.GroupNorm = true
	if _, err := Train(context.Background(), d, dir, s, nil); !errors.Is(err, ErrCheckpoint) || !strings.Contains(err.Error(), "model:") {
		t.Errorf("group_norm on a run without it: %v", err)
	}
	other := newMemData(2, 0, 0, 4)
	other.info.ID = "other"
	if _, err := Train(context.Background(), other, dir, tinySettings(2), nil); !errors.Is(err, ErrCheckpoint) || !strings.Contains(err.Error(), `"other"`) {
		t.Errorf("other data: %v", err)
	}
}

func TestBadData(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mangle func(*memData)
		msg    string
	}{
		{"window too long", func(d *memData) { d.info.MaxOffset = 40 }, "do not fit"},
		{"no training traces", func(d *memData) { delete(d.shards, SplitTrain) }, "no training traces"},
		{"model index", func(d *memData) { d.shards[SplitTrain][1].Model[2] = 4 }, "train shard 1: trace 2: model index 4"},
		{"short shard", func(d *memData) { d.shards[SplitTrain][0].Voltage = d.shards[SplitTrain][0].Voltage[:10] }, "train shard 0"},
		{"embedding", func(d *memData) { d.info.Models[1].IThr = math.NaN() }, "model 1 (m1)"},
		{"amplitude", func(d *memData) { d.shards[SplitTestHeld][0].Amp[1] = math.Inf(1) }, "test_held shard 0: trace 1: amplitude"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newMemData(2, 1, 1, 4)
			tc.mangle(d)
			_, err := Train(context.Background(), d, t.TempDir(), tinySettings(1), nil)
			if !errors.Is(err, ErrData) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("Train = %v, want ErrData with %q", err, tc.msg)
			}
		})
	}
}

func FuzzDecodeCheckpoint(f *testing.F) {
	d := newMemData(1, 0, 0, 2)
	dir := f.TempDir()
	s := tinySettings(1)
	s.Model = ModelConfig{Width: 1, Layers: 1, Modes: 1, LiftingChannels: 1, ProjectionChannels: 1, MLPHidden: 1}
	if _, err := Train(context.Background(), d, dir, s, nil); err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(filepath.Join(dir, CheckpointName))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<16 {
			t.Skip()
		}
		st, ts, err := decodeCheckpoint(strings.NewReader(string(b)), "fuzz")
		if err != nil {
			if !errors.Is(err, ErrCheckpoint) {
				t.Fatalf("error %v does not wrap ErrCheckpoint", err)
			}
			return
		}
		for i, x := range ts {
			if (i < 3 || st.Settings.EMA > 0) && len(x) != st.Params {
				t.Fatalf("tensor of %d values, state says %d", len(x), st.Params)
			}
		}
	})
}

// TestLRAt checks the manual learning-rate cut: applied at the start of its
// epoch, the same whether given from the start, on resume or across a
// mid-epoch kill, and refused where it would rewrite an epoch already begun.
func TestLRAt(t *testing.T) {
	d := newMemData(5, 1, 1, 6) // 8 batches of 4 per epoch
	base := t.TempDir()
	s := tinySettings(3)
	s.Patience = 100 // only LRAt changes the rate
	s.LRAt = map[int]float64{2: 0.003}

	whole := filepath.Join(base, "whole")
	mustTrain(t, context.Background(), d, whole, s, nil)
	want := readRun(t, whole)
	for i, lr := range []float64{0.01, 0.003, 0.003} {
		if m := want.metrics[i]; m.LR != lr {
			t.Errorf("epoch %d: lr %v, want %v", m.Epoch, m.LR, lr)
		}
	}

	// The cut added on resume, before epoch 2.
	split := filepath.Join(base, "split")
	s1 := *s
	s1.Epochs, s1.LRAt = 1, nil
	mustTrain(t, context.Background(), d, split, &s1, nil)
	mustTrain(t, context.Background(), d, split, s, nil)
	compareRuns(t, "cut on resume", readRun(t, split), want)

	// Killed in the middle of epoch 2, after the cut.
	killed := filepath.Join(base, "killed")
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hooks{Batch: func(epoch, done, total int) {
		if epoch == 2 && done == 3*s.BatchSize {
			cancel()
		}
	}}
	if _, err := Train(ctx, d, killed, s, h); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v", err)
	}
	cancel()
	mustTrain(t, context.Background(), d, killed, s, nil)
	compareRuns(t, "killed in the cut epoch", readRun(t, killed), want)

	// Epochs 1–3 have begun: their entries cannot change.
	for _, tc := range []struct {
		lrAt map[int]float64
		msg  string
	}{
		{map[int]float64{2: 0.005}, "lr_at: epoch 2: 0.005, was 0.003, and the epoch has begun"},
		{map[int]float64{1: 0.02, 5: 0.001}, "lr_at: epoch 1: 0.02, the run had no cut there"},
	} {
		s2 := *s
		s2.Epochs, s2.LRAt = 5, tc.lrAt
		if _, err := Train(context.Background(), d, whole, &s2, nil); !errors.Is(err, ErrCheckpoint) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("resume with lr_at %v: %v, want ErrCheckpoint with %q", tc.lrAt, err, tc.msg)
		}
	}
	// A new cut joins the run's; the next resume need not repeat either.
	s4 := *s
	s4.Epochs, s4.LRAt = 4, map[int]float64{4: 0.001}
	res := mustTrain(t, context.Background(), d, whole, &s4, nil)
	if got := res.Metrics[len(res.Metrics)-1]; got.Epoch != 4 || got.LR != 0.001 {
		t.Errorf("epoch 4 after adding a cut: %+v", got)
	}
	if want := map[int]float64{2: 0.003, 4: 0.001}; !maps.Equal(res.Settings.LRAt, want) {
		t.Errorf("lr_at after the resume: %v, want %v", res.Settings.LRAt, want)
	}
	s5 := *s
	s5.Epochs, s5.LRAt = 5, nil
	res = mustTrain(t, context.Background(), d, whole, &s5, nil)
	if got := res.Metrics[len(res.Metrics)-1]; got.Epoch != 5 || got.LR != 0.001 {
		t.Errorf("epoch 5, resumed without lr_at: %+v", got)
	}
	var cfg Settings
	b, _ := os.ReadFile(filepath.Join(whole, ConfigName))
	if err := json.Unmarshal(b, &cfg); err != nil || !maps.Equal(cfg.LRAt, map[int]float64{2: 0.003, 4: 0.001}) {
		t.Errorf("config.json lr_at = %v (%v)", cfg.LRAt, err)
	}
}

// TestEmbedding trains with a non-default embedding: the operator has its
// channels, the model file and config.json record it, the saved model
// re-evaluates to the recorded loss, and the run resumes only with it.
func TestEmbedding(t *testing.T) {
	d := newMemData(2, 1, 1, 4)
	dir := t.TempDir()
	s := tinySettings(2)
	s.Embedding = &surrogate.Embedding{AmpType: surrogate.EmbedAmp, AmpFrequencies: 2,
		Features: []surrogate.FeatureEmbedding{{Name: surrogate.FeatureIThr, Frequencies: 1}}}
	want := surrogate.Embedding{AmpType: surrogate.EmbedAmp, AmpFrequencies: 2, FeatureType: surrogate.EmbedFreq,
		Features: []surrogate.FeatureEmbedding{{Name: surrogate.FeatureIThr, Frequencies: 1}}} // 1 + 4 + 2 channels
	res := mustTrain(t, context.Background(), d, dir, s, nil)
	if res.Settings.Embedding == nil || !res.Settings.Embedding.Equal(want) {
		t.Fatalf("resolved embedding %+v, want %+v", res.Settings.Embedding, want)
	}
	m, meta, err := fno.LoadFile(filepath.Join(dir, ModelName))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Config().InChannels != 7 {
		t.Errorf("InChannels = %d, want 7", m.Config().InChannels)
	}
	mi, err := surrogate.ReadMeta(meta.Extra, *meta.Scaling)
	if err != nil || !mi.Embedding.Equal(want) {
		t.Errorf("model file embedding %+v (%v), want %+v", mi.Embedding, err, want)
	}
	r := &runner{data: d, info: d.Info(), set: res.Settings, model: m}
	ev, err := r.evaluate(context.Background(), SplitTestHeld, true)
	if err != nil || ev.l4 != res.BestLoss {
		t.Errorf("saved model's held-out L4 = %g (%v), recorded %g", ev.l4, err, res.BestLoss)
	}
	var cfg Settings
	b, _ := os.ReadFile(filepath.Join(dir, ConfigName))
	if err := json.Unmarshal(b, &cfg); err != nil || !reflect.DeepEqual(cfg, res.Settings) {
		t.Errorf("config.json = %+v (%v), want %+v", cfg, err, res.Settings)
	}
	s = tinySettings(3)
	if _, err := Train(context.Background(), d, dir, s, nil); !errors.Is(err, ErrCheckpoint) || !strings.Contains(err.Error(), "embedding:") {
		t.Errorf("resuming without the embedding: %v", err)
	}
	s.Embedding = &surrogate.Embedding{AmpType: surrogate.EmbedAmp, AmpFrequencies: 2, // as first given
		Features: []surrogate.FeatureEmbedding{{Name: surrogate.FeatureIThr, Frequencies: 1}}}
	if res := mustTrain(t, context.Background(), d, dir, s, nil); !res.Resumed || res.Epochs != 3 {
		t.Errorf("resuming with the embedding: resumed %v, %d epochs", res.Resumed, res.Epochs)
	}
	// A run started from the model needs its embedding, even where another
	// has as many channels (s_thr for I_thr).
	s = tinySettings(1)
	s.Init = filepath.Join(dir, ModelName)
	s.Embedding = &surrogate.Embedding{AmpType: surrogate.EmbedAmp, AmpFrequencies: 2,
		Features: []surrogate.FeatureEmbedding{{Name: surrogate.FeatureSThr, Frequencies: 1}}}
	if _, err := Train(context.Background(), d, t.TempDir(), s, nil); !errors.Is(err, ErrSettings) || !strings.Contains(err.Error(), "embedding amp=2,i_thr=1,amp_type=amp, the run's is amp=2,s_thr=1") {
		t.Errorf("init from another embedding: %v", err)
	}
	s.Embedding = &want
	mustTrain(t, context.Background(), d, t.TempDir(), s, nil)
}

// TestDefaultEmbeddingUnrecorded checks that NOBLE's embedding, given
// explicitly, is the default run: nothing in config.json or the model file.
func TestDefaultEmbeddingUnrecorded(t *testing.T) {
	d := newMemData(1, 0, 0, 4)
	dir := t.TempDir()
	s := tinySettings(1)
	e := surrogate.DefaultEmbedding()
	s.Embedding = &e
	res := mustTrain(t, context.Background(), d, dir, s, nil)
	if res.Settings.Embedding != nil {
		t.Errorf("resolved embedding %+v, want nil", res.Settings.Embedding)
	}
	b, _ := os.ReadFile(filepath.Join(dir, ConfigName))
	if strings.Contains(string(b), "embedding") {
		t.Errorf("config.json mentions the default embedding:\n%s", b)
	}
	m, meta, err := fno.LoadFile(filepath.Join(dir, ModelName))
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	if _, ok := meta.Extra[surrogate.MetaEmbedding]; ok || res.Settings.FNO().InChannels != 23 {
		t.Errorf("default run: model file records %q, %d channels", surrogate.MetaEmbedding, res.Settings.FNO().InChannels)
	}
}
