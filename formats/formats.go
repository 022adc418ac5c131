// Package formats holds per-locale formats — how dates, times and numbers are
// written and read in a language — the data behind Django's USE_L10N.
//
// A Locale gives the named date formats the template date and time filters
// accept ("DATE_FORMAT", "SHORT_DATE_FORMAT"...), the decimal and thousand
// separators, the first day of the week, the layouts forms accept as input and
// the month and weekday names the date format characters print. Locales ship for
// the languages the framework's messages are translated into (English, French,
// German, Spanish, Brazilian Portuguese, Japanese, Simplified Chinese) and
// Polish; a project changes any value, or adds a locale, with Override.
//
// The package depends on the standard library only, so the template engine and
// the forms battery can both use it; the i18n battery chooses the locale of each
// request.
package formats

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Locale is the formats of one language. Date formats use the characters of the
// template date filter (Django's); input layouts are Go time layouts.
type Locale struct {
	// Language is the language code the locale is for: "fr", "pt-br", "zh-hans".
	Language string

	DateFormat          string // DATE_FORMAT: "j F Y"
	DateTimeFormat      string // DATETIME_FORMAT
	TimeFormat          string // TIME_FORMAT
	ShortDateFormat     string // SHORT_DATE_FORMAT
	ShortDateTimeFormat string // SHORT_DATETIME_FORMAT
	MonthDayFormat      string // MONTH_DAY_FORMAT
	YearMonthFormat     string // YEAR_MONTH_FORMAT

	DecimalSeparator  string // DECIMAL_SEPARATOR
	ThousandSeparator string // THOUSAND_SEPARATOR
	// NumberGrouping is the number of digits between thousand separators
	// (NUMBER_GROUPING); 0 never groups.
	NumberGrouping int
	// FirstDayOfWeek is 0 for Sunday, 1 for Monday (FIRST_DAY_OF_WEEK).
	FirstDayOfWeek int

	// DateInputFormats, TimeInputFormats and DateTimeInputFormats are the Go
	// time layouts forms accept, tried in order (DATE_INPUT_FORMATS...).
	DateInputFormats     []string
	TimeInputFormats     []string
	DateTimeInputFormats []string

	// Months are the month names, January first (date format character F).
	Months [12]string
	// MonthsGenitive are the month names as used after a day number, where the
	// language inflects them ("15 stycznia"), for the character E; empty means
	// Months.
	MonthsGenitive [12]string
	// MonthsAbbr are the abbreviated names as written in running text (N):
	// "janv.", "Jan.".
	MonthsAbbr [12]string
	// MonthsShort are the short lowercase names of the character b ("jan");
	// the character M writes them with a capital letter.
	MonthsShort [12]string
	// Weekdays are the day names, Sunday first (l); WeekdaysAbbr their short
	// forms (D).
	Weekdays     [7]string
	WeekdaysAbbr [7]string
	// AMPM is what the character A writes before and after noon; AMPMLower
	// what a writes.
	AMPM      [2]string
	AMPMLower [2]string
	// Midnight and Noon are what the character P writes at 0:00 and 12:00.
	Midnight, Noon string
}

// Format returns the value of a named format setting: one of DATE_FORMAT,
// DATETIME_FORMAT, TIME_FORMAT, SHORT_DATE_FORMAT, SHORT_DATETIME_FORMAT,
// MONTH_DAY_FORMAT, YEAR_MONTH_FORMAT, DECIMAL_SEPARATOR and THOUSAND_SEPARATOR.
// ok is false for any other name.
func (l *Locale) Format(name string) (value string, ok bool) {
	switch name {
	case "DATE_FORMAT":
		return l.DateFormat, true
	case "DATETIME_FORMAT":
		return l.DateTimeFormat, true
	case "TIME_FORMAT":
		return l.TimeFormat, true
	case "SHORT_DATE_FORMAT":
		return l.ShortDateFormat, true
	case "SHORT_DATETIME_FORMAT":
		return l.ShortDateTimeFormat, true
	case "MONTH_DAY_FORMAT":
		return l.MonthDayFormat, true
	case "YEAR_MONTH_FORMAT":
		return l.YearMonthFormat, true
	case "DECIMAL_SEPARATOR":
		return l.DecimalSeparator, true
	case "THOUSAND_SEPARATOR":
		return l.ThousandSeparator, true
	}
	return "", false
}

// MonthGenitive returns the month name for the character E (m is 1–12).
func (l *Locale) MonthGenitive(m int) string {
	if s := l.MonthsGenitive[m-1]; s != "" {
		return s
	}
	return l.Months[m-1]
}

// MonthShortTitle returns the short month name with a capital first letter
// (the character M).
func (l *Locale) MonthShortTitle(m int) string {
	s := l.MonthsShort[m-1]
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return strings.ToUpper(string(r)) + s[n:]
}

