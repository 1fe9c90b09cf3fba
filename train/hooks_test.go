package train

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
)

// recordHooks returns hooks that append each call to *events.
func recordHooks(events *[]string, cancelAt int, cancel func()) *Hooks {
	add := func(format string, args ...any) { *events = append(*events, fmt.Sprintf(format, args...)) }
	return &Hooks{
		Begin: func(epoch, done, total int) { add("begin %d %d/%d", epoch, done, total) },
		Batch: func(epoch, done, total int) {
			add("batch %d %d/%d", epoch, done, total)
			if done == cancelAt {
				cancel()
			}
		},
		Eval:      func(epoch int, done bool) { add("eval %d %v", epoch, done) },
		EvalBatch: func(epoch int, split string, done, total int) { add("%s %d %d/%d", split, epoch, done, total) },
		Epoch:     func(m Metrics) { add("epoch %d", m.Epoch) },
	}
}

// TestHooks checks the order of the hooks' calls, which the progress of
// "noble train" follows (issue 20: rates measured from the end of the
// first batch, no progress during evaluation): Begin before the first
// batch, with the traces done before when resuming mid-epoch, and
// EvalBatch from 0 to each test split's total.
func TestHooks(t *testing.T) {
	s := tinySettings(1)
	s.EvalTraces = 5 // 4 + 1: a partial second batch
	evalCalls := []string{
		"eval 1 false",
		"test_held 1 0/5", "test_held 1 4/5", "test_held 1 5/5",
		"test_seen 1 0/5", "test_seen 1 4/5", "test_seen 1 5/5",
		"eval 1 true", "epoch 1",
	}
	cases := []struct {
		name string
		want []string
	}{
		{"whole", append([]string{"begin 1 0/12", "batch 1 4/12", "batch 1 8/12", "batch 1 12/12"}, evalCalls...)},
		{"resumed", append([]string{"begin 1 0/12", "batch 1 4/12", "begin 1 4/12", "batch 1 8/12", "batch 1 12/12"}, evalCalls...)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := newMemData(2, 1, 1, 6) // 12 training traces, 6 of each test split
			dir := filepath.Join(t.TempDir(), "run")
			var events []string
			if tc.name == "resumed" {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if _, err := Train(ctx, d, dir, s, recordHooks(&events, 4, cancel)); !errors.Is(err, context.Canceled) {
					t.Fatalf("cancelled run: %v", err)
				}
			}
			mustTrain(t, context.Background(), d, dir, s, recordHooks(&events, -1, nil))
			if !slices.Equal(events, tc.want) {
				t.Errorf("hook calls\n%q\nwant\n%q", events, tc.want)
			}
		})
	}
}
