package eval

import (
	"bytes"
	"encoding/csv"
	"strconv"

	"github.com/noble-neuro/noble/internal/atomicfile"
)

// tracesHeader is traces.csv's header: one row per evaluated test trace,
// in the order the accuracy pass read them.
var tracesHeader = []string{"split", "model", "amp_nA", "i_thr_nA", "s_thr_hz_per_nA", "spikes_simulator", "spikes_surrogate", "voltage_rel_l2"}

// writeTraces writes the per-trace table to path: the report's means and
// bins say how large the errors are, this table which traces carry them
// (a single trace near a cell's jump from a few spikes to a train can hold
// a tenth of a split's Spikecount error).
func (e *evaluator) writeTraces(path string) error {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(tracesHeader)
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	for _, r := range e.recs {
		m := e.d.Manifest.Models[r.model]
		w.Write([]string{r.split, m.Name, g(r.amp), g(m.IThr), g(m.SThr), g(r.spikesSim), g(r.spikes), g(r.l2)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b.Bytes())
}
