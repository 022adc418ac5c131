package template

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/galvani-web/galvani/formats"
)

// formatSettings are Django's default values of the settings get_format knows
// (English, no localisation): a date format argument naming one of them is replaced
// by its value, whatever its type.
var formatSettings = map[string]any{
	"DATE_FORMAT":           "N j, Y",
	"DATETIME_FORMAT":       "N j, Y, P",
	"TIME_FORMAT":           "P",
	"YEAR_MONTH_FORMAT":     "F Y",
	"MONTH_DAY_FORMAT":      "F j",
	"SHORT_DATE_FORMAT":     "m/d/Y",
	"SHORT_DATETIME_FORMAT": "m/d/Y P",
	"FIRST_DAY_OF_WEEK":     0,
	"DECIMAL_SEPARATOR":     ".",
	"THOUSAND_SEPARATOR":    ",",
	"NUMBER_GROUPING":       0,
	"DATE_INPUT_FORMATS": []any{"%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%b %d %Y", "%b %d, %Y",
		"%d %b %Y", "%d %b, %Y", "%B %d %Y", "%B %d, %Y", "%d %B %Y", "%d %B, %Y"},
	"TIME_INPUT_FORMATS": []any{"%H:%M:%S", "%H:%M:%S.%f", "%H:%M"},
	"DATETIME_INPUT_FORMATS": []any{"%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M",
		"%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S.%f", "%m/%d/%Y %H:%M",
		"%m/%d/%y %H:%M:%S", "%m/%d/%y %H:%M:%S.%f", "%m/%d/%y %H:%M"},
}

// dateFormats are the named date formats, for code that formats with one directly.
var dateFormats = map[string]string{}

func init() {
	for k, v := range formatSettings {
		if s, ok := v.(string); ok && strings.HasSuffix(k, "_FORMAT") {
			dateFormats[k] = s
		}
	}
}

// getFormat is Django's get_format: the format string a date or time filter uses
// for its argument. A missing or false argument means def; the name of a format
// setting means its value — the active locale's when localize is true, Django's
// default settings' otherwise; anything else is used as it is, as text.
func (c *Context) getFormat(arg any, def string, localize bool) string {
	if !truthy(reflect.ValueOf(arg)) {
		arg = def
	}
	if rv := reflect.ValueOf(arg); isString(rv) {
		if loc := c.formatLocale(localize); loc != nil {
			if v, ok := loc.Format(rv.String()); ok {
				return v
			}
		}
		if v, ok := formatSettings[rv.String()]; ok {
			arg = v
		}
	}
	return toString(reflect.ValueOf(arg))
}

// The format characters Django's dateformat knows, and those a time may use.
const (
	dateFormatChars = "aAbcdDeEfFgGhHiIjlLmMnNoOPrsStTUuwWyYzZ"
	timeFormatChars = "aAefgGhHiOPsTuZ"
	// tzFormatChars give "" rather than failing for a value that is not a date.
	tzFormatChars = "eOTZI"
)

// formatDate formats t with Django's date format characters, with the names of
// locale n.
func formatDate(n *formats.Locale, t time.Time, format string) string {
	s, _, _ := formatDateTime(n, reflect.ValueOf(t), format, false)
	return s
}

// The kinds of value Django's dateformat formats: a datetime, or a datetime's
// date() or time().
const (
	kindDatetime = iota
	kindDate
	kindTime
)

// formatDateTime is Django's DateFormat(v).format(format) (TimeFormat with timeOnly).
// A character is a format character unless a backslash comes right before it; in
// the text between format characters a backslash escapes the next character. ok is
// false when Python would raise AttributeError: a value that is not a date (except
// for the time-zone characters, which give ""), or a character the value has no
// answer for. A time character for a date is Python's TypeError, which Django's
// date filter does not catch: the error. Month and day names, and the words for
// a.m., noon and midnight, are those of locale n.
func formatDateTime(n *formats.Locale, v reflect.Value, format string, timeOnly bool) (string, bool, error) {
	t, kind, isTime := asDateValue(v)
	var b []byte
	rs := []rune(format)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		if strings.ContainsRune(dateFormatChars, c) && (i == 0 || rs[i-1] != '\\') {
			isTimeChar := strings.ContainsRune(timeFormatChars, c)
			switch {
			case kind == kindDate && (isTimeChar || c == 'r'):
				if timeOnly {
					return "", false, nil
				}
				return "", false, fmt.Errorf("The format for date objects may not contain time-related format specifiers (found '%c').", c)
			case timeOnly && !isTimeChar, kind == kindTime && !isTimeChar:
				return "", false, nil
			case !isTime || kind == kindTime && strings.ContainsRune(tzFormatChars, c):
				if !strings.ContainsRune(tzFormatChars, c) {
					return "", false, nil
				}
				continue
			case kind == kindDate && c == 'I':
				continue
			case kind == kindDate && c == 'c':
				b = append(b, pyDate{t}.String()...)
				continue
			}
			b = appendDateChar(b, t, c, n)
			continue
		}
		if c == '\\' && i+1 < len(rs) && rs[i+1] != '\n' {
			i++
			c = rs[i]
		}
		b = append(b, string(c)...)
	}
	return string(b), true, nil
}

