package galvani

import (
	"regexp"
	"strings"
	"testing"
)

const strongKey = "q7Vt-2mXb9Lk_Pz4Rw8Yc1Nf6Hd3Jg5Sa0Ue-TiOoKlMnBvCxZq7Vt2mXb9Lk"

func ids(msgs []CheckMessage) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.ID
	}
	return out
}

func TestCheckSettings(t *testing.T) {
	cases := []struct {
		name   string
		s      Settings
		deploy bool
		want   []string
	}{
		{"debug needs nothing", Settings{Debug: true}, false, nil},
		{"production ok", Settings{SecretKey: strongKey, AllowedHosts: []string{"example.com"}}, false, nil},
		{"production without secret and hosts", Settings{}, false, []string{"security.E001", "security.E003"}},
		{"short key", Settings{SecretKey: "abc", AllowedHosts: []string{"x.com"}}, false, []string{"security.E002"}},
		{"few distinct chars", Settings{SecretKey: strings.Repeat("ab", 30), AllowedHosts: []string{"x.com"}}, false, []string{"security.E002"}},
		{"placeholder key", Settings{SecretKey: "django-insecure-" + strongKey, AllowedHosts: []string{"x.com"}}, false, []string{"security.E002"}},
		{"changeme key", Settings{SecretKey: strongKey + "CHANGEME", AllowedHosts: []string{"x.com"}}, false, []string{"security.E002"}},
		{"weak fallback", Settings{SecretKey: strongKey, SecretKeyFallbacks: []string{"old"}, AllowedHosts: []string{"x.com"}}, false, []string{"security.W003"}},
		{"deploy judges debug settings", Settings{Debug: true}, true, []string{"security.E001", "security.E003", "security.W101"}},
		{"deploy warnings", Settings{SecretKey: strongKey, AllowedHosts: []string{"*"}, TrustedProxies: []string{"0.0.0.0/0"}, ReadHeaderTimeout: -1}, true,
			[]string{"security.W102", "security.W103", "security.W104"}},
		{"deploy ok", Settings{SecretKey: strongKey, AllowedHosts: []string{".example.com"}, TrustedProxies: []string{"10.0.0.0/8"}}, true, nil},
		{"bad hosts", Settings{Debug: true, AllowedHosts: []string{"https://example.com", "a b", "", "x.com/path"}}, false,
			[]string{"settings.E004", "settings.E004", "settings.E004", "settings.E004"}},
		{"bad proxy", Settings{Debug: true, TrustedProxies: []string{"lb.internal"}}, false, []string{"settings.E005"}},
		{"bad database url", Settings{Debug: true, DatabaseURL: "db.sqlite3"}, false, []string{"settings.E006"}},
		{"bad database entries", Settings{Debug: true, Databases: map[string]string{"Bad-Name": "sqlite:///x", "other": "nope"}}, false,
			[]string{"settings.E006", "settings.E006"}},
		{"default database conflict", Settings{Debug: true, DatabaseURL: "sqlite:///a", Databases: map[string]string{"default": "sqlite:///b"}}, false,
			[]string{"settings.E007"}},
		{"bad addr", Settings{Debug: true, Addr: "localhost"}, false, []string{"settings.E008"}},
		{"negative sizes", Settings{Debug: true, MaxBodyBytes: -1, MaxHeaderBytes: -1}, false, []string{"settings.E009", "settings.E009"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ids(checkSettings(&c.s, c.deploy))
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("checks = %v, want %v", got, c.want)
			}
		})
	}
	// Passwords do not leak into messages.
	s := Settings{Debug: true, Databases: map[string]string{"other": "postgres://u:hunter2@h"}, DatabaseURL: "postgres://u:hunter2@h/a"}
	for _, m := range checkSettings(&s, true) {
		if strings.Contains(m.String(), "hunter2") {
			t.Errorf("password leaked: %s", m)
		}
	}
}

type checkedApp struct{ msgs, deployMsgs []CheckMessage }

func (checkedApp) Label() string                         { return "shop" }
func (a checkedApp) Check(*App) []CheckMessage           { return a.msgs }
func (a checkedApp) CheckDeploy(app *App) []CheckMessage { return a.deployMsgs }

func TestCheckAppsAndRegisteredChecks(t *testing.T) {
	app := New(Settings{Debug: true, SilencedChecks: []string{"shop.W002", "urls.W001"}}, checkedApp{
		msgs: []CheckMessage{
			{Level: CheckWarning, ID: "shop.W001", Msg: "PAYMENT_KEY is unset; checkout is disabled."},
			{Level: CheckWarning, ID: "shop.W002", Msg: "silenced"},
		},
		deployMsgs: []CheckMessage{{Level: CheckError, ID: "shop.E001", Msg: "test payment key in production", Object: "payments"}},
	})
	app.AddCheck(func(a *App) []CheckMessage {
		return []CheckMessage{{Level: CheckInfo, ID: "site.I001", Msg: "custom check ran", Object: "site"}}
	}, false)
	app.AddCheck(func(a *App) []CheckMessage {
		return []CheckMessage{{Level: CheckCritical, ID: "site.C001", Msg: "deploy-only check ran"}}
	}, true)

	if got := strings.Join(ids(app.Check(false)), " "); got != "shop.W001 site.I001" {
		t.Errorf("Check(false) = %s", got)
	}
	got := app.Check(true)
	if s := strings.Join(ids(got), " "); s != "site.C001 security.E001 security.E003 shop.E001 security.W101 shop.W001 site.I001" {
		t.Errorf("Check(true) = %s (want most serious first, silenced left out)", s)
	}
	for _, m := range got {
		switch m.ID {
		case "shop.W001":
			if m.Object != "shop" {
				t.Errorf("app messages default to the app label as object, got %q", m.Object)
			}
		case "shop.E001":
			if m.Object != "payments" {
				t.Errorf("an explicit object is kept, got %q", m.Object)
			}
		}
	}
}

