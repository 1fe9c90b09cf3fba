package kernels

import "fmt"

// checkBlock panics unless each non-nil slice holds rows rows of cols
// values at a stride of ld ≥ cols.
func checkBlock(rows, cols, ld int, s ...[]float32) {
	if ld < cols {
		panic(fmt.Sprintf("kernels: row stride %d < %d columns", ld, cols))
	}
	need := (rows-1)*ld + cols
	for _, x := range s {
		if x != nil && len(x) < need {
			panic(fmt.Sprintf("kernels: block of %d×%d at stride %d needs %d values, have %d", rows, cols, ld, need, len(x)))
		}
	}
}
