package mech

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnknown is wrapped by every error about an unknown mechanism or
// parameter name.
var ErrUnknown = errors.New("mech: unknown name")

// UnknownError reports a mechanism or parameter name that is not supported,
// with the names that are.
type UnknownError struct {
	Name      string   // the name asked for, as given
	What      string   // "mechanism" or "parameter"
	Supported []string // the names that would have been accepted
}

func (e *UnknownError) Error() string {
	return fmt.Sprintf("mech: unknown %s %q (supported: %s)", e.What, e.Name, strings.Join(e.Supported, ", "))
}

// Unwrap returns ErrUnknown.
func (e *UnknownError) Unwrap() error { return ErrUnknown }

// kinds is the mechanism table in NEURON's registration order (the order of
// nrnivmodl's mod_func.cpp after the built-in pas: the .mod files in byte
// order, so Im before Im_v2 and NaTs2_t, NaV, Nap_Et2), which is also the
// order in which NEURON calls the mechanisms' current and state functions.
// The order matters: CaDynamics integrates cai before SK reads it; for the
// others it fixes the order in which currents are summed (rounding).
var kinds = [...]*Kind{
	pasKind,
	caDynamicsKind,
	caHVAKind,
	caLVAKind,
	ihKind,
	imKind,
	imV2Kind,
	kPstKind,
	kTstKind,
	kdKind,
	kv2likeKind,
	kv31Kind,
	naTs2tKind,
	naVKind,
	napEt2Kind,
	skKind,
}

// Kinds returns every supported mechanism in NEURON's registration order
// (pas, CaDynamics, Ca_HVA, Ca_LVA, Ih, Im, Im_v2, K_Pst, K_Tst, Kd,
// Kv2like, Kv3_1, NaTs2_t, NaV, Nap_Et2, SK). A solver must call Current
// and Advance of the mechanisms of a cell in this order. The returned slice is new; the Kinds it points to
// are shared and must not be modified.
func Kinds() []*Kind {
	out := make([]*Kind, len(kinds))
	copy(out, kinds[:])
	return out
}

// Names returns the suffixes of Kinds(), in the same order.
func Names() []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = k.Name
	}
	return out
}

// Lookup returns the mechanism with the given NEURON suffix (case-sensitive,
// as in NEURON).
func Lookup(name string) (*Kind, bool) {
	for _, k := range kinds {
		if k.Name == name {
			return k, true
		}
	}
	return nil, false
}

// Get is Lookup returning an *UnknownError (wrapping ErrUnknown) that lists
// the supported mechanisms when name is not one of them.
func Get(name string) (*Kind, error) {
	if k, ok := Lookup(name); ok {
		return k, nil
	}
	return nil, &UnknownError{Name: name, What: "mechanism", Supported: Names()}
}

// Index returns the position of k in Kinds(), or -1.
func Index(k *Kind) int {
	for i, kk := range kinds {
		if kk == k {
			return i
		}
	}
	return -1
}

// Param returns the description of the named parameter (without suffix), or
// false.
func (k *Kind) Param(name string) (Param, bool) {
	for _, p := range k.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// ParamKind splits a NEURON range-variable name such as "gbar_NaV",
// "decay_CaDynamics", "g_pas" or "e_pas" into its mechanism and parameter.
// The suffix is everything after the first underscore that leaves a known
// mechanism name (suffixes themselves may hold underscores: "gbar_Kv3_1",
// "gbar_Im_v2"). An unknown mechanism or a parameter the mechanism does not
// have yields an *UnknownError wrapping ErrUnknown that names it and lists
// what is supported.
func ParamKind(suffixedName string) (kind *Kind, param string, err error) {
	for i := 0; i < len(suffixedName); i++ {
		if suffixedName[i] != '_' {
			continue
		}
		p, suffix := suffixedName[:i], suffixedName[i+1:]
		k, ok := Lookup(suffix)
		if !ok {
			continue
		}
		if _, ok := k.Param(p); !ok {
			sup := make([]string, len(k.Params))
			for j, q := range k.Params {
				sup[j] = q.Name + "_" + k.Name
			}
			return nil, "", &UnknownError{Name: suffixedName, What: "parameter", Supported: sup}
		}
		return k, p, nil
	}
	var sup []string
	for _, k := range kinds {
		for _, q := range k.Params {
			sup = append(sup, q.Name+"_"+k.Name)
		}
	}
	return nil, "", &UnknownError{Name: suffixedName, What: "parameter", Supported: sup}
}
