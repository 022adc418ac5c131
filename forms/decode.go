package forms

import (
	"database/sql"
	"encoding"
	"errors"
	"math"
	"math/big"
	"net"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/galvani-web/galvani/formats"
	"github.com/galvani-web/galvani/uploads"
)

var (
	decimalRE  = regexp.MustCompile(`^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$`)
	floatRE    = regexp.MustCompile(`^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?$`)
	intZeroRE  = regexp.MustCompile(`\.0*$`)
	slugRE     = regexp.MustCompile(`^[-a-zA-Z0-9_]+$`)
	emailQuote = regexp.MustCompile(`^"(?:[\x01-\x08\x0b\x0c\x0e-\x1f!#-\[\]-\x7f]|\\[\x01-\x09\x0b\x0c\x0e-\x7f])*"$`)
)

// maxNumberLen bounds the text of a number, so hostile input cannot make big.Rat
// work on a megabyte of digits.
const maxNumberLen = 200

// Default input layouts, tried in order.
var (
	dateFormats     = []string{"2006-01-02", "01/02/2006", "01/02/06", "Jan 2 2006", "Jan 2, 2006", "2 Jan 2006", "2 January 2006", "January 2 2006", "January 2, 2006"}
	timeFormats     = []string{"15:04:05", "15:04", "15:04:05.999999"}
	dateTimeFormats = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05.999999", "2006-01-02 15:04:05.999999", time.RFC3339, time.RFC3339Nano, "2006-01-02", "01/02/2006 15:04:05", "01/02/2006 15:04", "01/02/2006"}
)

func fail(code string, params map[string]any) *Error {
	return &Error{Code: code, Params: params}
}

func first(raw []string) string {
	if len(raw) == 0 {
		return ""
	}
	return raw[0]
}

// scanner returns dst as an sql.Scanner (orm.Decimal, orm.Null[T], orm.FK[T]...),
// or nil.
func scanner(dst reflect.Value) sql.Scanner {
	if dst.Kind() != reflect.Pointer && dst.CanAddr() {
		if s, ok := dst.Addr().Interface().(sql.Scanner); ok {
			return s
		}
	}
	return nil
}

// set stores v (of the field's base type) into dst, allocating for pointers. A
// destination implementing sql.Scanner gets v as a driver value.
func set(dst reflect.Value, v reflect.Value) *Error {
	if sc := scanner(dst); sc != nil {
		src := v.Interface()
		switch x := src.(type) {
		case int8, int16, int32, int, uint8, uint16, uint32, uint, uint64:
			src = reflect.ValueOf(x).Convert(reflect.TypeFor[int64]()).Interface()
		case float32:
			src = float64(x)
		}
		if err := sc.Scan(src); err != nil {
			return fail("invalid", nil)
		}
		return nil
	}
	if dst.Kind() == reflect.Pointer && v.Type() != dst.Type() {
		p := reflect.New(dst.Type().Elem())
		p.Elem().Set(v.Convert(dst.Type().Elem()))
		dst.Set(p)
		return nil
	}
	dst.Set(v.Convert(dst.Type()))
	return nil
}

func base(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer {
		return t.Elem()
	}
	return t
}

// unmarshaler returns the TextUnmarshaler of dst (allocating a pointer) or nil.
func unmarshaler(dst reflect.Value) encoding.TextUnmarshaler {
	if dst.Kind() == reflect.Pointer && dst.Type().Implements(unmarshalType) {
		p := reflect.New(dst.Type().Elem())
		dst.Set(p)
		return p.Interface().(encoding.TextUnmarshaler)
	}
	if dst.CanAddr() && dst.Addr().Type().Implements(unmarshalType) {
		return dst.Addr().Interface().(encoding.TextUnmarshaler)
	}
	return nil
}

