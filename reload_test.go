package galvani

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const reloadProgram = `package main

import "github.com/galvani-web/galvani"

func main() {
	app := galvani.New()
	app.Get("/", func(c *galvani.Ctx) error { return c.Text(200, "VERSION") })
	app.Run()
}
`

// TestReloader builds a small program against this repository in a temporary module,
// runs it with DEBUG on (so runserver reloads by default), edits its source and
// watches the new version answer on the same port; a broken edit keeps the old
// version serving; a program that crashes at start-up gets a 503 stand-in until the
// next good build; SIGINT stops both processes. (Which files are watched is
// TestReloadWatchList's business.)
func TestReloader(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a program (-short)")
	}
	if why := reloadUnsupported(); why != "" {
		t.Skip(why)
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH")
	}
	repo, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	mod := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(mod, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/reloadsite\n\ngo 1.26\n\nrequire github.com/galvani-web/galvani v0.0.0\n\nreplace github.com/galvani-web/galvani => "+repo+"\n")
	if sum, err := os.ReadFile(filepath.Join(repo, "go.sum")); err == nil {
		write("go.sum", string(sum))
	}
	write("main.go", strings.Replace(reloadProgram, "VERSION", "version 1", 1))
	// Offline: everything needed is in the module cache already.
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "DEBUG=1", "ADDR=127.0.0.1:0")

	build := exec.Command(gobin, "build", "-o", filepath.Join(mod, "site"), ".")
	build.Dir, build.Env = mod, env
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the test program: %v\n%s", err, out)
	}

	var stdout, stderr syncBuffer
	cmd := exec.Command(filepath.Join(mod, "site"))
	cmd.Dir, cmd.Env = mod, env
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Kill()
		if t.Failed() {
			t.Logf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
		}
	}()

	var base string
	waitFor(t, "the banner", 20*time.Second, func() bool {
		m := servingRE.FindStringSubmatch(stdout.String())
		if m != nil {
			base = m[1]
		}
		return m != nil
	})
	if !strings.Contains(stdout.String(), "reloading on changes under") {
		t.Errorf("banner should announce the reloader: %q", stdout.String())
	}
	get := func() string {
		resp, err := http.Get(base + "/")
		if err != nil {
			return "error: " + err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	waitFor(t, "version 1", 20*time.Second, func() bool { return get() == "version 1" })

	// An edit is rebuilt and served on the same address.
	write("main.go", strings.Replace(reloadProgram, "VERSION", "version 2", 1))
	waitFor(t, "version 2 after the edit", 40*time.Second, func() bool { return get() == "version 2" })

	// A broken .go file keeps the running version.
	write("main.go", strings.Replace(reloadProgram, "VERSION", "version 3", 1)+"\nfunc broken() { undefined() }\n")
	waitFor(t, "the build failure report", 40*time.Second, func() bool {
		return strings.Contains(stderr.String(), "build failed (still serving the previous version)")
	})
	if !strings.Contains(stderr.String(), "undefined: undefined") {
		t.Errorf("the compiler's message should be printed: %q", stderr.String())
	}
	if got := get(); got != "version 2" {
		t.Errorf("after a failed build: %q, want the previous version still serving", got)
	}

	// A program that dies at start-up: the watcher answers 503 saying so, and the next
	// good build serves again.
	write("main.go", "package main\n\nfunc main() { panic(\"boom at start\") }\n")
	waitFor(t, "the stand-in 503", 40*time.Second, func() bool {
		resp, err := http.Get(base + "/")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode == http.StatusServiceUnavailable && strings.Contains(string(b), "the server is not running: it exited (exit status 2)")
	})
	write("main.go", strings.Replace(reloadProgram, "VERSION", "version 5", 1))
	waitFor(t, "version 5 after the crash", 40*time.Second, func() bool { return get() == "version 5" })

	// SIGINT stops the watcher and its server; the port is released.
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("the reloader exited with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the reloader did not exit after SIGINT")
	}
	if c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://")); err == nil {
		c.Close()
		t.Error("the port is still open after the reloader exited")
	}
}

func TestReloadWatchList(t *testing.T) {
	root := t.TempDir()
	files := map[string]bool{
		"main.go":                 true,
		"go.mod":                  true,
		"templates/base.html":     true,
		"templates/mail/body.txt": true,
		"static/site.css":         true,
		"main_test.go":            false,
		"README.md":               false,
		".hidden.go":              false,
		".git/config.go":          false,
		"_scratch/x.go":           false,
		"testdata/fixture.json":   false,
		"node_modules/a/index.js": false,
		"vendor/x/y.go":           false,
		"nested/go.mod":           false,
		"nested/inner.go":         false,
	}
	for name := range files {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	snap := scanTree(root)
	for name, want := range files {
		if _, got := snap[filepath.Join(root, name)]; got != want {
			t.Errorf("%s watched = %v, want %v", name, got, want)
		}
	}
	if len(changedFiles(snap, scanTree(root))) != 0 {
		t.Error("an unchanged tree reports changes")
	}
	// Modified (size), added and removed files are all changes.
	os.WriteFile(filepath.Join(root, "main.go"), []byte("xy"), 0o644)
	os.WriteFile(filepath.Join(root, "new.go"), []byte("x"), 0o644)
	os.Remove(filepath.Join(root, "static/site.css"))
	got := changedFiles(snap, scanTree(root))
	want := []string{filepath.Join(root, "main.go"), filepath.Join(root, "new.go"), filepath.Join(root, "static/site.css")}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("changes = %v, want %v", got, want)
	}
	// Same size, new modification time.
	snap = scanTree(root)
	later := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(root, "go.mod"), later, later)
	if got := changedFiles(snap, scanTree(root)); len(got) != 1 || !strings.HasSuffix(got[0], "go.mod") {
		t.Errorf("mtime change: %v", got)
	}
}

