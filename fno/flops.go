package fno

// FLOPs returns the floating-point operations per trace of a forward pass
// and of a backward pass at the given length, counting a multiply-add as 2
// and only the matrix products and the spectral mixing (the elementwise
// work — GELU, folding, bias — is O(channels·L) and left out):
//
//   - 1×1 convolution in→out: 2·in·out·L forward; backward 2·in·out·L for
//     the weight gradient and as much for the input gradient (except the
//     first lifting convolution, whose input needs no gradient);
//   - folded truncated DFT of one channel to M modes: 2·(nE + H)·M ≈ L·M,
//     both directions (H = ⌊(L−1)/2⌋, nE = H+1, +1 if L is even); backward
//     applies both adjoints again;
//   - complex mixing: 8·Width²·M forward, twice that backward;
//   - with GroupNorm, although elementwise, its two norms per layer:
//     14·Width·L forward (per norm and value: the sums of x and x², x̂ and
//     γ·x̂ + β, 7) and 16·Width·L backward (the sums of d and d·x̂ and
//     d = a·d + b·x̂ + c, 7 per norm, plus the second norm's γ·x̂ + β
//     recomputed, 2).
func (c Config) FLOPs(length int) (forward, backward float64) {
	l := float64(length)
	m := float64(min(c.Modes, length/2+1))
	h := float64((length - 1) / 2)
	ne := h + 1
	if length%2 == 0 {
		ne++
	}
	w := float64(c.Width)
	convs := []struct {
		in, out float64
		dx      bool
	}{
		{float64(c.InChannels + 1), float64(c.LiftingChannels), false},
		{float64(c.LiftingChannels), w, true},
		{w, float64(c.ProjectionChannels), true},
		{float64(c.ProjectionChannels), float64(c.OutChannels), true},
	}
	for range c.Layers {
		convs = append(convs,
			struct {
				in, out float64
				dx      bool
			}{w, w, true},
			struct {
				in, out float64
				dx      bool
			}{w, float64(c.MLPHidden), true},
			struct {
				in, out float64
				dx      bool
			}{float64(c.MLPHidden), w, true})
	}
	for _, cv := range convs {
		f := 2 * cv.in * cv.out * l
		forward += f
		backward += f
		if cv.dx {
			backward += f
		}
	}
	dftOne := 2 * (ne + h) * m * w // one direction, all channels
	mix := 8 * w * w * m
	layers := float64(c.Layers)
	forward += layers * (2*dftOne + mix)
	backward += layers * (2*dftOne + 2*mix)
	if c.GroupNorm {
		forward += layers * 14 * w * l
		backward += layers * 16 * w * l
	}
	return forward, backward
}
