package dbtools

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/orm"
)

// shopApp is an installed app with the fixture models and a fixtures FS.
type shopApp struct{}

func (shopApp) Label() string { return "fixtureapp" }
func (shopApp) Models() []any { return []any{Author{}, Tag{}, Article{}} }
func (shopApp) Fixtures() fs.FS {
	return fstest.MapFS{"authors.json": {Data: []byte(`[{"model": "fixtureapp.author", "pk": 3, "fields": {"name": "From the app", "born": null}}]`)}}
}

func newProject(t *testing.T, url string) *galvani.App {
	registerFixtureModels(t)
	return galvani.New(galvani.Settings{DatabaseURL: url, Debug: true}, shopApp{}, App)
}

func run(t *testing.T, app *galvani.App, stdin string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := app.RunCommandIO(context.Background(), args, strings.NewReader(stdin), &out, &out)
	return out.String(), err
}

func TestDataCommands(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *orm.DB, url string) {
		ctx := context.Background()
		createFixtureTables(t, db)
		// only the installed app's tables: flush empties those, and a table outside
		// them pointing in would make PostgreSQL refuse (as with Django)
		if err := orm.DropTables(ctx, db, Note{}); err != nil {
			t.Fatal(err)
		}
		app := newProject(t, url)
		out, err := run(t, app, "", "loaddata", "testdata/django_fixture.json", "authors")
		if err != nil || out != "Installed 8 object(s) from 2 fixture(s)\n" {
			t.Fatalf("loaddata: %q, %v", out, err)
		}
		file := filepath.Join(t.TempDir(), "dump.json")
		if out, err := run(t, app, "", "dumpdata", "fixtureapp.author", "fixtureapp.tag", "--indent", "2", "--output", file); err != nil {
			t.Fatalf("dumpdata: %q, %v", out, err)
		}
		dumped, _ := os.ReadFile(file)
		if !strings.Contains(string(dumped), `"name": "From the app"`) || strings.Contains(string(dumped), "fixtureapp.article") {
			t.Errorf("dumpdata --output wrote:\n%s", dumped)
		}
		out, err = run(t, app, "", "dumpdata", "fixtureapp", "--exclude", "fixtureapp.article", "--exclude", "fixtureapp.tag")
		if err != nil || strings.Count(out, `"model"`) != 3 || !strings.HasPrefix(out, `[{"model": "fixtureapp.author", "pk": 1,`) {
			t.Errorf("dumpdata --exclude: %q, %v", out, err)
		}
		// the dump of the whole app loads from stdin into an emptied database
		whole, err := run(t, app, "", "dumpdata")
		if err != nil {
			t.Fatal(err)
		}
		// flush asks first; anything but yes keeps the rows
		out, err = run(t, app, "no\n", "flush")
		if err != nil || !strings.Contains(out, "Type 'yes'") || !strings.Contains(out, "cancelled") {
			t.Errorf("flush without yes: %q, %v", out, err)
		}
		if n, _ := orm.Q[Author](db).Count(ctx); n != 3 {
			t.Fatalf("%d authors after a cancelled flush", n)
		}
		out, err = run(t, app, "yes\n", "flush")
		if err != nil || !strings.Contains(out, "Emptied") {
			t.Fatalf("flush: %q, %v", out, err)
		}
		for _, count := range []func() (int64, error){
			func() (int64, error) { return orm.Q[Author](db).Count(ctx) },
			func() (int64, error) { return orm.Q[Article](db).Count(ctx) },
			func() (int64, error) { return orm.Q[Tag](db).Count(ctx) },
		} {
			if n, err := count(); err != nil || n != 0 {
				t.Errorf("after flush: %d rows, %v", n, err)
			}
		}
		// the key sequences restarted
		a := &Author{Name: "first again"}
		if err := db.Create(ctx, a); err != nil || a.ID != 1 {
			t.Errorf("first insert after flush: id %d, %v", a.ID, err)
		}
		if _, err := run(t, app, "", "flush", "--no-input"); err != nil {
			t.Fatal(err)
		}
		var stdin bytes.Buffer
		stdin.WriteString(whole)
		out, err = run(t, app, whole, "loaddata", "-")
		if err != nil || out != "Installed 8 object(s) from 1 fixture(s)\n" {
			t.Fatalf("loaddata -: %q, %v", out, err)
		}
		again, _ := run(t, app, "", "dumpdata")
		if again != whole {
			t.Errorf("dump, flush, load, dump changed the data:\n%s", lineDiff(whole, again))
		}
		// usage and lookup errors
		if _, err := run(t, app, "", "loaddata"); err == nil || galvani.ExitCode(err) != 2 {
			t.Errorf("loaddata without a fixture: %v", err)
		}
		if _, err := run(t, app, "", "loaddata", "missing"); err == nil || !strings.Contains(err.Error(), `no fixture "missing"`) {
			t.Errorf("loaddata missing: %v", err)
		}
		if _, err := run(t, app, "", "dumpdata", "nope.Model"); err == nil || !strings.Contains(err.Error(), `no model "nope.Model"`) {
			t.Errorf("dumpdata nope.Model: %v", err)
		}
		if _, err := run(t, app, "", "dumpdata", "--database", "other"); err == nil || !strings.Contains(err.Error(), `no database called "other"`) {
			t.Errorf("dumpdata --database other: %v", err)
		}
	})
}

// TestLoaddataIgnoreAndExclude loads the kind of fixture a whole Django project's
// dumpdata gives: objects of apps Galvani has no models for, and a field the model
// lost since.
func TestLoaddataIgnoreAndExclude(t *testing.T) {
	db, url := backends()[0].open(t)
	ctx := context.Background()
	createFixtureTables(t, db)
	app := newProject(t, url)
	fixture := filepath.Join(t.TempDir(), "project.json")
	os.WriteFile(fixture, []byte(`[
{"model": "contenttypes.contenttype", "pk": 1, "fields": {"app_label": "fixtureapp", "model": "author"}},
{"model": "auth.permission", "pk": 1, "fields": {"name": "Can add author", "content_type": 1, "codename": "add_author"}},
{"model": "sessions.session", "pk": "abc", "fields": {"session_data": "x", "expire_date": "2026-01-01T00:00:00Z"}},
{"model": "fixtureapp.author", "pk": 1, "fields": {"name": "Ada", "born": null, "nickname": "the enchantress"}}
]`), 0o644)
	if _, err := run(t, app, "", "loaddata", fixture); err == nil || !strings.Contains(err.Error(), "object 1 (contenttypes.contenttype): no such model") {
		t.Fatalf("loaddata without options: %v", err)
	}
	out, err := run(t, app, "", "loaddata", fixture, "--ignorenonexistent", "--exclude", "contenttypes", "--exclude", "auth.permission")
	if err != nil || out != "Installed 1 object(s) from 1 fixture(s)\n" {
		t.Fatalf("loaddata --ignorenonexistent: %q, %v", out, err)
	}
	if a, err := orm.Q[Author](db).Get(ctx, "id", 1); err != nil || a.Name != "Ada" {
		t.Errorf("author = %+v, %v", a, err)
	}
}
