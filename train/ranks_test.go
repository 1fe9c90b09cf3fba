package train

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// memComm is one rank of a group of goroutines standing in for MPI ranks:
// each sum puts the rank's vector in its slot, waits for all, and adds the
// slots in rank order, as internal/mpi does across processes.
type memComm struct {
	g    *memGroup
	rank int
}

type memGroup struct {
	size  int
	mu    sync.Mutex
	cond  *sync.Cond
	phase int // barriers passed
	wait  int // ranks waiting at the current barrier
	slots []any
}

func newMemGroup(size int) []Comm {
	g := &memGroup{size: size, slots: make([]any, size)}
	g.cond = sync.NewCond(&g.mu)
	cs := make([]Comm, size)
	for r := range cs {
		cs[r] = &memComm{g: g, rank: r}
	}
	return cs
}

func (g *memGroup) barrier() {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.phase
	g.wait++
	if g.wait == g.size {
		g.wait, g.phase = 0, p+1
		g.cond.Broadcast()
		return
	}
	for g.phase == p {
		g.cond.Wait()
	}
}

func (c *memComm) Rank() int { return c.rank }
func (c *memComm) Size() int { return c.g.size }

func (c *memComm) SumFloat32(buf []float32) error { return memSum(c, buf) }
func (c *memComm) SumFloat64(buf []float64) error { return memSum(c, buf) }

func memSum[T float32 | float64](c *memComm, buf []T) error {
	g := c.g
	g.mu.Lock()
	g.slots[c.rank] = append([]T(nil), buf...)
	g.mu.Unlock()
	g.barrier()
	clear(buf)
	for _, s := range g.slots {
		v := s.([]T)
		if len(v) != len(buf) {
			return fmt.Errorf("memComm: rank %d sums %d values, rank %d %d", c.rank, len(buf), 0, len(v))
		}
		for i, x := range v {
			buf[i] += x
		}
	}
	g.barrier() // no rank overwrites its slot before all have read
	return nil
}

// trainRanks runs TrainRanks in n goroutine ranks, rank r in dirs(r), and
// returns rank 0's result.
func trainRanks(t *testing.T, n int, dirs func(r int) string, s *Settings) *Result {
	t.Helper()
	comms := newMemGroup(n)
	res := make([]*Result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for r := range n {
		wg.Go(func() {
			s := *s
			res[r], errs[r] = TrainRanks(context.Background(), comms[r], newMemData(5, 1, 1, 6), dirs(r), &s, nil)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("TrainRanks in %d ranks: %v", n, err)
	}
	return res[0]
}

// TestTrainRanks checks that n ranks of one worker each end bit for bit as
// one process with n workers (same global batch of 4): with even shares,
// uneven ones (3 ranks), and ranks left without traces in the last,
// 2-trace batch of each epoch (4 ranks); that only rank 0 writes; and that
// a run of 2 ranks resumes in one process and one of one process in 2
// ranks.
func TestTrainRanks(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 10 tiny runs")
	}
	for _, n := range []int{2, 3, 4} {
		t.Run(fmt.Sprintf("ranks=%d", n), func(t *testing.T) {
			t.Parallel()
			s := tinySettings(2)
			s.Workers = n
			base := t.TempDir()
			want := filepath.Join(base, "one")
			mustTrain(t, context.Background(), newMemData(5, 1, 1, 6), want, s, nil)
			got := filepath.Join(base, "ranks")
			dirs := func(r int) string {
				if r == 0 {
					return got
				}
				return filepath.Join(base, fmt.Sprint("rank", r))
			}
			trainRanks(t, n, dirs, s)
			compareRuns(t, fmt.Sprintf("%d ranks", n), readRun(t, got), readRun(t, want))
			for r := 1; r < n; r++ {
				if _, err := os.Stat(dirs(r)); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("rank %d wrote its run directory (stat: %v)", r, err)
				}
			}
		})
	}
	t.Run("resume", func(t *testing.T) {
		t.Parallel()
		s := tinySettings(3)
		base := t.TempDir()
		want := filepath.Join(base, "one")
		mustTrain(t, context.Background(), newMemData(5, 1, 1, 6), want, s, nil)
		s1 := *s
		s1.Epochs = 1
		for _, c := range []struct {
			name        string
			first, then int // ranks of epoch 1, of epochs 2 and 3
		}{{"2 ranks then 1", 2, 1}, {"1 then 2 ranks", 1, 2}} {
			dir := filepath.Join(base, fmt.Sprint(c.first, c.then))
			same := func(int) string { return dir }
			trainRanks(t, c.first, same, &s1)
			res := trainRanks(t, c.then, same, s)
			if !res.Resumed {
				t.Errorf("%s: not resumed", c.name)
			}
			compareRuns(t, c.name, readRun(t, dir), readRun(t, want))
		}
	})
}

func TestTrainRanksRefuses(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		edit func(*Settings)
	}{
		{"workers not a multiple of ranks", func(s *Settings) { s.Workers = 3 }},
		{"feature loss", func(s *Settings) { s.Init = "x.safetensors"; s.FeatureLoss = "sag_amplitude=1" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := tinySettings(1)
			c.edit(s)
			dir := filepath.Join(t.TempDir(), "run")
			_, err := TrainRanks(context.Background(), newMemGroup(2)[0], newMemData(1, 0, 0, 4), dir, s, nil)
			if !errors.Is(err, ErrSettings) {
				t.Errorf("TrainRanks error = %v, want ErrSettings", err)
			}
			if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the refused run created its directory (stat: %v)", err)
			}
		})
	}
}

// cancelComm cancels its rank's context at its n-th loss sum (one per
// step), as a signal arriving in that step.
type cancelComm struct {
	Comm
	n      int
	cancel context.CancelFunc
}

func (c *cancelComm) SumFloat64(buf []float64) error {
	if c.n--; c.n == 0 {
		c.cancel()
	}
	return c.Comm.SumFloat64(buf)
}

// TestTrainRanksInterrupt cancels rank 1 alone during the third step's
// sums (after it looked at its context): every rank must stop in the
// fourth with context.Canceled, rank 0's checkpoint must hold the 3 steps
// before it, and the run resumed must end as an uninterrupted one.
func TestTrainRanksInterrupt(t *testing.T) {
	t.Parallel()
	s := tinySettings(1)
	base := t.TempDir()
	want := filepath.Join(base, "one")
	mustTrain(t, context.Background(), newMemData(5, 1, 1, 6), want, s, nil)

	dir := filepath.Join(base, "ranks")
	comms := newMemGroup(2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	comms[1] = &cancelComm{Comm: comms[1], n: 3, cancel: cancel}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for r := range 2 {
		wg.Go(func() {
			rctx := context.Background()
			if r == 1 {
				rctx = ctx
			}
			_, errs[r] = TrainRanks(rctx, comms[r], newMemData(5, 1, 1, 6), dir, s, nil)
		})
	}
	wg.Wait()
	for r, err := range errs {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("rank %d: error %v, want context.Canceled", r, err)
		}
	}
	st, _, err := readCheckpoint(filepath.Join(dir, CheckpointName))
	if err != nil {
		t.Fatal(err)
	}
	if st.Epoch != 1 || st.Batch != 3 {
		t.Errorf("checkpoint at epoch %d, batch %d, want epoch 1, batch 3", st.Epoch, st.Batch)
	}
	trainRanks(t, 2, func(int) string { return dir }, s)
	compareRuns(t, "interrupted and resumed", readRun(t, dir), readRun(t, want))
}
