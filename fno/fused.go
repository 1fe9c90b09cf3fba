package fno

import (
	"unsafe"

	"github.com/noble-neuro/noble/internal/kernels"
)

// fuseBlock is the number of positions (columns of the channel-major
// activations) the fused backward pass of a layer's pointwise part treats
// at a time: a block of every buffer the pass touches (about 250 rows of
// 512 values, 0.5 MB) stays in the L2 cache between the pass's steps.
// Measured (BenchmarkPointBack, CPU time): 256 to 2048 perform alike.
const fuseBlock = 512

// pointBack is the backward pass of the pointwise part of Fourier layer
// ly — soft gating, channel MLP, linear skip and the GELUs between them —
// in blocks of fuseBlock positions, each going through every step while it
// is in cache instead of a full-length pass per step. dz is the gradient
// at the layer's pre-activation z, times GELU'(zg) first if zg is non-nil
// (the gradient then replaces dz); the layer input is GELU(pre), computed
// per block, or xin if pre is nil. It sets dxin to the gradient at the
// layer input through the gate and the skip, dh1 to the gradient at the
// skip's output (h1), and adds the parameter gradients of the gate, the
// MLP, the skip and, with sbias, the spectral bias (Σ dh1). Reductions run
// in float64 per block, in block order; weight gradients are products per
// block added in block order: the result depends on the sizes only.
func (nt *net[T]) pointBack(ws *workspace[T], ly *layer[T], li int, dz, dxin, dh1, zg, pre, xin []T, last, sbias bool) {
	n, w, hd := ws.n, nt.cfg.Width, nt.cfg.MLPHidden
	bs := min(fuseBlock, n)
	acc := ws.acc
	clear(acc)
	dgate, db1, dsb, db0 := acc[:w], acc[w:2*w], acc[2*w:3*w], acc[3*w:3*w+hd]
	if !sbias {
		dsb = nil
	}
	mh, h1 := ws.mh[li], ws.h1[li]
	gb, gpb, dgb := ws.fb[:hd*bs], ws.fb[hd*bs:2*hd*bs], ws.fb[2*hd*bs:3*hd*bs]
	xb, a1b, h1p := ws.fb[3*hd*bs:(3*hd+w)*bs], ws.fb[(3*hd+w)*bs:(3*hd+2*w)*bs], ws.fb[(3*hd+2*w)*bs:(3*hd+3*w)*bs]
	for j := 0; j < n; j += bs {
		c := min(bs, n-j)
		next := min(bs, n-j-c) // columns of the next block, prefetched
		dzb, dxb, dhb := dz[j:], dxin[j:], dh1[j:]
		var zb, prb []T
		if zg != nil {
			zb = zg[j:]
		}
		x, ldx := xin[j:], n
		if pre != nil {
			prb, x, ldx = pre[j:], xb, bs
		}
		// Gate: dz (·GELU'), the layer input, dgate, the second MLP
		// bias, dx = gate·dz.
		gateBack(dzb, dxb, x, zb, prb, ly.gate, dgate, db1, w, c, n, ldx, next)
		// Second MLP conv: dW1 += dz·gᵀ, dg = W1ᵀ·dz·GELU'(mh).
		geluBoth2(gb, gpb, mh[j:], hd, c, bs, n, next)
		mm(nil, false, true, w, hd, c, 1, dzb, n, gb, bs, 1, ly.mlp1.dw, hd)
		mm(nil, true, false, hd, c, w, 1, ly.mlp1.w, hd, dzb, n, 0, dgb, bs)
		mulSum(dgb, gpb, db0, hd, c, bs, bs, 0)
		// First MLP conv: dW0 += dg·a1ᵀ, dh1 = W0ᵀ·dg·GELU'(h1).
		a1, lda := h1[j:], n
		var hp []T
		if !last {
			geluBoth2(a1b, h1p, h1[j:], w, c, bs, n, next)
			a1, lda, hp = a1b, bs, h1p
		}
		mm(nil, false, true, hd, w, c, 1, dgb, bs, a1, lda, 1, ly.mlp0.dw, w)
		mm(nil, true, false, w, c, hd, 1, ly.mlp0.w, w, dgb, bs, 0, dhb, n)
		mulSum(dhb, hp, dsb, w, c, n, bs, next)
		// Linear skip: dWs += dh1·xᵀ, dx += Wsᵀ·dh1.
		mm(nil, false, true, w, w, c, 1, dhb, n, x, ldx, 1, ly.skip.dw, w)
		mm(nil, true, false, w, c, w, 1, ly.skip.w, w, dhb, n, 1, dxb, n)
	}
	for o := range w {
		ly.dgate[o] += T(dgate[o])
		ly.mlp1.db[o] += T(db1[o])
		if sbias {
			ly.dsbias[o] += T(dsb[o])
		}
	}
	for o := range hd {
		ly.mlp0.db[o] += T(db0[o])
	}
}

// gateBack is kernels.GateBack over T (next: the columns to prefetch).
func gateBack[T float](dz, dx, x, z, pre, gate []T, dot, sum []float64, rows, cols, ld, ldx, next int) {
	var zero T
	if unsafe.Sizeof(zero) == 4 {
		kernels.GateBack(f32s(dz), f32s(dx), f32s(x), f32n(z), f32n(pre), f32s(gate), dot, sum, rows, cols, ld, ldx, next)
		return
	}
	for r := range rows {
		d := dz[r*ld : r*ld+cols]
		xr := x[r*ldx : r*ldx+cols]
		if z != nil {
			geluBack(nil, d, z[r*ld:r*ld+cols])
		}
		if pre != nil {
			gelu(nil, xr, pre[r*ld:r*ld+cols])
		}
		dot[r] += dot64(d, xr)
		sum[r] += sum64(d)
		axpb(dx[r*ld:r*ld+cols], d, gate[r], 0)
	}
}

