package template

import (
	"fmt"
	"reflect"
)

// condition is a compiled {% if %} expression (Django's smartif).
type condition interface {
	eval(c *Context) (reflect.Value, error)
}

type litCond struct{ e *Expr }

func (l litCond) eval(c *Context) (reflect.Value, error) { return l.e.resolve(c, true) }

type opCond struct {
	op          string
	first, next condition
}

// eval evaluates the operator. As in Django's smartif, an error inside an operator
// (a filter failing, a comparison Python cannot make) makes it false rather than
// stopping the render.
func (o *opCond) eval(c *Context) (reflect.Value, error) {
	if b, err := o.test(c); err == nil && b {
		return trueValue, nil
	}
	return falseValue, nil
}

func (o *opCond) test(c *Context) (bool, error) {
	x, err := o.first.eval(c)
	if err != nil {
		return false, err
	}
	switch o.op {
	case "not":
		return !truthy(x), nil
	case "or":
		if truthy(x) {
			return true, nil
		}
		y, err := o.next.eval(c)
		return truthy(y), err
	case "and":
		if !truthy(x) {
			return false, nil
		}
		y, err := o.next.eval(c)
		return truthy(y), err
	}
	y, err := o.next.eval(c)
	if err != nil {
		return false, err
	}
	switch o.op {
	case "==":
		return pyEqual(x, y), nil
	case "!=":
		return !pyEqual(x, y), nil
	case "<":
		lt, _ := pyLess(x, y)
		return lt, nil
	case ">":
		gt, _ := pyLess(y, x)
		return gt, nil
	case "<=":
		lt, ok := pyLess(x, y)
		return ok && (lt || pyEqual(x, y)), nil
	case ">=":
		gt, ok := pyLess(y, x)
		return ok && (gt || pyEqual(x, y)), nil
	case "in":
		in, ok := pyIn(x, y)
		return ok && in, nil
	case "not in":
		in, ok := pyIn(x, y)
		return ok && !in, nil
	case "is":
		return pyIs(x, y) || o.sameVariable(), nil
	case "is not":
		return !pyIs(x, y) && !o.sameVariable(), nil
	}
	return false, fmt.Errorf("unknown operator %q", o.op)
}

// sameVariable reports whether both operands name the same variable without
// filters: in Python they are then the same object, so `is` holds.
func (o *opCond) sameVariable() bool {
	a, ok1 := o.first.(litCond)
	b, ok2 := o.next.(litCond)
	return ok1 && ok2 && !a.e.v.isLiteral && len(a.e.filters) == 0 && len(b.e.filters) == 0 && a.e.v.raw == b.e.v.raw
}

var opPower = map[string]int{
	"or": 6, "and": 7, "not": 8, "in": 9, "not in": 9,
	"is": 10, "is not": 10, "==": 10, "!=": 10, ">": 10, ">=": 10, "<": 10, "<=": 10,
}

type ifToken struct {
	op  string // "" for a literal
	lit string
}

type ifParser struct {
	toks []ifToken
	pos  int
	p    *Parser
}

func parseCondition(p *Parser, bits []string) (condition, error) {
	var toks []ifToken
	for i := 0; i < len(bits); i++ {
		b := bits[i]
		if (b == "not" || b == "is") && i+1 < len(bits) {
			if b == "not" && bits[i+1] == "in" {
				toks = append(toks, ifToken{op: "not in"})
				i++
				continue
			}
			if b == "is" && bits[i+1] == "not" {
				toks = append(toks, ifToken{op: "is not"})
				i++
				continue
			}
		}
		if _, ok := opPower[b]; ok {
			toks = append(toks, ifToken{op: b})
		} else {
			toks = append(toks, ifToken{lit: b})
		}
	}
	ip := &ifParser{toks: toks, p: p}
	cond, err := ip.expression(0, 0)
	if err != nil {
		return nil, err
	}
	if ip.pos < len(ip.toks) {
		t := ip.toks[ip.pos]
		return nil, fmt.Errorf("Unused '%s' at end of if expression.", t.op+t.lit)
	}
	return cond, nil
}

func (ip *ifParser) lbp() int {
	if ip.pos >= len(ip.toks) {
		return 0
	}
	t := ip.toks[ip.pos]
	if t.op == "" {
		return 0
	}
	return opPower[t.op]
}

