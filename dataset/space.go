package dataset

import (
	"errors"
	"fmt"
)

// ErrNoSpace is returned by Generate when the shards a job has left to
// write would not fit the free space of the output file system.
var ErrNoSpace = errors.New("dataset: not enough free disk space")

// checkSpace refuses a job whose missing traces (todo of them, in shards of
// g) would not fit the free space of dir's file system, as free reports it
// (nil: DiskFree). It is a check before hours of simulation, not a
// guarantee: other writers may fill the disk meanwhile. An unknown free
// space (an error from free, or a system without the call) passes.
func checkSpace(dir string, g *Generation, todo int, free func(string) (int64, error)) error {
	if todo == 0 {
		return nil
	}
	if free == nil {
		free = DiskFree
	}
	avail, err := free(dir)
	if err != nil || avail < 0 {
		return nil
	}
	per := g.Settings.TracesPerShard
	shards := (todo + per - 1) / per
	need := int64(todo)*(4*int64(g.Layout.Samples)+24) + int64(shards)*4096
	if need > avail {
		return fmt.Errorf("%w: %s: the %d traces left need about %s, its file system has %s free", ErrNoSpace, dir, todo, byteSize(need), byteSize(avail))
	}
	return nil
}

// byteSize formats n bytes with a decimal unit, e.g. "3.6 TB".
func byteSize(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
