package template

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"math"
	"math/big"
	"math/rand/v2"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
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

// toInt is Python's int() of a value: ints, floats (truncated), numeric strings.
func toInt(v any) (int, bool) {
	rv := unwrapIface(reflect.ValueOf(v))
	if n, ok := asNumber(rv); ok {
		if n.isFloat {
			if math.IsNaN(n.f) || n.f >= math.MaxInt64 || n.f < math.MinInt64 {
				return 0, false // also ±Inf: converting would give an arbitrary int
			}
			return int(n.f), true
		}
		return int(n.i), true
	}
	if isString(rv) {
		i, err := strconv.Atoi(strings.TrimSpace(strings.ReplaceAll(rv.String(), "_", "")))
		return i, err == nil
	}
	return 0, false
}

// toBigInt is Python's int() of a value, without a range limit: integers of any
// Go kind, floats (truncated) and strings of digits.
func toBigInt(v any) (*big.Int, bool) {
	rv := unwrapIface(reflect.ValueOf(v))
	if !rv.IsValid() {
		return nil, false
	}
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return big.NewInt(rv.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return new(big.Int).SetUint64(rv.Uint()), true
	case reflect.Float32, reflect.Float64, reflect.Bool:
		n, _ := asNumber(rv)
		if n.isFloat {
			if math.IsNaN(n.f) || math.IsInf(n.f, 0) {
				return nil, false
			}
			i, _ := big.NewFloat(n.f).Int(nil)
			return i, true
		}
		return big.NewInt(n.i), true
	case reflect.String:
		i, ok := new(big.Int).SetString(strings.TrimSpace(strings.ReplaceAll(rv.String(), "_", "")), 10)
		return i, ok
	}
	if b, ok := v.(*big.Int); ok && b != nil {
		return new(big.Int).Set(b), true
	}
	return nil, false
}

// toFloat is Python's float() of a value.
func toFloat(v any) (float64, bool) {
	rv := unwrapIface(reflect.ValueOf(v))
	if n, ok := asNumber(rv); ok {
		return n.float(), true
	}
	if isString(rv) {
		f, err := strconv.ParseFloat(strings.TrimSpace(rv.String()), 64)
		return f, err == nil
	}
	return 0, false
}

// stringFilter adapts a string→string function as a Django @stringfilter.
func stringFilter(fn func(s string) string) func(in, arg any, ae bool) (any, error) {
	return func(in, arg any, ae bool) (any, error) { return fn(str(in)), nil }
}

func reg(name string, fn func(in, arg any, ae bool) (any, error), safe bool, mode argMode) {
	builtinLibrary.filters[name] = &filterDef{name: name, fn: fn, isSafe: safe, arg: mode}
}

