package fno_test

import (
	"bytes"
	"fmt"

	"github.com/noble-neuro/noble/fno"
	"github.com/noble-neuro/noble/surrogate"
)

func ExampleLoad() {
	m, err := fno.New(fno.DefaultConfig(), 1)
	if err != nil {
		panic(err)
	}
	p := surrogate.DefaultProtocol()
	s := surrogate.Scaling{IThr: surrogate.Range{Min: 0.1, Max: 0.4}, SThr: surrogate.Range{Min: 80, Max: 220}, Lo: 0.5, Hi: 3.5}
	var file bytes.Buffer // a model file; SaveFile/LoadFile use paths
	if err := fno.Save(&file, m, fno.Metadata{Protocol: &p, Scaling: &s}); err != nil {
		panic(err)
	}
	m2, meta, err := fno.Load(&file)
	if err != nil {
		panic(err)
	}
	fmt.Println(m2.Config().NumParams(), "parameters; protocol length", meta.Protocol.Length, "; I_thr range", meta.Scaling.IThr)
	// Output:
	// 1803001 parameters; protocol length 8583 ; I_thr range {0.1 0.4}
}
