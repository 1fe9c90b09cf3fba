package dataset

import (
	"context"
	"testing"

	"github.com/noble-neuro/noble/dsp"
	"github.com/noble-neuro/noble/sim"
)

// subset is a Source restricted to the first n models of another.
type subset struct {
	Source
	n int
}

func (s subset) Models() []string { return s.Source.Models()[:s.n] }

// TestMouseCell runs the whole path on the shipped mouse cell with a short
// protocol (31 ms: embeddings of 3 models through package fi, 4 + 2 + 2
// traces) and checks every stored trace against sim + dsp run by hand.
func TestMouseCell(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates the mouse cell (seconds); skipped with -short")
	}
	cell, err := sim.LoadCell("../data/cells/mouse_pvalb_318331342")
	if err != nil {
		t.Fatal(err)
	}
	full, err := NewCellSource(cell)
	if err != nil {
		t.Fatal(err)
	}
	src := subset{full, 3}
	ctx := context.Background()
	proto := Protocol{Window: 25, Margin: 6, Delay: 5, Dur: 15}
	emb, err := Embed(ctx, src, proto, nil, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range emb {
		// The mouse models start firing near 0.2 nA under 400 ms steps; a
		// 15 ms step needs more. fi brackets from 0.05 nA up to 2 nA.
		if !e.Has() || e.IThr < 0.05 || e.IThr > 2 || e.SThr < 0 {
			t.Errorf("model %s: embedding %+v", src.Models()[i], e)
		}
	}
	t.Logf("embeddings (15 ms step): %+v", emb)
	g, err := NewGeneration(src.Cell(), src.Models(), emb, &Settings{
		Traces: 4, TestSeenTraces: 2, TestHeldTraces: 2, TracesPerShard: 3, Seed: 11, TestModels: []int{2}, Protocol: proto,
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := Generate(ctx, src, g, dir, &Options{Workers: 2}); err != nil {
		t.Fatal(err)
	}
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Verify(ctx, nil); err != nil {
		t.Fatal(err)
	}
	dec, _ := dsp.NewDecimator(nil)
	for _, split := range Splits {
		err := d.Each(ctx, split, func(s *Shard) error {
			for i := range s.Info.Traces {
				m, err := cell.Model(cell.ParamFiles[s.Model[i]])
				if err != nil {
					return err
				}
				v, err := m.Simulate(ctx, proto.Sim(s.Amp[i]), nil)
				if err != nil {
					return err
				}
				y := dec.Decimate(nil, v)
				for j, x := range s.V(i) {
					if x != float32(y[j]) {
						t.Fatalf("%s trace %d sample %d = %v, want %v", split, s.Trace[i], j, x, float32(y[j]))
					}
				}
				if split == SplitTestHeld && s.Model[i] != 2 || split != SplitTestHeld && s.Model[i] == 2 {
					t.Errorf("%s trace %d uses model %d", split, s.Trace[i], s.Model[i])
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
