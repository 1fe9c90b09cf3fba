package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/fno"
)

// TestRecipeRefused checks that bad values of the EMA, schedule and
// decimation options are refused with the field named, by Resolved and by
// Train before any shard is read or the run directory is created.
func TestRecipeRefused(t *testing.T) {
	cosine := func(s Settings) Settings { s.Schedule = ScheduleCosine; return s }
	for _, tc := range []struct {
		name string
		s    Settings
		msg  string
	}{
		{"ema < 0", Settings{EMA: -0.1}, "ema = -0.1"},
		{"ema 1", Settings{EMA: 1}, "ema = 1"},
		{"ema > 1", Settings{EMA: 1.5}, "ema = 1.5"},
		{"ema NaN", Settings{EMA: math.NaN()}, "ema = NaN"},
		{"ema Inf", Settings{EMA: math.Inf(-1)}, "ema = -Inf"},
		{"schedule", Settings{Schedule: "step"}, `schedule = "step": want "plateau" or "cosine"`},
		{"lr_min > lr", cosine(Settings{LR: 0.01, LRMin: 0.02}), "lr_min = 0.02: must be in [0, lr = 0.01]"},
		{"lr_min < 0", cosine(Settings{LRMin: -1e-4}), "lr_min = -0.0001"},
		{"lr_min NaN", cosine(Settings{LRMin: math.NaN()}), "lr_min = NaN"},
		{"lr_min without cosine", Settings{LRMin: 1e-4}, `lr_min = 0.0001: only the "cosine" schedule`},
		{"warmup_steps < 0", cosine(Settings{WarmupSteps: -1}), "warmup_steps = -1"},
		{"warmup_steps without cosine", Settings{WarmupSteps: 10}, `warmup_steps = 10: only the "cosine" schedule`},
		{"cosine lr_factor", cosine(Settings{LRFactor: 0.5}), "lr_factor = 0.5: a plateau setting"},
		{"cosine lr_patience", cosine(Settings{Patience: 3}), "lr_patience = 3: a plateau setting"},
		{"cosine plateau_on", cosine(Settings{PlateauOn: PlateauTrain}), `plateau_on = "train": a plateau setting`},
		{"cosine lr_at", cosine(Settings{LRAt: map[int]float64{2: 1e-3}}), "lr_at = map[2:0.001]: a plateau setting"},
		{"decimate < 0", Settings{Decimate: -2}, "decimate = -2: must be at least 1"},
		{"decimate with a feature loss", Settings{Decimate: 2, FeatureLoss: "sag_amplitude=25", Init: "m.safetensors"},
			`decimate = 2: a feature loss (feature_loss "sag_amplitude=25") is computed at the data's sample spacing`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := tc.s.Resolved()
			if !errors.Is(err, ErrSettings) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("Resolved() = %v, want ErrSettings with %q", err, tc.msg)
			}
			d := newMemData(1, 0, 1, 2)
			dir := filepath.Join(t.TempDir(), "run")
			s := tc.s
			if _, err := Train(context.Background(), d, dir, &s, nil); !errors.Is(err, ErrSettings) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("Train = %v, want ErrSettings with %q", err, tc.msg)
			}
			if d.reads != 0 {
				t.Errorf("Train read %d shards before refusing", d.reads)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused run created %s (%v)", dir, err)
			}
		})
	}

	// The window's modes need the data's layout: the tiny window of 48
	// samples keeps 48/6 = 8 samples at decimate 6, 5 modes, fewer than
	// the model's 6; at decimate 5 (10 samples, 6 modes) it trains.
	s := tinySettings(1)
	s.Decimate = 6
	d := newMemData(1, 0, 1, 2)
	dir := filepath.Join(t.TempDir(), "run")
	_, err := Train(context.Background(), d, dir, s, nil)
	if !errors.Is(err, ErrSettings) || !strings.Contains(err.Error(), "decimate = 6: the window of 48 samples becomes 8, which has 5 Fourier modes, fewer than the model's 6") {
		t.Errorf("decimate 6 of 48 samples: %v", err)
	}
	if _, serr := os.Stat(dir); d.reads != 0 || !errors.Is(serr, os.ErrNotExist) {
		t.Errorf("refused decimate: %d shard reads, run directory %v", d.reads, serr)
	}
	s.Decimate = 5
	mustTrain(t, context.Background(), d, dir, s, nil)
}

