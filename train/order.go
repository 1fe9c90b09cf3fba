package train

import (
	"context"
	"math/rand/v2"
)

// item is one trace of an epoch: where it is stored and where its window
// starts.
type item struct {
	shard, index int // shard of the training split, trace within it
	offset       int // window start, samples
}

// plan is the data order of one epoch: a pure function of the seed, the
// epoch, the shard sizes and the settings, so that a resumed run replays it.
type plan struct {
	items   []item
	lastUse []int // per shard: position in items of its last trace (-1: unused)
}

// newPlan draws the order of an epoch from PCG(seed, epoch): the shards in
// a random order (cut to the first ones that hold perEpoch traces, if
// perEpoch > 0), taken buffer shards at a time, the traces of each group
// shuffled together, the list cut to perEpoch, then one window offset,
// uniform in 0 … maxOffset, per trace in that order.
func newPlan(seed uint64, epoch int, sizes []int, perEpoch, buffer, maxOffset int) *plan {
	rng := rand.New(rand.NewPCG(seed, uint64(epoch)))
	perm := rng.Perm(len(sizes))
	if perEpoch > 0 {
		n := 0
		for k, s := range perm {
			n += sizes[s]
			if n >= perEpoch {
				perm = perm[:k+1]
				break
			}
		}
	}
	total := 0
	for _, s := range perm {
		total += sizes[s]
	}
	items := make([]item, 0, total)
	for g := 0; g < len(perm); g += buffer {
		start := len(items)
		for _, s := range perm[g:min(g+buffer, len(perm))] {
			for i := range sizes[s] {
				items = append(items, item{shard: s, index: i})
			}
		}
		grp := items[start:]
		rng.Shuffle(len(grp), func(i, j int) { grp[i], grp[j] = grp[j], grp[i] })
	}
	if perEpoch > 0 && len(items) > perEpoch {
		items = items[:perEpoch]
	}
	for i := range items {
		items[i].offset = rng.IntN(maxOffset + 1)
	}
	p := &plan{items: items, lastUse: make([]int, len(sizes))}
	for s := range p.lastUse {
		p.lastUse[s] = -1
	}
	for i, it := range items {
		p.lastUse[it.shard] = i
	}
	return p
}

// batches returns the number of batches of the epoch (the last one may be
// smaller).
func (p *plan) batches(size int) int { return (len(p.items) + size - 1) / size }

// batch returns the items of batch b.
func (p *plan) batch(b, size int) []item {
	return p.items[b*size : min((b+1)*size, len(p.items))]
}

// loader keeps the shards that the rest of an epoch still needs: a shard is
// read when a batch first needs it and dropped after the batch that uses its
// last trace. With a plan built from groups of buffer shards, at most 2·buffer
// shards are held at once (a batch straddles at most two groups).
type loader struct {
	data   Data
	split  string
	info   *DataInfo
	sizes  []int
	shards map[int]*Shard
	peak   int // most shards held at once
}

func newLoader(d Data, info *DataInfo, split string) *loader {
	return &loader{data: d, info: info, split: split, sizes: d.ShardSizes(split), shards: map[int]*Shard{}}
}

// get returns the shards for the items of a batch, reading missing ones.
func (l *loader) get(ctx context.Context, items []item) error {
	for _, it := range items {
		if _, ok := l.shards[it.shard]; ok {
			continue
		}
		s, err := l.data.Shard(ctx, l.split, it.shard)
		if err != nil {
			return err
		}
		if err := l.info.checkShard(s, l.split, it.shard, l.sizes[it.shard]); err != nil {
			return err
		}
		l.shards[it.shard] = s
		l.peak = max(l.peak, len(l.shards))
	}
	return nil
}

// release drops the shards whose last use is before position next.
func (l *loader) release(p *plan, next int) {
	for s := range l.shards {
		if p.lastUse[s] < next {
			delete(l.shards, s)
		}
	}
}

// reset drops every shard.
func (l *loader) reset() { clear(l.shards) }
