package galvani

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSettingsDefaults(t *testing.T) {
	s := Settings{}.withDefaults()
	if s.Debug || s.SecretKey != "" || len(s.AllowedHosts) != 0 {
		t.Errorf("zero settings should stay production-shaped with no secrets: %+v", s)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"DatabaseURL", s.DatabaseURL, DefaultDatabaseURL},
		{"Databases", s.Databases, map[string]string{"default": DefaultDatabaseURL}},
		{"Addr", s.Addr, DefaultAddr},
		{"AppendSlash", *s.AppendSlash, true},
		{"MaxBodyBytes", s.MaxBodyBytes, int64(DefaultMaxBodyBytes)},
		{"MaxHeaderBytes", s.MaxHeaderBytes, DefaultMaxHeaderBytes},
		{"ReadHeaderTimeout", s.ReadHeaderTimeout, DefaultReadHeaderTimeout},
		{"ReadTimeout", s.ReadTimeout, DefaultReadTimeout},
		{"WriteTimeout", s.WriteTimeout, DefaultWriteTimeout},
		{"IdleTimeout", s.IdleTimeout, DefaultIdleTimeout},
		{"ShutdownTimeout", s.ShutdownTimeout, DefaultShutdownTimeout},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	// Explicit values survive; Databases["default"] follows DatabaseURL.
	f := false
	s = Settings{DatabaseURL: "postgres://h/db", AppendSlash: &f, ReadTimeout: -1, Databases: map[string]string{"replica": "postgres://r/db"}}.withDefaults()
	if *s.AppendSlash || s.ReadTimeout != -1 || s.Databases["default"] != "postgres://h/db" || s.Databases["replica"] != "postgres://r/db" {
		t.Errorf("explicit settings overwritten: %+v", s)
	}
	// Databases["default"] alone becomes DatabaseURL.
	s = Settings{Databases: map[string]string{"default": "mysql://h/db"}}.withDefaults()
	if s.DatabaseURL != "mysql://h/db" {
		t.Errorf("DatabaseURL = %q, want it taken from Databases[default]", s.DatabaseURL)
	}
}

func TestApplyEnv(t *testing.T) {
	var s Settings
	err := s.ApplyEnv([]string{
		"DEBUG=yes",
		"SECRET_KEY=k=with=equals",
		"SECRET_KEY_FALLBACKS=old1, old2,",
		"ALLOWED_HOSTS=example.com, .example.org",
		"DATABASE_URL=postgres://u:p@db/site",
		"DATABASE_URL_REPLICA=postgres://u:p@replica/site",
		"GALVANI_DATABASE_URL_ANALYTICS=mysql://u@a/stats",
		"DATABASE_REPLICAS=Replica, ",
		"DATABASE_REPLICA_PIN=2s",
		"ADDR=0:9000",
		"APPEND_SLASH=off",
		"TRUSTED_PROXIES=10.0.0.0/8,192.168.1.1",
		"MAX_BODY_BYTES=2MiB",
		"MAX_HEADER_BYTES=32k",
		"READ_HEADER_TIMEOUT=5",
		"READ_TIMEOUT=1m30s",
		"WRITE_TIMEOUT=off",
		"IDLE_TIMEOUT=0",
		"SHUTDOWN_TIMEOUT=3s",
		"SILENCED_CHECKS=security.W102,urls.W001",
		"UNRELATED=1",
	})
	if err != nil {
		t.Fatal(err)
	}
	f := false
	want := Settings{
		Debug:              true,
		SecretKey:          "k=with=equals",
		SecretKeyFallbacks: []string{"old1", "old2"},
		AllowedHosts:       []string{"example.com", ".example.org"},
		DatabaseURL:        "postgres://u:p@db/site",
		Databases:          map[string]string{"replica": "postgres://u:p@replica/site", "analytics": "mysql://u@a/stats"},
		DatabaseReplicas:   []string{"replica"},
		DatabaseReplicaPin: 2 * time.Second,
		Addr:               "0.0.0.0:9000",
		AppendSlash:        &f,
		TrustedProxies:     []string{"10.0.0.0/8", "192.168.1.1"},
		MaxBodyBytes:       2 << 20,
		MaxHeaderBytes:     32 << 10,
		ReadHeaderTimeout:  5 * time.Second,
		ReadTimeout:        90 * time.Second,
		WriteTimeout:       -1,
		IdleTimeout:        -1,
		ShutdownTimeout:    3 * time.Second,
		SilencedChecks:     []string{"security.W102", "urls.W001"},
	}
	s.env, s.envRead = nil, nil
	if !reflect.DeepEqual(s, want) {
		t.Errorf("ApplyEnv:\n got %+v\nwant %+v", s, want)
	}
	if u, ok := s.Database("replica"); !ok || u != "postgres://u:p@replica/site" {
		t.Errorf("Database(replica) = %q, %v", u, ok)
	}
	if _, ok := s.Database("missing"); ok {
		t.Error("Database(missing) found")
	}
}

