package template

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"reflect"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The attributes and methods of Python's own types that Django's variable lookup
// reaches when a template names them: {{ name.upper }}, {% for w in text.split %},
// {{ d.items }}, {{ n.real }}, {{ when.year }}. A method that takes no arguments is
// called, as Django calls it; one that needs arguments gives "" (string_if_invalid),
// or, for the methods whose signature Python cannot introspect (str.count, find,
// startswith...), an error, as in Django. Methods that change a list or dict in
// place (pop, sort, clear...) return what Python's would but leave the Go value as
// it is: templates do not change their data.

// errNoSignature is Django's ValueError for a builtin method without an
// introspectable signature that needs arguments.
type errNoSignature string

func (e errNoSignature) Error() string { return "no signature found for builtin method " + string(e) }

// pyAttr resolves name on v when v is one of Python's own types. found is false when
// Python has no such attribute (the lookup then fails, as in Django).
func pyAttr(v reflect.Value, name string) (reflect.Value, bool, error) {
	v = unwrapIface(v)
	if !v.IsValid() {
		return reflect.Value{}, false, nil
	}
	if (v.Type() == forLoopPtrType.Elem() || v.Type() == bigIntType.Elem()) && v.CanAddr() {
		v = v.Addr()
	}
	if t, ok := asTime(v); ok && v.Type() == timeType {
		return datetimeAttr(t, name)
	}
	switch v.Type() {
	case pyDateType, pyClockType:
		return dateAttr(v, name)
	case forLoopPtrType:
		// forloop is a dict in Django.
		if fl := v.Interface().(*ForLoop); fl != nil && (name == "items" || name == "keys" || name == "values") {
			entries := fl.entries()
			out := make([]any, len(entries))
			for i, e := range entries {
				switch name {
				case "keys":
					out[i] = e[0]
				case "values":
					out[i] = e[1]
				default:
					out[i] = e
				}
			}
			switch name {
			case "keys":
				return reflect.ValueOf(dictKeys(out)), true, nil
			case "values":
				return reflect.ValueOf(dictValues(out)), true, nil
			}
			return reflect.ValueOf(dictItems(out)), true, nil
		}
		return reflect.Value{}, false, nil
	case dictItemsType, dictKeysType, dictValuesType:
		return reflect.Value{}, false, nil
	case tupleType:
		if name == "count" || name == "index" {
			return emptyString, true, nil
		}
		return reflect.Value{}, false, nil
	}
	switch v.Kind() {
	case reflect.String:
		return strAttr(v.String(), name)
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, _ := asNumber(v)
		return intAttr(n, name)
	case reflect.Float32, reflect.Float64:
		return floatAttr(v.Float(), name)
	case reflect.Slice, reflect.Array:
		switch name {
		case "copy":
			n, at, _ := pyIter(v)
			return reflect.ValueOf(collect(n, at)), true, nil
		case "pop":
			if v.Len() == 0 {
				return reflect.Value{}, false, fmt.Errorf("pop from empty list")
			}
			return v.Index(v.Len() - 1), true, nil
		case "clear", "reverse", "sort":
			return reflect.Value{}, true, nil
		case "append", "count", "extend", "index", "insert", "remove":
			return emptyString, true, nil
		}
	case reflect.Map:
		return dictAttr(v, name)
	case reflect.Pointer, reflect.Struct:
		if n, ok := asNumber(v); ok && n.kind == numBig {
			return intAttr(n, name)
		}
	}
	return reflect.Value{}, false, nil
}

// dictAttr is the attributes of dict on a mapping.
func dictAttr(v reflect.Value, name string) (reflect.Value, bool, error) {
	switch name {
	case "items", "keys", "values":
		return reflect.ValueOf(mapView(v, name)), true, nil
	case "copy":
		return v, true, nil
	case "update", "clear":
		return reflect.Value{}, true, nil // None
	case "popitem":
		m, _ := asMapping(v)
		if len(m.keys) == 0 {
			return reflect.Value{}, false, fmt.Errorf("popitem(): dictionary is empty")
		}
		k := m.keys[len(m.keys)-1]
		val, _ := m.get(k)
		return reflect.ValueOf(pyTuple{valueToAny(k), valueToAny(val)}), true, nil
	case "get", "setdefault", "fromkeys":
		return emptyString, true, nil
	case "pop":
		return reflect.Value{}, false, errNoSignature("pop of dict object")
	}
	return reflect.Value{}, false, nil
}

// boundMethod is a method of one of Python's own types, not called.
type boundMethod struct{ name string }