// TestRecipeDefaults checks that the options' defaults are spelled as zero
// values, so that config.json of a run without them is as before, and
// that a cosine run resolves without the plateau's fields, idempotently.
func TestRecipeDefaults(t *testing.T) {
	for _, in := range []Settings{{}, {Schedule: SchedulePlateau, Decimate: 1}, {Preset: PresetCPU, Decimate: 1}} {
		s, err := in.Resolved()
		if err != nil {
			t.Fatal(err)
		}
		if s.Schedule != "" || s.Decimate != 0 || s.EMA != 0 || s.LRMin != 0 || s.WarmupSteps != 0 || s.Decimation() != 1 || s.Cosine() {
			t.Errorf("Resolved(%+v): schedule %q decimate %d ema %v lr_min %v warmup %d", in, s.Schedule, s.Decimate, s.EMA, s.LRMin, s.WarmupSteps)
		}
		b, _ := json.Marshal(s)
		for _, key := range []string{`"ema"`, `"schedule"`, `"lr_min"`, `"warmup_steps"`, `"decimate"`} {
			if strings.Contains(string(b), key) {
				t.Errorf("config of %+v has %s: %s", in, key, b)
			}
		}
	}
	for _, preset := range []string{PresetPaper, PresetCPU} {
		s, err := Settings{Preset: preset, Schedule: ScheduleCosine, LRMin: 1e-4, WarmupSteps: 5, EMA: 0.99, Decimate: 2}.Resolved()
		if err != nil {
			t.Fatal(err)
		}
		if s.LRFactor != 0 || s.Patience != 0 || s.PlateauOn != "" || s.LR != 0.004 || s.Decimation() != 2 {
			t.Errorf("cosine %s: lr_factor %v lr_patience %d plateau_on %q lr %v", preset, s.LRFactor, s.Patience, s.PlateauOn, s.LR)
		}
		again, err := s.Resolved()
		if err != nil || sameRun(again, s) != "" {
			t.Errorf("cosine %s resolved twice: %v, differs in %s", preset, err, sameRun(again, s))
		}
		up := s
		up.upgrade()
		if d := sameRun(up, s); d != "" {
			t.Errorf("upgrade of a cosine run's settings changes %s", d)
		}
	}
}

// TestCosineLR checks the schedule against values computed by hand (with
// Python's math.cos): lr 0.01, lr_min 0.001, 4 warm-up steps, 20 steps.
func TestCosineLR(t *testing.T) {
	for _, tc := range []struct {
		name                string
		warmup, total, step int64
		want                float64
	}{
		{"first step", 4, 20, 0, 0.01 * 1 / 4},
		{"second step", 4, 20, 1, 0.01 * 2 / 4},
		{"end of warm-up", 4, 20, 3, 0.01},
		{"start of annealing", 4, 20, 4, 0.01},
		{"middle: cos(π/2)", 4, 20, 12, 0.001 + 0.009/2},
		{"last step: (1 − cos(π/16))/2", 4, 20, 19, 0.001086466238185463},
		{"past the run", 4, 20, 20, 0.001},
		{"no warm-up: first step", 0, 20, 0, 0.01},
		{"no warm-up: middle", 0, 20, 10, 0.0055},
		{"no warm-up: last step", 0, 20, 19, 0.001 + 0.009*(1-math.Cos(math.Pi/20))/2},
	} {
		got := CosineLR(0.01, 0.001, tc.warmup, tc.total, tc.step)
		// Two roundings of a few operations: 1e-15 relative.
		if math.Abs(got-tc.want) > 1e-15*tc.want {
			t.Errorf("%s: CosineLR(0.01, 0.001, %d, %d, %d) = %.17g, want %.17g", tc.name, tc.warmup, tc.total, tc.step, got, tc.want)
		}
	}
}

// recipeSettings are tinySettings with the recipe options of on (a
// subset of "ema", "cosine", "decimate").
func recipeSettings(epochs int, on ...string) *Settings {
	s := tinySettings(epochs)
	s.LRFactor, s.Patience = 0.5, 0 // the plateau's rate changes between epochs
	for _, o := range on {
		switch o {
		case "ema":
			s.EMA = 0.9
		case "cosine":
			s.Schedule, s.LRMin, s.WarmupSteps = ScheduleCosine, 0.002, 3
			s.LRFactor, s.Patience = 0, 0
		case "decimate":
			s.Decimate = 2
		default:
			panic(o)
		}
	}
	return s
}

