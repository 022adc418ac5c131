package galvani

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"net/url"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Settings is the one typed configuration of a project. The zero value serves on
// 127.0.0.1:8000 with SQLite (New fills in the defaults); a deployment needs at least
// SecretKey and AllowedHosts, which the `check` command verifies. LoadSettings and
// ApplyEnv override the settings from environment variables. Batteries and apps keep
// their own options in their own sections (see Section).
//
// Every environment variable may also be given with a GALVANI_ prefix
// (GALVANI_DEBUG, GALVANI_PORT, ...); the prefixed form wins. Use it when a plain
// name such as DEBUG or PORT means something else on your machine.
type Settings struct {
	// Debug turns on the debug pages, template reloading and the dev-server reloader.
	// Never in production: `check` reports production problems only when it is off.
	// Env: DEBUG (1/true/yes/on or 0/false/no/off).
	Debug bool
	// SecretKey signs cookies, sessions, CSRF tokens and password-reset links. It must
	// be long (50+ characters) and random outside debug mode; generate one with the
	// `secretkey` command. Env: SECRET_KEY.
	SecretKey string
	// SecretKeyFallbacks are previous secret keys still accepted when verifying
	// signatures, so a key can be rotated without logging everyone out (Django's
	// SECRET_KEY_FALLBACKS). Env: SECRET_KEY_FALLBACKS (comma separated).
	SecretKeyFallbacks []string
	// randomKey is set by New when it filled an empty SecretKey with a random key
	// for the life of the process (Debug mode only); runserver says so once.
	randomKey bool
	// AllowedHosts lists the Host header values the site answers to. A leading dot
	// matches a domain and its subdomains; "*" matches anything. When empty and Debug is
	// on, localhost names are allowed. Env: ALLOWED_HOSTS (comma separated).
	AllowedHosts []string
	// DatabaseURL selects the default database: sqlite:///path.db, postgres://...,
	// mysql://... Env: DATABASE_URL. Default: sqlite:///db.sqlite3.
	DatabaseURL string
	// Databases names every database of the project, like Django's DATABASES. The
	// entry "default" is always DatabaseURL; other names come from code or from
	// DATABASE_URL_<NAME> variables (DATABASE_URL_REPLICA sets "replica").
	Databases map[string]string
	// DatabaseReplicas names entries of Databases that are read replicas of the
	// default database: each request's reads go to them until the request writes
	// (docs/orm.md, "Read replicas"). Env: DATABASE_REPLICAS (comma separated
	// names, e.g. DATABASE_REPLICAS=replica with DATABASE_URL_REPLICA=...).
	DatabaseReplicas []string
	// DatabaseReplicaPin is how long, after a request that wrote, the same
	// client's requests read the primary instead of the replicas (a cookie), so a
	// redirect after a POST shows what it saved while the replicas catch up.
	// Default 5s (0 keeps the default); negative turns it off. Env:
	// DATABASE_REPLICA_PIN (a duration, or 0/off).
	DatabaseReplicaPin time.Duration
	// CacheURL selects the default cache of the cache battery: locmem:// (in-process
	// LRU, the default), redis://host:6379/0, memcached://host:11211, db://table (with
	// the cache/dbcache app installed) or dummy://; options such as timeout and
	// key_prefix go in the query (docs/cache.md). Env: CACHE_URL.
	CacheURL string
	// Caches names every cache, like Django's CACHES. The entry "default" is always
	// CacheURL; other names come from code or from CACHE_URL_<NAME> variables
	// (CACHE_URL_SESSIONS sets "sessions").
	Caches map[string]string
	// EmailURL selects how the mail battery sends mail: console:// (print on
	// standard error, the default), smtp://user:password@host:587 (STARTTLS when
	// offered), smtps://user:password@host:465, file:///dir or memory://
	// (docs/mail.md). Env: EMAIL_URL.
	EmailURL string
	// DefaultFromEmail is the sender of mail that names none. Default
	// "webmaster@localhost". Env: DEFAULT_FROM_EMAIL.
	DefaultFromEmail string
	// ServerEmail is the sender of error mails to the admins. Default
	// "root@localhost". Env: SERVER_EMAIL.
	ServerEmail string
	// Admins receive a mail for every server error when Debug is off (with the
	// mail battery installed), like Django's ADMINS. Env: ADMINS, a list of
	// addresses separated by commas ("Ada <ada@example.com>, ops@example.com").
	Admins []string
	// Addr is the listen address for runserver. Env: ADDR, or PORT (which listens on
	// every interface, as platforms that set PORT expect). Default 127.0.0.1:8000.
	Addr string
	// AppendSlash redirects GET/HEAD requests for /path to /path/ when only the slashed
	// route exists, like Django's APPEND_SLASH. Default true; env: APPEND_SLASH.
	AppendSlash *bool
	// TrustedProxies are the CIDRs or addresses whose X-Forwarded-* headers are believed.
	// Env: TRUSTED_PROXIES (comma separated).
	TrustedProxies []string
	// MaxBodyBytes bounds request bodies read through Ctx (JSON binding, forms).
	// Default 10 MiB. Env: MAX_BODY_BYTES (bytes, or with a unit: 512KiB, 10MB, 1GiB).
	MaxBodyBytes int64
	// MaxHeaderBytes bounds the size of request headers the server reads.
	// Default 64 KiB. Env: MAX_HEADER_BYTES.
	MaxHeaderBytes int
	// ReadHeaderTimeout, ReadTimeout, WriteTimeout and IdleTimeout configure the server
	// started by runserver. Defaults: 10s, 60s, 60s, 120s. A negative value disables
	// that timeout (for streaming responses, say). Env: READ_HEADER_TIMEOUT,
	// READ_TIMEOUT, WRITE_TIMEOUT, IDLE_TIMEOUT (Go durations like 30s or 2m, a plain
	// number of seconds, or 0/off to disable). The server enforces them by sweeping
	// its connections a few times per shortest timeout instead of re-arming a timer
	// several times per request, so one fires up to a tenth of the shortest timeout
	// late (never more than a second), never early.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// ShutdownTimeout is how long a graceful shutdown waits for in-flight requests
	// before closing their connections. Default 30s. Env: SHUTDOWN_TIMEOUT.
	ShutdownTimeout time.Duration
	// HealthPath and ReadyPath are where the App answers liveness and readiness
	// probes, ahead of every middleware (docs/deploy.md). Defaults: /healthz and
	// /readyz; "off" turns a probe off. Env: HEALTH_PATH, READY_PATH.
	HealthPath, ReadyPath string
	// ReadyTimeout bounds each readiness check (a database ping, say). Default 2s.
	// Env: READY_TIMEOUT.
	ReadyTimeout time.Duration
	// DrainDelay is how long a graceful shutdown keeps serving, with readiness
	// already failing, before it stops accepting connections, so a load balancer
	// sees the 503 and stops sending new requests first. Default 0 (no delay).
	// Env: DRAIN_DELAY.
	DrainDelay time.Duration
	// LogLevel is the least severe level logged: debug, info, warn or error. With
	// LogLevel or LogFormat set, New makes a logger on standard error (NewLogger)
	// the App's Logger and log/slog's default, so the batteries that log to
	// slog.Default follow it; at debug the ORM logs every SQL statement. Empty
	// (the default) leaves log/slog's default logger as the program set it.
	// Env: LOG_LEVEL.
	LogLevel string
	// LogFormat is "text" (key=value lines) or "json" (one JSON object a line, for
	// log collectors). Env: LOG_FORMAT.
	LogFormat string
	// SilencedChecks lists check IDs (e.g. "security.W102") that `check` and
	// runserver do not report. Env: SILENCED_CHECKS (comma separated).
	SilencedChecks []string
	// Sections holds the settings of batteries and apps, keyed by section name.
	// Use Section to read or create one.
	Sections map[string]any

	// env is the environment the settings were loaded from; Section applies env
	// struct tags from it. Nil when the settings did not come from the environment.
	env map[string]string
	// envRead records the variables the settings looked for (EnvRead).
	envRead *envLog
	// sectionErrs collects malformed section variables, reported by `check`.
	sectionErrs []string
}

