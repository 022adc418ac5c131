package feeds

import "time"

// SetClock replaces the clock undated Atom feeds show until the returned func runs.
func SetClock(f func() time.Time) (restore func()) {
	old := now
	now = f
	return func() { now = old }
}
