//go:build !mpi

package mpi

import (
	"errors"
	"testing"
)

func TestStubInit(t *testing.T) {
	t.Parallel()
	if _, err := Init(); !errors.Is(err, ErrNoMPI) {
		t.Errorf("Init() error = %v, want ErrNoMPI", err)
	}
}