func TestApplyEnvPrefixWins(t *testing.T) {
	var s Settings
	if err := s.ApplyEnv([]string{"DEBUG=false", "GALVANI_DEBUG=true", "PORT=9999", "GALVANI_PORT=7000",
		"DATABASE_URL_X=sqlite:///x.db", "GALVANI_DATABASE_URL_X=sqlite:///gx.db"}); err != nil {
		t.Fatal(err)
	}
	if !s.Debug || s.Addr != ":7000" || s.Databases["x"] != "sqlite:///gx.db" {
		t.Errorf("GALVANI_ variables should win: Debug=%v Addr=%q x=%q", s.Debug, s.Addr, s.Databases["x"])
	}
	// ADDR wins over PORT; a bad PORT is ignored when ADDR is set.
	s = Settings{}
	if err := s.ApplyEnv([]string{"ADDR=127.0.0.1:1234", "PORT=nope"}); err != nil || s.Addr != "127.0.0.1:1234" {
		t.Errorf("ADDR over PORT: %q, %v", s.Addr, err)
	}
	// The default database can come from DATABASE_URL_DEFAULT.
	s = Settings{}
	if err := s.ApplyEnv([]string{"DATABASE_URL_DEFAULT=postgres://h/d"}); err != nil || s.DatabaseURL != "postgres://h/d" {
		t.Errorf("DATABASE_URL_DEFAULT: %q, %v", s.DatabaseURL, err)
	}
}

