package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
)

// galvaniModule is the module every generated project requires.
const galvaniModule = "github.com/galvani-web/galvani"

// goVersion is the go directive of generated projects: Galvani's own minimum.
const goVersion = "1.26.0"

// projectData fills the skel/project templates.
type projectData struct {
	Name, Module, GoVersion string
	Binary                  string // what go build names the program: the module path's last element
	GalvaniVersion          string // the required version
	GalvaniDir              string // a replace target, or ""
}

// moduleVersion returns the version of the galvani module this binary was built
// from, when the build info has a fetchable one (go install ...@v1.2.3 or @latest).
func moduleVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	return versionOf(info)
}

// versionOf returns the galvani module's version recorded in info, or "".
func versionOf(info *debug.BuildInfo) string {
	if info.Main.Path != galvaniModule {
		return ""
	}
	v := info.Main.Version
	if v == "" || v == "(devel)" || strings.Contains(v, "+") { // +dirty: a local, uncommitted build
		return ""
	}
	return v
}

func versionString() string {
	if dir := sourceCheckout(); dir != "" {
		return "galvani (devel): built from the checkout at " + dir + "; galvani new builds projects against it"
	}
	if v := moduleVersion(); v != "" {
		return "galvani " + v
	}
	return "galvani (devel): built from a checkout that is gone; galvani new needs --galvani-dir pointing at one"
}

// sourceCheckout returns the Galvani checkout this command was built from, when
// its source is still there and is not a read-only copy in the module cache:
// `go install ./cmd/galvani` in a clone, or `go run` of the command from a project
// whose go.mod replaces Galvani with a local directory. Generated projects then
// build against that checkout (a replace directive), which is what works until a
// version of Galvani is published. It returns "" for a build with -trimpath, from
// the module cache (go install ...@version), or when the checkout moved.
func sourceCheckout() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		return ""
	}
	dir := filepath.Dir(filepath.Dir(filepath.Dir(file))) // .../cmd/galvani/new.go
	if inModuleCache(dir) {
		return ""
	}
	abs, err := checkoutDir(dir)
	if err != nil {
		return ""
	}
	return abs
}

// inModuleCache reports whether dir is inside the go command's module cache
// (GOMODCACHE, default GOPATH/pkg/mod), where published versions are unpacked.
func inModuleCache(dir string) bool {
	slash := filepath.ToSlash(dir)
	if strings.Contains(slash, "/pkg/mod/") && strings.Contains(slash, "@") {
		return true
	}
	if c := os.Getenv("GOMODCACHE"); c != "" {
		if rel, err := filepath.Rel(c, dir); err == nil && !strings.HasPrefix(rel, "..") {
			return true
		}
	}
	return false
}

// enclosingModule returns the go.mod of the module that contains dir (walking
// up), or "".
func enclosingModule(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for d := abs; ; {
		p := filepath.Join(d, "go.mod")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
		parent := filepath.Dir(d)
		if parent == d {
			return ""
		}
		d = parent
	}
}

