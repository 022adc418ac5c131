package galvani

import (
	"fmt"
	"slices"
	"strings"
)

// CheckLevel is the seriousness of a CheckMessage, as in Django's system checks.
type CheckLevel int

// Check levels. Errors (and criticals) make `check` fail and stop runserver.
const (
	CheckDebug    CheckLevel = 10
	CheckInfo     CheckLevel = 20
	CheckWarning  CheckLevel = 30
	CheckError    CheckLevel = 40
	CheckCritical CheckLevel = 50
)

// String returns the level's name in capitals (ERROR, WARNING, ...).
func (l CheckLevel) String() string {
	switch {
	case l >= CheckCritical:
		return "CRITICAL"
	case l >= CheckError:
		return "ERROR"
	case l >= CheckWarning:
		return "WARNING"
	case l >= CheckInfo:
		return "INFO"
	}
	return "DEBUG"
}

// ParseCheckLevel parses a level name (debug, info, warning, error, critical; any case).
func ParseCheckLevel(s string) (CheckLevel, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "DEBUG":
		return CheckDebug, nil
	case "INFO":
		return CheckInfo, nil
	case "WARNING":
		return CheckWarning, nil
	case "ERROR":
		return CheckError, nil
	case "CRITICAL":
		return CheckCritical, nil
	}
	return 0, fmt.Errorf("%q is not a check level (use DEBUG, INFO, WARNING, ERROR or CRITICAL)", s)
}

// CheckMessage is one finding of a system check.
type CheckMessage struct {
	// Level is how serious the finding is.
	Level CheckLevel
	// ID identifies the check, "<area>.<E|W|I><number>" like "security.E001", so it
	// can be looked up in the docs and silenced with Settings.SilencedChecks.
	ID string
	// Msg says what is wrong.
	Msg string
	// Hint says how to fix it; optional.
	Hint string
	// Object names what the message is about: "settings", a route pattern, an app label.
	Object string
}

// String formats the message as `check` prints it.
func (m CheckMessage) String() string {
	obj := m.Object
	if obj == "" {
		obj = "?"
	}
	s := fmt.Sprintf("%s: (%s) %s", obj, m.ID, m.Msg)
	if m.Hint != "" {
		s += "\n\tHINT: " + m.Hint
	}
	return s
}

// IsSerious reports whether the message is an error or worse.
func (m CheckMessage) IsSerious() bool { return m.Level >= CheckError }

// Checker is implemented by installed apps that validate their own configuration
// (a settings section, templates, models). Check runs for `check`, before
// runserver starts, and for `check --deploy`.
type Checker interface {
	Check(app *App) []CheckMessage
}

// DeployChecker is implemented by installed apps with checks that matter only for a
// production deployment; they run for `check --deploy`.
type DeployChecker interface {
	CheckDeploy(app *App) []CheckMessage
}

// CheckFunc is a check registered with App.AddCheck.
type CheckFunc func(app *App) []CheckMessage

type registeredCheck struct {
	fn     CheckFunc
	deploy bool
}

// AddCheck registers a project-level check that runs with the built-in ones. When
// deployOnly is true, it runs only for `check --deploy`.
func (a *App) AddCheck(fn CheckFunc, deployOnly bool) {
	a.checks = append(a.checks, registeredCheck{fn: fn, deploy: deployOnly})
}

// Check runs the system checks: the settings and routes checks of the core, the
// checks of installed apps (Checker) and those added with AddCheck. With deploy it
// also runs the deployment checks (DeployChecker, deploy-only AddCheck functions
// and the core's, which judge the settings as production settings even when Debug is
// on). Messages whose ID is in Settings.SilencedChecks are left out. The result is
// sorted by seriousness, most serious first, then by ID.
func (a *App) Check(deploy bool) []CheckMessage {
	var msgs []CheckMessage
	msgs = append(msgs, checkSettings(&a.Settings, deploy)...)
	msgs = append(msgs, checkRoutes(a)...)
	for _, ac := range a.apps {
		if c, ok := ac.(Checker); ok {
			msgs = append(msgs, withObject(c.Check(a), ac.Label())...)
		}
		if c, ok := ac.(DeployChecker); ok && deploy {
			msgs = append(msgs, withObject(c.CheckDeploy(a), ac.Label())...)
		}
	}
	for _, rc := range a.checks {
		if !rc.deploy || deploy {
			msgs = append(msgs, rc.fn(a)...)
		}
	}
	out := msgs[:0]
	for _, m := range msgs {
		if !slices.Contains(a.Settings.SilencedChecks, m.ID) {
			out = append(out, m)
		}
	}
	slices.SortStableFunc(out, func(x, y CheckMessage) int {
		if x.Level != y.Level {
			return int(y.Level - x.Level)
		}
		return strings.Compare(x.ID, y.ID)
	})
	return out
}