// decode checks the submitted input of one field and stores the cleaned value into
// dst. It returns the problems found (none when the value was stored).
// fm, when not nil, is the locale input is read in (dates always, numbers when
// the field has Localize).
func decode(f *Field, dst reflect.Value, raw []string, files []*uploads.File, loc *time.Location, fm *formats.Locale) *Error {
	switch f.Kind {
	case Boolean:
		s := strings.ToLower(strings.TrimSpace(first(raw)))
		v := !(s == "" || s == "false" || s == "0" || s == "off")
		if f.Required && !v {
			return fail("required", nil)
		}
		return set(dst, reflect.ValueOf(v))
	case MultipleChoice:
		return decodeMultiple(f, dst, raw)
	case File, Image:
		return decodeFile(f, dst, files, false)
	}
	s := first(raw)
	if !f.NoStrip {
		s = strings.TrimSpace(s)
	}
	if !utf8.ValidString(s) {
		return fail("invalid_text", nil)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return fail("null_characters", nil)
	}
	if s == "" {
		if f.Required {
			return fail("required", nil)
		}
		dst.Set(reflect.Zero(dst.Type()))
		return nil
	}
	if fm != nil && f.Localize && (f.Kind == Integer || f.Kind == Decimal || f.Kind == Float) && len(s) <= maxNumberLen {
		s = fm.SanitizeNumber(s)
	}
	switch f.Kind {
	case Text, Email, URL, Slug, Choice:
		return decodeText(f, dst, s)
	case Integer:
		return decodeInt(f, dst, s)
	case Decimal:
		return decodeDecimal(f, dst, s)
	case Float:
		return decodeFloat(f, dst, s)
	case Date, Time, DateTime:
		return decodeTime(f, dst, s, loc, fm)
	}
	return fail("invalid", nil)
}

func decodeText(f *Field, dst reflect.Value, s string) *Error {
	switch f.Kind {
	case Email:
		if !validEmail(s) {
			return fail("invalid_email", nil)
		}
	case URL:
		u, ok := cleanURL(s)
		if !ok {
			return fail("invalid_url", nil)
		}
		s = u
	case Slug:
		if !slugRE.MatchString(s) {
			return fail("invalid_slug", nil)
		}
	case Choice:
		if !hasOption(f.Options, s) {
			return fail("invalid_choice", map[string]any{"value": s})
		}
	}
	if n := utf8.RuneCountInString(s); f.MaxLength > 0 && n > f.MaxLength {
		return fail("max_length", map[string]any{"max": f.MaxLength, "length": n})
	} else if f.MinLength > 0 && n < f.MinLength {
		return fail("min_length", map[string]any{"min": f.MinLength, "length": n})
	}
	if f.Pattern != nil && !f.Pattern.MatchString(s) {
		return fail("invalid_pattern", nil)
	}
	if u := unmarshaler(dst); u != nil {
		if err := u.UnmarshalText([]byte(s)); err != nil {
			return fail("invalid", nil)
		}
		return nil
	}
	if isInt(base(dst.Type()).Kind()) { // an integer choice
		return decodeInt(f, dst, s)
	}
	if f.Kind == Choice && scanner(dst) != nil {
		// A relation or nullable integer takes its key as an int64 when it is one.
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return set(dst, reflect.ValueOf(n))
		}
	}
	return set(dst, reflect.ValueOf(s))
}

func hasOption(opts []Option, v string) bool {
	for _, o := range opts {
		if o.Value == v {
			return true
		}
	}
	return false
}

func validEmail(s string) bool {
	if len(s) > 320 || strings.ContainsAny(s, "\r\n") {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return false
	}
	user, domain := s[:at], s[at+1:]
	if len(user) > 64 || !dotAtom(user) && !emailQuote.MatchString(user) {
		return false
	}
	if strings.HasPrefix(domain, "[") && strings.HasSuffix(domain, "]") {
		return net.ParseIP(strings.TrimPrefix(domain[1:len(domain)-1], "IPv6:")) != nil
	}
	return validHost(domain, true)
}

// validHost checks a domain name of at least two labels (and a letter TLD) when
// needTLD, or also "localhost" and IP addresses when not.
func validHost(h string, needTLD bool) bool {
	if len(h) > 253 || h == "" {
		return false
	}
	h = strings.TrimSuffix(h, ".")
	labels := strings.Split(h, ".")
	if needTLD && len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if !hostLabel(l) {
			return false
		}
	}
	if len(labels) >= 2 || needTLD {
		return topLevel(strings.ToLower(labels[len(labels)-1]))
	}
	return true
}

