package i18n

import (
	"fmt"
	"math"
	"math/big"
	"net/http"
	"regexp"
	"strings"

	"github.com/galvani-web/galvani/formats"
	"github.com/galvani-web/galvani/template"
)

// LanguageInfo describes a language for templates ({% get_available_languages %},
// {% get_language_info %}).
type LanguageInfo struct {
	Code           string // "pt-br"
	Name           string // English name: "Brazilian Portuguese"
	NameLocal      string // the language's name for itself: "português (Brasil)"
	NameTranslated string // Name in the active language (filled by the tags)
	Bidi           bool   // written right to left
}

// TemplateLibrary returns the "i18n" template library ({% load i18n %}) translating
// with b: translate/trans, blocktranslate/blocktrans, language,
// get_current_language, get_current_language_bidi, get_available_languages,
// get_language_info, get_language_info_list and the language_name,
// language_name_local and language_bidi filters.
// languages is what get_available_languages lists. The active language is the one
// in the request's context (see Middleware), or b's default language.
// {% language %} also activates the language's shipped formats (formats.Get) for
// the numbers and dates inside; the app's library uses the project's Formats.
func TemplateLibrary(b *Bundle, languages []LanguageInfo) *template.Library {
	return templateLibrary(b, languages, formats.Get)
}

// templateLibrary is TemplateLibrary whose {% language %} activates the formats
// fmts gives for the language too.
func templateLibrary(b *Bundle, languages []LanguageInfo, fmts func(lang string) *formats.Locale) *template.Library {
	l := template.NewLibrary()
	tl := &tagLib{b: b, languages: languages, formats: fmts}
	l.Tag("trans", tl.parseTranslate)
	l.Tag("translate", tl.parseTranslate)
	l.Tag("blocktrans", tl.parseBlockTranslate)
	l.Tag("blocktranslate", tl.parseBlockTranslate)
	l.Tag("language", tl.parseLanguage)
	l.Tag("get_current_language", tl.parseAsTag(func(c *template.Context) any { return tl.current(c).Language() }))
	l.Tag("get_current_language_bidi", tl.parseAsTag(func(c *template.Context) any { return isBidi(tl.current(c).Language()) }))
	l.Tag("get_available_languages", tl.parseAsTag(func(c *template.Context) any {
		t := tl.current(c)
		out := make([][]string, len(tl.languages))
		for i, li := range tl.languages {
			out[i] = []string{li.Code, t.Gettext(li.Name)}
		}
		return out
	}))
	l.Tag("get_language_info", tl.parseLanguageInfo(false))
	l.Tag("get_language_info_list", tl.parseLanguageInfo(true))
	l.Filter("language_name", func(v, _ any) (any, error) { return GetLanguageInfo(fmt.Sprint(v)).Name, nil }, template.NoArg())
	l.Filter("language_name_local", func(v, _ any) (any, error) { return GetLanguageInfo(fmt.Sprint(v)).NameLocal, nil }, template.NoArg())
	l.Filter("language_bidi", func(v, _ any) (any, error) { return GetLanguageInfo(fmt.Sprint(v)).Bidi, nil }, template.NoArg())
	return l
}

type tagLib struct {
	b         *Bundle
	languages []LanguageInfo
	formats   func(lang string) *formats.Locale
}

// current returns the translation active for the render: the request's, else the
// default language's.
func (tl *tagLib) current(c *template.Context) *Translation {
	if c.Request != nil {
		if t := TranslationFrom(c.Request.Context()); t != nil {
			return t
		}
	}
	if tl.b == nil {
		return nil
	}
	return tl.b.Translation(tl.b.defaultLang)
}

// ---- {% get_current_language as var %} and friends ----

type setVarNode struct {
	name string
	fn   func(c *template.Context) any
}

func (n *setVarNode) Render(c *template.Context) error {
	c.Set(n.name, n.fn(c))
	return nil
}

