// Package testutil holds helpers shared by the tests of several packages:
// locating the repository root and the project's shared reference folder.
package testutil

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// RepoRoot walks up from the test's working directory (its package
// directory) to the directory holding go.mod, and fails the test if there
// is none.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("testutil: no go.mod above the package directory")
		}
		dir = up
	}
}

// SharedDir returns the project's shared reference folder, ../shared next to
// the repository root, which holds the unshipped human cell and its NEURON and
// eFEL references (docs/reference-data.md says how to build it). It skips the
// test with a message when the folder is absent, as it is in a user's clone.
func SharedDir(t testing.TB) string {
	t.Helper()
	s := filepath.Join(RepoRoot(t), "..", "shared")
	if _, err := os.Stat(s); err != nil {
		t.Skipf("%s absent (the human cell is not shipped): skipping", s)
	}
	return s
}

// ReadGzipJSON decodes the gzip-compressed JSON file at path into v, failing
// the test on any error. Reference dumps of NEURON are stored this way.
func ReadGzipJSON(t testing.TB, path string, v any) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if err := json.NewDecoder(zr).Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
