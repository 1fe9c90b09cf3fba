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
