package template

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
)

func init() {
	// Filling the builtin library's tag table here (not in its declaration) breaks an
	// initialisation cycle: tags refer to the parser, which refers to the library.
	for name, fn := range map[string]TagFunc{
		"autoescape": tagAutoescape, "block": tagBlock, "comment": tagComment,
		"csrf_token": tagCSRFToken, "cycle": tagCycle, "debug": tagDebug,
		"extends": tagExtends, "filter": tagFilter, "firstof": tagFirstOf, "for": tagFor,
		"if": tagIf, "ifchanged": tagIfChanged,
		"ifequal": tagIfEqual(false), "ifnotequal": tagIfEqual(true), "include": tagInclude, "load": tagLoad,
		"lorem": tagLorem, "now": tagNow, "regroup": tagRegroup, "resetcycle": tagResetCycle,
		"spaceless": tagSpaceless, "templatetag": tagTemplateTag, "url": tagURL,
		"verbatim": tagVerbatim, "widthratio": tagWidthRatio, "with": tagWith,
	} {
		builtinLibrary.tags[name] = fn
	}
}

// renderBody renders nl and returns its output, leaving c.out as it was.
func renderBody(c *Context, nl NodeList) (string, error) {
	start := len(c.out)
	err := nl.Render(c)
	s := string(c.out[start:])
	c.out = c.out[:start]
	return s, err
}

// ---- autoescape ----

type autoescapeNode struct {
	on   bool
	body NodeList
}

// Render implements Node.
func (n *autoescapeNode) Render(c *Context) error {
	prev := c.Autoescape
	c.Autoescape = n.on
	err := n.body.Render(c)
	c.Autoescape = prev
	return err
}

func tagAutoescape(p *Parser, t *Token) (Node, error) {
	bits := t.SplitContents()
	if len(bits) != 2 || (bits[1] != "on" && bits[1] != "off") {
		return nil, fmt.Errorf("'autoescape' argument should be 'on' or 'off'")
	}
	body, _, err := p.Parse("endautoescape")
	if err != nil {
		return nil, err
	}
	return &autoescapeNode{on: bits[1] == "on", body: body}, nil
}

// ---- comment, verbatim, templatetag, csrf_token ----

func tagComment(p *Parser, t *Token) (Node, error) {
	return nil, p.SkipPast("endcomment")
}

func tagVerbatim(p *Parser, t *Token) (Node, error) {
	body, _, err := p.Parse("endverbatim")
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	for _, n := range body {
		if tn, ok := n.(*textNode); ok {
			b.WriteString(tn.s)
		}
	}
	return &textNode{s: b.String()}, nil
}

var templateTagMapping = map[string]string{
	"openblock": "{%", "closeblock": "%}", "openvariable": "{{", "closevariable": "}}",
	"openbrace": "{", "closebrace": "}", "opencomment": "{#", "closecomment": "#}",
}

