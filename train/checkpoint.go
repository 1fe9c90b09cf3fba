package train

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"

	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/internal/safetensors"
)

// ErrCheckpoint is wrapped by errors about a checkpoint that cannot be
// resumed from: corrupt, truncated, or of another run.
var ErrCheckpoint = errors.New("train: bad checkpoint")

// CheckpointFormat is the format tag of checkpoint files.
const CheckpointFormat = "noble-train-checkpoint/1"

// Checkpoint metadata keys and tensor names.
const (
	metaState  = "train.state"
	metaSHA256 = "train.sha256"
	tenParams  = "params"
	tenAdamM   = "adam.m"
	tenAdamV   = "adam.v"
	tenEMA     = "ema" // only with Settings.EMA
)

// state is everything besides the tensors that a resumed run needs.
type state struct {
	Format   string   `json:"format"`
	Settings Settings `json:"settings"`
	DataID   string   `json:"data_id"`
	Params   int      `json:"params"` // parameter count, to check the tensors

	// Epoch is the epoch in progress (1-based); Batch the number of its
	// batches done. Batch equal to the epoch's batch count means that only
	// the evaluation and the end-of-epoch bookkeeping are left.
	Epoch     int       `json:"epoch"`
	Batch     int       `json:"batch"`
	EpochLoss jsonFloat `json:"epoch_loss"` // summed training (data) loss of those batches
	// EpochFeatureLoss and EpochFeatureTerms are the summed feature loss
	// of those batches and each term's unweighted sum, in the order of
	// Settings.FeatureLoss (absent without a feature loss).
	EpochFeatureLoss  jsonFloat   `json:"epoch_feature_loss,omitempty"`
	EpochFeatureTerms []jsonFloat `json:"epoch_feature_terms,omitempty"`
	EpochTraces       int         `json:"epoch_traces"`  // traces in them
	EpochSeconds      float64     `json:"epoch_seconds"` // wall time spent on the epoch so far

	LR       float64   `json:"lr"` // learning rate in use
	AdamStep int64     `json:"adam_step"`
	Plateau  plateauJS `json:"plateau"`

	BestLoss  jsonFloat `json:"best_loss"`  // best selection loss (+Inf before the first epoch)
	BestEpoch int       `json:"best_epoch"` // epoch that reached it (0: none)
	Seconds   float64   `json:"seconds"`    // total wall time of finished epochs
}

type plateauJS struct {
	Best            jsonFloat `json:"best"`
	BadEpochs       int       `json:"bad_epochs"`
	CooldownCounter int       `json:"cooldown_counter"`
}

// jsonFloat is a float64 whose JSON form keeps infinities and NaN (as the
// strings "+Inf", "-Inf", "NaN"); finite values round-trip exactly.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return json.Marshal(strconv.FormatFloat(v, 'g', -1, 64))
	}
	return json.Marshal(v)
}

func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("bad number %q", s)
		}
		*f = jsonFloat(v)
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = jsonFloat(v)
	return nil
}

// checksum returns the hex SHA-256 of the tensors' float32 bits, in order.
func checksum(ts ...[]float32) string {
	h := sha256.New()
	buf := make([]byte, 0, 1<<16)
	for _, t := range ts {
		for _, v := range t {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			if len(buf) == cap(buf) {
				h.Write(buf)
				buf = buf[:0]
			}
		}
	}
	h.Write(buf)
	return hex.EncodeToString(h.Sum(nil))
}

// writeCheckpoint atomically writes the run state, the parameters, the
// optimizer moments and, if not nil, the parameters' moving average
// (Settings.EMA) to path. Without the average the file is what it was
// before the average existed.
func writeCheckpoint(path string, st *state, params []float32, opt *fno.Adam, avg []float32) error {
	st.Format = CheckpointFormat
	st.Params = len(params)
	st.LR = opt.LR
	st.AdamStep = opt.Step
	js, err := json.Marshal(st)
	if err != nil {
		return err
	}
	n := len(params)
	ts := []safetensors.Tensor{
		{Name: tenParams, Shape: []int{n}, Data: params},
		{Name: tenAdamM, Shape: []int{n}, Data: opt.M},
		{Name: tenAdamV, Shape: []int{n}, Data: opt.V},
	}
	sum := [][]float32{params, opt.M, opt.V}
	if avg != nil {
		ts = append(ts, safetensors.Tensor{Name: tenEMA, Shape: []int{n}, Data: avg})
		sum = append(sum, avg)
	}
	meta := map[string]string{metaState: string(js), metaSHA256: checksum(sum...)}
	if err := safetensors.WriteFile(path, ts, meta); err != nil {
		return fmt.Errorf("train: writing checkpoint: %w", err)
	}
	return nil
}

// readCheckpoint reads a checkpoint written by writeCheckpoint. It returns
// the state and the tensors params, Adam m, Adam v and the moving average
// (nil without one). Every error names the file and wraps ErrCheckpoint.
func readCheckpoint(path string) (*state, [4][]float32, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, [4][]float32{}, err
	}
	defer f.Close()
	return decodeCheckpoint(f, path)
}

// decodeCheckpoint reads a checkpoint from r; name labels errors.
func decodeCheckpoint(r io.Reader, name string) (*state, [4][]float32, error) {
	var out [4][]float32
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s: %w: %s (delete it to start the run afresh)", name, ErrCheckpoint, fmt.Sprintf(format, args...))
	}
	ts, meta, err := safetensors.Read(r)
	if err != nil {
		return nil, out, bad("%v", err)
	}
	var st state
	if err := json.Unmarshal([]byte(meta[metaState]), &st); err != nil {
		return nil, out, bad("metadata %q: %v", metaState, err)
	}
	if st.Format != CheckpointFormat {
		return nil, out, bad("format %q, want %q", st.Format, CheckpointFormat)
	}
	names := []string{tenParams, tenAdamM, tenAdamV}
	if st.Settings.EMA > 0 {
		names = append(names, tenEMA)
	}
	if len(ts) != len(names) {
		return nil, out, bad("%d tensors, want %d", len(ts), len(names))
	}
	for i, name := range names {
		t := ts[i]
		if t.Name != name || len(t.Shape) != 1 || t.Shape[0] != st.Params {
			return nil, out, bad("tensor %d is %q %v, want %q [%d]", i, t.Name, t.Shape, name, st.Params)
		}
		out[i] = t.Data
	}
	if sum := checksum(out[:len(names)]...); sum != meta[metaSHA256] {
		return nil, out, bad("tensor checksum %s does not match the recorded %q", sum, meta[metaSHA256])
	}
	if st.Epoch < 1 || st.Batch < 0 || st.AdamStep < 0 || !(st.LR > 0) {
		return nil, out, bad("state epoch %d, batch %d, Adam step %d, lr %g", st.Epoch, st.Batch, st.AdamStep, st.LR)
	}
	return &st, out, nil
}