// isPyMethod reports whether name is a method (not a plain attribute) of v's
// Python type.
func isPyMethod(v reflect.Value, name string) bool {
	v = unwrapIface(v)
	if !v.IsValid() {
		return false
	}
	switch name {
	case "real", "imag", "numerator", "denominator", "year", "month", "day", "hour", "minute",
		"second", "microsecond", "fold", "tzinfo":
		return false
	}
	switch v.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64,
		reflect.Slice, reflect.Array, reflect.Map:
		if v.Type().PkgPath() != "" && v.Type() != safeStringType && v.Type() != tupleType {
			return false // a Go type of its own: its methods are Go's
		}
		_, found, err := pyAttr(v, name)
		return found || err != nil
	}
	return v.Type() == timeType && func() bool { _, found, _ := datetimeAttr(v.Interface().(time.Time), name); return found }()
}

func boolValue(b bool) reflect.Value {
	if b {
		return trueValue
	}
	return falseValue
}

// strAttr is the str methods a template can call without arguments.
func strAttr(s, name string) (reflect.Value, bool, error) {
	all := func(pred func(rune) bool) reflect.Value {
		if s == "" {
			return falseValue
		}
		for _, r := range s {
			if !pred(r) {
				return falseValue
			}
		}
		return trueValue
	}
	var out any
	switch name {
	case "upper":
		out = pyUpper(s)
	case "lower":
		out = pyLower(s)
	case "casefold":
		out = foldCaser.String(s)
	case "title":
		out = pyTitle(s)
	case "capitalize":
		_, n := utf8.DecodeRuneInString(s)
		if n == 0 {
			out = s
		} else {
			out = titleCaser.String(s[:n]) + pyLower(s[n:])
		}
	case "swapcase":
		var b strings.Builder
		for _, r := range s {
			switch {
			case unicode.IsUpper(r):
				b.WriteString(pyLower(string(r)))
			case unicode.IsLower(r):
				b.WriteString(pyUpper(string(r)))
			default:
				b.WriteRune(r)
			}
		}
		out = b.String()
	case "strip":
		out = pyStrip(s)
	case "lstrip":
		out = strings.TrimLeftFunc(s, isPySpace)
	case "rstrip":
		out = strings.TrimRightFunc(s, isPySpace)
	case "split", "rsplit":
		words := pyFields(s)
		list := make([]any, len(words))
		for i, w := range words {
			list[i] = w
		}
		out = list
	case "splitlines":
		lines := pySplitLines(s)
		list := make([]any, len(lines))
		for i, l := range lines {
			list[i] = strings.TrimSuffix(strings.TrimRightFunc(l, func(r rune) bool {
				return r == '\n' || r == '\r' || r == '\v' || r == '\f' || r >= 0x1c && r <= 0x1e || r == 0x85 || r == 0x2028 || r == 0x2029
			}), "")
		}
		out = list
	case "isalnum":
		return all(func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }), true, nil
	case "isalpha":
		return all(unicode.IsLetter), true, nil
	case "isdecimal":
		return all(func(r rune) bool { return unicode.Is(unicode.Nd, r) }), true, nil
	case "isdigit":
		return all(func(r rune) bool {
			return unicode.Is(unicode.Nd, r) || r == 0xb2 || r == 0xb3 || r == 0xb9 || r >= 0x2070 && r <= 0x2079
		}), true, nil
	case "isnumeric":
		return all(unicode.IsNumber), true, nil
	case "isspace":
		return all(isPySpace), true, nil
	case "isascii":
		return boolValue(isASCII(s)), true, nil
	case "isprintable":
		for _, r := range s {
			if r != ' ' && !unicode.IsPrint(r) {
				return falseValue, true, nil
			}
		}
		return trueValue, true, nil
	case "isidentifier":
		ok := s != ""
		for i, r := range s {
			if !(r == '_' || unicode.IsLetter(r) || i > 0 && (unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc, unicode.Pc))) {
				ok = false
			}
		}
		return boolValue(ok), true, nil
	case "islower", "isupper", "istitle":
		return boolValue(caseTest(s, name)), true, nil
	case "expandtabs":
		var b strings.Builder
		col := 0
		for _, r := range s {
			switch r {
			case '\t':
				n := 8 - col%8
				b.WriteString(strings.Repeat(" ", n))
				col += n
			case '\n', '\r':
				b.WriteRune(r)
				col = 0
			default:
				b.WriteRune(r)
				col++
			}
		}
		out = b.String()
	case "encode":
		out = pyBytes(s)
	case "format":
		// str.format() without arguments: only {{ and }} are allowed.
		if strings.ContainsAny(strings.NewReplacer("{{", "", "}}", "").Replace(s), "{}") {
			return reflect.Value{}, false, fmt.Errorf("str.format: %q needs arguments", s)
		}
		out = strings.NewReplacer("{{", "{", "}}", "}").Replace(s)
	case "center", "join", "ljust", "partition", "removeprefix", "removesuffix", "replace",
		"rjust", "rpartition", "translate", "zfill":
		out = ""
	case "count", "endswith", "find", "format_map", "index", "maketrans", "rfind", "rindex", "startswith":
		return reflect.Value{}, false, errNoSignature(name + " of str object")
	default:
		return reflect.Value{}, false, nil
	}
	return reflect.ValueOf(out), true, nil
}