func tagTemplateTag(p *Parser, t *Token) (Node, error) {
	bits := t.SplitContents()
	if len(bits) != 2 {
		return nil, fmt.Errorf("'templatetag' statement takes one argument")
	}
	s, ok := templateTagMapping[bits[1]]
	if !ok {
		keys := make([]string, 0, len(templateTagMapping))
		for k := range templateTagMapping {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return nil, fmt.Errorf("Invalid templatetag argument: '%s'. Must be one of: %s", bits[1], strings.Join(keys, ", "))
	}
	return &textNode{s: s}, nil
}

type csrfNode struct{}

// Render implements Node.
func (csrfNode) Render(c *Context) error {
	v, ok := c.lookup("csrf_token")
	if !ok || !truthy(v) {
		return nil
	}
	tok := toString(v)
	if tok == "NOTPROVIDED" {
		return nil
	}
	c.out = append(c.out, `<input type="hidden" name="csrfmiddlewaretoken" value="`...)
	c.out = appendEscaped(c.out, tok)
	c.out = append(c.out, `">`...)
	return nil
}

func tagCSRFToken(p *Parser, t *Token) (Node, error) { return &csrfNode{}, nil }

// ---- cycle / resetcycle ----

type cycleNode struct {
	values []*Expr
	name   string
	silent bool
}

type cycleState struct{ i int }

// Render implements Node.
func (n *cycleNode) Render(c *Context) error {
	if c.state == nil {
		c.state = map[any]any{}
	}
	st, _ := c.state[n].(*cycleState)
	if st == nil {
		st = &cycleState{}
		c.state[n] = st
	}
	e := n.values[st.i%len(n.values)]
	st.i++
	v, err := e.resolve(c, false)
	if err != nil {
		return err
	}
	if n.name != "" {
		c.setUpward(n.name, v)
	}
	if !n.silent {
		c.writeValue(v)
	}
	return nil
}

// setUpward updates name in the scope that defines it, or binds it in the innermost.
func (c *Context) setUpward(name string, v reflect.Value) {
	for i := len(c.vars) - 1; i >= 0; i-- {
		if c.vars[i].name == name {
			c.vars[i].val = v
			return
		}
	}
	c.set(name, v)
}

func tagCycle(p *Parser, t *Token) (Node, error) {
	args := t.SplitContents()
	if len(args) < 2 {
		return nil, fmt.Errorf("'cycle' tag requires at least two arguments")
	}
	if len(args) == 2 {
		// {% cycle name %}: a reference to a named cycle.
		if p.cycles == nil {
			return nil, fmt.Errorf("No named cycles in template. '%s' is not defined", args[1])
		}
		n := p.cycles[args[1]]
		if n == nil {
			return nil, fmt.Errorf("Named cycle '%s' does not exist", args[1])
		}
		return n, nil
	}
	n := &cycleNode{}
	vals := args[1:]
	// Django's rule: only with more than four words can the end be "as name"
	// (or "as name silent"); otherwise every word is a value.
	if len(args) > 4 {
		switch {
		case args[len(args)-3] == "as":
			if args[len(args)-1] != "silent" {
				return nil, fmt.Errorf("Only 'silent' flag is allowed after cycle's name, not '%s'.", args[len(args)-1])
			}
			n.name, n.silent = args[len(args)-2], true
			vals = args[1 : len(args)-3]
		case args[len(args)-2] == "as":
			n.name = args[len(args)-1]
			vals = args[1 : len(args)-2]
		}
	}
	for _, v := range vals {
		e, err := p.CompileExpr(v)
		if err != nil {
			return nil, err
		}
		n.values = append(n.values, e)
	}
	if len(n.values) == 0 {
		return nil, fmt.Errorf("'cycle' tag requires at least one value")
	}
	if n.name != "" {
		if p.cycles == nil {
			p.cycles = map[string]*cycleNode{}
		}
		p.cycles[n.name] = n
	}
	p.lastCycle = n
	return n, nil
}

type resetCycleNode struct{ node *cycleNode }

// Render implements Node.
func (n *resetCycleNode) Render(c *Context) error {
	if c.state != nil {
		delete(c.state, n.node)
	}
	return nil
}

func tagResetCycle(p *Parser, t *Token) (Node, error) {
	args := t.SplitContents()
	switch len(args) {
	case 1:
		if p.lastCycle == nil {
			return nil, fmt.Errorf("No cycles in template.")
		}
		return &resetCycleNode{p.lastCycle}, nil
	case 2:
		n := p.cycles[args[1]]
		if n == nil {
			return nil, fmt.Errorf("Named cycle '%s' does not exist.", args[1])
		}
		return &resetCycleNode{n}, nil
	}
	return nil, fmt.Errorf("'resetcycle' tag accepts at most one argument")
}

// ---- debug ----

type debugNode struct{}

// Render implements Node. Outside debug mode it renders nothing, as in Django: a
// {% debug %} left in a template must not print the context (the request, tokens,
// users) on a production page.
func (debugNode) Render(c *Context) error {
	if c.engine == nil || !c.engine.debug {
		return nil
	}
	var b []byte
	for i := len(c.vars) - 1; i >= 0; i-- {
		b = append(b, c.vars[i].name...)
		b = append(b, ": "...)
		b = appendStr(b, c.vars[i].val, true)
		b = append(b, '\n')
	}
	if c.rootMap != nil {
		b = appendStr(b, reflect.ValueOf(c.rootMap), true)
	} else if c.root.IsValid() {
		b = appendStr(b, c.root, true)
	}
	c.out = appendEscaped(c.out, string(b))
	return nil
}

func tagDebug(p *Parser, t *Token) (Node, error) { return debugNode{}, nil }

// ---- filter ----

type filterNode struct {
	e    *Expr
	body NodeList
}

// Render implements Node.
func (n *filterNode) Render(c *Context) error {
	out, err := renderBody(c, n.body)
	if err != nil {
		return err
	}
	c.Push()
	c.set("var", reflect.ValueOf(SafeString(out)))
	v, err := n.e.resolve(c, false)
	c.Pop()
	if err != nil {
		return err
	}
	c.out = appendStr(c.out, v, false)
	return nil
}

func tagFilter(p *Parser, t *Token) (Node, error) {
	rest := ""
	if i := strings.IndexFunc(t.Contents, isPySpace); i >= 0 {
		rest = strings.TrimLeftFunc(t.Contents[i:], isPySpace)
	}
	e, err := p.CompileExpr("var|" + rest)
	if err != nil {
		return nil, err
	}
	for _, f := range e.filters {
		if f.def.name == "escape" || f.def.name == "safe" {
			return nil, fmt.Errorf(`"filter %s" is not permitted.  Use the "autoescape" tag instead.`, f.def.name)
		}
	}
	body, _, err := p.Parse("endfilter")
	if err != nil {
		return nil, err
	}
	return &filterNode{e: e, body: body}, nil
}

// ---- firstof ----

type firstOfNode struct {
	vars []*Expr
	as   string
}

// Render implements Node. With "as", the variable gets the value as it would have
// been written (a string, escaped when autoescaping is on), or "" when every value
// is false, as in Django.
func (n *firstOfNode) Render(c *Context) error {
	for _, e := range n.vars {
		v, err := e.resolve(c, true)
		if err != nil {
			return err
		}
		if truthy(v) {
			if n.as != "" {
				c.set(n.as, reflect.ValueOf(c.renderValue(v)))
				return nil
			}
			c.writeValue(v)
			return nil
		}
	}
	if n.as != "" {
		c.set(n.as, emptyString)
	}
	return nil
}

func tagFirstOf(p *Parser, t *Token) (Node, error) {
	bits := t.SplitContents()[1:]
	if len(bits) < 1 {
		return nil, fmt.Errorf("'firstof' statement requires at least one argument")
	}
	n := &firstOfNode{}
	if len(bits) >= 2 && bits[len(bits)-2] == "as" {
		n.as = bits[len(bits)-1]
		bits = bits[:len(bits)-2]
	}
	for _, b := range bits {
		e, err := p.CompileExpr(b)
		if err != nil {
			return nil, err
		}
		n.vars = append(n.vars, e)
	}
	return n, nil
}

// ---- for ----

type forNode struct {
	loopvars []string
	seq      *Expr
	reversed bool
	body     NodeList
	empty    NodeList
}

var forloopName = "forloop"

// Render implements Node.
func (n *forNode) Render(c *Context) error {
	seq, err := n.seq.resolve(c, true)
	if err != nil {
		return err
	}
	// Slices and arrays, the common case, are indexed directly (no closure).
	var count int
	var at func(int) reflect.Value
	direct := indirect(seq)
	if direct.IsValid() && (direct.Kind() == reflect.Slice || direct.Kind() == reflect.Array) {
		count = direct.Len()
	} else if direct.IsValid() {
		direct = reflect.Value{}
		var ok bool
		if count, at, ok = pyIter(seq); !ok {
			return fmt.Errorf("'%s' object is not iterable", pyTypeName(valueToAny(seq)))
		}
	}
	if count == 0 {
		return n.empty.Render(c)
	}
	parent := c.forloop
	var fl *ForLoop
	if n := len(c.freeLoops); n > 0 {
		fl = c.freeLoops[n-1]
		c.freeLoops = c.freeLoops[:n-1]
		*fl = ForLoop{Parentloop: parent}
	} else {
		fl = &ForLoop{Parentloop: parent}
	}
	c.forloop = fl
	c.Push()
	c.vars = append(c.vars, binding{forloopName, reflect.ValueOf(fl)})
	slot := len(c.vars)
	unpack := len(n.loopvars) > 1
	for _, name := range n.loopvars {
		c.vars = append(c.vars, binding{name: name})
	}
	defer func() {
		c.Pop()
		c.forloop = parent
		fl.Parentloop, fl.state = nil, nil
		c.freeLoops = append(c.freeLoops, fl)
	}()
	for i := 0; i < count; i++ {
		idx := i
		if n.reversed {
			idx = count - 1 - i
		}
		if err := c.step(); err != nil {
			return err
		}
		var item reflect.Value
		if at == nil {
			item = direct.Index(idx)
		} else {
			item = at(idx)
		}
		fl.Counter0, fl.Counter = i, i+1
		fl.Revcounter, fl.Revcounter0 = count-i, count-i-1
		fl.First, fl.Last = i == 0, i == count-1
		// Bindings made inside the body ({% cycle as %}, {% firstof as %}) live in
		// the loop's scope and carry over to the next iteration, except when
		// unpacking: Django pushes a scope per iteration for the unpacked names.
		if unpack && len(c.vars) > slot+len(n.loopvars) {
			clear(c.vars[slot+len(n.loopvars):])
			c.vars = c.vars[:slot+len(n.loopvars)]
		}
		if unpack {
			l, ok := length(item)
			if !ok {
				l = 1
			}
			if l != len(n.loopvars) {
				return fmt.Errorf("Need %d values to unpack in for loop; got %d. ", len(n.loopvars), l)
			}
			m, itemAt, _ := pyIter(item)
			for j := range n.loopvars {
				if j < m {
					c.vars[slot+j].val = itemAt(j)
				}
			}
		} else {
			c.vars[slot].val = item
		}
		if err := n.body.Render(c); err != nil {
			return err
		}
	}
	return nil
}

func tagFor(p *Parser, t *Token) (Node, error) {
	bits := t.SplitContents()
	if len(bits) < 4 {
		return nil, fmt.Errorf("'for' statements should have at least four words: %s", t.Contents)
	}
	n := &forNode{}
	inIdx := len(bits) - 2
	if bits[len(bits)-1] == "reversed" {
		n.reversed = true
		inIdx = len(bits) - 3
	}
	if inIdx < 2 || bits[inIdx] != "in" {
		return nil, fmt.Errorf("'for' statements should use the format 'for x in y': %s", t.Contents)
	}
	vars := strings.Join(bits[1:inIdx], " ")
	for _, v := range strings.Split(vars, ",") {
		v = strings.Trim(v, " ")
		if v == "" || strings.ContainsAny(v, " \"'|") {
			return nil, fmt.Errorf("'for' tag received an invalid argument: %s", t.Contents)
		}
		n.loopvars = append(n.loopvars, v)
	}
	seq, err := p.CompileExpr(bits[inIdx+1])
	if err != nil {
		return nil, err
	}
	n.seq = seq
	body, end, err := p.Parse("empty", "endfor")
	if err != nil {
		return nil, err
	}
	n.body = body
	if end.Contents == "empty" {
		n.empty, _, err = p.Parse("endfor")
		if err != nil {
			return nil, err
		}
	}
	return n, nil
}

// ---- ifchanged ----

type ifChangedNode struct {
	vars      []*Expr
	body, alt NodeList
}

type ifChangedState struct {
	set  bool
	prev any
}

// Render implements Node.
func (n *ifChangedNode) Render(c *Context) error {
	var frame map[any]any
	if c.forloop != nil {
		if c.forloop.state == nil {
			c.forloop.state = map[any]any{}
		}
		frame = c.forloop.state
	} else {
		if c.state == nil {
			c.state = map[any]any{}
		}
		frame = c.state
	}
	st, _ := frame[n].(*ifChangedState)
	if st == nil {
		st = &ifChangedState{}
		frame[n] = st
	}
	if len(n.vars) == 0 {
		start := len(c.out)
		if err := n.body.Render(c); err != nil {
			return err
		}
		out := string(c.out[start:])
		if st.set && st.prev == out {
			c.out = c.out[:start]
			return n.alt.Render(c)
		}
		st.set, st.prev = true, out
		return nil
	}
	vals := make([]reflect.Value, len(n.vars))
	for i, e := range n.vars {
		v, err := e.resolve(c, true)
		if err != nil {
			return err
		}
		vals[i] = v
	}
	if prev, ok := st.prev.([]reflect.Value); st.set && ok && len(prev) == len(vals) {
		same := true
		for i := range vals {
			if !pyEqual(prev[i], vals[i]) {
				same = false
				break
			}
		}
		if same {
			return n.alt.Render(c)
		}
	}
	st.set, st.prev = true, vals
	return n.body.Render(c)
}

func tagIfChanged(p *Parser, t *Token) (Node, error) {
	n := &ifChangedNode{}
	for _, b := range t.SplitContents()[1:] {
		e, err := p.CompileExpr(b)
		if err != nil {
			return nil, err
		}
		n.vars = append(n.vars, e)
	}
	body, end, err := p.Parse("else", "endifchanged")
	if err != nil {
		return nil, err
	}
	n.body = body
	if end.Contents == "else" {
		if n.alt, _, err = p.Parse("endifchanged"); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// ---- load ----

func tagLoad(p *Parser, t *Token) (Node, error) {
	bits := t.SplitContents()[1:]
	lookup := func(name string) (*Library, error) {
		if lib, ok := p.engine.libraries[name]; ok {
			return lib, nil
		}
		names := make([]string, 0, len(p.engine.libraries))
		for k := range p.engine.libraries {
			names = append(names, k)
		}
		sort.Strings(names)
		hint := ""
		switch name {
		case "static":
			hint = " (the static files app registers it: install static.App, or &static.Files{Dirs: ...} for the project's own files, in galvani.New before template.Setup; see docs/static.md)"
		case "i18n", "tz":
			hint = " (the i18n battery registers it: install its app, or add its library with template.Libraries)"
		}
		return nil, fmt.Errorf("'%s' is not a registered tag library%s. Must be one of:\n%s", name, hint, strings.Join(names, "\n"))
	}
	if len(bits) >= 3 && bits[len(bits)-2] == "from" {
		lib, err := lookup(bits[len(bits)-1])
		if err != nil {
			return nil, err
		}
		for _, name := range bits[:len(bits)-2] {
			if f, ok := lib.filters[name]; ok {
				p.filters[name] = f
			} else if tg, ok := lib.tags[name]; ok {
				p.tags[name] = tg
			} else {
				return nil, fmt.Errorf("'%s' is not a valid tag or filter in tag library '%s'", name, bits[len(bits)-1])
			}
		}
		return nil, nil
	}
	for _, name := range bits {
		lib, err := lookup(name)
		if err != nil {
			return nil, err
		}
		p.addLibrary(lib)
	}
	return nil, nil
}

// ---- lorem ----

type loremNode struct {
	count  *Expr
	method string
	random bool
}

// Render implements Node.
func (n *loremNode) Render(c *Context) error {
	v, err := n.count.resolve(c, false)
	if err != nil {
		return err
	}
	count := 1
	if num, ok := toInt(valueToAny(v)); ok {
		count = num
	}
	count = min(count, 10000)
	for range max(count, 0) / 10 {
		if err := c.step(); err != nil {
			return err
		}
	}
	switch n.method {
	case "w":
		c.out = append(c.out, loremWords(count, !n.random)...)
	case "p":
		for i, para := range loremParagraphs(count, !n.random) {
			if i > 0 {
				c.out = append(c.out, "\n\n"...)
			}
			c.out = append(c.out, "<p>"...)
			c.out = append(c.out, para...)
			c.out = append(c.out, "</p>"...)
		}
	default:
		c.out = append(c.out, strings.Join(loremParagraphs(count, !n.random), "\n\n")...)
	}
	return nil
}

func tagLorem(p *Parser, t *Token) (Node, error) {
	bits := t.SplitContents()[1:]
	n := &loremNode{method: "b"}
	if len(bits) > 0 && bits[len(bits)-1] == "random" {
		n.random = true
		bits = bits[:len(bits)-1]
	}
	if len(bits) > 0 {
		if m := bits[len(bits)-1]; m == "w" || m == "p" || m == "b" {
			n.method = m
			bits = bits[:len(bits)-1]
		}
	}
	countSrc := "1"
	if len(bits) > 0 {
		countSrc = bits[0]
		bits = bits[1:]
	}
	if len(bits) > 0 {
		return nil, fmt.Errorf("Incorrect format for 'lorem' tag")
	}
	e, err := p.CompileExpr(countSrc)
	if err != nil {
		return nil, err
	}
	n.count = e
	return n, nil
}

// ---- now ----

type nowNode struct {
	format string
	as     string
}

// Render implements Node.
func (n *nowNode) Render(c *Context) error {
	s, _, _ := formatDateTime(c.names(), reflect.ValueOf(c.now()), c.getFormat(n.format, "DATE_FORMAT", c.L10n.Localize), false)
	if n.as != "" {
		c.set(n.as, reflect.ValueOf(s))
		return nil
	}
	c.out = append(c.out, s...)
	return nil
}

// tagNow is {% now "format" %} and {% now "format" as var %}. As in Django, the
// argument is not an expression: its first and last characters (the quotes) are
// dropped and the rest is the format, written out unescaped.
func tagNow(p *Parser, t *Token) (Node, error) {
	bits := t.SplitContents()
	n := &nowNode{}
	if len(bits) == 4 && bits[2] == "as" {
		n.as = bits[3]
		bits = bits[:2]
	}
	if len(bits) != 2 {
		return nil, fmt.Errorf("'now' statement takes one argument")
	}
	if rs := []rune(bits[1]); len(rs) > 2 {
		n.format = string(rs[1 : len(rs)-1])
	}
	return n, nil
}

// ---- regroup ----

// Group is one group made by {% regroup %}: the shared value and the items.
type Group struct {
	Grouper any
	List    []any
}

type regroupNode struct {
	target *Expr
	attr   *Expr
	as     string
}

// Render implements Node.
func (n *regroupNode) Render(c *Context) error {
	obj, err := n.target.resolve(c, true)
	if err != nil {
		return err
	}
	if !unwrapIface(obj).IsValid() {
		c.set(n.as, reflect.ValueOf([]Group{}))
		return nil
	}
	count, at, ok := pyIter(obj)
	if !ok {
		return fmt.Errorf("'%s' object is not iterable", pyTypeName(valueToAny(obj)))
	}
	var groups []Group
	for i := 0; i < count; i++ {
		item := at(i)
		c.set(n.as, item)
		key, err := n.attr.resolve(c, true)
		if err != nil {
			return err
		}
		if len(groups) > 0 && pyEqual(reflect.ValueOf(groups[len(groups)-1].Grouper), key) {
			groups[len(groups)-1].List = append(groups[len(groups)-1].List, valueToAny(item))
			continue
		}
		groups = append(groups, Group{Grouper: valueToAny(key), List: []any{valueToAny(item)}})
	}
	c.set(n.as, reflect.ValueOf(groups))
	return nil
}

func tagRegroup(p *Parser, t *Token) (Node, error) {
	bits := t.SplitContents()
	if len(bits) != 6 {
		return nil, fmt.Errorf("'regroup' tag takes five arguments")
	}
	if bits[2] != "by" {
		return nil, fmt.Errorf("second argument to 'regroup' tag must be 'by'")
	}
	if bits[4] != "as" {
		return nil, fmt.Errorf("next-to-last argument to 'regroup' tag must be 'as'")
	}
	target, err := p.CompileExpr(bits[1])
	if err != nil {
		return nil, err
	}
	attr, err := p.CompileExpr(bits[5] + "." + bits[3])
	if err != nil {
		return nil, err
	}
	return &regroupNode{target: target, attr: attr, as: bits[5]}, nil
}

// ---- spaceless ----

var spaceBetweenTags = regexp.MustCompile(`>[` + pyWS + `]+<`)

type spacelessNode struct{ body NodeList }

// Render implements Node.
func (n *spacelessNode) Render(c *Context) error {
	start := len(c.out)
	if err := n.body.Render(c); err != nil {
		return err
	}
	out := []byte(pyStrip(string(c.out[start:])))
	out = spaceBetweenTags.ReplaceAll(out, []byte("><"))
	c.out = append(c.out[:start], out...)
	return nil
}

func tagSpaceless(p *Parser, t *Token) (Node, error) {
	body, _, err := p.Parse("endspaceless")
	if err != nil {
		return nil, err
	}
	return &spacelessNode{body}, nil
}

// ---- url ----

type urlNode struct {
	name *Expr
	args []*Expr
	as   string
}

// Render implements Node.
func (n *urlNode) Render(c *Context) error {
	nv, err := n.name.resolve(c, false)
	if err != nil {
		return err
	}
	args := make([]any, len(n.args))
	for i, a := range n.args {
		v, err := a.resolve(c, false)
		if err != nil {
			return err
		}
		args[i] = valueToAny(v)
		if s, ok := args[i].(SafeString); ok {
			args[i] = string(s)
		}
	}
	name := toString(nv)
	if c.engine == nil || c.engine.urlFunc == nil {
		return fmt.Errorf("{%% url %q %%}: the engine has no URL resolver (use template.ForApp or template.URLResolver)", name)
	}
	u, err := c.engine.urlFunc(name, args...)
	if err != nil {
		if n.as != "" {
			c.set(n.as, emptyString)
			return nil
		}
		return err
	}
	if c.engine.urlLocalize != nil {
		u = c.engine.urlLocalize(c.Request, u)
	}
	if n.as != "" {
		c.set(n.as, reflect.ValueOf(u))
		return nil
	}
	c.writeValue(reflect.ValueOf(u))
	return nil
}

func tagURL(p *Parser, t *Token) (Node, error) {
	bits := t.SplitContents()
	if len(bits) < 2 {
		return nil, fmt.Errorf("'url' takes at least one argument, a URL pattern name.")
	}
	n := &urlNode{}
	var err error
	if n.name, err = p.CompileExpr(bits[1]); err != nil {
		return nil, err
	}
	rest := bits[2:]
	if len(rest) >= 2 && rest[len(rest)-2] == "as" {
		n.as = rest[len(rest)-1]
		rest = rest[:len(rest)-2]
	}
	for _, a := range rest {
		if k, _, ok := strings.Cut(a, "="); ok && isIdent(k) {
			return nil, fmt.Errorf("'url' keyword argument %q: Galvani routes take arguments in pattern order; pass them positionally", k)
		}
		e, err := p.CompileExpr(a)
		if err != nil {
			return nil, err
		}
		n.args = append(n.args, e)
	}
	return n, nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !isWordRune(r) {
			return false
		}
	}
	return true
}

// ---- widthratio ----

type widthRatioNode struct {
	val, max, width *Expr
	as              string
}

// Render implements Node.
func (n *widthRatioNode) Render(c *Context) error {
	result := ""
	vv, err := n.val.resolve(c, false)
	if err != nil {
		return err
	}
	mv, err := n.max.resolve(c, false)
	if err != nil {
		return err
	}
	wv, err := n.width.resolve(c, false)
	if err != nil {
		return err
	}
	width, ok := toInt(valueToAny(wv))
	if !ok {
		return fmt.Errorf("widthratio final argument must be a number")
	}
	val, ok1 := toFloat(valueToAny(vv))
	mx, ok2 := toFloat(valueToAny(mv))
	if ok1 && ok2 {
		if mx == 0 {
			result = "0"
		} else if r := val / mx * float64(width); !math.IsInf(r, 0) && !math.IsNaN(r) {
			result = strconv.FormatFloat(math.RoundToEven(r), 'f', 0, 64)
			if result == "-0" {
				result = "0" // Python's round() gives an int, which has no -0
			}
		}
	}
	if n.as != "" {
		c.set(n.as, reflect.ValueOf(result))
		return nil
	}
	c.out = append(c.out, result...)
	return nil
}

func tagWidthRatio(p *Parser, t *Token) (Node, error) {
	bits := t.SplitContents()
	n := &widthRatioNode{}
	switch {
	case len(bits) == 4:
	case len(bits) == 6 && bits[4] == "as":
		n.as = bits[5]
	default:
		return nil, fmt.Errorf("widthratio takes at least three arguments")
	}
	var err error
	if n.val, err = p.CompileExpr(bits[1]); err != nil {
		return nil, err
	}
	if n.max, err = p.CompileExpr(bits[2]); err != nil {
		return nil, err
	}
	if n.width, err = p.CompileExpr(bits[3]); err != nil {
		return nil, err
	}
	return n, nil
}

// ---- with ----

type withNode struct {
	names []string
	exprs []*Expr
	body  NodeList
}

// Render implements Node.
func (n *withNode) Render(c *Context) error {
	vals := make([]reflect.Value, len(n.exprs))
	for i, e := range n.exprs {
		v, err := e.resolve(c, false)
		if err != nil {
			return err
		}
		vals[i] = v
	}
	c.Push()
	for i, name := range n.names {
		c.set(name, vals[i])
	}
	err := n.body.Render(c)
	c.Pop()
	return err
}

// parseKwargs parses name=expr arguments (Django's token_kwargs). With legacy,
// "value as name" pairs joined by "and" are accepted too, as {% with %} allows.
func parseKwargs(p *Parser, bits []string, legacy bool) (names []string, exprs []*Expr, rest []string, err error) {
	if len(bits) == 0 {
		return nil, nil, bits, nil
	}
	kwFormat := isKwarg(bits[0])
	if !kwFormat && (!legacy || len(bits) < 3 || bits[1] != "as") {
		return nil, nil, bits, nil
	}
	for len(bits) > 0 {
		var name, value string
		if kwFormat {
			if !isKwarg(bits[0]) {
				return names, exprs, bits, nil
			}
			name, value, _ = strings.Cut(bits[0], "=")
			bits = bits[1:]
		} else {
			if len(bits) < 3 || bits[1] != "as" {
				return names, exprs, bits, nil
			}
			name, value = bits[2], bits[0]
			bits = bits[3:]
		}
		e, err := p.CompileExpr(value)
		if err != nil {
			return nil, nil, nil, err
		}
		names = append(names, name)
		exprs = append(exprs, e)
		if len(bits) > 0 && !kwFormat {
			if bits[0] != "and" {
				return names, exprs, bits, nil
			}
			bits = bits[1:]
		}
	}
	return names, exprs, bits, nil
}

// isKwarg reports whether a bit is name=value with a word name.
func isKwarg(bit string) bool {
	k, v, ok := strings.Cut(bit, "=")
	return ok && isIdent(k) && v != ""
}

func tagWith(p *Parser, t *Token) (Node, error) {
	bits := t.SplitContents()[1:]
	n := &withNode{}
	names, exprs, rest, err := parseKwargs(p, bits, true)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("'with' expected at least one variable assignment")
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("'with' received an invalid token: '%s'", rest[0])
	}
	n.names, n.exprs = names, exprs
	body, _, err := p.Parse("endwith")
	if err != nil {
		return nil, err
	}
	n.body = body
	return n, nil
}

// ---- block / extends / include ----

type blockNode struct {
	name string
	body NodeList
	tmpl *Template // the template the block was written in, for error locations
}

// renderBlockBody renders b's body as part of the template it was written in.
func renderBlockBody(c *Context, b *blockNode) error {
	prev := c.tmpl
	if b.tmpl != nil {
		c.tmpl = b.tmpl
	}
	err := b.body.Render(c)
	c.tmpl = prev
	return err
}

// blockContext holds, for each block name, the chain of overriding blocks, child
// last (Django's BlockContext).
type blockContext struct {
	blocks map[string][]*blockNode
}

func (bc *blockContext) add(blocks map[string]*blockNode) {
	for name, b := range blocks {
		bc.blocks[name] = append([]*blockNode{b}, bc.blocks[name]...)
	}
}

func (bc *blockContext) pop(name string) *blockNode {
	l := bc.blocks[name]
	if len(l) == 0 {
		return nil
	}
	b := l[len(l)-1]
	bc.blocks[name] = l[:len(l)-1]
	return b
}

func (bc *blockContext) push(name string, b *blockNode) {
	bc.blocks[name] = append(bc.blocks[name], b)
}

func (bc *blockContext) get(name string) *blockNode {
	l := bc.blocks[name]
	if len(l) == 0 {
		return nil
	}
	return l[len(l)-1]
}

// blockRef is the {{ block }} variable inside a block: {{ block.super }} renders
// the parent's version.
type blockRef struct {
	node *blockNode
	c    *Context
	bare bool // rendered outside any {% extends %}
}

// Super renders the overridden block's content from the parent template.
func (b *blockRef) Super() (SafeString, error) {
	c := b.c
	if b.bare {
		return "", fmt.Errorf("{{ block.super }} used in block %q, which overrides no parent block (is it a base template?)", b.node.name)
	}
	if c.blocks == nil || c.blocks.get(b.node.name) == nil {
		return "", nil
	}
	s, err := renderBody(c, NodeList{b.node})
	return SafeString(s), err
}

// Render implements Node.
func (n *blockNode) Render(c *Context) error {
	c.Push()
	defer c.Pop()
	if c.blocks == nil {
		c.set("block", reflect.ValueOf(&blockRef{node: n, c: c, bare: true}))
		return n.body.Render(c)
	}
	block := c.blocks.pop(n.name)
	if block == nil {
		block = n
	}
	c.set("block", reflect.ValueOf(&blockRef{node: block, c: c}))
	err := renderBlockBody(c, block)
	c.blocks.push(n.name, block)
	return err
}

func tagBlock(p *Parser, t *Token) (Node, error) {
	bits := t.SplitContents()
	if len(bits) != 2 {
		return nil, fmt.Errorf("'block' tag takes only one argument")
	}
	name := bits[1]
	if p.blockNames == nil {
		p.blockNames = map[string]bool{}
	}
	if p.blockNames[name] {
		return nil, fmt.Errorf("'block' tag with name '%s' appears more than once", name)
	}
	p.blockNames[name] = true
	body, end, err := p.Parse("endblock")
	if err != nil {
		return nil, err
	}
	if eb := end.SplitContents(); len(eb) > 1 && (len(eb) != 2 || eb[1] != name) {
		return nil, p.Errorf(end, "Invalid block tag on line %d: 'endblock', expected 'endblock' or 'endblock %s'.", end.Line, name)
	}
	n := &blockNode{name: name, body: body, tmpl: p.tmpl}
	if p.tmpl != nil {
		if p.tmpl.blocks == nil {
			p.tmpl.blocks = map[string]*blockNode{}
		}
		p.tmpl.blocks[name] = n
	}
	return n, nil
}

// maxDepth bounds extends chains and include nesting (a template that includes
// itself would otherwise recurse forever).
const maxDepth = 64

type extendsNode struct {
	parent *Expr
	tmpl   *Template
	body   NodeList
}

// Render implements Node.
func (n *extendsNode) Render(c *Context) error {
	if c.depth >= maxDepth {
		return fmt.Errorf("extends/include nesting deeper than %d (a template extending or including itself?)", maxDepth)
	}
	pv, err := n.parent.resolve(c, false)
	if err != nil {
		return err
	}
	var parent *Template
	if t, ok := valueToAny(pv).(*Template); ok {
		parent = t
	} else {
		name := toString(pv)
		if name == "" {
			return fmt.Errorf("Invalid template name in 'extends' tag: %s. Got this from the '%s' variable.", n.parent.raw, n.parent.raw)
		}
		if name, err = resolveRelative(n.tmpl.name, name); err != nil {
			return err
		}
		parent, err = c.engine.getAfter(name, n.tmpl)
		if err != nil {
			return err
		}
	}
	if c.blocks == nil {
		c.blocks = &blockContext{blocks: map[string][]*blockNode{}}
	}
	c.blocks.add(n.tmpl.blocks)
	if parent.extends == nil {
		c.blocks.add(parent.blocks)
	}
	c.depth++
	prevT := c.tmpl
	c.tmpl = parent
	err = parent.nodes.Render(c)
	c.tmpl = prevT
	c.depth--
	return err
}

func tagExtends(p *Parser, t *Token) (Node, error) {
	bits := t.SplitContents()
	if len(bits) != 2 {
		return nil, fmt.Errorf("'extends' takes one argument")
	}
	if p.sawNode || p.depth > 1 {
		return nil, fmt.Errorf("'extends' must be the first tag in the template")
	}
	if p.tmpl != nil && p.tmpl.extends != nil {
		return nil, fmt.Errorf("'extends' cannot appear more than once in the same template")
	}
	e, err := p.CompileExpr(bits[1])
	if err != nil {
		return nil, err
	}
	n := &extendsNode{parent: e, tmpl: p.tmpl}
	if p.tmpl != nil {
		p.tmpl.extends = n
	}
	// Everything after {% extends %} belongs to it: only its blocks matter.
	if n.body, _, err = p.Parse(); err != nil {
		return nil, err
	}
	return n, nil
}

type includeNode struct {
	name  *Expr
	names []string
	exprs []*Expr
	only  bool
	tmpl  *Template
	// constName is the template's name when it is a quoted string (relative names
	// already joined to the including template's), the common case; the template
	// it names is then remembered in cached, so an include inside a loop does not
	// look it up again on every row.
	constName string
	cached    atomic.Pointer[includedTemplate]
}

// includedTemplate is the template a constant-name include found, for the engine
// and the engine's cache generation it was found with.
type includedTemplate struct {
	engine *Engine
	gen    uint64
	t      *Template
}

// constTemplate returns the template of an include whose name is constant. Debug
// mode looks it up every time, since the file may have changed.
func (n *includeNode) constTemplate(c *Context) (*Template, error) {
	e := c.engine
	if e.debug {
		return c.getTemplate(n.constName)
	}
	gen := e.cacheGen.Load()
	if it := n.cached.Load(); it != nil && it.engine == e && it.gen == gen {
		return it.t, nil
	}
	t, err := e.Get(n.constName)
	if err != nil {
		return nil, err
	}
	n.cached.Store(&includedTemplate{engine: e, gen: gen, t: t})
	return t, nil
}

// Render implements Node.
func (n *includeNode) Render(c *Context) error {
	if c.depth >= maxDepth {
		return fmt.Errorf("include nesting deeper than %d (a template including itself?)", maxDepth)
	}
	if err := c.step(); err != nil {
		return err
	}
	if n.constName != "" {
		t, err := n.constTemplate(c)
		if err != nil {
			return err
		}
		return n.renderIncluded(c, t)
	}
	nv, err := n.name.resolve(c, false)
	if err != nil {
		return err
	}
	var t *Template
	switch x := valueToAny(nv).(type) {
	case *Template:
		t = x
	case []string:
		// A list of names: the first that exists (Django's select_template).
		if t, err = c.engine.Select(x...); err != nil {
			return err
		}
	case []any:
		names := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return fmt.Errorf("include: template name %s is not a string", pyRepr(e))
			}
			names[i] = s
		}
		if t, err = c.engine.Select(names...); err != nil {
			return err
		}
	default:
		if !isString(unwrapIface(nv)) || nv.Len() == 0 {
			return fmt.Errorf("include: no template name given (%s is %s)", n.name.raw, pyRepr(valueToAny(nv)))
		}
		name := toString(nv)
		if n.tmpl != nil {
			if name, err = resolveRelative(n.tmpl.name, name); err != nil {
				return err
			}
		}
		if t, err = c.getTemplate(name); err != nil {
			return err
		}
	}
	return n.renderIncluded(c, t)
}

