package morph_test

import (
	"fmt"
	"log"

	"github.com/noble-neuro/noble/morph"
)

func ExampleReadSWCFile() {
	m, err := morph.ReadSWCFile("../data/cells/mouse_pvalb_318331342/morphology.swc")
	if err != nil {
		log.Fatal(err)
	}
	d0, d1, _ := m.AxonDiams()
	if err := m.StubAxon(); err != nil {
		log.Fatal(err)
	}
	m.DefineShape()
	for _, i := range []int{0, 1, len(m.Sections) - 1} {
		s := &m.Sections[i]
		parent := "-"
		if s.Parent >= 0 {
			parent = fmt.Sprintf("%s(%g)", m.Sections[s.Parent].Name, s.ParentX)
		}
		fmt.Printf("%s: %d points, L %.4f µm, parent %s\n", s.Name, len(s.Points), s.L(), parent)
	}
	fmt.Printf("stub diameters %.6f %.6f µm\n", d0, d1)
	// Output:
	// soma[0]: 3 points, L 10.3944 µm, parent -
	// dend[0]: 11 points, L 12.6656 µm, parent soma[0](0.5)
	// axon[1]: 3 points, L 30.0000 µm, parent axon[0](1)
	// stub diameters 0.753533 0.753533 µm
}