// Defaults of the settings New fills in for zero fields.
const (
	DefaultAddr              = "127.0.0.1:8000"
	DefaultDatabaseURL       = "sqlite:///db.sqlite3"
	DefaultCacheURL          = "locmem://"
	DefaultEmailURL          = "console://"
	DefaultFromEmail         = "webmaster@localhost"
	DefaultServerEmail       = "root@localhost"
	DefaultMaxBodyBytes      = 10 << 20
	DefaultMaxHeaderBytes    = 64 << 10
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 60 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultShutdownTimeout   = 30 * time.Second
	DefaultHealthPath        = "/healthz"
	DefaultReadyPath         = "/readyz"
	DefaultReadyTimeout      = 2 * time.Second
)

// EnvPrefix is the optional prefix of every settings environment variable; the
// prefixed form (GALVANI_DEBUG) wins over the plain one (DEBUG).
const EnvPrefix = "GALVANI_"

// LoadSettings returns the default settings overridden by environment variables.
// A malformed value (DEBUG=maybe) is an error naming the variable.
func LoadSettings() (Settings, error) {
	var s Settings
	err := s.ApplyEnv(nil)
	return s, err
}

// ApplyEnv overrides s with the settings variables found in environ, a list of
// KEY=VALUE strings as os.Environ returns (nil means os.Environ()). It reports every
// malformed variable in one error, naming each; fields of well-formed variables are
// set even then. The env-tagged fields of sections (see Section) are applied too:
// those already in s.Sections now, and those created later with Section from the same
// environment.
//
// Use it to combine code and environment:
//
//	s := galvani.Settings{AllowedHosts: []string{"example.com"}}
//	if err := s.ApplyEnv(nil); err != nil { log.Fatal(err) }
//	app := galvani.New(s)
func (s *Settings) ApplyEnv(environ []string) error {
	if environ == nil {
		environ = os.Environ()
	}
	env := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	s.env = env
	s.envRead = &envLog{seen: map[string]bool{}}
	var errs []error
	bad := func(name, v, why string) {
		errs = append(errs, &EnvError{Var: name, Value: v, Reason: why})
	}
	if name, v, ok := s.lookupEnv("DEBUG"); ok {
		if b, err := parseBool(v); err != nil {
			bad(name, v, err.Error())
		} else {
			s.Debug = b
		}
	}
	if _, v, ok := s.lookupEnv("SECRET_KEY"); ok {
		s.SecretKey = v
	}
	if _, v, ok := s.lookupEnv("SECRET_KEY_FALLBACKS"); ok {
		s.SecretKeyFallbacks = splitList(v)
	}
	if _, v, ok := s.lookupEnv("ALLOWED_HOSTS"); ok {
		s.AllowedHosts = splitList(v)
	}
	if name, v, ok := s.lookupEnv("DATABASE_URL"); ok {
		if err := checkDatabaseURL(v); err != nil {
			bad(name, redactURL(v), err.Error())
		} else {
			s.DatabaseURL = v
			if _, ok := s.Databases["default"]; ok {
				s.Databases["default"] = v
			}
		}
	}
	if name, v, ok := s.lookupEnv("DATABASE_REPLICAS"); ok {
		names := splitList(v)
		for _, n := range names {
			if !validDatabaseName(strings.ToLower(n)) {
				bad(name, v, "a replica is named by its database's name (letters, digits and _), as in DATABASE_URL_<NAME>")
				names = nil
				break
			}
		}
		for i := range names {
			names[i] = strings.ToLower(names[i])
		}
		s.DatabaseReplicas = names
	}
	for _, name := range s.databaseVars() {
		v := env[name]
		db := strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(name, EnvPrefix), "DATABASE_URL_"))
		if !validDatabaseName(db) {
			bad(name, "", "the database name after DATABASE_URL_ must be letters, digits and _")
			continue
		}
		if err := checkDatabaseURL(v); err != nil {
			bad(name, redactURL(v), err.Error())
			continue
		}
		if db == "default" {
			if dn, dv, ok := s.lookupEnv("DATABASE_URL"); ok && dv != v {
				bad(name, redactURL(v), "conflicts with "+dn+"; set only one of them")
				continue
			}
			s.DatabaseURL = v
		}
		if s.Databases == nil {
			s.Databases = map[string]string{}
		}
		s.Databases[db] = v
	}
	errs = append(errs, s.applyCacheEnv()...)
	errs = append(errs, s.applyMailEnv()...)
	if name, v, ok := s.lookupEnv("ADDR"); ok {
		if a, err := ParseAddr(v); err != nil {
			bad(name, v, err.Error())
		} else {
			s.Addr = a
		}
	} else if name, v, ok := s.lookupEnv("PORT"); ok {
		if p, err := parsePort(v); err != nil {
			bad(name, v, err.Error())
		} else {
			s.Addr = ":" + p
		}
	}
	if name, v, ok := s.lookupEnv("APPEND_SLASH"); ok {
		if b, err := parseBool(v); err != nil {
			bad(name, v, err.Error())
		} else {
			s.AppendSlash = &b
		}
	}
	if name, v, ok := s.lookupEnv("TRUSTED_PROXIES"); ok {
		list := splitList(v)
		for _, p := range list {
			if err := checkProxy(p); err != nil {
				bad(name, v, err.Error())
			}
		}
		s.TrustedProxies = list
	}
	if name, v, ok := s.lookupEnv("MAX_BODY_BYTES"); ok {
		if n, err := ParseSize(v); err != nil {
			bad(name, v, err.Error())
		} else {
			s.MaxBodyBytes = n
		}
	}
	if name, v, ok := s.lookupEnv("MAX_HEADER_BYTES"); ok {
		if n, err := ParseSize(v); err != nil {
			bad(name, v, err.Error())
		} else if n > 1<<30 {
			bad(name, v, "is larger than 1GiB")
		} else {
			s.MaxHeaderBytes = int(n)
		}
	}
	for _, t := range []struct {
		name string
		dst  *time.Duration
	}{
		{"READ_HEADER_TIMEOUT", &s.ReadHeaderTimeout},
		{"READ_TIMEOUT", &s.ReadTimeout},
		{"WRITE_TIMEOUT", &s.WriteTimeout},
		{"IDLE_TIMEOUT", &s.IdleTimeout},
		{"SHUTDOWN_TIMEOUT", &s.ShutdownTimeout},
		{"READY_TIMEOUT", &s.ReadyTimeout},
		{"DRAIN_DELAY", &s.DrainDelay},
		{"DATABASE_REPLICA_PIN", &s.DatabaseReplicaPin},
	} {
		if name, v, ok := s.lookupEnv(t.name); ok {
			if d, err := parseTimeout(v); err != nil {
				bad(name, v, err.Error())
			} else {
				*t.dst = d
			}
		}
	}
	for _, t := range []struct {
		name string
		dst  *string
	}{{"HEALTH_PATH", &s.HealthPath}, {"READY_PATH", &s.ReadyPath}} {
		if name, v, ok := s.lookupEnv(t.name); ok {
			if v = strings.TrimSpace(v); v != ProbeOff && !strings.HasPrefix(v, "/") {
				bad(name, v, `is neither a path starting with "/" nor "off"`)
			} else {
				*t.dst = v
			}
		}
	}
	if name, v, ok := s.lookupEnv("LOG_LEVEL"); ok {
		if _, err := ParseLogLevel(v); err != nil {
			bad(name, v, err.Error())
		} else {
			s.LogLevel = strings.ToLower(strings.TrimSpace(v))
		}
	}
	if name, v, ok := s.lookupEnv("LOG_FORMAT"); ok {
		if err := checkLogFormat(v); err != nil {
			bad(name, v, err.Error())
		} else {
			s.LogFormat = strings.ToLower(strings.TrimSpace(v))
		}
	}
	if _, v, ok := s.lookupEnv("SILENCED_CHECKS"); ok {
		s.SilencedChecks = splitList(v)
	}
	// Sections the project set up before loading the environment get their env-tagged
	// fields applied too (a struct value is replaced by a pointer to its copy).
	names := make([]string, 0, len(s.Sections))
	for n := range s.Sections {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		rv := reflect.ValueOf(s.Sections[n])
		switch {
		case rv.Kind() == reflect.Pointer && !rv.IsNil() && rv.Elem().Kind() == reflect.Struct:
		case rv.Kind() == reflect.Struct:
			p := reflect.New(rv.Type())
			p.Elem().Set(rv)
			s.Sections[n] = p.Interface()
			rv = p
		default:
			continue
		}
		for _, e := range s.applySectionEnv(rv.Elem()) {
			errs = append(errs, fmt.Errorf("settings section %q: %w", n, e))
		}
	}
	return errors.Join(errs...)
}

