// Package dbtest gives a package's tests a database, as Django's TestCase does: a
// test database created for the package and migrated once, each test wrapped in a
// transaction that is rolled back when the test ends, and fixtures loaded per test.
//
//	var testDB = dbtest.New(dbtest.Options{Apps: []any{auth.App, blog.App}})
//
//	func TestMain(m *testing.M) { os.Exit(testDB.Run(m)) }
//
//	func TestArticles(t *testing.T) {
//		tx := testDB.Begin(t, "testdata/articles.json")
//		n, err := orm.Q[blog.Article](tx.DB).Count(tx.Ctx) // sees the fixture
//		...
//	} // rolled back: the next test starts from the migrated, empty database
//
// The database is SQLite in memory unless Options.URL or the environment variable
// GALVANI_TEST_DATABASE_URL names a PostgreSQL or MySQL/MariaDB server
// (postgres://user@host:5432/ or mysql://user@host:3306/): then a database called
// test_<package directory>_<hash of its path> (or Options.Name) is dropped if it
// exists and created for the run.
// GALVANI_TEST_DB_SUFFIX is appended to the name, so several checkouts can test
// against one server at once; a lock on the server makes two runs with the same
// name take turns.
package dbtest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/dbtools"
	"github.com/galvani-web/galvani/internal/testdb"
	"github.com/galvani-web/galvani/migrate"
	"github.com/galvani-web/galvani/orm"
)

// URLEnv is the environment variable naming the database server tests use when
// Options.URL is empty.
const URLEnv = "GALVANI_TEST_DATABASE_URL"

// Options describe a package's test database.
type Options struct {
	// Apps are the installed apps whose models the tests use (values implementing
	// galvani.AppConfig and orm.ModelsProvider). Their models are registered and
	// their migrations (migrate.MigrationsProvider) applied; an app without
	// migrations gets its tables created from its models. Apps implementing
	// migrate.PostMigrateHook then run it, as after the migrate command (the auth
	// app creates its permissions).
	Apps []any
	// App, when set, is the project under test: its installed apps are used when
	// Apps is empty, and after migrating every post-migrate hook runs with it
	// (migrate.RunPostMigrate), those that need the project too.
	App *galvani.App
	// Models are more models (registered already, e.g. with orm.RegisterModels)
	// whose tables are created after the migrations.
	Models []any
	// URL is the database server: "" for GALVANI_TEST_DATABASE_URL, or SQLite in
	// memory when that is unset too; "sqlite::memory:" forces SQLite.
	URL string
	// Name is the test database's name on a server (default: test_, the name of
	// the package's directory and a hash of its path, so that packages and
	// checkouts tested at once never share one).
	Name string
	// Fixtures is where Begin finds fixtures (default: the file system, relative to
	// the package directory, where go test runs).
	Fixtures fs.FS
	// Setup, when set, runs once after migrating, outside any test's transaction: for
	// data every test shares.
	Setup func(ctx context.Context, db *orm.DB) error
}

// DB is a package's test database. Create it with New (a package variable is the
// usual place); it is set up by the first test that uses it.
type DB struct {
	opts Options

	once   sync.Once
	err    error
	root   *orm.DB
	url    string
	admin  *orm.DB   // the server connection that created the database
	lock   *sql.Conn // held for the life of the database
	dbName string

	mu   sync.Mutex
	open map[testing.TB]bool // tests with a transaction open
}

// New describes a test database; nothing happens until the first Begin or Root.
func New(opts Options) *DB { return &DB{opts: opts} }

// defaultName is test_<dir>_<hash>: go test runs in the package's directory.
func defaultName() string {
	dir, err := os.Getwd()
	if err != nil {
		return "test_galvani"
	}
	sum := sha256.Sum256([]byte(dir))
	return "test_" + sanitize(filepath.Base(dir)) + "_" + hex.EncodeToString(sum[:4])
}

