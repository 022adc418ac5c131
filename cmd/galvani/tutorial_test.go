package main

import (
	"bufio"
	"go/format"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

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

// TestTutorial follows docs/tutorial.md in a temporary directory: every command it
// shows is run (the server start as the check and routes commands, the install from
// the network skipped: this checkout is the module) and every file it shows is
// written; the project is vetted, built and tested along the way. It is also the test
// of galvani new and startapp on a real build: the fresh project's and app's own tests
// run before the tutorial changes them.
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
	if ncmd < 10 || nfile < 7 {
		t.Fatalf("read %d commands and %d files from the tutorial; its markers changed?", ncmd, nfile)
	}

	dir := t.TempDir()
	bin := filepath.Join(t.TempDir(), "site")
	built := false // bin is up to date with the sources
	build := func() {
		if !built {
			goCmd(t, dir, "build", "-o", bin, ".")
			built = true
		}
	}
	siteCmd := func(extraEnv []string, args ...string) string {
		t.Helper()
		build()
		out, err := runBin(t, dir, bin, extraEnv, args...)
		if err != nil {
			t.Fatalf("go run . %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	testedFresh := false
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
			built = false
			continue
		}
		t.Logf("$ %s", s.command)
		args := strings.Fields(s.command)
		var extraEnv []string
		for len(args) > 0 && strings.Contains(args[0], "=") && !strings.HasPrefix(args[0], "-") {
			k, v, _ := strings.Cut(args[0], "=")
			if v == "$(go" { // SECRET_KEY=$(go run . secretkey)
				if len(args) < 4 || args[1] != "run" || args[2] != "." || args[3] != "secretkey)" {
					t.Fatalf("unexpected command substitution in %q", s.command)
				}
				v = strings.TrimSpace(siteCmd(nil, "secretkey"))
				args = args[3:]
			}
			extraEnv = append(extraEnv, k+"="+v)
			args = args[1:]
		}
		switch {
		case s.command == "go install github.com/galvani-web/galvani/cmd/galvani@latest":
			// The network install: this test runs the command from the checkout.
		case len(args) == 3 && args[0] == "galvani" && args[1] == "new":
			code, out, errOut := cli("new", args[2], "--dir", filepath.Join(dir, args[2]), "--galvani-dir", root)
			if code != 0 {
				t.Fatalf("galvani new: exit %d\n%s%s", code, out, errOut)
			}
			// The tutorial quotes main.go's galvani.New call as generated.
			mainGo, err := os.ReadFile(filepath.Join(dir, args[2], "main.go"))
			if err != nil {
				t.Fatal(err)
			}
			quote := string(tutorial)
			i := strings.Index(quote, "app := galvani.New(settings,")
			if i < 0 {
				t.Fatal("the tutorial no longer quotes main.go's galvani.New call")
			}
			quote = quote[i:]
			quote = quote[:strings.Index(quote, "\n)\n")]
			for _, l := range strings.Split(quote, "\n") {
				if !strings.Contains(string(mainGo), strings.TrimSpace(l)) {
					t.Errorf("the tutorial quotes %q, which the generated main.go lacks", strings.TrimSpace(l))
				}
			}
		case len(args) == 2 && args[0] == "cd":
			dir = filepath.Join(dir, args[1])
		case len(args) == 3 && args[0] == "galvani" && args[1] == "startapp":
			if !testedFresh {
				// The new project as generated passes its tests (the tutorial vets
				// everything later).
				goCmd(t, dir, "test", "./...")
				testedFresh = true
			}
			code, out, errOut := cli("startapp", args[2], "--dir", dir)
			if code != 0 {
				t.Fatalf("galvani startapp: exit %d\n%s%s", code, out, errOut)
			}
			installApp(t, dir, out, string(tutorial))
			built = false
			// The new app as generated, installed: it builds and its test passes.
			goCmd(t, dir, "test", "./...")
		case len(args) == 3 && args[0] == "go" && args[1] == "run" && args[2] == ".":
			// The server: run what it runs first (the checks), and list the routes.
			if out := siteCmd(extraEnv, "check"); !strings.Contains(out, "System check identified no issues") {
				t.Fatalf("check:\n%s", out)
			}
			out := siteCmd(extraEnv, "routes")
			if !strings.Contains(out, "pages:home") {
				t.Fatalf("routes:\n%s", out)
			}
		case len(args) > 3 && args[0] == "go" && args[1] == "run" && args[2] == ".":
			out := siteCmd(extraEnv, args[3:]...)
			checkOutput(t, args[3:], out)
			if args[3] == "makemigrations" {
				built = false // new migration files
			}
		case len(args) >= 2 && args[0] == "go" && (args[1] == "test" || args[1] == "vet"):
			goCmd(t, dir, args[1:]...)
		default:
			t.Fatalf("the tutorial shows a command this test does not know how to run: %q", s.command)
		}
	}
}

// checkOutput checks what a project command printed while following the tutorial.
func checkOutput(t *testing.T, args []string, out string) {
	t.Helper()
	var want []string
	switch args[0] {
	case "makemigrations":
		want = []string{"polls/migrations/0001_initial.go", "Create model polls.Question", "Create model polls.Choice"}
	case "migrate":
		want = []string{"Running migrations:"}
	case "sqlmigrate":
		want = []string{"CREATE TABLE", "polls_question", "polls_choice"}
	case "showmigrations":
		want = []string{"polls", "[X] 0001_initial"}
	case "routes":
		want = []string{"polls:index", "polls:new", "polls:detail", "/polls/{id:int}/"}
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
			t.Fatalf("go run . %s: output lacks %q:\n%s", strings.Join(args, " "), w, out)
		}
	}
}

// installApp does what startapp asks the user to do: it adds the printed import and
// galvani.New lines to main.go. The tutorial must show the same two lines.
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
	p := filepath.Join(dir, "main.go")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	const marker = "\t\t// galvani startapp prints the line that installs a new app; add it here.\n"
	i := strings.Index(src, marker)
	j := strings.Index(src, "/pages\"\n")
	if i < 0 || j < 0 {
		t.Fatalf("main.go lacks the places to add an app:\n%s", src)
	}
	src = src[:i] + "\t\t" + include + "\n" + src[i:]
	j += len("/pages\"\n")
	src = src[:j] + "\t" + imp + "\n" + src[j:]
	formatted, err := format.Source([]byte(src))
	if err != nil {
		t.Fatalf("main.go with the app installed: %v\n%s", err, src)
	}
	if err := os.WriteFile(p, formatted, 0o644); err != nil {
		t.Fatal(err)
	}
}
