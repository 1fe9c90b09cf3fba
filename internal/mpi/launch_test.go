package mpi

import (
	"slices"
	"testing"
)

func TestSegment(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		n, size int
		want    [][2]int
	}{
		{"even", 6, 2, [][2]int{{0, 3}, {3, 6}}},
		{"odd", 7, 3, [][2]int{{0, 2}, {2, 4}, {4, 7}}},
		{"fewer elements than ranks", 2, 3, [][2]int{{0, 0}, {0, 1}, {1, 2}}},
		{"empty", 0, 2, [][2]int{{0, 0}, {0, 0}}},
		{"one rank", 5, 1, [][2]int{{0, 5}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for r, w := range tc.want {
				if lo, hi := Segment(tc.n, r, tc.size); lo != w[0] || hi != w[1] {
					t.Errorf("Segment(%d, %d, %d) = %d, %d, want %d, %d", tc.n, r, tc.size, lo, hi, w[0], w[1])
				}
			}
		})
	}
}

// TestSumInOrder checks the order of the sum on values where it matters in
// float32: 1e8 + 1 rounds back to 1e8 (float32 has 24 bits), so
// ((0 + 1e8) + 1) + (−1e8) is 0, while 1 + (1e8 + (−1e8)) would be 1.
func TestSumInOrder(t *testing.T) {
	t.Parallel()
	src := []float32{1e8, 2, 1, 3, -1e8, 4} // 3 contributions of 2 elements
	dst := make([]float32, 2)
	sumInOrder(dst, src, 3)
	if want := []float32{0, 9}; !slices.Equal(dst, want) {
		t.Errorf("sumInOrder = %v, want %v", dst, want)
	}
}

func TestLaunched(t *testing.T) {
	for _, v := range launchVars {
		t.Setenv(v, "")
	}
	if Launched() {
		t.Error("Launched() = true without launcher variables")
	}
	t.Setenv("OMPI_COMM_WORLD_SIZE", "2")
	if !Launched() {
		t.Error("Launched() = false with OMPI_COMM_WORLD_SIZE set")
	}
}
