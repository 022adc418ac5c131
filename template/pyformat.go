package template

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// pyPercent is Python's printf-style formatting, format % value, as Django's
// stringformat filter uses it ("%" + arg). A mapping value supplies %(key)s
// conversions; any other value is the single argument. The error is the exception
// Python would raise (ValueError for a bad format, TypeError for a bad argument).
func pyPercent(format string, value reflect.Value) (string, pyErr) {
	value = unwrapIface(value)
	mapping, isDict := asMapping(value)
	isMapping := isDict || value.IsValid() && isListKind(value.Kind()) && !isTuple(value)
	used := false
	next := func() (reflect.Value, bool) {
		if used {
			return reflect.Value{}, false
		}
		used = true
		return value, true
	}
	var b []byte
	for i := 0; i < len(format); {
		c := format[i]
		if c != '%' {
			j := strings.IndexByte(format[i:], '%')
			if j < 0 {
				j = len(format) - i
			}
			b = append(b, format[i:i+j]...)
			i += j
			continue
		}
		i++
		if i >= len(format) {
			return "", pyValueError // incomplete format
		}
		arg, haveArg := reflect.Value{}, false
		if format[i] == '(' {
			depth, j := 1, i+1
			for ; j < len(format) && depth > 0; j++ {
				switch format[j] {
				case '(':
					depth++
				case ')':
					depth--
				}
			}
			if depth > 0 {
				return "", pyValueError // incomplete format key
			}
			key := format[i+1 : j-1]
			i = j
			if !isDict {
				return "", pyTypeError // format requires a mapping
			}
			v, found := mapping.get(reflect.ValueOf(key))
			if !found {
				return "", pyKeyError
			}
			arg, haveArg = v, true
			used = true
		}
		var spec fmtSpec
		for ; i < len(format) && strings.IndexByte("-+ #0", format[i]) >= 0; i++ {
			spec.flags += string(format[i])
		}
		readNum := func() (int, pyErr) {
			if i < len(format) && format[i] == '*' {
				i++
				v, ok := next()
				if !ok {
					return 0, pyTypeError
				}
				n, ok := asNumber(v)
				if !ok || n.kind != numInt {
					return 0, pyTypeError
				}
				return int(n.i), pyOK
			}
			start := i
			for i < len(format) && format[i] >= '0' && format[i] <= '9' {
				i++
			}
			if i == start {
				return -1, pyOK
			}
			n, err := strconv.Atoi(format[start:i])
			if err != nil || n > 1<<20 {
				return 0, pyValueError // width too big
			}
			return n, pyOK
		}
		var err pyErr
		if spec.width, err = readNum(); err != pyOK {
			return "", err
		}
		if spec.width < -1 {
			spec.flags += "-"
			spec.width = -spec.width
		}
		spec.prec = -1
		if i < len(format) && format[i] == '.' {
			i++
			if spec.prec, err = readNum(); err != pyOK {
				return "", err
			}
			if spec.prec < 0 {
				spec.prec = 0
			}
		}
		for i < len(format) && strings.IndexByte("hlL", format[i]) >= 0 {
			i++
		}
		if i >= len(format) {
			return "", pyValueError // incomplete format
		}
		spec.verb = format[i]
		i++
		if spec.verb == '%' {
			b = append(b, '%')
			continue
		}
		if strings.IndexByte("diouxXeEfFgGcrsa", spec.verb) < 0 {
			return "", pyValueError // unsupported format character
		}
		if !haveArg {
			if arg, haveArg = next(); !haveArg {
				return "", pyTypeError // not enough arguments
			}
		}
		s, e := spec.format(arg)
		if e != pyOK {
			return "", e
		}
		b = append(b, s...)
	}
	if !used && !isMapping {
		return "", pyTypeError // not all arguments converted
	}
	return string(b), pyOK
}

// fmtSpec is one %-conversion: flags, width and precision (-1 when absent), verb.
type fmtSpec struct {
	flags       string
	width, prec int
	verb        byte
}

func (s fmtSpec) has(flag byte) bool { return strings.IndexByte(s.flags, flag) >= 0 }

