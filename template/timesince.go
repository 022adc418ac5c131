package template

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// filterTimesince is Django's timesince (timeuntil with reversed): "" for a false
// value, the time between the value and the argument (or the engine's clock when
// the argument is false), and a render error when either is not a date.
func filterTimesince(reversed bool) func(c *Context, in, arg any) (any, error) {
	return func(c *Context, in, arg any) (any, error) {
		if !truthy(reflect.ValueOf(in)) {
			return "", nil
		}
		d, ok := asTime(reflect.ValueOf(in))
		if !ok {
			return nil, fmt.Errorf("'%s' object has no attribute 'year'", pyTypeName(in))
		}
		now := c.now()
		if truthy(reflect.ValueOf(arg)) {
			if now, ok = asTime(reflect.ValueOf(arg)); !ok {
				return nil, fmt.Errorf("'%s' object has no attribute 'year'", pyTypeName(arg))
			}
		}
		if reversed {
			d, now = now, d
		}
		return timesince(d, now), nil
	}
}

var timesinceChunks = [...]struct {
	seconds int64
	name    string
}{
	{60 * 60 * 24 * 365, "year"},
	{60 * 60 * 24 * 30, "month"},
	{60 * 60 * 24 * 7, "week"},
	{60 * 60 * 24, "day"},
	{60 * 60, "hour"},
	{60, "minute"},
}

// timesince is Django 3.2's django.utils.timesince.timesince with depth 2: the
// seconds between d and now, less a day for each leap day in between, in years of
// 365 days, months of 30, weeks, days, hours and minutes — at most two adjacent
// units, "0 minutes" when now is not after d.
func timesince(d, now time.Time) string {
	leap := leapdays(d.Year(), now.Year())
	if leap != 0 {
		if isLeap(d.Year()) {
			leap--
		} else if isLeap(now.Year()) {
			leap++
		}
	}
	delta := now.Sub(d) - time.Duration(leap)*24*time.Hour
	since := int64(delta / time.Second)
	if delta < 0 && delta%time.Second != 0 {
		since-- // Python's timedelta floors to whole seconds
	}
	zero := "0\u00a0minutes"
	if since <= 0 {
		return zero
	}
	i := 0
	for i < len(timesinceChunks) && since/timesinceChunks[i].seconds == 0 {
		i++
	}
	if i == len(timesinceChunks) {
		return zero
	}
	var out []string
	for depth := 0; i < len(timesinceChunks) && depth < 2; depth++ {
		ch := timesinceChunks[i]
		count := since / ch.seconds
		if count == 0 {
			break
		}
		name := ch.name
		if count != 1 {
			name += "s"
		}
		out = append(out, strconv.FormatInt(count, 10)+"\u00a0"+name)
		since -= ch.seconds * count
		i++
	}
	return strings.Join(out, ", ")
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// leapdays is Python's calendar.leapdays: the leap years in [y1, y2).
func leapdays(y1, y2 int) int {
	floor := func(a, b int) int {
		q := a / b
		if (a%b != 0) && (a < 0) != (b < 0) {
			q--
		}
		return q
	}
	y1--
	y2--
	return (floor(y2, 4) - floor(y1, 4)) - (floor(y2, 100) - floor(y1, 100)) + (floor(y2, 400) - floor(y1, 400))
}
