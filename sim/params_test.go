package sim

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noble-neuro/noble/internal/testutil"
	"github.com/noble-neuro/noble/mech"
)

const goodParams = `{
  "passive": [{"ra": 123.3}],
  "conditions": [{"celsius": 34, "v_init": -68,
    "erev": [{"section": "soma", "ena": 53, "ek": -107}]}],
  "genome": [
    {"section": "soma", "name": "cm", "value": 0.88, "mechanism": ""},
    {"section": "soma", "name": "gbar_NaV", "value": "0.14", "mechanism": "NaV"},
    {"section": "dend", "name": "g_pas", "value": 6.5e-05},
    {"section": "apic", "name": "Ra", "value": "188.0", "mechanism": ""}
  ]
}`

func TestParseParams(t *testing.T) {
	p, err := ParseParams([]byte(goodParams), "good.json")
	if err != nil {
		t.Fatal(err)
	}
	if p.Ra != 123.3 || p.Celsius != 34 || p.VInit != -68 {
		t.Errorf("Ra, Celsius, VInit = %v, %v, %v, want 123.3, 34, -68", p.Ra, p.Celsius, p.VInit)
	}
	if len(p.Erev) != 1 || p.Erev[0] != (Erev{"soma", 53, -107}) {
		t.Errorf("Erev = %+v", p.Erev)
	}
	want := []Gene{
		{"soma", "cm", 0.88, ""},
		{"soma", "gbar_NaV", 0.14, "NaV"},
		{"dend", "g_pas", 6.5e-05, ""},
		{"apic", "Ra", 188, ""},
	}
	if len(p.Genome) != len(want) {
		t.Fatalf("genome has %d entries, want %d", len(p.Genome), len(want))
	}
	for i := range want {
		if p.Genome[i] != want[i] {
			t.Errorf("genome[%d] = %+v, want %+v", i, p.Genome[i], want[i])
		}
	}
}

// Every shipped parameter file parses.
func TestParseShippedParams(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testutil.RepoRoot(t), "data/cells/*/hof/*.json"))
	if len(files) == 0 {
		t.Fatal("no shipped parameter files")
	}
	for _, f := range files {
		if _, err := ReadParamsFile(f); err != nil {
			t.Error(err)
		}
	}
}

func TestParseParamsErrors(t *testing.T) {
	edit := func(old, new string) string {
		if !strings.Contains(goodParams, old) {
			panic("test edit does not apply: " + old)
		}
		return strings.Replace(goodParams, old, new, 1)
	}
	cases := []struct {
		name, data string
		sentinel   error
		msg        string // substring of the error
	}{
		{"empty", ``, ErrSyntax, "bad.json:1:1:"},
		{"truncated", goodParams[:200], ErrSyntax, "unexpected end of JSON input"},
		{"syntax", edit(`"v_init": -68,`, `"v_init": -68,,`), ErrSyntax, "bad.json:3:"},
		{"NaN literal", edit(`"celsius": 34`, `"celsius": NaN`), ErrSyntax, "NaN and Infinity are not JSON numbers"},
		{"not object", `[1, 2]`, ErrType, "top level must be a JSON object"},
		{"no passive", edit(`"passive": [{"ra": 123.3}],`, ``), ErrMissing, "passive: "},
		{"empty passive", edit(`[{"ra": 123.3}]`, `[]`), ErrMissing, "passive: "},
		{"ra string", edit(`"ra": 123.3`, `"ra": "123.3"`), ErrType, "passive[0].ra: "},
		{"ra zero", edit(`"ra": 123.3`, `"ra": 0`), ErrRange, "passive[0].ra: "},
		{"no conditions", edit(`"conditions": [{"celsius": 34, "v_init": -68,
    "erev": [{"section": "soma", "ena": 53, "ek": -107}]}],`, ``), ErrMissing, "conditions: "},
		{"no celsius", edit(`"celsius": 34, `, ``), ErrMissing, "conditions[0].celsius: "},
		{"no v_init", edit(`"v_init": -68,`, ``), ErrMissing, "conditions[0].v_init: "},
		{"v_init null", edit(`"v_init": -68`, `"v_init": null`), ErrType, "conditions[0].v_init: "},
		{"huge", edit(`"v_init": -68`, `"v_init": -1e999`), ErrNotFinite, "conditions[0].v_init: "},
		{"no erev", edit(`"erev": [{"section": "soma", "ena": 53, "ek": -107}]`, `"x": 1`), ErrMissing, "conditions[0].erev: "},
		{"erev no ek", edit(`, "ek": -107`, ``), ErrMissing, "conditions[0].erev[0].ek: "},
		{"erev bad section", edit(`"section": "soma", "ena"`, `"section": "somatic", "ena"`), ErrRange, "conditions[0].erev[0].section: "},
		{"no genome", edit(`"genome"`, `"genom"`), ErrMissing, "genome: "},
		{"genome object", strings.Replace(goodParams[:strings.Index(goodParams, `"genome"`)], `]}],`, `]}], "genome": {}}`, 1), ErrType, "want an array"},
		{"no value", edit(`"value": 0.88, `, ``), ErrMissing, "genome[0].value: "},
		{"value NaN string", edit(`"value": "0.14"`, `"value": "NaN"`), ErrNotFinite, "genome[1].value: "},
		{"value inf string", edit(`"value": "0.14"`, `"value": "inf"`), ErrNotFinite, "genome[1].value: "},
		{"value words", edit(`"value": "0.14"`, `"value": "high"`), ErrType, "genome[1].value: "},
		{"value hex", edit(`"value": "0.14"`, `"value": "0x1p-3"`), ErrType, "genome[1].value: "},
		{"value bool", edit(`"value": "0.14"`, `"value": true`), ErrType, "genome[1].value: "},
		{"no name", edit(`"name": "cm", `, ``), ErrMissing, "genome[0].name: "},
		{"no section", edit(`{"section": "dend", `, `{`), ErrMissing, "genome[2].section: "},
		{"unknown mechanism", edit(`"mechanism": "NaV"`, `"mechanism": "NaTa_t"`), mech.ErrUnknown, "genome[1].mechanism: "},
		{"unknown parameter", edit(`"gbar_NaV"`, `"gmax_NaV"`), mech.ErrUnknown, "genome[1].name: "},
		{"unknown suffix", edit(`"gbar_NaV"`, `"gbar_NaTa_t"`), mech.ErrUnknown, "genome[1].name: "},
		{"not inserted", edit(`"name": "gbar_NaV", "value": "0.14", "mechanism": "NaV"`, `"name": "gbar_NaV", "value": "0.14", "mechanism": ""`), ErrMissing, "mechanism NaV is not inserted in soma"},
		{"cm zero", edit(`"value": 0.88`, `"value": 0`), ErrRange, "genome[0].value: "},
		{"Ra negative", edit(`"value": "188.0"`, `"value": "-188.0"`), ErrRange, "genome[3].value: "},
		{"bad genome section", edit(`"section": "apic"`, `"section": "axonal"`), ErrRange, "genome[3].section: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseParams([]byte(c.data), "bad.json")
			if err == nil {
				t.Fatal("no error")
			}
			var pe *ParamError
			if !errors.As(err, &pe) {
				t.Errorf("error %T is not a *ParamError: %v", err, err)
			}
			if !errors.Is(err, c.sentinel) {
				t.Errorf("error does not wrap %v: %v", c.sentinel, err)
			}
			if !strings.Contains(err.Error(), c.msg) || !strings.HasPrefix(err.Error(), "bad.json") {
				t.Errorf("error %q does not start with the file and contain %q", err, c.msg)
			}
		})
	}
}

