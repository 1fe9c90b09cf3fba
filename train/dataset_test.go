package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/dataset"
	"github.com/noble-neuro/noble/sim"
)

// stepSource is a stand-in for the simulator: model m rests at −70 mV and
// depolarises by 20·(1 + m/10) mV/nA during the step, with a 2 ms time
// constant.
type stepSource struct{ n int }

func (s *stepSource) Cell() string { return "step_cell" }

func (s *stepSource) Models() []string {
	out := make([]string, s.n)
	for i := range out {
		out[i] = fmt.Sprintf("m%02d", i)
	}
	return out
}

func (s *stepSource) Simulate(ctx context.Context, m int, p sim.Protocol, dst []float64) ([]float64, error) {
	p = p.WithDefaults()
	n := p.Steps() + 1
	v := make([]float64, n)
	g := 20 * (1 + float64(m)/10) * p.Amp
	for i := range v {
		t := float64(i) * p.Dt
		v[i] = -70
		if t >= p.Delay {
			on := math.Min(t, p.Delay+p.Dur) - p.Delay
			h := g * (1 - math.Exp(-on/2))
			if t > p.Delay+p.Dur {
				h *= math.Exp(-(t - p.Delay - p.Dur) / 2)
			}
			v[i] += h
		}
	}
	return v, nil
}

// stepDataset writes a small dataset of package dataset: 6 models (1 held
// out), a 20 ms window (333 samples) with offsets 0 … 60, 24 + 8 + 8 traces
// in shards of 8.
func stepDataset(t *testing.T) string {
	t.Helper()
	src := &stepSource{n: 6}
	emb := make([]dataset.Embedding, src.n)
	for i := range emb {
		emb[i] = dataset.Embedding{IThr: 0.1 + 0.01*float64(i), SThr: 100 + 5*float64(i)}
	}
	g, err := dataset.NewGeneration(src.Cell(), src.Models(), emb, &dataset.Settings{
		Traces: 24, TestSeenTraces: 8, TestHeldTraces: 8, TracesPerShard: 8, TestModels: []int{4},
		Protocol: dataset.Protocol{Window: 20, Margin: 3.6, Delay: 2, Dur: 10},
		Stimulus: &dataset.Stimulus{Mode: 0.15, Lo: 0, Hi: 0.5, Scale: 0.2, Shape: 3},
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := dataset.Generate(context.Background(), src, g, dir, &dataset.Options{Workers: 1}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestOpenDataset(t *testing.T) {
	dir := stepDataset(t)
	d, err := OpenDataset(dir)
	if err != nil {
		t.Fatal(err)
	}
	info := d.Info()
	if info.WindowSamples != 333 || info.MaxOffset != 60 || info.TestOffset != 30 || info.Cell != "step_cell" || len(info.Models) != 6 {
		t.Errorf("info %+v", info)
	}
	if p := info.Protocol(info.TestOffset); p.StimStartMS != 2 || p.StimEndMS != 12 {
		t.Errorf("test window step %g → %g ms, want 2 → 12", p.StimStartMS, p.StimEndMS)
	}
	for split, want := range map[string]int{SplitTrain: 3, SplitTestSeen: 1, SplitTestHeld: 1} {
		if n := len(d.ShardSizes(split)); n != want {
			t.Errorf("%s: %d shards, want %d", split, n, want)
		}
	}
	s := tinySettings(2)
	s.BatchSize = 8
	run := filepath.Join(t.TempDir(), "run")
	res, err := Train(context.Background(), d, run, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Epochs != 2 || res.Metrics[0].TrainTraces != 24 || res.Metrics[1].HeldL4 == nil || res.Selection != "test_held_l4" {
		t.Errorf("result %+v", res)
	}

	// A corrupt shard is an error naming it; so is a missing one.
	name := filepath.Join(dir, "test_held-00000-of-00001.npz")
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	os.WriteFile(name, b, 0o644)
	d, err = OpenDataset(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Epochs = 3
	_, err = Train(context.Background(), d, run, s, nil)
	var se *dataset.ShardError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "test_held-00000-of-00001.npz") {
		t.Errorf("corrupt shard: %v", err)
	}
	os.Remove(name)
	if _, err := OpenDataset(dir); !errors.As(err, &se) {
		t.Errorf("missing shard: %v", err)
	}
}
