package template

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/galvani-web/galvani/internal/naming"
)

// segment is one dotted part of a variable path, with a per-site cache of the struct
// field it last resolved to.
type segment struct {
	name  string
	isInt bool
	index int
	cache atomic.Pointer[fieldCache]
}

// variable is a literal or a dotted variable path (Django's Variable).
type variable struct {
	raw       string
	literal   reflect.Value
	isLiteral bool
	translate bool // a _("...") literal, translated at render time
	path      []*segment
}

var (
	trueValue  = reflect.ValueOf(true)
	falseValue = reflect.ValueOf(false)
)

func parseVariable(s string) (*variable, error) {
	v := &variable{raw: s}
	// Like Django's Variable: with a point or an e, a float (not one ending in a
	// point); otherwise an int. Python's int() and float() take underscores between
	// digits and digits of any script.
	if strings.ContainsAny(s, ".eE") {
		if f, ok := parsePyFloat(s); ok && !strings.HasSuffix(s, ".") && s == pyStrip(s) {
			v.literal, v.isLiteral = reflect.ValueOf(f), true
			return v, nil
		}
	} else if n, ok := parsePyInt(s); ok && s == pyStrip(s) {
		v.literal, v.isLiteral = reflect.ValueOf(numberValue(n)), true
		return v, nil
	}
	if strings.HasPrefix(s, "_(") && strings.HasSuffix(s, ")") && len(s) >= 4 {
		// A translatable literal, translated at render time (and by then a lazy
		// translation, not a plain string).
		inner := s[2 : len(s)-1]
		if lit, ok := unquote(inner); ok {
			v.literal, v.isLiteral, v.translate = reflect.ValueOf(lit), true, true
			return v, nil
		}
	}
	if lit, ok := unquote(s); ok {
		v.literal, v.isLiteral = reflect.ValueOf(SafeString(lit)), true
		return v, nil
	}
	if s == "" {
		return nil, fmt.Errorf("empty variable")
	}
	if strings.Contains(s, "._") || s[0] == '_' {
		return nil, fmt.Errorf("Variables and attributes may not begin with underscores: '%s'", s)
	}
	for _, p := range strings.Split(s, ".") {
		seg := &segment{name: p}
		if n, err := strconv.Atoi(p); err == nil {
			seg.isInt, seg.index = true, n
		}
		v.path = append(v.path, seg)
	}
	return v, nil
}

// UnquoteLiteral returns the contents of a single- or double-quoted template
// string literal with its escapes removed (Django's unescape_string_literal:
// only \<quote> and \\ are escapes), and false when s is not one. For tag
// libraries that read their own arguments.
func UnquoteLiteral(s string) (string, bool) { return unquote(s) }

// unquote returns the contents of a single- or double-quoted string literal with
// backslash escapes removed (Django's unescape_string_literal).
func unquote(s string) (string, bool) {
	if len(s) < 2 || (s[0] != '"' && s[0] != '\'') || s[len(s)-1] != s[0] {
		return "", false
	}
	q := s[0]
	inner := s[1 : len(s)-1]
	if !strings.Contains(inner, "\\") {
		if strings.IndexByte(inner, q) >= 0 {
			return "", false
		}
		return inner, true
	}
	// Like Django's unescape_string_literal: only \<quote> and \\ are escapes.
	var b strings.Builder
	for i := 0; i < len(inner); i++ {
		c := inner[i]
		if c == '\\' && i+1 < len(inner) && (inner[i+1] == q || inner[i+1] == '\\') {
			i++
			b.WriteByte(inner[i])
			continue
		}
		if c == q {
			return "", false
		}
		b.WriteByte(c)
	}
	return b.String(), true
}

// resolve looks the variable up. found is false for a missing variable; a found
// invalid Value is None.
func (v *variable) resolve(c *Context) (reflect.Value, bool, error) {
	if v.isLiteral {
		if v.translate {
			// Django doubles % in the message id (gettext's python-format) and
			// returns a lazy translation.
			msgid := strings.ReplaceAll(v.literal.String(), "%", "%%")
			if c.engine != nil && c.engine.translate != nil {
				msgid = c.engine.translate(c.Request, msgid)
			}
			return reflect.ValueOf(lazyText(msgid)), true, nil
		}
		return v.literal, true, nil
	}
	cur, ok := c.lookupSeg(v.path[0])
	if !ok {
		switch v.path[0].name {
		case "True":
			cur = trueValue
		case "False":
			cur = falseValue
		case "None":
			cur = reflect.Value{}
		default:
			return reflect.Value{}, false, nil
		}
	}
	if len(v.path) == 1 {
		return maybeCall(cur)
	}
	for i := 1; i < len(v.path); i++ {
		var err error
		cur, ok, err = lookupAttr(cur, v.path[i])
		if err != nil || !ok {
			return reflect.Value{}, false, err
		}
	}
	return cur, true, nil
}

