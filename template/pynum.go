package template

import (
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Python's numbers, as the template language sees them: ints of any size, floats and
// Decimals, with Python's int() and float() conversions (and the exception each would
// raise, since Django's filters catch some exceptions and not others) and exact
// comparisons across the three.

// pyErr is the Python exception a conversion raises; pyOK when it succeeds.
type pyErr uint8

const (
	pyOK pyErr = iota
	pyValueError
	pyTypeError
	pyOverflowError
	pyKeyError
)

// Decimal is implemented by exact decimal numbers (orm.Decimal is one): the template
// language treats them as Python's decimal.Decimal — numeric in comparisons, add and
// the number filters, printed as their text.
type Decimal interface {
	Rat() *big.Rat
	String() string
}

var bigIntType = reflect.TypeFor[*big.Int]()

// numKind says which of Python's number types a number is.
type numKind uint8

const (
	numInt   numKind = iota // fits int64
	numBig                  // an int beyond int64
	numFloat                // a float
	numDec                  // a Decimal
)

// number is a numeric template value.
type number struct {
	kind numKind
	i    int64
	f    float64
	b    *big.Int
	d    Decimal
}

func (n number) isFloat() bool { return n.kind == numFloat }

// float is Python's float(n) (huge ints become ±Inf).
func (n number) float() float64 {
	switch n.kind {
	case numInt:
		return float64(n.i)
	case numBig:
		f, _ := new(big.Float).SetInt(n.b).Float64()
		return f
	case numDec:
		f, _ := n.d.Rat().Float64()
		return f
	}
	return n.f
}

// bigInt returns an int as a big.Int.
func (n number) bigInt() *big.Int {
	if n.kind == numBig {
		return new(big.Int).Set(n.b)
	}
	return big.NewInt(n.i)
}

// rat returns n exactly; ok is false for Inf and NaN.
func (n number) rat() (*big.Rat, bool) {
	switch n.kind {
	case numInt:
		return new(big.Rat).SetInt64(n.i), true
	case numBig:
		return new(big.Rat).SetInt(n.b), true
	case numDec:
		return n.d.Rat(), true
	}
	if math.IsInf(n.f, 0) || math.IsNaN(n.f) {
		return nil, false
	}
	return new(big.Rat).SetFloat64(n.f), true
}

func intNumber(b *big.Int) number {
	if b.IsInt64() {
		return number{i: b.Int64()}
	}
	return number{kind: numBig, b: b}
}

// asNumber reports v as a number. Booleans count as 0 and 1, as in Python.
func asNumber(v reflect.Value) (number, bool) {
	v = unwrapIface(v)
	if !v.IsValid() {
		return number{}, false
	}
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return number{i: v.Int()}, true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if u := v.Uint(); u > math.MaxInt64 {
			return number{kind: numBig, b: new(big.Int).SetUint64(u)}, true
		}
		return number{i: int64(v.Uint())}, true
	case reflect.Float32, reflect.Float64:
		return number{kind: numFloat, f: v.Float()}, true
	case reflect.Bool:
		if v.Bool() {
			return number{i: 1}, true
		}
		return number{}, true
	case reflect.Pointer:
		if v.Type() == bigIntType && !v.IsNil() {
			return intNumber(v.Interface().(*big.Int)), true
		}
	}
	if v.CanInterface() && (v.Kind() == reflect.Struct || v.Kind() == reflect.Pointer && !v.IsNil()) {
		if d, ok := v.Interface().(Decimal); ok {
			return number{kind: numDec, d: d}, true
		}
	}
	return number{}, false
}

// pyCompare compares two numbers exactly, as Python does across int, float and
// Decimal. ok is false when either is NaN (every comparison is then false).
func pyCompare(a, b number) (cmp int, ok bool) {
	switch {
	case a.kind == numInt && b.kind == numInt:
		switch {
		case a.i < b.i:
			return -1, true
		case a.i > b.i:
			return 1, true
		}
		return 0, true
	case a.kind == numFloat && b.kind == numFloat:
		switch {
		case math.IsNaN(a.f) || math.IsNaN(b.f):
			return 0, false
		case a.f < b.f:
			return -1, true
		case a.f > b.f:
			return 1, true
		}
		return 0, true
	}
	if a.kind == numFloat && (math.IsInf(a.f, 0) || math.IsNaN(a.f)) || b.kind == numFloat && (math.IsInf(b.f, 0) || math.IsNaN(b.f)) {
		return pyCompare(number{kind: numFloat, f: a.float()}, number{kind: numFloat, f: b.float()})
	}
	ra, _ := a.rat()
	rb, _ := b.rat()
	return ra.Cmp(rb), true
}

// isPySpace is Python's str.isspace for one character: Unicode White_Space plus the
// ASCII information separators \x1c-\x1f.
func isPySpace(r rune) bool {
	return r >= 0x1c && r <= 0x1f || unicode.IsSpace(r)
}

// pyStrip is Python's str.strip() with no argument.
func pyStrip(s string) string { return strings.TrimFunc(s, isPySpace) }

// pyFields is Python's str.split() with no argument.
func pyFields(s string) []string { return strings.FieldsFunc(s, isPySpace) }