func TestCheckRoutes(t *testing.T) {
	app := New(Settings{Debug: true})
	if got := ids(app.Check(false)); len(got) != 1 || got[0] != "urls.W001" {
		t.Errorf("an app without routes: %v, want urls.W001", got)
	}
	app.Get("/", func(c *Ctx) error { return nil })
	if got := app.Check(false); len(got) != 0 {
		t.Errorf("an app with a route: %v", got)
	}
}

func TestCheckCommand(t *testing.T) {
	out, err := runCmd(t, devApp(), "check")
	if err != nil || out != "System check identified no issues.\n" {
		t.Errorf("check on a clean debug app: %q, %v", out, err)
	}

	prod := New(Settings{SecretKey: "short"})
	prod.Get("/", func(c *Ctx) error { return nil })
	out, err = runCmd(t, prod, "check")
	if err == nil || ExitCode(err) != 1 || !strings.Contains(err.Error(), "2 issue(s) at level ERROR") {
		t.Errorf("check in production without settings: %v", err)
	}
	for _, want := range []string{"System check identified some issues:", "ERRORS:", "settings: (security.E002) SECRET_KEY is too weak",
		"it has 5 characters", "HINT: Generate one with `go run . secretkey`", "(security.E003) ALLOWED_HOSTS is empty", "System check identified 2 issues."} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "short") {
		t.Errorf("the secret key itself must not be printed:\n%s", out)
	}

	// Warnings alone pass, unless --fail-level says otherwise.
	warn := New(Settings{SecretKey: strongKey, AllowedHosts: []string{"*"}})
	warn.Get("/", func(c *Ctx) error { return nil })
	out, err = runCmd(t, warn, "check", "--deploy")
	if err != nil || !strings.Contains(out, "WARNINGS:") || !strings.Contains(out, "security.W102") || !strings.Contains(out, "1 issue.") {
		t.Errorf("check --deploy with a warning: %v\n%s", err, out)
	}
	if _, err := runCmd(t, warn, "check", "--deploy", "--fail-level=warning"); err == nil || ExitCode(err) != 1 {
		t.Errorf("--fail-level=warning should fail on warnings: %v", err)
	}
	if _, err := runCmd(t, warn, "check", "--fail-level", "critical"); err != nil {
		t.Errorf("no findings: %v", err)
	}
}

func TestCheckLevels(t *testing.T) {
	for _, name := range []string{"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"} {
		l, err := ParseCheckLevel(strings.ToLower(name))
		if err != nil || l.String() != name {
			t.Errorf("ParseCheckLevel(%q) = %v, %v", name, l, err)
		}
	}
	if _, err := ParseCheckLevel("fatal"); err == nil {
		t.Error("fatal is not a level")
	}
	m := CheckMessage{Level: CheckError, ID: "x.E001", Msg: "broken."}
	if m.String() != "?: (x.E001) broken." || !m.IsSerious() || (CheckMessage{Level: CheckWarning}).IsSerious() {
		t.Errorf("CheckMessage formatting: %q", m)
	}
}

// check --deploy lists the environment variables the settings read — the core's and
// an installed section's — marking those that are set, under the name that was used.
func TestCheckDeployListsEnvironment(t *testing.T) {
	var s Settings
	if err := s.ApplyEnv([]string{"SECRET_KEY=" + strongKey, "GALVANI_ALLOWED_HOSTS=example.com", "DATABASE_URL_REPLICA=sqlite:///r.db"}); err != nil {
		t.Fatal(err)
	}
	type cfg struct {
		Token string `env:"PAYMENTS_TOKEN"`
	}
	Section(&s, "payments", cfg{})
	app := New(s)
	app.Get("/", func(c *Ctx) error { return nil })
	out, err := runCmd(t, app, "check", "--deploy")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, re := range []string{`(?m)^  SECRET_KEY +set: SECRET_KEY$`, `(?m)^  ALLOWED_HOSTS +set: GALVANI_ALLOWED_HOSTS$`,
		`(?m)^  DRAIN_DELAY +-$`, `(?m)^  PAYMENTS_TOKEN +-$`, `(?m)^  DATABASE_URL_<NAME> +set: DATABASE_URL_REPLICA$`} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("check --deploy output lacks %s:\n%s", re, out)
		}
	}
	if strings.Contains(out, strongKey) {
		t.Error("a value is printed")
	}
	if out, _ := runCmd(t, app, "check"); strings.Contains(out, "Environment variables") {
		t.Errorf("plain check lists the environment:\n%s", out)
	}
}