// argMode says how many arguments a filter takes.
type argMode uint8

const (
	argOptional argMode = iota
	argNone
	argRequired
)

// filterDef is a registered filter.
type filterDef struct {
	name   string
	fn     func(in, arg any, autoescape bool) (any, error)
	ctxFn  func(c *Context, in, arg any) (any, error) // for filters that need the render context
	isSafe bool
	// stringFilter is Django's @stringfilter: the input is converted with str()
	// (keeping a safe string safe) before the filter sees it.
	stringFilter bool
	arg          argMode
	// localtime is Django's expects_localtime: a time.Time input is first
	// converted to the render's Location, when it has one.
	localtime bool
}

type filterCall struct {
	def *filterDef
	arg *variable // nil when none given
}

// Expr is a compiled filter expression: a variable or literal followed by filters,
// as in {{ name|lower|default:"x" }}. Tags compile their arguments with
// Parser.CompileExpr and evaluate them with Resolve.
type Expr struct {
	v       *variable
	filters []filterCall
	raw     string
}

// String returns the source of the expression.
func (e *Expr) String() string { return e.raw }

// Resolve evaluates the expression. A missing variable gives "" (Django's
// string_if_invalid) before filters are applied.
func (e *Expr) Resolve(c *Context) (any, error) {
	v, err := e.resolve(c, false)
	return valueToAny(v), err
}

// resolve is Django's FilterExpression.resolve. With ignoreFailures a missing
// variable is None rather than "".
func (e *Expr) resolve(c *Context, ignoreFailures bool) (reflect.Value, error) {
	v, found, err := e.v.resolve(c)
	if err != nil {
		return v, err
	}
	if !found {
		if ignoreFailures {
			v = reflect.Value{}
		} else {
			v = emptyString
		}
	}
	for i := range e.filters {
		f := &e.filters[i]
		var arg any
		if f.arg != nil {
			a, found, err := f.arg.resolve(c)
			if err != nil {
				return reflect.Value{}, err
			}
			if !found {
				return reflect.Value{}, fmt.Errorf("failed lookup for filter argument %q", f.arg.raw)
			}
			if f.arg.translate {
				a = reflect.ValueOf(SafeString(a.String())) // mark_safe(constant argument)
			}
			arg = valueToAny(a)
		}
		in := valueToAny(v)
		if f.def.localtime && c.Location != nil {
			if t, ok := in.(time.Time); ok {
				in = c.localTime(t)
			}
		}
		safeInput := isSafe(v)
		if f.def.stringFilter {
			in = pyStrValue(v)
			_, isSafeStr := in.(SafeString)
			safeInput = safeInput || isSafeStr
		}
		var out any
		var err error
		if f.def.ctxFn != nil {
			out, err = f.def.ctxFn(c, in, arg)
		} else {
			out, err = f.def.fn(in, arg, c.Autoescape)
		}
		if err != nil {
			return reflect.Value{}, fmt.Errorf("filter %s: %w", f.def.name, err)
		}
		if f.def.isSafe && safeInput {
			// Django's mark_safe(new_obj): whatever the filter returned.
			out = markSafe(reflect.ValueOf(out))
		}
		v = reflect.ValueOf(out)
	}
	return v, nil
}

var emptyString = reflect.ValueOf("")

// isWordRune is Python's \w: letters, numbers and the underscore.
func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) }