func (tl *tagLib) parseAsTag(fn func(c *template.Context) any) template.TagFunc {
	return func(p *template.Parser, t *template.Token) (template.Node, error) {
		args := strings.Fields(t.Contents)
		if len(args) != 3 || args[1] != "as" {
			return nil, fmt.Errorf("'%s' requires 'as variable' (got %s)", args[0], pyList(args))
		}
		return &setVarNode{name: args[2], fn: fn}, nil
	}
}

func pyList(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = "'" + strings.ReplaceAll(a, "'", `\'`) + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// ---- {% get_language_info for code as var %} ----

type langInfoNode struct {
	tl   *tagLib
	expr *template.Expr
	name string
	list bool
}

func (tl *tagLib) parseLanguageInfo(list bool) template.TagFunc {
	return func(p *template.Parser, t *template.Token) (template.Node, error) {
		args := t.SplitContents()
		if len(args) != 5 || args[1] != "for" || args[3] != "as" {
			what := "string"
			if list {
				what = "sequence"
			}
			return nil, fmt.Errorf("'%s' requires 'for %s as variable' (got %s)", args[0], what, pyList(args[1:]))
		}
		e, err := p.CompileExpr(args[2])
		if err != nil {
			return nil, err
		}
		return &langInfoNode{tl: tl, expr: e, name: args[4], list: list}, nil
	}
}

func (n *langInfoNode) Render(c *template.Context) error {
	v, err := n.expr.Resolve(c)
	if err != nil {
		return err
	}
	t := n.tl.current(c)
	info := func(code string) (map[string]any, error) {
		li := GetLanguageInfo(code)
		if li.Name == "" {
			return nil, fmt.Errorf("Unknown language code %s.", code)
		}
		// Django's keys, for {{ l.name_local }} and friends.
		return map[string]any{"code": li.Code, "name": li.Name, "name_local": li.NameLocal,
			"name_translated": t.Gettext(li.Name), "bidi": li.Bidi}, nil
	}
	if !n.list {
		li, err := info(stringOf(v))
		if err != nil {
			return err
		}
		c.Set(n.name, li)
		return nil
	}
	var out []map[string]any
	switch codes := v.(type) {
	case []string:
		for _, code := range codes {
			li, err := info(code)
			if err != nil {
				return err
			}
			out = append(out, li)
		}
	case []LanguageInfo:
		for _, l := range codes {
			li, err := info(l.Code)
			if err != nil {
				return err
			}
			out = append(out, li)
		}
	case [][]string:
		for _, l := range codes {
			if len(l) == 0 {
				continue
			}
			li, err := info(l[0])
			if err != nil {
				return err
			}
			out = append(out, li)
		}
	case []any:
		for _, x := range codes {
			code := stringOf(x)
			if pair, ok := x.([]any); ok && len(pair) > 0 {
				code = stringOf(pair[0])
			}
			li, err := info(code)
			if err != nil {
				return err
			}
			out = append(out, li)
		}
	default:
		return fmt.Errorf("get_language_info_list: want a list of language codes, got %T", v)
	}
	c.Set(n.name, out)
	return nil
}

func stringOf(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case template.SafeString:
		return string(s)
	case fmt.Stringer:
		return s.String()
	}
	return fmt.Sprint(v)
}

// ---- {% language "de" %}...{% endlanguage %} ----

type languageNode struct {
	tl   *tagLib
	lang *template.Expr
	body template.NodeList
}

func (tl *tagLib) parseLanguage(p *template.Parser, t *template.Token) (template.Node, error) {
	bits := t.SplitContents()
	if len(bits) != 2 {
		return nil, fmt.Errorf("'%s' takes one argument (language)", bits[0])
	}
	e, err := p.CompileExpr(bits[1])
	if err != nil {
		return nil, err
	}
	body, _, err := p.Parse("endlanguage")
	if err != nil {
		return nil, err
	}
	return &languageNode{tl: tl, lang: e, body: body}, nil
}

