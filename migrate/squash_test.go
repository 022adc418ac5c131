package migrate

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani/orm"
)

// schemaOf describes a database's tables, columns and indexes (not the migrations
// table), to compare two databases migrated different ways.
func schemaOf(t *testing.T, db *orm.DB) string {
	t.Helper()
	var out []string
	switch db.Dialect().Name() {
	case "sqlite":
		for _, tbl := range queryStrings(t, db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'galvani_migrations' ORDER BY name") {
			for _, c := range queryStrings(t, db, "SELECT name, type, \"notnull\", pk FROM pragma_table_info('"+tbl+"') ORDER BY cid") {
				out = append(out, tbl+"|"+c)
			}
		}
		out = append(out, queryStrings(t, db, "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name")...)
	case "postgres":
		out = queryStrings(t, db, "SELECT table_name, column_name, data_type, is_nullable, COALESCE(character_maximum_length, 0) FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'galvani_migrations' ORDER BY table_name, ordinal_position")
		out = append(out, queryStrings(t, db, "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'galvani_migrations' ORDER BY indexname")...)
	default:
		out = queryStrings(t, db, "SELECT table_name, column_name, column_type, is_nullable FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name <> 'galvani_migrations' ORDER BY table_name, ordinal_position")
		out = append(out, queryStrings(t, db, "SELECT DISTINCT table_name, index_name FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name <> 'galvani_migrations' ORDER BY index_name")...)
	}
	return strings.Join(out, "\n")
}

