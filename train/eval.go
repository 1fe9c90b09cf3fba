package train

import (
	"context"

	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/surrogate"
)

// evaluate returns the mean relative L2 and L4 errors of the model on the
// first Settings.EvalTraces traces of a split (all if negative), each in
// the fixed test window (DataInfo.TestOffset), and the number of traces.
// Shards are read one at a time, in order.
func (r *runner) evaluate(ctx context.Context, split string) (l2, l4 float64, n int, err error) {
	sizes := r.data.ShardSizes(split)
	limit := r.set.EvalTraces
	w := r.info.WindowSamples
	bs := r.set.BatchSize
	var sum2, sum4 float64
	for si, size := range sizes {
		if limit >= 0 && n >= limit {
			break
		}
		if err := ctx.Err(); err != nil {
			return 0, 0, n, err
		}
		sh, err := r.data.Shard(ctx, split, si)
		if err != nil {
			return 0, 0, n, err
		}
		if err := r.info.checkShard(sh, split, si, size); err != nil {
			return 0, 0, n, err
		}
		use := size
		if limit >= 0 {
			use = min(use, limit-n)
		}
		items := make([]item, use)
		for j := range items {
			items[j] = item{shard: si, index: j, offset: r.info.TestOffset}
		}
		for b := 0; b < use; b += bs {
			if err := ctx.Err(); err != nil {
				return 0, 0, n, err
			}
			it := items[b:min(b+bs, use)]
			k := len(it)
			r.x = grow(r.x, k*surrogate.Channels*w)
			r.y = grow(r.y, k*w)
			r.yhat = grow(r.yhat, k*w)
			r.lossGrad = grow(r.lossGrad, k*w)
			if err := r.fill(r.x, r.y, split, func(int) *Shard { return sh }, it, w); err != nil {
				return 0, 0, n, err
			}
			r.model.Forward(r.yhat, r.x, k, w)
			s2, _ := fno.RelLpLoss(r.lossGrad, 2, r.yhat, r.y, k, w)
			s4, _ := fno.RelLpLoss(r.lossGrad, 4, r.yhat, r.y, k, w)
			sum2 += s2
			sum4 += s4
			n += k
		}
	}
	if n == 0 {
		return 0, 0, 0, nil
	}
	return sum2 / float64(n), sum4 / float64(n), n, nil
}