// Render activates the language for the body by giving the render a request whose
// context carries it, so every tag and _() literal inside sees it; the request is
// restored afterwards.
func (n *languageNode) Render(c *template.Context) error {
	v, err := n.lang.Resolve(c)
	if err != nil {
		return err
	}
	var tr *Translation
	if n.tl.b != nil {
		tr = n.tl.b.Translation(stringOf(v))
	} else {
		tr = &Translation{lang: NormalizeLanguage(stringOf(v))}
	}
	saved := c.Request
	base := saved
	if base == nil {
		base = &http.Request{Method: http.MethodGet}
	}
	c.Request = base.WithContext(WithTranslation(base.Context(), tr))
	savedLocale := c.L10n.Locale
	c.L10n.Locale = n.tl.formats(tr.Language())
	defer func() { c.Request, c.L10n.Locale = saved, savedLocale }()
	return n.body.Render(c)
}

// ---- {% translate "text" [noop] [context "ctx"] [as var] %} ----

type translateNode struct {
	tl      *tagLib
	literal *string        // the msgid when it is a string literal
	varExpr *template.Expr // else the variable it is read from
	filters *template.Expr // filters applied after translation, over msgVar
	noop    bool
	context *template.Expr
	asvar   string
}

// msgVar is the name the translated message is bound to while the tag's filters
// run.
const msgVar = "galvani_i18n_message"

func (tl *tagLib) parseTranslate(p *template.Parser, t *template.Token) (template.Node, error) {
	bits := t.SplitContents()
	if len(bits) < 2 {
		return nil, fmt.Errorf("'%s' takes at least one argument", bits[0])
	}
	n := &translateNode{tl: tl}
	primary, filters := splitPrimary(bits[1])
	if lit, ok := template.UnquoteLiteral(primary); ok {
		n.literal = &lit
	} else {
		e, err := p.CompileExpr(primary)
		if err != nil {
			return nil, err
		}
		n.varExpr = e
	}
	if filters != "" {
		e, err := p.CompileExpr(msgVar + filters)
		if err != nil {
			return nil, err
		}
		n.filters = e
	}
	remaining := bits[2:]
	seen := map[string]bool{}
	for len(remaining) > 0 {
		opt := remaining[0]
		remaining = remaining[1:]
		if seen[opt] {
			return nil, fmt.Errorf("The '%s' option was specified more than once.", opt)
		}
		switch opt {
		case "noop":
			n.noop = true
		case "context":
			if len(remaining) == 0 {
				return nil, fmt.Errorf("No argument provided to the '%s' tag for the context option.", bits[0])
			}
			v := remaining[0]
			remaining = remaining[1:]
			if v == "as" || v == "noop" {
				return nil, fmt.Errorf("Invalid argument '%s' provided to the '%s' tag for the context option", v, bits[0])
			}
			e, err := p.CompileExpr(v)
			if err != nil {
				return nil, err
			}
			n.context = e
		case "as":
			if len(remaining) == 0 {
				return nil, fmt.Errorf("No argument provided to the '%s' tag for the as option.", bits[0])
			}
			n.asvar = remaining[0]
			remaining = remaining[1:]
		default:
			return nil, fmt.Errorf("Unknown argument for '%s' tag: '%s'. The only options available are 'noop', 'context' \"xxx\", and 'as VAR'.", bits[0], opt)
		}
		seen[opt] = true
	}
	return n, nil
}

