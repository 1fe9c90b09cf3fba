//go:build cgo && !purego

package kernels

import "testing"

// eachISA runs f once: the C loops choose their instruction set themselves.
func eachISA(t *testing.T, f func(t *testing.T)) { t.Run("c", f) }
