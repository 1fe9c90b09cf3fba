package fno

import (
	"math"
	"sync"
	"unsafe"

	"github.com/noble-neuro/noble/internal/gemm"
	"github.com/noble-neuro/noble/internal/kernels"
)

// dft holds the tables of the truncated real DFT of length L restricted to
// modes 0..M-1, folded by the symmetry t ↔ L−t.
//
// For a real row x of length L let H = (L−1)/2 and form the even part
// E = [x0, x1+x(L−1), …, xH+x(L−H), (x(L/2) if L even)] (nE = H+1 or H+2
// values) and the odd part O = [x1−x(L−1), …, xH−x(L−H)] (H values). Then
//
//	Re X_k = Σ_j E_j cos(2πkτ_j/L),  Im X_k = −Σ_j O_j sin(2πk(j+1)/L),
//
// with τ_j = j, and τ = L/2 for the last even entry. The tables are
// c[j][k] = cos(2πkτ_j/L) and s[j][k] = −sin(2πk(j+1)/L); ca and sa are the
// same scaled by a_k, the multiplicity of mode k in a real inverse transform
// (1 for k = 0 and the Nyquist mode k = L/2, 2 otherwise). Angles are
// reduced exactly, 2π·((k·τ) mod L)/L, in float64.
//
// The tables are constant for a length, so they are computed once per
// (L, M) and shared by every workspace (dftTables), each in the two
// layouts its two products read without repacking (see table).
type dft[T float] struct {
	l, m, h, ne  int
	c, s, ca, sa *table[T]
	e, o         []T // fold scratch, [rows][ne], [rows][h]
	help         *helper
	u            unfoldArgs // operands of the fused synthesis (kept here: no allocation)
}

// fused reports whether the products fold and unfold in the kernels'
// packing and stores (gemm.SgemmFold, gemm.SgemmUnfold): float32 in the
// default build. Elsewhere Fold and Unfold are passes of their own.
func (d *dft[T]) fused() bool {
	var z T
	return gemm.Fused && unsafe.Sizeof(z) == 4 && !separatePasses
}

// separatePasses forces Fold and Unfold as passes of their own, for the
// tests and benchmarks that compare the two.
var separatePasses = false

// table is one DFT matrix t[j][k] (j < n, k < m) in two row-major
// layouts, padded with zeros to rows of a multiple of 16 values (64 bytes):
// rows, [n][mp], is the right operand of analysis (k varies fastest, as
// the product's output); cols, [m][np], the transpose, is the right
// operand of synthesis. Each product then reads its table in the order it
// is stored, from rows that start on a cache line.
type table[T float] struct {
	n, m, mp, np int
	rows, cols   []T
}

func newTable[T float](n, m int, at func(j, k int) float64) *table[T] {
	t := &table[T]{n: n, m: m, mp: pad16(m), np: pad16(n)}
	t.rows = make([]T, n*t.mp)
	t.cols = make([]T, m*t.np)
	for j := range n {
		for k := range m {
			v := T(at(j, k))
			t.rows[j*t.mp+k] = v
			t.cols[k*t.np+j] = v
		}
	}
	return t
}

func pad16(n int) int { return (n + 15) &^ 15 }

// dftTables holds the four tables of one (L, M, float type).
type dftTables[T float] struct{ c, s, ca, sa *table[T] }

// tableCache keeps the tables of the most recently used lengths: a model
// serves one trace length almost always, and each set costs about 10 MB
// (float32) at L = 8,583.
var tableCache struct {
	sync.Mutex
	keys []tableKey
	vals []any
}

type tableKey struct {
	l, m, size int
}

const tableCacheSize = 4

// dftTablesFor returns the shared tables of length l with m modes,
// computing them on first use.
func dftTablesFor[T float](l, m int) *dftTables[T] {
	var z T
	key := tableKey{l, m, int(unsafe.Sizeof(z))}
	tc := &tableCache
	tc.Lock()
	defer tc.Unlock()
	for i, k := range tc.keys {
		if k == key {
			v := tc.vals[i]
			// Most recently used first.
			copy(tc.keys[1:i+1], tc.keys[:i])
			copy(tc.vals[1:i+1], tc.vals[:i])
			tc.keys[0], tc.vals[0] = key, v
			return v.(*dftTables[T])
		}
	}
	t := computeTables[T](l, m)
	if len(tc.keys) < tableCacheSize {
		tc.keys = append(tc.keys, tableKey{})
		tc.vals = append(tc.vals, nil)
	}
	copy(tc.keys[1:], tc.keys)
	copy(tc.vals[1:], tc.vals)
	tc.keys[0], tc.vals[0] = key, t
	return t
}