// appliedKeys lists the recorded migrations.
func appliedKeys(t *testing.T, x *Executor) []string {
	t.Helper()
	applied, err := x.Applied(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for k := range applied {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// squashProject squashes both apps of projectMigrations.
func squashProject(t *testing.T) (originals, squashed []*Migration) {
	t.Helper()
	originals = projectMigrations()
	g, err := NewGraph(originals...)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, app := range []string{"shop", "orders"} {
		n, err := Squash(g, app, SquashOptions{End: "0002", Dir: filepath.Join(dir, app), Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		squashed = append(squashed, n.Migration)
		if app == "orders" {
			src := string(n.Source)
			for _, want := range []string{
				`Name: "0001_squashed_0002_rename"`,
				`Replaces: []migrate.Dependency{`,
				`{App: "orders", Name: "0001_initial"},`,
				`{App: "shop", Name: "0002_changes"},`, // the dependency outside the range
				`m0002Rename.Operations[2], // from the replaced migration`,
				`m0002Rename.Operations[3], // from the replaced migration`,
				`&migrate.RenameModel{App: "orders", OldName: "Order", NewName: "Purchase"}`,
			} {
				if !strings.Contains(src, want) {
					t.Errorf("squashed source lacks %s:\n%s", want, src)
				}
			}
		}
	}
	return originals, squashed
}

// The squash round trip: apply the originals, squash, migrate the old database (the
// squashed migrations count as applied, nothing runs twice), delete the originals,
// migrate a fresh database (the squashed migrations run alone) and compare schemas.
func TestSquashRoundTrip(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			originals, squashed := squashProject(t)
			db, _ := b.open(t)
			g0, _ := NewGraph(originals...)
			x := &Executor{DB: db, Graph: g0}
			migrateTo(t, x, "", "")
			mustExec(t, db, "INSERT INTO shop_customer (full_name, email, score) VALUES ('Ann', 'ann@example.com', 7)")

			// old database, originals and squashed migrations in the code
			g1, err := NewGraph(append(append([]*Migration(nil), originals...), squashed...)...)
			if err != nil {
				t.Fatal(err)
			}
			x.Graph = g1
			if out := migrateTo(t, x, "", ""); !strings.Contains(out, "No migrations to apply") {
				t.Errorf("the old database ran migrations again:\n%s", out)
			}
			want := "orders.0001_initial orders.0001_squashed_0002_rename orders.0002_rename shop.0001_initial shop.0001_squashed_0002_changes shop.0002_changes"
			if got := strings.Join(appliedKeys(t, x), " "); got != want {
				t.Errorf("recorded %s, want %s", got, want)
			}
			// the originals deleted from the code
			g2, err := NewGraph(squashed...)
			if err != nil {
				t.Fatal(err)
			}
			x.Graph = g2
			if out := migrateTo(t, x, "", ""); !strings.Contains(out, "No migrations to apply") || strings.Contains(out, "Warning") {
				t.Errorf("the old database after deleting the originals:\n%s", out)
			}
			applied, _ := x.Applied(ctx)
			if m := x.Missing(applied); len(m) != 0 {
				t.Errorf("replaced migrations reported missing: %v", m)
			}
			old := schemaOf(t, db)
			if rows := queryStrings(t, db, "SELECT full_name FROM shop_customer"); len(rows) != 1 {
				t.Errorf("data lost: %v", rows)
			}

			// a fresh database runs the squashed migrations only
			db, _ = b.open(t)
			x = &Executor{DB: db, Graph: g2}
			out := migrateTo(t, x, "", "")
			if strings.Count(out, "Applying") != 2 || !strings.Contains(out, "Applying shop.0001_squashed_0002_changes") || !strings.Contains(out, "Applying orders.0001_squashed_0002_rename") {
				t.Errorf("fresh database:\n%s", out)
			}
			if got := strings.Join(appliedKeys(t, x), " "); got != want {
				t.Errorf("fresh: recorded %s, want %s", got, want)
			}
			if fresh := schemaOf(t, db); fresh != old {
				t.Errorf("schemas differ:\nold:\n%s\nfresh:\n%s", old, fresh)
			}
			// the squashed migrations unapply like the originals
			migrateTo(t, x, "shop", "zero")
			if got := appliedKeys(t, x); len(got) != 0 {
				t.Errorf("after zero: %v", got)
			}

			// a database that applied some of shop's originals runs the rest of them,
			// and orders' squashed migration (none of its originals applied)
			x.Graph = g0
			migrateTo(t, x, "shop", "0001")
			x.Graph = g1
			out = migrateTo(t, x, "", "")
			for _, w := range []string{"Applying shop.0002_changes", "Applying orders.0001_squashed_0002_rename"} {
				if strings.Count(out, w) != 1 {
					t.Errorf("partly applied: %q not run once:\n%s", w, out)
				}
			}
			if strings.Count(out, "Applying") != 2 {
				t.Errorf("partly applied: ran more than the rest:\n%s", out)
			}
			migrateTo(t, x, "", "") // records the squashed ones
			if got := strings.Join(appliedKeys(t, x), " "); got != want {
				t.Errorf("partly applied: recorded %s, want %s", got, want)
			}
			if s := schemaOf(t, db); s != old {
				t.Errorf("partly applied: schema differs:\n%s", s)
			}
			// without the originals, a partly applied database cannot go on
			x.Graph = g0
			migrateTo(t, x, "shop", "0001")
			if _, err := NewGraph(squashed...); err != nil {
				t.Fatal(err)
			}
			x.Graph = g2
			if err := x.Migrate(ctx, Options{}); err == nil || !strings.Contains(err.Error(), "needs the others") {
				t.Errorf("partly applied without originals: %v", err)
			}
		})
	}
}

func TestSquashErrors(t *testing.T) {
	g, _ := NewGraph(projectMigrations()...)
	for _, c := range []struct {
		opts SquashOptions
		want string
	}{
		{SquashOptions{}, "needs the last migration"},
		{SquashOptions{End: "0001"}, "at least two migrations"},
		{SquashOptions{Start: "0002", End: "0001"}, "comes before"},
		{SquashOptions{End: "0009"}, "has no migration"},
	} {
		if _, err := Squash(g, "shop", c.opts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.opts, err, c.want)
		}
	}
}

// Two branches each added a migration; --merge writes one depending on both, and the
// merged graph applies both branches.
func TestMergeLeaves(t *testing.T) {
	base := &Migration{App: "shop", Name: "0001_initial", Operations: []Operation{
		&CreateModel{App: "shop", Name: "Item", Table: "shop_item", Fields: []*Field{id(), {Name: "name", Kind: orm.KindVarchar, MaxLength: 20}}},
	}}
	a := &Migration{App: "shop", Name: "0002_price", Dependencies: []Dependency{{"shop", "0001_initial"}}, Operations: []Operation{
		&AddField{App: "shop", Model: "Item", Field: &Field{Name: "price", Kind: orm.KindInt, HasDefault: true, Default: "0"}},
	}}
	b := &Migration{App: "shop", Name: "0002_note", Dependencies: []Dependency{{"shop", "0001_initial"}}, Operations: []Operation{
		&AddField{App: "shop", Model: "Item", Field: &Field{Name: "note", Kind: orm.KindText, Null: true}},
	}}
	g, err := NewGraph(base, a, b)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	n, branches, err := Merge(g, "shop", dir, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if n.Migration.Name != "0003_merge_0002_note_0002_price" || len(n.Migration.Dependencies) != 2 || len(n.Migration.Operations) != 0 {
		t.Fatalf("merge: %+v", n.Migration)
	}
	if got := branches["0002_price"]; len(got) != 1 || !strings.Contains(got[0], "Add field price") {
		t.Errorf("branches: %v", branches)
	}
	if err := n.Write(); err != nil {
		t.Fatal(err)
	}
	if src, _ := os.ReadFile(n.Path); !strings.Contains(string(src), `{App: "shop", Name: "0002_price"}`) {
		t.Errorf("merge file:\n%s", src)
	}
	g2, err := NewGraph(base, a, b, n.Migration)
	if err != nil {
		t.Fatal(err)
	}
	if l := g2.Leaves("shop"); len(l) != 1 || l[0] != n.Migration {
		t.Fatalf("leaves after merge: %v", l)
	}
	st, err := g2.State()
	if err != nil {
		t.Fatal(err)
	}
	m, _ := st.Model("shop.Item")
	if _, ok := m.Field("price"); !ok {
		t.Error("merged state lacks price")
	}
	if _, ok := m.Field("note"); !ok {
		t.Error("merged state lacks note")
	}
	if _, _, err := Merge(g2, "shop", dir, time.Time{}); err == nil {
		t.Error("a second merge should find nothing to merge")
	}
	db, _ := backends()[0].open(t)
	x := &Executor{DB: db, Graph: g2}
	out := migrateTo(t, x, "", "")
	if strings.Count(out, "Applying") != 4 {
		t.Errorf("merged migrate:\n%s", out)
	}
}

// A data migration uses the model as it was at its point of the history: here the
// field is still "title", renamed "headline" by a later migration.
func TestHistoricalModels(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			var seen []map[string]any
			m1 := &Migration{App: "blog", Name: "0001_initial", Operations: []Operation{
				&CreateModel{App: "blog", Name: "Post", Table: "blog_post", Fields: []*Field{id(),
					{Name: "title", Kind: orm.KindVarchar, MaxLength: 50},
					{Name: "slug", Kind: orm.KindVarchar, MaxLength: 50, Null: true},
				}},
			}}
			m2 := &Migration{App: "blog", Name: "0002_fill", Dependencies: []Dependency{{"blog", "0001_initial"}}, Operations: []Operation{
				&RunGo{Name: "seed and fill slugs",
					Code: func(ctx context.Context, db *Conn) error {
						post, err := db.Model("blog.Post")
						if err != nil {
							return err
						}
						for _, title := range []string{"Hello World", "Second"} {
							if err := post.Create(ctx, map[string]any{"title": title}); err != nil {
								return err
							}
						}
						rows, err := post.Where("slug", nil).Values(ctx)
						if err != nil {
							return err
						}
						for _, r := range rows {
							slug := strings.ToLower(strings.ReplaceAll(r["title"].(string), " ", "-"))
							if _, err := post.Where("pk", r["id"]).Update(ctx, map[string]any{"slug": slug}); err != nil {
								return err
							}
						}
						if _, err := post.Where("title", "Second").Delete(ctx); err != nil {
							return err
						}
						seen, err = post.All().Values(ctx)
						if _, err2 := post.Where("headline", "x").Count(ctx); err2 == nil || !strings.Contains(err2.Error(), `no field "headline"`) {
							t.Errorf("a field of the future: %v", err2)
						}
						return err
					},
					Reverse: Noop},
			}}
			m3 := &Migration{App: "blog", Name: "0003_rename", Dependencies: []Dependency{{"blog", "0002_fill"}}, Operations: []Operation{
				&RenameField{App: "blog", Model: "Post", OldName: "title", NewName: "headline"},
			}}
			db, _ := b.open(t)
			g, err := NewGraph(m1, m2, m3)
			if err != nil {
				t.Fatal(err)
			}
			migrateTo(t, &Executor{DB: db, Graph: g}, "", "")
			if len(seen) != 1 || seen[0]["title"] != "Hello World" || seen[0]["slug"] != "hello-world" {
				t.Fatalf("rows seen by the data migration: %v", seen)
			}
			if got := queryStrings(t, db, "SELECT headline, slug FROM blog_post"); strings.Join(got, ",") != "Hello World|hello-world" {
				t.Fatalf("table after: %v", got)
			}
		})
	}
}

