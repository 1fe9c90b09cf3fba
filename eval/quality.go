package eval

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ReportResults returns where noble eval's results of the model file at
// model are kept by convention: report/results.json beside it, as for the
// shipped models (models/NAME/model.safetensors and models/NAME/report/).
func ReportResults(model string) string {
	return filepath.Join(filepath.Dir(model), "report", ResultsName)
}

// Quality is the part of a results.json (Result) that says how good a
// model is, read back for the people using it.
type Quality struct {
	Model  string        `json:"model"`
	Cell   string        `json:"cell"`
	Splits []SplitResult `json:"splits"`
}

// ReadQuality reads the accuracy of a results.json written by Run.
func ReadQuality(path string) (*Quality, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var q Quality
	if err := json.Unmarshal(b, &q); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(q.Splits) == 0 {
		return nil, fmt.Errorf("%s: no test splits", path)
	}
	return &q, nil
}

// Summary returns one line stating the measured quality, split by split:
// the mean relative L2 voltage error, the firing traces the surrogate
// misses and the Spikecount error where both fire, e.g.
//
//	measured by noble eval on 512 test traces: training models at unseen currents (in-distribution): voltage error 7.91 %, misses 11 of 166 firing traces, Spikecount error 77.1 %; held-out models …
//
// Every number comes from q; nothing is assumed about which splits exist.
func (q *Quality) Summary() string {
	total := 0
	var parts []string
	for _, s := range q.Splits {
		total += s.Traces
		name := s.Description
		if name == "" {
			name = s.Split
		}
		p := fmt.Sprintf("%s: voltage error %s, misses %d of %d firing traces", name, pct(s.VoltageL2), s.MissedFiring, s.Firing)
		for _, f := range s.Features {
			if f.Name == "Spikecount" {
				p += ", Spikecount error " + pct(f.Mean)
			}
		}
		parts = append(parts, p)
	}
	return fmt.Sprintf("measured by noble eval on %d test traces: %s", total, strings.Join(parts, "; "))
}
