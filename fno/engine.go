package fno

import "fmt"

// workspace holds every buffer of a forward and backward pass at one
// (batch, length); activations are channel-major, [channel][batch][L], so
// that a 1×1 convolution is one matrix product over all positions.
type workspace[T float] struct {
	batch, l, n int // n = batch·l
	train       bool
	dft         dft[T]
	grid        []T
	a0          []T     // [In+1][n] lifting input (with grid channel)
	h0          []T     // [Lift][n] lifting pre-activation
	big         []T     // [max(Lift,Proj)][n] scratch
	xs          [][]T   // layer inputs [Width][n]: lifting output, then two alternating (see layerIn)
	spec        [][]T   // spectra of the layer inputs [Width][batch][2M]
	h1          [][]T   // x_fno + skip, pre-activation [Width][n]
	mh          [][]T   // channel-MLP hidden pre-activation [Hidden][n]
	z           [][]T   // MLP output + gate skip, pre-activation [Width][n]
	p           []T     // projection hidden pre-activation [Proj][n]
	ys          []T     // mixed spectrum [Width][batch][2M]
	dxs         []T     // spectrum gradient
	wre, wim    []T     // de-interleaved spectral weights of one layer [in][out][M]
	a1, g       []T     // recomputed activations [Width][n], [Hidden][n]
	d1, d2      []T     // gradients [Width][n]
	out         []T     // [Out][n] output before transposition (Out > 1)
	pred        []T     // predictions of a TrainBatch chunk
	help        *helper // nil, or the helper of a lone worker

	// GroupNorm only (Config.GroupNorm). In training z[k] holds the
	// normalized x̂ of the second norm of every layer instead of the
	// pre-activation (which backward recomputes as γ·x̂ + β).
	xh1  [][]T     // x̂ of each layer's first norm [Width][n] (training)
	rstd []float64 // 1/σ per layer slot, norm and sample [slots][2][batch]
	nacc []float64 // backward accumulators of dγ, dβ [2·Width] (training)

	// The fused passes of the pointwise parts (pointForward, pointBack).
	fb  []T       // blocks [3·(Hidden+Width)][min(fuseBlock, n)]
	acc []float64 // pointBack's reductions [3·Width+Hidden] (training)
}

// reset sizes the workspace for (batch, l), keeping buffers when possible.
func (ws *workspace[T]) reset(cfg Config, batch, l int, train bool) {
	if ws.batch == batch && ws.l == l && (ws.train || !train) {
		return
	}
	n := batch * l
	w := cfg.Width
	ws.batch, ws.l, ws.n, ws.train = batch, l, n, train
	ws.dft.reset(l, cfg.Modes, w*batch)
	m := ws.dft.m
	ws.grid = grow(ws.grid, l)
	linspaceGrid(ws.grid)
	ws.a0 = grow(ws.a0, (cfg.InChannels+1)*n)
	ws.h0 = grow(ws.h0, cfg.LiftingChannels*n)
	nl := 1
	if train {
		nl = cfg.Layers
	}
	ws.xs = growBufs(ws.xs, 3, w*n)
	ws.spec = growBufs(ws.spec, nl, w*batch*2*m)
	ws.h1 = growBufs(ws.h1, nl, w*n)
	ws.mh = growBufs(ws.mh, nl, cfg.MLPHidden*n)
	ws.p = grow(ws.p, cfg.ProjectionChannels*n)
	ws.ys = grow(ws.ys, w*batch*2*m)
	ws.wre = grow(ws.wre, w*w*m)
	ws.wim = grow(ws.wim, w*w*m)
	if train {
		ws.big = grow(ws.big, max(cfg.LiftingChannels, cfg.ProjectionChannels)*n)
		ws.z = growBufs(ws.z, nl, w*n)
		ws.dxs = grow(ws.dxs, w*batch*2*m)
		ws.a1 = grow(ws.a1, w*n)
		ws.g = grow(ws.g, cfg.MLPHidden*n)
		ws.d1 = grow(ws.d1, w*n)
		ws.d2 = grow(ws.d2, w*n)
		ws.acc = grow(ws.acc, 3*w+cfg.MLPHidden)
	}
	ws.fb = grow(ws.fb, 3*(cfg.MLPHidden+w)*min(fuseBlock, n))
	if cfg.OutChannels > 1 {
		ws.out = grow(ws.out, cfg.OutChannels*n)
	}
	if cfg.GroupNorm {
		ws.rstd = grow(ws.rstd, nl*2*batch)
		if train {
			ws.xh1 = growBufs(ws.xh1, nl, w*n)
			ws.nacc = grow(ws.nacc, 2*w)
		}
	}
}

