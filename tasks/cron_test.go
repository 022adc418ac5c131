package tasks

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCronNext(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse("2006-01-02 15:04 Mon", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		spec, from, want string
	}{
		{"* * * * *", "2026-12-07 10:00 Mon", "2026-12-07 10:01 Mon"},
		{"*/5 * * * *", "2026-12-07 10:03 Mon", "2026-12-07 10:05 Mon"},
		{"*/5 * * * *", "2026-12-07 10:55 Mon", "2026-12-07 11:00 Mon"},
		{"0 9 * * mon-fri", "2026-12-11 09:00 Fri", "2026-12-14 09:00 Mon"},
		{"30 2 1 * *", "2026-12-07 10:00 Mon", "2027-01-01 02:30 Fri"},
		{"0 0 29 2 *", "2026-03-01 00:00 Sun", "2028-02-29 00:00 Tue"},
		{"0 0 * * 7", "2026-12-07 10:00 Mon", "2026-12-13 00:00 Sun"},
		{"0 0 * * SUN", "2026-12-07 10:00 Mon", "2026-12-13 00:00 Sun"},
		// both day fields restricted: either matches (the 15th, or a Monday)
		{"0 0 15 * 1", "2026-12-08 00:00 Tue", "2026-12-14 00:00 Mon"},
		{"0 0 15 * 1", "2026-12-14 00:00 Mon", "2026-12-15 00:00 Tue"},
		{"5/20 * * * *", "2026-12-07 10:06 Mon", "2026-12-07 10:25 Mon"},
		{"1-10/3,45 * * * *", "2026-12-07 10:11 Mon", "2026-12-07 10:45 Mon"},
		{"0 12 * jun *", "2026-12-07 10:00 Mon", "2027-06-01 12:00 Tue"},
		{"@hourly", "2026-12-07 10:00 Mon", "2026-12-07 11:00 Mon"},
		{"@daily", "2026-12-07 10:00 Mon", "2026-12-08 00:00 Tue"},
		{"@weekly", "2026-12-07 10:00 Mon", "2026-12-13 00:00 Sun"},
		{"@monthly", "2026-12-07 10:00 Mon", "2027-01-01 00:00 Fri"},
		{"@yearly", "2026-12-07 10:00 Mon", "2027-01-01 00:00 Fri"},
		// rare but real: 29 February on a Sunday
		{"0 0 29 2 */7", "2026-12-07 10:00 Mon", "2032-02-29 00:00 Sun"},
	}
	for _, tt := range tests {
		c, err := ParseCron(tt.spec)
		if err != nil {
			t.Errorf("%q: %v", tt.spec, err)
			continue
		}
		if got := c.Next(at(tt.from)); !got.Equal(at(tt.want)) {
			t.Errorf("%q after %s: %s, want %s", tt.spec, tt.from, got.Format("2006-01-02 15:04 Mon"), tt.want)
		}
	}
}

func TestCronPrev(t *testing.T) {
	c, _ := ParseCron("*/5 * * * *")
	now := time.Date(2026, 12, 7, 10, 7, 30, 0, time.UTC)
	if got, ok := c.Prev(now, time.Minute); ok {
		t.Errorf("a tick within a minute of 10:07:30: %v", got)
	}
	if got, ok := c.Prev(now, 5*time.Minute); !ok || !got.Equal(time.Date(2026, 12, 7, 10, 5, 0, 0, time.UTC)) {
		t.Errorf("Prev: %v %v", got, ok)
	}
}

func TestCronErrors(t *testing.T) {
	tests := []struct{ spec, field, msg string }{
		{"", "", "0 fields"},
		{"* * * *", "", "4 fields"},
		{"* * * * * *", "", "6 fields"},
		{"60 * * * *", "minute", "from 0 to 59"},
		{"* 24 * * *", "hour", "from 0 to 23"},
		{"* * 0 * *", "day of month", "from 1 to 31"},
		{"* * * 13 *", "month", "from 1 to 12"},
		{"* * * * 8", "day of week", "from 0 to 7"},
		{"*/0 * * * *", "minute", "step"},
		{"*/x * * * *", "minute", "step"},
		{"5-1 * * * *", "minute", "backwards"},
		{"1,,2 * * * *", "minute", "not a value"},
		{"-1 * * * *", "minute", "not a value"},
		{"* * * foo *", "month", "not a value"},
		{"0 0 30 2 *", "", "never fires"},
		{"0 0 31 4,6,9,11 *", "", "never fires"},
		{"@often", "", "unknown macro"},
		{"99999999999999999999 * * * *", "minute", "not a value"},
	}
	for _, tt := range tests {
		_, err := ParseCron(tt.spec)
		var ce *CronError
		if !errors.As(err, &ce) {
			t.Errorf("%q: %v, want a *CronError", tt.spec, err)
			continue
		}
		if ce.Field != tt.field || !strings.Contains(ce.Error(), tt.msg) {
			t.Errorf("%q: field %q, %q; want field %q and %q", tt.spec, ce.Field, ce.Error(), tt.field, tt.msg)
		}
	}
}

// Any text: an error or a schedule whose next tick is after the start and
// matches it again, never a panic.
func FuzzParseCron(f *testing.F) {
	for _, s := range []string{"* * * * *", "*/5 1-3 * jan-mar mon,fri", "@daily", "0 0 29 2 *", "5/7 */3 1,15 * 0-7"} {
		f.Add(s)
	}
	from := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, spec string) {
		c, err := ParseCron(spec)
		if err != nil {
			return
		}
		n := c.Next(from)
		if n.IsZero() || !n.After(from) {
			t.Fatalf("%q: next %v", spec, n)
		}
		if again := c.Next(n.Add(-time.Minute)); !again.Equal(n) {
			t.Fatalf("%q: %v is not a tick (%v)", spec, n, again)
		}
	})
}