// splitPrimary splits a filter expression into its first term (a quoted string or
// a variable) and the "|filter..." rest.
func splitPrimary(s string) (primary, filters string) {
	if s != "" && (s[0] == '"' || s[0] == '\'') {
		q := s[0]
		for i := 1; i < len(s); i++ {
			if s[i] == '\\' {
				i++
				continue
			}
			if s[i] == q {
				return s[:i+1], s[i+1:]
			}
		}
		return s, ""
	}
	if i := strings.IndexByte(s, '|'); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

func (n *translateNode) Render(c *template.Context) error {
	if n.literal != nil && n.filters == nil && n.asvar == "" {
		// The common case, without allocating: a literal's translation is safe.
		s := *n.literal
		if !n.noop {
			t := n.tl.current(c)
			msgid := strings.ReplaceAll(s, "%", "%%")
			if n.context != nil {
				cv, err := n.context.Resolve(c)
				if err != nil {
					return err
				}
				s = t.PGettext(stringOf(cv), msgid)
			} else {
				s = t.Gettext(msgid)
			}
		}
		c.Write(strings.ReplaceAll(s, "%%", "%"))
		return nil
	}
	var value any
	safe := false
	if n.literal != nil {
		value, safe = *n.literal, true
	} else {
		v, err := n.varExpr.Resolve(c)
		if err != nil {
			return err
		}
		value = v
		_, safe = v.(template.SafeString)
	}
	if !n.noop && (n.literal != nil || !isEmptyMissing(value)) {
		msgid, ok := asText(value)
		if !ok {
			return fmt.Errorf("'%s' object has no attribute 'replace' (trans translates text only)", pyTypeName(value))
		}
		msgid = strings.ReplaceAll(msgid, "%", "%%")
		t := n.tl.current(c)
		if n.context != nil {
			cv, err := n.context.Resolve(c)
			if err != nil {
				return err
			}
			value = t.PGettext(stringOf(cv), msgid)
		} else {
			value = t.Gettext(msgid)
		}
		if safe {
			value = template.SafeString(value.(string))
		}
	}
	if n.filters != nil {
		c.Push()
		c.Set(msgVar, value)
		v, err := n.filters.Resolve(c)
		c.Pop()
		if err != nil {
			return err
		}
		value = v
	}
	out, err := renderValue(c, value)
	if err != nil {
		return err
	}
	_, isSafe := out.(template.SafeString)
	s := strings.ReplaceAll(stringOf(out), "%%", "%")
	var result any = s
	if isSafe {
		result = template.SafeString(s)
	}
	if n.asvar != "" {
		c.Set(n.asvar, result)
		return nil
	}
	c.Write(s)
	return nil
}

// isEmptyMissing reports a value that came from a missing variable (rendered as "").
func isEmptyMissing(v any) bool { s, ok := v.(string); return ok && s == "" }

func asText(v any) (string, bool) {
	switch s := v.(type) {
	case string:
		return s, true
	case template.SafeString:
		return string(s), true
	}
	return "", false
}

func pyTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case int, int64, int32, *big.Int:
		return "int"
	case float64, float32:
		return "float"
	case bool:
		return "bool"
	}
	return fmt.Sprintf("%T", v)
}

// renderValue renders v as {{ v }} would (Python's str(), escaped when
// autoescaping and v is not safe) and returns it as a SafeString.
func renderValue(c *template.Context, v any) (any, error) {
	s, err := template.NodeList{valueNode{v}}.RenderString(c)
	if err != nil {
		return nil, err
	}
	return template.SafeString(s), nil
}

type valueNode struct{ v any }

func (n valueNode) Render(c *template.Context) error {
	c.WriteValue(n.v)
	return nil
}

// ---- {% blocktranslate %}...{% endblocktranslate %} ----

type blockTranslateNode struct {
	tl         *tagLib
	tag        string
	with       []kwarg
	countVar   string
	count      *template.Expr
	context    *template.Expr
	trimmed    bool
	asvar      string
	singular   []*template.Token
	plural     []*template.Token
	hasPlural  bool
	untranslat bool
}

type kwarg struct {
	name string
	expr *template.Expr
}

var kwargRE = regexp.MustCompile(`^(?:(\w+)=)?(.+)$`)

// tokenKwargs reads name=value arguments (or the legacy "value as name [and ...]"
// form) from the front of bits, like Django's token_kwargs with support_legacy.
func tokenKwargs(p *template.Parser, bits *[]string) ([]kwarg, error) {
	b := *bits
	if len(b) == 0 {
		return nil, nil
	}
	m := kwargRE.FindStringSubmatch(b[0])
	kwFormat := m != nil && m[1] != ""
	if !kwFormat {
		if len(b) < 3 || b[1] != "as" {
			return nil, nil
		}
	}
	var out []kwarg
	for len(b) > 0 {
		var name, value string
		if kwFormat {
			m := kwargRE.FindStringSubmatch(b[0])
			if m == nil || m[1] == "" {
				break
			}
			name, value = m[1], m[2]
			b = b[1:]
		} else {
			if len(b) < 3 || b[1] != "as" {
				break
			}
			name, value = b[2], b[0]
			b = b[3:]
		}
		e, err := p.CompileExpr(value)
		if err != nil {
			return nil, err
		}
		out = append(out, kwarg{name, e})
		if !kwFormat {
			if len(b) == 0 || b[0] != "and" {
				break
			}
			b = b[1:]
		}
	}
	*bits = b
	return out, nil
}