// rstdOf returns the 1/σ of each sample of norm j (0, 1) of layer slot k.
func (ws *workspace[T]) rstdOf(k, j int) []float64 {
	o := (2*k + j) * ws.batch
	return ws.rstd[o : o+ws.batch]
}

func growBufs[T float](b [][]T, k, n int) [][]T {
	for len(b) < k {
		if len(b) < cap(b) {
			b = b[:len(b)+1] // keep a buffer retained from an earlier reset
		} else {
			b = append(b, nil)
		}
	}
	b = b[:k]
	for i := range b {
		b[i] = grow(b[i], n)
	}
	return b
}

// layerIn returns the buffer holding the input of layer li during the
// forward pass (li = Layers: the input of the projection): the lifting
// output xs[0] for the first layer, then alternately xs[2] and xs[1]. In
// training only the pre-activations z are kept; the backward pass
// recomputes the inputs of layers ≥ 1 as GELU(z).
func (ws *workspace[T]) layerIn(li int) []T {
	if li == 0 {
		return ws.xs[0]
	}
	return ws.xs[1+li%2]
}

// linspaceGrid sets g to torch.linspace(0, 1, L+1)[:-1] as torch computes
// it: step = 1/L, values i·step in the first half and 1 − (L−i)·step in
// the second.
func linspaceGrid[T float](g []T) {
	l := len(g)
	step := T(1) / T(l)
	half := (l + 1) / 2
	for i := range g {
		if i < half {
			g[i] = T(i) * step
		} else {
			g[i] = 1 - T(l-i)*step
		}
	}
}

// bytes reports the memory held by the workspace.
func (ws *workspace[T]) bytes() int {
	var z T
	sz := int(unsafeSizeof(z))
	n := len(ws.grid) + len(ws.a0) + len(ws.h0) + len(ws.big) + len(ws.p) + len(ws.ys) + len(ws.dxs) +
		len(ws.wre) + len(ws.wim) + len(ws.a1) + len(ws.g) + len(ws.d1) + len(ws.d2) + len(ws.out) + len(ws.fb) +
		len(ws.dft.e) + len(ws.dft.o)
	for _, bs := range [][][]T{ws.xs, ws.spec, ws.h1, ws.mh, ws.z, ws.xh1} {
		for _, b := range bs {
			n += len(b)
		}
	}
	return n*sz + 8*(len(ws.rstd)+len(ws.nacc)+len(ws.acc))
}

