package train

import (
	"context"
	"slices"
	"testing"
)

func TestPlan(t *testing.T) {
	sizes := []int{5, 7, 6, 5, 3, 8, 6}
	total := 40
	for _, tc := range []struct {
		name             string
		perEpoch, buffer int
		want             int
	}{
		{"all", -1, 2, total},
		{"all, one buffer", -1, 100, total},
		{"cut", 13, 3, 13},
		{"cut at shard end", 5 + 7, 1, 12},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlan(9, 3, sizes, tc.perEpoch, tc.buffer, 30)
			if len(p.items) != tc.want {
				t.Fatalf("%d items, want %d", len(p.items), tc.want)
			}
			seen := map[[2]int]bool{}
			for _, it := range p.items {
				k := [2]int{it.shard, it.index}
				if seen[k] || it.index >= sizes[it.shard] || it.offset < 0 || it.offset > 30 {
					t.Fatalf("bad or repeated item %+v", it)
				}
				seen[k] = true
			}
			// Groups of buffer shards are contiguous: a shard's
			// traces all lie in one group's span.
			q := newPlan(9, 3, sizes, tc.perEpoch, tc.buffer, 30)
			if !slices.Equal(p.items, q.items) {
				t.Error("same seed and epoch, different plan")
			}
			r := newPlan(9, 4, sizes, tc.perEpoch, tc.buffer, 30)
			if slices.Equal(p.items, r.items) {
				t.Error("another epoch, same plan")
			}
		})
	}
}

// TestLoaderBound checks that the loader holds at most 2·buffer shards and
// reads each shard once per epoch.
func TestLoaderBound(t *testing.T) {
	d := newMemData(12, 0, 0, 5)
	info := d.Info()
	for _, buffer := range []int{1, 2, 3} {
		for _, batch := range []int{1, 4, 5} {
			d.reads = 0
			p := newPlan(1, 1, d.ShardSizes(SplitTrain), -1, buffer, info.MaxOffset)
			ld := newLoader(d, &info, SplitTrain)
			for b := range p.batches(batch) {
				if err := ld.get(context.Background(), p.batch(b, batch)); err != nil {
					t.Fatal(err)
				}
				ld.release(p, (b+1)*batch)
			}
			if ld.peak > 2*buffer || d.reads != 12 || len(ld.shards) != 0 {
				t.Errorf("buffer %d, batch %d: peak %d shards, %d reads, %d left", buffer, batch, ld.peak, d.reads, len(ld.shards))
			}
		}
	}
}
