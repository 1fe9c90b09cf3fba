//go:build mpi

package mpi

/*
#cgo pkg-config: ompi-c
#include <mpi.h>

// MPI_COMM_WORLD, MPI_FLOAT and MPI_DOUBLE are macros that cgo cannot
// always evaluate (Open MPI defines them as addresses of globals).
static MPI_Comm world(void) { return MPI_COMM_WORLD; }
static MPI_Datatype f32(void) { return MPI_FLOAT; }
static MPI_Datatype f64(void) { return MPI_DOUBLE; }

// MPI_IN_PLACE is a small integer cast to a pointer ((void *)1 in Open
// MPI), which Go must never hold in a pointer variable (the runtime throws
// "invalid pointer found on stack" when it moves the stack): the in-place
// calls take it here, on the C side.
static int allgatherv_in_place(void *buf, const int *counts, const int *displs, MPI_Datatype t) {
	return MPI_Allgatherv(MPI_IN_PLACE, 0, t, buf, counts, displs, t, MPI_COMM_WORLD);
}
static int allreduce_sum_in_place(void *buf, int n, MPI_Datatype t) {
	return MPI_Allreduce(MPI_IN_PLACE, buf, n, t, MPI_SUM, MPI_COMM_WORLD);
}
static int thread_serialized(void) { return MPI_THREAD_SERIALIZED; }
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"
)

// Comm is the world communicator of an MPI job. Its methods may be called
// from any goroutine, one at a time (they hold a lock: the library is
// initialised with MPI_THREAD_SERIALIZED, since goroutines move between
// threads).
type Comm struct {
	mu         sync.Mutex
	rank, size int
	counts     []C.int // per rank: segment length
	displs     []C.int // per rank: segment start
	rcounts    []C.int // per rank: this rank's segment length
	rdispls    []C.int // per rank: where its contribution lands in scratch
	scratch32  []float32
	scratch64  []float64
	finalized  bool
}

var initOnce struct {
	sync.Mutex
	c *Comm
}

// Init initialises MPI (once per process; later calls return the same
// Comm) and returns the world communicator.
func Init() (*Comm, error) {
	initOnce.Lock()
	defer initOnce.Unlock()
	if initOnce.c != nil {
		return initOnce.c, nil
	}
	var provided C.int
	if rc := C.MPI_Init_thread(nil, nil, C.thread_serialized(), &provided); rc != C.MPI_SUCCESS {
		return nil, errorf("MPI_Init_thread", rc)
	}
	if provided < C.thread_serialized() {
		return nil, fmt.Errorf("mpi: the library provides thread level %d, noble needs MPI_THREAD_SERIALIZED (%d)", provided, C.thread_serialized())
	}
	var rank, size C.int
	C.MPI_Comm_rank(C.world(), &rank)
	C.MPI_Comm_size(C.world(), &size)
	c := &Comm{rank: int(rank), size: int(size)}
	n := c.size
	c.counts, c.displs = make([]C.int, n), make([]C.int, n)
	c.rcounts, c.rdispls = make([]C.int, n), make([]C.int, n)
	initOnce.c = c
	return c, nil
}

// Rank returns this process's rank, 0 … Size()−1.
func (c *Comm) Rank() int { return c.rank }

// Size returns the number of ranks.
func (c *Comm) Size() int { return c.size }

// SumFloat32 replaces buf, on every rank, with the element-wise sum over
// the ranks of their buf, added in rank order from zero (see the package
// documentation). Every rank must call it with the same len(buf). After
// the first call at a given length it does not allocate.
func (c *Comm) SumFloat32(buf []float32) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := len(buf) + c.size; cap(c.scratch32) < n {
		c.scratch32 = make([]float32, n)
	}
	return sum(c, buf, c.scratch32, C.f32())
}

// SumFloat64 is SumFloat32 on float64 values.
func (c *Comm) SumFloat64(buf []float64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := len(buf) + c.size; cap(c.scratch64) < n {
		c.scratch64 = make([]float64, n)
	}
	return sum(c, buf, c.scratch64, C.f64())
}

// sum is the reduce-scatter (MPI_Alltoallv, then a sum in rank order) and
// allgather (MPI_Allgatherv in place) of the package documentation.
// scratch receives the size contributions to this rank's segment, back to
// back: at most len(buf) + size elements (segments differ by one).
func sum[T float32 | float64](c *Comm, buf, scratch []T, typ C.MPI_Datatype) error {
	n := len(buf)
	if n == 0 {
		return nil
	}
	lo, hi := Segment(n, c.rank, c.size)
	for s := range c.size {
		slo, shi := Segment(n, s, c.size)
		c.counts[s], c.displs[s] = C.int(shi-slo), C.int(slo)
		c.rcounts[s], c.rdispls[s] = C.int(hi-lo), C.int(s*(hi-lo))
	}
	mine := scratch[:c.size*(hi-lo)]
	var rp unsafe.Pointer
	if len(mine) > 0 {
		rp = unsafe.Pointer(&mine[0])
	}
	if rc := C.MPI_Alltoallv(unsafe.Pointer(&buf[0]), &c.counts[0], &c.displs[0], typ,
		rp, &c.rcounts[0], &c.rdispls[0], typ, C.world()); rc != C.MPI_SUCCESS {
		return errorf("MPI_Alltoallv", rc)
	}
	sumInOrder(buf[lo:hi], mine, c.size)
	if rc := C.allgatherv_in_place(unsafe.Pointer(&buf[0]), &c.counts[0], &c.displs[0], typ); rc != C.MPI_SUCCESS {
		return errorf("MPI_Allgatherv", rc)
	}
	return nil
}

// allreduce is MPI_Allreduce(MPI_SUM) in place, whose order of summation
// the library chooses: the benchmarks' baseline for sum.
func (c *Comm) allreduce(buf []float32) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if rc := C.allreduce_sum_in_place(unsafe.Pointer(&buf[0]), C.int(len(buf)), C.f32()); rc != C.MPI_SUCCESS {
		return errorf("MPI_Allreduce", rc)
	}
	return nil
}

// Abort ends every rank of the job with exit code code (MPI_Abort); it
// does not return.
func (c *Comm) Abort(code int) {
	C.MPI_Abort(C.world(), C.int(code))
}

// Finalize shuts MPI down (MPI_Finalize). Every rank must call it, after
// its last collective, before it exits normally; a rank that fails calls
// Abort instead. Later calls do nothing.
func (c *Comm) Finalize() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.finalized {
		return nil
	}
	c.finalized = true
	if rc := C.MPI_Finalize(); rc != C.MPI_SUCCESS {
		return errorf("MPI_Finalize", rc)
	}
	return nil
}

// errorf describes the error code rc of an MPI call.
func errorf(call string, rc C.int) error {
	var buf [C.MPI_MAX_ERROR_STRING]C.char
	var n C.int
	C.MPI_Error_string(rc, &buf[0], &n)
	return fmt.Errorf("mpi: %s: %s", call, C.GoStringN(&buf[0], n))
}