// EnvError reports a malformed settings environment variable.
type EnvError struct {
	// Var is the variable's name as set (with its GALVANI_ prefix if it had one).
	Var string
	// Value is the offending value; database URLs have their password masked.
	Value string
	// Reason says what is wrong and what is accepted.
	Reason string
}

// Error implements error.
func (e *EnvError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("galvani: environment variable %s: %s", e.Var, e.Reason)
	}
	return fmt.Sprintf("galvani: environment variable %s=%q: %s", e.Var, e.Value, e.Reason)
}

// lookupEnv finds GALVANI_name or name in the loaded environment and returns the
// variable that was used.
func (s *Settings) lookupEnv(name string) (string, string, bool) {
	s.envRead.add(name)
	return s.lookupEnvQuiet(name)
}

// envLog is the list of variables the settings looked for, shared by the copies
// of a Settings.
type envLog struct {
	mu    sync.Mutex
	seen  map[string]bool
	names []string
}

func (l *envLog) add(name string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	if !l.seen[name] {
		l.seen[name] = true
		l.names = append(l.names, name)
	}
	l.mu.Unlock()
}

// EnvVar is an environment variable the settings read (EnvRead).
type EnvVar struct {
	// Name is the variable's plain name (each can also be given with the
	// GALVANI_ prefix, which wins), or a pattern such as DATABASE_URL_<NAME>.
	Name string
	// Set is the variable that is set in the environment ("" when neither form is).
	Set string
}

