package fno

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// pointBackRef is the unfused backward pass of a layer's pointwise part
// (full-length passes, as before pointBack): the reference of
// TestPointBack and the baseline of BenchmarkPointBack. It overwrites mh
// and h1 with their GELU derivatives and uses xin, g and a1 as scratch.
func (nt *net[T]) pointBackRef(ly *layer[T], n int, dz, dxin, dh1, zg, pre, xin, mh, h1, g []T, last bool) {
	w := nt.cfg.Width
	if zg != nil {
		geluBack(nil, dz, zg)
	}
	if pre != nil {
		gelu(nil, xin, pre)
	}
	for c := range w {
		dzr, xr, dxr := dz[c*n:(c+1)*n], xin[c*n:(c+1)*n], dxin[c*n:(c+1)*n]
		ly.dgate[c] += T(dot64(dzr, xr))
		axpb(dxr, dzr, ly.gate[c], 0)
	}
	geluBoth(g, mh)
	ly.mlp1.backward(nil, g, g, dz, n, false)
	mul(g, mh)
	a1 := dh1
	if last {
		copy(a1, h1)
	} else {
		geluBoth(a1, h1)
	}
	ly.mlp0.backward(nil, a1, a1, g, n, false)
	if !last {
		mul(dh1, h1)
	}
	ly.skip.backward(nil, dxin, xin, dh1, n, true)
	for o := range w {
		ly.dsbias[o] += T(sum64(dh1[o*n : (o+1)*n]))
	}
}

// pointCase holds the inputs of one layer's pointwise backward pass.
type pointCase[T float] struct {
	nt                           *net[T]
	ws                           *workspace[T]
	dz, z, pre, xin, mh, h1, dx0 []T
}

func newPointCase[T float](batch, l int, seed uint64) *pointCase[T] {
	cfg := DefaultConfig()
	cfg.Layers = 1
	np := cfg.NumParams()
	rng := rand.New(rand.NewPCG(seed, 5))
	r := func(k int, s float64) []T {
		v := make([]T, k)
		for i := range v {
			v[i] = T(s * rng.NormFloat64())
		}
		return v
	}
	nt := newNet(cfg, r(np, 0.3), make([]T, np))
	ws := &workspace[T]{}
	ws.reset(cfg, batch, l, true)
	n, w := batch*l, cfg.Width
	copy(ws.mh[0], r(cfg.MLPHidden*n, 1.5))
	copy(ws.h1[0], r(w*n, 1.5))
	return &pointCase[T]{nt: nt, ws: ws, dz: r(w*n, 1), z: r(w*n, 1.5), pre: r(w*n, 1.5), xin: r(w*n, 1),
		mh: append([]T(nil), ws.mh[0]...), h1: append([]T(nil), ws.h1[0]...), dx0: r(w*n, 1)}
}

func TestPointBack(t *testing.T) {
	for _, sz := range [][2]int{{1, 37}, {3, 1000}, {2, 4099}} {
		for _, v := range []struct{ last, zg, pre bool }{{false, true, true}, {true, false, true}, {false, true, false}, {true, false, false}} {
			name := fmt.Sprintf("%dx%d/last=%v,zg=%v,pre=%v", sz[0], sz[1], v.last, v.zg, v.pre)
			t.Run(name+"/float32", func(t *testing.T) { testPointBack[float32](t, sz[0], sz[1], v.last, v.zg, v.pre, 2e-5) })
			t.Run(name+"/float64", func(t *testing.T) { testPointBack[float64](t, sz[0], sz[1], v.last, v.zg, v.pre, 1e-11) })
		}
	}
}

