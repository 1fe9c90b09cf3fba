package train

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseStages(t *testing.T) {
	for _, tc := range []struct {
		spec string
		base Settings
		want []Stage
		err  string // part of the error, "" for none
	}{
		{spec: CPURecipe, want: []Stage{{PresetCPU, 64}, {PresetCPU, 40}, {PresetCPUSpikes, 0}}},
		{spec: " cpu , paper:3", want: []Stage{{PresetCPU, 0}, {PresetPaper, 3}}},
		{spec: "cpu-spikes:8", base: Settings{Init: "m.safetensors"}, want: []Stage{{PresetCPUSpikes, 8}}},
		{spec: "cpu-spikes", err: `stage 1 "cpu-spikes"`},
		{spec: "cpu,gpu", err: `stage 2 "gpu"`},
		{spec: "cpu:0", err: "epochs must be a positive integer"},
		{spec: "cpu:x", err: "epochs must be a positive integer"},
		{spec: "cpu,", err: `stage 2 ""`},
		{spec: "cpu", base: Settings{Preset: PresetCPU}, err: "the stages set preset"},
		{spec: "cpu", base: Settings{Epochs: 3}, err: "the stages set preset"},
		{spec: "cpu", base: Settings{BatchSize: -1}, err: "stage 1"},
	} {
		got, err := ParseStages(tc.spec, tc.base)
		if tc.err != "" {
			if err == nil || !errors.Is(err, ErrSettings) || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseStages(%q) error %v, want one containing %q", tc.spec, err, tc.err)
			}
			continue
		}
		if err != nil || len(got) != len(tc.want) {
			t.Errorf("ParseStages(%q) = %v, %v; want %v", tc.spec, got, err, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("ParseStages(%q)[%d] = %v, want %v", tc.spec, i, got[i], tc.want[i])
			}
		}
	}
}

func TestStageSettings(t *testing.T) {
	base := Settings{BatchSize: 4, Init: "first.safetensors", Workers: 2}
	s := Stage{PresetCPUSpikes, 5}.Settings(base, "prev/latest.safetensors")
	if s.Preset != PresetCPUSpikes || s.Epochs != 5 || s.Init != "prev/latest.safetensors" || s.SelectBy != SelectSpikecount || s.BatchSize != 4 || s.Workers != 2 {
		t.Errorf("stage settings %+v", s)
	}
	if base.Preset != "" || base.Init != "first.safetensors" {
		t.Errorf("base changed: %+v", base)
	}
	if got := StageDir("run", 0); got != filepath.Join("run", "stage-1") {
		t.Errorf("StageDir(run, 0) = %s", got)
	}
}
