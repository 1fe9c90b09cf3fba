//go:build mpi

package train

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/noble-neuro/noble/internal/mpi"
)

// timedSums measures the time spent in a Comm's gradient sums.
type timedSums struct {
	Comm
	spent time.Duration
}

func (c *timedSums) SumFloat32(buf []float32) error {
	t := time.Now()
	err := c.Comm.SumFloat32(buf)
	c.spent += time.Since(t)
	return err
}

// BenchmarkMPIStep is one step of the cpu preset (global batch 16) on the
// published architecture at L = 8583 (1.8 M parameters), run alone or as
// one rank under mpirun, each rank with GOMAXPROCS/ranks workers: the
// rank's share of the encoding and TrainBatch, the sums of the loss and
// gradient over the ranks, and Adam. It reports the wall time per step,
// the time in the gradient sum (communication and the wait for the slower
// rank) and, separately, the time of the sum alone after a barrier. Run it
// with a fixed count, the same in every rank:
//
//	go test -tags mpi -c -o train.test ./train
//	mpirun -np 2 ./train.test -test.run='^$' -test.bench=MPIStep -test.benchtime=4x
func BenchmarkMPIStep(b *testing.B) {
	size := 1
	tc := &timedSums{}
	if mpi.Launched() {
		c, err := mpi.Init()
		if err != nil {
			b.Fatal(err)
		}
		size, tc.Comm = c.Size(), c
	}
	r, p := benchRunner(b, 16)
	if size > 1 {
		r.comm = tc
	}
	r.model.Workers = max(1, runtime.GOMAXPROCS(0)/size)
	ctx := context.Background()
	mine := r.share(p.batch(0, 16))
	w := r.info.WindowSamples
	if _, _, err := r.step(ctx, mine, w); err != nil { // allocate the workspaces
		b.Fatal(err)
	}
	tc.spent = 0
	b.ResetTimer()
	for range b.N {
		if _, _, err := r.step(ctx, mine, w); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/step")
	b.ReportMetric(float64(tc.spent.Microseconds())/1e3/float64(b.N), "sum-ms/step")
	b.ReportMetric(float64(len(r.model.Grad))*4/1e6, "MB/sum")
	if size > 1 {
		const n = 10
		var alone time.Duration
		barrier := make([]float64, 1)
		for range n {
			tc.Comm.SumFloat64(barrier)
			t := time.Now()
			tc.Comm.SumFloat32(r.model.Grad)
			alone += time.Since(t)
		}
		b.ReportMetric(float64(alone.Microseconds())/1e3/n, "bare-sum-ms")
	}
}
