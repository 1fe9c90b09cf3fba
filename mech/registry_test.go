package mech

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestKindsOrder(t *testing.T) {
	// nrnivmodl's order: the .mod files sorted bytewise ("Im.mod" <
	// "Im_v2.mod", "NaTs2_t" < "NaV" < "Nap_Et2").
	want := []string{"pas", "CaDynamics", "Ca_HVA", "Ca_LVA", "Ih", "Im", "Im_v2", "K_Pst", "K_Tst",
		"Kd", "Kv2like", "Kv3_1", "NaTs2_t", "NaV", "Nap_Et2", "SK"}
	if got := Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	for i, k := range Kinds() {
		if k.Name != want[i] || Index(k) != i {
			t.Errorf("Kinds()[%d] = %s (Index %d), want %s", i, k.Name, Index(k), want[i])
		}
		got, ok := Lookup(k.Name)
		if !ok || got != k {
			t.Errorf("Lookup(%q) = %v, %v", k.Name, got, ok)
		}
	}
	// Kinds returns a copy of the table.
	ks := Kinds()
	ks[0] = nil
	if Kinds()[0] == nil {
		t.Fatal("Kinds() exposes the table")
	}
	if _, ok := Lookup("nav"); ok {
		t.Error(`Lookup("nav") succeeded; suffixes are case-sensitive`)
	}
}

func TestGetUnknown(t *testing.T) {
	_, err := Get("NaTa_t") // in the repository's modfiles, not used by its models
	if !errors.Is(err, ErrUnknown) {
		t.Fatalf("Get(NaTa_t) error %v does not wrap ErrUnknown", err)
	}
	for _, s := range []string{`"NaTa_t"`, "mechanism", "NaV", "NaTs2_t", "Im, Im_v2", "CaDynamics", "pas"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %s", err, s)
		}
	}
	if k, err := Get("SK"); err != nil || k.Name != "SK" {
		t.Errorf("Get(SK) = %v, %v", k, err)
	}
}

func TestParamKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in         string
		kind, par  string
		errMention []string // nil: no error
	}{
		{in: "gbar_NaV", kind: "NaV", par: "gbar"},
		{in: "decay_CaDynamics", kind: "CaDynamics", par: "decay"},
		{in: "gamma_CaDynamics", kind: "CaDynamics", par: "gamma"},
		{in: "minCai_CaDynamics", kind: "CaDynamics", par: "minCai"},
		{in: "depth_CaDynamics", kind: "CaDynamics", par: "depth"},
		{in: "g_pas", kind: "pas", par: "g"},
		{in: "e_pas", kind: "pas", par: "e"},
		{in: "gbar_Kv3_1", kind: "Kv3_1", par: "gbar"},
		{in: "gbar_Im_v2", kind: "Im_v2", par: "gbar"},
		{in: "gbar_Ca_HVA", kind: "Ca_HVA", par: "gbar"},
		{in: "gbar_K_Pst", kind: "K_Pst", par: "gbar"},
		{in: "gbar_SK", kind: "SK", par: "gbar"},
		{in: "gbar_NaTs2_t", kind: "NaTs2_t", par: "gbar"},
		{in: "gbar_Nap_Et2", kind: "Nap_Et2", par: "gbar"},
		{in: "gbar_Im", kind: "Im", par: "gbar"},
		{in: "gbar_NaTa_t", errMention: []string{"gbar_NaTa_t", "gbar_NaV", "gbar_NaTs2_t", "decay_CaDynamics", "g_pas"}},
		{in: "vshift_Kv3_1", errMention: []string{"vshift_Kv3_1", "gbar_Kv3_1"}},
		{in: "foo_NaV", errMention: []string{"foo_NaV", "gbar_NaV"}},
		{in: "gbar", errMention: []string{`"gbar"`}},
		{in: "", errMention: []string{`""`}},
		{in: "gbar_", errMention: []string{"gbar_"}},
		{in: "cm", errMention: []string{`"cm"`}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			k, p, err := ParamKind(tc.in)
			if tc.errMention == nil {
				if err != nil || k.Name != tc.kind || p != tc.par {
					t.Fatalf("ParamKind(%q) = %v, %q, %v; want %s, %s", tc.in, k, p, err, tc.kind, tc.par)
				}
				return
			}
			if !errors.Is(err, ErrUnknown) {
				t.Fatalf("ParamKind(%q) error = %v, want ErrUnknown", tc.in, err)
			}
			var ue *UnknownError
			if !errors.As(err, &ue) || ue.What != "parameter" || ue.Name != tc.in {
				t.Fatalf("ParamKind(%q) error = %#v", tc.in, err)
			}
			for _, s := range tc.errMention {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("ParamKind(%q) error %q does not mention %s", tc.in, err, s)
				}
			}
		})
	}
}

