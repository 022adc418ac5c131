package dbtest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/galvanitest/dbtest"
	"github.com/galvani-web/galvani/internal/testdb"
	"github.com/galvani-web/galvani/migrate"
	"github.com/galvani-web/galvani/orm"
)

// Note belongs to an app with migrations; Pin to one without.
type Note struct {
	orm.Model
	Text string `orm:"unique,max_length=50"`
}

type Pin struct {
	orm.Model
	Note orm.FK[Note] `orm:"on_delete=cascade,related_name=pins"`
}

type notesApp struct{}

func (notesApp) Label() string { return "dbtestnotes" }
func (notesApp) Models() []any { return []any{Note{}} }
func (notesApp) Migrations() []*migrate.Migration {
	return []*migrate.Migration{{
		App: "dbtestnotes", Name: "0001_initial",
		Operations: []migrate.Operation{&migrate.CreateModel{
			App: "dbtestnotes", Name: "Note", Table: "dbtestnotes_note",
			Fields: []*migrate.Field{
				{Name: "id", Kind: "bigint", PK: true, Auto: true},
				{Name: "text", Kind: "varchar", Unique: true, MaxLength: 50},
			},
		}},
	}}
}

type pinsApp struct{}

func (pinsApp) Label() string { return "dbtestpins" }
func (pinsApp) Models() []any { return []any{Pin{}} }

var fixtures = fstest.MapFS{
	"notes.json": {Data: []byte(`[{"model": "dbtestnotes.note", "pk": 10, "fields": {"text": "from a fixture"}},
{"model": "dbtestpins.pin", "pk": 1, "fields": {"note": 10}}]`)},
}