func computeTables[T float](l, m int) *dftTables[T] {
	h := (l - 1) / 2
	ne := h + 1
	if l%2 == 0 {
		ne++
	}
	mult := func(k int) float64 {
		if k == 0 || 2*k == l {
			return 1
		}
		return 2
	}
	cos := func(j, k int) float64 {
		tau := j
		if j > h {
			tau = l / 2
		}
		return math.Cos(2 * math.Pi * float64((k*tau)%l) / float64(l))
	}
	sin := func(j, k int) float64 {
		if k == 0 || 2*k == l {
			return 0 // the imaginary part of DC and Nyquist is discarded
		}
		return -math.Sin(2 * math.Pi * float64((k*(j+1))%l) / float64(l))
	}
	return &dftTables[T]{
		c:  newTable[T](ne, m, cos),
		s:  newTable[T](h, m, sin),
		ca: newTable[T](ne, m, func(j, k int) float64 { return mult(k) * cos(j, k) }),
		sa: newTable[T](h, m, func(j, k int) float64 { return mult(k) * sin(j, k) }),
	}
}

func (d *dft[T]) reset(l, modes, rows int) {
	m := min(modes, l/2+1)
	h := (l - 1) / 2
	ne := h + 1
	if l%2 == 0 {
		ne++
	}
	if d.l != l || d.m != m {
		d.l, d.m, d.h, d.ne = l, m, h, ne
		t := dftTablesFor[T](l, m)
		d.c, d.s, d.ca, d.sa = t.c, t.s, t.ca, t.sa
	}
	if d.fused() {
		return // no fold scratch
	}
	d.e = grow(d.e, rows*ne)
	d.o = grow(d.o, rows*h)
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// analysis sets spec[r] = alpha·(Σ_j E_j c[j][k] | Σ_j O_j s[j][k]) for each
// row r of x ([rows][L]); spec rows are [2M]: real parts then imaginary.
// With the unscaled tables and alpha = 1/L it is rfft(x, norm="forward")
// truncated to M modes; with ca, sa and alpha = 1 it is the adjoint of
// synthesis.
func (d *dft[T]) analysis(spec, x []T, rows int, c, s *table[T], alpha T) {
	l, h, ne, m := d.l, d.h, d.ne, d.m
	if d.fused() {
		s32 := f32s(spec)
		mmFold(d.help, rows, m, l, float32(alpha), f32s(x), f32s(c.rows), c.mp, f32s(s.rows), s.mp, s32, s32[m:], 2*m)
		return
	}
	var z T
	goRows := rows
	if unsafe.Sizeof(z) == 4 {
		kernels.Fold(f32s(d.e), f32s(d.o), f32s(x), rows, l, h, ne)
		goRows = 0 // folded already
	}
	for r := range goRows {
		xr := x[r*l : (r+1)*l]
		e := d.e[r*ne : (r+1)*ne]
		o := d.o[r*h : (r+1)*h]
		e[0] = xr[0]
		for t := 1; t <= h; t++ {
			a, b := xr[t], xr[l-t]
			e[t] = a + b
			o[t-1] = a - b
		}
		if ne > h+1 {
			e[h+1] = xr[l/2]
		}
	}
	mm(d.help, false, false, rows, m, ne, alpha, d.e, ne, c.rows, c.mp, 0, spec, 2*m)
	mm(d.help, false, false, rows, m, h, alpha, d.o, h, s.rows, s.mp, 0, spec[m:], 2*m)
}

// synthesis sets (or, with add, adds to) y[r][t] = alpha·Σ_k (Re_k c_k(t) +
// Im_k s_k(t)) for each spectrum row, unfolding the symmetric and
// antisymmetric parts; with a non-nil bias, row r also gets bias[r/per]
// (per rows to a channel), in the same pass. With ca, sa and alpha = 1 it
// is irfft(·, n=L, norm="forward") of the M kept modes (zero above,
// imaginary parts of DC and Nyquist ignored); with c, s and alpha = 1/L it
// is the adjoint of analysis.
func (d *dft[T]) synthesis(y, spec []T, rows int, c, s *table[T], alpha T, add bool, bias []T, per int) {
	l, h, ne, m := d.l, d.h, d.ne, d.m
	if d.fused() {
		d.u = unfoldArgs{l: l, k: m, alpha: float32(alpha), a: f32s(spec), lda: 2 * m,
			bc: f32s(c.cols), ldbc: c.np, bs: f32s(s.cols), ldbs: s.np, y: f32s(y), add: add, bias: f32s(bias), per: per}
		mmUnfold(d.help, rows, &d.u)
		d.u = unfoldArgs{} // drop the references to the caller's slices
		return
	}
	mm(d.help, false, false, rows, ne, m, alpha, spec, 2*m, c.cols, c.np, 0, d.e, ne)
	mm(d.help, false, false, rows, h, m, alpha, spec[m:], 2*m, s.cols, s.np, 0, d.o, h)
	var z T
	if unsafe.Sizeof(z) == 4 {
		kernels.Unfold(f32s(y), f32s(d.e), f32s(d.o), rows, l, h, ne, add, f32s(bias), per)
		return
	}
	for r := range rows {
		yr := y[r*l : (r+1)*l]
		e := d.e[r*ne : (r+1)*ne]
		o := d.o[r*h : (r+1)*h]
		var b T
		if bias != nil {
			b = bias[r/per]
		}
		if !add {
			clear(yr)
		}
		yr[0] += e[0] + b
		for t := 1; t <= h; t++ {
			yr[t] += (e[t] + o[t-1]) + b
			yr[l-t] += (e[t] - o[t-1]) + b
		}
		if ne > h+1 {
			yr[l/2] += e[h+1] + b
		}
	}
}

// mix sets ys[o][b] = Σ_i xs[i][b]·W[i][o] per mode k < M (complex), the
// dense spectral contraction "bix,iox->box"; wre, wim are [in][out][M].
func mix[T float](ys, xs, wre, wim []T, width, batch, m int) {
	var z T
	if unsafe.Sizeof(z) == 4 {
		kernels.Mix(f32s(ys), f32s(xs), f32s(wre), f32s(wim), width, batch, m)
		return
	}
	m2 := 2 * m
	for o := range width {
		for b := range batch {
			y := ys[(o*batch+b)*m2 : (o*batch+b+1)*m2]
			yr, yi := y[:m], y[m:m2]
			clear(y)
			for i := range width {
				x := xs[(i*batch+b)*m2 : (i*batch+b+1)*m2]
				xr, xi := x[:m], x[m:m2]
				wr := wre[(i*width+o)*m : (i*width+o+1)*m]
				wi := wim[(i*width+o)*m : (i*width+o+1)*m]
				for k := range yr {
					a, c := xr[k], xi[k]
					p, q := wr[k], wi[k]
					yr[k] += a*p - c*q
					yi[k] += a*q + c*p
				}
			}
		}
	}
}

// mixBack sets dxs[i][b] = Σ_o dys[o][b]·conj(W[i][o]) and accumulates the
// real-pair gradient of the interleaved weights, dw[i][o][k] +=
// Σ_b conj(xs[i][b][k])·dys[o][b][k].
func mixBack[T float](dxs, dw, dys, xs, wre, wim []T, width, batch, m, modes int) {
	var z T
	if unsafe.Sizeof(z) == 4 {
		kernels.MixBack(f32s(dxs), f32s(dw), f32s(dys), f32s(xs), f32s(wre), f32s(wim), width, batch, m, modes)
		return
	}
	m2 := 2 * m
	for i := range width {
		for b := range batch {
			dx := dxs[(i*batch+b)*m2 : (i*batch+b+1)*m2]
			dxr, dxi := dx[:m], dx[m:m2]
			clear(dx)
			for o := range width {
				dy := dys[(o*batch+b)*m2 : (o*batch+b+1)*m2]
				dyr, dyi := dy[:m], dy[m:m2]
				wr := wre[(i*width+o)*m : (i*width+o+1)*m]
				wi := wim[(i*width+o)*m : (i*width+o+1)*m]
				for k := range dxr {
					p, q := wr[k], wi[k]
					dxr[k] += dyr[k]*p + dyi[k]*q
					dxi[k] += dyi[k]*p - dyr[k]*q
				}
			}
		}
		for o := range width {
			g := dw[(i*width+o)*modes*2 : (i*width+o)*modes*2+2*m]
			for b := range batch {
				x := xs[(i*batch+b)*m2 : (i*batch+b+1)*m2]
				dy := dys[(o*batch+b)*m2 : (o*batch+b+1)*m2]
				xr, xi := x[:m], x[m:m2]
				dyr, dyi := dy[:m], dy[m:m2]
				for k := range xr {
					g[2*k] += dyr[k]*xr[k] + dyi[k]*xi[k]
					g[2*k+1] += dyi[k]*xr[k] - dyr[k]*xi[k]
				}
			}
		}
	}
}