// geluBoth2 is kernels.GeluBoth2 over T: g = GELU(x), d = GELU'(x).
func geluBoth2[T float](g, d, x []T, rows, cols, ldg, ldx, next int) {
	var zero T
	if unsafe.Sizeof(zero) == 4 {
		kernels.GeluBoth2(f32s(g), f32s(d), f32s(x), rows, cols, ldg, ldx, next)
		return
	}
	for r := range rows {
		dr := d[r*ldg : r*ldg+cols]
		copy(dr, x[r*ldx:r*ldx+cols])
		geluBoth(g[r*ldg:r*ldg+cols], dr)
	}
}

// mulSum is kernels.MulSum over T: d *= x unless x is nil, then sum[r] +=
// Σ d of row r with a non-nil sum.
func mulSum[T float](d, x []T, sum []float64, rows, cols, ldd, ldx, next int) {
	var zero T
	if unsafe.Sizeof(zero) == 4 {
		kernels.MulSum(f32s(d), f32n(x), sum, rows, cols, ldd, ldx, next)
		return
	}
	for r := range rows {
		dr := d[r*ldd : r*ldd+cols]
		if x != nil {
			mul(dr, x[r*ldx:r*ldx+cols])
		}
		if sum != nil {
			sum[r] += sum64(dr)
		}
	}
}

// f32n is f32s keeping nil.
func f32n[T float](s []T) []float32 {
	if s == nil {
		return nil
	}
	return f32s(s)
}

// pointForward is the forward pass of the pointwise part of Fourier layer
// ly without GroupNorm, in blocks of fuseBlock positions as pointBack:
// h1 += skip·xin, a1 = GELU(h1) (h1 itself in the last layer),
// mh = W0·a1 + b0, g = GELU(mh), z = gate⊙xin + b1 + W1·g and, except in
// the last layer, xout = GELU(z). a1 and g live in blocks only; so does mh
// if mh is nil (inference), and z may be xout.
func (nt *net[T]) pointForward(ws *workspace[T], ly *layer[T], h1, mh, z, xout, xin []T, last bool) {
	n, w, hd := ws.n, nt.cfg.Width, nt.cfg.MLPHidden
	bs := min(fuseBlock, n)
	gb, mhb, a1b := ws.fb[:hd*bs], ws.fb[hd*bs:2*hd*bs], ws.fb[2*hd*bs:(2*hd+w)*bs]
	for j := 0; j < n; j += bs {
		c := min(bs, n-j)
		next := min(bs, n-j-c) // columns of the next block, prefetched
		hb, xb, zb := h1[j:], xin[j:], z[j:]
		mm(nil, false, false, w, c, w, 1, ly.skip.w, w, xb, n, 1, hb, n)
		a1, lda := hb, n
		if !last {
			geluRows(a1b, hb, w, c, bs, n, next)
			a1, lda = a1b, bs
		}
		m, ldm := mhb, bs
		if mh != nil {
			m, ldm = mh[j:], n
		}
		mm(nil, false, false, hd, c, w, 1, ly.mlp0.w, w, a1, lda, 0, m, ldm)
		geluBiasRows(gb, m, ly.mlp0.b, hd, c, bs, ldm, next)
		axpbRows(zb, xb, ly.gate, ly.mlp1.b, w, c, n, next)
		mm(nil, false, false, w, c, hd, 1, ly.mlp1.w, hd, gb, bs, 1, zb, n)
		if !last {
			geluRows(xout[j:], zb, w, c, n, n, next)
		}
	}
}

// geluRows is kernels.GeluRows over T: dst = GELU(x), dst may be x.
func geluRows[T float](dst, x []T, rows, cols, ldd, ldx, next int) {
	var zero T
	if unsafe.Sizeof(zero) == 4 {
		kernels.GeluRows(f32s(dst), f32s(x), rows, cols, ldd, ldx, next)
		return
	}
	for r := range rows {
		gelu(nil, dst[r*ldd:r*ldd+cols], x[r*ldx:r*ldx+cols])
	}
}

// geluBiasRows is kernels.GeluBiasRows over T: x += b[r], dst = GELU(x).
func geluBiasRows[T float](dst, x, b []T, rows, cols, ldd, ldx, next int) {
	var zero T
	if unsafe.Sizeof(zero) == 4 {
		kernels.GeluBiasRows(f32s(dst), f32s(x), f32s(b), rows, cols, ldd, ldx, next)
		return
	}
	for r := range rows {
		geluBias(x[r*ldx:r*ldx+cols], dst[r*ldd:r*ldd+cols], b[r])
	}
}

// axpbRows is kernels.AxpbRows over T: y = a[r]·x + b[r].
func axpbRows[T float](y, x, a, b []T, rows, cols, ld, next int) {
	var zero T
	if unsafe.Sizeof(zero) == 4 {
		kernels.AxpbRows(f32s(y), f32s(x), f32s(a), f32s(b), rows, cols, ld, next)
		return
	}
	for r := range rows {
		axpb(y[r*ld:r*ld+cols], x[r*ld:r*ld+cols], a[r], b[r])
	}
}