// AppendNumber appends num — a number as Go or Python prints it, "-1234.5",
// "1e+300" — written with the locale's decimal separator and, when group is
// true and the locale groups digits, its thousand separator between groups of
// NumberGrouping digits of the integer part.
func (l *Locale) AppendNumber(b []byte, num string, group bool) []byte {
	if strings.HasPrefix(num, "-") {
		b = append(b, '-')
		num = num[1:]
	}
	intPart, frac, hasFrac := strings.Cut(num, ".")
	if group && l.NumberGrouping > 0 && len(intPart) > l.NumberGrouping && allDigits(intPart) {
		first := len(intPart) % l.NumberGrouping
		if first == 0 {
			first = l.NumberGrouping
		}
		b = append(b, intPart[:first]...)
		for i := first; i < len(intPart); i += l.NumberGrouping {
			b = append(b, l.ThousandSeparator...)
			b = append(b, intPart[i:i+l.NumberGrouping]...)
		}
	} else {
		b = append(b, intPart...)
	}
	if hasFrac {
		b = append(b, l.DecimalSeparator...)
		b = append(b, frac...)
	}
	return b
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// SanitizeNumber turns a number typed in the locale's way ("1 234,5" in French)
// into the form Go's and Python's parsers read ("1234.5"): the locale's thousand
// separators are removed (a non-breaking space also matches a plain one, as
// people type) and its decimal separator becomes a point. Text already written
// with a point is left alike when the locale's separators do not occur in it,
// so "1234.5" still reads as 1234.5 in French. In German, where the thousand
// separator is a point, a lone point not followed by exactly three digits is
// taken as a decimal point ("1.5" is 1.5, "1.500" is 1500).
func (l *Locale) SanitizeNumber(s string) string {
	s = strings.TrimSpace(s)
	intPart, frac, hasFrac := s, "", false
	if l.DecimalSeparator != "" && strings.Contains(s, l.DecimalSeparator) {
		intPart, frac, hasFrac = strings.Cut(s, l.DecimalSeparator)
	}
	if ts := l.ThousandSeparator; ts != "" {
		lone := ts == "." && !hasFrac && strings.Count(intPart, ".") == 1 &&
			len(intPart)-strings.LastIndexByte(intPart, '.')-1 != 3
		if !lone {
			intPart = strings.ReplaceAll(intPart, ts, "")
			if ts == "\u00a0" || ts == "\u202f" {
				intPart = strings.ReplaceAll(intPart, " ", "")
			}
		}
	}
	if hasFrac {
		return intPart + "." + frac
	}
	return intPart
}

// Override returns a copy of base with every field that is set in over (a
// non-empty string, slice or name, a non-zero number) taking over.
// NumberGrouping and FirstDayOfWeek are taken from over when they are non-zero;
// set them to -1 in over to force 0.
func Override(base *Locale, over *Locale) *Locale {
	out := *base
	if over == nil {
		return &out
	}
	str := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	str(&out.DateFormat, over.DateFormat)
	str(&out.DateTimeFormat, over.DateTimeFormat)
	str(&out.TimeFormat, over.TimeFormat)
	str(&out.ShortDateFormat, over.ShortDateFormat)
	str(&out.ShortDateTimeFormat, over.ShortDateTimeFormat)
	str(&out.MonthDayFormat, over.MonthDayFormat)
	str(&out.YearMonthFormat, over.YearMonthFormat)
	str(&out.DecimalSeparator, over.DecimalSeparator)
	str(&out.ThousandSeparator, over.ThousandSeparator)
	str(&out.Midnight, over.Midnight)
	str(&out.Noon, over.Noon)
	switch {
	case over.NumberGrouping < 0:
		out.NumberGrouping = 0
	case over.NumberGrouping > 0:
		out.NumberGrouping = over.NumberGrouping
	}
	switch {
	case over.FirstDayOfWeek < 0:
		out.FirstDayOfWeek = 0
	case over.FirstDayOfWeek > 0:
		out.FirstDayOfWeek = over.FirstDayOfWeek
	}
	if over.DateInputFormats != nil {
		out.DateInputFormats = over.DateInputFormats
	}
	if over.TimeInputFormats != nil {
		out.TimeInputFormats = over.TimeInputFormats
	}
	if over.DateTimeInputFormats != nil {
		out.DateTimeInputFormats = over.DateTimeInputFormats
	}
	names := func(dst, src []string) {
		for i, s := range src {
			if s != "" {
				dst[i] = s
			}
		}
	}
	names(out.Months[:], over.Months[:])
	names(out.MonthsGenitive[:], over.MonthsGenitive[:])
	names(out.MonthsAbbr[:], over.MonthsAbbr[:])
	names(out.MonthsShort[:], over.MonthsShort[:])
	names(out.Weekdays[:], over.Weekdays[:])
	names(out.WeekdaysAbbr[:], over.WeekdaysAbbr[:])
	names(out.AMPM[:], over.AMPM[:])
	names(out.AMPMLower[:], over.AMPMLower[:])
	return &out
}

// Lookup returns the shipped locale for a language code ("pt-br", "fr-ca") or
// locale name ("pt_BR"): the exact language first, then its base language
// ("fr" for "fr-ca"). ok is false when neither ships.
func Lookup(lang string) (l *Locale, ok bool) {
	code := strings.ToLower(strings.ReplaceAll(lang, "_", "-"))
	if l, ok := locales[code]; ok {
		return l, true
	}
	if base, _, cut := strings.Cut(code, "-"); cut {
		if l, ok := locales[base]; ok {
			return l, true
		}
	}
	return nil, false
}

// Get is Lookup that gives English for a language without shipped formats,
// as Django falls back to its default settings.
func Get(lang string) *Locale {
	if l, ok := Lookup(lang); ok {
		return l
	}
	return English
}

// Languages returns the codes of the shipped locales, sorted.
func Languages() []string {
	out := make([]string, 0, len(locales))
	for code := range locales {
		out = append(out, code)
	}
	slices.Sort(out)
	return out
}