// testPointBack checks pointBack against pointBackRef: the gradients to
// tol relative to the largest magnitude of each.
func testPointBack[T float](t *testing.T, batch, l int, last, useZ, usePre bool, tol float64) {
	pc := newPointCase[T](batch, l, 1)
	nt, ws := pc.nt, pc.ws
	n, w, hd := batch*l, nt.cfg.Width, nt.cfg.MLPHidden
	ly := &nt.layers[0]
	var zg, pre []T
	if useZ {
		zg = pc.z
	}
	if usePre {
		pre = pc.pre
	}
	// Fused.
	dz, dx, dh1 := append([]T(nil), pc.dz...), append([]T(nil), pc.dx0...), make([]T, w*n)
	xin := append([]T(nil), pc.xin...)
	nt.pointBack(ws, ly, 0, dz, dx, dh1, zg, pre, xin, last, true)
	got := append([]T(nil), nt.g...)
	// Reference.
	clear(nt.g)
	rdz, rdx, rdh1 := append([]T(nil), pc.dz...), append([]T(nil), pc.dx0...), make([]T, w*n)
	rx := append([]T(nil), pc.xin...)
	mh, h1, g := append([]T(nil), pc.mh...), append([]T(nil), pc.h1...), make([]T, hd*n)
	nt.pointBackRef(ly, n, rdz, rdx, rdh1, zg, pre, rx, mh, h1, g, last)
	cmp := func(what string, got, want []T) {
		t.Helper()
		var scale, worst float64
		for i := range want {
			scale = max(scale, math.Abs(float64(want[i])))
			worst = max(worst, math.Abs(float64(got[i])-float64(want[i])))
		}
		if worst > tol*scale {
			t.Errorf("%s: max |error| %.3g of max |value| %.3g", what, worst, scale)
		}
	}
	cmp("dz", dz, rdz)
	cmp("dxin", dx, rdx)
	cmp("dh1", dh1, rdh1)
	for _, p := range []struct {
		name string
		g    []T
	}{{"dgate", ly.dgate}, {"dsbias", ly.dsbias}, {"skip.dw", ly.skip.dw}, {"mlp0.dw", ly.mlp0.dw}, {"mlp0.db", ly.mlp0.db},
		{"mlp1.dw", ly.mlp1.dw}, {"mlp1.db", ly.mlp1.db}} {
		off := int(uintptr(unsafe.Pointer(&p.g[0]))-uintptr(unsafe.Pointer(&nt.g[0]))) / int(unsafe.Sizeof(p.g[0])) // a view into nt.g
		cmp(p.name, got[off:off+len(p.g)], p.g)
	}
	// The inputs the fused pass must leave alone.
	for i := range pc.mh {
		if ws.mh[0][i] != pc.mh[i] {
			t.Fatalf("mh changed")
		}
	}
	for i := range pc.h1 {
		if ws.h1[0][i] != pc.h1[i] {
			t.Fatalf("h1 changed")
		}
	}
}

// BenchmarkPointBack compares the backward pass of one layer's pointwise
// part (gate, channel MLP, skip, GELUs), 8 traces at L = 8583, unfused
// (full-length passes) and fused (pointBack, in blocks); each iteration
// also copies back the inputs the unfused pass overwrites.
func BenchmarkPointBack(b *testing.B) {
	pc := newPointCase[float32](8, benchLength, 1)
	nt, ws := pc.nt, pc.ws
	n, w, hd := ws.n, nt.cfg.Width, nt.cfg.MLPHidden
	ly := &nt.layers[0]
	dz, dx, dh1, g := make([]float32, w*n), make([]float32, w*n), make([]float32, w*n), make([]float32, hd*n)
	b.Run("unfused", func(b *testing.B) {
		c0 := cpuSeconds()
		defer func() { b.ReportMetric((cpuSeconds()-c0)*1e3/float64(b.N), "cpu-ms/op") }()
		for b.Loop() {
			copy(ws.mh[0], pc.mh)
			copy(ws.h1[0], pc.h1)
			copy(dz, pc.dz)
			nt.pointBackRef(ly, n, dz, dx, dh1, pc.z, pc.pre, pc.xin, ws.mh[0], ws.h1[0], g, false)
		}
	})
	b.Run("fused", func(b *testing.B) {
		c0 := cpuSeconds()
		defer func() { b.ReportMetric((cpuSeconds()-c0)*1e3/float64(b.N), "cpu-ms/op") }()
		for b.Loop() {
			copy(ws.mh[0], pc.mh)
			copy(ws.h1[0], pc.h1)
			copy(dz, pc.dz)
			nt.pointBack(ws, ly, 0, dz, dx, dh1, pc.z, pc.pre, pc.xin, false, true)
		}
	})
}

