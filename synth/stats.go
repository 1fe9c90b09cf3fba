package synth

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/noble-neuro/noble/features"
)

// StatFeatures are the features Stats reports by default: those NOBLE
// evaluates, plus a few describing firing and the subthreshold response.
var StatFeatures = []string{
	"Spikecount", "mean_frequency", "time_to_first_spike", "AP1_width", "mean_AP_amplitude",
	"AP1_peak", "AHP_depth", "ISI_CV", "voltage_base", "steady_state_voltage",
	"steady_state_voltage_stimend", "minimum_voltage",
}

// FeatureSettings returns eFEL settings for traces of the surrogate's
// protocol (stimulus window from the protocol, eFEL defaults otherwise).
func (s *Surrogate) FeatureSettings() features.Settings {
	return features.Settings{StimStart: s.Protocol.StimStartMS, StimEnd: s.Protocol.StimEndMS}
}

// Features computes the features of n traces of l samples (float32 mV,
// spacing dt ms) stored one after another in v. ctx is checked every 64
// traces. A trace on which features cannot be computed is an error naming
// it.
func Features(ctx context.Context, v []float32, n, l int, dt float64, fs features.Settings) ([]features.Values, error) {
	if len(v) != n*l {
		panic(fmt.Sprintf("synth: Features: %d values for %d×%d", len(v), n, l))
	}
	ex, err := features.NewExtractor(&fs)
	if err != nil {
		return nil, err
	}
	out := make([]features.Values, n)
	buf := make([]float64, l)
	for i := range out {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		for j, x := range v[i*l : (i+1)*l] {
			buf[j] = float64(x)
		}
		if out[i], err = ex.Compute(buf, dt); err != nil {
			return nil, fmt.Errorf("trace %d: %w", i, err)
		}
	}
	return out, nil
}

// Stat is the distribution of one feature's first value over a population.
type Stat struct {
	Name    string  `json:"name"`
	N       int     `json:"n"`       // samples where the feature is defined (and finite)
	Missing int     `json:"missing"` // samples where it is not
	Mean    float64 `json:"mean"`
	SD      float64 `json:"sd"` // sample standard deviation (n−1); 0 for n = 1
	Min     float64 `json:"min"`
	Q05     float64 `json:"q05"`
	Q25     float64 `json:"q25"`
	Q50     float64 `json:"q50"`
	Q75     float64 `json:"q75"`
	Q95     float64 `json:"q95"`
	Max     float64 `json:"max"`
}

// Quantile returns the q-quantile of sorted x by linear interpolation
// between order statistics (numpy's default); NaN for empty x.
func Quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	h := q * float64(len(sorted)-1)
	lo := int(math.Floor(h))
	if lo >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// FirstValues returns the finite first values of a feature over vals.
func FirstValues(vals []features.Values, name string) []float64 {
	var x []float64
	for _, v := range vals {
		if f, ok := v.First(name); ok && !math.IsNaN(f) && !math.IsInf(f, 0) {
			x = append(x, f)
		}
	}
	return x
}

// Stats returns the statistics of each named feature over vals (names nil:
// StatFeatures). Statistics of a feature defined nowhere are NaN.
func Stats(vals []features.Values, names []string) []Stat {
	if names == nil {
		names = StatFeatures
	}
	out := make([]Stat, len(names))
	for i, name := range names {
		x := FirstValues(vals, name)
		slices.Sort(x)
		st := Stat{Name: name, N: len(x), Missing: len(vals) - len(x)}
		nan := math.NaN()
		st.Mean, st.SD, st.Min, st.Max = nan, nan, nan, nan
		if len(x) > 0 {
			sum := 0.0
			for _, f := range x {
				sum += f
			}
			st.Mean = sum / float64(len(x))
			ss := 0.0
			for _, f := range x {
				ss += (f - st.Mean) * (f - st.Mean)
			}
			st.SD = 0
			if len(x) > 1 {
				st.SD = math.Sqrt(ss / float64(len(x)-1))
			}
			st.Min, st.Max = x[0], x[len(x)-1]
		}
		st.Q05, st.Q25, st.Q50, st.Q75, st.Q95 = Quantile(x, 0.05), Quantile(x, 0.25), Quantile(x, 0.5), Quantile(x, 0.75), Quantile(x, 0.95)
		out[i] = st
	}
	return out
}

// Band is the per-sample distribution of a population of traces (mV),
// each slice one value per sample: the mean, the sample standard deviation
// (n−1, as Stats; 0 for one trace), the minimum, the 5, 50 and 95 %
// quantiles (Quantile) and the maximum.
type Band struct {
	Mean, SD, Min, Q05, Q50, Q95, Max []float32
}