func TestApplyEnvErrors(t *testing.T) {
	cases := []struct {
		env     string
		varName string
		reason  string
	}{
		{"DEBUG=maybe", "DEBUG", "not a boolean"},
		{"GALVANI_DEBUG=2", "GALVANI_DEBUG", "not a boolean"},
		{"APPEND_SLASH=yes please", "APPEND_SLASH", "not a boolean"},
		{"PORT=http", "PORT", "not a number"},
		{"PORT=70000", "PORT", "0 to 65535"},
		{"PORT=-1", "PORT", "not a number"},
		{"ADDR=localhost", "ADDR", "not an address"},
		{"ADDR=1.2.3.4:", "ADDR", "port"},
		{"ADDR=:99999", "ADDR", "0 to 65535"},
		{"ADDR=bad host:80", "ADDR", "not a host name"},
		{"ADDR=", "ADDR", "empty address"},
		{"MAX_BODY_BYTES=-1", "MAX_BODY_BYTES", "not a size"},
		{"MAX_BODY_BYTES=0", "MAX_BODY_BYTES", "more than 0"},
		{"MAX_BODY_BYTES=10XB", "MAX_BODY_BYTES", "not a size"},
		{"MAX_BODY_BYTES=99999999999999999999", "MAX_BODY_BYTES", "too large"},
		{"MAX_BODY_BYTES=9000000000GiB", "MAX_BODY_BYTES", "too large"},
		{"MAX_HEADER_BYTES=2GiB", "MAX_HEADER_BYTES", "larger than 1GiB"},
		{"READ_TIMEOUT=soon", "READ_TIMEOUT", "not a duration"},
		{"READ_TIMEOUT=-5s", "READ_TIMEOUT", "negative"},
		{"WRITE_TIMEOUT=-3", "WRITE_TIMEOUT", "not a duration"},
		{"SHUTDOWN_TIMEOUT=99999999999999999", "SHUTDOWN_TIMEOUT", "between 0 and 290 years"},
		{"DATABASE_URL=db.sqlite3", "DATABASE_URL", "no scheme"},
		{"DATABASE_URL=", "DATABASE_URL", "empty"},
		{"DATABASE_URL=postgres://u:p@h/%zz", "DATABASE_URL", "not a URL"},
		{"DATABASE_URL_REPLICA=", "DATABASE_URL_REPLICA", "empty"},
		{"DATABASE_URL_BAD-NAME=sqlite:///x", "DATABASE_URL_BAD-NAME", "letters, digits and _"},
		{"DATABASE_URL_=sqlite:///x", "DATABASE_URL_", "letters, digits and _"},
		{"DATABASE_REPLICAS=replica;drop", "DATABASE_REPLICAS", "letters, digits and _"},
		{"TRUSTED_PROXIES=10.0.0.0/8,proxy.local", "TRUSTED_PROXIES", "not an IP address"},
		{"TRUSTED_PROXIES=10.0.0.0/33", "TRUSTED_PROXIES", "not a CIDR"},
		{"READY_PATH=readyz", "READY_PATH", `nor "off"`},
		{"HEALTH_PATH=", "HEALTH_PATH", `nor "off"`},
		{"DRAIN_DELAY=later", "DRAIN_DELAY", "not a duration"},
		{"DATABASE_REPLICA_PIN=soon", "DATABASE_REPLICA_PIN", "not a duration"},
	}
	for _, c := range cases {
		t.Run(c.env, func(t *testing.T) {
			var s Settings
			err := s.ApplyEnv([]string{c.env})
			var ee *EnvError
			if !errors.As(err, &ee) {
				t.Fatalf("ApplyEnv(%q) = %v, want an *EnvError", c.env, err)
			}
			if ee.Var != c.varName || !strings.Contains(err.Error(), c.reason) || !strings.Contains(err.Error(), c.varName) {
				t.Errorf("error %q: want variable %s and %q", err, c.varName, c.reason)
			}
		})
	}
	// Every bad variable is reported, not only the first; good ones still apply.
	var s Settings
	err := s.ApplyEnv([]string{"DEBUG=maybe", "PORT=x", "SECRET_KEY=ok"})
	if err == nil || !strings.Contains(err.Error(), "DEBUG") || !strings.Contains(err.Error(), "PORT") {
		t.Errorf("want both variables named, got %v", err)
	}
	if s.SecretKey != "ok" {
		t.Error("well-formed variables should apply even when others are malformed")
	}
	// Passwords in bad database URLs are masked in the message.
	s = Settings{}
	err = s.ApplyEnv([]string{"DATABASE_URL_DEFAULT=postgres://u:hunter2@h/d", "DATABASE_URL=postgres://u:other@h/d"})
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "conflicts with DATABASE_URL") {
		t.Errorf("conflict error %v: want the conflict named and the password masked", err)
	}
}

func TestParseSize(t *testing.T) {
	good := map[string]int64{"1": 1, "512": 512, "1k": 1024, "1K": 1024, "2KiB": 2048, "3kb": 3000, "10MB": 10e6,
		"10 MiB": 10 << 20, "1g": 1 << 30, "2GB": 2e9, " 7b ": 7}
	for in, want := range good {
		if n, err := ParseSize(in); err != nil || n != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, n, err, want)
		}
	}
	for _, in := range []string{"", "k", "-1", "1.5MB", "1TB", "MB1", "0", "0k", "1 2", "１"} {
		if n, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", in, n)
		}
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"1", "10MiB", "9223372036854775807", "9223372036854775807k", "", "k", " 1 g "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSize(s)
		if err == nil && n <= 0 {
			t.Fatalf("ParseSize(%q) = %d without error", s, n)
		}
	})
}

