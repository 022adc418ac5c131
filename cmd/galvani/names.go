package main

import (
	"go/token"
	"regexp"
	"strings"
)

// reserved are names a project or app may not take: the packages the generated code
// imports (an app named "orm" would shadow the ORM in main.go), the standard
// packages it uses, and names the go command treats specially.
var reserved = map[string]bool{
	"galvani": true, "security": true, "session": true, "messages": true, "migrate": true,
	"migrations": true, "orm": true, "template": true, "static": true, "templates": true,
	"csrf": true, "forms": true, "galvanitest": true, "main": true, "pages": true,
	"context": true, "embed": true, "fs": true, "io": true, "log": true, "os": true,
	"http": true, "testing": true, "filepath": true, "time": true, "errors": true,
	"test": true, "testdata": true, "vendor": true, "internal": true, "app": true,
	"std": true, "cmd": true, "all": true,
}

var lowerIdent = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// checkName validates a project or app name: it becomes a directory and (for apps) a
// Go package name and a URL namespace, so it must be a lower-case Go identifier that
// is not a keyword or a name the generated code needs.
func checkName(kind, name string) error {
	switch {
	case name == "":
		return usageErrorf("%s needs a NAME", kind)
	case len(name) > 64:
		return usageErrorf("%s name %.20q... is longer than 64 characters", kind, name)
	case strings.ContainsAny(name, `/\`) || strings.Contains(name, ".."):
		return usageErrorf("%s name %q is a path; give a plain name (use --dir to choose where the files go)", kind, name)
	case !lowerIdent.MatchString(name):
		return usageErrorf("%s name %q is not a valid Go package name: use lower-case letters, digits and underscores, starting with a letter (e.g. %q)", kind, name, suggestName(name))
	case token.IsKeyword(name):
		return usageErrorf("%s name %q is a Go keyword", kind, name)
	case reserved[name]:
		return usageErrorf("%s name %q conflicts with a package the generated code uses; choose another", kind, name)
	}
	return nil
}

// suggestName turns s into a valid name, for the error message.
func suggestName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9' && b.Len() > 0:
			b.WriteRune(r)
		case (r == '-' || r == '_' || r == ' ' || r == '.') && b.Len() > 0:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "mysite"
	}
	return strings.Trim(b.String(), "_")
}

var modulePath = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._~-]*(/[A-Za-z0-9._~-]+)*$`)

// checkModule validates a module path given with --module.
func checkModule(m string) error {
	if !modulePath.MatchString(m) || len(m) > 300 {
		return usageErrorf("--module %q is not a module path: use letters, digits and ._~- separated by slashes, e.g. example.com/mysite", m)
	}
	for _, elem := range strings.Split(m, "/") {
		if elem == "." || elem == ".." || strings.HasPrefix(elem, ".") || strings.HasSuffix(elem, ".") {
			return usageErrorf("--module %q has an element %q that starts or ends with a dot", m, elem)
		}
	}
	return nil
}
