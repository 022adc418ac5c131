package galvani

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// devApp returns an App in debug mode with a few routes and no environment.
func devApp() *App {
	app := New(Settings{Debug: true})
	app.Get("/", func(c *Ctx) error { return c.Text(200, "home") }).Name("home")
	app.Post("/articles/{id:int}/", func(c *Ctx) error { return nil }).Name("article-edit")
	app.Any("/anything", func(c *Ctx) error { return nil })
	return app
}

func runCmd(t *testing.T, app *App, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := app.RunCommand(context.Background(), args, &out)
	return out.String(), err
}

func TestHelp(t *testing.T) {
	app := devApp()
	out, err := runCmd(t, app, "help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Usage:", "runserver", "routes", "check", "help", "secretkey", "serve the site"} {
		if !strings.Contains(out, want) {
			t.Errorf("help output lacks %q:\n%s", want, out)
		}
	}
	for _, args := range [][]string{{"-h"}, {"--help"}} {
		if alt, err := runCmd(t, app, args...); err != nil || alt != out {
			t.Errorf("%v should print the command list, got %q, %v", args, alt, err)
		}
	}

	out, err = runCmd(t, app, "help", "runserver")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"runserver [flags] [ADDR]", "-noreload", "-reload", "-skip-checks", "127.0.0.1:8000", "gracefully"} {
		if !strings.Contains(out, want) {
			t.Errorf("help runserver lacks %q:\n%s", want, out)
		}
	}
	// -h on a command prints the same help and succeeds.
	for _, args := range [][]string{{"runserver", "-h"}, {"runserver", "--help"}} {
		if alt, err := runCmd(t, app, args...); err != nil || alt != out {
			t.Errorf("%v: got %q, %v; want the command help", args, alt, err)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	app := devApp()
	cases := []struct {
		args    []string
		want    string
		unknown bool
	}{
		{[]string{"rnserver"}, `unknown command "rnserver"; did you mean "runserver"?`, true},
		{[]string{"chek"}, `did you mean "check"?`, true},
		{[]string{"rout"}, `did you mean "routes"?`, true},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`, true},
		{[]string{""}, `unknown command ""`, true},
		{[]string{"help", "nope"}, `unknown command "nope"`, true},
		{[]string{"help", "a", "b"}, "help: takes at most 1 argument(s)", false},
		{[]string{"routes", "--bogus"}, "routes: flag provided but not defined: -bogus", false},
		{[]string{"routes", "extra"}, `routes: takes no arguments, got ["extra"]`, false},
		{[]string{"runserver", "a:1", "b:2"}, "runserver: takes at most 1 argument(s)", false},
		{[]string{"runserver", "--reload=maybe"}, "invalid boolean value", false},
		{[]string{"runserver", "nonsense"}, `runserver: "nonsense" is not an address`, false},
		{[]string{"runserver", "127.0.0.1:http"}, "runserver: \"127.0.0.1:http\": port \"http\" is not a number", false},
		{[]string{"runserver", "70000"}, "not a number from 0 to 65535", false},
		{[]string{"--bogus"}, "runserver: flag provided but not defined: -bogus", false},
		{[]string{"check", "--fail-level", "LOUD"}, `"LOUD" is not a check level`, false},
		{[]string{"check", "--fail-level"}, "flag needs an argument", false},
		{[]string{"secretkey", "x"}, "secretkey: takes no arguments", false},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			_, err := runCmd(t, app, c.args...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
			if !errors.Is(err, ErrUsage) || ExitCode(err) != 2 {
				t.Errorf("%v should be a usage error with exit status 2", err)
			}
			if errors.Is(err, ErrUnknownCommand) != c.unknown {
				t.Errorf("errors.Is(err, ErrUnknownCommand) = %v, want %v", !c.unknown, c.unknown)
			}
		})
	}
}

func TestRunExitStatusAndMessages(t *testing.T) {
	app := devApp()
	app.AddCommand(&Command{Name: "fail", Help: "always fails", Run: func(ctx context.Context, inv *Invocation) error {
		return errors.New("it broke")
	}})
	cases := []struct {
		args       []string
		code       int
		stderrHave []string
	}{
		{[]string{"help"}, 0, nil},
		{[]string{"nope"}, 2, []string{`error: unknown command "nope"`, "help` for the list of commands"}},
		{[]string{"routes", "-x"}, 2, []string{"error: routes: flag provided but not defined: -x", "help routes` for its usage"}},
		{[]string{"fail"}, 1, []string{"error: it broke"}},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		code := app.run(context.Background(), c.args, strings.NewReader(""), &stdout, &stderr)
		if code != c.code {
			t.Errorf("%v: exit status %d, want %d (stderr %q)", c.args, code, c.code, stderr.String())
		}
		for _, want := range c.stderrHave {
			if !strings.Contains(stderr.String(), want) {
				t.Errorf("%v: stderr %q lacks %q", c.args, stderr.String(), want)
			}
		}
	}
	if ExitCode(nil) != 0 || ExitCode(errors.New("x")) != 1 || ExitCode(fmt.Errorf("wrapped: %w", UsageErrorf("u"))) != 2 {
		t.Error("ExitCode mapping is wrong")
	}
}

func TestCustomCommand(t *testing.T) {
	app := devApp()
	app.AddCommand(&Command{
		Name:  "greet",
		Usage: "NAME",
		Help:  "print a greeting",
		Long:  "Greets NAME politely.",
		Flags: func(fs *flag.FlagSet) {
			fs.Bool("shout", false, "print in capitals")
			fs.String("greeting", "hello", "the word to use")
			fs.Int("times", 1, "how many times")
			fs.Duration("wait", 0, "pause first")
		},
		Args: func(args []string) error {
			if len(args) != 1 {
				return errors.New("needs exactly one NAME")
			}
			return nil
		},
		Run: func(ctx context.Context, inv *Invocation) error {
			in, _ := io.ReadAll(inv.Stdin)
			msg := fmt.Sprintf("%s, %s%s (wait %s)", inv.String("greeting"), inv.Args[0], in, inv.Duration("wait"))
			if inv.Bool("shout") {
				msg = strings.ToUpper(msg)
			}
			for i := 0; i < inv.Int("times"); i++ {
				fmt.Fprintln(inv.Stdout, msg)
			}
			fmt.Fprintln(inv.Stderr, "done")
			return nil
		},
	})
	var stdout, stderr bytes.Buffer
	err := app.RunCommandIO(context.Background(), []string{"greet", "--shout", "-times=2", "--greeting", "hi", "-wait", "2s", "ada"},
		strings.NewReader("!"), &stdout, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if want := "HI, ADA! (WAIT 2S)\nHI, ADA! (WAIT 2S)\n"; stdout.String() != want || stderr.String() != "done\n" {
		t.Errorf("stdout %q stderr %q, want %q and done", stdout.String(), stderr.String(), want)
	}
	if _, err := runCmd(t, app, "greet"); !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "greet: needs exactly one NAME") {
		t.Errorf("Args validation: %v", err)
	}
	if _, err := runCmd(t, app, "greet", "-times", "many", "x"); !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "invalid value") {
		t.Errorf("bad int flag: %v", err)
	}
	out, _ := runCmd(t, app, "help", "greet")
	for _, want := range []string{"greet [flags] NAME", "Print a greeting", "Greets NAME politely.", "-shout", "print in capitals", "-times int", "(default 1)"} {
		if !strings.Contains(out, want) {
			t.Errorf("help greet lacks %q:\n%s", want, out)
		}
	}
	if got := app.Command("greet"); got == nil || got.Name != "greet" {
		t.Error("Command(greet) not found")
	}
	// Replacing a command by name.
	app.AddCommand(&Command{Name: "greet", Run: func(ctx context.Context, inv *Invocation) error {
		_, err := io.WriteString(inv.Stdout, "replaced")
		return err
	}})
	if out, _ := runCmd(t, app, "greet"); out != "replaced" {
		t.Errorf("replacement not used: %q", out)
	}
}