type sessionSection struct {
	Age      time.Duration `env:"SESSION_AGE"`
	Cookie   string        `env:"SESSION_COOKIE_NAME"`
	Secure   bool          `env:"SESSION_SECURE"`
	MaxItems int           `env:"SESSION_MAX_ITEMS"`
	Ratio    float64       `env:"SESSION_RATIO"`
	Small    uint8         `env:"SESSION_SMALL"`
	Domains  []string      `env:"SESSION_DOMAINS"`
	Level    slog.Level    `env:"SESSION_LOG_LEVEL"`
	Net      netip.Prefix  `env:"SESSION_NET"`
	Untagged string
	Skipped  string `env:"-"`
}

func TestSectionEnv(t *testing.T) {
	var s Settings
	if err := s.ApplyEnv([]string{
		"SESSION_AGE=2h", "GALVANI_SESSION_COOKIE_NAME=sid", "SESSION_COOKIE_NAME=ignored", "SESSION_SECURE=1",
		"SESSION_MAX_ITEMS=-3", "SESSION_RATIO=0.5", "SESSION_SMALL=200", "SESSION_DOMAINS=a.com, b.com",
		"SESSION_LOG_LEVEL=warn", "SESSION_NET=10.1.0.0/16", "Untagged=x", "-=y",
	}); err != nil {
		t.Fatal(err)
	}
	def := sessionSection{Age: time.Hour, Cookie: "sessionid", Untagged: "u", Skipped: "s"}
	got := Section(&s, "session", def)
	want := sessionSection{Age: 2 * time.Hour, Cookie: "sid", Secure: true, MaxItems: -3, Ratio: 0.5, Small: 200,
		Domains: []string{"a.com", "b.com"}, Level: slog.LevelWarn, Net: netip.MustParsePrefix("10.1.0.0/16"), Untagged: "u", Skipped: "s"}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("section from env:\n got %+v\nwant %+v", *got, want)
	}
	if again := Section(&s, "session", sessionSection{}); again != got {
		t.Error("Section should return the existing section")
	}
	if len(s.sectionErrs) != 0 {
		t.Errorf("unexpected section errors %v", s.sectionErrs)
	}
}

func TestSectionEnvErrors(t *testing.T) {
	for _, env := range []string{"SESSION_AGE=forever", "SESSION_SECURE=perhaps", "SESSION_MAX_ITEMS=1.5",
		"SESSION_RATIO=half", "SESSION_SMALL=256", "SESSION_SMALL=-1", "SESSION_LOG_LEVEL=loud", "SESSION_NET=10.0.0.1"} {
		var s Settings
		if err := s.ApplyEnv([]string{env}); err != nil {
			t.Fatal(err)
		}
		def := sessionSection{Age: time.Hour, Small: 7}
		got := Section(&s, "session", def)
		name, _, _ := strings.Cut(env, "=")
		if len(s.sectionErrs) != 1 || !strings.Contains(s.sectionErrs[0], name) || !strings.Contains(s.sectionErrs[0], `"session"`) {
			t.Errorf("%s: section errors %q, want one naming the variable and the section", env, s.sectionErrs)
		}
		if got.Age != time.Hour || got.Small != 7 {
			t.Errorf("%s: a malformed value must leave the default, got %+v", env, got)
		}
		msgs := checkSettings(&s, false)
		if !hasCheck(msgs, "settings.E010") {
			t.Errorf("%s: check should report settings.E010, got %v", env, msgs)
		}
	}
}

func TestApplyEnvToExistingSections(t *testing.T) {
	ptr := &sessionSection{Cookie: "code"}
	s := Settings{
		DatabaseURL: "sqlite:///code.db",
		Databases:   map[string]string{"default": "sqlite:///code.db"},
		Sections:    map[string]any{"ptr": ptr, "val": sessionSection{Age: time.Minute}, "other": 42},
	}
	if err := s.ApplyEnv([]string{"SESSION_COOKIE_NAME=env", "SESSION_AGE=2m", "DATABASE_URL=postgres://h/env"}); err != nil {
		t.Fatal(err)
	}
	if ptr.Cookie != "env" || ptr.Age != 2*time.Minute {
		t.Errorf("pointer section not updated: %+v", ptr)
	}
	if v := Section(&s, "val", sessionSection{}); v.Age != 2*time.Minute || v.Cookie != "env" {
		t.Errorf("value section not updated: %+v", v)
	}
	if s.Sections["other"] != 42 {
		t.Error("non-struct sections are left alone")
	}
	if s.Databases["default"] != "postgres://h/env" {
		t.Errorf("DATABASE_URL should override Databases[default] set in code: %q", s.Databases["default"])
	}
	s = Settings{Sections: map[string]any{"ptr": &sessionSection{}}}
	err := s.ApplyEnv([]string{"SESSION_AGE=never"})
	if err == nil || !strings.Contains(err.Error(), `section "ptr"`) || !strings.Contains(err.Error(), "SESSION_AGE") {
		t.Errorf("a malformed section variable should be returned naming section and variable: %v", err)
	}
}