// caseTest is str.islower, isupper and istitle.
func caseTest(s, which string) bool {
	cased := false
	prevCased := false
	for _, r := range s {
		isUp, isLow := unicode.IsUpper(r) || unicode.IsTitle(r), unicode.IsLower(r)
		switch which {
		case "islower":
			if isUp {
				return false
			}
		case "isupper":
			if isLow {
				return false
			}
		case "istitle":
			if isUp && prevCased || isLow && !prevCased {
				return false
			}
		}
		if isUp || isLow {
			cased = true
		}
		prevCased = isUp || isLow
	}
	return cased
}

// pyBytes is str(s.encode()): b'...' with non-ASCII bytes escaped.
type pyBytes string

// String implements fmt.Stringer as Python prints bytes.
func (b pyBytes) String() string {
	var out strings.Builder
	q := byte('\'')
	if strings.IndexByte(string(b), '\'') >= 0 && strings.IndexByte(string(b), '"') < 0 {
		q = '"'
	}
	out.WriteString("b" + string(q))
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '\\' || c == q:
			out.WriteByte('\\')
			out.WriteByte(c)
		case c == '\n':
			out.WriteString(`\n`)
		case c == '\r':
			out.WriteString(`\r`)
		case c == '\t':
			out.WriteString(`\t`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&out, `\x%02x`, c)
		default:
			out.WriteByte(c)
		}
	}
	out.WriteByte(q)
	return out.String()
}

// intAttr is the attributes of int (and bool, which is an int).
func intAttr(n number, name string) (reflect.Value, bool, error) {
	b := n.bigInt()
	switch name {
	case "real", "numerator", "conjugate":
		return reflect.ValueOf(numberValue(intNumber(b))), true, nil
	case "imag":
		return reflect.ValueOf(0), true, nil
	case "denominator":
		return reflect.ValueOf(1), true, nil
	case "bit_length":
		return reflect.ValueOf(new(big.Int).Abs(b).BitLen()), true, nil
	case "bit_count":
		c := 0
		for _, w := range new(big.Int).Abs(b).Bits() {
			c += bits.OnesCount(uint(w))
		}
		return reflect.ValueOf(c), true, nil
	case "as_integer_ratio":
		return reflect.ValueOf(pyTuple{numberValue(intNumber(b)), 1}), true, nil
	case "to_bytes":
		// to_bytes() is one byte, big-endian, unsigned.
		if b.Sign() < 0 || b.Cmp(big.NewInt(255)) > 0 {
			return reflect.Value{}, false, fmt.Errorf("int too big to convert")
		}
		return reflect.ValueOf(pyBytes([]byte{byte(b.Int64())})), true, nil
	case "from_bytes":
		return emptyString, true, nil
	}
	return reflect.Value{}, false, nil
}

// floatAttr is the attributes of float.
func floatAttr(f float64, name string) (reflect.Value, bool, error) {
	switch name {
	case "real", "conjugate":
		return reflect.ValueOf(f), true, nil
	case "imag":
		return reflect.ValueOf(0.0), true, nil
	case "is_integer":
		return boolValue(!math.IsInf(f, 0) && f == math.Trunc(f)), true, nil
	case "hex":
		return reflect.ValueOf(pyFloatHex(f)), true, nil
	case "as_integer_ratio":
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return reflect.Value{}, false, fmt.Errorf("cannot convert %v to integer ratio", f)
		}
		r := new(big.Rat).SetFloat64(f)
		return reflect.ValueOf(pyTuple{numberValue(intNumber(r.Num())), numberValue(intNumber(r.Denom()))}), true, nil
	case "fromhex":
		return emptyString, true, nil
	}
	return reflect.Value{}, false, nil
}

