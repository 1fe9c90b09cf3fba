package fno

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestPredictChunks(t *testing.T) {
	t.Parallel()
	m, err := New(smallConfig(), 9)
	if err != nil {
		t.Fatal(err)
	}
	const b, l = 5, 33
	x := make([]float32, b*23*l)
	for i := range x {
		x[i] = float32(math.Cos(float64(i) * 0.11))
	}
	want := m.Forward(nil, x, b, l)
	for _, chunk := range []int{0, 1, 2, 5, 9} {
		var calls []int
		got, err := m.Predict(context.Background(), nil, x, b, l, chunk, func(done int) { calls = append(calls, done) })
		if err != nil {
			t.Fatal(err)
		}
		// The engine's summation order may depend on the batch size: equal
		// to float32 rounding (a few ulps through the layers).
		for i := range want {
			if d := math.Abs(float64(got[i] - want[i])); d > 1e-6*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("chunk %d: y[%d] = %g, want %g", chunk, i, got[i], want[i])
			}
		}
		if calls[len(calls)-1] != b {
			t.Errorf("chunk %d: progress calls %v, want the last to be %d", chunk, calls, b)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Predict(ctx, nil, x, b, l, 1, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Predict with a cancelled context: %v", err)
	}
}

func TestCheckInput(t *testing.T) {
	t.Parallel()
	m, _ := New(smallConfig(), 9)
	x := make([]float32, 2*23*4)
	x[1*23*4+22*4+3] = float32(math.Inf(-1))
	tests := []struct {
		shape []int
		x     []float32
		want  string
	}{
		{[]int{2, 23}, x, "rank 2, want 3"},
		{[]int{2, 22, 4}, x, "22 channels, the model takes 23"},
		{[]int{0, 23, 4}, nil, "is empty"},
		{[]int{2, 23, 5}, x, "184 values for shape [2 23 5]"},
		{[]int{2, 23, 4}, x, "x[1, 22, 3] is -Inf"},
	}
	for _, tc := range tests {
		_, _, err := m.CheckInput(tc.shape, tc.x)
		if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CheckInput(%v) = %v, want ErrInput containing %q", tc.shape, err, tc.want)
		}
	}
	x[1*23*4+22*4+3] = 0
	if b, l, err := m.CheckInput([]int{2, 23, 4}, x); b != 2 || l != 4 || err != nil {
		t.Errorf("CheckInput(valid) = %d, %d, %v", b, l, err)
	}
}
