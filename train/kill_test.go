package train

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// killSettings is a run long enough (≈ 1 s) to be killed in the middle.
func killSettings() *Settings {
	s := tinySettings(40)
	s.CheckpointBatches = 3
	return s
}

// TestKill9 runs training in a child process (this test binary), kills it
// with SIGKILL while it trains, resumes the run here and checks that it ends
// bit for bit as an uninterrupted run.
func TestKill9(t *testing.T) {
	if dir := os.Getenv("NOBLE_TRAIN_KILL_CHILD"); dir != "" {
		Train(context.Background(), newMemData(5, 1, 1, 6), dir, killSettings(), nil)
		os.Exit(0)
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	base := t.TempDir()
	want := filepath.Join(base, "whole")
	mustTrain(t, context.Background(), newMemData(5, 1, 1, 6), want, killSettings(), nil)

	got := filepath.Join(base, "killed")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill9$")
	cmd.Env = append(os.Environ(), "NOBLE_TRAIN_KILL_CHILD="+got)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, _, err := readCheckpoint(filepath.Join(got, CheckpointName))
		if err == nil && st.Epoch >= 3 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the child wrote no checkpoint of epoch 3 in 20 s")
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(37 * time.Millisecond) // land somewhere in an epoch
	cmd.Process.Kill()
	cmd.Wait()
	st, _, err := readCheckpoint(filepath.Join(got, CheckpointName))
	if err != nil {
		t.Fatal(err)
	}
	if st.Epoch > killSettings().Epochs {
		t.Skip("the child finished before it was killed")
	}
	t.Logf("killed at epoch %d, batch %d", st.Epoch, st.Batch)
	res := mustTrain(t, context.Background(), newMemData(5, 1, 1, 6), got, killSettings(), nil)
	if !res.Resumed {
		t.Error("not resumed")
	}
	compareRuns(t, "killed and resumed", readRun(t, got), readRun(t, want))
}