// dotAtom checks an email local part: atoms of RFC 5322 characters joined by
// single dots.
func dotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+/=?^_`{}|~-.", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// hostLabel checks one label of a host name: letters and digits (any script),
// inner hyphens, at most 63 characters.
func hostLabel(l string) bool {
	if l == "" || l[0] == '-' || l[len(l)-1] == '-' || utf8.RuneCountInString(l) > 63 {
		return false
	}
	for _, r := range l {
		if r != '-' && !unicode.IsLetter(r) && !unicode.IsNumber(r) {
			return false
		}
	}
	return true
}

// topLevel checks a top-level domain: letters (and hyphens) or a punycode label.
func topLevel(l string) bool {
	if rest, ok := strings.CutPrefix(l, "xn--"); ok {
		if rest == "" || len(rest) > 59 {
			return false
		}
		for i := 0; i < len(rest); i++ {
			if c := rest[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
		return true
	}
	if l == "" || utf8.RuneCountInString(l) > 63 {
		return false
	}
	for i, r := range l {
		if !unicode.IsLetter(r) && (i == 0 || r != '-') {
			return false
		}
	}
	return true
}

// cleanURL checks a URL, adding "https://" when the scheme is missing (as Django's
// URLField does), and returns it.
func cleanURL(s string) (string, bool) {
	if len(s) > 2048 || strings.ContainsAny(s, " \t\r\n\\") {
		return "", false
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" {
		return "", false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "ftp", "ftps":
	default:
		return "", false
	}
	host := u.Hostname()
	if host == "" {
		return "", false
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", false
		}
	}
	if net.ParseIP(host) == nil && host != "localhost" && !validHost(host, true) {
		return "", false
	}
	return s, true
}

func decodeInt(f *Field, dst reflect.Value, s string) *Error {
	if len(s) > maxNumberLen {
		return fail("invalid_integer", nil)
	}
	s = intZeroRE.ReplaceAllString(s, "") // "3.0" is 3, as in Django
	t := base(dst.Type())
	if !isInt(t.Kind()) {
		// A type with UnmarshalText tagged kind=integer: check as an int64, then
		// hand it the canonical digits.
		var n int64
		if e := decodeInt(f, reflect.ValueOf(&n).Elem(), s); e != nil {
			return e
		}
		if u := unmarshaler(dst); u != nil {
			if err := u.UnmarshalText([]byte(strconv.FormatInt(n, 10))); err != nil {
				return fail("invalid_integer", nil)
			}
			return nil
		}
		return set(dst, reflect.ValueOf(n))
	}
	bits := t.Bits()
	var r *big.Rat
	var v reflect.Value
	if t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uint64 {
		n, err := strconv.ParseUint(strings.TrimPrefix(s, "+"), 10, bits)
		if err != nil {
			return intRangeErr(err, s, t)
		}
		r = new(big.Rat).SetUint64(n)
		v = reflect.ValueOf(n)
	} else {
		n, err := strconv.ParseInt(s, 10, bits)
		if err != nil {
			return intRangeErr(err, s, t)
		}
		r = new(big.Rat).SetInt64(n)
		v = reflect.ValueOf(n)
	}
	if e := checkRange(f, r); e != nil {
		return e
	}
	return set(dst, v)
}

func intRangeErr(err error, s string, t reflect.Type) *Error {
	var ne *strconv.NumError
	if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
		if strings.HasPrefix(s, "-") {
			if t.Kind() >= reflect.Uint {
				return fail("min_value", map[string]any{"min": 0})
			}
			return fail("min_value", map[string]any{"min": -(int64(1) << (t.Bits() - 1))})
		}
		if t.Kind() >= reflect.Uint {
			return fail("max_value", map[string]any{"max": uint64(math.MaxUint64) >> (64 - t.Bits())})
		}
		return fail("max_value", map[string]any{"max": int64(math.MaxInt64) >> (64 - t.Bits())})
	}
	if strings.HasPrefix(s, "-") && t.Kind() >= reflect.Uint && decimalRE.MatchString(s) && !strings.Contains(s, ".") {
		return fail("min_value", map[string]any{"min": 0})
	}
	return fail("invalid_integer", nil)
}

func checkRange(f *Field, r *big.Rat) *Error {
	if f.Min != nil && r.Cmp(f.Min) < 0 {
		return fail("min_value", map[string]any{"min": ratString(f.Min)})
	}
	if f.Max != nil && r.Cmp(f.Max) > 0 {
		return fail("max_value", map[string]any{"max": ratString(f.Max)})
	}
	return nil
}

// ratString formats a rational exactly when it is a terminating decimal (it always
// is for bounds given as decimal text), trimming trailing zeros.
func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	for places := 1; places <= 40; places++ {
		s := r.FloatString(places)
		if back, ok := new(big.Rat).SetString(s); ok && back.Cmp(r) == 0 {
			return s
		}
	}
	return r.FloatString(40)
}

// canonicalDecimal normalises decimal text: no "+", no leading zeros, "-0" → "0";
// trailing fractional zeros are kept (1.10 has two decimal places).
func canonicalDecimal(s string) (canon string, digits, decimals int) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	whole, frac, _ := strings.Cut(s, ".")
	whole = strings.TrimLeft(whole, "0")
	// Django's DecimalValidator rules, on the decimal's digit tuple and exponent.
	tuple := strings.TrimLeft(whole+frac, "0")
	if tuple == "" {
		tuple = "0"
	}
	exp := -len(frac)
	if exp >= 0 {
		if tuple != "0" {
			digits = len(tuple)
		}
	} else if -exp > len(tuple) {
		digits, decimals = -exp, -exp
	} else {
		digits, decimals = len(tuple), -exp
	}
	if whole == "" {
		whole = "0"
	}
	canon = whole
	if frac != "" {
		canon += "." + frac
	}
	if neg && strings.Trim(canon, "0.") != "" {
		canon = "-" + canon
	}
	return canon, digits, decimals
}

func decodeDecimal(f *Field, dst reflect.Value, s string) *Error {
	if len(s) > maxNumberLen || !decimalRE.MatchString(s) {
		return fail("invalid_number", nil)
	}
	canon, digits, decimals := canonicalDecimal(s)
	whole := digits - decimals
	if f.MaxDigits > 0 && digits > f.MaxDigits {
		return fail("max_digits", map[string]any{"max": f.MaxDigits})
	}
	if f.DecimalPlaces > 0 || f.MaxDigits > 0 {
		if decimals > f.DecimalPlaces {
			return fail("max_decimal_places", map[string]any{"max": f.DecimalPlaces})
		}
		if f.MaxDigits > 0 && whole > f.MaxDigits-f.DecimalPlaces {
			return fail("max_whole_digits", map[string]any{"max": f.MaxDigits - f.DecimalPlaces})
		}
	}
	r, _ := new(big.Rat).SetString(canon)
	if e := checkRange(f, r); e != nil {
		return e
	}
	if u := unmarshaler(dst); u != nil && base(dst.Type()) != ratType {
		if err := u.UnmarshalText([]byte(canon)); err != nil {
			return fail("invalid_number", nil)
		}
		return nil
	}
	if base(dst.Type()) == ratType {
		if dst.Kind() == reflect.Pointer {
			dst.Set(reflect.ValueOf(r))
		} else {
			dst.Set(reflect.ValueOf(r).Elem())
		}
		return nil
	}
	return set(dst, reflect.ValueOf(canon))
}

func decodeFloat(f *Field, dst reflect.Value, s string) *Error {
	if len(s) > maxNumberLen || !floatRE.MatchString(s) {
		return fail("invalid_number", nil)
	}
	bits := 64
	if k := base(dst.Type()).Kind(); k == reflect.Float32 {
		bits = 32
	}
	v, err := strconv.ParseFloat(s, bits)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return fail("invalid_number", nil)
	}
	if e := checkRange(f, new(big.Rat).SetFloat64(v)); e != nil {
		return e
	}
	return set(dst, reflect.ValueOf(v))
}

func decodeTime(f *Field, dst reflect.Value, s string, loc *time.Location, fm *formats.Locale) *Error {
	layouts := f.InputFormats
	code := "invalid_" + string(f.Kind)
	if layouts == nil && fm != nil {
		layouts = localeLayouts(f.Kind, fm)
	}
	if layouts == nil {
		switch f.Kind {
		case Date:
			layouts = dateFormats
		case Time:
			layouts = timeFormats
		default:
			layouts = dateTimeFormats
		}
	}
	if len(s) > 64 {
		return fail(code, nil)
	}
	var t time.Time
	ok := false
	for _, layout := range layouts {
		var err error
		if t, err = time.ParseInLocation(layout, s, loc); err == nil {
			ok = true
			break
		}
	}
	if !ok {
		return fail(code, nil)
	}
	switch f.Kind {
	case Date:
		t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	case Time:
		t = time.Date(0, 1, 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
	default:
		if e := checkWallTime(t, s, loc, layouts); e != nil {
			return e
		}
	}
	if !f.MinTime.IsZero() && t.Before(f.MinTime) {
		return fail("min_value", map[string]any{"min": formatTime(f.Kind, f.MinTime)})
	}
	if !f.MaxTime.IsZero() && t.After(f.MaxTime) {
		return fail("max_value", map[string]any{"max": formatTime(f.Kind, f.MaxTime)})
	}
	return set(dst, reflect.ValueOf(t))
}

// isoDateTimeFormats are the layouts a datetime field accepts in every locale
// after the locale's own: what HTML's datetime-local inputs and APIs send.
var isoDateTimeFormats = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04",
	"2006-01-02T15:04:05.999999", "2006-01-02 15:04:05.999999", time.RFC3339, time.RFC3339Nano}

// isoDateFormats and isoTimeFormats are what HTML's date and time inputs send,
// accepted in every locale after its own layouts. (Go reads a fraction after the
// seconds without a layout for it.)
var (
	isoDateFormats = []string{"2006-01-02"}
	isoTimeFormats = []string{"15:04:05", "15:04"}
)

// localeLayouts are the layouts a field of kind k accepts in locale fm: its
// input layouts, then the ISO forms it lacks (a project's Formats may replace a
// locale's layouts, and the widgets still send ISO), and, for a datetime, the
// RFC 3339 forms and a date alone (midnight).
func localeLayouts(k Kind, fm *formats.Locale) []string {
	switch k {
	case Date:
		return withISO(fm.DateInputFormats, isoDateFormats)
	case Time:
		return withISO(fm.TimeInputFormats, isoTimeFormats)
	}
	out := append([]string(nil), fm.DateTimeInputFormats...)
	out = append(out, isoDateTimeFormats...)
	return withISO(append(out, fm.DateInputFormats...), isoDateFormats)
}

// withISO returns own followed by the layouts of iso it does not hold; own
// itself when it holds them all (the shipped locales do).
func withISO(own, iso []string) []string {
	var missing []string
	for _, l := range iso {
		if !slices.Contains(own, l) {
			missing = append(missing, l)
		}
	}
	if missing == nil {
		return own
	}
	return append(own[:len(own):len(own)], missing...)
}

// checkWallTime refuses a local date and time that the time zone skips (a
// daylight-saving gap: Go would silently move it) or repeats (the hour after the
// clocks go back: Go would silently pick the first), unless the input named its
// UTC offset. t is s parsed in loc.
func checkWallTime(t time.Time, s string, loc *time.Location, formats []string) *Error {
	if loc == time.UTC || t.Location() != loc {
		return nil // an explicit offset, or a zone without daylight saving time
	}
	wall := func(x time.Time) time.Time {
		return time.Date(x.Year(), x.Month(), x.Day(), x.Hour(), x.Minute(), x.Second(), x.Nanosecond(), time.UTC)
	}
	// The wall clock the user typed, read as if it were UTC.
	var typed time.Time
	found := false
	for _, layout := range formats {
		if p, err := time.Parse(layout, s); err == nil {
			if strings.Contains(layout, "Z07") || strings.Contains(layout, "-07") || strings.Contains(layout, "MST") {
				return nil // the input gave its offset
			}
			typed, found = wall(p), true
			break
		}
	}
	if !found {
		return nil
	}
	params := func() map[string]any {
		return map[string]any{"datetime": s, "zone": loc.String()}
	}
	if !wall(t).Equal(typed) {
		return fail("nonexistent_time", params())
	}
	// Another offset the zone uses around this time that gives the same wall clock
	// means the time happens twice.
	_, off := t.Zone()
	for _, d := range []time.Duration{-26 * time.Hour, 26 * time.Hour} {
		_, o := t.Add(d).Zone()
		if o == off {
			continue
		}
		cand := typed.Add(-time.Duration(o) * time.Second).In(loc)
		if _, co := cand.Zone(); co == o && wall(cand).Equal(typed) {
			return fail("ambiguous_time", params())
		}
	}
	return nil
}

func decodeMultiple(f *Field, dst reflect.Value, raw []string) *Error {
	var vals []string
	for _, v := range raw {
		if v != "" {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		if f.Required {
			return fail("required", nil)
		}
		dst.Set(reflect.Zero(dst.Type()))
		return nil
	}
	if f.MaxChoices > 0 && len(vals) > f.MaxChoices {
		return fail("max_choices", map[string]any{"max": f.MaxChoices})
	}
	if len(vals) > len(f.Options) && len(f.Options) > 0 {
		// More values than options means repeats or junk: refuse before looping.
		return fail("invalid_list", nil)
	}
	if f.MinChoices > 0 && len(vals) < f.MinChoices {
		return fail("min_choices", map[string]any{"min": f.MinChoices})
	}
	out := reflect.MakeSlice(dst.Type(), len(vals), len(vals))
	for i, v := range vals {
		if !hasOption(f.Options, v) {
			return fail("invalid_choice", map[string]any{"value": v})
		}
		el := out.Index(i)
		if isInt(el.Kind()) {
			if e := decodeInt(&Field{}, el, v); e != nil {
				return fail("invalid_choice", map[string]any{"value": v})
			}
			continue
		}
		el.SetString(v)
	}
	dst.Set(out)
	return nil
}

// decodeFile checks the uploads of a file or image field and stores them in dst:
// an *uploads.File, a []*uploads.File, or a StoredFile (orm.File), which keeps
// its current file when nothing was sent, and is cleared when clear is set (the
// clear box of an optional field was ticked).
func decodeFile(f *Field, dst reflect.Value, files []*uploads.File, clear bool) *Error {
	var stored StoredFile
	if dst.CanAddr() && isStored(dst.Type()) {
		stored = dst.Addr().Interface().(StoredFile)
	}
	if stored != nil && f.Required {
		clear = false // a required field has no clear box; a forged one is ignored
	}
	if len(files) == 0 {
		switch {
		case stored != nil && clear:
			stored.Clear()
			return nil
		case stored != nil && stored.StoredName() != "":
			return nil // the current file stays, and satisfies required
		case f.Required:
			return fail("required", nil)
		case stored == nil:
			dst.Set(reflect.Zero(dst.Type()))
		}
		return nil
	}
	if clear {
		return fail("file_contradiction", nil)
	}
	if dst.Type() != filesType && len(files) > 1 {
		return fail("too_many_files", map[string]any{"count": len(files)})
	}
	for _, fh := range files {
		if e := checkUpload(f, fh); e != nil {
			return e
		}
	}
	switch {
	case stored != nil:
		stored.SetUpload(files[0])
	case dst.Type() == filesType:
		dst.Set(reflect.ValueOf(files))
	default:
		dst.Set(reflect.ValueOf(files[0]))
	}
	return nil
}

// maxFilenameBytes bounds an uploaded file's name, as most file systems do.
const maxFilenameBytes = 255

// imageTypes are the sniffed types of the images an image field decodes, by the
// decoder's format name.
var imageTypes = map[string]string{"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif"}

// checkUpload checks one uploaded file against the field: its name, its size, its
// type as sniffed from the content (never the name or the client's Content-Type)
// and, for an image field, the image itself.
func checkUpload(f *Field, fh *uploads.File) *Error {
	if e := checkFilename(fh.Filename); e != nil {
		return e
	}
	if fh.Size == 0 {
		return fail("empty_file", nil)
	}
	if f.MaxSize > 0 && fh.Size > f.MaxSize {
		return fail("file_too_large", map[string]any{"max": f.MaxSize, "size": fh.Size})
	}
	if len(f.Accept) > 0 || f.Kind == Image {
		typ, err := fh.Sniff()
		if err != nil {
			return fail("invalid_file", nil)
		}
		if len(f.Accept) > 0 && !acceptable(f.Accept, typ) {
			return fail("file_type", map[string]any{"accept": strings.Join(f.Accept, ", "), "type": typ})
		}
		if f.Kind == Image {
			return checkImage(f, fh, typ)
		}
	}
	return nil
}

// checkImage decodes an image upload within the field's limits.
func checkImage(f *Field, fh *uploads.File, sniffed string) *Error {
	info, err := fh.Image(f.ImageLimits)
	var big *uploads.ImageTooLargeError
	switch {
	case errors.As(err, &big):
		return fail("image_too_large", map[string]any{"width": big.Width, "height": big.Height, "limits": limitsText(f.ImageLimits)})
	case errors.Is(err, uploads.ErrNotImage):
		return fail("invalid_image", map[string]any{"type": mediaType(sniffed)})
	case errors.Is(err, uploads.ErrImageTrailingData):
		return fail("image_trailing_data", nil)
	case err != nil:
		return fail("image_corrupt", nil)
	}
	if imageTypes[info.Format] != mediaType(sniffed) {
		// The decoder and the sniffer disagree: a file made to be read two ways.
		return fail("invalid_image", map[string]any{"type": mediaType(sniffed)})
	}
	return nil
}

func mediaType(typ string) string {
	t, _, _ := strings.Cut(typ, ";")
	return strings.TrimSpace(t)
}

// limitsText says what an image may measure: "at most 800 pixels wide, at most
// 24000000 pixels in all".
func limitsText(l uploads.ImageLimits) string {
	var parts []string
	if l.MaxWidth > 0 {
		parts = append(parts, "at most "+strconv.Itoa(l.MaxWidth)+" pixels wide")
	}
	if l.MaxHeight > 0 {
		parts = append(parts, "at most "+strconv.Itoa(l.MaxHeight)+" pixels high")
	}
	switch px := l.MaxPixels; {
	case px == 0:
		parts = append(parts, "at most "+strconv.Itoa(uploads.DefaultMaxImagePixels)+" pixels in all")
	case px > 0:
		parts = append(parts, "at most "+strconv.FormatInt(px, 10)+" pixels in all")
	}
	return strings.Join(parts, ", ")
}

// checkFilename refuses file names that only a crafted request sends: path
// separators or "..", control characters (NUL, newlines), text-direction
// controls such as the right-to-left override that shows "gpj.exe" as
// "exe.jpg", and names that are not UTF-8 or too long. Joiners and other
// invisible characters that emoji and scripts use are allowed. The storage cleans every
// name it stores anyway; refusing these tells the user, instead of storing a
// surprise.
func checkFilename(name string) *Error {
	quoted := func() string {
		q := strconv.QuoteToASCII(name)
		if len(q) > 80 {
			q = q[:77] + "..."
		}
		return q
	}
	if len(name) > maxFilenameBytes {
		return fail("filename_too_long", map[string]any{"length": utf8.RuneCountInString(name), "max": maxFilenameBytes})
	}
	bad := !utf8.ValidString(name) || strings.TrimSpace(name) == "" || strings.ContainsAny(name, `/\`) ||
		name == "." || name == ".."
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == utf8.RuneError {
			bad = true
			break
		}
	}
	if bad {
		return fail("invalid_filename", map[string]any{"filename": quoted()})
	}
	return nil
}

func acceptable(accept []string, typ string) bool {
	typ, _, _ = strings.Cut(typ, ";")
	typ = strings.TrimSpace(typ)
	for _, a := range accept {
		if a == typ || strings.HasSuffix(a, "/*") && strings.HasPrefix(typ, strings.TrimSuffix(a, "*")) {
			return true
		}
	}
	return false
}
