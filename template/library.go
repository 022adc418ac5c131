package template

import (
	"fmt"
	"reflect"
	"strings"
)

// Library is a set of tags and filters. The built-in tags and filters form one;
// batteries and projects make their own and either register them for
// {% load name %} (Engine.AddLibrary, Libraries) or make them built in (Builtins).
type Library struct {
	filters map[string]*filterDef
	tags    map[string]TagFunc
}

// NewLibrary returns an empty library.
func NewLibrary() *Library {
	return &Library{filters: map[string]*filterDef{}, tags: map[string]TagFunc{}}
}

// builtinLibrary holds Django's built-in tags and filters.
var builtinLibrary = NewLibrary()

// FilterFunc is a filter: it gets the value being filtered and the argument after
// the colon (nil when none was given). Returning a SafeString marks the result safe.
type FilterFunc func(value, arg any) (any, error)

// FilterOption configures a filter registration.
type FilterOption func(*filterDef)

// IsSafe declares that the filter never introduces HTML-unsafe characters, so a
// safe input gives a safe output (Django's is_safe=True).
func IsSafe() FilterOption { return func(f *filterDef) { f.isSafe = true } }

// StringFilter declares that the filter works on text (Django's @stringfilter): the
// value is converted to a string first, as Python's str() would print it (None
// becomes "None"), and a safe value stays a SafeString.
func StringFilter() FilterOption { return func(f *filterDef) { f.stringFilter = true } }

// NoArg declares that the filter takes no argument; using one is a syntax error.
func NoArg() FilterOption { return func(f *filterDef) { f.arg = argNone } }

// ArgRequired declares that the filter needs an argument.
func ArgRequired() FilterOption { return func(f *filterDef) { f.arg = argRequired } }

// Filter registers a filter.
func (l *Library) Filter(name string, fn FilterFunc, opts ...FilterOption) {
	f := &filterDef{name: name, fn: func(in, arg any, _ bool) (any, error) { return fn(in, arg) }}
	for _, o := range opts {
		o(f)
	}
	l.filters[name] = f
}

// FilterAutoescape registers a filter that needs to know whether autoescaping is on
// (Django's needs_autoescape), for filters that build HTML around their input.
func (l *Library) FilterAutoescape(name string, fn func(value, arg any, autoescape bool) (any, error), opts ...FilterOption) {
	f := &filterDef{name: name, fn: fn}
	for _, o := range opts {
		o(f)
	}
	l.filters[name] = f
}

// FilterContext registers a filter that needs the render context (the request,
// the time zone in Context.Location...).
func (l *Library) FilterContext(name string, fn func(c *Context, value, arg any) (any, error), opts ...FilterOption) {
	f := &filterDef{name: name, ctxFn: fn}
	for _, o := range opts {
		o(f)
	}
	l.filters[name] = f
}

// Tag registers a block tag compiled by fn.
func (l *Library) Tag(name string, fn TagFunc) { l.tags[name] = fn }

var contextPtrType = reflect.TypeFor[*Context]()

// simpleTagCall holds a parsed simple or inclusion tag use.
type simpleTagCall struct {
	name   string
	fn     reflect.Value
	args   []*Expr
	kwName []string
	kwArgs []*Expr
	as     string
}

// SimpleTag registers a tag that calls fn with its arguments, like Django's
// simple_tag: {% name arg1 arg2 key=value %} or {% name args as var %}. fn is any Go
// func; its first parameter may be *Context (takes_context), and a final
// map[string]any parameter receives key=value arguments. Arguments are converted to
// the parameter types. It returns one value, or a value and an error. The result is
// escaped unless it is a SafeString.
func (l *Library) SimpleTag(name string, fn any) {
	fv := checkTagFunc(name, fn)
	l.tags[name] = func(p *Parser, t *Token) (Node, error) {
		call, err := parseTagCall(p, t, fv, true)
		if err != nil {
			return nil, err
		}
		return &simpleTagNode{call}, nil
	}
}

// InclusionTag registers a tag that renders the template called templateName with
// the data fn returns (a map or struct), like Django's inclusion_tag. fn follows
// SimpleTag's rules for parameters.
func (l *Library) InclusionTag(name, templateName string, fn any) {
	fv := checkTagFunc(name, fn)
	l.tags[name] = func(p *Parser, t *Token) (Node, error) {
		call, err := parseTagCall(p, t, fv, false)
		if err != nil {
			return nil, err
		}
		return &inclusionTagNode{call: call, template: templateName}, nil
	}
}

func checkTagFunc(name string, fn any) reflect.Value {
	fv := reflect.ValueOf(fn)
	if fv.Kind() != reflect.Func || !okResults(fv.Type()) {
		panic(fmt.Sprintf("template: tag %q: want a func returning a value or (value, error), got %T", name, fn))
	}
	return fv
}

