package template

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

// str is Python's str() of a filter value.
func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case SafeString:
		return string(x)
	case nil:
		return "None"
	}
	return toString(reflect.ValueOf(v))
}

// safeIn reports whether a filter input is marked safe.
func safeIn(v any) bool { return isSafe(reflect.ValueOf(v)) }

// Flags of a built-in filter, as Django declares them.
const (
	fSafe   = 1 << iota // is_safe=True: a safe input gives a safe output
	fString             // @stringfilter: the input is converted with str() first
)

func reg(name string, flags int, mode argMode, fn func(in, arg any, ae bool) (any, error)) {
	builtinLibrary.filters[name] = &filterDef{name: name, fn: fn, isSafe: flags&fSafe != 0, stringFilter: flags&fString != 0, arg: mode}
}

func init() {
	const (
		opt  = argOptional
		none = argNone
		req  = argRequired
	)
	// Flags as Django declares them: is_safe (fSafe) and @stringfilter (fString).
	reg("add", 0, req, filterAdd)
	reg("addslashes", fSafe|fString, none, func(in, arg any, _ bool) (any, error) {
		return strings.NewReplacer(`\`, `\\`, `"`, `\"`, `'`, `\'`).Replace(str(in)), nil
	})
	reg("capfirst", fSafe|fString, none, func(in, arg any, _ bool) (any, error) {
		s := str(in)
		_, n := utf8.DecodeRuneInString(s)
		if n == 0 {
			return s, nil
		}
		return pyUpper(s[:n]) + s[n:], nil
	})
	reg("center", fSafe|fString, req, func(in, arg any, _ bool) (any, error) { return pyJustify(str(in), arg, 'c') })
	reg("ljust", fSafe|fString, req, func(in, arg any, _ bool) (any, error) { return pyJustify(str(in), arg, 'l') })
	reg("rjust", fSafe|fString, req, func(in, arg any, _ bool) (any, error) { return pyJustify(str(in), arg, 'r') })
	reg("cut", fString, req, func(in, arg any, _ bool) (any, error) {
		if !isString(reflect.ValueOf(arg)) || isLazyText(reflect.ValueOf(arg)) {
			return nil, fmt.Errorf("cut: the argument must be a string, not %s", pyTypeName(arg))
		}
		s := strings.ReplaceAll(str(in), str(arg), "")
		if safeIn(in) && str(arg) != ";" {
			return SafeString(s), nil
		}
		return s, nil
	})
	builtinLibrary.filters["date"] = &filterDef{name: "date", ctxFn: filterDate(false), arg: opt, localtime: true}
	builtinLibrary.filters["time"] = &filterDef{name: "time", ctxFn: filterDate(true), arg: opt, localtime: true}
	reg("default", 0, req, func(in, arg any, _ bool) (any, error) {
		if truthy(reflect.ValueOf(in)) {
			return in, nil
		}
		return arg, nil
	})
	reg("default_if_none", 0, req, func(in, arg any, _ bool) (any, error) {
		if !unwrapIface(reflect.ValueOf(in)).IsValid() {
			return arg, nil
		}
		return in, nil
	})
	reg("dictsort", 0, req, filterDictsort(false))
	reg("dictsortreversed", 0, req, filterDictsort(true))
	reg("divisibleby", 0, req, func(in, arg any, _ bool) (any, error) {
		a, err := pyInt(in)
		if err != pyOK {
			return nil, fmt.Errorf("divisibleby: %s is not an integer", pyRepr(in))
		}
		b, err := pyInt(arg)
		if err != pyOK {
			return nil, fmt.Errorf("divisibleby: %s is not an integer", pyRepr(arg))
		}
		if b.kind == numInt && b.i == 0 {
			return nil, fmt.Errorf("divisibleby: integer division or modulo by zero")
		}
		return new(big.Int).Rem(a.bigInt(), b.bigInt()).Sign() == 0, nil
	})
	reg("escape", fSafe|fString, none, func(in, arg any, _ bool) (any, error) {
		if safeIn(in) {
			return in, nil
		}
		return SafeString(escapeString(str(in))), nil
	})
	reg("force_escape", fSafe|fString, none, func(in, arg any, _ bool) (any, error) {
		return SafeString(escapeString(str(in))), nil
	})
	reg("escapejs", fString, none, func(in, arg any, _ bool) (any, error) { return SafeString(escapeJS(str(in))), nil })
	reg("filesizeformat", fSafe, none, func(in, arg any, _ bool) (any, error) { return filesizeformat(in) })
	reg("first", 0, none, func(in, arg any, _ bool) (any, error) { return pyIndexFilter(in, 0, "first") })
	reg("last", fSafe, none, func(in, arg any, _ bool) (any, error) { return pyIndexFilter(in, -1, "last") })
	builtinLibrary.filters["floatformat"] = &filterDef{name: "floatformat", ctxFn: floatformat, arg: opt, isSafe: true}
	reg("get_digit", 0, req, filterGetDigit)
	reg("iriencode", fSafe|fString, none, func(in, arg any, _ bool) (any, error) {
		return pyQuote(str(in), "/#%[]=:;$&()+,!?*@'~"), nil
	})
	reg("join", fSafe, req, filterJoin)
	reg("json_script", fSafe, req, filterJSONScript)
	reg("length", 0, none, func(in, arg any, _ bool) (any, error) {
		n, _ := length(reflect.ValueOf(in))
		return n, nil
	})
	reg("length_is", 0, req, func(in, arg any, _ bool) (any, error) {
		n, ok := length(reflect.ValueOf(in))
		want, err := pyInt(arg)
		if !ok || err != pyOK {
			return "", nil
		}
		return want.kind == numInt && int64(n) == want.i, nil
	})
	reg("linebreaks", fSafe|fString, none, func(in, arg any, ae bool) (any, error) {
		return SafeString(linebreaks(str(in), ae && !safeIn(in))), nil
	})
	reg("linebreaksbr", fSafe|fString, none, func(in, arg any, ae bool) (any, error) {
		s := normalizeNewlines(str(in))
		if ae && !safeIn(in) {
			s = escapeString(s)
		}
		return SafeString(strings.ReplaceAll(s, "\n", "<br>")), nil
	})
	reg("linenumbers", fSafe|fString, none, func(in, arg any, ae bool) (any, error) {
		lines := strings.Split(str(in), "\n")
		width := len(strconv.Itoa(len(lines)))
		esc := ae && !safeIn(in)
		for i, l := range lines {
			if esc {
				l = escapeString(l)
			}
			lines[i] = fmt.Sprintf("%0*d. %s", width, i+1, l)
		}
		return SafeString(strings.Join(lines, "\n")), nil
	})
	reg("lower", fSafe|fString, none, func(in, arg any, _ bool) (any, error) { return pyLower(str(in)), nil })
	reg("upper", fString, none, func(in, arg any, _ bool) (any, error) { return pyUpper(str(in)), nil })
	reg("make_list", fString, none, func(in, arg any, _ bool) (any, error) {
		s := str(in)
		out := make([]any, 0, len(s))
		for _, r := range s {
			out = append(out, string(r))
		}
		return out, nil
	})
	reg("phone2numeric", fSafe, none, func(in, arg any, _ bool) (any, error) {
		if !isString(reflect.ValueOf(in)) {
			return nil, fmt.Errorf("phone2numeric: '%s' object has no attribute 'lower'", pyTypeName(in))
		}
		return phone2numeric(str(in)), nil
	})
	reg("pluralize", 0, opt, filterPluralize)
	reg("pprint", fSafe, none, func(in, arg any, _ bool) (any, error) { return pformat(reflect.ValueOf(in)), nil })
	reg("random", fSafe, none, func(in, arg any, _ bool) (any, error) {
		n, ok := length(reflect.ValueOf(in))
		if !ok {
			return nil, fmt.Errorf("random: object of type '%s' has no len()", pyTypeName(in))
		}
		if n == 0 {
			return nil, fmt.Errorf("random: cannot choose from an empty sequence")
		}
		return pyIndexFilter(in, rand.IntN(n), "random")
	})
	reg("safe", fSafe|fString, none, func(in, arg any, _ bool) (any, error) { return SafeString(str(in)), nil })
	reg("safeseq", fSafe, none, func(in, arg any, _ bool) (any, error) {
		n, at, ok := pyIter(reflect.ValueOf(in))
		if !ok {
			return nil, fmt.Errorf("safeseq: '%s' object is not iterable", pyTypeName(in))
		}
		out := make([]any, n)
		for i := range out {
			out[i] = markSafe(at(i))
		}
		return out, nil
	})
	reg("slice", fSafe, req, filterSlice)
	reg("slugify", fSafe|fString, none, func(in, arg any, _ bool) (any, error) { return slugify(str(in)), nil })
	reg("stringformat", fSafe, req, func(in, arg any, _ bool) (any, error) { return stringformat(in, str(arg)) })
	reg("striptags", fSafe|fString, none, func(in, arg any, _ bool) (any, error) { return stripTags(str(in)) })
	builtinLibrary.filters["timesince"] = &filterDef{name: "timesince", ctxFn: filterTimesince(false)}
	builtinLibrary.filters["timeuntil"] = &filterDef{name: "timeuntil", ctxFn: filterTimesince(true)}
	reg("title", fSafe|fString, none, func(in, arg any, _ bool) (any, error) { return title(str(in)), nil })
	truncator := func(fn func(s string, n int) string) func(in, arg any, _ bool) (any, error) {
		return func(in, arg any, _ bool) (any, error) {
			n, err := pyInt(arg)
			switch {
			case err == pyValueError:
				return in, nil // fail silently, as Django does for a bad length
			case err != pyOK:
				return nil, fmt.Errorf("the length must be a number, got %s", pyRepr(arg))
			case n.kind != numInt:
				n.i = math.MaxInt32
				if n.b.Sign() < 0 {
					n.i = math.MinInt32
				}
			}
			return fn(str(in), int(max(min(n.i, math.MaxInt32), math.MinInt32))), nil
		}
	}
	reg("truncatechars", fSafe|fString, req, truncator(func(s string, n int) string { return truncateChars(s, n, false) }))
	reg("truncatechars_html", fSafe|fString, req, truncator(func(s string, n int) string { return truncateChars(s, n, true) }))
	reg("truncatewords", fSafe|fString, req, truncator(func(s string, n int) string { return truncateWords(s, n, false) }))
	reg("truncatewords_html", fSafe|fString, req, truncator(func(s string, n int) string { return truncateWords(s, n, true) }))
	reg("unordered_list", fSafe, none, filterUnorderedList)
	reg("urlencode", fString, opt, func(in, arg any, _ bool) (any, error) {
		safe := "/"
		if arg != nil {
			safe = str(arg)
		}
		return pyQuote(str(in), safe), nil
	})
	reg("urlize", fSafe|fString, none, func(in, arg any, ae bool) (any, error) {
		return SafeString(urlize(str(in), noLimit, ae, safeIn(in))), nil
	})
	reg("urlizetrunc", fSafe|fString, req, func(in, arg any, ae bool) (any, error) {
		n, err := pyInt(arg)
		if err != pyOK || n.kind != numInt {
			return nil, fmt.Errorf("urlizetrunc: invalid limit %s", pyRepr(arg))
		}
		return SafeString(urlize(str(in), int(max(min(n.i, math.MaxInt32), math.MinInt32)), ae, safeIn(in))), nil
	})
	reg("wordcount", fString, none, func(in, arg any, _ bool) (any, error) { return len(pyFields(str(in))), nil })
	reg("wordwrap", fSafe|fString, req, func(in, arg any, _ bool) (any, error) {
		n, err := pyInt(arg)
		if err != pyOK || n.kind != numInt || n.i <= 0 {
			return nil, fmt.Errorf("wordwrap: invalid width %s (must be > 0)", pyRepr(arg))
		}
		return wrap(str(in), int(min(n.i, math.MaxInt32))), nil
	})
	reg("yesno", 0, opt, filterYesno)
}

// filterAdd is Django's add: int(value) + int(arg), else value + arg (strings and
// lists concatenate; a safe string plus a safe string stays safe), else "".
func filterAdd(in, arg any, _ bool) (any, error) {
	a, errA := pyInt(in)
	b, errB := pyInt(arg)
	if errA == pyOverflowError || errB == pyOverflowError && errA == pyOK {
		return nil, fmt.Errorf("cannot convert float infinity to integer")
	}
	if errA == pyOK && errB == pyOK {
		if a.kind == numInt && b.kind == numInt {
			if s := a.i + b.i; (s > a.i) == (b.i > 0) {
				return int(s), nil
			}
		}
		// Python's ints do not overflow: neither does add.
		return numberValue(intNumber(new(big.Int).Add(a.bigInt(), b.bigInt()))), nil
	}
	va, vb := indirect(reflect.ValueOf(in)), indirect(reflect.ValueOf(arg))
	switch {
	case isString(va) && isString(vb):
		if (isSafe(va) || isLazyText(va)) && (isSafe(vb) || isLazyText(vb)) {
			return SafeString(va.String() + vb.String()), nil
		}
		return va.String() + vb.String(), nil
	case va.IsValid() && vb.IsValid() && isListKind(va.Kind()) && isListKind(vb.Kind()) && isTuple(va) == isTuple(vb):
		out := make([]any, 0, va.Len()+vb.Len())
		for i := 0; i < va.Len(); i++ {
			out = append(out, valueToAny(va.Index(i)))
		}
		for i := 0; i < vb.Len(); i++ {
			out = append(out, valueToAny(vb.Index(i)))
		}
		if isTuple(va) {
			return pyTuple(out), nil
		}
		return out, nil
	}
	return "", nil
}

func isListKind(k reflect.Kind) bool { return k == reflect.Slice || k == reflect.Array }

// numberValue returns an int as a Go int when it fits, else as a *big.Int.
func numberValue(n number) any {
	switch n.kind {
	case numInt:
		if n.i >= math.MinInt && n.i <= math.MaxInt {
			return int(n.i)
		}
		return n.i
	case numBig:
		return n.b
	case numDec:
		return n.d
	}
	return n.f
}

// pyJustify is Python's str.ljust/rjust/center.
func pyJustify(s string, arg any, how byte) (any, error) {
	width, ok := toInt(arg)
	if !ok {
		return nil, fmt.Errorf("width %q is not a number", str(arg))
	}
	n := utf8.RuneCountInString(s)
	if width <= n {
		return s, nil
	}
	if width > 1<<20 {
		width = 1 << 20
	}
	pad := width - n
	switch how {
	case 'l':
		return s + strings.Repeat(" ", pad), nil
	case 'r':
		return strings.Repeat(" ", pad) + s, nil
	}
	left := pad/2 + (pad & width & 1)
	return strings.Repeat(" ", left) + s + strings.Repeat(" ", pad-left), nil
}

var jsEscapes = func() map[rune]string {
	m := map[rune]string{}
	for _, r := range "\\'\"><&=-;`\u2028\u2029" {
		m[r] = fmt.Sprintf("\\u%04X", r)
	}
	for r := rune(0); r < 32; r++ {
		m[r] = fmt.Sprintf("\\u%04X", r)
	}
	return m
}()

func escapeJS(s string) string {
	var b strings.Builder
	for _, r := range s {
		if e, ok := jsEscapes[r]; ok {
			b.WriteString(e)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func filesizeformat(in any) (any, error) {
	n, err := pyInt(in)
	switch err {
	case pyValueError, pyTypeError:
		return SafeString("0\u00a0bytes"), nil
	case pyOverflowError:
		return nil, fmt.Errorf("cannot convert float infinity to integer")
	}
	b := n.bigInt()
	neg := b.Sign() < 0
	b.Abs(b)
	units := []string{"KB", "MB", "GB", "TB", "PB"}
	var s string
	if b.Cmp(big.NewInt(1<<10)) < 0 {
		if b.Int64() == 1 {
			s = "1 byte"
		} else {
			s = b.String() + " bytes"
		}
	} else {
		i := 0
		for i < len(units)-1 && b.Cmp(new(big.Int).Lsh(big.NewInt(1), uint(10*(i+2)))) >= 0 {
			i++
		}
		// bytes / unit as Python's true division, round(…, 1), then number_format
		// with one decimal place.
		f, _ := new(big.Rat).SetFrac(b, new(big.Int).Lsh(big.NewInt(1), uint(10*(i+1)))).Float64()
		r, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', 1, 64), 64)
		intPart, frac, _ := strings.Cut(string(appendPlainFloat(nil, r)), ".")
		s = intPart + "." + (frac + "0")[:1] + " " + units[i]
	}
	if neg {
		s = "-" + s
	}
	return SafeString(strings.ReplaceAll(s, " ", "\u00a0")), nil
}

// floatformat is Django's floatformat: the value as a decimal (Decimal(repr(value)),
// else Decimal(str(float(value)))), rounded half up to the given number of places
// (negative: only when there is a fractional part). An argument that is not a
// number, and values too long or not finite, give repr(value). The number is
// written in the render's locale (its decimal separator, and its thousand
// separators with USE_THOUSAND_SEPARATOR or the g flag).
func floatformat(c *Context, in, arg any) (any, error) {
	if arg == nil {
		arg = -1
	}
	// The g flag groups thousands by NUMBER_GROUPING, which is 0 (never) unless
	// the render localizes.
	force := false
	if a, ok := arg.(string); ok && strings.HasSuffix(a, "g") {
		force = true
		arg = strings.TrimSuffix(a, "g")
		if arg == "" {
			arg = -1
		}
	} else if a, ok := arg.(SafeString); ok && strings.HasSuffix(string(a), "g") {
		force = true
		arg = strings.TrimSuffix(string(a), "g")
		if arg == "" {
			arg = -1
		}
	}
	rv := unwrapIface(reflect.ValueOf(in))
	inputVal := string(appendStr(nil, rv, true))
	d, ok := parseDecimal(inputVal)
	if !ok {
		f, err := pyFloat(in)
		switch err {
		case pyOverflowError:
			return nil, fmt.Errorf("floatformat: int too large to convert to float")
		case pyOK:
			d, ok = parseDecimal(string(appendPyFloat(nil, f)))
		}
		if !ok {
			return "", nil
		}
	}
	pn, err := pyInt(arg)
	switch err {
	case pyValueError:
		return inputVal, nil
	case pyTypeError, pyOverflowError:
		return nil, fmt.Errorf("floatformat: the argument must be a number, got %s", str(arg))
	}
	if d.isSpecial || len(d.digits)+max(d.exp, -d.exp) > 200 {
		return inputVal, nil
	}
	p := int64(-1000)
	if pn.kind == numInt {
		p = max(-1000, min(pn.i, 1000))
	} else if pn.b.Sign() > 0 {
		p = 1000
	}
	places := int(max(p, -p))
	if !d.hasFraction() && p < 0 {
		return SafeString(c.localizeNumber(d.intString(), force)), nil
	}
	return SafeString(c.localizeNumber(d.round(places), force)), nil
}

// decimal is an exact decimal number parsed from text: sign, digits and the
// position of the decimal point.
type decimal struct {
	neg       bool
	digits    string // no leading zeros except a single "0"
	exp       int    // value = digits × 10^exp
	isSpecial bool
}

var decimalRe = regexp.MustCompile(`^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$`)

func parseDecimal(s string) (decimal, bool) {
	switch strings.ToLower(strings.TrimLeft(s, "+-")) {
	case "inf", "infinity", "nan":
		return decimal{isSpecial: true}, true
	}
	m := decimalRe.FindStringSubmatch(s)
	if m == nil || m[2]+m[3] == "" {
		return decimal{}, false
	}
	d := decimal{neg: m[1] == "-"}
	digits := m[2] + m[3]
	d.exp = -len(m[3])
	if m[4] != "" {
		e, err := strconv.Atoi(m[4])
		if err != nil || e > 10000 || e < -10000 {
			return decimal{}, false
		}
		d.exp += e
	}
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		digits = "0"
	}
	d.digits = digits
	return d, true
}

func (d decimal) hasFraction() bool {
	if d.exp >= 0 {
		return false
	}
	frac := d.digits
	if len(frac) > -d.exp {
		frac = frac[len(frac)+d.exp:]
	}
	return strings.Trim(frac, "0") != ""
}

func (d decimal) intString() string {
	var s string
	if d.exp >= 0 {
		s = d.digits + strings.Repeat("0", d.exp)
		if d.digits == "0" {
			s = "0"
		}
	} else if len(d.digits) > -d.exp {
		s = d.digits[:len(d.digits)+d.exp]
	} else {
		s = "0"
	}
	if d.neg && s != "0" {
		s = "-" + s
	}
	return s
}

// round formats d with exactly places decimals, rounding half up (away from zero).
func (d decimal) round(places int) string {
	// Work with an integer string scaled to places decimals.
	digits := d.digits
	shift := d.exp + places // digits × 10^shift is the scaled value
	var intPart string
	if shift >= 0 {
		intPart = digits + strings.Repeat("0", shift)
	} else {
		cut := len(digits) + shift
		var rest string
		if cut <= 0 {
			intPart, rest = "0", strings.Repeat("0", -cut)+digits
		} else {
			intPart, rest = digits[:cut], digits[cut:]
		}
		if rest[0] >= '5' {
			intPart = incrementDigits(intPart)
		}
	}
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart) <= places {
		intPart = strings.Repeat("0", places-len(intPart)+1) + intPart
	}
	s := intPart
	if places > 0 {
		s = intPart[:len(intPart)-places] + "." + intPart[len(intPart)-places:]
	}
	if d.neg && strings.Trim(intPart, "0") != "" {
		s = "-" + s
	}
	return s
}

func incrementDigits(s string) string {
	b := []byte(s)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < '9' {
			b[i]++
			return string(b)
		}
		b[i] = '0'
	}
	return "1" + string(b)
}

var newlineRe = regexp.MustCompile(`\r\n|\r`)
var parasRe = regexp.MustCompile(`\n{2,}`)

func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return newlineRe.ReplaceAllString(s, "\n")
}

