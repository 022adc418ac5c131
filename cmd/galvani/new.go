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
	if v := moduleVersion(); v != "" {
		return "galvani " + v
	}
	return "galvani (devel): built from a local checkout; galvani new needs --galvani-dir pointing at it"
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
	switch {
	case *galvaniDir != "":
		abs, err := checkoutDir(*galvaniDir)
		if err != nil {
			return err
		}
		d.GalvaniDir = abs
		d.GalvaniVersion = "v0.0.0-00010101000000-000000000000"
	case moduleVersion() != "":
		d.GalvaniVersion = moduleVersion()
	default:
		return usageErrorf("this galvani command was built from a local checkout and knows no published Galvani version: " +
			"pass --galvani-dir with the checkout's directory, or install a release (go install github.com/galvani-web/galvani/cmd/galvani@latest)")
	}
	d.Binary = path.Base(d.Module)
	out := *dir
	if out == "" {
		out = name
	}
	files, err := render("project", "", d)
	if err != nil {
		return err
	}
	if err := writeAll(out, files); err != nil {
		return err
	}
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
  go run . migrate    # create the database (SQLite, db.sqlite3)
  go run .            # serve http://127.0.0.1:8000
  go test ./...

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
