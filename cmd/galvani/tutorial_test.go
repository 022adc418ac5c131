package main

import (
	"bufio"
	"context"
	"fmt"
	"go/format"
	"go/parser"
	"go/token"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var servingRE = regexp.MustCompile(`serving at (http://[^/ ]+)/`)

// syncBuffer is a strings.Builder safe for a writer and a reader in different
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// step is one thing docs/tutorial.md tells the reader to do: run a command or write
// a file.
type step struct {
	command string // after "$ "
	file    string // the path of a "File `path`:" block
	content string
}

var fileMarker = regexp.MustCompile("^File `([^`]+)`:$")

// tutorialSteps reads the commands ("$ ..." lines of sh blocks) and files ("File
// `path`:" followed by a fenced block) of a tutorial, in order.
func tutorialSteps(t *testing.T, path string) []step {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var steps []step
	var inFence bool
	var fenceLang, pendingFile string
	var body []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			if !inFence {
				inFence, fenceLang, body = true, strings.TrimPrefix(line, "```"), nil
				continue
			}
			inFence = false
			if pendingFile != "" {
				steps = append(steps, step{file: pendingFile, content: strings.Join(body, "\n") + "\n"})
				pendingFile = ""
			}
			continue
		}
		if inFence {
			body = append(body, line)
			if fenceLang == "sh" && strings.HasPrefix(line, "$ ") && pendingFile == "" {
				steps = append(steps, step{command: strings.TrimPrefix(line, "$ ")})
			}
			continue
		}
		if m := fileMarker.FindStringSubmatch(line); m != nil {
			pendingFile = m[1]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return steps
}

// TestTutorial follows docs/tutorial.md literally, from an empty directory outside
// the repository: every "$ ..." command runs in a shell, in order, in the directory
// the previous cd commands lead to, and every file it shows is written. Two things
// stand in for the outside world: "git clone https://github.com/galvani-web/galvani"
// links this checkout instead of cloning, and the server of "go run ." listens on a
// free port (ADDR) instead of 8000, which another program on the machine may hold.
// The install lines startapp prints are added to project/project.go as the tutorial
// asks the reader to. Along the way the test checks what the commands print, serves
// the site and logs in with the account createsuperuser made, kills the go command
// to see the server let go of the port, and, at the end, imports every battery and
// runs the go mod tidy that the docs prescribe.
func TestTutorial(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests generated projects with the go command")
	}
	root := repoRoot(t)
	tutorial, err := os.ReadFile(filepath.Join(root, "docs", "tutorial.md"))
	if err != nil {
		t.Fatal(err)
	}
	steps := tutorialSteps(t, filepath.Join(root, "docs", "tutorial.md"))
	var ncmd, nfile int
	for _, s := range steps {
		if s.file != "" {
			nfile++
		} else {
			ncmd++
		}
	}
	if ncmd < 15 || nfile < 7 {
		t.Fatalf("read %d commands and %d files from the tutorial; its markers changed?", ncmd, nfile)
	}

	home := t.TempDir() // the reader's empty directory
	sh := newShell(t, home)
	dir := home
	for _, s := range steps {
		if s.file != "" {
			if filepath.IsAbs(s.file) || strings.Contains(s.file, "..") {
				t.Fatalf("tutorial file %q leaves the project", s.file)
			}
			p := filepath.Join(dir, filepath.FromSlash(s.file))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(s.content), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Logf("$ %s", s.command)
		args := strings.Fields(s.command)
		switch {
		case s.command == "git clone https://github.com/galvani-web/galvani":
			// No network: the clone is this checkout.
			if err := os.Symlink(root, filepath.Join(dir, "galvani")); err != nil {
				t.Fatal(err)
			}
		case len(args) == 2 && args[0] == "cd":
			dir = filepath.Clean(filepath.Join(dir, args[1]))
			if _, err := os.Stat(dir); err != nil {
				t.Fatalf("cd %s: %v", args[1], err)
			}
		case s.command == "go run .":
			serveAndKill(t, sh, dir)
		default:
			var stdin string
			if len(args) > 3 && args[2] == "." && args[3] == "createsuperuser" {
				stdin = "a long tutorial passphrase\na long tutorial passphrase\n"
			}
			out := sh.run(dir, s.command, stdin)
			checkOutput(t, s.command, out)
			switch {
			case len(args) == 3 && args[0] == "galvani" && args[1] == "new":
				checkQuotedNew(t, filepath.Join(dir, args[2]), string(tutorial))
			case len(args) == 3 && args[0] == "galvani" && args[1] == "startapp":
				installApp(t, dir, out, string(tutorial))
			}
		}
	}
	if !strings.HasPrefix(dir, home) || dir == home {
		t.Fatalf("the tutorial ends in %s, not in the project", dir)
	}
	checkEveryBatteryImports(t, sh, root, dir)
}

// commandTimeout stops a tutorial command that hangs. The first go test of a new
// project compiles every battery it imports (SQLite, auth, the admin...), which has
// taken five minutes on a loaded two-core machine with a cold build cache.
const commandTimeout = 9 * time.Minute

// shell runs tutorial commands with sh, as a reader's terminal would: the go
// command's caches and proxy settings of the test's environment, GOBIN inside the
// reader's directory and on PATH (go install puts galvani there), and none of the
// project settings variables of the test's own environment.
type shell struct {
	t   *testing.T
	env []string
}

func newShell(t *testing.T, home string) *shell {
	bin := filepath.Join(home, ".bin")
	sh := &shell{t: t}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "DATABASE_URL", k == "SECRET_KEY", k == "ALLOWED_HOSTS", k == "DEBUG", k == "ADDR", k == "PORT",
			k == "GOBIN", k == "PATH", k == "GOWORK", k == "PWD", strings.HasPrefix(k, "GALVANI_"):
		default:
			sh.env = append(sh.env, kv)
		}
	}
	// GOFLAGS, GOMODCACHE, GOCACHE and GOPROXY pass through: the commands share the
	// test run's module and build caches.
	sh.env = append(sh.env, "GOBIN="+bin, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "GOWORK=off")
	return sh
}