// forward runs the network on x ([batch][In][L]) into dst ([batch][Out][L]).
// With train it keeps what backward needs.
func (nt *net[T]) forward(ws *workspace[T], dst, x []T, batch, l int, train bool) {
	cfg := nt.cfg
	ws.reset(cfg, batch, l, train)
	ws.dft.help = ws.help
	n, w, m := ws.n, cfg.Width, ws.dft.m
	in := cfg.InChannels
	// Transpose the input to channel-major and append the grid channel.
	for b := range batch {
		for c := range in {
			copy(ws.a0[(c*batch+b)*l:(c*batch+b+1)*l], x[(b*in+c)*l:(b*in+c+1)*l])
		}
		copy(ws.a0[(in*batch+b)*l:(in*batch+b+1)*l], ws.grid)
	}
	// Lifting: conv, GELU, conv.
	post := ws.h0
	if train {
		post = ws.big[:cfg.LiftingChannels*n]
	}
	nt.lift0.applyGelu(ws.help, ws.h0, post, ws.a0, n)
	nt.lift1.apply(ws.help, ws.xs[0], post, n, false)

	invL := T(1) / T(l)
	gn := cfg.GroupNorm
	for li := range nt.layers {
		ly := &nt.layers[li]
		last := li == len(nt.layers)-1
		k := 0 // saved-activation slot
		if train {
			k = li
		}
		xin, xout := ws.layerIn(li), ws.xs[1+(li+1)%2]
		spec, h1, mh := ws.spec[k], ws.h1[k], ws.mh[k]
		// Spectral convolution.
		deinterleave(ws.wre, ws.wim, ly.spec, w, m, cfg.Modes)
		ws.dft.analysis(spec, xin, w*batch, ws.dft.c, ws.dft.s, invL)
		mix(ws.ys, spec, ws.wre, ws.wim, w, batch, m)
		ws.dft.synthesis(h1, ws.ys, w*batch, ws.dft.ca, ws.dft.sa, 1, false, ly.sbias, batch)
		if gn {
			// GroupNorm of the spectral convolution (its bias included).
			xh := h1
			if train {
				xh = ws.xh1[k]
			}
			ly.norm[0].forward(h1, xh, h1, ws.rstdOf(k, 0), batch, l)
		}
		if !gn && ws.help == nil {
			// Skip, GELU, channel MLP, soft gating, GELU: fused, in
			// blocks (the unfused passes below split their products
			// and GELUs with a helper, and take the norms).
			var mhk []T
			zz := xout
			if train {
				mhk = mh
				if !last {
					zz = ws.z[k]
				}
			}
			nt.pointForward(ws, ly, h1, mhk, zz, xout, xin, last)
			continue
		}
		// + linear skip, GELU.
		ly.skip.apply(ws.help, h1, xin, n, true)
		a1 := h1
		if !last {
			if train {
				a1 = ws.a1
			}
			gelu(ws.help, a1, h1)
		}
		// Channel MLP + soft-gating skip, GELU.
		g := mh
		if train {
			g = ws.g
		}
		ly.mlp0.applyGelu(ws.help, mh, g, a1, n)
		zz := xout
		if train && (!last || gn) {
			zz = ws.z[k]
		}
		// z = gate ⊙ x + b (the second MLP bias) + U·g.
		for c := range w {
			axpb(zz[c*n:(c+1)*n], xin[c*n:(c+1)*n], ly.gate[c], ly.mlp1.b[c])
		}
		mm(ws.help, false, false, w, n, cfg.MLPHidden, 1, ly.mlp1.w, cfg.MLPHidden, g, n, 1, zz, n)
		if gn {
			// GroupNorm: x̂ replaces z (kept in training), γ·x̂ + β
			// goes to xout.
			ly.norm[1].forward(xout, zz, zz, ws.rstdOf(k, 1), batch, l)
			zz = xout
		}
		if !last {
			gelu(ws.help, xout, zz)
		}
	}
	// Projection: conv, GELU, conv.
	xl := ws.layerIn(len(nt.layers))
	q := ws.p
	if train {
		q = ws.big[:cfg.ProjectionChannels*n]
	}
	nt.proj0.applyGelu(ws.help, ws.p, q, xl, n)
	out := cfg.OutChannels
	if out == 1 {
		nt.proj1.apply(ws.help, dst, q, n, false)
		return
	}
	nt.proj1.apply(ws.help, ws.out, q, n, false)
	for b := range batch {
		for c := range out {
			copy(dst[(b*out+c)*l:(b*out+c+1)*l], ws.out[(c*batch+b)*l:(c*batch+b+1)*l])
		}
	}
}

// deinterleave copies the first m modes of the interleaved complex weights
// w [in][out][modes][2] into re, im [in][out][m].
func deinterleave[T float](re, im, w []T, width, m, modes int) {
	for io := range width * width {
		src := w[io*modes*2 : io*modes*2+2*m]
		r, i := re[io*m:(io+1)*m], im[io*m:(io+1)*m]
		for k := range r {
			r[k], i[k] = src[2*k], src[2*k+1]
		}
	}
}

