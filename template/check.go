package template

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/galvani-web/galvani"
)

// templateExts are the file extensions CompileAll treats as templates.
var templateExts = map[string]bool{".html": true, ".htm": true, ".txt": true, ".xml": true, ".json": true, ".md": true, ".email": true, ".tmpl": true}

// CompileAll compiles every template the engine's FSLoader and MapLoader loaders hold
// (files with a template extension: .html .htm .txt .xml .json .md .email .tmpl) and
// returns their syntax errors, so a project finds them before a request does. Setup
// runs it as a system check (`check` reports templates.E001).
func (e *Engine) CompileAll() []error {
	_, errs := e.compileAll()
	return errs
}

// compileAll compiles every template of the FSLoader and MapLoader loaders and
// returns the compiled ones and the errors.
func (e *Engine) compileAll() ([]*Template, []error) {
	e.mu.RLock()
	loaders := e.loaders
	e.mu.RUnlock()
	var errs []error
	var tmpls []*Template
	for idx, l := range loaders {
		var names []string
		switch x := l.(type) {
		case FSLoader:
			_ = fs.WalkDir(x.FS, ".", func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return nil
				}
				if !d.IsDir() && templateExts[strings.ToLower(path.Ext(p))] && len(names) < 100_000 {
					names = append(names, p)
				}
				return nil
			})
		case MapLoader:
			for n := range x {
				names = append(names, n)
			}
			sort.Strings(names)
		}
		for _, n := range names {
			src, err := l.Load(n)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			t, err := e.compile(n, src, idx)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			tmpls = append(tmpls, t)
		}
	}
	return tmpls, errs
}

// checkTemplates is the system check Setup registers.
func (e *Engine) checkTemplates(*galvani.App) []galvani.CheckMessage {
	var msgs []galvani.CheckMessage
	tmpls, errs := e.compileAll()
	for _, t := range tmpls {
		msgs = append(msgs, e.checkURLNames(t)...)
	}
	for _, err := range errs {
		obj := "templates"
		if te, ok := err.(*Error); ok && te.Template != "" {
			obj = te.Template
		}
		msgs = append(msgs, galvani.CheckMessage{Level: galvani.CheckError, ID: "templates.E001", Msg: err.Error(), Object: obj,
			Hint: "fix the template; it would fail on every render"})
	}
	return msgs
}

// checkURLNames reports the {% url "name" %} tags of t whose literal name no route
// has (templates.W001), with the resolver's "did you mean". A tag with "as var" is
// left alone: Django lets it fail quietly on purpose (a link shown only when its
// app is installed).
func (e *Engine) checkURLNames(t *Template) []galvani.CheckMessage {
	if e.urlFunc == nil {
		return nil
	}
	type found struct {
		line int
		msg  string
	}
	var out []found
	for n, tok := range t.positions {
		u, ok := n.(*urlNode)
		if !ok || u.as != "" || u.name == nil || u.name.v == nil || !u.name.v.isLiteral || len(u.name.filters) > 0 {
			continue
		}
		name, ok := u.name.v.literal.Interface().(string)
		if !ok {
			if s, isSafe := u.name.v.literal.Interface().(SafeString); isSafe {
				name, ok = string(s), true
			}
		}
		if !ok {
			continue
		}
		if _, err := e.urlFunc(name); err != nil && errors.Is(err, galvani.ErrUnknownRouteName) {
			out = append(out, found{tok.Line, fmt.Sprintf("%s, line %d: {%% url %q %%}: %v", t.name, tok.Line, name, err)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].line < out[j].line })
	msgs := make([]galvani.CheckMessage, len(out))
	for i, f := range out {
		msgs[i] = galvani.CheckMessage{Level: galvani.CheckWarning, ID: "templates.W001", Object: t.name, Msg: f.msg,
			Hint: "a route name is \"app:name\" (go run . routes lists them); the tag fails every render that reaches it"}
	}
	return msgs
}
