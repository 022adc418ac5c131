package i18n

import (
	"fmt"
	"strconv"
	"strings"
)

// PluralRule chooses which of a message's plural forms to use for a count. It is
// compiled from the Plural-Forms header of a catalog ("nplurals=3; plural=(n%10==1
// && n%100!=11 ? 0 : ...);") and evaluated by a small interpreter: the expression is
// data, never code, and its size is bounded.
type PluralRule struct {
	// N is the number of plural forms (nplurals).
	N    int
	expr pluralNode
	src  string
}

// germanic is the rule of catalogs without a Plural-Forms header, and of text that
// no catalog translates: English's "n != 1".
var germanic = &PluralRule{N: 2, expr: pluralBinary{op: "!=", l: pluralVar{}, r: pluralConst(1)}, src: "n != 1"}

// Index returns the plural form for n, in [0, N). Like GNU gettext, an expression
// that yields a form out of range gives form 0.
func (r *PluralRule) Index(n int64) int {
	if r == nil {
		r = germanic
	}
	// gettext evaluates with unsigned long; a negative count is taken as its
	// absolute value, as Django's ngettext users expect.
	if n < 0 {
		n = -n
	}
	v := r.expr.eval(uint64(n))
	if v >= uint64(r.N) {
		return 0
	}
	return int(v)
}

// String returns the plural expression as it was written.
func (r *PluralRule) String() string {
	if r == nil {
		return germanic.src
	}
	return r.src
}

// maxPluralExpr bounds the length of a plural expression; real ones are under 200
// bytes (Arabic's is the longest at about 110).
const maxPluralExpr = 1024

// ParsePluralForms parses the value of a Plural-Forms header.
func ParsePluralForms(header string) (*PluralRule, error) {
	var nplurals, plural string
	var haveN, haveP bool
	for _, part := range strings.Split(header, ";") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			if strings.TrimSpace(part) != "" {
				return nil, fmt.Errorf("Plural-Forms: %q is not name=value", strings.TrimSpace(part))
			}
			continue
		}
		switch strings.TrimSpace(k) {
		case "nplurals":
			nplurals, haveN = strings.TrimSpace(v), true
		case "plural":
			plural, haveP = strings.TrimSpace(v), true
		}
	}
	if !haveN || !haveP {
		return nil, fmt.Errorf("Plural-Forms: want nplurals=N; plural=EXPRESSION; in %q", header)
	}
	n, err := strconv.Atoi(nplurals)
	if err != nil || n < 1 || n > 100 {
		return nil, fmt.Errorf("Plural-Forms: nplurals=%q is not a number from 1 to 100", nplurals)
	}
	e, err := ParsePluralExpr(plural)
	if err != nil {
		return nil, err
	}
	e.N = n
	return e, nil
}

// ParsePluralExpr compiles a C plural expression over n (the "plural=" part of a
// Plural-Forms header), with the operators gettext allows: ?: || && == != < > <= >=
// + - * / % ! and parentheses. The rule it returns has N set to 2; set it from
// nplurals.
func ParsePluralExpr(src string) (*PluralRule, error) {
	if len(src) > maxPluralExpr {
		return nil, fmt.Errorf("Plural-Forms: plural expression longer than %d bytes", maxPluralExpr)
	}
	p := &pluralParser{src: src}
	p.next()
	e, err := p.ternary()
	if err != nil {
		return nil, err
	}
	if p.tok != "" {
		return nil, p.errorf("unexpected %q", p.tok)
	}
	return &PluralRule{N: 2, expr: e, src: src}, nil
}

type pluralNode interface{ eval(n uint64) uint64 }

type pluralVar struct{}
type pluralConst uint64
type pluralNot struct{ x pluralNode }
type pluralBinary struct {
	op   string
	l, r pluralNode
}
type pluralCond struct{ c, t, f pluralNode }

