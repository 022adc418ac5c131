package i18n

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/galvani-web/galvani/template"
)

// ImportPath is this package's import path; makemessages finds calls to its
// functions in Go source through it.
const ImportPath = "github.com/galvani-web/galvani/i18n"

// Extractor collects translatable messages from Go source and templates, for
// makemessages. Add files with Go and Template, then read Messages.
type Extractor struct {
	msgs map[string]*Message
	// first position of each message, for ordering
	pos map[string]extractPos
	// Warnings lists what could not be extracted (a non-literal message id), as
	// "file:line: text".
	Warnings []string
}

type extractPos struct {
	file string
	line int
	seq  int
}

// NewExtractor returns an empty Extractor.
func NewExtractor() *Extractor {
	return &Extractor{msgs: map[string]*Message{}, pos: map[string]extractPos{}}
}

func (x *Extractor) add(file string, line int, hasCtx bool, ctx, id, plural string, comments []string, flags ...string) {
	if id == "" {
		return // the empty msgid is the header
	}
	k := messageKey(hasCtx, ctx, id)
	m := x.msgs[k]
	if m == nil {
		m = &Message{Context: ctx, HasContext: hasCtx, ID: id}
		x.msgs[k] = m
		x.pos[k] = extractPos{file, line, len(x.pos)}
	}
	if plural != "" && m.IDPlural == "" {
		m.IDPlural = plural
	}
	ref := fmt.Sprintf("%s:%d", file, line)
	if !contains(m.References, ref) {
		m.References = append(m.References, ref)
	}
	for _, c := range comments {
		if !contains(m.Extracted, c) {
			m.Extracted = append(m.Extracted, c)
		}
	}
	for _, f := range flags {
		if !contains(m.Flags, f) {
			m.Flags = append(m.Flags, f)
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// Messages returns what was extracted, in order of first appearance (by file name,
// then line), each with its references, extracted comments and flags.
func (x *Extractor) Messages() []*Message {
	out := make([]*Message, 0, len(x.msgs))
	keys := make([]string, 0, len(x.msgs))
	for k := range x.msgs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := x.pos[keys[i]], x.pos[keys[j]]
		if a.file != b.file {
			return a.file < b.file
		}
		if a.line != b.line {
			return a.line < b.line
		}
		return a.seq < b.seq
	})
	for _, k := range keys {
		m := x.msgs[k]
		if m.IDPlural != "" {
			m.Str = []string{"", ""}
		} else {
			m.Str = []string{""}
		}
		out = append(out, m)
	}
	return out
}

// goCall describes where the message arguments of an i18n function are.
type goCall struct{ ctx, id, plural, nargs int }

// goFuncs are the package functions makemessages knows; -1 means absent.
var goFuncs = map[string]goCall{
	"Gettext":       {-1, 1, -1, 2},
	"NGettext":      {-1, 1, 2, 4},
	"PGettext":      {1, 2, -1, 3},
	"NPGettext":     {1, 2, 3, 5},
	"Sprintf":       {-1, 1, -1, -1},
	"GettextLazy":   {-1, 0, -1, 1},
	"NGettextLazy":  {-1, 0, 1, 3},
	"PGettextLazy":  {0, 1, -1, 2},
	"NPGettextLazy": {0, 1, 2, 4},
}

// goMethods are the Translation methods, recognised on any receiver with exactly
// these argument counts.
var goMethods = map[string]goCall{
	"Gettext":   {-1, 0, -1, 1},
	"NGettext":  {-1, 0, 1, 3},
	"PGettext":  {0, 1, -1, 2},
	"NPGettext": {0, 1, 2, 4},
}

// Go extracts the messages of one Go source file; name is how references name it.
func (x *Extractor) Go(name string, src []byte) error {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
	if err != nil {
		return err
	}
	pkgName := ""
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == ImportPath {
			pkgName = "i18n"
			if imp.Name != nil {
				pkgName = imp.Name.Name
			}
		}
	}
	// Translator comments: a comment group starting "Translators" ending on the line
	// of the call or the line before.
	comments := map[int][]string{}
	for _, cg := range f.Comments {
		text := strings.TrimSpace(cg.Text())
		if strings.HasPrefix(text, "Translators") {
			end := fset.Position(cg.End()).Line
			comments[end] = strings.Split(text, "\n")
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		var spec goCall
		if id, isIdent := sel.X.(*ast.Ident); isIdent && pkgName != "" && id.Name == pkgName {
			if spec, ok = goFuncs[sel.Sel.Name]; !ok {
				return true
			}
		} else if spec, ok = goMethods[sel.Sel.Name]; !ok || len(call.Args) != spec.nargs {
			return true
		}
		if spec.nargs >= 0 && len(call.Args) != spec.nargs || len(call.Args) <= spec.id {
			return true
		}
		line := fset.Position(call.Pos()).Line
		lit := func(i int) (string, bool) {
			if i < 0 {
				return "", true
			}
			return goString(call.Args[i])
		}
		id, ok1 := lit(spec.id)
		plural, ok2 := lit(spec.plural)
		ctx, ok3 := lit(spec.ctx)
		if !ok1 || !ok2 || !ok3 {
			x.Warnings = append(x.Warnings, fmt.Sprintf("%s:%d: %s.%s with a message that is not a string literal is not extracted", name, line, exprName(sel.X), sel.Sel.Name))
			return true
		}
		cs := comments[line-1]
		if cs == nil {
			cs = comments[line]
		}
		x.add(name, line, spec.ctx >= 0, ctx, id, plural, cs)
		return true
	})
	return nil
}