func withObject(ms []CheckMessage, obj string) []CheckMessage {
	for i := range ms {
		if ms[i].Object == "" {
			ms[i].Object = obj
		}
	}
	return ms
}

// insecureKeyMarkers are substrings of secret keys copied from examples or left at a
// placeholder.
var insecureKeyMarkers = []string{"insecure", "changeme", "change-me", "change_me", "secret-key", "secretkey", "your-secret", "placeholder", "example", "xxxxxxxx", "12345678"}

// weakSecret says why key is not fit for production, or "".
func weakSecret(key string) string {
	uniq := map[rune]bool{}
	for _, r := range key {
		uniq[r] = true
	}
	lower := strings.ToLower(key)
	switch {
	case len(key) < 50:
		return fmt.Sprintf("it has %d characters; use at least 50", len(key))
	case len(uniq) < 5:
		return fmt.Sprintf("it uses only %d distinct characters", len(uniq))
	}
	for _, m := range insecureKeyMarkers {
		if strings.Contains(lower, m) {
			return fmt.Sprintf("it contains %q, which looks like a placeholder or an example key", m)
		}
	}
	return ""
}

const secretHint = "Generate one with `go run . secretkey` and set it in the SECRET_KEY environment variable; keep it out of version control."

func checkSettings(s *Settings, deploy bool) []CheckMessage {
	var out []CheckMessage
	add := func(level CheckLevel, id, msg, hint string) {
		out = append(out, CheckMessage{Level: level, ID: id, Msg: msg, Hint: hint, Object: "settings"})
	}
	production := !s.Debug || deploy
	if production {
		if s.SecretKey == "" || s.randomKey { // a random Debug-mode key is no key for a deployment
			add(CheckError, "security.E001", "SECRET_KEY is empty while DEBUG is off: cookies, sessions and CSRF tokens could be forged.", secretHint)
		} else if why := weakSecret(s.SecretKey); why != "" {
			add(CheckError, "security.E002", "SECRET_KEY is too weak for production: "+why+".", secretHint)
		}
		for i, k := range s.SecretKeyFallbacks {
			if why := weakSecret(k); why != "" {
				add(CheckWarning, "security.W003", fmt.Sprintf("SECRET_KEY_FALLBACKS[%d] is weak: %s; anything signed with it can be forged.", i, why), "Remove old keys once the sessions they signed have expired.")
			}
		}
		if len(s.AllowedHosts) == 0 {
			add(CheckError, "security.E003", "ALLOWED_HOSTS is empty while DEBUG is off: host-header validation would refuse every request.", "Set ALLOWED_HOSTS to the site's domain names, comma separated, e.g. ALLOWED_HOSTS=example.com,.example.org.")
		}
	}
	if deploy {
		if s.Debug {
			add(CheckWarning, "security.W101", "DEBUG is on: error pages would show source code, settings and requests to anyone.", "Set DEBUG=false in production.")
		}
		if slices.Contains(s.AllowedHosts, "*") {
			add(CheckWarning, "security.W102", "ALLOWED_HOSTS contains \"*\": Host-header attacks (poisoned password-reset links, cache poisoning) are not stopped.", "List the site's domain names instead.")
		}
		for _, p := range s.TrustedProxies {
			if p == "0.0.0.0/0" || p == "::/0" {
				add(CheckWarning, "security.W103", fmt.Sprintf("TRUSTED_PROXIES contains %s: any client can spoof its IP address with X-Forwarded-For.", p), "List only the addresses of your load balancers or reverse proxies.")
			}
		}
		if s.ReadHeaderTimeout < 0 {
			add(CheckWarning, "security.W104", "READ_HEADER_TIMEOUT is disabled: slow clients can hold connections open forever (slowloris).", "Leave it at its default of 10s.")
		}
	}
	for _, h := range s.AllowedHosts {
		if h == "" || strings.ContainsAny(h, "/ \t@") || strings.Contains(h, "://") {
			add(CheckError, "settings.E004", fmt.Sprintf("ALLOWED_HOSTS entry %q is not a host name: no scheme, path or spaces.", h), "Write example.com, .example.com (with subdomains) or *.")
		}
	}
	for _, p := range s.TrustedProxies {
		if err := checkProxy(p); err != nil {
			add(CheckError, "settings.E005", "TRUSTED_PROXIES: "+err.Error()+".", "Write IP addresses or CIDRs, e.g. 10.0.0.0/8,192.168.1.10.")
		}
	}
	if s.DatabaseURL != "" {
		if err := checkDatabaseURL(s.DatabaseURL); err != nil {
			add(CheckError, "settings.E006", fmt.Sprintf("DATABASE_URL %q %v.", redactURL(s.DatabaseURL), err), "")
		}
	}
	if u, ok := s.Databases["default"]; ok && s.DatabaseURL != "" && u != s.DatabaseURL {
		add(CheckError, "settings.E007", fmt.Sprintf("Databases[\"default\"] (%s) differs from DATABASE_URL (%s).", redactURL(u), redactURL(s.DatabaseURL)), "Set the default database in one place: DatabaseURL.")
	}
	names := make([]string, 0, len(s.Databases))
	for n := range s.Databases {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if !validDatabaseName(n) {
			add(CheckError, "settings.E006", fmt.Sprintf("database name %q must be lower-case letters, digits and _.", n), "")
		} else if err := checkDatabaseURL(s.Databases[n]); err != nil {
			add(CheckError, "settings.E006", fmt.Sprintf("database %q: URL %q %v.", n, redactURL(s.Databases[n]), err), "")
		}
	}
	if s.Addr != "" {
		if _, err := ParseAddr(s.Addr); err != nil {
			add(CheckError, "settings.E008", "ADDR: "+err.Error()+".", "")
		}
	}
	if s.MaxBodyBytes < 0 {
		add(CheckError, "settings.E009", fmt.Sprintf("MaxBodyBytes is %d; it must be positive.", s.MaxBodyBytes), "Leave it at 0 for the default of 10 MiB.")
	}
	if s.MaxHeaderBytes < 0 {
		add(CheckError, "settings.E009", fmt.Sprintf("MaxHeaderBytes is %d; it must be positive.", s.MaxHeaderBytes), "Leave it at 0 for the default of 64 KiB.")
	}
	if _, err := ParseLogLevel(s.LogLevel); err != nil {
		add(CheckError, "settings.E011", fmt.Sprintf("LogLevel %q %v.", s.LogLevel, err), "")
	}
	if err := checkLogFormat(s.LogFormat); err != nil {
		add(CheckError, "settings.E011", fmt.Sprintf("LogFormat %q %v.", s.LogFormat, err), "")
	}
	for _, e := range s.sectionErrs {
		add(CheckError, "settings.E010", e+".", "")
	}
	return out
}