func init() {
	const (
		opt  = argOptional
		none = argNone
		req  = argRequired
	)
	reg("add", filterAdd, false, req)
	reg("addslashes", stringFilter(func(s string) string {
		return strings.NewReplacer(`\`, `\\`, `"`, `\"`, `'`, `\'`).Replace(s)
	}), true, none)
	reg("capfirst", stringFilter(func(s string) string {
		_, n := utf8.DecodeRuneInString(s)
		if n == 0 {
			return s
		}
		return pyUpper(s[:n]) + s[n:]
	}), true, none)
	reg("center", func(in, arg any, _ bool) (any, error) { return pyJustify(str(in), arg, 'c') }, true, req)
	reg("ljust", func(in, arg any, _ bool) (any, error) { return pyJustify(str(in), arg, 'l') }, true, req)
	reg("rjust", func(in, arg any, _ bool) (any, error) { return pyJustify(str(in), arg, 'r') }, true, req)
	reg("cut", func(in, arg any, _ bool) (any, error) {
		s := strings.ReplaceAll(str(in), str(arg), "")
		if safeIn(in) && str(arg) != ";" {
			return SafeString(s), nil
		}
		return s, nil
	}, false, req)
	reg("date", filterDate(dateFormats["DATE_FORMAT"]), false, opt)
	reg("time", filterDate(dateFormats["TIME_FORMAT"]), false, opt)
	reg("default", func(in, arg any, _ bool) (any, error) {
		if truthy(reflect.ValueOf(in)) {
			return in, nil
		}
		return arg, nil
	}, false, req)
	reg("default_if_none", func(in, arg any, _ bool) (any, error) {
		if in == nil || !unwrapIface(reflect.ValueOf(in)).IsValid() {
			return arg, nil
		}
		return in, nil
	}, false, req)
	reg("dictsort", filterDictsort(false), false, req)
	reg("dictsortreversed", filterDictsort(true), false, req)
	reg("divisibleby", func(in, arg any, _ bool) (any, error) {
		a, ok1 := toInt(in)
		b, ok2 := toInt(arg)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("divisibleby needs integers, got %v and %v", str(in), str(arg))
		}
		if b == 0 {
			return nil, fmt.Errorf("divisibleby: division by zero")
		}
		return a%b == 0, nil
	}, false, req)
	reg("escape", func(in, arg any, _ bool) (any, error) {
		if safeIn(in) {
			return in, nil
		}
		if h, ok := htmlOf(reflect.ValueOf(in)); ok {
			return h, nil
		}
		return SafeString(escapeString(str(in))), nil
	}, true, none)
	reg("force_escape", func(in, arg any, _ bool) (any, error) {
		return SafeString(escapeString(str(in))), nil
	}, true, none)
	reg("escapejs", func(in, arg any, _ bool) (any, error) { return SafeString(escapeJS(str(in))), nil }, false, none)
	reg("filesizeformat", func(in, arg any, _ bool) (any, error) { return filesizeformat(in), nil }, true, none)
	reg("first", func(in, arg any, _ bool) (any, error) {
		n, at := iterate(reflect.ValueOf(in))
		if n == 0 {
			return "", nil
		}
		return valueToAny(at(0)), nil
	}, false, none)
	reg("last", func(in, arg any, _ bool) (any, error) {
		n, at := iterate(reflect.ValueOf(in))
		if n == 0 {
			return "", nil
		}
		return valueToAny(at(n - 1)), nil
	}, false, none)
	reg("floatformat", func(in, arg any, _ bool) (any, error) { return floatformat(in, arg), nil }, true, opt)
	reg("get_digit", func(in, arg any, _ bool) (any, error) {
		d, ok1 := toInt(arg)
		v, ok2 := toInt(in)
		if !ok1 || !ok2 || d < 1 {
			return in, nil
		}
		s := strconv.Itoa(v)
		if d > len(s) {
			return 0, nil
		}
		c := s[len(s)-d]
		if c < '0' || c > '9' {
			return in, nil
		}
		return int(c - '0'), nil
	}, false, req)
	reg("iriencode", stringFilter(func(s string) string { return pyQuote(s, "/#%[]=:;$&()+,!?*@'~") }), true, none)
	reg("join", filterJoin, true, req)
	reg("json_script", filterJSONScript, false, opt)
	reg("length", func(in, arg any, _ bool) (any, error) {
		n, _ := length(reflect.ValueOf(in))
		return n, nil
	}, true, none)
	reg("length_is", func(in, arg any, _ bool) (any, error) {
		n, ok := length(reflect.ValueOf(in))
		want, ok2 := toInt(arg)
		if !ok || !ok2 {
			return "", nil
		}
		return n == want, nil
	}, false, req)
	reg("linebreaks", func(in, arg any, ae bool) (any, error) {
		return SafeString(linebreaks(str(in), ae && !safeIn(in))), nil
	}, true, none)
	reg("linebreaksbr", func(in, arg any, ae bool) (any, error) {
		s := normalizeNewlines(str(in))
		if ae && !safeIn(in) {
			s = escapeString(s)
		}
		return SafeString(strings.ReplaceAll(s, "\n", "<br>")), nil
	}, true, none)
	reg("linenumbers", func(in, arg any, ae bool) (any, error) {
		s := str(in)
		lines := strings.Split(s, "\n")
		width := len(strconv.Itoa(len(lines)))
		esc := ae && !safeIn(in)
		for i, l := range lines {
			if esc {
				l = escapeString(l)
			}
			lines[i] = fmt.Sprintf("%0*d. %s", width, i+1, l)
		}
		return SafeString(strings.Join(lines, "\n")), nil
	}, true, none)
	reg("lower", stringFilter(pyLower), true, none)
	reg("upper", stringFilter(pyUpper), false, none)
	reg("make_list", func(in, arg any, _ bool) (any, error) {
		s := str(in)
		out := make([]any, 0, len(s))
		for _, r := range s {
			out = append(out, string(r))
		}
		return out, nil
	}, false, none)
	reg("phone2numeric", stringFilter(phone2numeric), false, none)
	reg("pluralize", filterPluralize, false, opt)
	reg("pprint", func(in, arg any, _ bool) (any, error) {
		return string(appendStr(nil, reflect.ValueOf(in), true)), nil
	}, true, none)
	reg("random", func(in, arg any, _ bool) (any, error) {
		n, at := iterate(reflect.ValueOf(in))
		if n == 0 {
			return nil, fmt.Errorf("random: cannot choose from an empty sequence")
		}
		return valueToAny(at(rand.IntN(n))), nil
	}, true, none)
	reg("safe", func(in, arg any, _ bool) (any, error) { return SafeString(str(in)), nil }, true, none)
	reg("safeseq", func(in, arg any, _ bool) (any, error) {
		n, at := iterate(reflect.ValueOf(in))
		out := make([]any, n)
		for i := range out {
			out[i] = SafeString(toString(at(i)))
		}
		return out, nil
	}, true, none)
	reg("slice", filterSlice, true, req)
	reg("slugify", stringFilter(slugify), true, none)
	reg("stringformat", func(in, arg any, _ bool) (any, error) { return stringformat(in, str(arg)), nil }, true, req)
	reg("striptags", stringFilter(stripTags), true, none)
	builtinLibrary.filters["timesince"] = &filterDef{name: "timesince", ctxFn: filterTimesince(false)}
	builtinLibrary.filters["timeuntil"] = &filterDef{name: "timeuntil", ctxFn: filterTimesince(true)}
	reg("title", stringFilter(title), true, none)
	reg("truncatechars", func(in, arg any, _ bool) (any, error) {
		n, ok := toInt(arg)
		if !ok {
			return in, nil
		}
		return truncateChars(str(in), n, false), nil
	}, true, req)
	reg("truncatechars_html", func(in, arg any, _ bool) (any, error) {
		n, ok := toInt(arg)
		if !ok {
			return in, nil
		}
		return truncateChars(str(in), n, true), nil
	}, true, req)
	reg("truncatewords", func(in, arg any, _ bool) (any, error) {
		n, ok := toInt(arg)
		if !ok {
			return in, nil
		}
		return truncateWords(str(in), n, false), nil
	}, true, req)
	reg("truncatewords_html", func(in, arg any, _ bool) (any, error) {
		n, ok := toInt(arg)
		if !ok {
			return in, nil
		}
		return truncateWords(str(in), n, true), nil
	}, true, req)
	reg("unordered_list", filterUnorderedList, true, none)
	reg("urlencode", func(in, arg any, _ bool) (any, error) {
		safe := "/"
		if arg != nil {
			safe = str(arg)
		}
		return pyQuote(str(in), safe), nil
	}, false, opt)
	reg("urlize", func(in, arg any, ae bool) (any, error) {
		return SafeString(urlize(str(in), -1, ae && !safeIn(in))), nil
	}, true, none)
	reg("urlizetrunc", func(in, arg any, ae bool) (any, error) {
		n, ok := toInt(arg)
		if !ok {
			return nil, fmt.Errorf("urlizetrunc needs a number, got %q", str(arg))
		}
		return SafeString(urlize(str(in), n, ae && !safeIn(in))), nil
	}, true, req)
	reg("wordcount", func(in, arg any, _ bool) (any, error) { return len(strings.Fields(str(in))), nil }, false, none)
	reg("wordwrap", func(in, arg any, _ bool) (any, error) {
		n, ok := toInt(arg)
		if !ok || n <= 0 {
			return nil, fmt.Errorf("wordwrap needs a positive width, got %q", str(arg))
		}
		return wrap(str(in), n), nil
	}, true, req)
	reg("yesno", filterYesno, false, opt)
}