func cmdNew(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("galvani new", flag.ContinueOnError)
	fs.SetOutput(stderr)
	module := fs.String("module", "", "the new module's path (default NAME), e.g. example.com/mysite")
	dir := fs.String("dir", "", "the directory to write the project into (default ./NAME)")
	galvaniDir := fs.String("galvani-dir", "", "a local checkout of Galvani to build against (a replace directive)")
	noTidy := fs.Bool("no-tidy", false, "do not run go mod tidy in the new project")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("galvani new takes one NAME, got %d arguments", len(pos))
	}
	name := pos[0]
	if err := checkName("project", name); err != nil {
		return err
	}
	d := projectData{Name: name, Module: name, GoVersion: goVersion}
	if *module != "" {
		if err := checkModule(*module); err != nil {
			return err
		}
		d.Module = *module
	}
	out := *dir
	if out == "" {
		out = name
	}
	var note string
	switch {
	case *galvaniDir != "":
		abs, err := checkoutDir(*galvaniDir)
		if err != nil {
			return err
		}
		d.GalvaniDir = abs
	case sourceCheckout() != "":
		d.GalvaniDir = sourceCheckout()
		note = fmt.Sprintf("Building against the Galvani checkout this command was built from, %s\n(a replace directive in go.mod; pass --galvani-dir to choose another).\n", d.GalvaniDir)
	case moduleVersion() != "":
		d.GalvaniVersion = moduleVersion()
	default:
		return usageErrorf("this galvani command was built from a checkout that is no longer at the path it was built from, " +
			"and knows no published Galvani version: pass --galvani-dir with the checkout's directory")
	}
	if d.GalvaniDir != "" {
		d.GalvaniVersion = "v0.0.0-00010101000000-000000000000"
	}
	// A project written inside another module (this checkout, or the project you
	// are in) is a nested module: the outer module's go build, go test ./... and
	// reloader skip it, and `go run` of this command from there would have tied the
	// new project to the outer project's replace directives. Refuse, and say where
	// to write it instead.
	if gomod := enclosingModule(filepath.Dir(filepath.Clean(out))); gomod != "" {
		m, _ := os.ReadFile(gomod)
		return fmt.Errorf("refusing to write the project into %s: that directory is inside the Go module %s (%s), "+
			"whose go build and go test ./... would skip a module nested in it. "+
			"Create it outside, e.g. galvani new %s --dir %s",
			out, readModulePath(m), gomod, name, filepath.Join(filepath.Dir(filepath.Dir(gomod)), name))
	}
	d.Binary = path.Base(d.Module)
	files, err := render("project", "", d)
	if err != nil {
		return err
	}
	if err := writeAll(out, files); err != nil {
		return err
	}
	fmt.Fprint(stdout, note)
	fmt.Fprintf(stdout, "Created project %s in %s:\n", name, out)
	for _, p := range paths(files) {
		fmt.Fprintf(stdout, "  %s\n", p)
	}
	if !*noTidy {
		if err := tidy(out, stderr); err != nil {
			fmt.Fprintf(stdout, "\ngo mod tidy failed (%v); run it in %s before building.\n", err, out)
		}
	}
	fmt.Fprintf(stdout, `
Next:
  cd %s
  go run . migrate            # create the database (SQLite, db.sqlite3)
  go run . createsuperuser    # an account to log in with
  go run .                    # serve http://127.0.0.1:8000
  go test ./...

After importing another battery (cache, mail, rest, ...), run go mod tidy.

In production, set SECRET_KEY in the environment (never in the repository), for example
  export SECRET_KEY=%s
and make new ones with: go run . secretkey
`, out, newSecretKey())
	return nil
}

// checkoutDir returns the absolute path of a Galvani checkout, checking its go.mod.
func checkoutDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(filepath.Join(abs, "go.mod"))
	if err != nil {
		return "", usageErrorf("--galvani-dir %s is not a Galvani checkout: %v", dir, err)
	}
	if readModulePath(b) != galvaniModule {
		return "", usageErrorf("--galvani-dir %s holds module %q, not %s", dir, readModulePath(b), galvaniModule)
	}
	return filepath.ToSlash(abs), nil
}

var moduleLine = regexp.MustCompile(`(?m)^module\s+"?([^"\s]+)"?\s*(//.*)?$`)

// readModulePath returns the module path declared in a go.mod file.
func readModulePath(gomod []byte) string {
	m := moduleLine.FindSubmatch(gomod)
	if m == nil {
		return ""
	}
	return string(m[1])
}

// tidy runs go mod tidy in dir, so go.sum exists before the first build.
func tidy(dir string, stderr io.Writer) error {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("the go command is not on PATH")
	}
	// -e: a missing test dependency of a dependency (which a build never needs) must
	// not stop go.mod and go.sum from being written.
	cmd := exec.Command(gobin, "mod", "tidy", "-e")
	cmd.Dir = dir
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		stderr.Write(buf.Bytes())
		return err
	}
	return nil
}