// decimalDigit returns the value of a Unicode decimal digit (category Nd), which
// Python's int() and float() accept: "٣" is 3.
func decimalDigit(r rune) (int, bool) {
	if r >= '0' && r <= '9' {
		return int(r - '0'), true
	}
	if r < 0x80 || !unicode.Is(unicode.Nd, r) {
		return 0, false
	}
	// Decimal digits come in runs of ten (or several tens, like the mathematical
	// digits) starting at a zero: find the start of the run.
	start := r
	for start > 0 && unicode.Is(unicode.Nd, start-1) {
		start--
	}
	return int(r-start) % 10, true
}

// asciiDigits rewrites the digit runs of a Python numeric literal with ASCII digits
// and removes the underscores Python allows between digits. ok is false when an
// underscore is misplaced.
func asciiDigits(s string) (string, bool) {
	var b strings.Builder
	prevDigit := false
	for i, r := range s {
		if r == '_' {
			next, _ := utf8.DecodeRuneInString(s[i+1:])
			if _, ok := decimalDigit(next); !prevDigit || !ok {
				return "", false
			}
			prevDigit = false
			continue
		}
		if d, ok := decimalDigit(r); ok {
			b.WriteByte(byte('0' + d))
			prevDigit = true
			continue
		}
		prevDigit = false
		b.WriteRune(r)
	}
	return b.String(), true
}

// parsePyInt is Python's int(s) of a string: surrounding whitespace, a sign,
// decimal digits of any script, single underscores between digits.
func parsePyInt(s string) (number, bool) {
	s = pyStrip(s)
	if s == "" {
		return number{}, false
	}
	t, ok := asciiDigits(s)
	if !ok {
		return number{}, false
	}
	body := t
	if body[0] == '+' || body[0] == '-' {
		body = body[1:]
	}
	if body == "" {
		return number{}, false
	}
	for i := 0; i < len(body); i++ {
		if body[i] < '0' || body[i] > '9' {
			return number{}, false
		}
	}
	if i, err := strconv.ParseInt(t, 10, 64); err == nil {
		return number{i: i}, true
	}
	b, ok := new(big.Int).SetString(strings.TrimPrefix(t, "+"), 10)
	if !ok {
		return number{}, false
	}
	return number{kind: numBig, b: b}, true
}

// parsePyFloat is Python's float(s) of a string: whitespace, a sign, digits of any
// script with underscores between them, an optional point and exponent, or inf,
// infinity and nan in any case.
func parsePyFloat(s string) (float64, bool) {
	s = pyStrip(s)
	t, ok := asciiDigits(s)
	if !ok || t == "" {
		return 0, false
	}
	body := t
	sign := 1.0
	if body[0] == '+' || body[0] == '-' {
		if body[0] == '-' {
			sign = -1
		}
		body = body[1:]
	}
	switch strings.ToLower(body) {
	case "inf", "infinity":
		return math.Inf(int(sign)), true
	case "nan":
		return math.NaN(), true
	}
	if !isPyFloatSyntax(body) {
		return 0, false
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true // ±Inf or ±0, as Python rounds
		}
		return 0, false
	}
	return f, true
}

// isPyFloatSyntax reports whether s (unsigned, ASCII digits) is a decimal float
// literal: digits with an optional point, or a point and digits, then an optional
// exponent.
func isPyFloatSyntax(s string) bool {
	i, digits := 0, 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	return i == len(s)
}

// isLazyText reports a _("...") literal's value, which Python holds as a lazy
// translation proxy: it prints like a string but int() and float() refuse it.
func isLazyText(v reflect.Value) bool { return v.IsValid() && v.Type() == lazyTextType }

// pyInt is Python's int(v).
func pyInt(v any) (number, pyErr) {
	rv := unwrapIface(reflect.ValueOf(v))
	if n, ok := asNumber(rv); ok {
		switch n.kind {
		case numFloat:
			if math.IsNaN(n.f) {
				return number{}, pyValueError
			}
			if math.IsInf(n.f, 0) {
				return number{}, pyOverflowError
			}
			if n.f >= -(1<<63) && n.f < 1<<63 {
				return number{i: int64(n.f)}, pyOK
			}
			b, _ := big.NewFloat(n.f).Int(nil)
			return intNumber(b), pyOK
		case numDec:
			r := n.d.Rat()
			q := new(big.Int).Quo(r.Num(), r.Denom())
			return intNumber(q), pyOK
		}
		return n, pyOK
	}
	if rv.IsValid() && rv.Kind() == reflect.String && !isLazyText(rv) {
		if n, ok := parsePyInt(rv.String()); ok {
			return n, pyOK
		}
		return number{}, pyValueError
	}
	return number{}, pyTypeError
}

// pyFloat is Python's float(v).
func pyFloat(v any) (float64, pyErr) {
	rv := unwrapIface(reflect.ValueOf(v))
	if n, ok := asNumber(rv); ok {
		f := n.float()
		if n.kind == numBig && math.IsInf(f, 0) {
			return 0, pyOverflowError
		}
		return f, pyOK
	}
	if rv.IsValid() && rv.Kind() == reflect.String && !isLazyText(rv) {
		if f, ok := parsePyFloat(rv.String()); ok {
			return f, pyOK
		}
		return 0, pyValueError
	}
	return 0, pyTypeError
}

// toInt is Python's int(v) when it fits an int (filter widths, counts, indexes).
func toInt(v any) (int, bool) {
	n, err := pyInt(v)
	if err != pyOK || n.kind != numInt || n.i > math.MaxInt || n.i < math.MinInt {
		return 0, false
	}
	return int(n.i), true
}

// toFloat is Python's float(v).
func toFloat(v any) (float64, bool) {
	f, err := pyFloat(v)
	return f, err == pyOK
}
