package template

import (
	"strconv"
	"strings"
	"time"
)

// dateFormats are Django's default named formats (English locale).
var dateFormats = map[string]string{
	"DATE_FORMAT":           "N j, Y",
	"DATETIME_FORMAT":       "N j, Y, P",
	"TIME_FORMAT":           "P",
	"YEAR_MONTH_FORMAT":     "F Y",
	"MONTH_DAY_FORMAT":      "F j",
	"SHORT_DATE_FORMAT":     "m/d/Y",
	"SHORT_DATETIME_FORMAT": "m/d/Y P",
}

// namedFormat maps a format name like "SHORT_DATE_FORMAT" to its format string.
func namedFormat(f string) string {
	if s, ok := dateFormats[f]; ok {
		return s
	}
	return f
}

var apMonths = [...]string{"Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."}

// formatDate formats t with Django's date format characters; a backslash escapes the
// next character.
func formatDate(t time.Time, format string) string {
	var b []byte
	rs := []rune(format)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		if c == '\\' {
			if i+1 < len(rs) {
				i++
				b = append(b, string(rs[i])...)
			} else {
				b = append(b, '\\')
			}
			continue
		}
		b = appendDateChar(b, t, c)
	}
	return string(b)
}

func pad2(b []byte, n int) []byte {
	if n < 10 && n >= 0 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(n), 10)
}

func hour12(t time.Time) int {
	h := t.Hour() % 12
	if h == 0 {
		h = 12
	}
	return h
}

func appendDateChar(b []byte, t time.Time, c rune) []byte {
	switch c {
	case 'a':
		if t.Hour() < 12 {
			return append(b, "a.m."...)
		}
		return append(b, "p.m."...)
	case 'A':
		if t.Hour() < 12 {
			return append(b, "AM"...)
		}
		return append(b, "PM"...)
	case 'b':
		return append(b, strings.ToLower(t.Month().String()[:3])...)
	case 'c':
		return append(b, t.Format("2006-01-02T15:04:05.999999")...)
	case 'd':
		return pad2(b, t.Day())
	case 'D':
		return append(b, t.Weekday().String()[:3]...)
	case 'e':
		name, _ := t.Zone()
		return append(b, name...)
	case 'E', 'F':
		return append(b, t.Month().String()...)
	case 'f':
		b = strconv.AppendInt(b, int64(hour12(t)), 10)
		if t.Minute() != 0 {
			b = append(b, ':')
			b = pad2(b, t.Minute())
		}
		return b
	case 'g':
		return strconv.AppendInt(b, int64(hour12(t)), 10)
	case 'G':
		return strconv.AppendInt(b, int64(t.Hour()), 10)
	case 'h':
		return pad2(b, hour12(t))
	case 'H':
		return pad2(b, t.Hour())
	case 'i':
		return pad2(b, t.Minute())
	case 'I':
		if t.IsDST() {
			return append(b, '1')
		}
		return append(b, '0')
	case 'j':
		return strconv.AppendInt(b, int64(t.Day()), 10)
	case 'l':
		return append(b, t.Weekday().String()...)
	case 'L':
		y := t.Year()
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return append(b, "True"...)
		}
		return append(b, "False"...)
	case 'm':
		return pad2(b, int(t.Month()))
	case 'M':
		return append(b, t.Month().String()[:3]...)
	case 'n':
		return strconv.AppendInt(b, int64(t.Month()), 10)
	case 'N':
		return append(b, apMonths[t.Month()-1]...)
	case 'o':
		y, _ := t.ISOWeek()
		return strconv.AppendInt(b, int64(y), 10)
	case 'O':
		return append(b, t.Format("-0700")...)
	case 'P':
		if t.Minute() == 0 && t.Hour() == 0 {
			return append(b, "midnight"...)
		}
		if t.Minute() == 0 && t.Hour() == 12 {
			return append(b, "noon"...)
		}
		b = appendDateChar(b, t, 'f')
		b = append(b, ' ')
		return appendDateChar(b, t, 'a')
	case 'r':
		return append(b, t.Format("Mon, 02 Jan 2006 15:04:05 -0700")...)
	case 's':
		return pad2(b, t.Second())
	case 'S':
		d := t.Day()
		switch {
		case d == 11 || d == 12 || d == 13:
			return append(b, "th"...)
		case d%10 == 1:
			return append(b, "st"...)
		case d%10 == 2:
			return append(b, "nd"...)
		case d%10 == 3:
			return append(b, "rd"...)
		}
		return append(b, "th"...)
	case 't':
		return strconv.AppendInt(b, int64(time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()), 10)
	case 'T':
		name, _ := t.Zone()
		return append(b, name...)
	case 'u':
		s := strconv.Itoa(t.Nanosecond() / 1000)
		return append(b, strings.Repeat("0", 6-len(s))+s...)
	case 'U':
		return strconv.AppendInt(b, t.Unix(), 10)
	case 'w':
		return strconv.AppendInt(b, int64(t.Weekday()), 10)
	case 'W':
		_, w := t.ISOWeek()
		return strconv.AppendInt(b, int64(w), 10)
	case 'y':
		return pad2(b, t.Year()%100)
	case 'Y':
		s := strconv.Itoa(t.Year())
		return append(b, strings.Repeat("0", max(0, 4-len(s)))+s...)
	case 'z':
		return strconv.AppendInt(b, int64(t.YearDay()), 10)
	case 'Z':
		_, off := t.Zone()
		return strconv.AppendInt(b, int64(off), 10)
	}
	return append(b, string(c)...)
}