func TestSectionWithoutEnv(t *testing.T) {
	t.Setenv("SESSION_AGE", "5h")
	var s Settings // not loaded from the environment
	if got := Section(&s, "session", sessionSection{Age: time.Hour}); got.Age != time.Hour {
		t.Errorf("settings not loaded from env must not read env in sections: %v", got.Age)
	}
	// A value stored by the project (not a pointer) is adopted.
	s.Sections["plain"] = sessionSection{Cookie: "c"}
	if p := Section(&s, "plain", sessionSection{}); p.Cookie != "c" || s.Sections["plain"] != any(p) {
		t.Errorf("value section not adopted: %+v", p)
	}
}

func TestSectionPanics(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: want a panic", name)
			}
		}()
		f()
	}
	var s Settings
	Section(&s, "a", 1)
	mustPanic("type mismatch", func() { Section(&s, "a", "string") })
	type badTag struct {
		M map[string]int `env:"M"`
	}
	type unexported struct {
		x string `env:"X"`
	}
	type emptyTag struct {
		X string `env:""`
	}
	s.ApplyEnv([]string{})
	mustPanic("map field", func() { Section(&s, "b", badTag{}) })
	mustPanic("unexported field", func() { Section(&s, "c", unexported{}) })
	mustPanic("empty tag", func() { Section(&s, "d", emptyTag{}) })
}

func TestLoadSettingsFromProcessEnv(t *testing.T) {
	t.Setenv("GALVANI_SECRET_KEY", "from-process")
	t.Setenv("DEBUG", "true")
	s, err := LoadSettings()
	if err != nil || s.SecretKey != "from-process" || !s.Debug {
		t.Errorf("LoadSettings = %+v, %v", s, err)
	}
	t.Setenv("DEBUG", "sometimes")
	if _, err := LoadSettings(); err == nil || !strings.Contains(err.Error(), "DEBUG") {
		t.Errorf("want an error naming DEBUG, got %v", err)
	}
}

func hasCheck(msgs []CheckMessage, id string) bool {
	for _, m := range msgs {
		if m.ID == id {
			return true
		}
	}
	return false
}

func ExampleSettings_ApplyEnv() {
	s := Settings{AllowedHosts: []string{"example.com"}}
	err := s.ApplyEnv([]string{"GALVANI_DEBUG=true", "PORT=8080", "DATABASE_URL_REPLICA=postgres://replica/site", "MAX_BODY_BYTES=1MiB"})
	fmt.Println(err, s.Debug, s.Addr, s.Databases["replica"], s.MaxBodyBytes, s.AllowedHosts)

	err = s.ApplyEnv([]string{"DEBUG=maybe"})
	fmt.Println(err)
	// Output:
	// <nil> true :8080 postgres://replica/site 1048576 [example.com]
	// galvani: environment variable DEBUG="maybe": is not a boolean (use true or false)
}

func ExampleSection() {
	type SessionConfig struct {
		Age    time.Duration `env:"SESSION_AGE"`
		Cookie string        `env:"SESSION_COOKIE_NAME"`
	}
	var s Settings
	if err := s.ApplyEnv([]string{"SESSION_AGE=1h"}); err != nil {
		panic(err)
	}
	cfg := Section(&s, "session", SessionConfig{Age: 14 * 24 * time.Hour, Cookie: "sessionid"})
	fmt.Println(cfg.Age, cfg.Cookie)
	// Output: 1h0m0s sessionid
}