func TestFlagGetterPanics(t *testing.T) {
	app := devApp()
	var recovered any
	app.AddCommand(&Command{Name: "x", Flags: func(fs *flag.FlagSet) { fs.Int("n", 0, "") },
		Run: func(ctx context.Context, inv *Invocation) error {
			defer func() { recovered = recover() }()
			inv.Bool("n")
			return nil
		}})
	runCmd(t, app, "x")
	if recovered == nil || !strings.Contains(fmt.Sprint(recovered), "is a int, not a bool") {
		t.Errorf("wrong-type flag getter: %v", recovered)
	}
	app.AddCommand(&Command{Name: "y", Run: func(ctx context.Context, inv *Invocation) error {
		defer func() { recovered = recover() }()
		inv.String("missing")
		return nil
	}})
	runCmd(t, app, "y")
	if recovered == nil || !strings.Contains(fmt.Sprint(recovered), "has no flag -missing") {
		t.Errorf("missing flag getter: %v", recovered)
	}
}

func TestAddCommandRejectsBadCommands(t *testing.T) {
	app := devApp()
	run := func(ctx context.Context, inv *Invocation) error { return nil }
	for _, c := range []*Command{nil, {Run: run}, {Name: "x"}, {Name: "two words", Run: run}, {Name: "-flag", Run: run}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("AddCommand(%+v) should panic", c)
				}
			}()
			app.AddCommand(c)
		}()
	}
}

type commandsApp struct{}

func (commandsApp) Label() string { return "extra" }
func (commandsApp) Commands() []*Command {
	return []*Command{{Name: "extra", Help: "from an app", Run: func(ctx context.Context, inv *Invocation) error {
		_, err := io.WriteString(inv.Stdout, "extra ran")
		return err
	}}}
}

