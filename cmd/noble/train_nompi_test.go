//go:build !mpi

package main

import (
	"errors"
	"testing"

	"github.com/noble-neuro/noble/internal/mpi"
)

// TestTrainNoMPI checks that a binary built without MPI refuses to train
// when an MPI launcher started it, instead of training alone in every rank.
func TestTrainNoMPI(t *testing.T) {
	t.Setenv("OMPI_COMM_WORLD_SIZE", "2")
	_, err := runTrainCmd("--data", t.TempDir(), "--out", t.TempDir())
	if !errors.Is(err, mpi.ErrNoMPI) {
		t.Errorf("noble train under mpirun, built without MPI: error %v, want mpi.ErrNoMPI", err)
	}
}