// run runs command in dir with stdin and returns its combined output; a failure,
// or a command that hangs (takes longer than commandTimeout), fails the test.
func (sh *shell) run(dir, command, stdin string) string {
	sh.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.Dir = dir
	cmd.Env = append(sh.env, "PWD="+dir)
	cmd.Stdin = strings.NewReader(stdin)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	sh.t.Logf("  (%.1fs)", time.Since(start).Seconds())
	if err != nil {
		sh.t.Fatalf("$ %s (in %s): %v\n%s", command, dir, err, out)
	}
	return string(out)
}

// serveAndKill runs "go run ." as the reader does and uses the site: the home page,
// the login page in the site's layout, and a login with the superuser the tutorial
// made. Then it kills the go command, the way an editor's stop button or a closed
// terminal does, and checks that the server does not keep the port.
func serveAndKill(t *testing.T, sh *shell, dir string) {
	t.Helper()
	cmd := exec.Command("go", "run", ".")
	cmd.Dir = dir
	cmd.Env = append(sh.env, "PWD="+dir, "ADDR=127.0.0.1:0")
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var base string
	deadline := time.Now().Add(3 * time.Minute)
	for base == "" {
		if m := servingRE.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("go run . printed no banner:\n%s", out.String())
		} else {
			time.Sleep(50 * time.Millisecond)
		}
	}
	// Requests wait in the socket's backlog until the reloader's child serves.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: time.Minute}
	get := func(path string, want ...string) string {
		t.Helper()
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v\n%s", path, err, out.String())
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d\n%s", path, resp.StatusCode, b)
		}
		for _, w := range want {
			if !strings.Contains(string(b), w) {
				t.Fatalf("GET %s lacks %q:\n%s", path, w, b)
			}
		}
		return string(b)
	}
	if strings.Contains(out.String(), "/polls/") || fileExists(filepath.Join(dir, "polls")) {
		get("/polls/", "<h1>Polls</h1>")
	} else {
		get("/", "It worked!", "Log in")
	}
	login := get("/accounts/login/", "<h1>Log in</h1>", `<link rel="stylesheet" href="/static/css/site.`)
	m := regexp.MustCompile(`name="csrfmiddlewaretoken" value="([^"]+)"`).FindStringSubmatch(login)
	if m == nil {
		t.Fatalf("no CSRF token in the login page:\n%s", login)
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.PostForm(base+"/accounts/login/", url.Values{
		"csrfmiddlewaretoken": {m[1]}, "username": {"admin"}, "password": {"a long tutorial passphrase"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("logging in as the superuser: %d", resp.StatusCode)
	}
	client.CheckRedirect = nil
	get("/", `<span class="user">admin</span>`)
	get("/admin/", "Site administration") // the superuser is staff

	// The dev server says once that logins use a random key, and nothing else
	// about SECRET_KEY.
	if n := strings.Count(out.String(), "SECRET_KEY is"); n != 1 {
		t.Errorf("go run . mentions SECRET_KEY %d times:\n%s", n, out.String())
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	addr := strings.TrimPrefix(base, "http://")
	deadline = time.Now().Add(15 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("killing go run left a server on %s:\n%s", addr, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// checkQuotedNew checks that the tutorial quotes project/project.go's galvani.New
// call as generated.
func checkQuotedNew(t *testing.T, project, tutorial string) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(project, "project", "project.go"))
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(tutorial, "app := galvani.New(settings,")
	if i < 0 {
		t.Fatal("the tutorial no longer quotes project.go's galvani.New call")
	}
	quote := tutorial[i:]
	quote = quote[:strings.Index(quote, "\n)\n")]
	for _, l := range strings.Split(quote, "\n") {
		if !strings.Contains(string(src), strings.TrimSpace(l)) {
			t.Errorf("the tutorial quotes %q, which the generated project.go lacks", strings.TrimSpace(l))
		}
	}
}

// checkEveryBatteryImports does what the project's README and the tutorial say to do
// to use another battery: import it, then go mod tidy. Every package of Galvani
// that a project may import must then build.
func checkEveryBatteryImports(t *testing.T, sh *shell, root, dir string) {
	t.Helper()
	var pkgs []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			base := d.Name()
			if rel != "." && (strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_") || base == "testdata" ||
				base == "internal" || base == "examples" || base == "cmd" || base == "docs" || base == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
			if f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.PackageClauseOnly); err != nil || f.Name.Name == "main" {
				return nil // a program (bench/..., a tool), not a package to import
			}
			pkg := "github.com/galvani-web/galvani"
			if d := path.Dir(rel); d != "." {
				pkg += "/" + d
			}
			if len(pkgs) == 0 || pkgs[len(pkgs)-1] != pkg {
				pkgs = append(pkgs, pkg)
			}
		}
		return nil
	})
	if len(pkgs) < 20 {
		t.Fatalf("found %d packages in %s", len(pkgs), root)
	}
	var b strings.Builder
	b.WriteString("package main\n\n// Every battery, imported as the docs say: import it, then go mod tidy.\nimport (\n")
	for _, p := range pkgs {
		fmt.Fprintf(&b, "\t_ %q\n", p)
	}
	b.WriteString(")\n")
	if err := os.WriteFile(filepath.Join(dir, "batteries.go"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	sh.run(dir, "go mod tidy", "")
	// Every import resolves, each module with its go.sum entry (what "missing go.sum
	// entry" was about). go list loads them without compiling the batteries, which
	// the packages' own tests do.
	if out := sh.run(dir, "go list -deps -f '{{with .Error}}{{.}}{{end}}' .", ""); strings.TrimSpace(out) != "" {
		t.Errorf("after go mod tidy, imports do not resolve:\n%s", out)
	}
	readme, _ := os.ReadFile(filepath.Join(dir, "README.md"))
	if !strings.Contains(string(readme), "go mod tidy") {
		t.Error("the project's README does not say to run go mod tidy after importing a battery")
	}
}

// checkOutput checks what a tutorial command printed.
func checkOutput(t *testing.T, command, out string) {
	t.Helper()
	var want []string
	args := strings.Fields(command)
	if i := slices.Index(args, "."); i >= 0 && i+1 < len(args) && args[0] != "galvani" {
		args = args[i+1:]
	} else {
		args = append([]string{"shell"}, args...)
	}
	switch args[0] {
	case "makemigrations":
		want = []string{"polls/migrations/0001_initial.go", "Create model polls.Question", "Create model polls.Choice"}
	case "migrate":
		want = []string{"Running migrations:"}
	case "sqlmigrate":
		want = []string{"CREATE TABLE", "polls_question", "polls_choice"}
	case "showmigrations":
		want = []string{"polls", "[X] 0001_initial", "auth"}
	case "routes":
		want = []string{"polls:index", "polls:new", "polls:detail", "/polls/{id:int}/", "auth:login"}
	case "createsuperuser":
		want = []string{"Superuser created"}
	case "secretkey":
		if len(strings.TrimSpace(out)) < 64 {
			t.Fatalf("secretkey printed %q", out)
		}
	case "check":
		want = []string{"System check identified"}
		if strings.Contains(out, "ERRORS:") {
			t.Fatalf("check found errors:\n%s", out)
		}
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Fatalf("%s: output lacks %q:\n%s", command, w, out)
		}
	}
	// Only the dev server talks about the random key (serveAndKill checks it).
	if strings.Contains(out, "SECRET_KEY is empty") || strings.Contains(out, "random key") {
		t.Errorf("%s: warns about SECRET_KEY:\n%s", command, out)
	}
}

// installApp does what startapp asks the user to do: it adds the printed import and
// galvani.New lines to project/project.go. The tutorial must show the same two lines.
func installApp(t *testing.T, dir, startappOut, tutorial string) {
	t.Helper()
	var imp, include string
	for _, l := range strings.Split(startappOut, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, `"`):
			imp = l
		case strings.HasPrefix(l, "galvani.Include("):
			include = l
		}
	}
	if imp == "" || include == "" {
		t.Fatalf("startapp printed no install lines:\n%s", startappOut)
	}
	for _, l := range []string{"\t" + imp + "\n", "\t" + include + "\n"} {
		if !strings.Contains(tutorial, l) {
			t.Errorf("the tutorial does not show the line startapp prints: %q", l)
		}
	}
	p := filepath.Join(dir, "project", "project.go")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	const marker = "\t\t// galvani startapp prints the line that installs a new app; add it here.\n"
	i := strings.Index(src, marker)
	j := strings.Index(src, "/pages\"\n")
	if i < 0 || j < 0 {
		t.Fatalf("project.go lacks the places to add an app:\n%s", src)
	}
	src = src[:i] + "\t\t" + include + "\n" + src[i:]
	j += len("/pages\"\n")
	src = src[:j] + "\t" + imp + "\n" + src[j:]
	formatted, err := format.Source([]byte(src))
	if err != nil {
		t.Fatalf("project.go with the app installed: %v\n%s", err, src)
	}
	if err := os.WriteFile(p, formatted, 0o644); err != nil {
		t.Fatal(err)
	}
}