// EnvRead lists the environment variables the settings read so far — the core's
// and those of every settings section an installed app asked for — with the
// DATABASE_URL_<NAME> and CACHE_URL_<NAME> families, sorted by name. `check
// --deploy` prints it, so that an operator sees what a deployment can set. It is
// empty for settings that did not come from the environment.
func (s *Settings) EnvRead() []EnvVar {
	if s.envRead == nil {
		return nil
	}
	s.envRead.mu.Lock()
	names := slices.Clone(s.envRead.names)
	s.envRead.mu.Unlock()
	names = append(names, "DATABASE_URL_<NAME>", "CACHE_URL_<NAME>")
	slices.Sort(names)
	out := make([]EnvVar, 0, len(names))
	for _, n := range names {
		v := EnvVar{Name: n}
		if family, ok := strings.CutSuffix(n, "<NAME>"); ok {
			var set []string
			for k := range s.env {
				if strings.HasPrefix(strings.TrimPrefix(k, EnvPrefix), family) {
					set = append(set, k)
				}
			}
			slices.Sort(set)
			v.Set = strings.Join(set, ",")
		} else if name, _, ok := s.lookupEnvQuiet(n); ok {
			v.Set = name
		}
		out = append(out, v)
	}
	return out
}

func (s *Settings) lookupEnvQuiet(name string) (string, string, bool) {
	if v, ok := s.env[EnvPrefix+name]; ok {
		return EnvPrefix + name, v, true
	}
	if v, ok := s.env[name]; ok {
		return name, v, true
	}
	return "", "", false
}