func (tl *tagLib) parseBlockTranslate(p *template.Parser, t *template.Token) (template.Node, error) {
	bits := t.SplitContents()
	n := &blockTranslateNode{tl: tl, tag: bits[0]}
	remaining := bits[1:]
	seen := map[string]bool{}
	for len(remaining) > 0 {
		opt := remaining[0]
		remaining = remaining[1:]
		if seen[opt] {
			return nil, fmt.Errorf("The '%s' option was specified more than once.", opt)
		}
		switch opt {
		case "with":
			kw, err := tokenKwargs(p, &remaining)
			if err != nil {
				return nil, err
			}
			if len(kw) == 0 {
				return nil, fmt.Errorf("\"with\" in '%s' tag needs at least one keyword argument.", bits[0])
			}
			n.with = kw
		case "count":
			kw, err := tokenKwargs(p, &remaining)
			if err != nil {
				return nil, err
			}
			if len(kw) != 1 {
				return nil, fmt.Errorf("\"count\" in '%s' tag expected exactly one keyword argument.", bits[0])
			}
			n.countVar, n.count = kw[0].name, kw[0].expr
		case "context":
			if len(remaining) == 0 {
				return nil, fmt.Errorf("\"context\" in '%s' tag expected exactly one argument.", bits[0])
			}
			e, err := p.CompileExpr(remaining[0])
			if err != nil {
				return nil, fmt.Errorf("\"context\" in '%s' tag expected exactly one argument.", bits[0])
			}
			remaining = remaining[1:]
			n.context = e
		case "trimmed":
			n.trimmed = true
		case "asvar":
			if len(remaining) == 0 {
				return nil, fmt.Errorf("No argument provided to the '%s' tag for the asvar option.", bits[0])
			}
			n.asvar = remaining[0]
			remaining = remaining[1:]
		default:
			return nil, fmt.Errorf("Unknown argument for '%s' tag: '%s'.", bits[0], opt)
		}
		seen[opt] = true
	}
	var tok *template.Token
	for tok = p.NextToken(); tok != nil && (tok.IsText() || tok.IsVar()); tok = p.NextToken() {
		n.singular = append(n.singular, tok)
	}
	if n.count != nil {
		if tok == nil || strings.TrimSpace(tok.Contents) != "plural" {
			return nil, fmt.Errorf("'%s' doesn't allow other block tags inside it", bits[0])
		}
		n.hasPlural = true
		for tok = p.NextToken(); tok != nil && (tok.IsText() || tok.IsVar()); tok = p.NextToken() {
			n.plural = append(n.plural, tok)
		}
	}
	if tok == nil {
		return nil, fmt.Errorf("Unclosed tag: expected 'end%s'", bits[0])
	}
	if strings.TrimSpace(tok.Contents) != "end"+bits[0] {
		return nil, fmt.Errorf("'%s' doesn't allow other block tags (seen '%s') inside it", bits[0], tok.Contents)
	}
	return n, nil
}

var trimRE = regexp.MustCompile(`\s*\n\s*`)

// message builds the msgid of a token list: text with % doubled, variables as
// %(name)s.
func (n *blockTranslateNode) message(toks []*template.Token) (string, []string) {
	var b strings.Builder
	var vars []string
	for _, t := range toks {
		if t.IsText() {
			b.WriteString(strings.ReplaceAll(t.Contents, "%", "%%"))
		} else {
			b.WriteString("%(" + t.Contents + ")s")
			vars = append(vars, t.Contents)
		}
	}
	msg := b.String()
	if n.trimmed {
		msg = trimRE.ReplaceAllString(strings.TrimSpace(msg), " ")
	}
	return msg, vars
}

