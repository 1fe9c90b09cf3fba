//go:build !cgo || purego

package kernels

import "testing"

// eachISA runs f as a subtest with each instruction set of this build and
// CPU in turn (the scalar Go loops, then the assembly ones), restoring the
// one in use.
func eachISA(t *testing.T, f func(t *testing.T)) {
	saved := isa
	defer func() { isa = saved }()
	for i := range detected + 1 {
		isa = i
		t.Run(i.String(), f)
	}
}
