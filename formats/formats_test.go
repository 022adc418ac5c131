package formats

import (
	"fmt"
	"testing"
)

func TestAppendNumber(t *testing.T) {
	fr, _ := Lookup("fr")
	de, _ := Lookup("de")
	for _, c := range []struct {
		loc   *Locale
		num   string
		group bool
		want  string
	}{
		{English, "1234567.891", false, "1234567.891"},
		{English, "1234567.891", true, "1,234,567.891"},
		{English, "-1234", true, "-1,234"},
		{English, "123", true, "123"},
		{English, "-123456", true, "-123,456"},
		{fr, "1234.5", false, "1234,5"},
		{fr, "1234.5", true, "1\u00a0234,5"},
		{fr, "-0.25", true, "-0,25"},
		{de, "1234567", true, "1.234.567"},
		{de, "1.5e+300", true, "1,5e+300"}, // an exponent is not grouped
		{&Locale{DecimalSeparator: ".", ThousandSeparator: ",", NumberGrouping: 0}, "123456", true, "123456"},
		{&Locale{DecimalSeparator: ".", ThousandSeparator: "'", NumberGrouping: 4}, "123456789", true, "1'2345'6789"},
	} {
		if got := string(c.loc.AppendNumber(nil, c.num, c.group)); got != c.want {
			t.Errorf("%s.AppendNumber(%q, %v) = %q, want %q", c.loc.Language, c.num, c.group, got, c.want)
		}
	}
}

func TestSanitizeNumber(t *testing.T) {
	for _, c := range []struct {
		lang, in, want string
	}{
		{"fr", "1 234,5", "1234.5"},
		{"fr", "1\u00a0234,5", "1234.5"},
		{"fr", "1234.5", "1234.5"},
		{"fr", " -0,25 ", "-0.25"},
		{"de", "1.234,5", "1234.5"},
		{"de", "1.234.567", "1234567"},
		{"de", "1.500", "1500"},
		{"de", "1.5", "1.5"}, // a lone point before other than three digits is a decimal point
		{"en", "1,234.5", "1234.5"},
		{"pl", "1 234,5", "1234.5"},
		{"ja", "1,234.5", "1234.5"},
	} {
		if got := Get(c.lang).SanitizeNumber(c.in); got != c.want {
			t.Errorf("%s: SanitizeNumber(%q) = %q, want %q", c.lang, c.in, got, c.want)
		}
	}
}

func TestLookup(t *testing.T) {
	for _, c := range []struct {
		code string
		want string // the Language of the locale found; "" when none
	}{
		{"fr", "fr"}, {"fr-ca", "fr"}, {"FR_ca", "fr"}, {"pt-br", "pt-br"}, {"pt_BR", "pt-br"},
		{"pt", "pt-br"}, {"zh-hans", "zh-hans"}, {"zh_Hans", "zh-hans"}, {"en-us", "en"},
		{"pl", "pl"}, {"ja", "ja"}, {"xx", ""}, {"", ""},
	} {
		l, ok := Lookup(c.code)
		got := ""
		if ok {
			got = l.Language
		}
		if got != c.want {
			t.Errorf("Lookup(%q) = %q, want %q", c.code, got, c.want)
		}
	}
	if Get("xx") != English {
		t.Error("Get of a language without formats is not English")
	}
}

// TestShippedLocalesComplete checks every shipped locale has every format, name
// and layout, so a template never prints an empty month name.
func TestShippedLocalesComplete(t *testing.T) {
	for _, code := range Languages() {
		l := Get(code)
		for _, name := range []string{"DATE_FORMAT", "DATETIME_FORMAT", "TIME_FORMAT", "SHORT_DATE_FORMAT",
			"SHORT_DATETIME_FORMAT", "MONTH_DAY_FORMAT", "YEAR_MONTH_FORMAT", "DECIMAL_SEPARATOR"} {
			if v, ok := l.Format(name); !ok || v == "" {
				t.Errorf("%s: %s is empty", code, name)
			}
		}
		for i := range 12 {
			if l.Months[i] == "" || l.MonthsAbbr[i] == "" || l.MonthsShort[i] == "" || l.MonthGenitive(i+1) == "" {
				t.Errorf("%s: month %d lacks a name", code, i+1)
			}
		}
		for i := range 7 {
			if l.Weekdays[i] == "" || l.WeekdaysAbbr[i] == "" {
				t.Errorf("%s: weekday %d lacks a name", code, i)
			}
		}
		if l.AMPM[0] == "" || l.AMPM[1] == "" || l.AMPMLower[0] == "" || l.AMPMLower[1] == "" || l.Midnight == "" || l.Noon == "" {
			t.Errorf("%s: a.m., p.m., midnight or noon is empty", code)
		}
		if len(l.DateInputFormats) == 0 || len(l.TimeInputFormats) == 0 || len(l.DateTimeInputFormats) == 0 {
			t.Errorf("%s: input layouts missing", code)
		}
		if _, ok := l.Format("FIRST_DAY_OF_WEEK"); ok {
			t.Errorf("%s: Format answers for a setting that is not text", code)
		}
	}
}

func TestOverride(t *testing.T) {
	fr := Get("fr")
	o := Override(fr, &Locale{ShortDateFormat: "d/m/Y", NumberGrouping: -1, Months: [12]string{0: "janv"}})
	if o.ShortDateFormat != "d/m/Y" || o.DateFormat != fr.DateFormat || o.NumberGrouping != 0 ||
		o.Months[0] != "janv" || o.Months[1] != "février" || o.DecimalSeparator != "," {
		t.Errorf("Override = %+v", o)
	}
	if fr.ShortDateFormat != "j N Y" || fr.NumberGrouping != 3 || fr.Months[0] != "janvier" {
		t.Error("Override changed the shipped locale")
	}
	if c := Override(fr, nil); c == fr || c.DateFormat != fr.DateFormat {
		t.Error("Override(base, nil) is not a copy of base")
	}
}

func ExampleLocale_AppendNumber() {
	fr := Get("fr")
	fmt.Printf("%q\n", fr.AppendNumber(nil, "-1234567.5", true))
	fmt.Println(string(Get("de").AppendNumber(nil, "1234567.5", true)))
	fmt.Println(fr.SanitizeNumber("1 234,5"))
	// Output:
	// "-1\u00a0234\u00a0567,5"
	// 1.234.567,5
	// 1234.5
}

// FuzzSanitizeNumber checks that any text is sanitized without panicking, and
// that a number written in a locale's way reads back as itself.
func FuzzSanitizeNumber(f *testing.F) {
	for _, s := range []string{"1 234,5", "1.234.567", "-0,25", "1e+300", "", ",", "..", "\u00a0", "1.5", "١٢٣"} {
		f.Add(s, int64(12345), uint8(2))
	}
	f.Fuzz(func(t *testing.T, s string, n int64, frac uint8) {
		for _, code := range Languages() {
			l := Get(code)
			l.SanitizeNumber(s)
			l.AppendNumber(nil, s, true)
			num := fmt.Sprintf("%d.%d", n, frac)
			if back := l.SanitizeNumber(string(l.AppendNumber(nil, num, true))); back != num {
				t.Fatalf("%s: %s written as %q reads back as %q", code, num, l.AppendNumber(nil, num, true), back)
			}
		}
	})
}
