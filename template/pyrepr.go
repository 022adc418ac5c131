package template

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Python's str() and repr() of template values, which is how Django prints them:
// {{ value }}, filters that take strings, and the elements of printed lists and dicts.

// maxValueDepth bounds recursion into nested (possibly self-referencing) values.
const maxValueDepth = 100

// toString is Python's str() of a template value.
func toString(v reflect.Value) string {
	v = unwrapIface(v)
	if !v.IsValid() {
		return "None"
	}
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(v.Uint(), 10)
	}
	return string(appendStr(nil, v, false))
}

// appendStr appends str(v), or repr(v) when asRepr (as for elements of containers).
func appendStr(b []byte, v reflect.Value, asRepr bool) []byte { return appendStrDepth(b, v, asRepr, 0) }

func appendStrDepth(b []byte, v reflect.Value, asRepr bool, depth int) []byte {
	if depth > maxValueDepth {
		return append(b, "..."...)
	}
	v = unwrapIface(v)
	if !v.IsValid() {
		return append(b, "None"...)
	}
	switch v.Type() {
	case timeType:
		if asRepr {
			return appendDatetimeRepr(b, v.Interface().(time.Time))
		}
		return appendDatetimeStr(b, v.Interface().(time.Time))
	case pyDateType:
		if asRepr {
			t := v.Interface().(pyDate).t
			return fmt.Appendf(b, "datetime.date(%d, %d, %d)", t.Year(), int(t.Month()), t.Day())
		}
	case pyClockType:
		if asRepr {
			t := v.Interface().(pyClock).t
			b = fmt.Appendf(b, "datetime.time(%d, %d", t.Hour(), t.Minute())
			if us := t.Nanosecond() / 1000; us != 0 {
				return fmt.Appendf(b, ", %d, %d)", t.Second(), us)
			} else if t.Second() != 0 {
				b = fmt.Appendf(b, ", %d", t.Second())
			}
			return append(b, ')')
		}
	case forLoopPtrType:
		if fl := v.Interface().(*ForLoop); fl != nil {
			return fl.appendRepr(b, depth)
		}
		return append(b, "{}"...)
	case groupType:
		g := v.Interface().(Group)
		b = append(b, "GroupedResult(grouper="...)
		b = appendStrDepth(b, reflect.ValueOf(g.Grouper), true, depth+1)
		b = append(b, ", list="...)
		b = appendStrDepth(b, reflect.ValueOf(g.List), true, depth+1)
		return append(b, ')')
	case tupleType:
		t := v.Interface().(pyTuple)
		b = append(b, '(')
		for i, x := range t {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendStrDepth(b, reflect.ValueOf(x), true, depth+1)
		}
		if len(t) == 1 {
			b = append(b, ',')
		}
		return append(b, ')')
	case dictItemsType, dictKeysType, dictValuesType:
		b = append(b, dictViewNames[v.Type()]...)
		b = append(b, '(')
		b = appendStrDepth(b, v.Convert(anySliceType), true, depth+1)
		return append(b, ')')
	}
	if v.Kind() != reflect.String && v.Kind() != reflect.Map && v.CanInterface() && infoOf(v.Type()).mapping {
		return appendDict(b, v, depth)
	}
	if v.Kind() != reflect.String && v.CanInterface() {
		switch x := v.Interface().(type) {
		case Decimal:
			if v.Kind() == reflect.Pointer && v.IsNil() {
				break
			}
			if asRepr {
				return append(append(append(b, "Decimal('"...), x.String()...), "')"...)
			}
			return append(b, x.String()...)
		case error:
			return append(b, x.Error()...)
		case fmt.Stringer:
			if v.Kind() != reflect.Pointer || !v.IsNil() {
				return append(b, x.String()...)
			}
		}
	}
	switch v.Kind() {
	case reflect.String:
		if asRepr {
			return appendPyRepr(b, v.String())
		}
		return append(b, v.String()...)
	case reflect.Bool:
		if v.Bool() {
			return append(b, "True"...)
		}
		return append(b, "False"...)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(b, v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.AppendUint(b, v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		return appendPyFloat(b, v.Float())
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return append(b, "[]"...)
		}
		b = append(b, '[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendStrDepth(b, v.Index(i), true, depth+1)
		}
		return append(b, ']')
	case reflect.Map:
		return appendDict(b, v, depth)
	case reflect.Pointer:
		if v.IsNil() {
			return append(b, "None"...)
		}
		return appendStrDepth(b, v.Elem(), asRepr, depth+1)
	}
	if v.CanInterface() {
		return fmt.Append(b, v.Interface())
	}
	return append(b, v.String()...)
}

// appendDict appends the repr of a mapping, {'key': value, ...}, in key order.
func appendDict(b []byte, v reflect.Value, depth int) []byte {
	m, _ := asMapping(v)
	b = append(b, '{')
	for i, k := range m.keys {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendStrDepth(b, k, true, depth+1)
		b = append(b, ": "...)
		val, _ := m.get(k)
		b = appendStrDepth(b, val, true, depth+1)
	}
	return append(b, '}')
}

// appendPyRepr appends Python's repr() of a string: quoted, with backslash escapes
// for the quote, backslashes and characters that are not printable.
func appendPyRepr(b []byte, s string) []byte {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	b = append(b, q)
	for _, r := range s {
		switch {
		case r == '\\':
			b = append(b, `\\`...)
		case r == rune(q):
			b = append(b, '\\', q)
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r == '\t':
			b = append(b, `\t`...)
		case r < 0x20 || r == 0x7f:
			b = fmt.Appendf(b, `\x%02x`, r)
		case r < 0x80 || unicode.IsPrint(r):
			b = utf8.AppendRune(b, r)
		case r < 0x100:
			b = fmt.Appendf(b, `\x%02x`, r)
		case r < 0x10000:
			b = fmt.Appendf(b, `\u%04x`, r)
		default:
			b = fmt.Appendf(b, `\U%08x`, r)
		}
	}
	return append(b, q)
}

// appendPyFloat appends Python's repr of a float: the shortest form that round-trips,
// always with a decimal point or exponent (34.0, 3.5, 1e+16, 1e-05).
func appendPyFloat(b []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	case math.IsNaN(f):
		return append(b, "nan"...)
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, expS, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expS)
	if exp < -4 || exp >= 16 {
		b = append(b, mant...)
		b = append(b, 'e')
		if exp < 0 {
			b = append(b, '-')
			exp = -exp
		} else {
			b = append(b, '+')
		}
		if exp < 10 {
			b = append(b, '0')
		}
		return strconv.AppendInt(b, int64(exp), 10)
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'f', -1, 64)
	if strings.IndexByte(string(b[start:]), '.') < 0 {
		b = append(b, ".0"...)
	}
	return b
}

