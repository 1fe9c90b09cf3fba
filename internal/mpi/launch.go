package mpi

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
)

// ErrNoMPI is returned by Init in a binary built without the mpi tag.
var ErrNoMPI = errors.New("mpi: built without MPI (build with: go build -tags mpi)")

// launchVars are environment variables that MPI launchers set in every
// rank: Open MPI's mpirun, PMIx (Open MPI 5, srun --mpi=pmix) and PMI-1/2
// (MPICH's hydra, srun --mpi=pmi2).
var launchVars = []string{"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"}

// Launched reports whether this process was started by an MPI launcher
// (mpirun, mpiexec, srun with an MPI plugin), judged by its environment.
// A process started otherwise is a lone process, which need not call Init.
func Launched() bool {
	for _, v := range launchVars {
		if os.Getenv(v) != "" {
			return true
		}
	}
	return false
}

// Segment returns the part [lo, hi) of an n-element vector that rank r of
// size owns in a sum: contiguous parts in rank order whose lengths differ
// by at most one. It panics unless 0 ≤ r < size.
func Segment(n, r, size int) (lo, hi int) {
	if r < 0 || r >= size {
		panic(fmt.Sprintf("mpi: rank %d of %d", r, size))
	}
	return r * n / size, (r + 1) * n / size
}

// sumInOrder writes into dst the element-wise sum of the size
// contributions held in src back to back (len(dst) each), added in order
// starting from zero: ((0 + src₀) + src₁) + …. It is the one place where
// the order of a sum over ranks is decided.
func sumInOrder[T float32 | float64](dst, src []T, size int) {
	n := len(dst)
	clear(dst)
	for s := range size {
		for i, v := range src[s*n : (s+1)*n] {
			dst[i] += v
		}
	}
}

// Command returns the command that runs name with args in np ranks on this
// machine with Open MPI's mpirun, for tests and benchmarks: more ranks than
// cores are allowed (--oversubscribe), the ranks talk through shared
// memory (--mca btl self,vader: without it Open MPI 4 also probes the
// network interfaces, which in containers warns or hangs), and root may
// run it (--allow-run-as-root, as in CI containers). It returns an error
// saying so if mpirun is not on PATH.
func Command(np int, name string, args ...string) (*exec.Cmd, error) {
	mpirun, err := exec.LookPath("mpirun")
	if err != nil {
		return nil, fmt.Errorf("mpi: mpirun not found (Debian: apt-get install openmpi-bin libopenmpi-dev): %w", err)
	}
	a := []string{"-np", fmt.Sprint(np), "--oversubscribe", "--mca", "btl", "self,vader"}
	if os.Geteuid() == 0 {
		a = append(a, "--allow-run-as-root")
	}
	a = append(a, name)
	a = append(a, args...)
	return exec.Command(mpirun, a...), nil
}