func linebreaks(s string, autoescape bool) string {
	s = normalizeNewlines(s)
	paras := parasRe.Split(s, -1)
	for i, p := range paras {
		if autoescape {
			p = escapeString(p)
		}
		paras[i] = "<p>" + strings.ReplaceAll(p, "\n", "<br>") + "</p>"
	}
	return strings.Join(paras, "\n\n")
}

func phone2numeric(s string) string {
	s = pyLower(s)
	m := map[rune]rune{'a': '2', 'b': '2', 'c': '2', 'd': '3', 'e': '3', 'f': '3', 'g': '4', 'h': '4', 'i': '4',
		'j': '5', 'k': '5', 'l': '5', 'm': '6', 'n': '6', 'o': '6', 'p': '7', 'q': '7', 'r': '7', 's': '7',
		't': '8', 'u': '8', 'v': '8', 'w': '9', 'x': '9', 'y': '9', 'z': '9'}
	return strings.Map(func(r rune) rune {
		if d, ok := m[unicode.ToLower(r)]; ok {
			return d
		}
		return r
	}, s)
}

var (
	// Python's \w and \s on ASCII text (\s includes \v and \x1c-\x1f).
	slugStrip = regexp.MustCompile(`[^\w\t\n\v\f\r\x1c-\x20-]`)
	slugDash  = regexp.MustCompile(`[-\t\n\v\f\r\x1c-\x20]+`)
)

