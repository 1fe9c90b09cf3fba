// Package mpi binds the few MPI calls that data-parallel training needs:
// initialisation, rank and size, a sum over ranks in a fixed order, and
// abort.
//
//	if mpi.Launched() { // started by mpirun or srun
//		c, err := mpi.Init()
//		if err != nil { ... }       // ErrNoMPI in the default build
//		defer c.Finalize()
//		err = c.SumFloat32(grad)     // every rank: Σ over ranks, in rank order
//	}
//
// The binding is cgo against the MPI library (Open MPI or MPICH: mpi.h
// and libmpi through pkg-config "ompi-c", or CGO_CFLAGS/CGO_LDFLAGS) and
// is compiled only with the build tag mpi:
//
//	go build -tags mpi ./cmd/noble
//
// The default build has a stub whose Init returns ErrNoMPI, so that a
// binary built without MPI and started by mpirun refuses to run rather
// than let every rank train alone into the same directory.
//
// # Summation order
//
// MPI_Allreduce leaves the order of its floating-point sums to the
// library (it depends on the algorithm it picks for the message size and
// the number of ranks), so its result can change with the job's layout.
// SumFloat32 and SumFloat64 instead fix it: the vector is cut into one
// contiguous segment per rank (Segment); MPI_Alltoallv sends segment s of
// every rank to rank s, which adds the contributions in rank order
// starting from zero, ((0 + x₀) + x₁) + … + x_{N−1}, element by element;
// MPI_Allgatherv then gives every rank the whole sum. This is the
// reduce-scatter plus allgather form of a ring allreduce: each rank sends
// and receives 2(N−1)/N of the vector, as a ring does (there in 2(N−1)
// steps, here in 2(N−1) messages per rank), so it costs the same
// bandwidth, plus one pass adding the received segments, and keeps the
// result a function of the inputs alone. It holds one vector of
// scratch per Comm.
//
// # Failure
//
// The library's default error handler (MPI_ERRORS_ARE_FATAL) is kept: a
// failed call aborts the job. A rank that returns an error calls Abort,
// and a rank that dies is seen by mpirun (or srun), which terminates the
// others; no rank waits forever in a collective for a dead peer.
package mpi
