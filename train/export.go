package train

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/surrogate"
)

// ExportLatest writes the parameters of the latest checkpoint of the run
// in dir (their moving average, with Settings.EMA) as a model file at out, with the metadata of the run's best model
// (protocol, scaling, models) and a provenance whose Selected is "latest".
// model.safetensors keeps the best parameters (Settings.SelectBy); this is
// how to use the newest ones instead, e.g. to check how far training on
// the training traces alone has gone, or to go on from a run that is still
// going. The run needs one finished epoch. The file is written atomically;
// out must not be a file of the run.
func ExportLatest(dir, out string) (*Provenance, error) {
	for _, name := range []string{CheckpointName, ModelName, ConfigName, MetricsName} {
		if sameFile(out, filepath.Join(dir, name)) {
			return nil, fmt.Errorf("export: %s: would overwrite the run's %s; choose another file", out, name)
		}
	}
	if epoch, ok := snapshotEpoch(filepath.Base(out)); ok && sameFile(filepath.Dir(out), dir) {
		return nil, fmt.Errorf("export: %s: would overwrite the run's snapshot of epoch %d; choose another file", out, epoch)
	}
	ckpt := filepath.Join(dir, CheckpointName)
	st, ts, err := readCheckpoint(ckpt)
	if err != nil {
		return nil, err
	}
	best := filepath.Join(dir, ModelName)
	m, meta, err := fno.LoadFile(best)
	if err != nil {
		return nil, fmt.Errorf("export: the run's best model carries the metadata to export (has an epoch finished?): %w", err)
	}
	defer m.Close()
	if len(m.Params) != st.Params {
		return nil, fmt.Errorf("%s: %w: %d parameters, %s has %d", ckpt, ErrCheckpoint, st.Params, best, len(m.Params))
	}
	prov, err := ReadProvenance(meta)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", best, err)
	}
	if prov.DataID != st.DataID {
		return nil, fmt.Errorf("%s: %w: data %q, %s was trained on %q", ckpt, ErrCheckpoint, st.DataID, best, prov.DataID)
	}
	params := ts[0]
	if ts[3] != nil {
		params = ts[3] // the moving average, which the run evaluates and saves (Settings.EMA)
	}
	copy(m.Params, params)

	// The parameters are those after epoch st.Epoch-1 and st.Batch batches
	// of epoch st.Epoch; the metrics are the last finished epoch's.
	p := Provenance{
		Cell: prov.Cell, DataID: st.DataID, Settings: st.Settings,
		Epoch: st.Epoch - 1, Step: st.AdamStep, Selected: "latest",
	}
	if p.Epoch > 0 && st.Batch == 0 {
		mt, err := epochMetrics(filepath.Join(dir, MetricsName), p.Epoch)
		if err != nil {
			return nil, err
		}
		p.Metrics = mt
		p.Metrics.Seconds = 0
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	extra := make(map[string]string, len(meta.Extra))
	for k, v := range meta.Extra {
		extra[k] = v
	}
	extra[surrogate.MetaProvenance] = string(b)
	meta.Extra = extra
	if err := fno.SaveFile(out, m, meta); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return &p, nil
}

// snapshotEpoch returns the epoch whose SnapshotName is name, if any.
func snapshotEpoch(name string) (int, bool) {
	digits, ok := strings.CutPrefix(name, "epoch-")
	digits, ok2 := strings.CutSuffix(digits, ".safetensors")
	epoch, err := strconv.Atoi(digits)
	return epoch, ok && ok2 && err == nil && name == SnapshotName(epoch)
}

// sameFile reports whether a and b name the same path (after making them
// absolute and clean; links are not followed, which is enough to keep a
// user from overwriting a run file by its own name).
func sameFile(a, b string) bool {
	a, errA := filepath.Abs(a)
	b, errB := filepath.Abs(b)
	return errA == nil && errB == nil && a == b
}

// epochMetrics returns the line of metrics.jsonl for epoch (the zero
// Metrics if there is none).
func epochMetrics(path string, epoch int) (Metrics, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Metrics{}, err
	}
	var found Metrics
	_, ms := parseMetrics(b)
	for _, m := range ms {
		if m.Epoch == epoch {
			found = m
		}
	}
	return found, nil
}