// compileExpr parses a filter expression (Django's FilterExpression regexp, by hand).
func compileExpr(s string, lookupFilter func(string) *filterDef) (*Expr, error) {
	e := &Expr{raw: s}
	pos := 0
	// scanOperand reads a constant or a variable/number at pos.
	scanOperand := func() (string, bool) {
		if pos >= len(s) {
			return "", false
		}
		start := pos
		if strings.HasPrefix(s[pos:], "_(") {
			if n := scanQuoted(s[pos+2:]); n > 0 && pos+2+n < len(s) && s[pos+2+n] == ')' {
				pos += 2 + n + 1
				return s[start:pos], true
			}
		}
		if s[pos] == '"' || s[pos] == '\'' {
			n := scanQuoted(s[pos:])
			if n == 0 {
				return "", false
			}
			pos += n
			return s[start:pos], true
		}
		// [\w.]+ or a number [-+.]?\d[\d.e]*
		for pos < len(s) {
			r, size := utf8.DecodeRuneInString(s[pos:])
			if r == '.' || isWordRune(r) {
				pos += size
				continue
			}
			break
		}
		if pos > start {
			return s[start:pos], true
		}
		if s[pos] == '-' || s[pos] == '+' || s[pos] == '.' {
			p := pos + 1
			if p < len(s) && s[p] >= '0' && s[p] <= '9' {
				for p < len(s) && (s[p] >= '0' && s[p] <= '9' || s[p] == '.' || s[p] == 'e') {
					p++
				}
				pos = p
				return s[start:pos], true
			}
		}
		return "", false
	}
	first, ok := scanOperand()
	if !ok {
		return nil, fmt.Errorf("Could not find variable at start of %s.", s)
	}
	v, err := parseVariable(first)
	if err != nil {
		return nil, err
	}
	e.v = v
	for pos < len(s) {
		start := pos
		pos = skipPySpace(s, pos)
		if pos >= len(s) || s[pos] != '|' {
			return nil, fmt.Errorf("Could not parse the remainder: '%s' from '%s'", s[start:], s)
		}
		pos = skipPySpace(s, pos+1)
		nstart := pos
		for pos < len(s) {
			r, size := utf8.DecodeRuneInString(s[pos:])
			if !isWordRune(r) {
				break
			}
			pos += size
		}
		name := s[nstart:pos]
		if name == "" {
			return nil, fmt.Errorf("Could not parse the remainder: '%s' from '%s'", s[start:], s)
		}
		def := lookupFilter(name)
		if def == nil {
			return nil, &invalidFilterError{name: name}
		}
		fc := filterCall{def: def}
		if pos < len(s) && s[pos] == ':' {
			pos++
			a, ok := scanOperand()
			if !ok {
				return nil, fmt.Errorf("Could not parse the remainder: '%s' from '%s'", s[pos-1:], s)
			}
			av, err := parseVariable(a)
			if err != nil {
				return nil, err
			}
			fc.arg = av
		}
		switch {
		case def.arg == argRequired && fc.arg == nil:
			return nil, fmt.Errorf("%s requires 2 arguments, 1 provided", name)
		case def.arg == argNone && fc.arg != nil:
			return nil, fmt.Errorf("%s requires 1 arguments, 2 provided", name)
		}
		e.filters = append(e.filters, fc)
	}
	return e, nil
}

// scanQuoted returns the length of the quoted string at the start of s (with
// backslash escapes), or 0 if it is not terminated.
func scanQuoted(s string) int {
	if s == "" || (s[0] != '"' && s[0] != '\'') {
		return 0
	}
	q := s[0]
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case q:
			return i + 1
		}
	}
	return 0
}

// invalidFilterError is Django's "Invalid filter" error; the parser adds the
// nearest registered filter's name to it ("did you mean").
type invalidFilterError struct {
	name, suggestion string
}

func (e *invalidFilterError) Error() string {
	if e.suggestion != "" {
		return fmt.Sprintf("Invalid filter: '%s'. Did you mean '%s'?", e.name, e.suggestion)
	}
	return fmt.Sprintf("Invalid filter: '%s'", e.name)
}

// nearestName returns the candidate closest to name by edit distance, when it is
// close enough to be a typo of it (at most a third of name's length, and at most
// 3 edits), or "".
func nearestName(name string, candidates []string) string {
	best, bestD := "", 4
	limit := max(1, min(3, len(name)/3))
	sort.Strings(candidates)
	for _, c := range candidates {
		if d := naming.EditDistance(strings.ToLower(name), strings.ToLower(c)); d <= limit && d < bestD {
			best, bestD = c, d
		}
	}
	return best
}