// pad applies the width: left-justified with '-', else right-justified, with zeros
// after the sign and prefix when zero is set.
func (s fmtSpec) pad(sign, prefix, body string, zero bool) string {
	n := utf8.RuneCountInString(sign + prefix + body)
	if s.width <= n {
		return sign + prefix + body
	}
	fill := s.width - n
	switch {
	case s.has('-'):
		return sign + prefix + body + strings.Repeat(" ", fill)
	case zero && s.has('0'):
		return sign + prefix + strings.Repeat("0", fill) + body
	}
	return strings.Repeat(" ", fill) + sign + prefix + body
}

func (s fmtSpec) sign(neg bool) string {
	switch {
	case neg:
		return "-"
	case s.has('+'):
		return "+"
	case s.has(' '):
		return " "
	}
	return ""
}

func (s fmtSpec) format(v reflect.Value) (string, pyErr) {
	switch s.verb {
	case 's', 'r', 'a':
		var text string
		switch s.verb {
		case 's':
			text = toString(v)
		case 'r':
			text = string(appendStr(nil, v, true))
		default:
			text = pyASCII(string(appendStr(nil, v, true)))
		}
		if s.prec >= 0 && utf8.RuneCountInString(text) > s.prec {
			text = string([]rune(text)[:s.prec])
		}
		return s.pad("", "", text, false), pyOK
	case 'c':
		if isString(v) {
			if utf8.RuneCountInString(v.String()) != 1 {
				return "", pyTypeError
			}
			return s.pad("", "", v.String(), false), pyOK
		}
		n, ok := asNumber(v)
		if !ok || n.kind == numFloat || n.kind == numDec {
			return "", pyTypeError
		}
		if n.kind == numBig || n.i < 0 || n.i > maxRune {
			return "", pyOverflowError
		}
		return s.pad("", "", string(rune(n.i)), false), pyOK
	case 'd', 'i', 'u', 'o', 'x', 'X':
		n, ok := asNumber(v)
		if !ok {
			return "", pyTypeError
		}
		if n.kind == numFloat || n.kind == numDec {
			if s.verb != 'd' && s.verb != 'i' && s.verb != 'u' {
				return "", pyTypeError // %x needs an integer
			}
			var e pyErr
			if n, e = pyInt(valueToAny(v)); e != pyOK {
				return "", e
			}
		}
		bi := n.bigInt()
		neg := bi.Sign() < 0
		bi.Abs(bi)
		base, prefix := 10, ""
		switch s.verb {
		case 'o':
			base, prefix = 8, "0o"
		case 'x', 'X':
			base, prefix = 16, "0x"
		}
		digits := bi.Text(base)
		if s.verb == 'X' {
			digits, prefix = strings.ToUpper(digits), "0X"
		}
		if !s.has('#') {
			prefix = ""
		}
		if s.prec > len(digits) {
			digits = strings.Repeat("0", s.prec-len(digits)) + digits
		}
		return s.pad(s.sign(neg), prefix, digits, true), pyOK
	}
	// e E f F g G
	f, e := pyFloat(valueToAny(v))
	if e != pyOK || isString(v) {
		return "", pyTypeError
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		text := "inf"
		if math.IsNaN(f) {
			text = "nan"
		}
		if s.verb == 'E' || s.verb == 'F' || s.verb == 'G' {
			text = strings.ToUpper(text)
		}
		return s.pad(s.sign(f < 0), "", text, true), pyOK
	}
	prec := s.prec
	if prec < 0 {
		prec = 6
	}
	verb := s.verb
	if verb == 'F' {
		verb = 'f'
	}
	goFmt := "%"
	if s.has('#') {
		goFmt += "#"
	}
	body := fmt.Sprintf(goFmt+"."+strconv.Itoa(prec)+string(verb), math.Abs(f))
	return s.pad(s.sign(math.Signbit(f)), "", body, true), pyOK
}

const maxRune = 0x10ffff

// pyASCII is Python's ascii() applied to a repr: non-ASCII characters escaped.
func pyASCII(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x80:
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	return b.String()
}