// The unknown-name errors name the file, the field and the mechanism, and
// list what is supported. NaTa_t is one of the repository's .mod files that
// none of its all-active models inserts.
func TestParseParamsListsSupported(t *testing.T) {
	bad := strings.Replace(goodParams, `"mechanism": "NaV"`, `"mechanism": "NaTa_t"`, 1)
	_, err := ParseParams([]byte(bad), "bad.json")
	want := `bad.json: genome[1].mechanism: mech: unknown mechanism "NaTa_t" (supported: ` + strings.Join(mech.Names(), ", ") + ")"
	if err == nil || err.Error() != want {
		t.Errorf("error\n%v\nwant\n%s", err, want)
	}
	for _, name := range []string{"NaTs2_t", "Nap_Et2", "Im", "Kv3_1"} {
		if err != nil && !strings.Contains(err.Error(), name) {
			t.Errorf("error %v does not list %s", err, name)
		}
	}
	bad = strings.Replace(goodParams, `"gbar_NaV"`, `"gmax_NaV"`, 1)
	_, err = ParseParams([]byte(bad), "bad.json")
	if err == nil || !strings.Contains(err.Error(), "gmax_NaV") || !strings.Contains(err.Error(), "gbar_NaV") {
		t.Errorf("error %v should name gmax_NaV and list gbar_NaV", err)
	}
}

func TestReadParamsFileMissing(t *testing.T) {
	_, err := ReadParamsFile(filepath.Join(t.TempDir(), "none.json"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want not-exist", err)
	}
}

func FuzzParseParams(f *testing.F) {
	f.Add([]byte(goodParams))
	files, _ := filepath.Glob("../data/cells/mouse_pvalb_318331342/hof/hof_param_318331342_[01].json")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"passive":[{}],"conditions":[{"celsius":1,"v_init":2,"erev":[]}],"genome":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			t.Skip()
		}
		p, err := ParseParams(data, "fuzz.json")
		if err != nil {
			var pe *ParamError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *ParamError: %v", err, err)
			}
			return
		}
		// Invariants of an accepted file: finite values, known names.
		for i, g := range p.Genome {
			if g.Value != g.Value || g.Value > 1e308 || g.Value < -1e308 {
				t.Fatalf("genome[%d] value %v accepted", i, g.Value)
			}
			if !knownSection(g.Section) {
				t.Fatalf("genome[%d] section %q accepted", i, g.Section)
			}
		}
		// An accepted file must build a model on any cell.
		if _, err := newModel(cylinderTree("soma", 20, 20, 100, 1), p); err != nil {
			t.Fatalf("accepted file does not build: %v", err)
		}
	})
}