// TestResumeExactRecipe is TestResumeExact with each recipe option on,
// and all together: a run of 2 epochs equals, bit for bit, one cancelled
// in the middle of each epoch and resumed (with the cosine schedule a
// run's Epochs cannot change, so there is no 1+1 epochs case).
func TestResumeExactRecipe(t *testing.T) {
	if testing.Short() {
		t.Skip("trains eight tiny runs")
	}
	d := newMemData(5, 1, 1, 6) // 8 batches of 4 per epoch
	for _, on := range [][]string{{"ema"}, {"cosine"}, {"decimate"}, {"ema", "cosine", "decimate"}} {
		t.Run(strings.Join(on, "+"), func(t *testing.T) {
			t.Parallel()
			base := t.TempDir()
			whole := filepath.Join(base, "whole")
			res := mustTrain(t, context.Background(), d, whole, recipeSettings(2, on...), nil)
			want := readRun(t, whole)
			if want.st.AdamStep != 16 || (want.tensors[3] != nil) != (res.Settings.EMA > 0) {
				t.Fatalf("whole run: %d steps, EMA tensor %v", want.st.AdamStep, want.tensors[3] != nil)
			}
			cancelled := filepath.Join(base, "cancelled")
			for _, at := range [][2]int{{1, 3}, {2, 5}} {
				ctx, cancel := context.WithCancel(context.Background())
				h := &Hooks{Batch: func(epoch, done, total int) {
					if epoch == at[0] && done == at[1]*4 {
						cancel()
					}
				}}
				_, err := Train(ctx, d, cancelled, recipeSettings(2, on...), h)
				cancel()
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("cancelled at %v: %v", at, err)
				}
			}
			mustTrain(t, context.Background(), d, cancelled, recipeSettings(2, on...), nil)
			compareRuns(t, "cancelled twice", readRun(t, cancelled), want)

			// The options are fixed for a run.
			for field, change := range map[string]func(*Settings){
				"ema":      func(s *Settings) { s.EMA = 0.5 },
				"decimate": func(s *Settings) { s.Decimate = 3 },
				"lr_min":   func(s *Settings) { s.LRMin = 0.001 },
			} {
				s := recipeSettings(2, on...)
				if field == "lr_min" && !s.Cosine() {
					continue
				}
				change(s)
				_, err := Train(context.Background(), d, whole, s, nil)
				if !errors.Is(err, ErrCheckpoint) || !strings.Contains(err.Error(), field+":") {
					t.Errorf("resume with another %s: %v", field, err)
				}
			}
		})
	}
}

// TestCosineRun checks the learning rates of a cosine run: each epoch's
// metrics give the rate of its first step and of the next epoch's, the
// checkpoint the last step's; and a cosine run's Epochs cannot change.
func TestCosineRun(t *testing.T) {
	d := newMemData(5, 1, 1, 6) // 8 steps per epoch, 24 in 3 epochs
	dir := t.TempDir()
	res := mustTrain(t, context.Background(), d, dir, recipeSettings(3, "cosine"), nil)
	lr := func(step int64) float64 { return CosineLR(0.01, 0.002, 3, 24, step) }
	for i, m := range res.Metrics {
		if first, next := lr(int64(8*i)), lr(int64(8*i+8)); m.LR != first || m.NextLR != next {
			t.Errorf("epoch %d: lr %v, next_lr %v, want %v, %v", m.Epoch, m.LR, m.NextLR, first, next)
		}
	}
	st, _, err := readCheckpoint(filepath.Join(dir, CheckpointName))
	if err != nil {
		t.Fatal(err)
	}
	if st.LR != lr(23) || st.AdamStep != 24 {
		t.Errorf("checkpoint: lr %v after %d steps, want %v after 24", st.LR, st.AdamStep, lr(23))
	}
	_, err = Train(context.Background(), d, dir, recipeSettings(4, "cosine"), nil)
	if !errors.Is(err, ErrCheckpoint) || !strings.Contains(err.Error(), "epochs: 4, was 3") {
		t.Errorf("extending a cosine run: %v", err)
	}
}