// appendPlainFloat appends a float the way Django localizes it for output: Python's
// repr, but written out in full instead of with an exponent (1e-07 → 0.0000001),
// except past 200 digits, where numberformat keeps the exponent (5e-324).
func appendPlainFloat(b []byte, f float64) []byte {
	start := len(b)
	b = appendPyFloat(b, f)
	s := string(b[start:])
	mant, expS, ok := strings.Cut(s, "e")
	if !ok {
		return b
	}
	exp, _ := strconv.Atoi(expS)
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimPrefix(mant, "-")
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := intPart + frac
	if dexp := exp - len(frac); max(dexp, -dexp)+len(digits) > 200 {
		// Decimal('{:e}') of the repr: the mantissa's digits and the exponent.
		out := digits[:1]
		if len(digits) > 1 {
			out += "." + digits[1:]
		}
		sign := "+"
		if exp < 0 {
			sign, exp = "-", -exp
		}
		out += "e" + sign + strconv.Itoa(exp)
		if neg {
			out = "-" + out
		}
		return append(b[:start], out...)
	}
	return append(b[:start], plainDigits(neg, digits, len(intPart)+exp)...)
}

// plainDigits writes digits with the decimal point after point digits, padding with
// zeros on either side as needed.
func plainDigits(neg bool, digits string, point int) string {
	var out string
	switch {
	case point <= 0:
		out = "0." + strings.Repeat("0", -point) + digits
	case point >= len(digits):
		out = digits + strings.Repeat("0", point-len(digits))
	default:
		out = digits[:point] + "." + digits[point:]
	}
	if neg {
		out = "-" + out
	}
	return out
}

