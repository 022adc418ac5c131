package template

import (
	"fmt"
	htmltemplate "html/template"
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

type binding struct {
	name string
	val  reflect.Value
}

// Context is the state of one render: the variable scopes, the output buffer, the
// autoescape setting and per-render tag state. Tags and filters get it; it must not
// be kept after the render returns.
type Context struct {
	vars  []binding
	marks []int
	root  reflect.Value
	// rootMap is the data when it is a map[string]any (the common case), for speed.
	rootMap map[string]any
	// base holds context processor values, below the render data.
	base []binding

	// Autoescape says whether variables are HTML-escaped on output ({% autoescape %}).
	Autoescape bool
	// Request is the request being answered, or nil outside a request.
	Request *http.Request
	// Location, when set, is the time zone times are shown in: {{ t }} and the
	// date and time filters convert a time.Time to it first (Django's
	// template_localtime with USE_TZ). The engine sets it from its TimeZone
	// function; the tz library's {% timezone %} and {% localtime %} change it.
	Location *time.Location
	// L10n is how values are localized: the active language's formats and
	// names, USE_L10N and USE_THOUSAND_SEPARATOR. The engine sets it from its
	// Localization function; the i18n library's {% language %} changes Locale.
	L10n L10n
	// useL10n is the state {% localize on|off %} set (l10nDefault outside one).
	useL10n int8

	out     []byte
	engine  *Engine
	tmpl    *Template
	state   map[any]any // per-template-render state (cycle tags)
	blocks  *blockContext
	depth   int // include nesting
	steps   int // loop iterations and includes so far, against Engine.maxSteps
	forloop *ForLoop
	// freeLoops keeps ForLoop values of finished loops for reuse (the Context itself
	// is pooled, so steady-state rendering allocates none).
	freeLoops []*ForLoop
	// loaded remembers templates fetched during this render in debug mode, so an
	// include inside a loop reads its file once per render, not once per row.
	loaded map[string]*Template
}

// now reads the engine's clock.
func (c *Context) now() time.Time {
	if c.engine != nil && c.engine.clock != nil {
		return c.engine.clock()
	}
	return time.Now()
}

// getTemplate returns the template called name for an include.
func (c *Context) getTemplate(name string) (*Template, error) {
	if !c.engine.debug {
		return c.engine.Get(name)
	}
	if t, ok := c.loaded[name]; ok {
		return t, nil
	}
	t, err := c.engine.Get(name)
	if err != nil {
		return nil, err
	}
	if c.loaded == nil {
		c.loaded = map[string]*Template{}
	}
	c.loaded[name] = t
	return t, nil
}

// step counts one unit of work (a loop iteration, an include) against the engine's
// budget, so a hostile or runaway template ends with an error instead of hanging.
func (c *Context) step() error {
	c.steps++
	if c.engine == nil {
		return nil
	}
	if c.steps > c.engine.maxSteps {
		return fmt.Errorf("render budget of %d loop iterations and includes exceeded (see template.MaxSteps)", c.engine.maxSteps)
	}
	if len(c.out) > c.engine.maxOutput {
		return fmt.Errorf("output larger than %d bytes (see template.MaxOutput)", c.engine.maxOutput)
	}
	return nil
}

// Get returns the value bound to name, searching inner scopes first, then the data
// passed to the render.
func (c *Context) Get(name string) (any, bool) {
	v, ok := c.lookup(name)
	if !ok {
		return nil, false
	}
	return valueToAny(v), true
}

// Set binds name in the innermost scope.
func (c *Context) Set(name string, value any) { c.set(name, reflect.ValueOf(value)) }

// Push opens a new scope; Pop discards it and every binding made in it.
func (c *Context) Push() { c.marks = append(c.marks, len(c.vars)) }

// Pop closes the innermost scope opened with Push.
func (c *Context) Pop() {
	if n := len(c.marks); n > 0 {
		clear(c.vars[c.marks[n-1]:])
		c.vars = c.vars[:c.marks[n-1]]
		c.marks = c.marks[:n-1]
	}
}

// Write appends s to the output as it is (no escaping).
func (c *Context) Write(s string) { c.out = append(c.out, s...) }

// WriteValue appends a value to the output the way {{ value }} does: converted to a
// string and escaped when autoescaping is on, unless it is a SafeString.
func (c *Context) WriteValue(v any) { c.writeValue(reflect.ValueOf(v)) }

// Engine returns the engine rendering this template.
func (c *Context) Engine() *Engine { return c.engine }

func (c *Context) set(name string, v reflect.Value) {
	start := 0
	if n := len(c.marks); n > 0 {
		start = c.marks[n-1]
	}
	for i := len(c.vars) - 1; i >= start; i-- {
		if c.vars[i].name == name {
			c.vars[i].val = v
			return
		}
	}
	c.vars = append(c.vars, binding{name, v})
}

// lookup finds a top-level name: scopes innermost first, then the render data.
func (c *Context) lookup(name string) (reflect.Value, bool) {
	seg := segment{name: name}
	return c.lookupSeg(&seg)
}

func (c *Context) lookupSeg(seg *segment) (reflect.Value, bool) {
	name := seg.name
	for i := len(c.vars) - 1; i >= 0; i-- {
		if c.vars[i].name == name {
			return c.vars[i].val, true
		}
	}
	if c.rootMap != nil {
		if v, ok := c.rootMap[name]; ok {
			return reflect.ValueOf(v), true
		}
	} else if c.root.IsValid() {
		v, ok, err := lookupAttr(c.root, seg)
		if err == nil && ok {
			return v, true
		}
	}
	for i := len(c.base) - 1; i >= 0; i-- {
		if c.base[i].name == name {
			return c.base[i].val, true
		}
	}
	return reflect.Value{}, false
}

// setData installs the render data: a map[string]any, any other map with string
// keys, a struct or pointer to one, or nil.
func (c *Context) setData(data any) {
	switch d := data.(type) {
	case nil:
	case map[string]any:
		c.rootMap = d
	case *Context:
		c.vars = append(c.vars, d.vars...)
		c.root, c.rootMap = d.root, d.rootMap
	default:
		rv := reflect.ValueOf(data)
		// A pointer to a struct is looked into as the (addressable) struct, so field
		// lookups hit the per-site cache; pointer methods stay reachable.
		if rv.Kind() == reflect.Pointer && !rv.IsNil() && rv.Elem().Kind() == reflect.Struct {
			rv = rv.Elem()
		}
		c.root = rv
	}
}

func valueToAny(v reflect.Value) any {
	if !v.IsValid() || !v.CanInterface() {
		return nil
	}
	return v.Interface()
}

var htmlType = reflect.TypeFor[htmltemplate.HTML]()

// isSafe reports whether v is marked safe for HTML.
func isSafe(v reflect.Value) bool {
	v = unwrapIface(v)
	return v.IsValid() && (v.Type() == safeStringType || v.Type() == htmlType)
}

// localTime converts t to the render's Location, unless t is in a zone made with
// PinZone.
func (c *Context) localTime(t time.Time) time.Time {
	if c.Location == nil {
		return t
	}
	if _, pinned := pinnedZones.Load(t.Location()); pinned {
		return t
	}
	return t.In(c.Location)
}

// pinnedZones holds the *time.Location values PinZone made, by pointer; byName
// makes PinZone return one value per zone name, so the set stays small.
var (
	pinnedZones sync.Map // *time.Location -> struct{}
	pinnedNames sync.Map // zone name -> *time.Location
)

// PinZone returns a zone with the same rules as loc whose times the engine shows
// as they are, without converting them to the render's Location — Django's
// convert_to_local_time = False, which the tz library's utc and timezone filters
// set on their results.
func PinZone(loc *time.Location) *time.Location {
	name := loc.String()
	if p, ok := pinnedNames.Load(name); ok {
		return p.(*time.Location)
	}
	cp := new(time.Location)
	*cp = *loc
	p, loaded := pinnedNames.LoadOrStore(name, cp)
	if !loaded {
		pinnedZones.Store(cp, struct{}{})
	}
	return p.(*time.Location)
}

// HTMLer is implemented by values that render themselves as HTML, like Python's
// __html__ protocol: {{ form }} writes form.HTML() as it is. Forms, formsets and
// other widgets implement it.
type HTMLer interface {
	HTML() SafeString
}

// htmlOf returns v.HTML() when v implements HTMLer.
func htmlOf(v reflect.Value) (SafeString, bool) {
	if !v.IsValid() || !v.CanInterface() {
		return "", false
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Struct, reflect.Interface, reflect.Map, reflect.Slice:
	default:
		return "", false
	}
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return "", false
	}
	if h, ok := v.Interface().(HTMLer); ok {
		return h.HTML(), true
	}
	if v.Kind() != reflect.Pointer && v.CanAddr() {
		if h, ok := v.Addr().Interface().(HTMLer); ok {
			return h.HTML(), true
		}
	}
	return "", false
}

