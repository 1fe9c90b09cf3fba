package featloss

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseSpec(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want Spec
	}{
		{"sag_amplitude=25", Spec{{SagAmplitude, 25}}},
		{"sag_amplitude=25,spike_count=1", Spec{{SagAmplitude, 25}, {SpikeCount, 1}}},
		{" spike_timing = 0.5 , AP1_width=1e-2", Spec{{SpikeTiming, 0.5}, {AP1Width, 0.01}}},
		{"spike_count=0", Spec{{SpikeCount, 0}}},
		{"", Spec{}},
		{"  ", Spec{}},
	} {
		got, err := ParseSpec(tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseSpec(%q) = %v, %v, want %v", tc.in, got, err, tc.want)
			continue
		}
		again, err := ParseSpec(got.String())
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("ParseSpec(%q).String() = %q does not round-trip: %v, %v", tc.in, got.String(), again, err)
		}
	}
}

func TestParseSpecErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in      string
		want    error
		pos     int
		message string // a substring of the message
	}{
		{"sag=25", ErrUnknownFeature, 1, "known: sag_amplitude, AP1_width, spike_count, spike_timing"},
		{"spike_count=1,Spikecount=2", ErrUnknownFeature, 2, `"Spikecount"`},
		{"sag_amplitude=-1", ErrWeight, 1, "negative"},
		{"sag_amplitude=NaN", ErrWeight, 1, "NaN"},
		{"sag_amplitude=nan", ErrWeight, 1, "NaN"},
		{"sag_amplitude=Inf", ErrWeight, 1, "infinite"},
		{"sag_amplitude=-inf", ErrWeight, 1, "infinite"},
		{"sag_amplitude=1e400", ErrWeight, 1, "infinite"},
		{"sag_amplitude=abc", ErrWeight, 1, "not a number"},
		{"sag_amplitude=1,sag_amplitude=2", ErrDuplicate, 2, "duplicate feature sag_amplitude"},
		{"sag_amplitude", ErrSyntax, 1, "name=weight"},
		{"sag_amplitude=", ErrSyntax, 1, "name=weight"},
		{"=3", ErrSyntax, 1, "name=weight"},
		{"sag_amplitude=1,", ErrSyntax, 2, "name=weight"},
		{"sag_amplitude=1=2", ErrWeight, 1, "not a number"},
		{"sag_amplitude=25;spike_count=1", ErrWeight, 1, "not a number"},
	} {
		_, err := ParseSpec(tc.in)
		var se *SpecError
		if !errors.Is(err, tc.want) || !errors.As(err, &se) || se.Pos != tc.pos || !strings.Contains(err.Error(), tc.message) {
			t.Errorf("ParseSpec(%q) = %v, want %v at element %d mentioning %q", tc.in, err, tc.want, tc.pos, tc.message)
		}
	}
}

func TestFeatureNames(t *testing.T) {
	t.Parallel()
	for _, f := range Features() {
		g, err := ParseFeature(f.String())
		if err != nil || g != f {
			t.Errorf("ParseFeature(%q) = %v, %v", f.String(), g, err)
		}
	}
	if s := Feature(99).String(); s != "Feature(99)" {
		t.Errorf("Feature(99).String() = %q", s)
	}
}

// FuzzParseSpec: ParseSpec never panics, and what it accepts round-trips.
func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{"sag_amplitude=25,spike_count=1", "AP1_width=1e-3", "x=", ",,", "spike_timing=0x1p-2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sp, err := ParseSpec(s)
		if err != nil {
			return
		}
		again, err := ParseSpec(sp.String())
		if err != nil || !reflect.DeepEqual(again, sp) {
			t.Errorf("ParseSpec(%q) = %v does not round-trip: %v, %v", s, sp, again, err)
		}
	})
}