func (pluralVar) eval(n uint64) uint64   { return n }
func (c pluralConst) eval(uint64) uint64 { return uint64(c) }
func (x pluralNot) eval(n uint64) uint64 { return b2u(x.x.eval(n) == 0) }
func (x pluralCond) eval(n uint64) uint64 {
	if x.c.eval(n) != 0 {
		return x.t.eval(n)
	}
	return x.f.eval(n)
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func (x pluralBinary) eval(n uint64) uint64 {
	l := x.l.eval(n)
	switch x.op {
	case "||":
		return b2u(l != 0 || x.r.eval(n) != 0)
	case "&&":
		return b2u(l != 0 && x.r.eval(n) != 0)
	}
	r := x.r.eval(n)
	switch x.op {
	case "==":
		return b2u(l == r)
	case "!=":
		return b2u(l != r)
	case "<":
		return b2u(l < r)
	case ">":
		return b2u(l > r)
	case "<=":
		return b2u(l <= r)
	case ">=":
		return b2u(l >= r)
	case "+":
		return l + r
	case "-":
		return l - r
	case "*":
		return l * r
	case "/":
		if r == 0 {
			return 0 // gettext traps here; a catalog must not crash the server
		}
		return l / r
	case "%":
		if r == 0 {
			return 0
		}
		return l % r
	}
	return 0
}

type pluralParser struct {
	src   string
	pos   int // offset after tok
	tok   string
	depth int
}

func (p *pluralParser) errorf(format string, args ...any) error {
	return fmt.Errorf("Plural-Forms: plural=%q: at offset %d: %s", p.src, p.pos, fmt.Sprintf(format, args...))
}

// next reads the next token into p.tok ("" at the end).
func (p *pluralParser) next() {
	s := p.src
	for p.pos < len(s) && (s[p.pos] == ' ' || s[p.pos] == '\t' || s[p.pos] == '\n' || s[p.pos] == '\r') {
		p.pos++
	}
	if p.pos >= len(s) {
		p.tok = ""
		return
	}
	start := p.pos
	c := s[p.pos]
	switch {
	case c >= '0' && c <= '9':
		for p.pos < len(s) && s[p.pos] >= '0' && s[p.pos] <= '9' {
			p.pos++
		}
	case p.pos+1 < len(s) && isTwoCharOp(s[p.pos:p.pos+2]):
		p.pos += 2
	default:
		p.pos++
	}
	p.tok = s[start:p.pos]
}

func isTwoCharOp(s string) bool {
	switch s {
	case "||", "&&", "==", "!=", "<=", ">=":
		return true
	}
	return false
}

var pluralPrec = map[string]int{
	"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, ">": 4, "<=": 4, ">=": 4,
	"+": 5, "-": 5, "*": 6, "/": 6, "%": 6,
}

// ternary parses cond ? a : b (right associative), the lowest precedence.
func (p *pluralParser) ternary() (pluralNode, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > 100 {
		return nil, p.errorf("expression nested too deeply")
	}
	c, err := p.binary(1)
	if err != nil {
		return nil, err
	}
	if p.tok != "?" {
		return c, nil
	}
	p.next()
	t, err := p.ternary()
	if err != nil {
		return nil, err
	}
	if p.tok != ":" {
		return nil, p.errorf("want ':', got %q", p.tok)
	}
	p.next()
	f, err := p.ternary()
	if err != nil {
		return nil, err
	}
	return pluralCond{c, t, f}, nil
}

func (p *pluralParser) binary(min int) (pluralNode, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		prec, ok := pluralPrec[p.tok]
		if !ok || prec < min {
			return l, nil
		}
		op := p.tok
		p.next()
		r, err := p.binary(prec + 1)
		if err != nil {
			return nil, err
		}
		l = pluralBinary{op: op, l: l, r: r}
	}
}

func (p *pluralParser) unary() (pluralNode, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > 100 {
		return nil, p.errorf("expression nested too deeply")
	}
	switch tok := p.tok; {
	case tok == "!":
		p.next()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return pluralNot{x}, nil
	case tok == "n":
		p.next()
		return pluralVar{}, nil
	case tok == "(":
		p.next()
		x, err := p.ternary()
		if err != nil {
			return nil, err
		}
		if p.tok != ")" {
			return nil, p.errorf("want ')', got %q", p.tok)
		}
		p.next()
		return x, nil
	case tok != "" && tok[0] >= '0' && tok[0] <= '9':
		v, err := strconv.ParseUint(tok, 10, 64)
		if err != nil {
			return nil, p.errorf("number %s out of range", tok)
		}
		p.next()
		return pluralConst(v), nil
	case tok == "":
		return nil, p.errorf("unexpected end of expression")
	default:
		return nil, p.errorf("unexpected %q", tok)
	}
}
