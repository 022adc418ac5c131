package migrate

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/orm"
)

type checkApp struct{ migs []*Migration }

func (checkApp) Label() string              { return "checkapp" }
func (a checkApp) Migrations() []*Migration { return a.migs }
func (checkApp) Models() []any              { return []any{Thing{}} }

// Thing is checkapp's model; its 0001_initial migrations below create it.
type Thing struct{ orm.Model }

func TestCheckWarnsAboutUnappliedMigrations(t *testing.T) {
	m := &Migration{App: "checkapp", Name: "0001_initial", Operations: []Operation{
		&CreateModel{App: "checkapp", Name: "Thing", Table: "checkapp_thing",
			Fields: []*Field{{Name: "id", Kind: "bigint", PK: true, Auto: true}}},
	}}
	dbURL := "sqlite:///" + filepath.Join(t.TempDir(), "check.sqlite3")
	app := galvani.New(galvani.Settings{DatabaseURL: dbURL}, checkApp{migs: []*Migration{m}}, App)

	msgs := App.Check(app)
	if len(msgs) != 1 || msgs[0].ID != "migrate.W001" || !strings.Contains(msgs[0].Msg, "checkapp.0001_initial") {
		t.Fatalf("before migrate: %v", msgs)
	}
	if msgs[0].IsSerious() {
		t.Fatal("unapplied migrations are a warning, not an error")
	}
	if err := app.RunCommand(context.Background(), []string{"migrate"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	if msgs := App.Check(app); len(msgs) != 0 {
		t.Fatalf("after migrate: %v", msgs)
	}
}

func TestCheckBadDatabase(t *testing.T) {
	m := &Migration{App: "checkapp", Name: "0001_initial"}
	app := galvani.New(galvani.Settings{DatabaseURL: "nosuchdb://x"}, checkApp{migs: []*Migration{m}}, App)
	msgs := App.Check(app)
	if len(msgs) != 1 || msgs[0].ID != "migrate.W002" {
		t.Fatalf("got %v", msgs)
	}
}

// TestMissingAppliedMigrationsWarn: a migration recorded as applied whose file was
// deleted or renamed was silently ignored; now the check warns (migrate.W003) and
// migrate prints it.
func TestMissingAppliedMigrationsWarn(t *testing.T) {
	m1 := &Migration{App: "checkapp", Name: "0001_initial", Operations: []Operation{
		&CreateModel{App: "checkapp", Name: "Thing", Table: "checkapp_thing",
			Fields: []*Field{{Name: "id", Kind: "bigint", PK: true, Auto: true}}},
	}}
	m2 := &Migration{App: "checkapp", Name: "0002_gone", Dependencies: []Dependency{{App: "checkapp", Name: "0001_initial"}}}
	dbURL := "sqlite:///" + filepath.Join(t.TempDir(), "check.sqlite3")
	app := galvani.New(galvani.Settings{DatabaseURL: dbURL}, checkApp{migs: []*Migration{m1, m2}}, App)
	if err := app.RunCommand(context.Background(), []string{"migrate"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	// the second file is deleted
	app = galvani.New(galvani.Settings{DatabaseURL: dbURL}, checkApp{migs: []*Migration{m1}}, App)
	msgs := App.Check(app)
	if len(msgs) != 1 || msgs[0].ID != "migrate.W003" || !strings.Contains(msgs[0].Msg, "checkapp.0002_gone") {
		t.Fatalf("check: %v", msgs)
	}
	var out strings.Builder
	if err := app.RunCommand(context.Background(), []string{"migrate"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "checkapp.0002_gone") || !strings.Contains(out.String(), "not in the code") {
		t.Fatalf("migrate output: %q", out.String())
	}
}

// A model changed without a migration is reported by check (so by runserver's
// start), with the changes and the commands that fix it, before any query fails
// with "no such column".
func TestCheckReportsModelsAheadOfMigrations(t *testing.T) {
	// Thing after a field was added to it, and no migration written.
	type Thing struct {
		orm.Model
		Name string `orm:"max_length=50"`
	}
	m := &Migration{App: "grownapp", Name: "0001_initial", Operations: []Operation{
		&CreateModel{App: "grownapp", Name: "Thing", Table: "grownapp_thing",
			Fields: []*Field{{Name: "id", Kind: "bigint", PK: true, Auto: true}}},
	}}
	app := galvani.New(galvani.Settings{DatabaseURL: "sqlite:///" + filepath.Join(t.TempDir(), "c.sqlite3")},
		grownApp{migs: []*Migration{m}, models: []any{Thing{}}}, App)
	if err := app.RunCommand(context.Background(), []string{"migrate"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	msgs := App.Check(app)
	if len(msgs) != 1 || msgs[0].ID != "migrate.W004" || msgs[0].Object != "grownapp" ||
		!strings.Contains(msgs[0].Msg, "Add field name to grownapp.Thing") || !strings.Contains(msgs[0].Hint, "go run . makemigrations") {
		t.Fatalf("check = %v", msgs)
	}
	var out strings.Builder
	app.RunCommand(context.Background(), []string{"check"}, &out)
	if !strings.Contains(out.String(), "migrate.W004") {
		t.Errorf("the check command does not show it:\n%s", out.String())
	}
}

type grownApp struct {
	migs   []*Migration
	models []any
}

func (grownApp) Label() string              { return "grownapp" }
func (a grownApp) Migrations() []*Migration { return a.migs }
func (a grownApp) Models() []any            { return a.models }