// databaseVars returns the DATABASE_URL_<NAME> variables to apply, sorted, with a
// GALVANI_ variable replacing its plain twin.
func (s *Settings) databaseVars() []string {
	const p = "DATABASE_URL_"
	var out []string
	for k := range s.env {
		switch {
		case strings.HasPrefix(k, EnvPrefix+p):
			out = append(out, k)
		case strings.HasPrefix(k, p):
			if _, twin := s.env[EnvPrefix+k]; !twin {
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// withDefaults returns s with every unset field at its default.
func (s Settings) withDefaults() Settings {
	if s.DatabaseURL == "" {
		if u := s.Databases["default"]; u != "" {
			s.DatabaseURL = u
		} else {
			s.DatabaseURL = DefaultDatabaseURL
		}
	}
	dbs := make(map[string]string, len(s.Databases)+1)
	for k, v := range s.Databases {
		dbs[k] = v
	}
	if _, ok := dbs["default"]; !ok {
		dbs["default"] = s.DatabaseURL
	}
	s.Databases = dbs
	s.CacheURL, s.Caches = withDefaultURL(s.CacheURL, s.Caches, DefaultCacheURL)
	if s.EmailURL == "" {
		s.EmailURL = DefaultEmailURL
	}
	if s.DefaultFromEmail == "" {
		s.DefaultFromEmail = DefaultFromEmail
	}
	if s.ServerEmail == "" {
		s.ServerEmail = DefaultServerEmail
	}
	if s.Addr == "" {
		s.Addr = DefaultAddr
	}
	if s.AppendSlash == nil {
		t := true
		s.AppendSlash = &t
	}
	if s.MaxBodyBytes == 0 {
		s.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if s.MaxHeaderBytes == 0 {
		s.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if s.ReadHeaderTimeout == 0 {
		s.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if s.ReadTimeout == 0 {
		s.ReadTimeout = DefaultReadTimeout
	}
	if s.WriteTimeout == 0 {
		s.WriteTimeout = DefaultWriteTimeout
	}
	if s.IdleTimeout == 0 {
		s.IdleTimeout = DefaultIdleTimeout
	}
	if s.ShutdownTimeout == 0 {
		s.ShutdownTimeout = DefaultShutdownTimeout
	}
	if s.HealthPath == "" {
		s.HealthPath = DefaultHealthPath
	}
	if s.ReadyPath == "" {
		s.ReadyPath = DefaultReadyPath
	}
	if s.ReadyTimeout == 0 {
		s.ReadyTimeout = DefaultReadyTimeout
	}
	if s.Sections == nil {
		s.Sections = map[string]any{}
	}
	return s
}

// Database returns the URL of the database called name ("default" is DatabaseURL)
// and whether there is one.
func (s *Settings) Database(name string) (string, bool) {
	if name == "default" && s.DatabaseURL != "" {
		return s.DatabaseURL, true
	}
	u, ok := s.Databases[name]
	return u, ok && u != ""
}

// Section returns the settings section called name, creating it from def when it is
// missing. Batteries use it for their own options:
//
//	type Config struct {
//		Age    time.Duration `env:"SESSION_AGE"`
//		Cookie string        `env:"SESSION_COOKIE_NAME"`
//	}
//	cfg := galvani.Section(&app.Settings, "session", Config{Age: 14 * 24 * time.Hour})
//
// When the section is created and the settings were loaded from the environment
// (LoadSettings, ApplyEnv, or New without a Settings argument), exported fields with
// an `env:"NAME"` tag are overridden by the variable NAME (or GALVANI_NAME). Tagged
// fields may be strings, bools, integers, floats, time.Duration, []string (comma
// separated) or implement encoding.TextUnmarshaler. A malformed value leaves the
// default in place and is reported by the `check` command (settings.E010), so
// runserver refuses to start with it.
//
// Section panics when the section exists with another type, or when T has an env
// tag on a field of an unsupported type: both are programming errors.
func Section[T any](s *Settings, name string, def T) *T {
	if s.Sections == nil {
		s.Sections = map[string]any{}
	}
	if v, ok := s.Sections[name]; ok {
		switch p := v.(type) {
		case *T:
			return p
		case T:
			s.Sections[name] = &p
			return &p
		}
		panic(fmt.Sprintf("galvani: settings section %q holds %T, not %T", name, v, def))
	}
	p := &def
	if s.env != nil {
		for _, e := range s.applySectionEnv(reflect.ValueOf(p).Elem()) {
			s.sectionErrs = append(s.sectionErrs, fmt.Sprintf("section %q: %v", name, e))
		}
	}
	s.Sections[name] = p
	return p
}

var (
	durationType        = reflect.TypeFor[time.Duration]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func (s *Settings) applySectionEnv(v reflect.Value) []error {
	if v.Kind() != reflect.Struct {
		return nil
	}
	var errs []error
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, ok := f.Tag.Lookup("env")
		if !ok || tag == "-" {
			continue
		}
		if !f.IsExported() || tag == "" || !settableKind(f.Type) {
			panic(fmt.Sprintf("galvani: settings section %s field %s: env tag %q needs an exported field of a string, bool, number, time.Duration, []string or encoding.TextUnmarshaler type", t, f.Name, tag))
		}
		name, raw, ok := s.lookupEnv(tag)
		if !ok {
			continue
		}
		if err := setFromString(v.Field(i), raw); err != nil {
			errs = append(errs, &EnvError{Var: name, Value: raw, Reason: err.Error()})
		}
	}
	return errs
}

func settableKind(t reflect.Type) bool {
	if reflect.PointerTo(t).Implements(textUnmarshalerType) || t == durationType {
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return true
	case reflect.Slice:
		return t.Elem().Kind() == reflect.String
	}
	return false
}

// setFromString parses raw into the field v (of a type settableKind accepts).
func setFromString(v reflect.Value, raw string) error {
	if tu, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok {
		return tu.UnmarshalText([]byte(raw))
	}
	if v.Type() == durationType {
		d, err := parseDuration(raw)
		if err != nil {
			return err
		}
		v.SetInt(int64(d))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(raw)
	case reflect.Bool:
		b, err := parseBool(raw)
		if err != nil {
			return err
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("is not an integer that fits %s", v.Type())
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(strings.TrimSpace(raw), 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("is not a non-negative integer that fits %s", v.Type())
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(raw), v.Type().Bits())
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return errors.New("is not a finite number")
		}
		v.SetFloat(f)
	case reflect.Slice:
		v.Set(reflect.ValueOf(splitList(raw)).Convert(v.Type()))
	}
	return nil
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "t", "true", "y", "yes", "on":
		return true, nil
	case "", "0", "f", "false", "n", "no", "off":
		return false, nil
	}
	return false, errors.New("is not a boolean (use true or false)")
}

// parseDuration accepts a Go duration (30s, 1m30s) or a plain number of seconds.
func parseDuration(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 || n > int64((1<<63-1)/time.Second) {
			return 0, errors.New("is not a duration between 0 and 290 years")
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, errors.New("is not a duration (use a number of seconds or a Go duration like 30s, 2m, 1h30m)")
	}
	if d < 0 {
		return 0, errors.New("is negative")
	}
	return d, nil
}

// parseTimeout is parseDuration where 0, off and none mean "no timeout" (-1).
func parseTimeout(v string) (time.Duration, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "off", "none":
		return -1, nil
	}
	d, err := parseDuration(v)
	if err == nil && d == 0 {
		d = -1
	}
	return d, err
}

// ParseSize parses a positive byte count: a plain number of bytes or a number with a
// unit, B, KB/MB/GB (powers of 1000), KiB/MiB/GiB or K/M/G (powers of 1024). Case and
// spaces between number and unit do not matter: "10MiB", "512 kb", "1g".
func ParseSize(v string) (int64, error) {
	s := strings.ToLower(strings.TrimSpace(v))
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	num, unit := s[:i], strings.TrimSpace(s[i:])
	mult, ok := sizeUnits[unit]
	if num == "" || !ok {
		return 0, errors.New("is not a size (use bytes, or a number with a unit such as 512KiB, 10MB, 1G)")
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n > (1<<63-1)/mult {
		return 0, errors.New("is too large")
	}
	if n == 0 {
		return 0, errors.New("must be more than 0")
	}
	return n * mult, nil
}

var sizeUnits = map[string]int64{
	"": 1, "b": 1,
	"k": 1 << 10, "kib": 1 << 10, "kb": 1000,
	"m": 1 << 20, "mib": 1 << 20, "mb": 1000 * 1000,
	"g": 1 << 30, "gib": 1 << 30, "gb": 1000 * 1000 * 1000,
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func checkProxy(p string) error {
	if strings.Contains(p, "/") {
		if _, err := netip.ParsePrefix(p); err != nil {
			return fmt.Errorf("%q is not a CIDR like 10.0.0.0/8", p)
		}
		return nil
	}
	if _, err := netip.ParseAddr(p); err != nil {
		return fmt.Errorf("%q is not an IP address or CIDR", p)
	}
	return nil
}

func validDatabaseName(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// checkDatabaseURL accepts URLs of the form scheme://... (sqlite:///file.db,
// postgres://user:pw@host/db, mysql://...). Which schemes work is up to the ORM.
func checkDatabaseURL(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("is empty")
	}
	u, err := url.Parse(v)
	if err != nil {
		return errors.New("is not a URL (use sqlite:///path.db, postgres://user:password@host/name or mysql://...)")
	}
	if u.Scheme == "" || !strings.Contains(v, "://") {
		return errors.New("has no scheme (use sqlite:///path.db, postgres://user:password@host/name or mysql://...)")
	}
	return nil
}

// redactURL masks the password of a database URL for messages.
func redactURL(v string) string {
	u, err := url.Parse(v)
	if err != nil {
		if i := strings.LastIndex(v, "@"); i >= 0 {
			return "***" + v[i:]
		}
		return v
	}
	return u.Redacted()
}

// devKeyEnv carries the reloader's random secret key to its serving children, so
// that logins and CSRF tokens survive a rebuild; it is read only by a reload child.
const devKeyEnv = "GALVANI_RELOAD_SECRET_KEY"

// fillDevSecretKey gives a Debug-mode project without a SecretKey one random key
// for the life of the process, shared by every battery (sessions, messages, CSRF,
// password-reset tokens), instead of each battery inventing its own and warning
// about it. runserver prints one note about it (RandomSecretKey); outside Debug an
// empty key stays empty, for check and the batteries to refuse.
func (s *Settings) fillDevSecretKey() {
	if !s.Debug || s.SecretKey != "" {
		return
	}
	if k := os.Getenv(devKeyEnv); k != "" && isReloadChild() {
		s.SecretKey = k
	} else {
		s.SecretKey = NewSecretKey()
	}
	s.randomKey = true
}

// RandomSecretKey reports whether SecretKey is a random key that New made because
// Debug is on and no SECRET_KEY was set: sessions, CSRF tokens and password-reset
// links signed with it end when the process (the runserver watcher, with
// reloading) exits.
func (s *Settings) RandomSecretKey() bool { return s.randomKey }