func slugify(s string) string {
	s = norm.NFKD.String(s)
	var b strings.Builder
	for _, r := range s {
		if r < 128 {
			b.WriteRune(r)
		}
	}
	s = slugStrip.ReplaceAllString(strings.ToLower(b.String()), "")
	return strings.Trim(slugDash.ReplaceAllString(s, "-"), "-_")
}

// stringformat is Django's stringformat: ("%" + arg) % value, "" when Python
// raises ValueError or TypeError.
func stringformat(in any, spec string) (any, error) {
	rv := reflect.ValueOf(in)
	if isTuple(unwrapIface(rv)) {
		rv = reflect.ValueOf(toString(rv))
	}
	s, err := pyPercent("%"+spec, rv)
	switch err {
	case pyOK:
		return s, nil
	case pyValueError, pyTypeError:
		return "", nil
	case pyKeyError:
		return nil, fmt.Errorf("stringformat: key missing from the mapping for %%%s", spec)
	}
	return nil, fmt.Errorf("stringformat: %%%s: value out of range", spec)
}

var (
	titleApos  = regexp.MustCompile(`([a-z])'([A-Z])`)
	titleDigit = regexp.MustCompile(`\p{Nd}([A-Z])`)
)

var titleCaser = cases.Title(language.Und, cases.NoLower)