// squashmigrations and makemigrations --merge as commands.
func TestSquashAndMergeCommands(t *testing.T) {
	app, lib := newProject(t)
	m1 := &Migration{App: "library", Name: "0001_initial", Operations: []Operation{
		&CreateModel{App: "library", Name: "Shelf", Table: "library_shelf", Fields: []*Field{id(), {Name: "name", Kind: orm.KindVarchar, MaxLength: 50}}},
	}}
	m2 := &Migration{App: "library", Name: "0002_a", Dependencies: []Dependency{{"library", "0001_initial"}}, Operations: []Operation{
		&AddField{App: "library", Model: "Shelf", Field: &Field{Name: "a", Kind: orm.KindInt, Null: true}},
	}}
	m3 := &Migration{App: "library", Name: "0002_b", Dependencies: []Dependency{{"library", "0001_initial"}}, Operations: []Operation{
		&AddField{App: "library", Model: "Shelf", Field: &Field{Name: "b", Kind: orm.KindInt, Null: true}},
	}}
	lib.setMigrations([]*Migration{m1, m2, m3})
	out, err := run(t, app, "", "makemigrations", "--merge", "--dry-run", "library")
	if err != nil || !strings.Contains(out, "Branch 0002_a") || !strings.Contains(out, "Add field a to library.Shelf") || !strings.Contains(out, "0003_merge_0002_a_0002_b") {
		t.Fatalf("merge dry run: %v\n%s", err, out)
	}
	if out, err = run(t, app, "", "makemigrations", "--merge"); err != nil {
		t.Fatalf("merge: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(lib.dir, "0003_merge_0002_a_0002_b.go")); err != nil {
		t.Fatal(err)
	}
	lib.setMigrations([]*Migration{m1, m2})
	if out, _ := run(t, app, "", "makemigrations", "--merge"); !strings.Contains(out, "No conflicts detected") {
		t.Errorf("merge without conflicts:\n%s", out)
	}
	out, err = run(t, app, "", "squashmigrations", "library", "0002")
	if err != nil || !strings.Contains(out, "Squashed 2 migrations of library") {
		t.Fatalf("squash: %v\n%s", err, out)
	}
	src, err := os.ReadFile(filepath.Join(lib.dir, "0001_squashed_0002_a.go"))
	if err != nil || !strings.Contains(string(src), `Replaces: []migrate.Dependency{`) {
		t.Fatalf("squashed file: %v\n%s", err, src)
	}
	for _, args := range [][]string{{"squashmigrations", "library"}, {"squashmigrations", "nosuch", "0002"}, {"squashmigrations", "library", "0001"}} {
		if out, err := run(t, app, "", args...); err == nil {
			t.Errorf("%q succeeded:\n%s", args, out)
		}
	}
}