// renderIncluded renders t in place of the include, with the include's with and
// only arguments.
func (n *includeNode) renderIncluded(c *Context, t *Template) error {
	vals := make([]reflect.Value, len(n.exprs))
	for i, e := range n.exprs {
		var err error
		if vals[i], err = e.resolve(c, false); err != nil {
			return err
		}
	}
	// The included template gets its own block and tag state, like Django's
	// isolated render context.
	prevBlocks := c.blocks
	c.blocks = nil
	c.depth++
	defer func() {
		c.blocks = prevBlocks
		c.depth--
	}()
	if n.only {
		vars, marks, root, rootMap, base, fl := c.vars, c.marks, c.root, c.rootMap, c.base, c.forloop
		c.vars, c.marks, c.root, c.rootMap, c.base, c.forloop = nil, nil, reflect.Value{}, nil, nil, nil
		for i, name := range n.names {
			c.set(name, vals[i])
		}
		err := t.renderWith(c)
		c.vars, c.marks, c.root, c.rootMap, c.base, c.forloop = vars, marks, root, rootMap, base, fl
		return err
	}
	c.Push()
	for i, name := range n.names {
		c.set(name, vals[i])
	}
	err := t.renderWith(c)
	c.Pop()
	return err
}

func tagInclude(p *Parser, t *Token) (Node, error) {
	bits := t.SplitContents()
	if len(bits) < 2 {
		return nil, fmt.Errorf("'include' tag takes at least one argument: the name of the template to be included.")
	}
	n := &includeNode{tmpl: p.tmpl}
	var err error
	if n.name, err = p.CompileExpr(bits[1]); err != nil {
		return nil, err
	}
	if v := n.name.v; v.isLiteral && !v.translate && len(n.name.filters) == 0 && v.literal.Kind() == reflect.String && v.literal.Len() > 0 {
		name := v.literal.String()
		if p.tmpl != nil {
			name, err = resolveRelative(p.tmpl.name, name)
		}
		if err == nil {
			n.constName = name // otherwise the render reports the bad name
		}
	}
	rest := bits[2:]
	seen := map[string]bool{}
	for len(rest) > 0 {
		opt := rest[0]
		rest = rest[1:]
		if seen[opt] {
			return nil, fmt.Errorf("The '%s' option was specified more than once.", opt)
		}
		seen[opt] = true
		switch opt {
		case "with":
			names, exprs, r, err := parseKwargs(p, rest, false)
			if err != nil {
				return nil, err
			}
			if len(names) == 0 {
				return nil, fmt.Errorf(`"with" in 'include' tag needs at least one keyword argument.`)
			}
			n.names, n.exprs, rest = names, exprs, r
		case "only":
			n.only = true
		default:
			return nil, fmt.Errorf("Unknown argument for 'include' tag: '%s'.", opt)
		}
	}
	return n, nil
}
