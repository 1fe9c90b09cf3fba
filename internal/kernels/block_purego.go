//go:build !cgo || purego

package kernels

// GateBack is the first step of fno's fused backward pass over a block of
// rows rows of cols values (row r of dz, dx, z and pre at r·ld, of x at
// r·ldx): with a non-nil z it sets dz *= GELU'(z); with a non-nil pre it
// sets x = GELU(pre) (otherwise x is read); then it adds Σ dz·x to dot[r]
// and Σ dz to sum[r] (Dot64, Sum64 of the row) and sets dx = gate[r]·dz.
// With next > 0 it may prefetch the next block, the next values after the
// block's columns of each row of dz, dx, z and pre (or x), into the cache. It
// panics if a slice is too short.
func GateBack(dz, dx, x, z, pre, gate []float32, dot, sum []float64, rows, cols, ld, ldx, next int) {
	if rows == 0 || cols == 0 {
		return
	}
	checkBlock(rows, cols, ld, dz, dx, z, pre)
	checkBlock(rows, cols, ldx, x)
	_, _, _ = gate[rows-1], dot[rows-1], sum[rows-1]
	for r := range rows {
		d := dz[r*ld : r*ld+cols]
		xr := x[r*ldx : r*ldx+cols]
		if z != nil {
			GeluBack(d, z[r*ld:r*ld+cols])
		}
		if pre != nil {
			Gelu(xr, pre[r*ld:r*ld+cols])
		}
		dot[r] += Dot64(d, xr)
		sum[r] += Sum64(d)
		Axpb(dx[r*ld:r*ld+cols], d, gate[r], 0)
	}
}

// GeluBoth2 sets g = GELU(x) and d = GELU'(x) from one evaluation over
// rows rows of cols values (row r of g and d at r·ldg, of x at r·ldx),
// leaving x unchanged; with next > 0 it may prefetch the next values after
// each row of x. It panics if a slice is too short.
func GeluBoth2(g, d, x []float32, rows, cols, ldg, ldx, next int) {
	if rows == 0 || cols == 0 {
		return
	}
	checkBlock(rows, cols, ldg, g, d)
	checkBlock(rows, cols, ldx, x)
	for r := range rows {
		dr := d[r*ldg : r*ldg+cols]
		copy(dr, x[r*ldx:r*ldx+cols])
		GeluBoth(g[r*ldg:r*ldg+cols], dr)
	}
}

// MulSum sets d *= x (unless x is nil) and then, with a non-nil sum, adds
// Σ d of row r to sum[r] (Sum64 of the row), over rows rows of cols values
// (row r of d at r·ldd, of x at r·ldx); with next > 0 it may prefetch the
// next values after each row of d. It panics if a slice is too short.
func MulSum(d, x []float32, sum []float64, rows, cols, ldd, ldx, next int) {
	if rows == 0 || cols == 0 {
		return
	}
	checkBlock(rows, cols, ldd, d)
	checkBlock(rows, cols, ldx, x)
	if sum != nil {
		_ = sum[rows-1]
	}
	for r := range rows {
		dr := d[r*ldd : r*ldd+cols]
		if x != nil {
			Mul(dr, x[r*ldx:r*ldx+cols])
		}
		if sum != nil {
			sum[r] += Sum64(dr)
		}
	}
}

// GeluRows sets dst = GELU(x) over rows rows of cols values (row r of dst
// at r·ldd, of x at r·ldx); dst may be x itself (then ldd = ldx). With
// next > 0 it may prefetch the next block (see GateBack). It panics if a
// slice is too short.
func GeluRows(dst, x []float32, rows, cols, ldd, ldx, next int) {
	if rows == 0 || cols == 0 {
		return
	}
	checkBlock(rows, cols, ldd, dst)
	checkBlock(rows, cols, ldx, x)
	for r := range rows {
		Gelu(dst[r*ldd:r*ldd+cols], x[r*ldx:r*ldx+cols])
	}
}

// GeluBiasRows adds b[r] to row r of x in place and sets dst = GELU(x),
// over rows rows of cols values (row r of dst at r·ldd, of x at r·ldx);
// dst must not overlap x. With next > 0 it may prefetch the next block. It
// panics if a slice is too short.
func GeluBiasRows(dst, x, b []float32, rows, cols, ldd, ldx, next int) {
	if rows == 0 || cols == 0 {
		return
	}
	checkBlock(rows, cols, ldd, dst)
	checkBlock(rows, cols, ldx, x)
	_ = b[rows-1]
	for r := range rows {
		GeluBias(dst[r*ldd:r*ldd+cols], x[r*ldx:r*ldx+cols], b[r])
	}
}

// AxpbRows sets y = a[r]·x + b[r] over rows rows of cols values (row r of
// x and y at r·ld); y may be x. With next > 0 it may prefetch the next
// block. It panics if a slice is too short.
func AxpbRows(y, x, a, b []float32, rows, cols, ld, next int) {
	if rows == 0 || cols == 0 {
		return
	}
	checkBlock(rows, cols, ld, y, x)
	_, _ = a[rows-1], b[rows-1]
	for r := range rows {
		Axpb(y[r*ld:r*ld+cols], x[r*ld:r*ld+cols], a[r], b[r])
	}
}
