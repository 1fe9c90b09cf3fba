//go:build mpi

package train

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noble-neuro/noble/internal/mpi"
)

// mpiChildVar marks a test binary started by mpirun as one rank; its value
// is the run directory.
const mpiChildVar = "NOBLE_TRAIN_MPI_CHILD"

// mpiSettings is a run of 3 steps per epoch (12 traces, global batch 4) of
// the tiny operator, one worker per rank of 2, a checkpoint after every
// batch.
func mpiSettings(epochs int) *Settings {
	s := tinySettings(epochs)
	s.CheckpointBatches = 1
	return s
}

func mpiData() *memData { return newMemData(3, 1, 1, 4) }

// mpiChild is the body of a rank: train epochs epochs into dir; with die,
// rank 1 exits without a word in its 5th step (the second of epoch 2).
func mpiChild(dir string, epochs int, die bool) {
	c, err := mpi.Init()
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	var comm Comm = c
	if die && c.Rank() == 1 {
		comm = &dyingComm{Comm: c, left: 5}
	}
	if _, err := TrainRanks(context.Background(), comm, mpiData(), dir, mpiSettings(epochs), nil); err != nil {
		fmt.Printf("rank %d: %v\n", c.Rank(), err)
		c.Abort(1)
	}
	fmt.Printf("rank %d of %d: trained\n", c.Rank(), c.Size())
	c.Finalize()
	os.Exit(0)
}

// dyingComm exits the process at its left-th sum of a loss (one per
// step), as a rank killed there.
type dyingComm struct {
	Comm
	left int
}

func (c *dyingComm) SumFloat64(buf []float64) error {
	if c.left--; c.left <= 0 {
		os.Exit(3)
	}
	return c.Comm.SumFloat64(buf)
}

// mpirun runs this test in 2 ranks with env set and returns the output.
func mpirun(t *testing.T, test string, env ...string) (string, error) {
	t.Helper()
	cmd, err := mpi.Command(2, os.Args[0], "-test.run=^"+test+"$")
	if err != nil {
		t.Skip(err)
	}
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = time.Second
	timer := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
	defer timer.Stop()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestMPITrain trains 3 steps (one epoch) in 2 MPI ranks of one worker and
// compares the run, bit for bit, with one process of 2 workers; then
// resumes the 2-rank run in one process for a second epoch and compares it
// with 2 epochs in one process.
func TestMPITrain(t *testing.T) {
	if dir := os.Getenv(mpiChildVar); dir != "" {
		mpiChild(dir, 1, false)
	}
	base := t.TempDir()
	got := filepath.Join(base, "mpi")
	out, err := mpirun(t, "TestMPITrain", mpiChildVar+"="+got)
	if err != nil {
		t.Fatalf("mpirun: %v\n%s", err, out)
	}
	if n := strings.Count(out, "trained"); n != 2 {
		t.Fatalf("%d ranks finished, want 2:\n%s", n, out)
	}
	one := filepath.Join(base, "one")
	mustTrain(t, context.Background(), mpiData(), one, mpiSettings(1), nil)
	compareRuns(t, "2 ranks against 1 process", readRun(t, got), readRun(t, one))

	mustTrain(t, context.Background(), mpiData(), got, mpiSettings(2), nil)
	mustTrain(t, context.Background(), mpiData(), one, mpiSettings(2), nil)
	compareRuns(t, "2 ranks resumed in 1 process", readRun(t, got), readRun(t, one))
}

// TestMPIRankDies lets rank 1 die in the second step of epoch 2: mpirun
// must end the job with an error (rank 0 is not left waiting), and the run
// resumed from its last checkpoint in one process must end as an
// uninterrupted one.
func TestMPIRankDies(t *testing.T) {
	if dir := os.Getenv(mpiChildVar); dir != "" {
		mpiChild(dir, 2, true)
	}
	dir := filepath.Join(t.TempDir(), "mpi")
	start := time.Now()
	out, err := mpirun(t, "TestMPIRankDies", mpiChildVar+"="+dir)
	if err == nil {
		t.Fatalf("mpirun succeeded although rank 1 died:\n%s", out)
	}
	t.Logf("mpirun ended after %v: %v", time.Since(start).Round(time.Millisecond), err)
	st, _, cerr := readCheckpoint(filepath.Join(dir, CheckpointName))
	if cerr != nil {
		t.Fatalf("no checkpoint after the failure: %v\n%s", cerr, out)
	}
	if st.Epoch != 2 || st.Batch != 1 {
		t.Errorf("checkpoint at epoch %d, batch %d; want epoch 2, batch 1 (the last step both ranks finished)", st.Epoch, st.Batch)
	}
	res := mustTrain(t, context.Background(), mpiData(), dir, mpiSettings(2), nil)
	if !res.Resumed {
		t.Error("not resumed")
	}
	whole := filepath.Join(t.TempDir(), "whole")
	mustTrain(t, context.Background(), mpiData(), whole, mpiSettings(2), nil)
	compareRuns(t, "died and resumed", readRun(t, dir), readRun(t, whole))
}