// asTime returns the time.Time in v (a time.Time or a non-nil *time.Time).
func asTime(v reflect.Value) (time.Time, bool) {
	t, kind, ok := asDateValue(v)
	return t, ok && kind == kindDatetime
}

// asDateValue returns the time in v and whether it is a datetime, a date or a time.
func asDateValue(v reflect.Value) (time.Time, int, bool) {
	v = unwrapIface(v)
	if !v.IsValid() || !v.CanInterface() {
		return time.Time{}, 0, false
	}
	switch x := v.Interface().(type) {
	case time.Time:
		return x, kindDatetime, true
	case *time.Time:
		if x != nil {
			return *x, kindDatetime, true
		}
	case pyDate:
		return time.Date(x.t.Year(), x.t.Month(), x.t.Day(), 0, 0, 0, 0, time.UTC), kindDate, true
	case pyClock:
		return x.t, kindTime, true
	}
	return time.Time{}, 0, false
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

// tzName is Python's tzname() for an aware time: the zone's abbreviation, or for a
// zone without a name, "UTC" and the offset as datetime.timezone names it.
func tzName(t time.Time) string {
	name, off := t.Zone()
	if name != "" {
		return name
	}
	if off == 0 {
		return "UTC"
	}
	return string(appendOffset([]byte("UTC"), off, true))
}

// appendDateChar appends the value of the format character c for t, with the
// names of locale n.
func appendDateChar(b []byte, t time.Time, c rune, n *formats.Locale) []byte {
	switch c {
	case 'a':
		return append(b, n.AMPMLower[t.Hour()/12]...)
	case 'A':
		return append(b, n.AMPM[t.Hour()/12]...)
	case 'b':
		return append(b, n.MonthsShort[t.Month()-1]...)
	case 'c':
		return appendISO(b, t, 'T')
	case 'd':
		return pad2(b, t.Day())
	case 'D':
		return append(b, n.WeekdaysAbbr[t.Weekday()]...)
	case 'e':
		if isNaive(t) {
			return b
		}
		return append(b, tzName(t)...)
	case 'E':
		return append(b, n.MonthGenitive(int(t.Month()))...)
	case 'F':
		return append(b, n.Months[t.Month()-1]...)
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
		return append(b, n.Weekdays[t.Weekday()]...)
	case 'L':
		y := t.Year()
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return append(b, "True"...)
		}
		return append(b, "False"...)
	case 'm':
		return pad2(b, int(t.Month()))
	case 'M':
		return append(b, n.MonthShortTitle(int(t.Month()))...)
	case 'n':
		return strconv.AppendInt(b, int64(t.Month()), 10)
	case 'N':
		return append(b, n.MonthsAbbr[t.Month()-1]...)
	case 'o':
		y, _ := t.ISOWeek()
		return strconv.AppendInt(b, int64(y), 10)
	case 'O':
		_, off := t.Zone()
		return appendOffset(b, off/60*60, false)
	case 'P':
		if t.Minute() == 0 && t.Hour() == 0 {
			return append(b, n.Midnight...)
		}
		if t.Minute() == 0 && t.Hour() == 12 {
			return append(b, n.Noon...)
		}
		b = appendDateChar(b, t, 'f', n)
		b = append(b, ' ')
		return appendDateChar(b, t, 'a', n)
	case 'r':
		// email.utils.format_datetime: the year has four digits, the offset %z.
		_, off := t.Zone()
		b = fmt.Appendf(b, "%s, %02d %s %04d %02d:%02d:%02d ", t.Weekday().String()[:3], t.Day(), t.Month().String()[:3], t.Year(), t.Hour(), t.Minute(), t.Second())
		b = appendOffset(b, off/60*60, false)
		if s := off % 60; s != 0 {
			b = pad2(b, max(s, -s))
		}
		return b
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
		return pad2(b, time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day())
	case 'T':
		if isNaive(t) {
			name, _ := t.Zone()
			return append(b, name...)
		}
		return append(b, tzName(t)...)
	case 'u':
		return fmt.Appendf(b, "%06d", t.Nanosecond()/1000)
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
		return strconv.AppendInt(b, int64(t.Year()), 10)
	case 'z':
		return strconv.AppendInt(b, int64(t.YearDay()), 10)
	case 'Z':
		_, off := t.Zone()
		return strconv.AppendInt(b, int64(off), 10)
	}
	return append(b, string(c)...)
}

// filterDate is Django's date filter (and time, with timeOnly): "" for None and "",
// the value formatted with get_format(arg) in the render's locale, and "" when
// formatting fails.
func filterDate(timeOnly bool) func(c *Context, in, arg any) (any, error) {
	def := "DATE_FORMAT"
	if timeOnly {
		def = "TIME_FORMAT"
	}
	return func(c *Context, in, arg any) (any, error) {
		rv := unwrapIface(reflect.ValueOf(in))
		if !rv.IsValid() || isString(rv) && rv.Len() == 0 {
			return "", nil
		}
		s, ok, err := formatDateTime(c.names(), rv, c.getFormat(arg, def, c.L10n.Localize), timeOnly)
		if err != nil || !ok {
			return "", err
		}
		return s, nil
	}
}
