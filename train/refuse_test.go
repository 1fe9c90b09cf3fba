package train

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRefusedRunLeavesNothing reproduces issue 20: "noble train --init" of a
// truncated model file failed but left an empty run directory behind. A
// run refused before training (an unreadable or mismatched init model, a
// selection no epoch could satisfy) must leave no directory it created and
// write nothing into one that existed.
func TestRefusedRunLeavesNothing(t *testing.T) {
	d := newMemData(2, 0, 1, 4)
	good := baseModel(t, d, 1)
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	files := t.TempDir()
	truncated := filepath.Join(files, "truncated.safetensors")
	if err := os.WriteFile(truncated, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(files, "empty.safetensors")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		set  func(s *Settings)
		want error
		msg  string
	}{
		{"truncated init", func(s *Settings) { s.Init = truncated }, ErrSettings, "init"},
		{"empty init", func(s *Settings) { s.Init = empty }, ErrSettings, "init"},
		{"missing init", func(s *Settings) { s.Init = good + ".missing" }, ErrSettings, "init"},
		{"other architecture", func(s *Settings) { s.Init, s.Model.Width = good, 6 }, ErrSettings, "architecture"},
		// The synthetic cell never fires: no epoch could be selected.
		{"spikecount selection", func(s *Settings) { s.SelectBy = SelectSpikecount }, ErrSettings, "fires"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := tinySettings(1)
			c.set(s)
			base := t.TempDir()
			// A directory the run would create, with a parent it would
			// create too, and an existing empty one.
			created := filepath.Join(base, "new")
			existing := filepath.Join(base, "existing")
			if err := os.Mkdir(existing, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, dir := range []string{filepath.Join(created, "run"), existing} {
				_, err := Train(context.Background(), d, dir, s, nil)
				if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
					t.Errorf("Train(%s) error %v, want %v mentioning %q", dir, err, c.want, c.msg)
				}
			}
			if _, err := os.Stat(created); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused run left %s behind (%v)", created, err)
			}
			if ents, err := os.ReadDir(existing); err != nil || len(ents) != 0 {
				t.Errorf("a refused run wrote into %s: %v (%v)", existing, ents, err)
			}
		})
	}
}