// pyUpper and pyLower are Python's str.upper and str.lower, with full case mappings
// ("ß".upper() is "SS").
func pyUpper(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return cases.Upper(language.Und).String(s)
		}
	}
	return strings.ToUpper(s)
}

func pyLower(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return cases.Lower(language.Und).String(s)
		}
	}
	return strings.ToLower(s)
}

// pyTitle is Python's str.title.
func pyTitle(s string) string {
	var b strings.Builder
	prevCased := false
	for _, r := range s {
		if unicode.IsLetter(r) {
			if prevCased {
				b.WriteString(pyLower(string(r)))
			} else {
				b.WriteString(titleCaser.String(string(r)))
			}
			prevCased = unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r)
		} else {
			b.WriteRune(r)
			prevCased = false
		}
	}
	return b.String()
}

func title(s string) string {
	t := titleApos.ReplaceAllStringFunc(pyTitle(s), strings.ToLower)
	return titleDigit.ReplaceAllStringFunc(t, strings.ToLower)
}

// wrap is Django's django.utils.text.wrap: each line wrapped by Python's
// textwrap.TextWrapper(width, break_long_words=False, break_on_hyphens=False), joined
// with newlines.
func wrap(text string, width int) string {
	var out []string
	for _, line := range pySplitLines(text) {
		out = append(out, textWrap(line, width)...)
	}
	return strings.Join(out, "\n")
}

