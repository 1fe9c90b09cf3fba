package npy

import (
	"fmt"
	"io"
	"os"

	"github.com/noble-neuro/noble/internal/atomicfile"
)

// ReadFile reads the array in the named file; errors name the file.
func ReadFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// WriteFileFloat32 atomically writes a float32 array to path.
func WriteFileFloat32(path string, shape []int, data []float32) error {
	return atomicfile.Write(path, func(w io.Writer) error { return WriteFloat32(w, shape, data) })
}

// WriteFileFloat64 atomically writes a float64 array to path.
func WriteFileFloat64(path string, shape []int, data []float64) error {
	return atomicfile.Write(path, func(w io.Writer) error { return WriteFloat64(w, shape, data) })
}