// Bands returns the Band of n traces of l samples stored one after another
// in v, accumulated in float64. It panics if len(v) ≠ n·l or n < 1.
func Bands(v []float32, n, l int) Band {
	if len(v) != n*l || n < 1 {
		panic(fmt.Sprintf("synth: Bands: %d values for %d×%d", len(v), n, l))
	}
	mk := func() []float32 { return make([]float32, l) }
	b := Band{Mean: mk(), SD: mk(), Min: mk(), Q05: mk(), Q50: mk(), Q95: mk(), Max: mk()}
	col := make([]float64, n)
	for j := range l {
		sum := 0.0
		for i := range n {
			col[i] = float64(v[i*l+j])
			sum += col[i]
		}
		mean := sum / float64(n)
		ss := 0.0
		for _, x := range col {
			ss += (x - mean) * (x - mean)
		}
		sd := 0.0
		if n > 1 {
			sd = math.Sqrt(ss / float64(n-1))
		}
		slices.Sort(col)
		b.Mean[j], b.SD[j] = float32(mean), float32(sd)
		b.Min[j], b.Max[j] = float32(col[0]), float32(col[n-1])
		b.Q05[j], b.Q50[j], b.Q95[j] = float32(Quantile(col, 0.05)), float32(Quantile(col, 0.5)), float32(Quantile(col, 0.95))
	}
	return b
}

func fmtF(x float64) string {
	if math.IsNaN(x) {
		return "NaN"
	}
	return strconv.FormatFloat(x, 'g', 8, 64)
}

// WriteStatsCSV writes stats as CSV with a header row.
func WriteStatsCSV(w io.Writer, stats []Stat) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"feature", "n", "missing", "mean", "sd", "min", "q05", "q25", "q50", "q75", "q95", "max"})
	for _, s := range stats {
		cw.Write([]string{s.Name, strconv.Itoa(s.N), strconv.Itoa(s.Missing), fmtF(s.Mean), fmtF(s.SD), fmtF(s.Min),
			fmtF(s.Q05), fmtF(s.Q25), fmtF(s.Q50), fmtF(s.Q75), fmtF(s.Q95), fmtF(s.Max)})
	}
	cw.Flush()
	return cw.Error()
}

// WriteStatsTable writes stats as an aligned text table for people.
func WriteStatsTable(w io.Writer, stats []Stat) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%-30s %5s %12s %12s %12s %12s %12s\n", "feature", "n", "mean", "sd", "q05", "q50", "q95")
	for _, s := range stats {
		fmt.Fprintf(bw, "%-30s %5d %12.5g %12.5g %12.5g %12.5g %12.5g\n", s.Name, s.N, s.Mean, s.SD, s.Q05, s.Q50, s.Q95)
	}
	return bw.Flush()
}

// WriteTracesCSV writes n traces of l samples (mV) as CSV: a column time_ms
// (j·dt) and one column per trace named by names (len n).
func WriteTracesCSV(w io.Writer, v []float32, n, l int, dt float64, names []string) error {
	if len(v) != n*l || len(names) != n {
		panic("synth: WriteTracesCSV: wrong lengths")
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("time_ms")
	for _, s := range names {
		bw.WriteByte(',')
		bw.WriteString(s)
	}
	bw.WriteByte('\n')
	var b []byte
	for j := range l {
		b = strconv.AppendFloat(b[:0], float64(j)*dt, 'f', -1, 64)
		for i := range n {
			b = append(b, ',')
			b = strconv.AppendFloat(b, float64(v[i*l+j]), 'g', -1, 32)
		}
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// MarshalJSON encodes s with NaN statistics (a feature defined nowhere) as
// null.
func (s Stat) MarshalJSON() ([]byte, error) {
	num := func(x float64) any {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return x
	}
	return json.Marshal(struct {
		Name    string `json:"name"`
		N       int    `json:"n"`
		Missing int    `json:"missing"`
		Mean    any    `json:"mean"`
		SD      any    `json:"sd"`
		Min     any    `json:"min"`
		Q05     any    `json:"q05"`
		Q25     any    `json:"q25"`
		Q50     any    `json:"q50"`
		Q75     any    `json:"q75"`
		Q95     any    `json:"q95"`
		Max     any    `json:"max"`
	}{s.Name, s.N, s.Missing, num(s.Mean), num(s.SD), num(s.Min), num(s.Q05), num(s.Q25), num(s.Q50), num(s.Q75), num(s.Q95), num(s.Max)})
}
