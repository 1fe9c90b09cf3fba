package eval_test

import (
	"fmt"
	"strings"

	"github.com/noble-neuro/noble/eval"
)

// ExampleReadRecording reads one cell's depolarising-step features from a
// table in the format of the recorded human cells' (spec_id, then
// "<step>.<feature>" columns): the recording fires, so the spiking
// features are the ones compared.
func ExampleReadRecording() {
	cols := []string{"spec_id", "depol.Spikecount"}
	vals := []string{"42", "7"}
	for i, n := range eval.RecordingNames(true) {
		cols = append(cols, "depol."+n)
		vals = append(vals, fmt.Sprint(i))
	}
	table := strings.Join(cols, ",") + "\n" + strings.Join(vals, ",") + "\n"
	rc, err := eval.ReadRecording(strings.NewReader(table), "table.csv", "42", eval.StepFor(0.2))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rc.Step, rc.Fires, rc.Spikecount, len(rc.Names), rc.Names[0], rc.Values["AP1_width"])

	_, err = eval.ReadRecording(strings.NewReader(table), "table.csv", "43", eval.StepDepol)
	fmt.Println(err)
	// Output:
	// depol true 7 13 AHP1_depth_from_peak 4
	// table.csv: column "spec_id": eval: bad experimental feature table: no row of cell 43 (cells: 42)
}
