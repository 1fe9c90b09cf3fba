package train

import (
	"context"
	"fmt"
)

// Comm connects the processes (ranks) of a data-parallel run (TrainRanks).
// Package internal/mpi's Comm implements it over MPI.
type Comm interface {
	Rank() int // this process, 0 … Size()−1
	Size() int // the number of ranks
	// SumFloat32 and SumFloat64 replace buf on every rank with the
	// element-wise sum over the ranks of their buf, added in rank order
	// from zero, ((0 + buf₀) + buf₁) + …, so that the result does not
	// depend on how the library communicates. Every rank calls them with
	// the same length; an error ends the run.
	SumFloat32(buf []float32) error
	SumFloat64(buf []float64) error
}

// TrainRanks is Train run by comm.Size() processes together, each calling
// it with the same arguments and its own comm (data parallelism: mpirun -np
// N noble train). Each rank trains on its part of every batch (its
// contiguous share of the batch's traces in the data order, reading only
// the shards that share touches), the ranks' gradients and losses are
// summed with comm in rank order, and every rank applies the same update,
// so all hold the same parameters. Rank 0 alone writes into dir (the
// configuration, checkpoints, metrics and models); the others only read
// the checkpoint to resume. The evaluation of the test splits is shared
// the same way: each rank predicts its share of every evaluation batch,
// the predictions are gathered (a sum with zeros elsewhere), and every
// rank computes the metrics from all of them, so that the schedule and the
// model selection need no further communication and, with one worker per
// rank, equal one process's.
//
// Settings.Workers counts the workers of all ranks together: it must be
// 0 (each rank uses its cores) or a multiple of comm.Size(), and each rank
// runs Workers/Size of them. A run with one worker per rank ends bit for
// bit as Train with the same Workers in one process: the batch is cut at
// the same traces, and each sum over ranks adds the same per-worker
// gradients in the same order as the single process's reduction over its
// workers. With more workers per rank the partial sums group differently
// and the parameters differ by float32 rounding, as they do between two
// values of Workers in one process. Since the settings (and so Workers)
// fix the numerics but not the number of ranks, a run may resume with
// another number of ranks dividing Workers, or in one process.
//
// When ctx is cancelled in any rank, every rank stops after the current
// step's computation (the step is not applied; rank 0 writes a checkpoint)
// and returns an error wrapping context.Canceled; during an evaluation the
// stop waits for its end.
//
// A fine-tuning feature loss (Settings.FeatureLoss) is not supported
// across ranks. A nil comm, or one of size 1, is Train.
func TrainRanks(ctx context.Context, comm Comm, data Data, dir string, s *Settings, hooks *Hooks) (*Result, error) {
	if comm != nil && comm.Size() == 1 {
		comm = nil
	}
	if comm != nil {
		set := Settings{}
		if s != nil {
			set = *s
		}
		res, err := set.Resolved()
		if err != nil {
			return nil, err
		}
		n := comm.Size()
		switch {
		case res.Workers%n != 0:
			return nil, fmt.Errorf("%w: workers %d: not a multiple of the %d ranks (each rank runs workers/ranks)", ErrSettings, res.Workers, n)
		case res.HasFeatureLoss():
			return nil, fmt.Errorf("%w: a feature loss is not supported across %d ranks; fine-tune in one process", ErrSettings, n)
		}
	}
	return train(ctx, comm, data, dir, s, hooks)
}

// writer reports whether this process writes the run directory: rank 0,
// or a lone process.
func (r *runner) writer() bool { return r.comm == nil || r.comm.Rank() == 0 }

// share returns this rank's part of a batch: the contiguous traces
// [rank·n/size, (rank+1)·n/size), the cut fno.Model makes between
// workers, so that one worker per rank splits the batch as one process
// with that many workers does.
func (r *runner) share(items []item) []item {
	if r.comm == nil {
		return items
	}
	n, k, size := len(items), r.comm.Rank(), r.comm.Size()
	return items[k*n/size : (k+1)*n/size]
}

// errInterrupted ends the step of every rank when one was interrupted.
var errInterrupted = fmt.Errorf("train: a rank was interrupted: %w", context.Canceled)

// sumRanks replaces the gradient with its sum over the ranks and returns
// the sum of the ranks' batch losses. If any rank's context was cancelled
// it returns errInterrupted, on every rank, before the gradient's sum, so
// that all stop at the same batch.
func (r *runner) sumRanks(loss float64) (float64, error) {
	r.sums[0], r.sums[1] = loss, 0
	if r.interrupt.Err() != nil {
		r.sums[1] = 1
	}
	if err := r.comm.SumFloat64(r.sums[:]); err != nil {
		return 0, fmt.Errorf("summing the loss over %d ranks: %w", r.comm.Size(), err)
	}
	if r.sums[1] > 0 {
		return 0, errInterrupted
	}
	if err := r.comm.SumFloat32(r.model.Grad); err != nil {
		return 0, fmt.Errorf("summing the gradient over %d ranks: %w", r.comm.Size(), err)
	}
	return r.sums[0], nil
}
