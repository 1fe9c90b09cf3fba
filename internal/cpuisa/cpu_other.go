//go:build !amd64

package cpuisa

// CPU returns the best level of this processor: Generic off amd64.
func CPU() Level { return Generic }
