package main

import (
	"bytes"
	"go/token"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// repoRoot is the Galvani checkout the generated projects build against.
func repoRoot(t *testing.T) string {
	t.Helper()
	abs, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// cli runs the galvani command in-process and returns its exit status and output.
func cli(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func TestNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"mysite", true}, {"polls", true}, {"my_site2", true},
		{"", false}, {"MySite", false}, {"my-site", false}, {"2site", false}, {"_x", false},
		{"../evil", false}, {"a/b", false}, {`a\b`, false}, {"..", false}, {".", false},
		{"func", false}, {"type", false}, {"orm", false}, {"main", false}, {"migrations", false},
		{"pages", false}, {"testing", false}, {"é", false}, {"a b", false}, {"a\x00b", false},
		{strings.Repeat("a", 65), false}, {strings.Repeat("a", 64), true},
	} {
		err := checkName("app", tc.name)
		if (err == nil) != tc.ok {
			t.Errorf("checkName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
	for _, tc := range []struct {
		module string
		ok     bool
	}{
		{"mysite", true}, {"example.com/mysite", true}, {"github.com/me/my-site/v2", true},
		{"", false}, {"/abs", false}, {"a//b", false}, {"a/../b", false}, {"a/./b", false},
		{"a b", false}, {"example.com/", false}, {".hidden/x", false}, {"a/b.", false}, {`a\b`, false},
	} {
		err := checkModule(tc.module)
		if (err == nil) != tc.ok {
			t.Errorf("checkModule(%q) = %v, want ok=%v", tc.module, err, tc.ok)
		}
	}
}

func TestUsage(t *testing.T) {
	root := repoRoot(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "Usage:"},
		{[]string{"help"}, 0, "galvani startapp NAME"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"new"}, 2, "takes one NAME, got 0"},
		{[]string{"new", "a", "b"}, 2, "takes one NAME, got 2"},
		{[]string{"new", "../evil", "--galvani-dir", root}, 2, "is a path"},
		{[]string{"new", "My-Site", "--galvani-dir", root}, 2, `e.g. "my_site"`},
		{[]string{"new", "func", "--galvani-dir", root}, 2, "Go keyword"},
		{[]string{"new", "mysite", "--module", "a b", "--galvani-dir", root}, 2, "not a module path"},
		{[]string{"new", "mysite", "--bogus"}, 2, "flag provided but not defined: -bogus"},
		{[]string{"new", "mysite", "--galvani-dir", dir}, 2, "is not a Galvani checkout"},
		// Inside another module (here, this checkout) a project would be a nested module.
		{[]string{"new", "mysite", "--dir", filepath.Join(root, "mysite")}, 1, "is inside the Go module github.com/galvani-web/galvani"},
		{[]string{"new", "mysite", "--dir", filepath.Join(root, "cmd", "x", "y")}, 1, "galvani new mysite --dir " + filepath.Join(filepath.Dir(root), "mysite")},
		{[]string{"startapp"}, 2, "takes one NAME"},
		{[]string{"startapp", "polls", "--dir", dir}, 1, "no go.mod in"},
		{[]string{"startapp", "../polls", "--dir", dir}, 2, "is a path"},
		{[]string{"new", "-h"}, 0, ""},
		{[]string{"version"}, 0, "galvani (devel): built from the checkout at " + root},
	} {
		code, out, errOut := cli(tc.args...)
		if code != tc.code || !strings.Contains(out+errOut, tc.want) {
			t.Errorf("galvani %q: exit %d, output\n%s%s\nwant exit %d and %q", tc.args, code, out, errOut, tc.code, tc.want)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("refused commands wrote %d entries into %s", len(ents), dir)
	}
	for _, p := range []string{filepath.Join(root, "mysite"), filepath.Join(root, "cmd", "x")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("a refused new wrote %s", p)
		}
	}
}

// A galvani built from a checkout (go install ./cmd/galvani in a clone, or go run
// of it from a project that replaces Galvani with a local directory) builds new
// projects against that checkout without being told: no published version exists.
func TestNewFromCheckout(t *testing.T) {
	root := repoRoot(t)
	if got := sourceCheckout(); got != filepath.ToSlash(root) {
		t.Fatalf("sourceCheckout() = %q, want %q", got, root)
	}
	dir := filepath.Join(t.TempDir(), "site")
	code, out, errOut := cli("new", "mysite", "--dir", dir, "--no-tidy")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	gomod, _ := os.ReadFile(filepath.Join(dir, "go.mod"))
	if !strings.Contains(string(gomod), "replace github.com/galvani-web/galvani => "+filepath.ToSlash(root)+"\n") ||
		!strings.Contains(out, "Building against the Galvani checkout this command was built from, "+filepath.ToSlash(root)) {
		t.Errorf("go.mod:\n%s\noutput:\n%s", gomod, out)
	}
	for _, want := range []string{"go run . createsuperuser", "run go mod tidy"} {
		if !strings.Contains(out, want) {
			t.Errorf("galvani new's next steps lack %q:\n%s", want, out)
		}
	}
	// Copies in the module cache are published versions, not checkouts.
	for p, want := range map[string]bool{
		"/home/u/go/pkg/mod/github.com/galvani-web/galvani@v1.2.3": true,
		"/home/u/src/galvani": false,
	} {
		if got := inModuleCache(filepath.FromSlash(p)); got != want {
			t.Errorf("inModuleCache(%s) = %v", p, got)
		}
	}
}

func TestRefusesToOverwrite(t *testing.T) {
	root := repoRoot(t)
	dir := filepath.Join(t.TempDir(), "site")
	if err := os.MkdirAll(filepath.Join(dir, "pages"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"main.go", "pages/views.go"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, _, errOut := cli("new", "mysite", "--dir", dir, "--galvani-dir", root, "--no-tidy")
	if code != 1 || !strings.Contains(errOut, "refusing to overwrite") ||
		!strings.Contains(errOut, filepath.Join(dir, "main.go")) || !strings.Contains(errOut, filepath.Join(dir, "pages", "views.go")) {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); !os.IsNotExist(err) {
		t.Fatalf("a refused new wrote go.mod (stat: %v)", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "main.go")); string(b) != "mine" {
		t.Fatalf("main.go was overwritten: %q", b)
	}

	// startapp: a project, then the same app twice.
	proj := filepath.Join(t.TempDir(), "proj")
	if code, _, errOut := cli("new", "proj", "--dir", proj, "--galvani-dir", root, "--no-tidy"); code != 0 {
		t.Fatalf("new: exit %d: %s", code, errOut)
	}
	code, out, errOut := cli("startapp", "polls", "--dir", proj)
	if code != 0 {
		t.Fatalf("startapp: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"polls/app.go", "polls/models.go", "polls/views.go", "polls/polls_test.go",
		"polls/templates/polls/index.html", "polls/migrations/migrations.go", "polls/urls.go", `"proj/polls"`, `galvani.Include("/polls/", polls.App),`} {
		if !strings.Contains(out, want) {
			t.Errorf("startapp output lacks %q:\n%s", want, out)
		}
	}
	code, _, errOut = cli("startapp", "polls", "--dir", proj)
	if code != 1 || !strings.Contains(errOut, filepath.Join(proj, "polls", "app.go")) {
		t.Fatalf("second startapp: exit %d, stderr:\n%s", code, errOut)
	}
}

func TestGoModAndSecrets(t *testing.T) {
	root := repoRoot(t)
	dir := filepath.Join(t.TempDir(), "site")
	code, out, errOut := cli("new", "mysite", "--module", "example.com/me/mysite", "--dir", dir, "--galvani-dir", root, "--no-tidy")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	gomod, _ := os.ReadFile(filepath.Join(dir, "go.mod"))
	for _, want := range []string{"module example.com/me/mysite\n", "require github.com/galvani-web/galvani v0.0.0-",
		"replace github.com/galvani-web/galvani => " + filepath.ToSlash(root)} {
		if !strings.Contains(string(gomod), want) {
			t.Errorf("go.mod lacks %q:\n%s", want, gomod)
		}
	}
	if got := readModulePath(gomod); got != "example.com/me/mysite" {
		t.Errorf("readModulePath = %q", got)
	}
	mainGo, _ := os.ReadFile(filepath.Join(dir, "main.go"))
	projectGo, _ := os.ReadFile(filepath.Join(dir, "project", "project.go"))
	if !strings.Contains(string(mainGo), `"example.com/me/mysite/project"`) || !strings.Contains(string(projectGo), `"example.com/me/mysite/pages"`) {
		t.Errorf("main.go and project.go do not import the project's packages by module path")
	}
	// The key printed for production is in no generated file.
	i := strings.Index(out, "export SECRET_KEY=")
	if i < 0 {
		t.Fatalf("no SECRET_KEY suggestion in:\n%s", out)
	}
	key := strings.Fields(out[i+len("export SECRET_KEY="):])[0]
	if len(key) != 64 {
		t.Fatalf("suggested key %q is not 64 characters", key)
	}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(key)) {
				t.Errorf("%s contains the secret key", p)
			}
		}
		return err
	})
	gi, _ := os.ReadFile(filepath.Join(dir, ".gitignore"))
	for _, want := range []string{"*.sqlite3", "/mysite\n", ".env"} {
		if !strings.Contains(string(gi), want) {
			t.Errorf(".gitignore lacks %q", want)
		}
	}
	// The deployment kit names the project's binary and runs it as it should.
	for file, wants := range map[string][]string{
		"deploy/site.service": {"ExecStart=/usr/local/bin/mysite\n", "ExecStartPre=/usr/local/bin/mysite migrate", "EnvironmentFile=/etc/mysite/env", "KillSignal=SIGTERM"},
		"deploy/nginx.conf":   {"upstream mysite {", "proxy_pass http://mysite;", "proxy_next_upstream error timeout;"},
		"Dockerfile":          {"FROM golang:" + goVersion + " AS build", "CGO_ENABLED=0 go build", "USER nonroot:nonroot", `ENTRYPOINT ["/site"]`},
		"README.md":           {"## Production", "check --deploy", "deploy/site.service"},
	} {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(file)))
		if err != nil {
			t.Errorf("galvani new wrote no %s: %v", file, err)
			continue
		}
		for _, want := range wants {
			if !strings.Contains(string(b), want) {
				t.Errorf("%s lacks %q:\n%s", file, want, b)
			}
		}
	}
}