// checkRoutes checks the URL configuration as a whole. Each route is validated when
// it is registered (malformed patterns, duplicate parameters, conflicts and duplicate
// names panic at start-up, naming both routes), so what is left is the overall shape.
func checkRoutes(a *App) []CheckMessage {
	if len(a.Routes()) == 0 {
		return []CheckMessage{{Level: CheckWarning, ID: "urls.W001", Object: "routes",
			Msg:  "no routes are registered, so every request will get a 404.",
			Hint: "Register routes with app.Get/app.Handle, or install an app that provides them (RoutesProvider)."}}
	}
	return nil
}

// writeCheckReport prints msgs the way Django's `check` does and returns how many
// are at or above failLevel.
func writeCheckReport(w *strings.Builder, msgs []CheckMessage, failLevel CheckLevel) int {
	failing := 0
	for _, m := range msgs {
		if m.Level >= failLevel {
			failing++
		}
	}
	if len(msgs) == 0 {
		w.WriteString("System check identified no issues.\n")
		return 0
	}
	w.WriteString("System check identified some issues:\n")
	var prev string
	for _, m := range msgs {
		group := "ERRORS"
		switch {
		case m.Level < CheckInfo:
			group = "DEBUG"
		case m.Level < CheckWarning:
			group = "INFOS"
		case m.Level < CheckError:
			group = "WARNINGS"
		}
		if group != prev {
			fmt.Fprintf(w, "\n%s:\n", group)
			prev = group
		}
		w.WriteString(m.String())
		w.WriteByte('\n')
	}
	n := len(msgs)
	plural := "s"
	if n == 1 {
		plural = ""
	}
	fmt.Fprintf(w, "\nSystem check identified %d issue%s.\n", n, plural)
	return failing
}
