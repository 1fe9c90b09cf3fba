package fno

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// ErrInput is wrapped by every error about an operator input array.
var ErrInput = errors.New("fno: invalid input")

// CheckInput validates an input array of the given shape for m: rank 3,
// [batch, InChannels, length] with batch, length ≥ 1, len(x) matching, and
// every value finite. It returns batch and length; errors wrap ErrInput and
// name the offending dimension or the [sample, channel, index] of the first
// non-finite value.
func (m *Model) CheckInput(shape []int, x []float32) (batch, length int, err error) {
	in := m.cfg.InChannels
	if len(shape) != 3 {
		return 0, 0, fmt.Errorf("%w: shape %v has rank %d, want 3: [batch, %d channels, length]", ErrInput, shape, len(shape), in)
	}
	if shape[1] != in {
		return 0, 0, fmt.Errorf("%w: shape %v has %d channels, the model takes %d", ErrInput, shape, shape[1], in)
	}
	if shape[0] < 1 || shape[2] < 1 {
		return 0, 0, fmt.Errorf("%w: shape %v is empty", ErrInput, shape)
	}
	if len(x) != shape[0]*shape[1]*shape[2] {
		return 0, 0, fmt.Errorf("%w: %d values for shape %v", ErrInput, len(x), shape)
	}
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			b, r := i/(in*shape[2]), i%(in*shape[2])
			return 0, 0, fmt.Errorf("%w: x[%d, %d, %d] is %v", ErrInput, b, r/shape[2], r%shape[2], v)
		}
	}
	return shape[0], shape[2], nil
}

// Predict evaluates the operator on x ([batch, InChannels, length]) in
// chunks of at most chunk samples (chunk ≤ 0 means all at once), writing
// [batch, OutChannels, length] into dst (nil allocates) and returning it.
// ctx is checked between chunks; progress, if not nil, is called with the
// number of samples done after each chunk. Inputs are not checked (see
// CheckInput); wrong lengths panic, as in Forward. The chunk size changes
// the output only by float32 rounding (the engine's summation order may
// depend on the batch size).
func (m *Model) Predict(ctx context.Context, dst, x []float32, batch, length, chunk int, progress func(done int)) ([]float32, error) {
	in, out := m.cfg.InChannels*length, m.cfg.OutChannels*length
	if dst == nil {
		dst = make([]float32, batch*out)
	}
	if chunk <= 0 || chunk > batch {
		chunk = batch
	}
	for b := 0; b < batch; b += chunk {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := min(chunk, batch-b)
		m.Forward(dst[b*out:(b+n)*out], x[b*in:(b+n)*in], n, length)
		if progress != nil {
			progress(b + n)
		}
	}
	return dst, nil
}