func parseTagCall(p *Parser, t *Token, fv reflect.Value, allowAs bool) (*simpleTagCall, error) {
	bits := t.SplitContents()
	call := &simpleTagCall{name: bits[0], fn: fv}
	bits = bits[1:]
	if allowAs && len(bits) >= 2 && bits[len(bits)-2] == "as" {
		call.as = bits[len(bits)-1]
		bits = bits[:len(bits)-2]
	}
	for _, b := range bits {
		if k, v, ok := strings.Cut(b, "="); ok && isIdent(k) {
			e, err := p.CompileExpr(v)
			if err != nil {
				return nil, err
			}
			call.kwName = append(call.kwName, k)
			call.kwArgs = append(call.kwArgs, e)
			continue
		}
		if len(call.kwName) > 0 {
			return nil, fmt.Errorf("'%s' received some positional argument(s) after some keyword argument(s)", call.name)
		}
		e, err := p.CompileExpr(b)
		if err != nil {
			return nil, err
		}
		call.args = append(call.args, e)
	}
	ft := fv.Type()
	nparams := ft.NumIn()
	first := 0
	if nparams > 0 && ft.In(0) == contextPtrType {
		first = 1
	}
	hasKw := nparams > first && ft.In(nparams-1) == reflect.TypeFor[map[string]any]() && !ft.IsVariadic()
	positional := nparams - first
	if hasKw {
		positional--
	}
	if len(call.kwName) > 0 && !hasKw {
		return nil, fmt.Errorf("'%s' received unexpected keyword argument '%s'", call.name, call.kwName[0])
	}
	if ft.IsVariadic() {
		if len(call.args) < positional-1 {
			return nil, fmt.Errorf("'%s' did not receive value(s) for the argument(s): need at least %d", call.name, positional-1)
		}
	} else if len(call.args) != positional {
		if len(call.args) > positional {
			return nil, fmt.Errorf("'%s' received too many positional arguments", call.name)
		}
		return nil, fmt.Errorf("'%s' did not receive value(s) for all its arguments: %d given, %d expected", call.name, len(call.args), positional)
	}
	return call, nil
}

// invoke resolves the arguments and calls the tag function.
func (call *simpleTagCall) invoke(c *Context) (reflect.Value, error) {
	ft := call.fn.Type()
	var in []reflect.Value
	pi := 0
	if ft.NumIn() > 0 && ft.In(0) == contextPtrType {
		in = append(in, reflect.ValueOf(c))
		pi = 1
	}
	for _, a := range call.args {
		v, err := a.resolve(c, false)
		if err != nil {
			return reflect.Value{}, err
		}
		var pt reflect.Type
		if ft.IsVariadic() && pi >= ft.NumIn()-1 {
			pt = ft.In(ft.NumIn() - 1).Elem()
		} else {
			pt = ft.In(pi)
			pi++
		}
		cv, err := convertArg(v, pt)
		if err != nil {
			return reflect.Value{}, fmt.Errorf("'%s' argument %s: %w", call.name, a.raw, err)
		}
		in = append(in, cv)
	}
	if len(call.kwName) > 0 || (ft.NumIn() > pi && ft.In(ft.NumIn()-1) == reflect.TypeFor[map[string]any]() && !ft.IsVariadic()) {
		kw := map[string]any{}
		for i, k := range call.kwName {
			v, err := call.kwArgs[i].resolve(c, false)
			if err != nil {
				return reflect.Value{}, err
			}
			kw[k] = valueToAny(v)
		}
		in = append(in, reflect.ValueOf(kw))
	}
	out := call.fn.Call(in)
	if len(out) == 2 && !out[1].IsNil() {
		return reflect.Value{}, out[1].Interface().(error)
	}
	return out[0], nil
}

// convertArg converts a template value to a Go parameter type.
func convertArg(v reflect.Value, pt reflect.Type) (reflect.Value, error) {
	v = unwrapIface(v)
	if !v.IsValid() {
		return reflect.Zero(pt), nil
	}
	if v.Type().AssignableTo(pt) {
		return v, nil
	}
	switch pt.Kind() {
	case reflect.String:
		return reflect.ValueOf(toString(v)).Convert(pt), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n, ok := toInt(valueToAny(v)); ok {
			return reflect.ValueOf(n).Convert(pt), nil
		}
	case reflect.Float32, reflect.Float64:
		if f, ok := toFloat(valueToAny(v)); ok {
			return reflect.ValueOf(f).Convert(pt), nil
		}
	case reflect.Bool:
		return reflect.ValueOf(truthy(v)), nil
	}
	if v.Type().ConvertibleTo(pt) && v.Kind() != reflect.String && pt.Kind() != reflect.String {
		return v.Convert(pt), nil
	}
	return reflect.Value{}, fmt.Errorf("cannot use %s as %s", v.Type(), pt)
}

type simpleTagNode struct{ call *simpleTagCall }

// Render implements Node.
func (n *simpleTagNode) Render(c *Context) error {
	v, err := n.call.invoke(c)
	if err != nil {
		return err
	}
	if n.call.as != "" {
		c.set(n.call.as, v)
		return nil
	}
	c.writeValue(v)
	return nil
}

type inclusionTagNode struct {
	call     *simpleTagCall
	template string
}

// Render implements Node.
func (n *inclusionTagNode) Render(c *Context) error {
	if c.depth >= maxDepth {
		return fmt.Errorf("inclusion tag nesting deeper than %d", maxDepth)
	}
	v, err := n.call.invoke(c)
	if err != nil {
		return err
	}
	t, err := c.getTemplate(n.template)
	if err != nil {
		return err
	}
	vars, marks, root, rootMap, base, fl, blocks := c.vars, c.marks, c.root, c.rootMap, c.base, c.forloop, c.blocks
	c.vars, c.marks, c.root, c.rootMap, c.base, c.forloop, c.blocks = nil, nil, reflect.Value{}, nil, nil, nil, nil
	c.setData(valueToAny(v))
	c.depth++
	err = t.renderWith(c)
	c.depth--
	c.vars, c.marks, c.root, c.rootMap, c.base, c.forloop, c.blocks = vars, marks, root, rootMap, base, fl, blocks
	return err
}
