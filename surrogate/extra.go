package surrogate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// maxExtra bounds the number of extra features (len(Features) − 2), so
// that Extras is a fixed-size value and the types holding one (Scaling,
// Stimulus, HoF, CellModel) stay comparable with ==.
const maxExtra = 4

// Extras holds at most one T per extra feature (IsExtraFeature), by name:
// a small map that is comparable with == and whose zero value is empty.
// Its JSON is an object from feature name to value, in Features' order;
// a field of this type tagged omitzero is left out when empty, so records
// without extra features encode as they did before Extras existed.
type Extras[T comparable] struct {
	has [maxExtra]bool
	v   [maxExtra]T
}

// ExtraValues holds a model's extra features, in their units (AHP_depth:
// mV). ExtraRanges holds their min-max scaling ranges.
type (
	ExtraValues = Extras[float64]
	ExtraRanges = Extras[Range]
)

// extraIndex returns the slot of an extra feature, −1 for other names.
func extraIndex(name string) int {
	if !IsExtraFeature(name) {
		return -1
	}
	return slices.Index(Features, name) - 2
}

// Get returns the value of the named feature and whether x has one.
func (x Extras[T]) Get(name string) (T, bool) {
	var zero T
	i := extraIndex(name)
	if i < 0 || !x.has[i] {
		return zero, false
	}
	return x.v[i], true
}

// Set sets the named feature to v. It panics if name is not an extra
// feature (IsExtraFeature): callers check names they read from input.
func (x *Extras[T]) Set(name string, v T) {
	i := extraIndex(name)
	if i < 0 {
		panic(fmt.Sprintf("surrogate: Extras.Set(%q): not an extra feature", name))
	}
	x.has[i], x.v[i] = true, v
}

// With returns a copy of x with the named feature set to v (see Set).
func (x Extras[T]) With(name string, v T) Extras[T] {
	x.Set(name, v)
	return x
}

// Names returns the features x has, in Features' order; nil if none.
func (x Extras[T]) Names() []string {
	var out []string
	for i, ok := range x.has {
		if ok {
			out = append(out, Features[2+i])
		}
	}
	return out
}

// Len returns the number of features x has.
func (x Extras[T]) Len() int { return len(x.Names()) }

// IsZero reports whether x has no feature (encoding/json's omitzero).
func (x Extras[T]) IsZero() bool { return x.has == [maxExtra]bool{} }

// MarshalJSON encodes x as an object, names in Features' order. It fails
// on a value JSON cannot hold (NaN or ±Inf).
func (x Extras[T]) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for k, name := range x.Names() {
		if k > 0 {
			b.WriteByte(',')
		}
		v, _ := x.Get(name)
		kb, _ := json.Marshal(name)
		vb, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON decodes an object from extra feature names to values,
// strictly: another name, or an unknown field inside a value, is an error.
func (x *Extras[T]) UnmarshalJSON(data []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	var out Extras[T]
	for name, raw := range m {
		if !IsExtraFeature(name) {
			return fmt.Errorf("feature %q: not an extra feature (want one of %q)", name, Features[2:])
		}
		var v T
		if err := strictJSON(string(raw), &v); err != nil {
			return fmt.Errorf("feature %q: %w", name, err)
		}
		out.Set(name, v)
	}
	*x = out
	return nil
}
