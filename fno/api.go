package fno

import (
	"fmt"
	"unsafe"
)

func unsafeSizeof[T float](z T) uintptr { return unsafe.Sizeof(z) }

func (m *Model) checkIO(dst, x []float32, batch, length int) []float32 {
	cfg := m.cfg
	if batch <= 0 || length <= 0 {
		panic(fmt.Sprintf("fno: batch %d, length %d must be positive", batch, length))
	}
	if len(x) != batch*cfg.InChannels*length {
		panic(fmt.Sprintf("fno: len(x) = %d, want batch·InChannels·length = %d", len(x), batch*cfg.InChannels*length))
	}
	if dst == nil {
		return make([]float32, batch*cfg.OutChannels*length)
	}
	if len(dst) != batch*cfg.OutChannels*length {
		panic(fmt.Sprintf("fno: len(dst) = %d, want %d", len(dst), batch*cfg.OutChannels*length))
	}
	return dst
}

// Forward evaluates the operator on x, float32 [batch, InChannels, length]
// (the input channels without the grid channel, which the model appends as
// torch.linspace(0, 1, length+1)[:-1]), writing [batch, OutChannels,
// length] into dst and returning it. dst nil allocates; a wrong length
// panics. Any length ≥ 1 is exact (no padding); at most Modes Fourier
// modes, and at most length/2+1, are used. Forward keeps no activations
// for Backward (use ForwardTrain); after the first call at a given
// (batch, length) it does not allocate.
func (m *Model) Forward(dst, x []float32, batch, length int) []float32 {
	dst = m.checkIO(dst, x, batch, length)
	if m.ws == nil {
		m.ws = new(workspace[float32])
	}
	m.net.forward(m.ws, dst, x, batch, length, m.ws.train && m.ws.batch == batch && m.ws.l == length)
	return dst
}

// ForwardTrain is Forward keeping the activations that Backward needs
// (TrainBytes(batch, length) bytes of workspace).
func (m *Model) ForwardTrain(dst, x []float32, batch, length int) []float32 {
	dst = m.checkIO(dst, x, batch, length)
	if m.ws == nil {
		m.ws = new(workspace[float32])
	}
	m.net.forward(m.ws, dst, x, batch, length, true)
	return dst
}

// Backward accumulates into Grad the gradient of a loss with respect to
// the parameters, given dy = ∂loss/∂y for the output y of the preceding
// ForwardTrain ([batch, OutChannels, length]). It panics without a
// preceding ForwardTrain or on a wrong length. It does not allocate.
func (m *Model) Backward(dy []float32) {
	if m.ws == nil {
		panic("fno: Backward without a preceding ForwardTrain")
	}
	m.net.backward(m.ws, dy)
}

// WorkspaceBytes reports the memory held by the model's workspace.
func (m *Model) WorkspaceBytes() int {
	if m.ws == nil {
		return 0
	}
	return m.ws.bytes()
}
