package train

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/fno"
)

// TestSelectSpikecount trains on data whose seen-model test traces fire and
// checks that model.safetensors is the first epoch of least Spikecount
// error, whatever the losses say.
func TestSelectSpikecount(t *testing.T) {
	d := spikyData([]int{0, 1, 3, 5, 0, 7})
	dir := t.TempDir()
	s := tinySettings(3)
	s.SelectBy = SelectSpikecount
	res := mustTrain(t, context.Background(), d, dir, s, nil)
	if res.Selection != "test_seen_spikecount" {
		t.Errorf("selection %q, want test_seen_spikecount", res.Selection)
	}
	best, bestEpoch := math.Inf(1), 0
	for _, m := range res.Metrics {
		if m.SeenSpikes == nil || m.SeenSpikes.SpikecountRel == nil || m.SeenSpikes.Firing != 4 {
			t.Fatalf("epoch %d: spike statistics %+v, want 4 firing traces", m.Epoch, m.SeenSpikes)
		}
		if v := *m.SeenSpikes.SpikecountRel; v < best {
			best, bestEpoch = v, m.Epoch
			if !m.Best {
				t.Errorf("epoch %d improved the Spikecount error to %g but is not marked best", m.Epoch, v)
			}
		} else if m.Best {
			t.Errorf("epoch %d (Spikecount error %g, best %g) marked best", m.Epoch, v, best)
		}
	}
	if res.BestEpoch != bestEpoch || res.BestLoss != best {
		t.Errorf("best epoch %d with %g, want %d with %g", res.BestEpoch, res.BestLoss, bestEpoch, best)
	}
	m, meta, err := fno.LoadFile(filepath.Join(dir, ModelName))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if prov, err := ReadProvenance(meta); err != nil || prov.Selected != "test_seen_spikecount" || prov.Epoch != bestEpoch {
		t.Errorf("provenance %+v (%v), want selected by test_seen_spikecount at epoch %d", prov, err, bestEpoch)
	}
	// The saved model reproduces the recorded error.
	r := &runner{data: d, info: d.Info(), set: res.Settings, model: m}
	ev, err := r.evaluate(context.Background(), SplitTestSeen, true)
	if err != nil || ev.spikes.SpikecountRel == nil || *ev.spikes.SpikecountRel != best {
		t.Errorf("saved model: Spikecount error %v (%v), recorded %g", ev.spikes.SpikecountRel, err, best)
	}

	// The selection is fixed for a run.
	s2 := tinySettings(4)
	if _, err := Train(context.Background(), d, dir, s2, nil); !errors.Is(err, ErrCheckpoint) || !strings.Contains(err.Error(), "select_by: loss, was spikecount") {
		t.Errorf("resume selecting by loss: %v, want ErrCheckpoint naming select_by", err)
	}
}

// TestSelectSpikecountRefused: a selection by spike count needs evaluated
// traces that fire, refused before any training.
func TestSelectSpikecountRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		data *memData
		msg  string
	}{
		{"no test split", newMemData(1, 0, 0, 2), "needs a test split"},
		{"silent test traces", newMemData(1, 1, 1, 2), "none of the 2 evaluated test_held traces fires"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tinySettings(1)
			s.SelectBy = SelectSpikecount
			dir := filepath.Join(t.TempDir(), "run")
			_, err := Train(context.Background(), tc.data, dir, s, nil)
			if !errors.Is(err, ErrSettings) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("Train = %v, want ErrSettings with %q", err, tc.msg)
			}
			if _, _, err := readCheckpoint(filepath.Join(dir, CheckpointName)); err == nil {
				t.Error("a checkpoint was written")
			}
		})
	}
}

// TestResumeBeforeSelectBy resumes a checkpoint written before SelectBy
// existed (no select_by in its settings): it selects by loss.
func TestResumeBeforeSelectBy(t *testing.T) {
	d := newMemData(2, 0, 1, 4)
	dir := t.TempDir()
	mustTrain(t, context.Background(), d, dir, tinySettings(1), nil)
	path := filepath.Join(dir, CheckpointName)
	st, ts, err := readCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	st.Settings.SelectBy = ""
	if err := writeCheckpoint(path, st, ts[0], &fno.Adam{M: ts[1], V: ts[2], LR: st.LR, Step: st.AdamStep}, ts[3]); err != nil {
		t.Fatal(err)
	}
	res := mustTrain(t, context.Background(), d, dir, tinySettings(2), nil)
	if !res.Resumed || res.Epochs != 2 || res.Selection != "test_held_l4" || res.Settings.SelectBy != SelectLoss {
		t.Errorf("resumed %v, %d epochs, selection %q, select_by %q", res.Resumed, res.Epochs, res.Selection, res.Settings.SelectBy)
	}
}

func TestSelectionValue(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	m := Metrics{
		TrainLoss: 0.5,
		HeldL4:    f(0.25), HeldSpikes: &SpikeStats{Firing: 3, SpikecountRel: f(0.75)},
		SeenL4: f(0.125), SeenSpikes: &SpikeStats{Firing: 2, SpikecountRel: f(0.0625)},
	}
	silent := Metrics{TrainLoss: 0.5, HeldL4: f(0.25), HeldSpikes: &SpikeStats{}}
	for _, tc := range []struct {
		name       string
		data       *memData
		by         string
		m          Metrics
		want       float64
		ok         bool
		wantSelect string
	}{
		{"held loss", newMemData(1, 1, 1, 2), SelectLoss, m, 0.25, true, "test_held_l4"},
		{"seen loss", newMemData(1, 1, 0, 2), SelectLoss, m, 0.125, true, "test_seen_l4"},
		{"train loss", newMemData(1, 0, 0, 2), SelectLoss, m, 0.5, true, "train_loss"},
		{"held spikecount", newMemData(1, 1, 1, 2), SelectSpikecount, m, 0.75, true, "test_held_spikecount"},
		{"seen spikecount", newMemData(1, 1, 0, 2), SelectSpikecount, m, 0.0625, true, "test_seen_spikecount"},
		{"no firing trace", newMemData(1, 0, 1, 2), SelectSpikecount, silent, 0, false, "test_held_spikecount"},
		{"no evaluation", newMemData(1, 0, 1, 2), SelectLoss, Metrics{TrainLoss: 0.5}, 0, false, "test_held_l4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set, err := Settings{SelectBy: tc.by}.Resolved()
			if err != nil {
				t.Fatal(err)
			}
			r := &runner{data: tc.data, set: set}
			if sel, err := r.selection(); err != nil || sel != tc.wantSelect {
				t.Errorf("selection() = %q, %v, want %q", sel, err, tc.wantSelect)
			}
			if v, ok := r.selectionValue(&tc.m); v != tc.want || ok != tc.ok {
				t.Errorf("selectionValue = %g, %v, want %g, %v", v, ok, tc.want, tc.ok)
			}
		})
	}
}