func (ip *ifParser) expression(rbp, depth int) (condition, error) {
	if depth > maxNesting {
		return nil, fmt.Errorf("if expression is nested too deeply")
	}
	if ip.pos >= len(ip.toks) {
		return nil, fmt.Errorf("Unexpected end of expression in if tag.")
	}
	t := ip.toks[ip.pos]
	ip.pos++
	var left condition
	switch {
	case t.op == "":
		e, err := ip.p.CompileExpr(t.lit)
		if err != nil {
			return nil, err
		}
		left = litCond{e}
	case t.op == "not":
		x, err := ip.expression(opPower["not"], depth+1)
		if err != nil {
			return nil, err
		}
		left = &opCond{op: "not", first: x}
	default:
		return nil, fmt.Errorf("Not expecting '%s' in this position in if tag.", t.op)
	}
	for rbp < ip.lbp() {
		t := ip.toks[ip.pos]
		ip.pos++
		if t.op == "not" {
			return nil, fmt.Errorf("Not expecting 'not' as infix operator in if tag.")
		}
		right, err := ip.expression(opPower[t.op], depth+1)
		if err != nil {
			return nil, err
		}
		left = &opCond{op: t.op, first: left, next: right}
	}
	if ip.pos < len(ip.toks) && ip.toks[ip.pos].op == "" {
		return nil, fmt.Errorf("Not expecting '%s' in this position in if tag.", ip.toks[ip.pos].lit)
	}
	return left, nil
}

// ifNode is {% if %}…{% elif %}…{% else %}…{% endif %}.
type ifNode struct {
	conds  []condition // nil entry for else
	bodies []NodeList
}

// Render implements Node.
func (n *ifNode) Render(c *Context) error {
	for i, cond := range n.conds {
		if cond == nil {
			return n.bodies[i].Render(c)
		}
		v, err := cond.eval(c)
		if err != nil {
			return err
		}
		if truthy(v) {
			return n.bodies[i].Render(c)
		}
	}
	return nil
}

func tagIf(p *Parser, t *Token) (Node, error) {
	n := &ifNode{}
	bits := t.SplitContents()[1:]
	for {
		var cond condition
		if bits != nil {
			if len(bits) == 0 {
				return nil, fmt.Errorf("'if' statement requires an argument")
			}
			var err error
			cond, err = parseCondition(p, bits)
			if err != nil {
				return nil, err
			}
		}
		body, end, err := p.Parse("elif", "else", "endif")
		if err != nil {
			return nil, err
		}
		n.conds = append(n.conds, cond)
		n.bodies = append(n.bodies, body)
		parts := end.SplitContents()
		switch {
		case end.Contents == "endif":
			return n, nil
		case parts[0] == "elif":
			if bits == nil {
				return nil, p.Errorf(end, "'elif' after 'else' in if tag")
			}
			bits = parts[1:]
		case end.Contents == "else":
			if bits == nil {
				return nil, p.Errorf(end, "'else' appears twice in if tag")
			}
			bits = nil
			body, end, err := p.Parse("endif")
			if err != nil {
				return nil, err
			}
			if end.Contents != "endif" {
				return nil, p.Errorf(end, "Malformed template tag at line %d: \"%s\"", end.Line, end.Contents)
			}
			n.conds = append(n.conds, nil)
			n.bodies = append(n.bodies, body)
			return n, nil
		default:
			return nil, p.Errorf(end, "Malformed template tag at line %d: \"%s\"", end.Line, end.Contents)
		}
	}
}

// ifEqualNode is the legacy {% ifequal a b %} and {% ifnotequal a b %} (Django 3.2
// still has them, deprecated in favour of {% if a == b %}).
type ifEqualNode struct {
	a, b        *Expr
	negate      bool
	body, other NodeList
}

// Render implements Node.
func (n *ifEqualNode) Render(c *Context) error {
	a, err := n.a.resolve(c, true)
	if err != nil {
		return err
	}
	b, err := n.b.resolve(c, true)
	if err != nil {
		return err
	}
	if pyEqual(a, b) != n.negate {
		return n.body.Render(c)
	}
	return n.other.Render(c)
}

func tagIfEqual(negate bool) TagFunc {
	return func(p *Parser, t *Token) (Node, error) {
		bits := t.SplitContents()
		if len(bits) != 3 {
			return nil, fmt.Errorf("%s takes two arguments", pyRepr(bits[0]))
		}
		endTag := "end" + bits[0]
		n := &ifEqualNode{negate: negate}
		body, end, err := p.Parse("else", endTag)
		if err != nil {
			return nil, err
		}
		n.body = body
		if end.Contents == "else" {
			if n.other, _, err = p.Parse(endTag); err != nil {
				return nil, err
			}
		}
		if n.a, err = p.CompileExpr(bits[1]); err != nil {
			return nil, err
		}
		if n.b, err = p.CompileExpr(bits[2]); err != nil {
			return nil, err
		}
		return n, nil
	}
}