// writeValue is Django's render_value_in_context.
func (c *Context) writeValue(v reflect.Value) {
	v = unwrapIface(v)
	if !v.IsValid() {
		c.out = append(c.out, "None"...)
		return
	}
	// The common cases first, each decided by one type comparison: a plain string
	// (escaped), a plain int or float. Every reflect.Type comparison is a call, so
	// the rarer named types are only looked at after them.
	k := v.Kind()
	switch k {
	case reflect.String:
		t := v.Type()
		if c.Autoescape && t == stringType {
			c.out = appendEscaped(c.out, v.String())
		} else if !c.Autoescape || t == safeStringType || t == htmlType || t == lazyTextType {
			c.out = append(c.out, v.String()...)
		} else {
			c.out = appendEscaped(c.out, v.String())
		}
		return
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v.Type() == basicTypes[k] {
			if c.L10n.Grouping {
				c.out = c.appendInt(c.out, v.Int())
			} else {
				c.out = strconv.AppendInt(c.out, v.Int(), 10)
			}
			return
		}
	case reflect.Float32, reflect.Float64:
		if v.Type() == basicTypes[k] {
			if c.L10n.Localize || c.useL10n != l10nDefault {
				c.out = c.appendFloat(c.out, v.Float())
			} else {
				c.out = appendPlainFloat(c.out, v.Float())
			}
			return
		}
	}
	if c.Location != nil && v.Type() == timeType {
		v = reflect.ValueOf(c.localTime(v.Interface().(time.Time)))
	}
	if h, ok := htmlOf(v); ok {
		c.out = append(c.out, h...)
		return
	}
	if c.Autoescape {
		s := c.appendLocalized(nil, v)
		c.out = appendEscaped(c.out, string(s))
	} else {
		c.out = c.appendLocalized(c.out, v)
	}
}