// hasStringMethod reports a value of a named type that prints itself (a Stringer
// or an error), like time.Month.
func hasStringMethod(v reflect.Value) bool {
	if v.Type().PkgPath() == "" || !v.CanInterface() {
		return false
	}
	switch v.Interface().(type) {
	case fmt.Stringer, error:
		return true
	}
	return false
}

// decimalFixed is Python's '{:f}'.format(Decimal(s)): the number in fixed point
// with as many decimals as its exponent says (1.50 → 1.50, 1E+3 → 1000).
func decimalFixed(s string) string {
	d, ok := parseDecimal(s)
	if !ok || d.isSpecial {
		return s
	}
	var out string
	if d.exp >= 0 {
		out = d.digits + strings.Repeat("0", d.exp)
		if d.digits == "0" {
			out = "0"
		}
	} else {
		out = plainDigits(false, d.digits, len(d.digits)+d.exp)
	}
	if d.neg {
		out = "-" + out
	}
	return out
}

// appendDatetimeStr appends Python's str(datetime): ISO 8601 with a space.
func appendDatetimeStr(b []byte, t time.Time) []byte {
	return appendISO(b, t, ' ')
}

// appendISO appends datetime.isoformat(sep): microseconds when there are any, the
// offset when the time is aware (see isNaive).
func appendISO(b []byte, t time.Time, sep byte) []byte {
	b = appendYear4(b, t.Year())
	b = append(b, '-')
	b = pad2(b, int(t.Month()))
	b = append(b, '-')
	b = pad2(b, t.Day())
	b = append(b, sep)
	b = pad2(b, t.Hour())
	b = append(b, ':')
	b = pad2(b, t.Minute())
	b = append(b, ':')
	b = pad2(b, t.Second())
	if us := t.Nanosecond() / 1000; us != 0 {
		b = fmt.Appendf(b, ".%06d", us)
	}
	if !isNaive(t) {
		_, off := t.Zone()
		b = appendOffset(b, off, true)
	}
	return b
}

func appendYear4(b []byte, y int) []byte {
	return fmt.Appendf(b, "%04d", y)
}

// appendOffset appends a UTC offset as +HH:MM (colon) or +HHMM, with :SS when the
// offset has seconds.
func appendOffset(b []byte, off int, colon bool) []byte {
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	b = append(b, sign)
	b = pad2(b, off/3600)
	if colon {
		b = append(b, ':')
	}
	b = pad2(b, off/60%60)
	if s := off % 60; s != 0 && colon {
		b = append(b, ':')
		b = pad2(b, s)
	}
	return b
}

// appendDatetimeRepr appends Python's repr(datetime).
func appendDatetimeRepr(b []byte, t time.Time) []byte {
	b = fmt.Appendf(b, "datetime.datetime(%d, %d, %d, %d, %d", t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute())
	us := t.Nanosecond() / 1000
	if t.Second() != 0 || us != 0 {
		b = fmt.Appendf(b, ", %d", t.Second())
	}
	if us != 0 {
		b = fmt.Appendf(b, ", %d", us)
	}
	if !isNaive(t) {
		b = append(b, ", tzinfo="...)
		b = appendTZRepr(b, t)
	}
	return append(b, ')')
}