// pointForwardRef is the unfused forward pass of a layer's pointwise part
// (full-length passes, as before pointForward), with a1 and g full-length.
func (nt *net[T]) pointForwardRef(ly *layer[T], n int, h1, mh, z, xout, xin, a1, g []T, last bool) {
	w, hd := nt.cfg.Width, nt.cfg.MLPHidden
	ly.skip.apply(nil, h1, xin, n, true)
	if last {
		copy(a1, h1)
	} else {
		gelu(nil, a1, h1)
	}
	ly.mlp0.applyGelu(nil, mh, g, a1, n)
	for c := range w {
		axpb(z[c*n:(c+1)*n], xin[c*n:(c+1)*n], ly.gate[c], ly.mlp1.b[c])
	}
	mm(nil, false, false, w, n, hd, 1, ly.mlp1.w, hd, g, n, 1, z, n)
	if !last {
		gelu(nil, xout, z)
	}
}

func TestPointForward(t *testing.T) {
	for _, sz := range [][2]int{{1, 37}, {3, 1000}, {2, 4099}} {
		for _, v := range []struct{ last, keep bool }{{false, true}, {true, true}, {false, false}, {true, false}} {
			name := fmt.Sprintf("%dx%d/last=%v,train=%v", sz[0], sz[1], v.last, v.keep)
			t.Run(name+"/float32", func(t *testing.T) { testPointForward[float32](t, sz[0], sz[1], v.last, v.keep, 2e-6) })
			t.Run(name+"/float64", func(t *testing.T) { testPointForward[float64](t, sz[0], sz[1], v.last, v.keep, 1e-13) })
		}
	}
}

// testPointForward checks pointForward against pointForwardRef, to tol
// relative to the largest magnitude of each output; keep passes mh and a
// separate z (training), otherwise z is xout (inference).
func testPointForward[T float](t *testing.T, batch, l int, last, keep bool, tol float64) {
	pc := newPointCase[T](batch, l, 2)
	nt, ws := pc.nt, pc.ws
	n, w, hd := batch*l, nt.cfg.Width, nt.cfg.MLPHidden
	ly := &nt.layers[0]
	h1 := append([]T(nil), pc.h1...)
	xout := make([]T, w*n)
	var mh []T
	z := xout
	if keep {
		mh, z = make([]T, hd*n), make([]T, w*n)
	}
	nt.pointForward(ws, ly, h1, mh, z, xout, pc.xin, last)
	rh1, rmh, rz, rx := append([]T(nil), pc.h1...), make([]T, hd*n), make([]T, w*n), make([]T, w*n)
	nt.pointForwardRef(ly, n, rh1, rmh, rz, rx, pc.xin, make([]T, w*n), make([]T, hd*n), last)
	cmp := func(what string, got, want []T) {
		t.Helper()
		var scale, worst float64
		for i := range want {
			scale = max(scale, math.Abs(float64(want[i])))
			worst = max(worst, math.Abs(float64(got[i])-float64(want[i])))
		}
		if worst > tol*scale {
			t.Errorf("%s: max |error| %.3g of max |value| %.3g", what, worst, scale)
		}
	}
	cmp("h1", h1, rh1)
	if keep || last { // in inference GELU(z) replaces z
		cmp("z", z, rz)
	}
	if !last {
		cmp("xout", xout, rx)
	}
	if keep {
		cmp("mh", mh, rmh)
	}
}

// BenchmarkPointForward compares the forward pass of one layer's pointwise
// part, 8 traces at L = 8583, inference (z in xout, mh in blocks when
// fused), unfused and fused (pointForward); each iteration also copies
// back h1.
func BenchmarkPointForward(b *testing.B) {
	pc := newPointCase[float32](8, benchLength, 1)
	nt, ws := pc.nt, pc.ws
	n, w, hd := ws.n, nt.cfg.Width, nt.cfg.MLPHidden
	ly := &nt.layers[0]
	h1, xout, mh, a1 := make([]float32, w*n), make([]float32, w*n), make([]float32, hd*n), make([]float32, w*n)
	for _, fused := range []bool{false, true} {
		name := "unfused"
		if fused {
			name = "fused"
		}
		b.Run(name, func(b *testing.B) {
			c0 := cpuSeconds()
			defer func() { b.ReportMetric((cpuSeconds()-c0)*1e3/float64(b.N), "cpu-ms/op") }()
			for b.Loop() {
				copy(h1, pc.h1)
				if fused {
					nt.pointForward(ws, ly, h1, nil, xout, xout, pc.xin, false)
				} else {
					nt.pointForwardRef(ly, n, h1, mh, xout, xout, pc.xin, a1, mh, false)
				}
			}
		})
	}
}
