package template

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// Node is a compiled piece of a template. Render appends its output to the context.
type Node interface {
	Render(c *Context) error
}

// NodeList is a sequence of nodes, rendered in order.
type NodeList []Node

// Render renders every node in order.
func (nl NodeList) Render(c *Context) error {
	for _, n := range nl {
		if err := n.Render(c); err != nil {
			return c.annotate(n, err)
		}
	}
	return nil
}

// RenderString renders the nodes and returns their output instead of appending it,
// for tags that transform their body ({% filter %}, {% spaceless %}).
func (nl NodeList) RenderString(c *Context) (string, error) { return renderBody(c, nl) }

// TagFunc compiles one block tag. It gets the parser (to parse nested content up to
// an end tag, and to compile expressions) and the tag's token.
type TagFunc func(p *Parser, t *Token) (Node, error)

// maxNesting bounds how deeply block tags may nest, so hostile templates cannot
// exhaust the stack.
const maxNesting = 200

// Parser compiles a token stream into nodes. Tag functions use it to parse their
// bodies and arguments.
type Parser struct {
	toks    []Token
	i       int
	src     string
	name    string
	engine  *Engine
	filters map[string]*filterDef
	tags    map[string]TagFunc
	depth   int
	tmpl    *Template

	cycles     map[string]*cycleNode
	lastCycle  *cycleNode
	blockNames map[string]bool
	sawNode    bool // a non-text node has been parsed (extends must come first)
}

func newParser(e *Engine, name, src string, tmpl *Template) *Parser {
	p := &Parser{toks: lex(src), src: src, name: name, engine: e, tmpl: tmpl,
		filters: map[string]*filterDef{}, tags: map[string]TagFunc{}}
	p.addLibrary(builtinLibrary)
	for _, lib := range e.builtins {
		p.addLibrary(lib)
	}
	return p
}

func (p *Parser) addLibrary(l *Library) {
	for k, v := range l.filters {
		p.filters[k] = v
	}
	for k, v := range l.tags {
		p.tags[k] = v
	}
}

// Errorf returns a syntax error located at token t.
func (p *Parser) Errorf(t *Token, format string, args ...any) error {
	e := &Error{Template: p.name, Msg: fmt.Sprintf(format, args...), Syntax: true}
	if t != nil {
		e.Line, e.Column = t.Line, t.Column
		e.Source = sourceLine(p.src, t.pos)
		e.Excerpt = excerpt(p.src, t.Line, t.Column)
	}
	return e
}

func (p *Parser) wrap(t *Token, err error) error {
	var te *Error
	if errors.As(err, &te) {
		return err
	}
	e := p.Errorf(t, "%s", err.Error()).(*Error)
	e.Err = err
	return e
}

// CompileExpr compiles a filter expression such as `name|lower|default:"x"`.
func (p *Parser) CompileExpr(s string) (*Expr, error) {
	e, err := compileExpr(s, func(name string) *filterDef { return p.filters[name] })
	var ife *invalidFilterError
	if errors.As(err, &ife) {
		names := make([]string, 0, len(p.filters))
		for n := range p.filters {
			names = append(names, n)
		}
		ife.suggestion = nearestName(ife.name, names)
	}
	return e, err
}

// Parse parses nodes until one of the given end tags (returned, not consumed beyond)
// or, with no end tags, to the end of the template.
func (p *Parser) Parse(until ...string) (NodeList, *Token, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxNesting {
		var t *Token
		if p.i > 0 && p.i <= len(p.toks) {
			t = &p.toks[p.i-1]
		}
		return nil, nil, p.Errorf(t, "template nesting is deeper than %d levels", maxNesting)
	}
	var nodes NodeList
	for p.i < len(p.toks) {
		t := &p.toks[p.i]
		p.i++
		switch t.typ {
		case tokenText:
			nodes = append(nodes, &textNode{s: t.Contents})
		case tokenComment:
		case tokenVar:
			if t.Contents == "" {
				return nil, nil, p.Errorf(t, "Empty variable tag on line %d", t.Line)
			}
			e, err := p.CompileExpr(t.Contents)
			if err != nil {
				return nil, nil, p.wrap(t, err)
			}
			n := newVarNode(e)
			p.record(n, t)
			nodes = append(nodes, n)
			p.sawNode = true
		case tokenBlock:
			if t.Contents == "" {
				return nil, nil, p.Errorf(t, "Empty block tag on line %d", t.Line)
			}
			cmd := pyFields(t.Contents)[0]
			for _, u := range until {
				if cmd == u {
					return nodes, t, nil
				}
			}
			fn := p.tags[cmd]
			if fn == nil {
				if len(until) > 0 {
					return nil, nil, p.Errorf(t, "Invalid block tag on line %d: '%s', expected %s. Did you forget to register or load this tag?", t.Line, cmd, quoteList(until))
				}
				return nil, nil, p.Errorf(t, "Invalid block tag on line %d: '%s'. Did you forget to register or load this tag?", t.Line, cmd)
			}
			n, err := fn(p, t)
			if err != nil {
				return nil, nil, p.wrap(t, err)
			}
			p.sawNode = true // {% load %} and {% comment %} count: extends must come first
			if n == nil {
				continue
			}
			p.record(n, t)
			nodes = append(nodes, n)
		}
	}
	if len(until) > 0 {
		var t *Token
		if len(p.toks) > 0 {
			t = &p.toks[len(p.toks)-1]
		}
		return nil, nil, p.Errorf(t, "Unclosed tag: expected %s", quoteList(until))
	}
	return nodes, nil, nil
}

