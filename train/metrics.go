package train

import (
	"fmt"
	"os"
	"path/filepath"
)

// ReadMetrics returns the per-epoch metrics a run has logged, in epoch
// order: path is the run's directory (its MetricsName is read) or a metrics
// file itself (such as a copy kept beside a shipped model). A line torn by
// a crash is left out, as a resumed run leaves it out.
func ReadMetrics(path string) ([]Metrics, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, MetricsName)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	_, ms := parseMetrics(b)
	return ms, nil
}