// TestEMA checks the moving average of a run of 3 steps (decay 0.2)
// against its definition, from the raw parameters at each step, which
// checkpoints written by cancelling after each batch give (a resumed run
// ends as an uninterrupted one, TestResumeExactRecipe): the average after
// n updates is d_n·ema + (1 − d_n)·w_{n+1} with d_0 = min(0.2, 1/10) =
// 0.1, d_1 = min(0.2, 2/11) = 2/11 and d_2 = min(0.2, 3/12) = 0.2, from
// the initial parameters w_0. The epoch's evaluation, model.safetensors
// and ExportLatest use the average.
func TestEMA(t *testing.T) {
	d := newMemData(3, 0, 1, 4) // 12 traces: 3 batches of 4
	s := tinySettings(1)
	s.EMA = 0.2
	dir := t.TempDir()
	set, err := s.Resolved()
	if err != nil {
		t.Fatal(err)
	}
	m0, err := fno.New(set.FNO(), set.Seed)
	if err != nil {
		t.Fatal(err)
	}
	m0.Close()
	raw := [][]float32{m0.Params}
	avgs := [][]float32{m0.Params}
	for b := 1; b <= 3; b++ {
		ctx, cancel := context.WithCancel(context.Background())
		h := &Hooks{Batch: func(epoch, done, total int) {
			if done == b*4 && b < 3 { // the last batch ends the run
				cancel()
			}
		}}
		_, err := Train(ctx, d, dir, s, h)
		cancel()
		if b < 3 && !errors.Is(err, context.Canceled) || b == 3 && err != nil {
			t.Fatalf("batch %d: %v", b, err)
		}
		st, ts, err := readCheckpoint(filepath.Join(dir, CheckpointName))
		if err != nil {
			t.Fatal(err)
		}
		if st.AdamStep != int64(b) {
			t.Fatalf("checkpoint after batch %d: step %d", b, st.AdamStep)
		}
		raw, avgs = append(raw, ts[0]), append(avgs, ts[3])
	}
	want := append([]float32(nil), raw[0]...)
	for n, dn := range []float64{0.1, 2.0 / 11, 0.2} {
		for i, w := range raw[n+1] {
			want[i] = float32(dn*float64(want[i]) + (1-dn)*float64(w))
		}
		if i := sameBits(avgs[n+1], want); i >= 0 {
			t.Fatalf("average after %d updates: parameter %d = %v, want %v", n+1, i, avgs[n+1][i], want[i])
		}
	}
	if i := sameBits(raw[3], want); i < 0 {
		t.Fatal("the average equals the raw parameters")
	}

	best, _, err := fno.LoadFile(filepath.Join(dir, ModelName))
	if err != nil {
		t.Fatal(err)
	}
	defer best.Close()
	if i := sameBits(best.Params, want); i >= 0 {
		t.Errorf("model.safetensors parameter %d = %v, the average's %v", i, best.Params[i], want[i])
	}
	out := filepath.Join(t.TempDir(), "latest.safetensors")
	if _, err := ExportLatest(dir, out); err != nil {
		t.Fatal(err)
	}
	latest, _, err := fno.LoadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	latest.Close()
	if i := sameBits(latest.Params, want); i >= 0 {
		t.Errorf("exported parameter %d = %v, the average's %v", i, latest.Params[i], want[i])
	}

	// The epoch's metrics are those of the average.
	r := testRunner(t, d, set, want)
	ev, err := r.evaluate(context.Background(), SplitTestHeld, true)
	if err != nil {
		t.Fatal(err)
	}
	ms := readMetrics(t, dir)
	if len(ms) != 1 || ms[0].HeldL4 == nil || *ms[0].HeldL4 != ev.l4 {
		t.Errorf("metrics %+v, want held L4 %v (the average's)", ms, ev.l4)
	}
}

// testRunner is a runner of resolved settings set on d with parameters
// params, enough to evaluate and to step.
func testRunner(t *testing.T, d *memData, set Settings, params []float32) *runner {
	t.Helper()
	m, err := fno.New(set.FNO(), set.Seed)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	m.Workers = set.Workers
	if params != nil {
		copy(m.Params, params)
	}
	r := &runner{data: d, info: d.info, set: set, model: m, opt: fno.NewAdam(len(m.Params), set.LR), hooks: &Hooks{}}
	r.ld = newLoader(d, &r.info, SplitTrain)
	return r
}