// NextToken returns the next token and consumes it, or nil at the end of the
// template. Tags whose body is not ordinary template code (the i18n battery's
// blocktranslate takes only text and {{ variables }}) read their body with it.
func (p *Parser) NextToken() *Token {
	if p.i >= len(p.toks) {
		return nil
	}
	p.i++
	return &p.toks[p.i-1]
}

// SkipPast discards tokens up to and including the block tag `end`, as the comment
// tag does.
func (p *Parser) SkipPast(end string) error {
	start := p.i - 1
	for p.i < len(p.toks) {
		t := &p.toks[p.i]
		p.i++
		if t.typ == tokenBlock && t.Contents == end {
			return nil
		}
	}
	var t *Token
	if start >= 0 && start < len(p.toks) {
		t = &p.toks[start]
	}
	return p.Errorf(t, "Unclosed tag: expected '%s'", end)
}

func (p *Parser) record(n Node, t *Token) {
	if p.tmpl == nil {
		return
	}
	if rt := reflect.TypeOf(n); rt.Kind() != reflect.Pointer {
		return
	}
	if p.tmpl.positions == nil {
		p.tmpl.positions = map[Node]*Token{}
	}
	p.tmpl.positions[n] = t
}

func quoteList(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = "'" + x + "'"
	}
	return strings.Join(q, " or ")
}

// annotate attaches the template, line and source of node n to a render error.
func (c *Context) annotate(n Node, err error) error {
	var te *Error
	if errors.As(err, &te) {
		return err
	}
	var tdne *TemplateDoesNotExist
	e := &Error{Msg: err.Error(), Err: err}
	if errors.As(err, &tdne) {
		e.Msg = tdne.Error()
	}
	if c.tmpl != nil {
		e.Template = c.tmpl.name
		if rt := reflect.TypeOf(n); rt != nil && rt.Kind() == reflect.Pointer {
			if t, ok := c.tmpl.positions[n]; ok {
				e.Line, e.Column = t.Line, t.Column
				e.Source = sourceLine(c.tmpl.src, t.pos)
				e.Excerpt = excerpt(c.tmpl.src, t.Line, t.Column)
			}
		}
	}
	return e
}

// textNode is literal template text.
type textNode struct{ s string }

// Render implements Node.
func (n *textNode) Render(c *Context) error {
	c.out = append(c.out, n.s...)
	return nil
}

// varNode is {{ expression }}.
type varNode struct {
	e *Expr
}

func newVarNode(e *Expr) *varNode { return &varNode{e: e} }

// Render implements Node.
func (n *varNode) Render(c *Context) error {
	if len(n.e.filters) == 0 {
		v, found, err := n.e.v.resolve(c)
		if err != nil {
			return err
		}
		if found {
			c.writeValue(v)
		} else if c.engine != nil && c.engine.undefined != nil {
			c.reportUndefined(n, n.e.raw)
		}
		return nil
	}
	v, err := n.e.resolve(c, false)
	if err != nil {
		return err
	}
	c.writeValue(v)
	return nil
}

// reportUndefined tells the engine's UndefinedVariables function where a variable
// rendered as nothing.
func (c *Context) reportUndefined(n Node, variable string) {
	name, line := "<string>", 0
	if c.tmpl != nil {
		if c.tmpl.name != "" {
			name = c.tmpl.name
		}
		if t, ok := c.tmpl.positions[n]; ok {
			line = t.Line
		}
	}
	c.engine.undefined(name, line, variable)
}
