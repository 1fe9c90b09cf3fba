//go:build !mpi

package mpi

// Comm is the world communicator. The default build has none: see Init.
type Comm struct{}

// Init returns ErrNoMPI: the binary was built without the mpi tag.
func Init() (*Comm, error) { return nil, ErrNoMPI }

// Rank returns 0.
func (c *Comm) Rank() int { return 0 }

// Size returns 1.
func (c *Comm) Size() int { return 1 }

// SumFloat32 returns ErrNoMPI.
func (c *Comm) SumFloat32(buf []float32) error { return ErrNoMPI }

// SumFloat64 returns ErrNoMPI.
func (c *Comm) SumFloat64(buf []float64) error { return ErrNoMPI }

// Abort does nothing.
func (c *Comm) Abort(code int) {}

// Finalize returns nil.
func (c *Comm) Finalize() error { return nil }
