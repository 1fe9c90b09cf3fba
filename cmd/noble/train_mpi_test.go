//go:build mpi

package main

import (
	"bytes"
	"context"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/noble-neuro/noble/internal/cli"
	"github.com/noble-neuro/noble/internal/mpi"
	"github.com/noble-neuro/noble/train"
)

// TestTrainMPI runs "noble train" in 2 MPI ranks of one worker each and in
// one process of 2 workers: the best models must be the same bytes, rank 0
// alone prints the result, and it reports the time per step.
func TestTrainMPI(t *testing.T) {
	if args := os.Getenv("NOBLE_CMD_MPI_CHILD"); args != "" {
		err := runIO(context.Background(), strings.Split(args, "\x1f"), os.Stdout, os.Stderr)
		os.Exit(cli.ExitCode(err))
	}
	data := trainDataset(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "tiny.json")
	os.WriteFile(cfg, []byte(`{"preset":"cpu","batch_size":4,"model":{"width":4,"layers":2,"modes":4,"lifting_channels":4,"projection_channels":4,"mlp_hidden":2}}`), 0o644)
	args := func(out string) []string {
		return []string{"train", "--data", data, "--out", out, "--config", cfg, "--epochs", "2", "--workers", "2"}
	}
	ranks := filepath.Join(dir, "ranks")
	cmd, err := mpi.Command(2, os.Args[0], "-test.run=^TestTrainMPI$")
	if err != nil {
		t.Skip(err)
	}
	cmd.Env = append(os.Environ(), "NOBLE_CMD_MPI_CHILD="+strings.Join(args(ranks), "\x1f"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	timer := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
	err = cmd.Run()
	timer.Stop()
	if err != nil {
		t.Fatalf("mpirun: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	if n := strings.Count(stdout.String(), train.ModelName); n != 1 {
		t.Errorf("the result is printed %d times, want once (rank 0):\n%s", n, &stdout)
	}
	if !strings.Contains(stderr.String(), "2 ranks: 4 steps") {
		t.Errorf("no step-time summary of 2 ranks and 4 steps on stderr:\n%s", &stderr)
	}
	one := filepath.Join(dir, "one")
	if msg, err := runTrainCmd(args(one)[1:]...); err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	a, _ := os.ReadFile(filepath.Join(ranks, train.ModelName))
	b, _ := os.ReadFile(filepath.Join(one, train.ModelName))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("model.safetensors of 2 ranks (%d bytes) differs from one process's (%d bytes)", len(a), len(b))
	}
}

// TestTrainMPIInterrupt sends SIGINT to mpirun during a 2-rank run. Open
// MPI 4's mpirun then sends the ranks SIGTERM, and SIGKILL a second later
// (odls_base_sigkill_timeout): no rank may abort, and the run resumed in
// one process from whichever checkpoint it left must end as the same run
// uninterrupted, to the byte of its best model.
func TestTrainMPIInterrupt(t *testing.T) {
	if args := os.Getenv("NOBLE_CMD_MPI_CHILD"); args != "" {
		// As main: SIGTERM (which mpirun sends on SIGINT) cancels.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := runIO(ctx, strings.Split(args, "\x1f"), os.Stdout, os.Stderr)
		stop()
		os.Exit(cli.ExitCode(err))
	}
	if testing.Short() {
		t.Skip("trains 300 tiny epochs three times")
	}
	data := trainDataset(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "tiny.json")
	os.WriteFile(cfg, []byte(`{"preset":"cpu","batch_size":4,"model":{"width":4,"layers":2,"modes":4,"lifting_channels":4,"projection_channels":4,"mlp_hidden":2}}`), 0o644)
	args := func(out string) []string {
		return []string{"train", "--data", data, "--out", out, "--config", cfg, "--epochs", "300", "--workers", "2"}
	}
	ranks := filepath.Join(dir, "ranks")
	cmd, err := mpi.Command(2, os.Args[0], "-test.run=^TestTrainMPIInterrupt$")
	if err != nil {
		t.Skip(err)
	}
	cmd.Env = append(os.Environ(), "NOBLE_CMD_MPI_CHILD="+strings.Join(args(ranks), "\x1f"))
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if b, _ := os.ReadFile(filepath.Join(ranks, train.MetricsName)); bytes.Count(b, []byte("\n")) >= 5 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("no 5 epochs in 30 s:\n%s", &stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	sent := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	err = cmd.Wait()
	t.Logf("mpirun ended %v after SIGINT: %v", time.Since(sent).Round(time.Millisecond), err)
	// Whether rank 0's last words get through depends on the second
	// mpirun gives; that the ranks stop at one batch is TrainRanks's test.
	out := stderr.String()
	t.Logf("rank 0 reported the interruption: %v", strings.Contains(out, "interrupted; checkpoint written"))
	if strings.Contains(out, " of 2: ") {
		t.Errorf("a rank aborted instead of stopping:\n%s", out)
	}
	if msg, err := runTrainCmd(append(args(ranks)[1:], "--quiet")...); err != nil {
		t.Fatalf("resuming: %v\n%s", err, msg)
	}
	one := filepath.Join(dir, "one")
	if msg, err := runTrainCmd(append(args(one)[1:], "--quiet")...); err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	a, _ := os.ReadFile(filepath.Join(ranks, train.ModelName))
	b, _ := os.ReadFile(filepath.Join(one, train.ModelName))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("model.safetensors of the interrupted run (%d bytes) differs from the uninterrupted one's (%d bytes)", len(a), len(b))
	}
}