// databases holds one test database per backend, as a package would hold one.
var (
	dbMu      sync.Mutex
	databases = map[string]*dbtest.DB{}
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range databases {
		if err := d.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

func eachDB(t *testing.T, fn func(t *testing.T, d *dbtest.DB)) {
	for _, backend := range []string{"sqlite", "postgres", "mysql"} {
		t.Run(backend, func(t *testing.T) {
			dbMu.Lock()
			d := databases[backend]
			if d == nil {
				opts := dbtest.Options{Apps: []any{notesApp{}, pinsApp{}}, Fixtures: fixtures, Name: "test_dbtest_" + backend,
					Setup: func(ctx context.Context, db *orm.DB) error {
						return db.Create(ctx, &Note{Text: "shared"})
					}}
				switch backend {
				case "sqlite":
					opts.URL = "sqlite::memory:"
				case "postgres":
					u := testdb.PostgresAddr(t)
					u.Path = "/postgres"
					opts.URL = u.String()
				case "mysql":
					opts.URL = "mysql://root@" + testdb.MySQLAddr(t) + "/"
				}
				d = dbtest.New(opts)
				databases[backend] = d
			}
			dbMu.Unlock()
			fn(t, d)
		})
	}
}

func count[T any](t *testing.T, tx *dbtest.Tx) int64 {
	t.Helper()
	n, err := orm.Q[T](tx.Root).Count(tx.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestEachTestIsRolledBack(t *testing.T) {
	eachDB(t, func(t *testing.T, d *dbtest.DB) {
		for i := range 3 {
			t.Run(fmt.Sprint("round", i), func(t *testing.T) {
				tx := d.Begin(t, "notes.json")
				// the fixture and the Setup row, nothing of the previous round
				if n := count[Note](t, tx); n != 2 {
					t.Fatalf("%d notes at the start, want 2", n)
				}
				if err := tx.DB.Create(tx.Ctx, &Note{Text: "written by the test"}); err != nil {
					t.Fatal(err)
				}
				if n := count[Pin](t, tx); n != 1 {
					t.Errorf("%d pins, want the fixture's 1", n)
				}
			})
		}
		if got := d.Name(); d.URL() != "sqlite::memory:" && !strings.HasPrefix(got, "test_dbtest_") {
			t.Errorf("server database name %q", got)
		}
	})
}

func TestAtomicInsideATestUsesSavepoints(t *testing.T) {
	eachDB(t, func(t *testing.T, d *dbtest.DB) {
		tx := d.Begin(t)
		boom := errors.New("boom")
		err := tx.Root.Atomic(tx.Ctx, func(ctx context.Context, db *orm.DB) error {
			if err := db.Create(ctx, &Note{Text: "kept"}); err != nil {
				return err
			}
			inner := db.Atomic(ctx, func(ctx context.Context, db *orm.DB) error {
				if err := db.Create(ctx, &Note{Text: "dropped"}); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(inner, boom) {
				return fmt.Errorf("inner: %v", inner)
			}
			// a unique violation inside a savepoint leaves the transaction usable
			dup := db.Atomic(ctx, func(ctx context.Context, db *orm.DB) error { return db.Create(ctx, &Note{Text: "kept"}) })
			if !errors.Is(dup, orm.ErrUniqueViolation) {
				return fmt.Errorf("duplicate: %v", dup)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		texts, err := orm.Q[Note](tx.Root).OrderBy("text").ValuesList(tx.Ctx, "text")
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(texts) != "[[kept] [shared]]" {
			t.Errorf("notes = %v, want kept and shared", texts)
		}
	})
}

func TestMiddlewareRunsAnAppInTheTransaction(t *testing.T) {
	eachDB(t, func(t *testing.T, d *dbtest.DB) {
		tx := d.Begin(t, "notes.json")
		app := galvani.New(galvani.Settings{Debug: true})
		app.Use(tx.Middleware)
		app.Get("/notes/", func(c *galvani.Ctx) error {
			db := orm.DBFrom(c.Request)
			var texts []string
			notes, err := orm.Q[Note](db).OrderBy("text").All(c.Context())
			if err != nil {
				return err
			}
			for _, n := range notes {
				texts = append(texts, n.Text)
			}
			return c.Text(http.StatusOK, strings.Join(texts, ","))
		})
		app.Post("/notes/", func(c *galvani.Ctx) error {
			return orm.DBFrom(c.Request).Create(c.Context(), &Note{Text: c.FormValue("text")})
		})
		client := galvanitest.New(t, app)
		client.Get("/notes/").AssertStatus(200).AssertContains("from a fixture,shared")
		client.PostForm("/notes/", map[string][]string{"text": {"posted"}}).AssertStatus(200)
		if n := count[Note](t, tx); n != 3 {
			t.Errorf("the test sees %d notes after the POST, want 3", n)
		}
	})
}

func TestBadFixtureFailsTheTest(t *testing.T) {
	d := dbtest.New(dbtest.Options{URL: "sqlite::memory:", Apps: []any{notesApp{}, pinsApp{}},
		Fixtures: fstest.MapFS{"bad.json": {Data: []byte(`[{"model": "dbtestnotes.note", "pk": 1, "fields": {"txt": "x"}}]`)}}})
	t.Cleanup(func() { d.Close() }) // after the transactions roll back
	ft := &fatalRecorder{TB: t}
	func() {
		defer func() { recover() }()
		d.Begin(ft, "bad.json")
	}()
	if !strings.Contains(ft.msg, `fixture bad.json`) || !strings.Contains(ft.msg, `field "txt"`) {
		t.Errorf("Begin with a bad fixture: %q", ft.msg)
	}
}

// fatalRecorder records Fatalf instead of ending the test.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic("fatal")
}
func (f *fatalRecorder) Helper() {}

func TestParallelTestsDoNotSeeEachOther(t *testing.T) {
	eachDB(t, func(t *testing.T, d *dbtest.DB) {
		d.Root(t) // set up before the parallel tests start
		for i := range 4 {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				tx := d.Begin(t)
				if err := tx.DB.Create(tx.Ctx, &Note{Text: fmt.Sprint("parallel ", i)}); err != nil {
					t.Fatal(err)
				}
				if n := count[Note](t, tx); n != 2 {
					t.Errorf("test %d sees %d notes, want its own and the shared one", i, n)
				}
			})
		}
	})
}

func TestBeginTwiceInOneTestFails(t *testing.T) {
	d := dbtest.New(dbtest.Options{URL: "sqlite::memory:", Apps: []any{notesApp{}, pinsApp{}}})
	t.Cleanup(func() { d.Close() }) // after the transactions roll back
	ft := &fatalRecorder{TB: t}
	d.Begin(ft)
	func() {
		defer func() { recover() }()
		d.Begin(ft)
	}()
	if !strings.Contains(ft.msg, "Begin called twice") {
		t.Errorf("second Begin: %q", ft.msg)
	}
}

func TestDefaultNameIsPerDirectory(t *testing.T) {
	u := testdb.PostgresAddr(t)
	u.Path = "/postgres"
	d := dbtest.New(dbtest.Options{URL: u.String(), Apps: []any{notesApp{}, pinsApp{}}})
	t.Cleanup(func() { d.Close() })
	d.Begin(t)
	if !regexp.MustCompile(`^test_dbtest_[0-9a-f]{8}`).MatchString(d.Name()) {
		t.Errorf("default name %q, want test_dbtest_<hash>", d.Name())
	}
}

// hookedApp is an app with migrations whose post-migrate hook writes a note, as
// the auth app writes its permissions.
type hookedApp struct{ notesApp }

func (hookedApp) PostMigrate(ctx context.Context, db *orm.DB, applied map[string]time.Time, out io.Writer) error {
	if _, ok := applied["dbtestnotes.0001_initial"]; !ok {
		return fmt.Errorf("post-migrate ran before the migrations: %v", applied)
	}
	return db.Create(ctx, &Note{Text: "from post-migrate"})
}

// projectHookApp needs the project in its hook, as the database cache does.
type projectHookApp struct{}

func (projectHookApp) Label() string { return "dbtestprojecthook" }
func (projectHookApp) PostMigrateApp(ctx context.Context, a *galvani.App, db *orm.DB, _ map[string]time.Time, _ io.Writer) error {
	return db.Create(ctx, &Note{Text: "for " + a.Settings.AllowedHosts[0]})
}

func noteTexts(t *testing.T, tx *dbtest.Tx) string {
	t.Helper()
	texts, err := orm.Q[Note](tx.DB).OrderBy("text").ValuesList(tx.Ctx, "text")
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(texts)
}

func TestPostMigrateHooksRunOnce(t *testing.T) {
	d := dbtest.New(dbtest.Options{URL: "sqlite::memory:", Apps: []any{hookedApp{}}})
	t.Cleanup(func() { d.Close() })
	for i := range 2 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if got := noteTexts(t, d.Begin(t)); got != "[[from post-migrate]]" {
				t.Errorf("notes = %s, want the hook's one", got)
			}
		})
	}
}

func TestOptionsAppGivesAppsAndProjectHooks(t *testing.T) {
	app := galvani.New(galvani.Settings{AllowedHosts: []string{"shop.test"}}, hookedApp{}, projectHookApp{})
	d := dbtest.New(dbtest.Options{URL: "sqlite::memory:", App: app})
	t.Cleanup(func() { d.Close() })
	if got := noteTexts(t, d.Begin(t)); got != "[[for shop.test] [from post-migrate]]" {
		t.Errorf("notes = %s, want both hooks' notes", got)
	}
}
