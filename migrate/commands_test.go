package migrate

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/internal/testdb"
	"github.com/galvani-web/galvani/orm"
)

// Models of the test app "library".
type Shelf struct {
	orm.Model
	Name string `orm:"max_length=50"`
}

type Book struct {
	orm.Model
	Title string         `orm:"max_length=100,index"`
	Shelf orm.FK[Shelf]  `orm:"on_delete=cascade,related_name=books"`
	Tags  orm.M2M[Label] `orm:"related_name=books"`
	Pages int32          `orm:"default=0"`
}

type Label struct {
	orm.Model
	Name string `orm:"unique,max_length=30"`
}

type libraryApp struct {
	dir  string
	migs []*Migration
}

func (*libraryApp) Label() string                  { return "library" }
func (*libraryApp) Models() []any                  { return []any{Shelf{}, Label{}, Book{}} }
func (a *libraryApp) MigrationsDir() string        { return a.dir }
func (a *libraryApp) Migrations() []*Migration     { return a.migs }
func (a *libraryApp) setMigrations(m []*Migration) { a.migs = m }

func newProject(t *testing.T) (*galvani.App, *libraryApp) {
	lib := &libraryApp{dir: filepath.Join(t.TempDir(), "library", "migrations")}
	s := galvani.Settings{DatabaseURL: "sqlite:///" + filepath.Join(t.TempDir(), "cmd.db"), Debug: true}
	return galvani.New(s, lib, App), lib
}

func run(t *testing.T, app *galvani.App, stdin string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := app.RunCommandIO(context.Background(), args, strings.NewReader(stdin), &out, &out)
	return out.String(), err
}

