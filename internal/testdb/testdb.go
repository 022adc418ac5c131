// Package testdb gives tests the database services of the machine they run on.
//
// SQLite always runs. PostgreSQL, MariaDB/MySQL, Redis and memcached run when their service
// answers and are skipped with a clear message when it doesn't, except when the
// environment variable CI is "true" (as .ci/run sets it), where a missing service
// fails the test: a green CI means every backend passed.
//
// Addresses default to this project's development machines and can be changed with
// GALVANI_TEST_POSTGRES (a postgres:// URL whose database part is ignored),
// GALVANI_TEST_MYSQL (host:port), GALVANI_TEST_REDIS (host:port) and
// GALVANI_TEST_MEMCACHED (host:port). The S3-compatible server is described by
// GALVANI_TEST_S3 and its companions (see S3), the PostgreSQL primary and standby
// pair by GALVANI_TEST_PG_PRIMARY and GALVANI_TEST_PG_STANDBY (see PostgresReplica).
package testdb

import (
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// Required reports whether missing services fail tests instead of skipping them.
func Required() bool {
	return os.Getenv("CI") == "true" || os.Getenv("GALVANI_REQUIRE_SERVICES") == "1"
}

// MissingTool ends a test that needs a tool .ci/tools installs (a browser, an
// XML validator, an npm package) and did not find it: a failure in CI, a skip
// naming the tool elsewhere.
func MissingTool(t testing.TB, format string, args ...any) {
	t.Helper()
	if Required() {
		t.Fatalf(format+" (required in CI; .ci/tools installs it)", args...)
	}
	t.Skipf(format+"; skipping (run .ci/tools to install it)", args...)
}

func reachable(t testing.TB, service, hostport string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", hostport, 2*time.Second)
	if err == nil {
		conn.Close()
		return
	}
	if Required() {
		t.Fatalf("%s is required in CI but does not answer at %s: %v", service, hostport, err)
	}
	t.Skipf("%s does not answer at %s (%v); skipping. Start it or set the address with the GALVANI_TEST_* variables.", service, hostport, err)
}

// PostgresAddr returns the base URL of the PostgreSQL server after checking that it
// answers (skipping or failing as described in the package comment). Tests that
// need their own database create it with a name unique to their package, so that
// packages tested in parallel never share tables.
func PostgresAddr(t testing.TB) *url.URL {
	t.Helper()
	raw := os.Getenv("GALVANI_TEST_POSTGRES")
	if raw == "" {
		raw = "postgres://root@127.0.0.1:5432/test?sslmode=disable"
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("GALVANI_TEST_POSTGRES: %v", err)
	}
	reachable(t, "PostgreSQL", u.Host)
	return u
}

// MySQLAddr returns host:port of the MariaDB/MySQL server (user root, no password)
// after checking that it answers.
func MySQLAddr(t testing.TB) string {
	t.Helper()
	addr := os.Getenv("GALVANI_TEST_MYSQL")
	if addr == "" {
		addr = "127.0.0.1:3306"
	}
	reachable(t, "MariaDB/MySQL", addr)
	return addr
}

// RedisAddr returns host:port of the Redis server after checking that it answers.
func RedisAddr(t testing.TB) string {
	t.Helper()
	addr := os.Getenv("GALVANI_TEST_REDIS")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	reachable(t, "Redis", addr)
	return addr
}

// MemcachedAddr returns host:port of the memcached server (.ci/tools starts one)
// after checking that it answers. GALVANI_TEST_MEMCACHED changes the address.
func MemcachedAddr(t testing.TB) string {
	t.Helper()
	addr := os.Getenv("GALVANI_TEST_MEMCACHED")
	if addr == "" {
		addr = "127.0.0.1:11211"
	}
	reachable(t, "memcached", addr)
	return addr
}

// SMTPServer is the real SMTP server .ci/tools starts for the mail tests
// (.ci/smtpd.py, on Debian's python3-aiosmtpd).
type SMTPServer struct {
	// Addr speaks SMTP with STARTTLS; ImplicitAddr speaks SMTP over TLS.
	Addr, ImplicitAddr string
	// CAFile is the certificate the server presents (self-signed for localhost).
	CAFile string
	// Maildir is where the server writes each message it receives, as <id>.eml
	// preceded by X-Envelope-From, X-Envelope-To, X-Authenticated and X-TLS lines.
	Maildir string
	// User and Password are the credentials AUTH accepts (only over TLS).
	User, Password string
}

// SMTP returns the test SMTP server described by the GALVANI_TEST_SMTP* variables
// that .ci/tools exports, after checking that it answers; without them the test is
// skipped (failed in CI): run `source .ci/tools` first.
func SMTP(t testing.TB) SMTPServer {
	t.Helper()
	s := SMTPServer{Addr: os.Getenv("GALVANI_TEST_SMTP"), ImplicitAddr: os.Getenv("GALVANI_TEST_SMTPS"),
		CAFile: os.Getenv("GALVANI_TEST_SMTP_CA"), Maildir: os.Getenv("GALVANI_TEST_SMTP_MAILDIR"),
		User: os.Getenv("GALVANI_TEST_SMTP_USER"), Password: os.Getenv("GALVANI_TEST_SMTP_PASSWORD")}
	if s.Addr == "" || s.ImplicitAddr == "" || s.CAFile == "" || s.Maildir == "" {
		if Required() {
			t.Fatal("the test SMTP server is required in CI: .ci/tools starts it and exports GALVANI_TEST_SMTP*")
		}
		t.Skip("no test SMTP server: run `source .ci/tools` (it starts one on python3-aiosmtpd) and test again")
	}
	reachable(t, "the test SMTP server", s.Addr)
	reachable(t, "the test SMTP server (implicit TLS)", s.ImplicitAddr)
	return s
}

// S3Server is the S3-compatible server .ci/tools starts for the storage/s3 tests
// (versitygw on a directory of the machine).
type S3Server struct {
	// Endpoint is "http://host:port".
	Endpoint string
	// AccessKey and SecretKey are the credentials it accepts; Region the region
	// it signs for.
	AccessKey, SecretKey, Region string
}

// S3 returns the test S3 server after checking that it answers (skipping or
// failing as described in the package comment). GALVANI_TEST_S3 (host:port,
// default 127.0.0.1:18333), GALVANI_TEST_S3_ACCESS_KEY and
// GALVANI_TEST_S3_SECRET_KEY (default the fixed credentials .ci/tools starts it
// with) change it. Tests make their own bucket, named with Name.
func S3(t testing.TB) S3Server {
	t.Helper()
	env := func(name, def string) string {
		if v := os.Getenv(name); v != "" {
			return v
		}
		return def
	}
	addr := env("GALVANI_TEST_S3", "127.0.0.1:18333")
	reachable(t, "the test S3 server (.ci/tools starts versitygw)", addr)
	return S3Server{Endpoint: "http://" + addr, AccessKey: env("GALVANI_TEST_S3_ACCESS_KEY", "galvani-test"),
		SecretKey: env("GALVANI_TEST_S3_SECRET_KEY", "galvani-test-secret"), Region: "us-east-1"}
}

// Name returns the name of a test database (or server-wide lock) made from base and
// the environment variable GALVANI_TEST_DB_SUFFIX, so that several checkouts can run
// their tests against the same servers at once without sharing tables. The suffix
// keeps only ASCII letters, digits and underscores, so the result is always safe to
// write into SQL as an identifier or a string literal.
func Name(base string) string {
	var b strings.Builder
	b.WriteString(base)
	for _, r := range os.Getenv("GALVANI_TEST_DB_SUFFIX") {
		if r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// PostgresReplica returns the base URLs of a PostgreSQL primary and of a standby
// streaming from it (.ci/tools starts such a pair on 127.0.0.1:15433 and :15434,
// the standby one second behind), after checking that both answer (skipping or
// failing as described in the package comment). A database created on the
// primary appears on the standby once the standby has replayed it.
func PostgresReplica(t testing.TB) (primary, standby *url.URL) {
	t.Helper()
	get := func(env, def string) *url.URL {
		raw := os.Getenv(env)
		if raw == "" {
			raw = def
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", env, err)
		}
		reachable(t, "the PostgreSQL primary/standby pair (.ci/tools starts it)", u.Host)
		return u
	}
	return get("GALVANI_TEST_PG_PRIMARY", "postgres://root@127.0.0.1:15433/postgres?sslmode=disable"),
		get("GALVANI_TEST_PG_STANDBY", "postgres://root@127.0.0.1:15434/postgres?sslmode=disable")
}
