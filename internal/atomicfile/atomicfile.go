// Package atomicfile writes files so that a reader never sees a partial one.
//
// A file is written to a temporary name in the destination directory, synced,
// closed and renamed over the final path; on any failure the temporary file is
// removed. A crash (or kill -9) at any point leaves either the old file, the
// complete new file, or a stray temporary file whose name starts with "."
// and ends in ".tmp", never a truncated file under the final name. The sync
// before the rename matters: without it a power loss can leave the renamed
// file empty on some file systems (see google/renameio for the discussion).
package atomicfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// File is a pending file: write to it, then Commit, or Abort to discard it.
// It is not safe for concurrent use.
type File struct {
	*os.File
	path string
	done bool
}

// Create opens a pending file that will replace path on Commit.
// The file is created with mode 0644 (before the umask).
func Create(path string) (*File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("atomicfile: create %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("atomicfile: create %s: %w", path, err)
	}
	return &File{File: f, path: path}, nil
}

// Commit syncs and closes the temporary file and renames it to the final path.
func (f *File) Commit() error {
	if f.done {
		return errors.New("atomicfile: commit after commit or abort")
	}
	f.done = true
	tmp := f.Name()
	if err := f.Sync(); err != nil {
		f.File.Close()
		os.Remove(tmp)
		return fmt.Errorf("atomicfile: sync %s: %w", f.path, err)
	}
	if err := f.File.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("atomicfile: close %s: %w", f.path, err)
	}
	if err := os.Rename(tmp, f.path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("atomicfile: %w", err)
	}
	return nil
}

// Abort discards the pending file. It is a no-op after Commit, so it can be
// deferred right after Create.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.File.Close()
	os.Remove(f.Name())
}

// Write atomically replaces path with the output of fn.
func Write(path string, fn func(w io.Writer) error) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := fn(f); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Commit()
}

// WriteFile atomically replaces path with data.
func WriteFile(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := io.Copy(w, bytes.NewReader(data))
		return err
	})
}