var envVarNames = []string{"DEBUG", "SECRET_KEY", "SECRET_KEY_FALLBACKS", "ALLOWED_HOSTS", "DATABASE_URL", "DATABASE_URL_X",
	"ADDR", "PORT", "APPEND_SLASH", "TRUSTED_PROXIES", "MAX_BODY_BYTES", "MAX_HEADER_BYTES", "READ_HEADER_TIMEOUT",
	"READ_TIMEOUT", "WRITE_TIMEOUT", "IDLE_TIMEOUT", "SHUTDOWN_TIMEOUT", "SILENCED_CHECKS",
	"HEALTH_PATH", "READY_PATH", "READY_TIMEOUT", "DRAIN_DELAY", "DATABASE_REPLICA_PIN",
	"SESSION_AGE", "SESSION_SECURE", "SESSION_MAX_ITEMS", "SESSION_RATIO", "SESSION_SMALL", "SESSION_DOMAINS", "SESSION_LOG_LEVEL", "SESSION_NET"}

// FuzzApplyEnv feeds any value to every variable: ApplyEnv and Section never panic,
// and every failure is an *EnvError naming the variable.
func FuzzApplyEnv(f *testing.F) {
	for i, v := range []string{"1", "maybe", "", "10MiB", "-1", "1h", "postgres://u:p@h/d", "0:80", "10.0.0.0/8", "\x00", "99999999999999999999"} {
		f.Add(uint8(i), v)
	}
	f.Fuzz(func(t *testing.T, which uint8, value string) {
		name := envVarNames[int(which)%len(envVarNames)]
		var s Settings
		err := s.ApplyEnv([]string{name + "=" + value})
		if err != nil {
			var ee *EnvError
			if !errors.As(err, &ee) || ee.Var != name {
				t.Fatalf("%s=%q: error %v does not name the variable", name, value, err)
			}
		}
		Section(&s, "session", sessionSection{})
		for _, e := range s.sectionErrs {
			if !strings.Contains(e, name) {
				t.Fatalf("%s=%q: section error %q does not name the variable", name, value, e)
			}
		}
		checkSettings(&s, true) // must not panic on whatever was accepted
		if err == nil && len(s.sectionErrs) == 0 {
			d := s.withDefaults()
			if d.MaxBodyBytes <= 0 || d.MaxHeaderBytes <= 0 {
				t.Fatalf("%s=%q: accepted a non-positive size", name, value)
			}
			if _, err := ParseAddr(d.Addr); err != nil {
				t.Fatalf("%s=%q: accepted an address runserver cannot use: %v", name, value, err)
			}
		}
	})
}

func TestRandomSecretKeyInDebug(t *testing.T) {
	// Debug without a key: one random key for the whole process, shared by every
	// battery through app.Settings, so none of them warns on its own.
	a := New(Settings{Debug: true})
	if len(a.Settings.SecretKey) != 64 || !a.Settings.RandomSecretKey() {
		t.Fatalf("Debug without SECRET_KEY: key %q, random=%v", a.Settings.SecretKey, a.Settings.RandomSecretKey())
	}
	if b := New(Settings{Debug: true}); b.Settings.SecretKey == a.Settings.SecretKey {
		t.Error("two processes' worth of Apps share a random key")
	}
	var out strings.Builder
	if err := a.RunCommand(context.Background(), []string{"settings"}, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), a.Settings.SecretKey) || !strings.Contains(out.String(), "a random key for this process") {
		t.Errorf("settings output shows the random key or hides that it is random:\n%s", out.String())
	}
	// A set key is kept; outside Debug an empty key stays empty for check to refuse.
	if c := New(Settings{Debug: true, SecretKey: "k"}); c.Settings.SecretKey != "k" || c.Settings.RandomSecretKey() {
		t.Errorf("a configured key was replaced")
	}
	if d := New(Settings{}); d.Settings.SecretKey != "" || d.Settings.RandomSecretKey() {
		t.Errorf("production settings got a random key")
	}
	// help says nothing about the key.
	out.Reset()
	if err := a.RunCommand(context.Background(), []string{"help"}, &out); err != nil || strings.Contains(out.String(), "SECRET_KEY is") {
		t.Errorf("help: %v\n%s", err, out.String())
	}
}