// backward accumulates the parameter gradients of the last training
// forward given dy = ∂loss/∂output ([batch][Out][L]).
func (nt *net[T]) backward(ws *workspace[T], dy []T) {
	cfg := nt.cfg
	if !ws.train || ws.n == 0 {
		panic("fno: Backward without a preceding training forward")
	}
	batch, l, n, w, m := ws.batch, ws.l, ws.n, cfg.Width, ws.dft.m
	out := cfg.OutChannels
	if len(dy) != batch*out*l {
		panic(fmt.Sprintf("fno: Backward: len(dy) = %d, want %d", len(dy), batch*out*l))
	}
	dyc := dy
	if out > 1 {
		dyc = ws.out
		for b := range batch {
			for c := range out {
				copy(dyc[(c*batch+b)*l:(c*batch+b+1)*l], dy[(b*out+c)*l:(b*out+c+1)*l])
			}
		}
	}
	// Projection.
	q := ws.big[:cfg.ProjectionChannels*n]
	gelu(ws.help, q, ws.p)
	nt.proj1.backward(ws.help, q, q, dyc, n, false) // dq overwrites q after dW is formed
	geluBack(ws.help, q, ws.p)
	nl := len(nt.layers)
	dout, dxin := ws.d1, ws.d2
	nt.proj0.backward(ws.help, dout, ws.layerIn(nl), q, n, false)

	gn := cfg.GroupNorm
	for li := nl - 1; li >= 0; li-- {
		ly := &nt.layers[li]
		last := li == nl-1
		// z → (GroupNorm →) GELU: without the norm, GELU' is applied in
		// the fused pass (zg).
		dz := dout
		var zg []T
		if gn {
			if !last {
				geluBack(ws.help, dz, ws.xs[2]) // γ·x̂ + β of this layer, from the previous iteration
			}
			ly.norm[1].backward(dz, ws.z[li], ws.rstdOf(li, 1), ws.nacc, batch, l)
		} else if !last {
			zg = ws.z[li]
		}
		// The layer input: GELU(z) of the previous layer, recomputed per
		// block in the fused pass instead of kept; with GroupNorm
		// GELU(γ·x̂ + β), bit for bit as the forward pass computed it,
		// keeping γ·x̂ + β in xs[2] for the next iteration's GELU'.
		var pre []T
		if li > 0 {
			pre = ws.z[li-1]
			if gn {
				pre = ws.xs[2]
				nt.layers[li-1].norm[1].affine(pre, ws.z[li-1], batch, l)
			}
		}
		// Soft gating, channel MLP, linear skip (fused, in blocks): dxin
		// through the gate and the skip, dh1 at the skip's output.
		dh1 := ws.a1
		nt.pointBack(ws, ly, li, dz, dxin, dh1, zg, pre, ws.xs[0], last, !gn)
		if gn {
			// GroupNorm, spectral bias: the bias's gradient is that of
			// the norm's input.
			ly.norm[0].backward(dh1, ws.xh1[li], ws.rstdOf(li, 0), ws.nacc, batch, l)
			for o := range w {
				ly.dsbias[o] += T(sum64(dh1[o*n : (o+1)*n]))
			}
		}
		// Spectral convolution: adjoint of synthesis, mixing, adjoint of analysis.
		deinterleave(ws.wre, ws.wim, ly.spec, w, m, cfg.Modes)
		ws.dft.analysis(ws.ys, dh1, w*batch, ws.dft.ca, ws.dft.sa, 1)
		mixBack(ws.dxs, ly.dspec, ws.ys, ws.spec[li], ws.wre, ws.wim, w, batch, m, cfg.Modes)
		ws.dft.synthesis(dxin, ws.dxs, w*batch, ws.dft.c, ws.dft.s, T(1)/T(l), true, nil, 1)
		dout, dxin = dxin, dout
	}
	// Lifting.
	post := ws.big[:cfg.LiftingChannels*n]
	gelu(ws.help, post, ws.h0)
	nt.lift1.backward(ws.help, post, post, dout, n, false)
	geluBack(ws.help, post, ws.h0)
	nt.lift0.backward(ws.help, nil, ws.a0, post, n, false)
}