// pyFloatHex is float.hex(): 0x1.<13 hex digits>p±exponent.
func pyFloatHex(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	sign := ""
	if math.Signbit(f) {
		sign, f = "-", -f
	}
	if f == 0 {
		return sign + "0x0.0p+0"
	}
	b := math.Float64bits(f)
	exp := int(b>>52) & 0x7ff
	mant := b & (1<<52 - 1)
	lead := 1
	if exp == 0 {
		lead, exp = 0, -1022
	} else {
		exp -= 1023
	}
	return fmt.Sprintf("%s0x%d.%013xp%+d", sign, lead, mant, exp)
}

// pyDate and pyClock are a datetime's date() and time(): they print as Django
// prints a date (DATE_FORMAT) and a time (TIME_FORMAT).
type (
	pyDate  struct{ t time.Time }
	pyClock struct{ t time.Time }
)

var (
	pyDateType  = reflect.TypeFor[pyDate]()
	pyClockType = reflect.TypeFor[pyClock]()
)

// String is str(date): 2026-03-07.
func (d pyDate) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.t.Year(), int(d.t.Month()), d.t.Day())
}

// String is str(time): 14:05:09, with microseconds when there are any.
func (c pyClock) String() string {
	s := fmt.Sprintf("%02d:%02d:%02d", c.t.Hour(), c.t.Minute(), c.t.Second())
	if us := c.t.Nanosecond() / 1000; us != 0 {
		s += fmt.Sprintf(".%06d", us)
	}
	return s
}

// datetimeAttr is the attributes of datetime.datetime.
func datetimeAttr(t time.Time, name string) (reflect.Value, bool, error) {
	var out any
	switch name {
	case "year":
		out = t.Year()
	case "month":
		out = int(t.Month())
	case "day":
		out = t.Day()
	case "hour":
		out = t.Hour()
	case "minute":
		out = t.Minute()
	case "second":
		out = t.Second()
	case "microsecond":
		out = t.Nanosecond() / 1000
	case "fold":
		out = 0
	case "weekday":
		out = (int(t.Weekday()) + 6) % 7
	case "isoweekday":
		out = (int(t.Weekday())+6)%7 + 1
	case "isoformat":
		out = string(appendISO(nil, t, 'T'))
	case "date":
		out = pyDate{t}
	case "time", "timetz":
		out = pyClock{t}
	case "ctime":
		out = pyCtime(t)
	case "toordinal":
		out = pyOrdinal(t)
	case "timestamp":
		out = float64(t.UnixMicro()) / 1e6
	case "astimezone", "replace":
		out = t
	case "tzinfo", "tzname":
		if isNaive(t) {
			return reflect.Value{}, true, nil
		}
		out = tzName(t)
	case "utcoffset", "dst":
		if isNaive(t) {
			return reflect.Value{}, true, nil
		}
		return reflect.Value{}, false, nil
	case "combine", "fromisocalendar", "fromisoformat", "fromordinal", "fromtimestamp", "strftime",
		"strptime", "utcfromtimestamp":
		return reflect.Value{}, false, errNoSignature(name + " of datetime")
	default:
		return reflect.Value{}, false, nil
	}
	return reflect.ValueOf(out), true, nil
}

// pyCtime is datetime.ctime().
func pyCtime(t time.Time) string {
	return fmt.Sprintf("%s %s %2d %02d:%02d:%02d %d", t.Weekday().String()[:3], t.Month().String()[:3], t.Day(), t.Hour(), t.Minute(), t.Second(), t.Year())
}

// pyOrdinal is date.toordinal(): day 1 is January 1 of year 1.
func pyOrdinal(t time.Time) int {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return int(d.Sub(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)).Hours()/24) + 1
}

// dateAttr is the attributes of a datetime's date() and time().
func dateAttr(v reflect.Value, name string) (reflect.Value, bool, error) {
	var out any
	if d, ok := v.Interface().(pyDate); ok {
		t := d.t
		switch name {
		case "year", "month", "day", "weekday", "isoweekday", "ctime", "toordinal":
			if name == "ctime" {
				out = pyCtime(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC))
				break
			}
			return datetimeAttr(t, name)
		case "isoformat":
			out = pyDate{t}.String()
		default:
			return reflect.Value{}, false, nil
		}
		return reflect.ValueOf(out), true, nil
	}
	t := v.Interface().(pyClock).t
	switch name {
	case "hour", "minute", "second", "microsecond", "fold":
		return datetimeAttr(t, name)
	case "isoformat":
		out = pyClock{t}.String()
	case "tzinfo":
		return reflect.Value{}, true, nil
	default:
		return reflect.Value{}, false, nil
	}
	return reflect.ValueOf(out), true, nil
}
