package template

import (
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
	e.mu.RLock()
	loaders := e.loaders
	e.mu.RUnlock()
	var errs []error
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
			if _, err := e.compile(n, src, idx); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errs
}

// checkTemplates is the system check Setup registers.
func (e *Engine) checkTemplates(*galvani.App) []galvani.CheckMessage {
	var msgs []galvani.CheckMessage
	for _, err := range e.CompileAll() {
		obj := "templates"
		if te, ok := err.(*Error); ok && te.Template != "" {
			obj = te.Template
		}
		msgs = append(msgs, galvani.CheckMessage{Level: galvani.CheckError, ID: "templates.E001", Msg: err.Error(), Object: obj,
			Hint: "fix the template; it would fail on every render"})
	}
	return msgs
}