func TestVersionOf(t *testing.T) {
	for _, tc := range []struct {
		path, version, want string
	}{
		{galvaniModule, "v1.2.3", "v1.2.3"},
		{galvaniModule, "v0.0.0-20261121203000-0123456789ab", "v0.0.0-20261121203000-0123456789ab"},
		{galvaniModule, "(devel)", ""},
		{galvaniModule, "", ""},
		{galvaniModule, "v1.2.4-0.20261121203000-0123456789ab+dirty", ""},
		{"example.com/fork", "v1.2.3", ""},
	} {
		info := &debug.BuildInfo{Main: debug.Module{Path: tc.path, Version: tc.version}}
		if got := versionOf(info); got != tc.want {
			t.Errorf("versionOf(%s@%s) = %q, want %q", tc.path, tc.version, got, tc.want)
		}
	}
}

// FuzzNames: an accepted project or app name is a plain identifier (no path), and an
// accepted module path has no empty, "." or ".." element; nothing panics.
func FuzzNames(f *testing.F) {
	for _, s := range []string{"mysite", "../x", "a/b", "My-Site", "func", "example.com/a/v2", "a//b", "\x00", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if checkName("app", s) == nil {
			if strings.ContainsAny(s, "/\\.") || !token.IsIdentifier(s) || filepath.Base(s) != s {
				t.Fatalf("checkName accepted %q", s)
			}
		}
		if checkName("app", suggestName(s)) != nil && !reserved[suggestName(s)] && !token.IsKeyword(suggestName(s)) && len(suggestName(s)) <= 64 {
			t.Fatalf("suggestName(%q) = %q, which checkName refuses", s, suggestName(s))
		}
		if checkModule(s) == nil {
			for _, e := range strings.Split(s, "/") {
				if e == "" || e == "." || e == ".." {
					t.Fatalf("checkModule accepted %q", s)
				}
			}
		}
		readModulePath([]byte(s))
	})
}

func TestReadModulePath(t *testing.T) {
	for in, want := range map[string]string{
		"module a\n":                    "a",
		"// c\nmodule \"ex.com/a\"\n":   "ex.com/a",
		"module ex.com/b // comment\n":  "ex.com/b",
		"go 1.26\n":                     "",
		"modulex a\n":                   "",
		"\n\nmodule  ex.com/c/v2\ngo 1": "ex.com/c/v2",
	} {
		if got := readModulePath([]byte(in)); got != want {
			t.Errorf("readModulePath(%q) = %q, want %q", in, got, want)
		}
	}
}