func exprName(e ast.Expr) string {
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return "(value)"
}

// goString evaluates a string literal, or a sum of them.
func goString(e ast.Expr) (string, bool) {
	switch v := e.(type) {
	case *ast.BasicLit:
		if v.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(v.Value)
		return s, err == nil
	case *ast.ParenExpr:
		return goString(v.X)
	case *ast.BinaryExpr:
		if v.Op != token.ADD {
			return "", false
		}
		a, ok := goString(v.X)
		if !ok {
			return "", false
		}
		b, ok := goString(v.Y)
		return a + b, ok
	}
	return "", false
}

// ---- templates ----

var (
	templateTagRE = regexp.MustCompile(`\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}`)
	constantRE    = regexp.MustCompile(`_\(((?:"[^"\\]*(?:\\.[^"\\]*)*"|'[^'\\]*(?:\\.[^'\\]*)*'))\)`)
)

type tplToken struct {
	kind byte // 't' text, 'v' var, 'b' block, 'c' comment
	body string
	line int
}

// lexTemplate splits template source as Django's Lexer does (tags do not span
// lines), with line numbers.
func lexTemplate(src string) []tplToken {
	var out []tplToken
	line := 1
	last := 0
	inVerbatim := ""
	for _, loc := range templateTagRE.FindAllStringIndex(src, -1) {
		tag := src[loc[0]:loc[1]]
		inner := strings.TrimSpace(tag[2 : len(tag)-2])
		if inVerbatim != "" {
			if tag[1] == '%' && inner == inVerbatim {
				inVerbatim = ""
			} else {
				continue
			}
		}
		if loc[0] > last {
			out = append(out, tplToken{'t', src[last:loc[0]], line})
			line += strings.Count(src[last:loc[0]], "\n")
		}
		kind := map[byte]byte{'%': 'b', '{': 'v', '#': 'c'}[tag[1]]
		out = append(out, tplToken{kind, inner, line})
		if kind == 'b' && (inner == "verbatim" || strings.HasPrefix(inner, "verbatim ")) {
			inVerbatim = "end" + inner
		}
		line += strings.Count(tag, "\n")
		last = loc[1]
	}
	if last < len(src) {
		out = append(out, tplToken{'t', src[last:], line})
	}
	return out
}