func filterAdd(in, arg any, _ bool) (any, error) {
	a, ok1 := toBigInt(in)
	b, ok2 := toBigInt(arg)
	if ok1 && ok2 {
		// Python's ints do not overflow: neither does add.
		sum := a.Add(a, b)
		if sum.IsInt64() {
			return int(sum.Int64()), nil
		}
		return sum, nil
	}
	va, vb := indirect(reflect.ValueOf(in)), indirect(reflect.ValueOf(arg))
	switch {
	case isString(va) && isString(vb):
		return va.String() + vb.String(), nil
	case va.IsValid() && vb.IsValid() && (va.Kind() == reflect.Slice || va.Kind() == reflect.Array) && (vb.Kind() == reflect.Slice || vb.Kind() == reflect.Array):
		out := make([]any, 0, va.Len()+vb.Len())
		for i := 0; i < va.Len(); i++ {
			out = append(out, valueToAny(va.Index(i)))
		}
		for i := 0; i < vb.Len(); i++ {
			out = append(out, valueToAny(vb.Index(i)))
		}
		return out, nil
	}
	if na, ok := asNumber(va); ok {
		if nb, ok := asNumber(vb); ok {
			return na.float() + nb.float(), nil
		}
	}
	return "", nil
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

func filterDate(def string) func(in, arg any, _ bool) (any, error) {
	return func(in, arg any, _ bool) (any, error) {
		t, ok := in.(time.Time)
		if !ok {
			if p, isPtr := in.(*time.Time); isPtr && p != nil {
				t, ok = *p, true
			}
		}
		if !ok {
			return "", nil
		}
		f := def
		if a := str(arg); arg != nil && a != "" {
			f = namedFormat(a)
		}
		return formatDate(t, f), nil
	}
}

// propertyResolver returns the value at a dotted path (Django's _property_resolver).
func propertyResolver(v reflect.Value, path string) (reflect.Value, bool) {
	for _, p := range strings.Split(path, ".") {
		seg := segment{name: p}
		if n, err := strconv.Atoi(p); err == nil {
			seg.isInt, seg.index = true, n
		}
		var ok bool
		var err error
		v, ok, err = lookupAttr(v, &seg)
		if !ok || err != nil {
			return reflect.Value{}, false
		}
	}
	return v, true
}

func filterDictsort(reverse bool) func(in, arg any, _ bool) (any, error) {
	return func(in, arg any, _ bool) (any, error) {
		n, at := iterate(reflect.ValueOf(in))
		if at == nil {
			return "", nil
		}
		type item struct {
			v   any
			key reflect.Value
		}
		items := make([]item, n)
		key := str(arg)
		for i := range items {
			v := at(i)
			k, ok := propertyResolver(v, key)
			if !ok {
				return "", nil
			}
			items[i] = item{valueToAny(v), k}
		}
		bad := false
		sort.SliceStable(items, func(i, j int) bool {
			a, b := items[i].key, items[j].key
			if reverse {
				a, b = b, a
			}
			lt, ok := pyLess(a, b)
			if !ok && !(pyEqual(a, b)) {
				bad = true
			}
			return lt
		})
		if bad {
			return "", nil
		}
		out := make([]any, n)
		for i, it := range items {
			out[i] = it.v
		}
		return out, nil
	}
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

func filesizeformat(in any) any {
	n, ok := toInt(in)
	if !ok {
		return SafeString("0\u00a0bytes")
	}
	neg := n < 0
	u := uint64(n)
	if neg {
		u = -u // two's complement: right for math.MinInt64 too
	}
	const (
		KB = 1 << 10
		MB = 1 << 20
		GB = 1 << 30
		TB = 1 << 40
		PB = 1 << 50
	)
	f := float64(u)
	one := func(x float64) string { return strconv.FormatFloat(math.RoundToEven(x*10)/10, 'f', 1, 64) }
	var s string
	switch {
	case u == 1:
		s = "1 byte"
	case u < KB:
		s = strconv.FormatUint(u, 10) + " bytes"
	case u < MB:
		s = one(f/KB) + " KB"
	case u < GB:
		s = one(f/MB) + " MB"
	case u < TB:
		s = one(f/GB) + " GB"
	case u < PB:
		s = one(f/TB) + " TB"
	default:
		s = one(f/PB) + " PB"
	}
	if neg {
		s = "-" + s
	}
	return SafeString(strings.ReplaceAll(s, " ", "\u00a0"))
}

// floatformat is Django's floatformat: the value as a decimal, rounded half up to
// the given number of places (negative: only when there is a fractional part).
func floatformat(in, arg any) any {
	var num string
	switch x := in.(type) {
	case float64:
		num = string(appendPyFloat(nil, x))
	case float32:
		num = string(appendPyFloat(nil, float64(x)))
	default:
		if i, ok := in.(int); ok {
			num = strconv.Itoa(i)
		} else if n, ok := asNumber(reflect.ValueOf(in)); ok {
			if n.isFloat {
				num = string(appendPyFloat(nil, n.f))
			} else {
				num = strconv.FormatInt(n.i, 10)
			}
		} else {
			num = strings.TrimSpace(str(in))
		}
	}
	d, ok := parseDecimal(num)
	if !ok {
		if f, ok2 := toFloat(in); ok2 {
			d, ok = parseDecimal(string(appendPyFloat(nil, f)))
		}
		if !ok {
			return ""
		}
	}
	p := -1
	if arg != nil {
		a := str(arg)
		a = strings.TrimRight(a, "gu") // grouping and l10n flags: no grouping by default
		if a != "" {
			var err error
			if p, err = strconv.Atoi(a); err != nil {
				return num
			}
		}
	}
	if d.isSpecial {
		return num
	}
	places := p
	if places < 0 {
		places = -places
	}
	if places > 1000 {
		places = 1000
	}
	if !d.hasFraction() && p <= 0 {
		return SafeString(d.intString())
	}
	return SafeString(d.round(places))
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

func filterJoin(in, arg any, ae bool) (any, error) {
	rv := indirect(reflect.ValueOf(in))
	if seq, ok := allSeq(reflect.ValueOf(in)); ok {
		n, at := iterate(seq)
		items := make([]any, n)
		for i := range n {
			items[i] = valueToAny(at(i))
		}
		rv = reflect.ValueOf(items)
	}
	if isString(rv) {
		// A string joins its characters, as Python's str.join does.
		rs := []rune(rv.String())
		chars := make([]any, len(rs))
		for i, r := range rs {
			chars[i] = string(r)
		}
		if safeIn(in) {
			for i := range chars {
				chars[i] = SafeString(chars[i].(string))
			}
		}
		rv = reflect.ValueOf(chars)
	}
	if !rv.IsValid() || (rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array) {
		return in, nil
	}
	sep := str(arg)
	if ae && !safeIn(arg) {
		sep = escapeString(sep)
	}
	var b strings.Builder
	for i := 0; i < rv.Len(); i++ {
		if i > 0 {
			b.WriteString(sep)
		}
		v := rv.Index(i)
		s := toString(v)
		if h, ok := htmlOf(unwrapIface(v)); ok {
			s = string(h)
		} else if ae && !isSafe(v) {
			s = escapeString(s)
		}
		b.WriteString(s)
	}
	return SafeString(b.String()), nil
}

// pyJSON appends Python's json.dumps of v (", " and ": " separators, ASCII only).
func pyJSON(b []byte, v any) ([]byte, error) { return pyJSONDepth(b, v, 0) }

func pyJSONDepth(b []byte, v any, depth int) ([]byte, error) {
	if depth > maxValueDepth {
		return nil, fmt.Errorf("json: value nested deeper than %d levels (circular reference?)", maxValueDepth)
	}
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		if x {
			return append(b, "true"...), nil
		}
		return append(b, "false"...), nil
	case string:
		return appendJSONString(b, x), nil
	case SafeString:
		return appendJSONString(b, string(x)), nil
	case json.Number:
		return append(b, x...), nil
	case time.Time:
		return appendJSONString(b, x.Format("2006-01-02T15:04:05.000")), nil
	}
	rv := indirect(reflect.ValueOf(v))
	if !rv.IsValid() {
		return append(b, "null"...), nil
	}
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(b, rv.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.AppendUint(b, rv.Uint(), 10), nil
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("json: unsupported value %v", f)
		}
		return appendPyFloat(b, f), nil
	case reflect.String:
		return appendJSONString(b, rv.String()), nil
	case reflect.Bool:
		return pyJSONDepth(b, rv.Bool(), depth)
	case reflect.Slice, reflect.Array:
		b = append(b, '[')
		for i := 0; i < rv.Len(); i++ {
			if i > 0 {
				b = append(b, ", "...)
			}
			var err error
			if b, err = pyJSONDepth(b, valueToAny(rv.Index(i)), depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case reflect.Map:
		keys := rv.MapKeys()
		sortValues(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendJSONString(b, toString(k))
			b = append(b, ": "...)
			var err error
			if b, err = pyJSONDepth(b, valueToAny(rv.MapIndex(k)), depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	}
	// Structs and other types: through encoding/json, then re-encoded Python-style.
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	return pyJSONDepth(b, generic, depth+1)
}

func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"':
			b = append(b, `\"`...)
		case r == '\\':
			b = append(b, `\\`...)
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r == '\t':
			b = append(b, `\t`...)
		case r == '\b':
			b = append(b, `\b`...)
		case r == '\f':
			b = append(b, `\f`...)
		case r < 0x20 || r > 0x7e:
			if r > 0xffff {
				r1, r2 := utf16Pair(r)
				b = fmt.Appendf(b, `\u%04x\u%04x`, r1, r2)
			} else {
				b = fmt.Appendf(b, `\u%04x`, r)
			}
		default:
			b = append(b, byte(r))
		}
	}
	return append(b, '"')
}

func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}

func filterJSONScript(in, arg any, _ bool) (any, error) {
	b, err := pyJSON(nil, in)
	if err != nil {
		return nil, err
	}
	s := strings.NewReplacer(">", `\u003E`, "<", `\u003C`, "&", `\u0026`).Replace(string(b))
	if arg != nil && str(arg) != "" {
		return SafeString(`<script id="` + escapeString(str(arg)) + `" type="application/json">` + s + `</script>`), nil
	}
	return SafeString(`<script type="application/json">` + s + `</script>`), nil
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

func filterPluralize(in, arg any, _ bool) (any, error) {
	a := "s"
	if arg != nil {
		a = str(arg)
	}
	if !strings.Contains(a, ",") {
		a = "," + a
	}
	bits := strings.Split(a, ",")
	if len(bits) > 2 {
		return "", nil
	}
	sing, plural := bits[0], bits[1]
	rv := indirect(reflect.ValueOf(in))
	if f, ok := toFloat(in); ok {
		if f == 1 {
			return sing, nil
		}
		return plural, nil
	}
	if isString(rv) {
		return "", nil
	}
	if n, ok := length(rv); ok {
		if n == 1 {
			return sing, nil
		}
		return plural, nil
	}
	return "", nil
}

func filterSlice(in, arg any, _ bool) (any, error) {
	rv := indirect(reflect.ValueOf(in))
	if !rv.IsValid() {
		return in, nil
	}
	parts := strings.Split(str(arg), ":")
	if len(parts) > 3 {
		return in, nil
	}
	var bounds [3]*int
	for i, p := range parts {
		if p == "" {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return in, nil
		}
		bounds[i] = &n
	}
	if len(parts) == 1 {
		bounds[1], bounds[0] = bounds[0], nil
	}
	var runes []rune
	var n int
	switch rv.Kind() {
	case reflect.String:
		runes = []rune(rv.String())
		n = len(runes)
	case reflect.Slice, reflect.Array:
		n = rv.Len()
	default:
		return in, nil
	}
	step := 1
	if bounds[2] != nil {
		step = *bounds[2]
		if step == 0 {
			return in, nil
		}
	}
	idx := pySliceIndices(n, bounds[0], bounds[1], step)
	if rv.Kind() == reflect.String {
		var b strings.Builder
		for _, i := range idx {
			b.WriteRune(runes[i])
		}
		if safeIn(in) {
			return SafeString(b.String()), nil
		}
		return b.String(), nil
	}
	out := make([]any, len(idx))
	for j, i := range idx {
		out[j] = valueToAny(rv.Index(i))
	}
	return out, nil
}

// pySliceIndices returns the indexes Python's seq[start:stop:step] selects.
func pySliceIndices(n int, start, stop *int, step int) []int {
	adj := func(p *int, def int, lo, hi int) int {
		if p == nil {
			return def
		}
		v := *p
		if v < 0 {
			v += n
			if v < lo {
				v = lo
			}
		} else if v > hi {
			v = hi
		}
		return v
	}
	var out []int
	if step > 0 {
		s, e := adj(start, 0, 0, n), adj(stop, n, 0, n)
		for i := s; i < e; i += step {
			out = append(out, i)
		}
	} else {
		s, e := adj(start, n-1, -1, n-1), adj(stop, -1, -1, n-1)
		for i := s; i > e; i += step {
			out = append(out, i)
		}
	}
	return out
}

var (
	slugStrip = regexp.MustCompile(`[^\w\s-]`)
	slugDash  = regexp.MustCompile(`[-\s]+`)
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

var fmtSpecRe = regexp.MustCompile(`^([#0\- +]*)(\d*)(?:\.(\d+))?([diouxXeEfFgGcrsa%])$`)

// stringformat is Python's "%<arg>" % value.
func stringformat(in any, spec string) any {
	m := fmtSpecRe.FindStringSubmatch(spec)
	if m == nil {
		return ""
	}
	flags, width, prec, verb := m[1], m[2], m[3], m[4]
	if len(width) > 4 || len(prec) > 4 {
		return ""
	}
	f := "%" + flags + width
	if prec != "" {
		f += "." + prec
	}
	rv := indirect(reflect.ValueOf(in))
	switch verb {
	case "d", "i", "u":
		n, ok := asNumber(rv)
		if !ok {
			return ""
		}
		if n.isFloat {
			return fmt.Sprintf(f+"d", int64(n.f))
		}
		return fmt.Sprintf(f+"d", n.i)
	case "o", "x", "X":
		n, ok := asNumber(rv)
		if !ok || n.isFloat {
			return ""
		}
		f = strings.Replace(f, "#", "", 1)
		prefix := ""
		if strings.Contains(flags, "#") {
			prefix = map[string]string{"o": "0o", "x": "0x", "X": "0X"}[verb]
		}
		s := fmt.Sprintf(f+verb, n.i)
		if prefix != "" {
			s = prefix + s
		}
		return s
	case "e", "E", "f", "F", "g", "G":
		n, ok := asNumber(rv)
		if !ok {
			return ""
		}
		if verb == "F" {
			verb = "f"
		}
		s := fmt.Sprintf(f+verb, n.float())
		if verb == "e" || verb == "E" || verb == "g" || verb == "G" {
			// Go writes e+00 like Python; nothing to adjust.
		}
		return s
	case "c":
		if n, ok := asNumber(rv); ok {
			return fmt.Sprintf(f+"c", rune(n.i))
		}
		return fmt.Sprintf(f+"s", str(in))
	case "r", "a":
		return fmt.Sprintf(f+"s", string(appendStr(nil, rv, true)))
	case "%":
		return "" // Python: "not all arguments converted"
	}
	if prec != "" {
		s := []rune(str(in))
		p, _ := strconv.Atoi(prec)
		if p < len(s) {
			s = s[:p]
		}
		return fmt.Sprintf("%"+flags+width+"s", string(s))
	}
	return fmt.Sprintf(f+"s", str(in))
}

// tagRe matches what an HTML parser treats as markup: comments, and tags that
// start with a letter, "/", "!" or "?" ("a < b" is text).
var tagRe = regexp.MustCompile(`(?s)<!--.*?-->|<[a-zA-Z/!?][^>]*>`)

func stripTags(s string) string {
	for i := 0; i < 10; i++ {
		n := tagRe.ReplaceAllString(s, "")
		if n == s {
			break
		}
		s = n
	}
	return s
}

var (
	titleApos  = regexp.MustCompile(`([a-z])'([A-Z])`)
	titleDigit = regexp.MustCompile(`\d([A-Z])`)
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

func filterUnorderedList(in, arg any, ae bool) (any, error) {
	escaper := func(v reflect.Value) string {
		s := toString(v)
		if ae && !isSafe(v) {
			return escapeString(s)
		}
		return s
	}
	isList := func(v reflect.Value) bool {
		v = indirect(v)
		return v.IsValid() && (v.Kind() == reflect.Slice || v.Kind() == reflect.Array)
	}
	var format func(list reflect.Value, tabs, depth int) string
	format = func(list reflect.Value, tabs, depth int) string {
		list = indirect(list)
		if depth > maxNesting || !list.IsValid() {
			return ""
		}
		indent := strings.Repeat("\t", tabs)
		var out []string
		n := 0
		if list.Kind() == reflect.Slice || list.Kind() == reflect.Array {
			n = list.Len()
		}
		for i := 0; i < n; i++ {
			item := list.Index(i)
			var children reflect.Value
			if i+1 < n && isList(list.Index(i+1)) {
				children = list.Index(i + 1)
				i++
			}
			sub := ""
			if children.IsValid() && indirect(children).Len() > 0 {
				sub = fmt.Sprintf("\n%s<ul>\n%s\n%s</ul>\n%s", indent, format(children, tabs+1, depth+1), indent, indent)
			}
			out = append(out, fmt.Sprintf("%s<li>%s%s</li>", indent, escaper(item), sub))
		}
		return strings.Join(out, "\n")
	}
	return SafeString(format(reflect.ValueOf(in), 1, 0)), nil
}

func filterYesno(in, arg any, _ bool) (any, error) {
	a := "yes,no,maybe"
	if arg != nil {
		a = str(arg)
	}
	bits := strings.Split(a, ",")
	if len(bits) < 2 {
		return in, nil
	}
	yes, no, maybe := bits[0], bits[1], bits[1]
	if len(bits) == 3 {
		maybe = bits[2]
	}
	rv := unwrapIface(reflect.ValueOf(in))
	switch {
	case !rv.IsValid():
		return maybe, nil
	case truthy(rv):
		return yes, nil
	}
	return no, nil
}

// pyQuote is Python's urllib.parse.quote with the given safe characters.
func pyQuote(s, safe string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 128 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_.-~", c) >= 0 || strings.IndexByte(safe, c) >= 0) {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
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

// pySplitLines is Python's str.splitlines(keepends=True) for the usual line ends.
func pySplitLines(s string) []string {
	var lines []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\n', '\v', '\f':
			lines = append(lines, s[start:i+1])
			start = i + 1
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			lines = append(lines, s[start:i+1])
			start = i + 1
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
	// expand_tabs and replace_whitespace: every whitespace character becomes a space.
	var b strings.Builder
	col := 0
	for _, r := range text {
		switch {
		case r == '\t':
			n := 8 - col%8
			b.WriteString(strings.Repeat(" ", n))
			col += n
		case r == '\n' || r == '\r':
			b.WriteByte(' ')
			col = 0
		case unicode.IsSpace(r):
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
	isBlank := func(c string) bool { return strings.Trim(c, " ") == "" }
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

func isCombining(r rune) bool { return unicode.Is(unicode.Mn, r) }

func truncationLen(length int, suffix string) int {
	tl := length
	for _, r := range suffix {
		if !isCombining(r) {
			tl--
			if tl == 0 {
				break
			}
		}
	}
	return tl
}

func truncateChars(s string, length int, html bool) string {
	if length <= 0 {
		return ""
	}
	text := norm.NFC.String(s)
	tl := truncationLen(length, "…")
	if html {
		return truncateHTML(text, length, "…", tl, false)
	}
	count := 0
	end := -1
	for i, r := range text {
		if isCombining(r) {
			continue
		}
		count++
		if end < 0 && count > tl {
			end = i
		}
		if count > length {
			if end < 0 {
				end = 0
			}
			return text[:end] + "…"
		}
	}
	return text
}

func truncateWords(s string, length int, html bool) string {
	if length <= 0 {
		return ""
	}
	if html {
		return truncateHTML(s, length, " …", length, true)
	}
	words := strings.Fields(s)
	if len(words) > length {
		return strings.Join(words[:length], " ") + " …"
	}
	return strings.Join(words, " ")
}

var (
	reHTMLWords = regexp.MustCompile(`(?s)<[^>]+?>|([^<>\s]+)`)
	reHTMLChars = regexp.MustCompile(`(?s)<[^>]+?>|(.)`)
	reHTMLTag   = regexp.MustCompile(`(?s)^<(/)?(\S+?)(?:(\s*/)|\s.*?)?>$`)
)

const maxLengthHTML = 5_000_000

var html4Singlets = map[string]bool{"br": true, "col": true, "link": true, "base": true, "img": true, "param": true, "area": true, "hr": true, "input": true}

// truncateHTML is Django's Truncator._truncate_html.
func truncateHTML(text string, length int, truncate string, truncateLen int, words bool) string {
	sizeLimited := false
	if len(text) > maxLengthHTML {
		text = text[:maxLengthHTML]
		sizeLimited = true
	}
	re := reHTMLChars
	if words {
		re = reHTMLWords
	}
	pos, endTextPos, cur := 0, 0, 0
	var open []string
	for cur <= length {
		m := re.FindStringSubmatchIndex(text[pos:])
		if m == nil {
			break
		}
		start, end := pos+m[0], pos+m[1]
		pos = end
		if m[2] >= 0 {
			cur++
			if cur == truncateLen {
				endTextPos = pos
			}
			continue
		}
		tm := reHTMLTag.FindStringSubmatch(text[start:end])
		if tm == nil || cur >= truncateLen {
			continue
		}
		closing, name, selfClosing := tm[1] != "", strings.ToLower(tm[2]), tm[3] != ""
		switch {
		case selfClosing || html4Singlets[name]:
		case closing:
			for i, t := range open {
				if t == name {
					open = open[i+1:]
					break
				}
			}
		default:
			open = append([]string{name}, open...)
		}
	}
	if cur <= length {
		if sizeLimited {
			text += truncate
		}
		return text
	}
	out := text[:endTextPos] + truncate
	for _, t := range open {
		out += "</" + t + ">"
	}
	return out
}

func filterTimesince(reversed bool) func(c *Context, in, arg any) (any, error) {
	return func(c *Context, in, arg any) (any, error) {
		d, ok := in.(time.Time)
		if !ok || d.IsZero() {
			return "", nil
		}
		now := c.now()
		if arg != nil {
			n, ok := arg.(time.Time)
			if !ok {
				return "", nil
			}
			now = n
		}
		if reversed {
			d, now = now, d
		}
		return timesince(d, now), nil
	}
}

var monthDays = [12]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// timesince is Django's django.utils.timesince.timesince with depth 2.
func timesince(d, now time.Time) string {
	if d.Location() != now.Location() {
		now = now.In(d.Location())
	}
	zero := "0\u00a0minutes"
	since := int64(now.Sub(d) / time.Second)
	if since <= 0 {
		return zero
	}
	totalMonths := (now.Year()-d.Year())*12 + int(now.Month()-d.Month())
	tod := func(t time.Time) int { return t.Hour()*3600 + t.Minute()*60 + t.Second() }
	if d.Day() > now.Day() || (d.Day() == now.Day() && (tod(d) > tod(now) || tod(d) == tod(now) && d.Nanosecond() > now.Nanosecond())) {
		totalMonths--
	}
	years, months := totalMonths/12, totalMonths%12
	pivot := d
	if years != 0 || months != 0 {
		py, pm := d.Year()+years, int(d.Month())+months
		if pm > 12 {
			pm -= 12
			py++
		}
		pivot = time.Date(py, time.Month(pm), min(monthDays[pm-1], d.Day()), d.Hour(), d.Minute(), d.Second(), 0, d.Location())
	}
	remaining := now.Sub(pivot).Seconds()
	partials := []int{years, months}
	for _, chunk := range []float64{604800, 86400, 3600, 60} {
		c := int(math.Floor(remaining / chunk))
		partials = append(partials, c)
		remaining -= chunk * float64(c)
	}
	names := []string{"year", "month", "week", "day", "hour", "minute"}
	i := 0
	for i < len(partials) && partials[i] == 0 {
		i++
	}
	if i == len(partials) {
		return zero
	}
	var out []string
	for depth := 0; i < len(partials) && depth < 2; depth++ {
		v := partials[i]
		if v == 0 {
			break
		}
		name := names[i]
		if v != 1 {
			name += "s"
		}
		out = append(out, strconv.Itoa(v)+"\u00a0"+name)
		i++
	}
	return strings.Join(out, ", ")
}

// urlize turns URLs and e-mail addresses in text into links (Django's urlize with
// nofollow). limit < 0 means no trimming of the link text.
func urlize(text string, limit int, autoescape bool) string {
	var b strings.Builder
	for _, w := range splitKeepSep(text) {
		if !strings.ContainsAny(w, ".@:") {
			b.WriteString(escapeIf(w, autoescape))
			continue
		}
		lead, middle, trail := trimPunctuation(w)
		href, nofollow := "", ` rel="nofollow"`
		switch {
		case simpleURLRe.MatchString(middle):
			href = smartURLQuote(html.UnescapeString(middle))
		case simpleURL2Re.MatchString(middle) && !strings.HasPrefix(strings.ToLower(middle), "http"):
			href = smartURLQuote("http://" + html.UnescapeString(middle))
		case !strings.Contains(middle, ":") && isEmailSimple(middle):
			href, nofollow = "mailto:"+middle, ""
		}
		if href == "" {
			b.WriteString(escapeIf(w, autoescape))
			continue
		}
		trimmed := middle
		if limit >= 0 && utf8.RuneCountInString(middle) > limit {
			trimmed = string([]rune(middle)[:max(0, limit-1)]) + "…"
		}
		b.WriteString(escapeIf(lead, autoescape))
		b.WriteString(`<a href="`)
		b.WriteString(escapeString(href))
		b.WriteString(`"` + nofollow + `>`)
		b.WriteString(escapeIf(trimmed, autoescape))
		b.WriteString("</a>")
		b.WriteString(escapeIf(trail, autoescape))
	}
	return b.String()
}

var (
	simpleURLRe  = regexp.MustCompile(`(?i)^https?://\[?\w`)
	simpleURL2Re = regexp.MustCompile(`(?i)^www\.|^\w[^@]+\.(?:com|edu|gov|int|mil|net|org)(?:$|/.*$)`)
	wordSplitRe  = regexp.MustCompile(`[\s<>"']+`)
)

func isEmailSimple(v string) bool {
	if strings.Count(v, "@") != 1 || strings.HasPrefix(v, "@") || strings.HasSuffix(v, "@") {
		return false
	}
	_, domain, _ := strings.Cut(v, "@")
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".")
}

// splitKeepSep splits s around runs of whitespace, < > " and ', keeping the runs.
func splitKeepSep(s string) []string {
	var out []string
	last := 0
	for _, m := range wordSplitRe.FindAllStringIndex(s, -1) {
		out = append(out, s[last:m[0]], s[m[0]:m[1]])
		last = m[1]
	}
	return append(out, s[last:])
}

func escapeIf(s string, on bool) string {
	if on {
		return escapeString(s)
	}
	return s
}

// trimPunctuation splits wrapping and trailing punctuation off a word, as Django's
// urlize does.
func trimPunctuation(w string) (lead, middle, trail string) {
	middle = w
	for changed := true; changed; {
		changed = false
		for _, p := range [][2]string{{"(", ")"}, {"[", "]"}} {
			if strings.HasPrefix(middle, p[0]) {
				middle = middle[1:]
				lead += p[0]
				changed = true
			}
			if strings.HasSuffix(middle, p[1]) && strings.Count(middle, p[1]) == strings.Count(middle, p[0])+1 {
				middle = middle[:len(middle)-1]
				trail = p[1] + trail
				changed = true
			}
		}
		unescaped := html.UnescapeString(middle)
		stripped := strings.TrimRight(unescaped, ".,:;!")
		if n := len(unescaped) - len(stripped); n > 0 && n <= len(middle) {
			trail = middle[len(middle)-n:] + trail
			middle = middle[:len(middle)-n]
			changed = true
		}
	}
	return
}

// smartURLQuote is Django's smart_urlquote: the URL with its path, query and
// fragment re-quoted consistently.
func smartURLQuote(u string) string {
	const safe = "!$&'()*+,;=:/?#[]@~"
	unquoteQuote := func(seg string) string {
		if s, err := url.PathUnescape(seg); err == nil {
			seg = s
		}
		return pyQuote(seg, safe)
	}
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return unquoteQuote(u)
	}
	rest, fragment, hasFrag := strings.Cut(rest, "#")
	rest, query, hasQuery := strings.Cut(rest, "?")
	netloc, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		netloc, path = rest[:i], rest[i:]
	}
	var b strings.Builder
	b.WriteString(strings.ToLower(scheme))
	b.WriteString("://")
	b.WriteString(netloc)
	b.WriteString(unquoteQuote(path))
	if hasQuery && query != "" {
		var parts []string
		for _, kv := range strings.Split(query, "&") {
			if kv == "" {
				continue
			}
			k, v, _ := strings.Cut(kv, "=")
			k, _ = url.QueryUnescape(k)
			v, _ = url.QueryUnescape(v)
			parts = append(parts, pyQuotePlus(k)+"="+pyQuotePlus(v))
		}
		if len(parts) > 0 {
			b.WriteString("?")
			b.WriteString(strings.Join(parts, "&"))
		}
	}
	if hasFrag && fragment != "" {
		b.WriteString("#")
		b.WriteString(unquoteQuote(fragment))
	}
	return b.String()
}

// pyQuotePlus is Python's urllib.parse.quote_plus with no safe characters.
func pyQuotePlus(s string) string {
	parts := strings.Split(s, " ")
	for i, p := range parts {
		parts[i] = pyQuote(p, "")
	}
	return strings.Join(parts, "+")
}