// appendTZRepr appends the repr of the tzinfo Python would hold for t's location:
// datetime.timezone for fixed offsets, zoneinfo.ZoneInfo for named zones.
func appendTZRepr(b []byte, t time.Time) []byte {
	name, off := t.Zone()
	loc := t.Location().String()
	if loc != "" && loc != name && loc != "Local" {
		return fmt.Appendf(b, "zoneinfo.ZoneInfo(key=%s)", appendPyRepr(nil, loc))
	}
	if off == 0 && (name == "" || name == "UTC") {
		return append(b, "datetime.timezone.utc"...)
	}
	b = append(b, "datetime.timezone("...)
	b = appendTimedeltaRepr(b, off)
	if name != "" {
		b = append(b, ", "...)
		b = appendPyRepr(b, name)
	}
	return append(b, ')')
}

// appendTimedeltaRepr appends repr(timedelta(seconds=s)).
func appendTimedeltaRepr(b []byte, s int) []byte {
	days := s / 86400
	secs := s % 86400
	if secs < 0 {
		days--
		secs += 86400
	}
	b = append(b, "datetime.timedelta("...)
	switch {
	case days != 0 && secs != 0:
		b = fmt.Appendf(b, "days=%d, seconds=%d", days, secs)
	case days != 0:
		b = fmt.Appendf(b, "days=%d", days)
	case secs != 0:
		b = fmt.Appendf(b, "seconds=%d", secs)
	default:
		b = append(b, '0')
	}
	return append(b, ')')
}

// isNaive reports whether t stands for a naive datetime, one without a time zone.
// Go times always have a location; times in time.UTC — what time.Parse gives for
// text without an offset and what database drivers give for columns without a time
// zone — are taken as naive. A time in any other location, including a fixed zone
// named "UTC", is aware.
func isNaive(t time.Time) bool { return t.Location() == time.UTC }

// pyTuple is a Python tuple: a dict's (key, value) items, a regroup group. It
// prints with parentheses.
type pyTuple []any

// The views a Python dict's items(), keys() and values() return.
type (
	dictItems  []any
	dictKeys   []any
	dictValues []any
)

var (
	tupleType      = reflect.TypeFor[pyTuple]()
	dictItemsType  = reflect.TypeFor[dictItems]()
	dictKeysType   = reflect.TypeFor[dictKeys]()
	dictValuesType = reflect.TypeFor[dictValues]()
	anySliceType   = reflect.TypeFor[[]any]()
	groupType      = reflect.TypeFor[Group]()
	forLoopPtrType = reflect.TypeFor[*ForLoop]()
	dictViewNames  = map[reflect.Type]string{dictItemsType: "dict_items", dictKeysType: "dict_keys", dictValuesType: "dict_values"}
)

func isTuple(v reflect.Value) bool { return v.IsValid() && v.Type() == tupleType }

// entries is the forloop variable as Django's dict holds it.
func (fl *ForLoop) entries() []pyTuple {
	var parent any = emptyDict{}
	if fl.Parentloop != nil {
		parent = fl.Parentloop
	}
	return []pyTuple{{"parentloop", parent}, {"counter0", fl.Counter0}, {"counter", fl.Counter},
		{"revcounter", fl.Revcounter}, {"revcounter0", fl.Revcounter0}, {"first", fl.First}, {"last", fl.Last}}
}

// emptyDict is the {} a top-level loop's forloop.parentloop is.
type emptyDict struct{}

// Keys implements Mapping.
func (emptyDict) Keys() []string { return nil }

// Get implements Mapping.
func (emptyDict) Get(string) (any, bool) { return nil, false }

// appendRepr appends the forloop variable as Django's dict.
func (fl *ForLoop) appendRepr(b []byte, depth int) []byte {
	b = append(b, "{'parentloop': "...)
	if fl.Parentloop != nil {
		b = fl.Parentloop.appendRepr(b, depth+1)
	} else {
		b = append(b, "{}"...)
	}
	b = fmt.Appendf(b, ", 'counter0': %d, 'counter': %d, 'revcounter': %d, 'revcounter0': %d, 'first': %s, 'last': %s}",
		fl.Counter0, fl.Counter, fl.Revcounter, fl.Revcounter0, pyBool(fl.First), pyBool(fl.Last))
	return b
}

func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

func isDictView(t reflect.Type) bool {
	return t == dictItemsType || t == dictKeysType || t == dictValuesType
}
