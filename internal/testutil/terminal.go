package testutil

import "strings"

// Terminal is a buffer that says it is a terminal (an IsTerminal method,
// as cli.NewStatus asks), so that tests see the progress lines a user's
// terminal would receive.
type Terminal struct{ strings.Builder }

// IsTerminal reports true.
func (*Terminal) IsTerminal() bool { return true }

// Screen is what a terminal shows after receiving out: "\r" returns to the
// start of the line, later characters overwrite earlier ones, "\n" starts
// a new line. Trailing blanks of each line are dropped; the last line is
// "" when out ends with a newline.
func Screen(out string) []string {
	lines := [][]rune{nil}
	col := 0
	for _, r := range out {
		cur := &lines[len(lines)-1]
		switch r {
		case '\r':
			col = 0
		case '\n':
			lines = append(lines, nil)
			col = 0
		default:
			if col < len(*cur) {
				(*cur)[col] = r
			} else {
				*cur = append(*cur, r)
			}
			col++
		}
	}
	s := make([]string, len(lines))
	for i, l := range lines {
		s[i] = strings.TrimRight(string(l), " ")
	}
	return s
}