func TestCommandsProvider(t *testing.T) {
	app := New(Settings{Debug: true}, commandsApp{})
	if out, err := runCmd(t, app, "extra"); err != nil || out != "extra ran" {
		t.Errorf("app command: %q, %v", out, err)
	}
	if out, _ := runCmd(t, app, "help"); !strings.Contains(out, "from an app") {
		t.Errorf("help should list app commands:\n%s", out)
	}
}

func TestRoutesCommand(t *testing.T) {
	app := devApp()
	out, err := runCmd(t, app, "routes")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("want a header and 3 routes:\n%s", out)
	}
	wantRows := [][]string{
		{"METHOD", "PATTERN", "NAME", "HANDLER"},
		{"GET", "/", "home", "galvani.devApp.func1"},
		{"POST", "/articles/{id:int}/", "article-edit", "galvani.devApp.func2"},
		{"ANY", "/anything", "-", "galvani.devApp.func3"},
	}
	for i, want := range wantRows {
		got := strings.Fields(lines[i])
		if len(got) != 4 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || !strings.HasSuffix(got[3], want[3]) {
			t.Errorf("row %d = %q, want %q", i, got, want)
		}
	}

	out, err = runCmd(t, app, "routes", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Methods []string
		Pattern string
		Name    string
		Handler string
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("routes --json is not JSON: %v\n%s", err, out)
	}
	if len(rows) != 3 || rows[1].Pattern != "/articles/{id:int}/" || rows[1].Name != "article-edit" || rows[1].Methods[0] != "POST" || len(rows[2].Methods) != 0 {
		t.Errorf("routes --json = %+v", rows)
	}
}

func TestSecretKeyCommand(t *testing.T) {
	out, err := runCmd(t, devApp(), "secretkey")
	key := strings.TrimSpace(out)
	if err != nil || len(key) != 64 || weakSecret(key) != "" {
		t.Errorf("secretkey printed %q (%v); want 64 strong characters", key, err)
	}
	if NewSecretKey() == NewSecretKey() {
		t.Error("NewSecretKey repeats itself")
	}
}

func ExampleApp_AddCommand() {
	app := New(Settings{Debug: true})
	app.AddCommand(&Command{
		Name:  "greet",
		Usage: "[NAME]",
		Help:  "print a greeting",
		Flags: func(fs *flag.FlagSet) { fs.Bool("shout", false, "print in capitals") },
		Args:  MaxArgs(1),
		Run: func(ctx context.Context, inv *Invocation) error {
			name := "world"
			if len(inv.Args) == 1 {
				name = inv.Args[0]
			}
			msg := "hello, " + name
			if inv.Bool("shout") {
				msg = strings.ToUpper(msg)
			}
			_, err := fmt.Fprintln(inv.Stdout, msg)
			return err
		},
	})
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// In a program, app.Run() does this with os.Args: `go run . greet --shout ada`.
	if err := app.RunCommand(ctx, []string{"greet", "--shout", "ada"}, &out); err != nil {
		fmt.Println(err)
	}
	fmt.Print(out.String())
	// Output: HELLO, ADA
}

func TestSettingsCommand(t *testing.T) {
	type shop struct {
		PaymentKey string
		Currency   string
	}
	app := New(Settings{Debug: true, SecretKey: "s3cret-value", DatabaseURL: "postgres://app:pa55word@db/app", ReadTimeout: 5 * time.Second})
	Section(&app.Settings, "shop", shop{PaymentKey: "pk_live_123", Currency: "EUR"})
	out, err := runCmd(t, app, "settings")
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"s3cret-value", "pa55word", "pk_live_123"} {
		if strings.Contains(out, leak) {
			t.Errorf("settings printed the secret %q:\n%s", leak, out)
		}
	}
	lines := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		k, v, _ := strings.Cut(l, "=")
		lines[strings.TrimSpace(k)] = strings.Join(strings.Fields(v), " ")
	}
	for k, want := range map[string]string{
		"Debug":                     "true ###",
		"ReadTimeout":               "5s ###",
		"WriteTimeout":              "1m0s",
		"Addr":                      `"127.0.0.1:8000"`,
		`Sections["shop"].Currency`: `"EUR" ###`,
	} {
		if lines[k] != want {
			t.Errorf("%s = %q, want %q\n%s", k, lines[k], want, out)
		}
	}
	if !strings.Contains(lines["DatabaseURL"], "postgres://app:") || !strings.HasSuffix(lines["DatabaseURL"], "###") {
		t.Errorf("DatabaseURL = %q", lines["DatabaseURL"])
	}

	diff, err := runCmd(t, app, "settings", "--diff")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(diff, "WriteTimeout") || !strings.Contains(diff, "ReadTimeout") || strings.Count(diff, "\n") != strings.Count(diff, "###") {
		t.Errorf("settings --diff should list only changed settings:\n%s", diff)
	}
}
