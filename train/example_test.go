package train

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

func ExampleSettings_Resolved() {
	s, err := Settings{Preset: PresetCPU, Epochs: 20}.Resolved()
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Epochs, s.BatchSize, s.TracesPerEpoch, s.EvalTraces, s.LR, s.LRFactor, s.Patience, s.LossP)
	fmt.Println(s.FNO().NumParams(), "parameters")
	// Output:
	// 20 16 1024 128 0.004 0.4 4 4
	// 1803001 parameters
}

func ExampleTrain() {
	// A small in-memory dataset; a dataset directory opens with
	// OpenDataset(dir).
	d := newMemData(4, 1, 1, 8)
	dir, _ := os.MkdirTemp("", "train-example")
	defer os.RemoveAll(dir)
	run := filepath.Join(dir, "run")
	s := &Settings{
		Epochs: 3, BatchSize: 4, LR: 0.01,
		Model: ModelConfig{Width: 4, Layers: 2, Modes: 6, LiftingChannels: 8, ProjectionChannels: 8, MLPHidden: 4},
	}
	res, err := Train(context.Background(), d, run, s, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println("epochs:", res.Epochs, "selected by:", res.Selection)
	// Stopped and run again with more epochs, it resumes.
	s.Epochs = 4
	res, err = Train(context.Background(), d, run, s, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println("resumed:", res.Resumed, "at epoch", res.StartedAt, "epochs:", res.Epochs)
	// Output:
	// epochs: 3 selected by: test_held_l4
	// resumed: true at epoch 4 epochs: 4
}
