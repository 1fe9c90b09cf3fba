//go:build !linux && !darwin && !freebsd

package dataset

import "errors"

// DiskFree is not implemented on this system: it returns an error, and
// Generate then skips its free-space check.
func DiskFree(dir string) (int64, error) {
	return 0, errors.New("dataset: free disk space unknown on this system")
}