// TestKindParams checks every mechanism's declared parameters against the
// RANGE PARAMETERs of its .mod file and their defaults, and that New
// installs the defaults.
func TestKindParams(t *testing.T) {
	want := map[string]map[string]float64{
		"pas":        {"g": 0.001, "e": -70},
		"CaDynamics": {"gamma": 0.05, "decay": 80, "depth": 0.1, "minCai": 1e-4},
		"Ca_HVA":     {"gbar": 1e-5}, "Ca_LVA": {"gbar": 1e-5}, "Ih": {"gbar": 1e-5},
		"Im_v2": {"gbar": 1e-5}, "K_Pst": {"gbar": 1e-5}, "K_Tst": {"gbar": 1e-5},
		"Kd": {"gbar": 1e-5}, "Kv2like": {"gbar": 1e-5}, "Kv3_1": {"gbar": 1e-5},
		"NaV": {"gbar": 0.015}, "SK": {"gbar": 1e-6},
		"Im": {"gbar": 1e-5}, "NaTs2_t": {"gbar": 1e-5}, "Nap_Et2": {"gbar": 1e-5},
	}
	ions := map[string]Ion{"pas": 0, "CaDynamics": Ca, "Ca_HVA": Ca, "Ca_LVA": Ca, "Ih": 0,
		"Im_v2": K, "K_Pst": K, "K_Tst": K, "Kd": K, "Kv2like": K, "Kv3_1": K, "NaV": Na, "SK": K | Ca,
		"Im": K, "NaTs2_t": Na, "Nap_Et2": Na}
	for _, k := range Kinds() {
		w := want[k.Name]
		if len(k.Params) != len(w) {
			t.Errorf("%s: %d params, want %d", k.Name, len(k.Params), len(w))
		}
		if k.Ions != ions[k.Name] {
			t.Errorf("%s: Ions = %b, want %b", k.Name, k.Ions, ions[k.Name])
		}
		if k.WritesCai != (k.Name == "CaDynamics") {
			t.Errorf("%s: WritesCai = %v", k.Name, k.WritesCai)
		}
		nodes := []int{3, 1, 4}
		m := k.New(nodes)
		if m.Kind() != k || !slices.Equal(m.Nodes(), nodes) {
			t.Errorf("%s: New gives kind %v nodes %v", k.Name, m.Kind(), m.Nodes())
		}
		for _, p := range k.Params {
			if p.Default != w[p.Name] || p.Unit == "" {
				t.Errorf("%s.%s: default %g unit %q, want %g", k.Name, p.Name, p.Default, p.Unit, w[p.Name])
			}
			v := m.Param(p.Name)
			if len(v) != len(nodes) {
				t.Fatalf("%s.Param(%s) has length %d", k.Name, p.Name, len(v))
			}
			for _, x := range v {
				if x != p.Default {
					t.Errorf("%s.%s = %g after New, want %g", k.Name, p.Name, x, p.Default)
				}
			}
		}
		if m.Param("nope") != nil {
			t.Errorf("%s.Param(nope) != nil", k.Name)
		}
	}
}

// FuzzParamKind: ParamKind never panics; on success the input is
// param_suffix of a known mechanism and parameter; on failure the error
// wraps ErrUnknown and names the input.
func FuzzParamKind(f *testing.F) {
	for _, s := range []string{"gbar_NaV", "g_pas", "decay_CaDynamics", "gbar_Kv3_1", "x_", "_", "gbar__NaV", "gbar_Im_v2_x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, p, err := ParamKind(s)
		if err != nil {
			if !errors.Is(err, ErrUnknown) || !strings.Contains(err.Error(), strconv.Quote(s)) {
				t.Fatalf("ParamKind(%q) error %v", s, err)
			}
			return
		}
		if p+"_"+k.Name != s {
			t.Fatalf("ParamKind(%q) = %s, %s", s, k.Name, p)
		}
		if _, ok := k.Param(p); !ok {
			t.Fatalf("ParamKind(%q) returned undeclared parameter %s", s, p)
		}
	})
}
