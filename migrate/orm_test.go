package migrate

import (
	"context"
	"testing"

	"github.com/galvani-web/galvani/orm"
)

// TestModelsToDatabase goes the whole way on each database: the registered models of
// the library app as a state, an older version of them, migrations between the two
// made by the autodetector, applied with data in the tables, then read through the ORM.
func TestModelsToDatabase(t *testing.T) {
	if err := orm.RegisterApps(&libraryApp{}); err != nil {
		t.Fatal(err)
	}
	now, err := FromModels(orm.Models("library")...)
	if err != nil {
		t.Fatal(err)
	}
	book, ok := now.Model("library.Book")
	if !ok {
		t.Fatal("no library.Book in the state")
	}
	if f, _ := book.Field("shelf"); f == nil || f.column() != "shelf_id" || f.To != "library.Shelf" || f.OnDelete != orm.Cascade {
		t.Fatalf("FK field: %+v", f)
	}
	if f, _ := book.Field("tags"); f == nil || f.ThroughTable != "library_book_tags" || f.SourceColumn != "book_id" || f.TargetColumn != "label_id" {
		t.Fatalf("M2M field: %+v", f)
	}
	// The older version: Book.title was called "name", Book had no pages, Shelf.name
	// had max_length 20.
	old := now.Clone()
	ob := old.Models["library.book"]
	var fields []*Field
	for _, f := range ob.Fields {
		switch f.Name {
		case "title":
			f.Name = "name"
		case "pages":
			continue
		}
		fields = append(fields, f)
	}
	ob.Fields = fields
	old.Models["library.shelf"].Fields[1].MaxLength = 20
	ops1, err := Diff(NewState(), old, &answers{})
	if err != nil {
		t.Fatal(err)
	}
	m1 := &Migration{App: "library", Name: "0001_initial", Operations: ops1["library"]}
	ops2, err := Diff(old, now, &answers{renames: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := describe(map[string][]Operation{"blog": ops2["library"]}); len(got) != 3 {
		t.Fatalf("second migration: %q", got)
	}
	m2 := &Migration{App: "library", Name: "0002_changes", Dependencies: []Dependency{{"library", "0001_initial"}}, Operations: ops2["library"]}
	g, err := NewGraph(m1, m2)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db, _ := b.open(t)
			ctx := context.Background()
			x := &Executor{DB: db, Graph: g}
			migrateTo(t, x, "library", "0001")
			mustExec(t, db, "INSERT INTO library_shelf (name) VALUES ('poetry')")
			mustExec(t, db, "INSERT INTO library_book (name, shelf_id) VALUES ('Odes', 1), ('Ariel', 1)")
			migrateTo(t, x, "", "")
			books, err := orm.Q[Book](db).OrderBy("title").All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(books) != 2 || books[0].Title != "Ariel" || books[1].Title != "Odes" || books[0].Pages != 0 || books[0].Shelf.ID() != 1 {
				t.Fatalf("books after migrating: %+v", books)
			}
			lbl := &Label{Name: "classic"}
			if err := db.Save(ctx, lbl); err != nil {
				t.Fatal(err)
			}
			mustExec(t, db, "INSERT INTO library_book_tags (book_id, label_id) VALUES (1, 1)")
			n, err := orm.Q[Book](db).Filter("tags__name", "classic").Count(ctx)
			if err != nil || n != 1 {
				t.Fatalf("M2M through the ORM: %d %v", n, err)
			}
			// and back, with the data
			migrateTo(t, x, "library", "0001")
			got := queryStrings(t, db, "SELECT name FROM library_book ORDER BY name")
			if len(got) != 2 || got[0] != "Ariel" {
				t.Fatalf("after going back: %q", got)
			}
		})
	}
}