// pySplitLines is Python's str.splitlines(keepends=True): lines end at \n, \r,
// \r\n, \v, \f, \x1c-\x1e, \x85, U+2028 and U+2029.
func pySplitLines(s string) []string {
	var lines []string
	start := 0
	for i, r := range s {
		switch r {
		case '\n', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
			end := i + utf8.RuneLen(r)
			lines = append(lines, s[start:end])
			start = end
		case '\r':
			end := i + 1
			if end < len(s) && s[end] == '\n' {
				continue // the \n ends this line
			}
			lines = append(lines, s[start:end])
			start = end
		}
	}
	if start < len(s) {
		lines = append(lines, s[start:])
	}
	return lines
}

// textWrap is textwrap.TextWrapper(width, break_long_words=False,
// break_on_hyphens=False).wrap(text).
func textWrap(text string, width int) []string {
	// expand_tabs (the column restarts after \n and \r), then replace_whitespace:
	// the ASCII whitespace characters become spaces. Other spaces (U+00A0...)
	// are part of words for textwrap.
	var b strings.Builder
	col := 0
	for _, r := range text {
		switch r {
		case '\t':
			n := 8 - col%8
			b.WriteString(strings.Repeat(" ", n))
			col += n
		case '\n', '\r':
			b.WriteByte(' ')
			col = 0
		case '\v', '\f':
			b.WriteByte(' ')
			col++
		default:
			b.WriteRune(r)
			col++
		}
	}
	// Chunks alternate words and runs of spaces.
	var chunks []string
	t := b.String()
	for len(t) > 0 {
		i := 0
		if t[0] == ' ' {
			for i < len(t) && t[i] == ' ' {
				i++
			}
		} else {
			for i < len(t) && t[i] != ' ' {
				i++
			}
		}
		chunks = append(chunks, t[:i])
		t = t[i:]
	}
	isBlank := func(c string) bool { return pyStrip(c) == "" }
	var lines []string
	for len(chunks) > 0 {
		if isBlank(chunks[0]) && len(lines) > 0 {
			chunks = chunks[1:]
		}
		var cur []string
		curLen := 0
		for len(chunks) > 0 {
			l := utf8.RuneCountInString(chunks[0])
			if curLen+l > width {
				break
			}
			cur = append(cur, chunks[0])
			curLen += l
			chunks = chunks[1:]
		}
		if len(chunks) > 0 && utf8.RuneCountInString(chunks[0]) > width && len(cur) == 0 {
			cur = append(cur, chunks[0])
			chunks = chunks[1:]
		}
		if len(cur) > 0 && isBlank(cur[len(cur)-1]) {
			cur = cur[:len(cur)-1]
		}
		if len(cur) > 0 {
			lines = append(lines, strings.Join(cur, ""))
		}
	}
	return lines
}
