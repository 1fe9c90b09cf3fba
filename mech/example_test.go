package mech_test

import (
	"errors"
	"fmt"

	"github.com/noble-neuro/noble/mech"
)

// A parameter-file name splits into mechanism and parameter; unknown names
// are errors listing what is supported.
func ExampleParamKind() {
	k, p, err := mech.ParamKind("gbar_Kv3_1")
	fmt.Println(k.Name, p, err)
	k, p, _ = mech.ParamKind("decay_CaDynamics")
	fmt.Println(k.Name, p, k.WritesCai)
	_, _, err = mech.ParamKind("vshift_Kv3_1")
	fmt.Println(errors.Is(err, mech.ErrUnknown))
	fmt.Println(err)
	// Output:
	// Kv3_1 gbar <nil>
	// CaDynamics decay true
	// true
	// mech: unknown parameter "vshift_Kv3_1" (supported: gbar_Kv3_1)
}

// One compartment with the NaV channel, clamped at −80 mV then stepped to
// 0 mV: the open probability rises and inactivates within a millisecond.
func ExampleKind_New() {
	k, _ := mech.Lookup("NaV")
	m := k.New([]int{0})
	m.Param("gbar")[0] = 0.05
	s := &mech.State{V: []float64{-80}, Cai: []float64{1e-4}, Ica: []float64{0},
		Eca: []float64{130}, Ena: []float64{53}, Ek: []float64{-107}, Celsius: 34}
	m.Init(s)
	i, g := []float64{0}, []float64{0}
	s.V[0] = 0
	for step := 1; step <= 40; step++ {
		m.Advance(s, 0.025)
		if step%10 == 0 {
			i[0], g[0] = 0, 0
			m.Current(s, i, g)
			fmt.Printf("t=%.2f ms ina=%.4f mA/cm² g=%.5f S/cm²\n", float64(step)*0.025, i[0], g[0])
		}
	}
	// Output:
	// t=0.25 ms ina=-0.6465 mA/cm² g=0.01220 S/cm²
	// t=0.50 ms ina=-0.2114 mA/cm² g=0.00399 S/cm²
	// t=0.75 ms ina=-0.0767 mA/cm² g=0.00145 S/cm²
	// t=1.00 ms ina=-0.0350 mA/cm² g=0.00066 S/cm²
}

func ExampleNames() {
	fmt.Println(mech.Names())
	// Output:
	// [pas CaDynamics Ca_HVA Ca_LVA Ih Im Im_v2 K_Pst K_Tst Kd Kv2like Kv3_1 NaTs2_t NaV Nap_Et2 SK]
}
