package safetensors

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/noble-neuro/noble/internal/atomicfile"
)

// ReadFile reads the named file; errors name it.
func ReadFile(path string) ([]Tensor, map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	t, m, err := Read(bufio.NewReader(f))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, m, nil
}

// WriteFile atomically writes the tensors and metadata to path.
func WriteFile(path string, tensors []Tensor, meta map[string]string) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		if err := Write(bw, tensors, meta); err != nil {
			return err
		}
		return bw.Flush()
	})
}