func (n *blockTranslateNode) Render(c *template.Context) error {
	return n.render(c, false)
}

func (n *blockTranslateNode) render(c *template.Context, nested bool) error {
	var msgctx string
	hasCtx := false
	if n.context != nil {
		v, err := n.context.Resolve(c)
		if err != nil {
			return err
		}
		msgctx, hasCtx = stringOf(v), true
		if s, ok := v.(string); ok && s == "" {
			hasCtx = false // Django: an empty context is no context
		}
	}
	vals := make([]any, len(n.with))
	for i, kw := range n.with {
		v, err := kw.expr.Resolve(c)
		if err != nil {
			return err
		}
		vals[i] = v
	}
	c.Push()
	popped := false
	defer func() {
		if !popped {
			c.Pop()
		}
	}()
	for i, kw := range n.with {
		c.Set(kw.name, vals[i])
	}
	t := n.tl.current(c)
	if nested {
		t = nil
	}
	singular, vars := n.message(n.singular)
	var result string
	if n.hasPlural {
		cv, err := n.count.Resolve(c)
		if err != nil {
			return err
		}
		count, ok := countOf(cv)
		if !ok {
			return &template.Error{Msg: fmt.Sprintf("'%s' argument to '%s' tag must be a number.", n.countVar, n.tag), Syntax: true}
		}
		c.Set(n.countVar, cv)
		plural, pvars := n.message(n.plural)
		if hasCtx {
			result = t.NPGettext(msgctx, singular, plural, count)
		} else {
			result = t.NGettext(singular, plural, count)
		}
		vars = append(vars, pvars...)
	} else if hasCtx {
		result = t.PGettext(msgctx, singular)
	} else {
		result = t.Gettext(singular)
	}
	data := make(map[string]string, len(vars))
	for _, v := range vars {
		val, ok := c.Get(v)
		if !ok {
			val = ""
		}
		r, err := renderValue(c, val)
		if err != nil {
			return err
		}
		data[v] = stringOf(r)
	}
	c.Pop()
	popped = true
	out, ok := percentFormat(result, data)
	if !ok {
		if nested {
			return &template.Error{Msg: fmt.Sprintf("'%s' is unable to format string returned by gettext: '%s'", n.tag, result), Syntax: true}
		}
		return n.render(c, true)
	}
	if n.asvar != "" {
		c.Set(n.asvar, out)
		return nil
	}
	c.Write(out)
	return nil
}

// countOf converts a count to int64 (Python's int for ngettext); ok is false for
// anything that is not a number.
func countOf(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case uint:
		return int64(x), true
	case uint64:
		return int64(x), true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, true
		}
		return int64(x), true
	case float32:
		return int64(x), true
	case *big.Int:
		if x.IsInt64() {
			return x.Int64(), true
		}
		return math.MaxInt64, true
	case interface{ Rat() *big.Rat }:
		f, _ := x.Rat().Float64()
		return int64(f), true
	}
	return 0, false
}

// percentFormat applies Python's "%" operator with a dict to s, for the forms
// blocktranslate makes: %(name)s and %%. Anything else, or a name not in data, is a
// failure (Python's KeyError/ValueError), after which the tag renders untranslated.
func percentFormat(s string, data map[string]string) (string, bool) {
	if !strings.Contains(s, "%") {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		i++
		if i >= len(s) {
			return "", false
		}
		switch s[i] {
		case '%':
			b.WriteByte('%')
		case '(':
			end := strings.IndexByte(s[i:], ')')
			if end < 0 || i+end+1 >= len(s) || s[i+end+1] != 's' {
				return "", false
			}
			v, ok := data[s[i+1:i+end]]
			if !ok {
				return "", false
			}
			b.WriteString(v)
			i += end + 1
		default:
			return "", false
		}
	}
	return b.String(), true
}