func TestCommands(t *testing.T) {
	app, lib := newProject(t)
	out, err := run(t, app, "", "makemigrations", "--dry-run")
	if err != nil || !strings.Contains(out, "Create model library.Book") || !strings.Contains(out, "0001_initial.go") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	if _, err := os.Stat(lib.dir); !os.IsNotExist(err) {
		t.Fatal("--dry-run wrote files")
	}
	if out, err := run(t, app, "", "makemigrations", "--check"); err == nil {
		t.Fatalf("--check passed with missing migrations:\n%s", out)
	}
	out, err = run(t, app, "", "makemigrations")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	src, err := os.ReadFile(filepath.Join(lib.dir, "0001_initial.go"))
	if err != nil || !strings.Contains(string(src), `To: "library.Shelf"`) {
		t.Fatalf("written file: %v\n%s", err, src)
	}
	if _, err := os.Stat(filepath.Join(lib.dir, "migrations.go")); err != nil {
		t.Fatal(err)
	}
	// What the compiled migrations package would hand over:
	g, _ := NewGraph()
	st, _ := FromModels(orm.Models("library")...)
	news, err := MakeMigrations(g, st, MakeOptions{Questioner: &answers{}, Dirs: map[string]string{"library": t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	out, err = run(t, app, "", "migrate")
	if err != nil || !strings.Contains(out, "No migrations to apply") || !strings.Contains(out, "app(s) library have changes that are not yet in a migration") {
		t.Errorf("migrate without the app's migrations: %v\n%s", err, out)
	}
	lib.setMigrations([]*Migration{news[0].Migration})

	if out, err := run(t, app, "", "makemigrations", "--check"); err != nil || !strings.Contains(out, "No changes detected") {
		t.Fatalf("--check after makemigrations: %v\n%s", err, out)
	}
	out, _ = run(t, app, "", "showmigrations")
	if !strings.Contains(out, "[ ] 0001_initial") {
		t.Errorf("showmigrations before:\n%s", out)
	}
	out, err = run(t, app, "", "migrate", "--plan")
	if err != nil || !strings.Contains(out, "library.0001_initial") || !strings.Contains(out, "Create model library.Book") {
		t.Fatalf("plan: %v\n%s", err, out)
	}
	out, err = run(t, app, "", "migrate")
	if err != nil || !strings.Contains(out, "Applying library.0001_initial... OK (") || strings.Contains(out, "not yet in a migration") {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	out, _ = run(t, app, "", "showmigrations", "library")
	if !strings.Contains(out, "[X] 0001_initial (applied ") {
		t.Errorf("showmigrations after:\n%s", out)
	}
	out, err = run(t, app, "", "sqlmigrate", "library", "0001")
	if err != nil || !strings.Contains(out, `CREATE TABLE "library_book"`) || !strings.Contains(out, `"library_book_tags"`) {
		t.Errorf("sqlmigrate: %v\n%s", err, out)
	}
	out, err = run(t, app, "", "sqlmigrate", "--database", "default", "--backwards", "library", "0001_initial")
	if err != nil || !strings.Contains(out, `DROP TABLE IF EXISTS "library_book"`) {
		t.Errorf("sqlmigrate backwards: %v\n%s", err, out)
	}
	// the ORM works on the migrated tables
	db, err := orm.Open(context.Background(), app.Settings.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sh := &Shelf{Name: "fiction"}
	if err := db.Save(context.Background(), sh); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, app, "", "migrate", "--fake", "library", "zero")
	if err != nil || !strings.Contains(out, "FAKED") {
		t.Fatalf("fake zero: %v\n%s", err, out)
	}
	if n, err := orm.Q[Shelf](db).Count(context.Background()); err != nil || n != 1 {
		t.Errorf("--fake touched the tables: %d %v", n, err)
	}
	out, err = run(t, app, "", "migrate", "--fake")
	if err != nil || !strings.Contains(out, "FAKED") {
		t.Fatalf("fake forwards: %v\n%s", err, out)
	}
	// bad input: usage errors, not panics
	for _, args := range [][]string{{"migrate", "nosuchapp"}, {"migrate", "library", "0099"}, {"sqlmigrate", "library"},
		{"makemigrations", "nosuchapp"}, {"makemigrations", "--default", "bad", "library"}, {"migrate", "a", "b", "c"}} {
		if out, err := run(t, app, "", args...); err == nil {
			t.Errorf("%q succeeded:\n%s", args, out)
		}
	}
}

func TestCommandQuestions(t *testing.T) {
	q := &cliQuestioner{in: bufioReader("y\n\n"), out: &bytes.Buffer{}}
	if ok, err := q.AskRename("field", "a.B.x", "a.B.y"); !ok || err != nil {
		t.Errorf("rename answered y: %v %v", ok, err)
	}
	if _, err := q.AskFill("a.B.c", false); err == nil || !strings.Contains(err.Error(), "--default a.B.c=VALUE") {
		t.Errorf("empty fill: %v", err)
	}
	q = &cliQuestioner{in: bufioReader(""), out: &bytes.Buffer{}}
	if _, err := q.AskRename("model", "a.B", "a.C"); err == nil || !strings.Contains(err.Error(), "--yes-renames") {
		t.Errorf("EOF rename: %v", err)
	}
	q = &cliQuestioner{in: bufioReader("42\n"), out: &bytes.Buffer{}, fills: map[string]string{"a.B.d": "7"}}
	if v, _ := q.AskFill("a.B.d", true); v != "7" {
		t.Errorf("flag fill = %q", v)
	}
	if v, _ := q.AskFill("a.B.e", true); v != "42" {
		t.Errorf("typed fill = %q", v)
	}
}

// offline recognizes the go command failing to download a module.
var offline = regexp.MustCompile(`module lookup disabled|dial tcp|no such host|i/o timeout|proxyconnect`)

// TestGeneratedFilesCompile builds a small program from migration files written by
// makemigrations, in a temporary module that uses this repository.
func TestGeneratedFilesCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program; skipped in -short")
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Dir(filepath.Dir(file))
	mod := t.TempDir()
	// the library models, registered here so the test does not rely on running after another
	if err := orm.RegisterModels("library", (&libraryApp{}).Models()...); err != nil {
		t.Fatal(err)
	}
	g, _ := NewGraph()
	st, err := FromModels(orm.Models("library")...)
	if err != nil {
		t.Fatal(err)
	}
	migDir := filepath.Join(mod, "library", "migrations")
	news, err := MakeMigrations(g, st, MakeOptions{Questioner: &answers{}, Dirs: map[string]string{"library": migDir}, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range news {
		if err := n.Write(); err != nil {
			t.Fatal(err)
		}
	}
	// A workspace with this repository: the program builds against the framework's own
	// module graph (the go command may download modules the framework's own build did
	// not need, such as other platforms' dependencies).
	files := map[string]string{
		"go.mod":  "module example.com/proj\n\ngo 1.26.0\n",
		"go.work": "go 1.26.0\n\nuse (\n\t.\n\t" + strconv.Quote(root) + "\n)\n",
		"main.go": `package main

import (
	"context"
	"fmt"
	"os"

	"example.com/proj/library/migrations"
	"github.com/galvani-web/galvani/migrate"
	"github.com/galvani-web/galvani/orm"
)

func main() {
	db, err := orm.Open(context.Background(), "sqlite:///"+os.Args[1])
	if err != nil {
		panic(err)
	}
	g, err := migrate.NewGraph(migrations.All...)
	if err != nil {
		panic(err)
	}
	x := &migrate.Executor{DB: db, Graph: g, Out: os.Stdout}
	if err := x.Migrate(context.Background(), migrate.Options{}); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
}
`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(mod, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "run", ".", filepath.Join(t.TempDir(), "x.db"))
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK="+filepath.Join(mod, "go.work"))
	out, err := cmd.CombinedOutput()
	if err != nil && !testdb.Required() && offline.Match(out) {
		t.Skipf("the go command could not fetch a module (offline, with a cold module cache?):\n%s", out)
	}
	if err != nil {
		t.Fatalf("go run: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Applying library.0001_initial... OK") {
		t.Errorf("output:\n%s", out)
	}
}

// The command asks about a rename on its input, or fails saying how to answer.
func TestMakemigrationsAsks(t *testing.T) {
	app, lib := newProject(t)
	g, _ := NewGraph()
	st, err := FromModels(orm.Models("library")...)
	if err != nil {
		t.Fatal(err)
	}
	// history in which Book.title was still called "name"
	old := st.Clone()
	for _, f := range old.Models["library.book"].Fields {
		if f.Name == "title" {
			f.Name = "name"
		}
	}
	news, err := MakeMigrations(g, old, MakeOptions{Questioner: &answers{}, Dirs: map[string]string{"library": lib.dir}})
	if err != nil {
		t.Fatal(err)
	}
	if err := news[0].Write(); err != nil {
		t.Fatal(err)
	}
	lib.setMigrations([]*Migration{news[0].Migration})

	if out, err := run(t, app, "", "makemigrations", "--check"); err == nil || !strings.Contains(err.Error(), "changes that are not in migrations") {
		t.Errorf("--check: %v\n%s", err, out)
	}
	if out, err := run(t, app, "", "makemigrations", "--noinput"); err == nil || !strings.Contains(err.Error(), "--yes-renames") {
		t.Errorf("--noinput: %v\n%s", err, out)
	}
	out, err := run(t, app, "y\n", "makemigrations", "--dry-run")
	if err != nil || !strings.Contains(out, "Was the field library.Book.name renamed to library.Book.title? [y/N]") ||
		!strings.Contains(out, "Rename field name on library.Book to title") {
		t.Errorf("interactive: %v\n%s", err, out)
	}
	out, err = run(t, app, "", "makemigrations", "--no-renames", "--default", "library.Book.title=untitled", "--name", "retitle")
	if err != nil || !strings.Contains(out, "Remove field name from library.Book") || !strings.Contains(out, "0002_retitle.go") {
		t.Fatalf("--no-renames: %v\n%s", err, out)
	}
	src, _ := os.ReadFile(filepath.Join(lib.dir, "0002_retitle.go"))
	if !strings.Contains(string(src), `Fill: "untitled"`) {
		t.Errorf("fill value not in the file:\n%s", src)
	}
}