// TestDecimate checks a decimate-2 step's inputs and targets, every other
// sample of the full-resolution ones from the window's start, and that a
// decimate-2 run evaluates at full resolution.
func TestDecimate(t *testing.T) {
	d := newMemData(2, 1, 1, 4)
	s := tinySettings(1)
	s.Decimate = 2
	set, err := s.Resolved()
	if err != nil {
		t.Fatal(err)
	}
	r := testRunner(t, d, set, nil)
	p := newPlan(0, 1, d.ShardSizes(SplitTrain), -1, 2, d.info.MaxOffset)
	items := p.batch(0, 3)
	if err := r.ld.get(context.Background(), items); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.step(context.Background(), items, 48); err != nil {
		t.Fatal(err)
	}
	ch := set.FNO().InChannels
	if len(r.x) != 3*ch*24 || len(r.y) != 3*24 || len(r.xf) != 3*ch*48 {
		t.Fatalf("step buffers: x %d, y %d, full x %d; want %d, %d, %d", len(r.x), len(r.y), len(r.xf), 3*ch*24, 3*24, 3*ch*48)
	}
	for b, it := range items {
		sh := r.ld.shards[it.shard]
		for j := range 24 {
			v := sh.Voltage[it.index*sh.Samples+it.offset+2*j]
			if want := float32(float64(v) * 1e-3); r.y[b*24+j] != want {
				t.Fatalf("trace %d: target %d = %v, want sample %d of the window, %v", b, j, r.y[b*24+j], 2*j, want)
			}
		}
		for c := range ch {
			for j := range 24 {
				if got, want := r.x[(b*ch+c)*24+j], r.xf[(b*ch+c)*48+2*j]; got != want {
					t.Fatalf("trace %d, channel %d: input %d = %v, want full-resolution sample %d, %v", b, c, j, got, 2*j, want)
				}
			}
		}
	}

	// The run's evaluation is that of the full-resolution window.
	dir := t.TempDir()
	res := mustTrain(t, context.Background(), d, dir, s, nil)
	best, _, err := fno.LoadFile(filepath.Join(dir, ModelName))
	if err != nil {
		t.Fatal(err)
	}
	best.Close()
	r = testRunner(t, d, set, best.Params)
	for _, c := range []struct {
		split string
		got   *float64
	}{{SplitTestHeld, res.Metrics[0].HeldL4}, {SplitTestSeen, res.Metrics[0].SeenL4}} {
		ev, err := r.evaluate(context.Background(), c.split, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.yhat) != 4*48 || c.got == nil || *c.got != ev.l4 {
			t.Errorf("%s: metrics L4 %v, full-resolution evaluation %v over %d samples", c.split, c.got, ev.l4, len(r.yhat))
		}
	}
}

// TestDecimateGrid checks the claim of the package documentation: the
// operator's grid channel at the coarse length L' = ceil(L/k),
// linspace(0, 1, L'+1)[:L'], is within (k−1)/L of the fine grid's values
// at the samples taken, j·k/L, and equal to them when k divides L; for
// the published window, L = 8583, and k = 2, within 1/L.
func TestDecimateGrid(t *testing.T) {
	for _, tc := range []struct{ l, k int }{{8583, 2}, {8583, 3}, {8583, 4}, {48, 2}, {48, 5}, {8584, 2}} {
		lc := coarseLen(tc.l, tc.k)
		worst := 0.0
		for j := range lc {
			worst = max(worst, math.Abs(float64(j)/float64(lc)-float64(j*tc.k)/float64(tc.l)))
		}
		bound := float64(tc.k-1) / float64(tc.l)
		if tc.l%tc.k == 0 {
			bound = 1e-15
		}
		if worst >= bound {
			t.Errorf("L %d, k %d: grids differ by %g, want < %g", tc.l, tc.k, worst, bound)
		}
		t.Logf("L %d, k %d: L' %d, grids differ by at most %.3g (%.3g fine samples)", tc.l, tc.k, lc, worst, worst*float64(tc.l))
	}
}

// TestTrainRanksRecipe checks that with the recipe options every rank
// keeps the moving average and the schedule as one process does: 2 ranks
// of one worker end bit for bit as one process of 2 workers, and resume
// in one process.
func TestTrainRanksRecipe(t *testing.T) {
	if testing.Short() {
		t.Skip("trains four tiny runs")
	}
	s := recipeSettings(2, "ema", "cosine", "decimate")
	base := t.TempDir()
	want := filepath.Join(base, "one")
	mustTrain(t, context.Background(), newMemData(5, 1, 1, 6), want, s, nil)
	got := filepath.Join(base, "ranks")
	dirs := func(r int) string {
		if r == 0 {
			return got
		}
		return filepath.Join(base, fmt.Sprint("rank", r))
	}
	trainRanks(t, 2, dirs, s)
	compareRuns(t, "2 ranks", readRun(t, got), readRun(t, want))

	// Cancelled in one process in epoch 2, resumed in 2 ranks.
	mid := filepath.Join(base, "mid")
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hooks{Batch: func(epoch, done, total int) {
		if epoch == 2 && done == 12 {
			cancel()
		}
	}}
	if _, err := Train(ctx, newMemData(5, 1, 1, 6), mid, s, h); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	cancel()
	trainRanks(t, 2, func(int) string { return mid }, s)
	compareRuns(t, "1 process then 2 ranks", readRun(t, mid), readRun(t, want))
}
