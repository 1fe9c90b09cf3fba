package train

import (
	"fmt"
	"os"
	"path/filepath"
)

// ReadMetrics returns the per-epoch metrics a run in dir has logged
// (MetricsName), in epoch order. A line torn by a crash is left out, as a
// resumed run leaves it out.
func ReadMetrics(dir string) ([]Metrics, error) {
	path := filepath.Join(dir, MetricsName)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	_, ms := parseMetrics(b)
	return ms, nil
}