// sanitize keeps a database name to lower-case letters, digits and underscores.
func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	out := b.String()
	if len(out) > 40 {
		out = out[:40] // room for the hash and GALVANI_TEST_DB_SUFFIX within 63
	}
	return out
}

// Name returns the database's name on the server ("" for SQLite in memory).
func (d *DB) Name() string { return d.dbName }

// URL returns the URL of the test database, once it is set up.
func (d *DB) URL() string { return d.url }

// Root returns the test database itself, set up and migrated, outside any test's
// transaction: what a test that needs real commits (TransactionTestCase) uses, and
// what an app under test should be given (see Tx.Middleware). Rows written through
// it stay for the following tests.
func (d *DB) Root(t testing.TB) *orm.DB {
	t.Helper()
	d.once.Do(func() { d.err = d.setup() })
	if d.err != nil {
		t.Fatalf("dbtest: %v", d.err)
	}
	return d.root
}

func (d *DB) serverURL() string {
	if d.opts.URL != "" {
		return d.opts.URL
	}
	if u := os.Getenv(URLEnv); u != "" {
		return u
	}
	return "sqlite::memory:"
}

func (d *DB) setup() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	base := d.serverURL()
	scheme, _, _ := strings.Cut(base, "://")
	scheme = strings.ToLower(scheme)
	switch {
	case strings.HasPrefix(base, "sqlite"):
		if base != "sqlite::memory:" && !strings.Contains(base, ":memory:") {
			return fmt.Errorf("a test database on SQLite lives in memory; use sqlite::memory: (got %q)", base)
		}
		d.url = "sqlite::memory:"
	case scheme == "postgres" || scheme == "postgresql" || scheme == "mysql" || scheme == "mariadb":
		if err := d.createServerDB(ctx, scheme, base); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unsupported test database URL %q (postgres://, mysql:// or sqlite::memory:)", base)
	}
	db, err := orm.Open(ctx, d.url)
	if err != nil {
		return err
	}
	d.root = db
	if err := d.migrate(ctx); err != nil {
		return err
	}
	if d.opts.Setup != nil {
		if err := d.opts.Setup(ctx, db); err != nil {
			return fmt.Errorf("Setup: %w", err)
		}
	}
	return nil
}

// createServerDB makes a fresh database on a PostgreSQL or MySQL server.
func (d *DB) createServerDB(ctx context.Context, scheme, base string) error {
	name := d.opts.Name
	if name == "" {
		name = defaultName()
	}
	d.dbName = testdb.Name(sanitize(name))
	u, err := url.Parse(base)
	if err != nil {
		return fmt.Errorf("test database URL: %v", err)
	}
	pg := scheme == "postgres" || scheme == "postgresql"
	adminURL := *u
	if pg && strings.Trim(adminURL.Path, "/") == "" {
		adminURL.Path = "/postgres"
	}
	if !pg {
		adminURL.Path = "/"
	}
	admin, err := orm.Open(ctx, adminURL.String())
	if err != nil {
		return err
	}
	d.admin = admin
	// a lock named after the database: two runs of one package take turns
	c, err := admin.SQL().Conn(ctx)
	if err != nil {
		return err
	}
	d.lock = c
	var got int
	if pg {
		err = c.QueryRowContext(ctx, "SELECT 1 FROM (SELECT pg_advisory_lock(hashtext($1))) x", "galvani_dbtest_"+d.dbName).Scan(&got)
	} else {
		err = c.QueryRowContext(ctx, "SELECT GET_LOCK(?, 600)", "galvani_dbtest_"+d.dbName).Scan(&got)
		if err == nil && got != 1 {
			err = errors.New("timed out")
		}
	}
	if err != nil {
		return fmt.Errorf("waiting for another run using the test database %s: %v", d.dbName, err)
	}
	q := admin.Dialect().QuoteIdent(d.dbName)
	create := "CREATE DATABASE " + q
	if !pg {
		create += " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
	}
	for _, stmt := range []string{"DROP DATABASE IF EXISTS " + q, create} {
		if _, err := c.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %v", stmt, err)
		}
	}
	testURL := *u
	testURL.Path = "/" + d.dbName
	d.url = testURL.String()
	return nil
}