// splitTag splits a tag's contents on spaces, keeping quoted strings whole.
func splitTag(s string) []string {
	var out []string
	var cur strings.Builder
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			cur.WriteByte(c)
			if c == '\\' && i+1 < len(s) {
				i++
				cur.WriteByte(s[i])
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
			cur.WriteByte(c)
		case c == ' ' || c == '\t' || c == '\n':
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteByte(c)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// Template extracts the messages of one template: {% translate %} / {% trans %},
// {% blocktranslate %} / {% blocktrans %} blocks and _("...") literals, with the
// "Translators" comments ({# ... #} or {% comment %}) just before them.
func (x *Extractor) Template(name string, src []byte) error {
	toks := lexTemplate(string(src))
	var pending []string
	pendingLine := 0
	takeComments := func(line int) []string {
		if pending != nil && line-pendingLine <= 1 {
			c := pending
			pending = nil
			return c
		}
		pending = nil
		return nil
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.kind {
		case 'c':
			if strings.HasPrefix(t.body, "Translators") {
				pending, pendingLine = []string{t.body}, t.line
			}
			continue
		case 'v':
			for _, m := range constantRE.FindAllStringSubmatch(t.body, -1) {
				if s, ok := template.UnquoteLiteral(m[1]); ok {
					x.add(name, t.line, false, "", strings.ReplaceAll(s, "%", "%%"), "", takeComments(t.line))
				}
			}
			continue
		case 't':
			continue
		}
		bits := splitTag(t.body)
		if len(bits) == 0 {
			continue
		}
		switch bits[0] {
		case "comment":
			var body strings.Builder
			j := i + 1
			for ; j < len(toks) && !(toks[j].kind == 'b' && toks[j].body == "endcomment"); j++ {
				body.WriteString(toks[j].body)
			}
			if text := strings.TrimSpace(body.String()); strings.HasPrefix(text, "Translators") {
				end := t.line
				if j < len(toks) {
					end = toks[j].line
				}
				pending, pendingLine = strings.Split(text, "\n"), end
			}
			i = j
		case "trans", "translate":
			if len(bits) < 2 {
				return fmt.Errorf("%s:%d: %s takes at least one argument", name, t.line, bits[0])
			}
			primary, _ := splitPrimary(bits[1])
			id, ok := template.UnquoteLiteral(primary)
			if !ok {
				break // {% trans variable %}: nothing to extract
			}
			hasCtx, ctx := false, ""
			for k := 2; k+1 < len(bits); k++ {
				if bits[k] == "context" {
					c, ok := template.UnquoteLiteral(bits[k+1])
					if !ok {
						x.Warnings = append(x.Warnings, fmt.Sprintf("%s:%d: %s with a context that is not a literal is not extracted", name, t.line, bits[0]))
						id = ""
					}
					hasCtx, ctx = true, c
				}
			}
			id = strings.ReplaceAll(id, "%", "%%")
			x.add(name, t.line, hasCtx, ctx, id, "", takeComments(t.line), formatFlags(id)...)
		case "blocktrans", "blocktranslate":
			j, err := x.blockTranslate(name, toks, i, bits, takeComments(t.line))
			if err != nil {
				return err
			}
			i = j
			continue
		}
		for _, m := range constantRE.FindAllStringSubmatch(t.body, -1) {
			if s, ok := template.UnquoteLiteral(m[1]); ok {
				x.add(name, t.line, false, "", strings.ReplaceAll(s, "%", "%%"), "", takeComments(t.line))
			}
		}
	}
	return nil
}

// formatFlags marks messages holding Python format directives (what the template
// tags interpolate), as xgettext does.
func formatFlags(id string) []string {
	if strings.Contains(id, "%(") || strings.Contains(id, "%%") {
		return []string{"python-format"}
	}
	return nil
}

func (x *Extractor) blockTranslate(name string, toks []tplToken, i int, bits []string, comments []string) (int, error) {
	t := toks[i]
	hasCtx, ctx, trimmed, counted := false, "", false, false
	for k := 1; k < len(bits); k++ {
		switch bits[k] {
		case "context":
			if k+1 < len(bits) {
				c, ok := template.UnquoteLiteral(bits[k+1])
				if !ok {
					x.Warnings = append(x.Warnings, fmt.Sprintf("%s:%d: %s with a context that is not a literal is not extracted", name, t.line, bits[0]))
					return skipTo(toks, i, "end"+bits[0]), nil
				}
				hasCtx, ctx = true, c
				k++
			}
		case "trimmed":
			trimmed = true
		case "count":
			counted = true
		}
	}
	var singular, plural strings.Builder
	cur := &singular
	j := i + 1
	for ; j < len(toks); j++ {
		tk := toks[j]
		if tk.kind == 't' {
			cur.WriteString(strings.ReplaceAll(tk.body, "%", "%%"))
		} else if tk.kind == 'v' {
			cur.WriteString("%(" + tk.body + ")s")
		} else if tk.kind == 'b' && tk.body == "plural" && counted {
			cur = &plural
		} else if tk.kind == 'b' && tk.body == "end"+bits[0] {
			break
		} else {
			return j, fmt.Errorf("%s:%d: %s doesn't allow other block tags inside it", name, tk.line, bits[0])
		}
	}
	if j == len(toks) {
		return j, fmt.Errorf("%s:%d: unclosed %s", name, t.line, bits[0])
	}
	s, p := singular.String(), plural.String()
	if trimmed {
		s = trimRE.ReplaceAllString(strings.TrimSpace(s), " ")
		p = trimRE.ReplaceAllString(strings.TrimSpace(p), " ")
	}
	x.add(name, t.line, hasCtx, ctx, s, p, comments, formatFlags(s+p)...)
	return j, nil
}

func skipTo(toks []tplToken, i int, end string) int {
	for j := i + 1; j < len(toks); j++ {
		if toks[j].kind == 'b' && toks[j].body == end {
			return j
		}
	}
	return len(toks)
}
