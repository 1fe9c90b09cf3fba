//go:build mpi

package mpi

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// childVar marks a test binary started by mpirun as one rank of a test.
const childVar = "NOBLE_MPI_TEST_CHILD"

// runRanks runs the test named test of this binary in np ranks under
// mpirun and returns its combined output. It skips the test when mpirun is
// absent.
func runRanks(t *testing.T, np int, test string, timeout time.Duration) (string, error) {
	t.Helper()
	cmd, err := Command(np, os.Args[0], "-test.run=^"+test+"$", "-test.v")
	if err != nil {
		t.Skip(err)
	}
	cmd.Env = append(os.Environ(), childVar+"=1")
	cmd.WaitDelay = time.Second
	done := make(chan struct{})
	timer := time.AfterFunc(timeout, func() {
		cmd.Process.Kill()
		close(done)
	})
	out, err := cmd.CombinedOutput()
	if !timer.Stop() {
		<-done
		return string(out), fmt.Errorf("mpirun did not end in %v", timeout)
	}
	return string(out), err
}

// input is rank r's contribution to element i: values whose float32 sum
// depends on the order of the ranks (large, small and cancelling terms).
func input(r, i int) float64 {
	switch (r + i) % 3 {
	case 0:
		return 1e8 + float64(i)
	case 1:
		return float64(r+1) / 3
	}
	return -1e8 - float64(r)
}

// TestSum sums known vectors of several lengths (none, fewer elements
// than ranks, uneven segments, a large one) in 2 and 3 ranks; each rank
// checks its result against the sum in rank order computed locally.
func TestSum(t *testing.T) {
	if os.Getenv(childVar) != "" {
		sumChild()
		return
	}
	for _, np := range []int{2, 3} {
		out, err := runRanks(t, np, "TestSum", 60*time.Second)
		if err != nil {
			t.Fatalf("mpirun -np %d: %v\n%s", np, err, out)
		}
		if got := strings.Count(out, "sum ok"); got != np {
			t.Errorf("mpirun -np %d: %d ranks reported success, want %d:\n%s", np, got, np, out)
		}
	}
}

func sumChild() {
	c, err := Init()
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fail := func(format string, args ...any) {
		fmt.Printf("rank %d: "+format+"\n", append([]any{c.Rank()}, args...)...)
		c.Abort(1)
	}
	for _, n := range []int{0, 1, 7, 1000, 1 << 20} {
		b32 := make([]float32, n)
		b64 := make([]float64, n)
		want32 := make([]float32, n)
		want64 := make([]float64, n)
		for i := range n {
			b32[i], b64[i] = float32(input(c.Rank(), i)), input(c.Rank(), i)
			for r := range c.Size() {
				want32[i] += float32(input(r, i))
				want64[i] += input(r, i)
			}
		}
		if err := c.SumFloat32(b32); err != nil {
			fail("%v", err)
		}
		if err := c.SumFloat64(b64); err != nil {
			fail("%v", err)
		}
		for i := range n {
			if b32[i] != want32[i] || b64[i] != want64[i] {
				fail("n %d: element %d = %g, %g, want %g, %g", n, i, b32[i], b64[i], want32[i], want64[i])
			}
		}
	}
	fmt.Printf("rank %d of %d: sum ok\n", c.Rank(), c.Size())
	if err := c.Finalize(); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	os.Exit(0)
}

// TestRankDeath kills rank 1 while rank 0 waits for it in a sum: mpirun
// must end the job, with an error, rather than leave rank 0 waiting.
func TestRankDeath(t *testing.T) {
	if os.Getenv(childVar) != "" {
		c, err := Init()
		if err != nil {
			os.Exit(1)
		}
		if c.Rank() == 1 {
			time.Sleep(200 * time.Millisecond)
			os.Exit(3) // dies without MPI_Finalize, as a killed rank
		}
		c.SumFloat32(make([]float32, 10))
		fmt.Println("rank 0: the sum returned")
		os.Exit(0)
	}
	start := time.Now()
	out, err := runRanks(t, 2, "TestRankDeath", 60*time.Second)
	if err == nil {
		t.Fatalf("mpirun succeeded although rank 1 died:\n%s", out)
	}
	if _, ok := err.(*exec.ExitError); !ok {
		t.Fatalf("mpirun: %v\n%s", err, out)
	}
	if strings.Contains(out, "the sum returned") {
		t.Errorf("rank 0's sum returned without rank 1:\n%s", out)
	}
	t.Logf("mpirun ended in %v: %v", time.Since(start).Round(time.Millisecond), err)
}

// BenchmarkSum sums 1.8 M float32 (7.2 MB, the gradient of the published
// operator) over the ranks, in rank order (SumFloat32) and with the
// library's MPI_Allreduce, each after a barrier. Run it under mpirun with
// a fixed count, the same in every rank:
//
//	go test -tags mpi -c -o mpi.test ./internal/mpi
//	mpirun -np 2 ./mpi.test -test.run='^$' -test.bench=Sum -test.benchtime=20x
func BenchmarkSum(b *testing.B) {
	if !Launched() {
		b.Skip("run under mpirun")
	}
	c, err := Init()
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]float32, 1_800_000)
	barrier := make([]float64, 1)
	for _, bc := range []struct {
		name string
		sum  func([]float32) error
	}{{"rank-order", c.SumFloat32}, {"MPI_Allreduce", c.allreduce}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(4 * len(buf)))
			var spent time.Duration
			for range b.N {
				c.SumFloat64(barrier)
				t := time.Now()
				if err := bc.sum(buf); err != nil {
					b.Fatal(err)
				}
				spent += time.Since(t)
			}
			b.ReportMetric(float64(spent.Microseconds())/1e3/float64(b.N), "ms/sum")
		})
	}
}