// appendEscaped appends s with & < > " ' replaced by HTML entities, as Django's escape.
// It is the hottest loop of a render, so it skips eight bytes at a time while none
// of them needs escaping (see hasHTMLSpecial) and looks at single bytes only in the
// words that do.
func appendEscaped(b []byte, s string) []byte {
	last, i := 0, 0
	for {
		for i+8 <= len(s) && !hasHTMLSpecial(load64(s, i)) {
			i += 8
		}
		if i >= len(s) {
			break
		}
		for end := min(i+8, len(s)); i < end; i++ {
			if !htmlSpecial[s[i]] {
				continue
			}
			var rep string
			switch s[i] {
			case '&':
				rep = "&amp;"
			case '<':
				rep = "&lt;"
			case '>':
				rep = "&gt;"
			case '"':
				rep = "&quot;"
			default: // '\''
				rep = "&#x27;"
			}
			b = append(b, s[last:i]...)
			b = append(b, rep...)
			last = i + 1
		}
	}
	return append(b, s[last:]...)
}

// htmlSpecial marks the bytes appendEscaped replaces.
var htmlSpecial = [256]bool{'&': true, '<': true, '>': true, '"': true, '\'': true}

// load64 reads s[i:i+8] as a little-endian word (the compiler makes it one load).
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

const (
	bytesOf1    = 0x0101010101010101
	bytesOf0x80 = 0x8080808080808080
)

// hasHTMLSpecial reports whether any of the eight bytes in x is & ' " < or >. Each
// term is zero in exactly the bytes of one or two of them: & and ' differ only in
// the lowest bit (0x26, 0x27), < and > only in the second (0x3c, 0x3e). A word has
// a zero byte when (w - 0x01…) &^ w has a high bit set (the classic exact test).
func hasHTMLSpecial(x uint64) bool {
	ampApos := (x ^ (bytesOf1 * '&')) &^ bytesOf1
	ltGt := (x ^ (bytesOf1 * '<')) &^ (bytesOf1 * 2)
	quot := x ^ (bytesOf1 * '"')
	return ((ampApos-bytesOf1)&^ampApos|(ltGt-bytesOf1)&^ltGt|(quot-bytesOf1)&^quot)&bytesOf0x80 != 0
}

// Escape returns s with the characters special in HTML (& < > " ') replaced by
// entities, as autoescaping and the escape filter write them (Django's
// django.utils.html.escape). When nothing needs escaping it returns s itself
// without allocating, so code that draws HTML in Go can call it on every value.
func Escape(s string) string {
	i := 0
	for i+8 <= len(s) && !hasHTMLSpecial(load64(s, i)) {
		i += 8
	}
	for ; i < len(s); i++ {
		if htmlSpecial[s[i]] {
			return string(appendEscaped(make([]byte, 0, len(s)+16), s))
		}
	}
	return s
}

func escapeString(s string) string { return Escape(s) }

// ForLoop is the forloop variable inside {% for %}.
type ForLoop struct {
	Counter, Counter0, Revcounter, Revcounter0 int
	First, Last                                bool
	Parentloop                                 *ForLoop
	state                                      map[any]any // ifchanged state
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// renderValue is Django's render_value_in_context as a value: the text {{ v }}
// would write, safe when autoescaping made it so.
func (c *Context) renderValue(v reflect.Value) any {
	start := len(c.out)
	c.writeValue(v)
	s := string(c.out[start:])
	c.out = c.out[:start]
	if c.Autoescape {
		return SafeString(s)
	}
	return s
}