// apps returns Options.Apps, or the installed apps of Options.App.
func (d *DB) apps() []any {
	if len(d.opts.Apps) > 0 || d.opts.App == nil {
		return d.opts.Apps
	}
	var apps []any
	for _, a := range d.opts.App.Apps() {
		apps = append(apps, a)
	}
	return apps
}

// migrate registers the apps' models, applies their migrations, creates the
// tables of the rest and runs the post-migrate hooks.
func (d *DB) migrate(ctx context.Context) error {
	apps := d.apps()
	if err := orm.RegisterApps(apps...); err != nil {
		return err
	}
	var migs []*migrate.Migration
	var bare []any
	for _, a := range apps {
		if mp, ok := a.(migrate.MigrationsProvider); ok {
			migs = append(migs, mp.Migrations()...)
			continue
		}
		if mp, ok := a.(orm.ModelsProvider); ok {
			bare = append(bare, mp.Models()...)
		}
	}
	if len(migs) > 0 {
		g, err := migrate.NewGraph(migs...)
		if err != nil {
			return err
		}
		if err := (&migrate.Executor{DB: d.root, Graph: g}).Migrate(ctx, migrate.Options{}); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	bare = append(bare, d.opts.Models...)
	if len(bare) > 0 {
		if err := orm.CreateTables(ctx, d.root, bare...); err != nil {
			return fmt.Errorf("creating tables: %w", err)
		}
	}
	if d.opts.App != nil {
		if err := migrate.RunPostMigrate(ctx, d.opts.App, d.root, io.Discard); err != nil {
			return fmt.Errorf("post-migrate: %w", err)
		}
		return nil
	}
	var hooks []migrate.PostMigrateHook
	for _, a := range apps {
		if h, ok := a.(migrate.PostMigrateHook); ok {
			hooks = append(hooks, h)
		}
	}
	if len(hooks) == 0 {
		return nil
	}
	applied, err := (&migrate.Executor{DB: d.root}).Applied(ctx)
	if err != nil {
		return err
	}
	for _, h := range hooks {
		if err := h.PostMigrate(ctx, d.root, applied, io.Discard); err != nil {
			return fmt.Errorf("post-migrate of %T: %w", h, err)
		}
	}
	return nil
}

// Close closes the test database and drops it from its server. Call it after the
// tests (Run does); without it the database stays until the next run replaces it.
func (d *DB) Close() error {
	var errs []error
	if d.root != nil {
		errs = append(errs, d.root.Close())
	}
	if d.lock != nil && d.dbName != "" {
		_, err := d.lock.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+d.admin.Dialect().QuoteIdent(d.dbName))
		errs = append(errs, err, d.lock.Close())
	}
	if d.admin != nil {
		errs = append(errs, d.admin.Close())
	}
	return errors.Join(errs...)
}

