package cable_test

import (
	"fmt"
	"log"

	"github.com/noble-neuro/noble/cable"
	"github.com/noble-neuro/noble/morph"
)

// Build the mouse Pvalb cell as its all-active models do: import the SWC,
// replace the axon by a stub, discretise with nseg = 1 + 2·int(L/40).
func ExampleBuild() {
	m, err := morph.ReadSWCFile("../data/cells/mouse_pvalb_318331342/morphology.swc")
	if err != nil {
		log.Fatal(err)
	}
	if err := m.StubAxon(); err != nil {
		log.Fatal(err)
	}
	m.DefineShape()
	t, err := cable.Build(m, nil)
	if err != nil {
		log.Fatal(err)
	}
	soma := t.Node(0, 0.5)
	fmt.Printf("%d sections, %d compartments, %d nodes\n", len(t.Sections), t.Compartments(), len(t.Parent))
	fmt.Printf("soma(0.5): node %d, area %.4f µm², L %.4f µm\n", soma, t.Area[soma], t.Sections[0].L)
	// Output:
	// 43 sections, 91 compartments, 135 nodes
	// soma(0.5): node 1, area 339.4291 µm², L 10.3944 µm
}
