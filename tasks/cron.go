package tasks

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// CronError is the error of a cron expression that does not parse.
type CronError struct {
	// Spec is the expression as given.
	Spec string
	// Field names the field at fault ("minute", "hour", "day of month", "month",
	// "day of week"), or is empty for the expression as a whole.
	Field string
	// Msg says what is wrong.
	Msg string
}

// Error implements error.
func (e *CronError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("tasks: cron %q: %s", e.Spec, e.Msg)
	}
	return fmt.Sprintf("tasks: cron %q: %s: %s", e.Spec, e.Field, e.Msg)
}

// Cron is a parsed cron expression: five fields (minute, hour, day of month,
// month, day of week) evaluated in UTC.
type Cron struct {
	spec                          string
	minute, hour, dom, month, dow uint64 // bit i set: value i matches
	domStar, dowStar              bool
}

type cronField struct {
	name     string
	min, max int
	names    []string // names[i] is the value min+i
}

var cronFields = [5]cronField{
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day of month", min: 1, max: 31},
	{name: "month", min: 1, max: 12, names: []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
	{name: "day of week", min: 0, max: 7, names: []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
}

var cronMacros = map[string]string{
	"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
	"@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}

// ParseCron parses a cron expression: five space-separated fields, each a list
// of "*", a value, or a range "a-b", optionally with a step "/n"; months and
// weekdays also by their English three-letter names; 0 and 7 are Sunday. The
// macros @yearly, @annually, @monthly, @weekly, @daily, @midnight and @hourly
// stand for their usual expressions. As in Vixie cron, when both day fields are
// restricted a day matching either one matches. An expression that can never
// fire (30 February) is an error too; every error is a *CronError.
func ParseCron(spec string) (*Cron, error) {
	if len(spec) > 1000 {
		return nil, &CronError{Spec: spec[:40] + "...", Msg: "longer than 1000 bytes"}
	}
	expr := strings.TrimSpace(spec)
	if m, ok := cronMacros[strings.ToLower(expr)]; ok {
		expr = m
	} else if strings.HasPrefix(expr, "@") {
		return nil, &CronError{Spec: spec, Msg: "unknown macro (@yearly, @monthly, @weekly, @daily, @hourly)"}
	}
	parts := strings.Fields(expr)
	if len(parts) != 5 {
		return nil, &CronError{Spec: spec, Msg: fmt.Sprintf("has %d fields, want 5 (minute hour day-of-month month day-of-week)", len(parts))}
	}
	c := &Cron{spec: spec}
	dst := [5]*uint64{&c.minute, &c.hour, &c.dom, &c.month, &c.dow}
	for i, p := range parts {
		set, err := cronFields[i].parse(p)
		if err != nil {
			return nil, &CronError{Spec: spec, Field: cronFields[i].name, Msg: err.Error()}
		}
		*dst[i] = set
	}
	if c.dow&(1<<7) != 0 {
		c.dow = c.dow&^(1<<7) | 1
	}
	c.domStar, c.dowStar = parts[2] == "*" || strings.HasPrefix(parts[2], "*/"), parts[4] == "*" || strings.HasPrefix(parts[4], "*/")
	if c.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return nil, &CronError{Spec: spec, Msg: "never fires (no such date)"}
	}
	return c, nil
}

func (f cronField) value(s string) (int, error) {
	for i, n := range f.names {
		if strings.EqualFold(s, n) {
			return f.min + i, nil
		}
	}
	if s == "" || len(s) > 3 {
		return 0, fmt.Errorf("%q is not a value", s)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < f.min || n > f.max {
		return 0, fmt.Errorf("%q is not a value from %d to %d", s, f.min, f.max)
	}
	return n, nil
}

func (f cronField) parse(s string) (uint64, error) {
	var set uint64
	for _, item := range strings.Split(s, ",") {
		rng, stepText, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepText)
			if err != nil || n < 1 || n > f.max+1 || len(stepText) > 3 {
				return 0, fmt.Errorf("step %q is not a number from 1 to %d", stepText, f.max+1)
			}
			step = n
		}
		lo, hi := f.min, f.max
		switch {
		case rng == "*":
			if f.max == 7 { // day of week: * is 0-6, Sunday once
				hi = 6
			}
		case strings.Contains(rng, "-"):
			a, b, _ := strings.Cut(rng, "-")
			var err error
			if lo, err = f.value(a); err != nil {
				return 0, err
			}
			if hi, err = f.value(b); err != nil {
				return 0, err
			}
			if lo > hi {
				return 0, fmt.Errorf("range %q runs backwards", rng)
			}
		default:
			v, err := f.value(rng)
			if err != nil {
				return 0, err
			}
			lo = v
			if !hasStep {
				hi = v
			}
		}
		for v := lo; v <= hi; v += step {
			set |= 1 << uint(v)
		}
	}
	return set, nil
}

// String returns the expression as given to ParseCron.
func (c *Cron) String() string { return c.spec }

func (c *Cron) dayMatches(t time.Time) bool {
	d := c.dom&(1<<uint(t.Day())) != 0
	w := c.dow&(1<<uint(t.Weekday())) != 0
	if c.domStar || c.dowStar {
		return d && w
	}
	return d || w
}

// Next returns the first time after t (to the minute, in UTC) that the expression
// matches, or the zero time when there is none within 29 years (the calendar's
// cycle of weekdays and leap days: 29 February on a Sunday comes back in 28).
func (c *Cron) Next(t time.Time) time.Time {
	t = t.UTC().Truncate(time.Minute).Add(time.Minute)
	end := t.AddDate(29, 0, 0)
	for t.Before(end) {
		if c.month&(1<<uint(t.Month())) == 0 {
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
			continue
		}
		if !c.dayMatches(t) {
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
			continue
		}
		if c.hour&(1<<uint(t.Hour())) == 0 {
			t = t.Truncate(time.Hour).Add(time.Hour)
			continue
		}
		if c.minute&(1<<uint(t.Minute())) == 0 {
			// jump to the next matching minute of this hour, if any
			rest := c.minute >> uint(t.Minute())
			if rest == 0 {
				t = t.Truncate(time.Hour).Add(time.Hour)
			} else {
				t = t.Add(time.Duration(bits.TrailingZeros64(rest)) * time.Minute)
			}
			continue
		}
		return t
	}
	return time.Time{}
}

// Prev returns the last time at or before t that the expression matches, looking
// back at most over window; ok is false when there is none.
func (c *Cron) Prev(t time.Time, window time.Duration) (time.Time, bool) {
	var last time.Time
	for n := c.Next(t.Add(-window - time.Minute)); !n.IsZero() && !n.After(t); n = c.Next(n) {
		last = n
	}
	return last, !last.IsZero()
}