func TestFindModuleRoot(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "go.mod"), []byte("// comment\nmodule \"example.com/site\"\n\ngo 1.26\n"), 0o644)
	sub := filepath.Join(root, "cmd", "web")
	os.MkdirAll(sub, 0o755)
	if dir, m, err := findModuleRoot(sub, "example.com/site"); err != nil || dir != root || m != "example.com/site" {
		t.Errorf("findModuleRoot = %q, %q, %v", dir, m, err)
	}
	if dir, _, err := findModuleRoot(sub, ""); err != nil || dir != root {
		t.Errorf("findModuleRoot any = %q, %v", dir, err)
	}
	if _, _, err := findModuleRoot(sub, "example.com/other"); err == nil || !strings.Contains(err.Error(), "run the program from inside its module") {
		t.Errorf("wrong module: %v", err)
	}
}

func TestLocalReplacements(t *testing.T) {
	root := t.TempDir()
	lib := filepath.Join(root, "lib")
	abs := t.TempDir()
	os.MkdirAll(lib, 0o755)
	gomod := "module example.com/site\n\ngo 1.26\n\n" +
		"replace example.com/lib => ./lib // local\n" +
		"replace example.com/abs v1.0.0 => " + abs + "\n" +
		"replace example.com/remote => example.com/fork v1.2.3\n" +
		"replace example.com/missing => ../does-not-exist\n" +
		"replace (\n\texample.com/a => ./lib\n\t// comment\n\texample.com/b => github.com/x/b v0.1.0\n)\n" +
		"require example.com/lib v0.0.0 // => ./not-a-replacement\n"
	os.WriteFile(filepath.Join(root, "go.mod"), []byte(gomod), 0o644)
	got := localReplacements(root)
	want := []string{lib, abs, lib}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("localReplacements = %q, want %q", got, want)
	}
	// Files of a replaced directory are watched along with the module's.
	os.WriteFile(filepath.Join(abs, "lib.go"), []byte("package lib"), 0o644)
	os.WriteFile(filepath.Join(root, "main.go"), []byte("package main"), 0o644)
	snap := buildTarget{moduleRoot: root, replaced: got}.scan()
	for _, f := range []string{filepath.Join(abs, "lib.go"), filepath.Join(root, "main.go")} {
		if _, ok := snap[f]; !ok {
			t.Errorf("%s is not watched: %v", f, snap)
		}
	}
}

func TestFindBuildTarget(t *testing.T) {
	// The test binary is built from this module, and tests run in the package
	// directory (the module root), so the target is found from the build info.
	target, err := findBuildTarget()
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if target.moduleRoot != wd || target.dir != wd {
		t.Errorf("target = %+v, want the module root %s", target, wd)
	}
	// From a directory outside the module the source cannot be found.
	t.Chdir(t.TempDir())
	if _, err := findBuildTarget(); err == nil || !strings.Contains(err.Error(), "github.com/galvani-web/galvani") {
		t.Errorf("outside the module: %v", err)
	}
}

// settle waits for a file that is being written in pieces to stop changing, so the
// rebuild never compiles half a file.
func TestSettleWaitsForWritesToStop(t *testing.T) {
	old, oldMax := reloadSettle, reloadSettleMax
	reloadSettle, reloadSettleMax = 40*time.Millisecond, 10*time.Second
	t.Cleanup(func() { reloadSettle, reloadSettleMax = old, oldMax })
	dir := t.TempDir()
	p := filepath.Join(dir, "main.go")
	if err := os.WriteFile(p, []byte("package main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	scan := func() map[string]fileStamp { return scanTree(dir) }
	cur := scan()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
		defer f.Close()
		for i := 0; i < 10; i++ { // a slow writer: a piece every 25ms for 250ms
			f.WriteString("// piece\n")
			time.Sleep(25 * time.Millisecond)
		}
	}()
	time.Sleep(10 * time.Millisecond)
	got := settle(context.Background(), scan, scan())
	select {
	case <-done:
	default:
		t.Fatal("settle returned while the file was still being written")
	}
	st, _ := os.Stat(p)
	if got[p].size != st.Size() || len(changedFiles(cur, got)) != 1 {
		t.Errorf("settle's scan has size %d, the finished file %d", got[p].size, st.Size())
	}
}
