package gemm

import "fmt"

// check panics unless the row-major operands are large enough.
func check(transA, transB bool, m, n, k, la, lda, lb, ldb, lc, ldc int) {
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	switch {
	case m < 0 || n < 0 || k < 0:
		panic(fmt.Sprintf("gemm: negative dimension m=%d n=%d k=%d", m, n, k))
	case k > 0 && (lda < max(1, ac) || ldb < max(1, bc)) || ldc < max(1, n):
		panic(fmt.Sprintf("gemm: bad leading dimension lda=%d ldb=%d ldc=%d", lda, ldb, ldc))
	case k > 0 && la < (ar-1)*lda+ac:
		panic(fmt.Sprintf("gemm: a too short: %d < %d", la, (ar-1)*lda+ac))
	case k > 0 && lb < (br-1)*ldb+bc:
		panic(fmt.Sprintf("gemm: b too short: %d < %d", lb, (br-1)*ldb+bc))
	case lc < (m-1)*ldc+n:
		panic(fmt.Sprintf("gemm: c too short: %d < %d", lc, (m-1)*ldc+n))
	}
}

// FoldLen returns the number of columns of the even (l/2+1) or odd
// ((l−1)/2) fold of a row of length l.
func FoldLen(odd bool, l int) int {
	if odd {
		return (l - 1) / 2
	}
	return l/2 + 1
}

// checkFold panics unless x holds m rows of length l ≥ 1.
func checkFold(m, l, lx int) {
	if m < 0 || l < 1 || lx < m*l {
		panic(fmt.Sprintf("gemm: bad fold: m=%d l=%d len(x)=%d", m, l, lx))
	}
}

// checkUnfold panics unless the operands of SgemmUnfold are large enough.
func checkUnfold(m, l, t0, t1, k, la, lda, lbc, ldbc, lbs, ldbs, ly, lbias, per int) {
	h, ne := FoldLen(true, l), FoldLen(false, l)
	switch {
	case m < 0 || l < 1 || k < 1 || t0 < 0 || t1 > ne:
		panic(fmt.Sprintf("gemm: bad unfold: m=%d l=%d k=%d t=[%d,%d)", m, l, k, t0, t1))
	case lda < 2*k || la < (m-1)*lda+2*k:
		panic(fmt.Sprintf("gemm: unfold: a too short: %d (lda %d)", la, lda))
	case ldbc < ne || lbc < (k-1)*ldbc+ne || ldbs < h || lbs < (k-1)*ldbs+h:
		panic(fmt.Sprintf("gemm: unfold: tables too short: %d, %d (ld %d, %d)", lbc, lbs, ldbc, ldbs))
	case ly < m*l:
		panic(fmt.Sprintf("gemm: unfold: y too short: %d < %d", ly, m*l))
	case lbias > 0 && (per < 1 || lbias < (m-1)/per+1):
		panic(fmt.Sprintf("gemm: unfold: bias too short: %d (per %d)", lbias, per))
	}
}

func scaleS(m, n int, beta float32, c []float32, ldc int) {
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		for j := range row {
			if beta == 0 {
				row[j] = 0
			} else {
				row[j] *= beta
			}
		}
	}
}

func scaleD(m, n int, beta float64, c []float64, ldc int) {
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		for j := range row {
			if beta == 0 {
				row[j] = 0
			} else {
				row[j] *= beta
			}
		}
	}
}