// Run runs the package's tests and closes the database: os.Exit(testDB.Run(m)) in
// TestMain.
func (d *DB) Run(m *testing.M) int {
	code := m.Run()
	if err := d.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "dbtest: closing the test database:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// Tx is one test's transaction.
type Tx struct {
	// Ctx carries the transaction: queries made with it on Root (or on any DB of
	// the same database) run inside it, and Atomic with it opens a savepoint.
	Ctx context.Context
	// DB is the transaction's DB.
	DB *orm.DB
	// Root is the test database (DB.Root).
	Root *orm.DB

	fixtures fs.FS
}

// errRollback ends a test's transaction.
var errRollback = errors.New("dbtest: end of test")

// Begin starts a transaction for the test t, loads the fixtures into it (names in
// Options.Fixtures, or file paths) and rolls it back when t ends, so every test
// starts from the migrated database. Code under test that uses orm Atomic gets
// savepoints inside it. Commit hooks (DB.OnCommit) registered in it never run, as
// the transaction never commits.
//
// On SQLite in memory the database has a single connection, which the transaction
// holds: a query that does not go through Tx.Ctx or Tx.DB waits for the test to end
// — pass the context along (or use Tx.Middleware for an app). Parallel tests take
// turns there; on a server they run at once.
func (d *DB) Begin(t testing.TB, fixtures ...string) *Tx {
	t.Helper()
	root := d.Root(t)
	d.mu.Lock()
	if d.open[t] {
		d.mu.Unlock()
		t.Fatalf("dbtest: Begin called twice in %s: a test has one transaction (on SQLite in memory the second would wait for the first forever); use subtests, or tx.Load for more fixtures", t.Name())
	}
	if d.open == nil {
		d.open = map[testing.TB]bool{}
	}
	d.open[t] = true
	d.mu.Unlock()
	type started struct {
		ctx context.Context
		tx  *orm.DB
	}
	ready := make(chan started)
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- root.Atomic(context.Background(), func(ctx context.Context, tx *orm.DB) error {
			ready <- started{ctx, tx}
			<-release
			return errRollback
		})
	}()
	// On SQLite in memory a transaction waits for the one connection: say why when
	// it takes long (a parent test's transaction, say, is never released).
	hint := time.AfterFunc(20*time.Second, func() {
		t.Logf("dbtest: %s has waited 20s to begin its transaction: another test's transaction holds the database (on SQLite in memory there is one connection; a parent test that called Begin keeps it until its subtests end)", t.Name())
	})
	var s started
	select {
	case s = <-ready:
		hint.Stop()
	case err := <-done:
		hint.Stop()
		t.Fatalf("dbtest: beginning the test's transaction: %v", err)
	}
	t.Cleanup(func() {
		d.mu.Lock()
		delete(d.open, t)
		d.mu.Unlock()
		close(release)
		if err := <-done; err != nil && !errors.Is(err, errRollback) {
			t.Errorf("dbtest: rolling back the test's transaction: %v", err)
		}
	})
	tx := &Tx{Ctx: s.ctx, DB: s.tx, Root: root, fixtures: d.opts.Fixtures}
	if len(fixtures) > 0 {
		tx.Load(t, fixtures...)
	}
	return tx
}

// Load loads fixtures into the test's transaction (see Begin).
func (tx *Tx) Load(t testing.TB, fixtures ...string) {
	t.Helper()
	var fxs []dbtools.Fixture
	for _, name := range fixtures {
		var fx dbtools.Fixture
		var err error
		if tx.fixtures != nil {
			fx, err = dbtools.ReadFixtureFS(tx.fixtures, path.Clean(name))
		} else {
			fx, err = dbtools.ReadFixtureFile(name)
		}
		if err != nil {
			t.Fatalf("dbtest: fixture %s: %v", name, err)
		}
		fxs = append(fxs, fx)
	}
	if _, err := dbtools.Load(tx.Ctx, tx.DB, fxs...); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
}

// Middleware runs an app's requests inside the test's transaction: it puts Root in
// each request's context (orm.From, orm.DBFrom) and makes the context carry the
// transaction, so the handlers' queries see the test's fixtures and their writes are
// rolled back with the test. Add it after orm.Install (app.Use(tx.Middleware)): the
// middleware added last is the innermost, and its database wins.
func (tx *Tx) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := orm.WithDB(txContext{Context: r.Context(), tx: tx.Ctx}, tx.Root)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// txContext is a request's context that also answers with the values of the test's
// transaction context (the transaction itself), the request's own values first.
type txContext struct {
	context.Context
	tx context.Context
}

func (c txContext) Value(key any) any {
	if v := c.Context.Value(key); v != nil {
		return v
	}
	return c.tx.Value(key)
}
