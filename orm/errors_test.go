package orm

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A unique constraint violation is a typed error on every database: errors.Is
// with ErrUniqueViolation, and a *UniqueViolationError naming what the database
// says (the table and columns on SQLite and PostgreSQL, the constraint on
// PostgreSQL and MySQL). Other failures are not mistaken for it.
func TestUniqueViolationError(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		if err := db.Create(ctx, &Counter{Name: "hits"}); err != nil {
			t.Fatal(err)
		}
		err := db.Create(ctx, &Counter{Name: "hits"})
		if !errors.Is(err, ErrUniqueViolation) || !IsUniqueViolation(err) {
			t.Fatalf("duplicate insert: %v, want ErrUniqueViolation", err)
		}
		var uv *UniqueViolationError
		if !errors.As(err, &uv) {
			t.Fatalf("no *UniqueViolationError in %#v", err)
		}
		var dbe *DBError
		if !errors.As(err, &dbe) {
			t.Errorf("the violation is still a *DBError: %#v", err)
		}
		switch db.Dialect().Name() {
		case "sqlite":
			if uv.Table != "ormtest_counter" || !slices.Equal(uv.Columns, []string{"name"}) {
				t.Errorf("sqlite: table %q columns %q", uv.Table, uv.Columns)
			}
		case "postgres":
			if uv.Table != "ormtest_counter" || !slices.Equal(uv.Columns, []string{"name"}) || uv.Constraint == "" {
				t.Errorf("postgres: table %q columns %q constraint %q", uv.Table, uv.Columns, uv.Constraint)
			}
		case "mysql":
			if uv.Constraint == "" {
				t.Errorf("mysql: no constraint name in %v", uv)
			}
		}

		// An update into a taken value, and a composite unique constraint.
		other := &Counter{Name: "misses"}
		if err := db.Create(ctx, other); err != nil {
			t.Fatal(err)
		}
		if _, err := Q[Counter](db).Filter("pk", other.ID).Update(ctx, Set("name", "hits")); !errors.Is(err, ErrUniqueViolation) {
			t.Errorf("duplicate update: %v", err)
		}
		g := &Group{Name: "g"}
		if err := db.Create(ctx, g); err != nil {
			t.Fatal(err)
		}
		ada := mkAuthor(t, db, "Ada")
		if err := db.Create(ctx, &Membership{Group: To(g), Author: To(ada)}); err != nil {
			t.Fatal(err)
		}
		err = db.Create(ctx, &Membership{Group: To(g), Author: To(ada)})
		if !errors.As(err, &uv) {
			t.Fatalf("unique together: %v", err)
		}
		if db.Dialect().Name() != "mysql" && len(uv.Columns) != 2 {
			t.Errorf("unique together columns: %q", uv.Columns)
		}

		// A foreign key violation is not a unique one.
		c := &Comment{}
		c.Article.SetID(987654)
		if err := db.Create(ctx, c); err == nil || errors.Is(err, ErrUniqueViolation) || IsUniqueViolation(err) {
			t.Errorf("foreign key violation: %v", err)
		}
	})
}

// A query on a table or column the database lacks (a model changed without
// makemigrations, or migrations not applied) says which commands fix it.
func TestSchemaBehindSaysMigrate(t *testing.T) {
	registerTestModels(t)
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:///"+filepath.Join(t.TempDir(), "empty.sqlite3"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = Q[Counter](db).All(ctx)
	if err == nil || !strings.Contains(err.Error(), "no such table") || !strings.Contains(err.Error(), "run `go run . makemigrations` if you changed a model, then `go run . migrate`") {
		t.Fatalf("query on a missing table: %v", err)
	}
	for _, msg := range []string{
		`ERROR: relation "polls_question" does not exist (SQLSTATE 42P01)`,
		`ERROR: column "votes" does not exist (SQLSTATE 42703)`,
		"Error 1146 (42S02): Table 'site.polls_question' doesn't exist",
		"Error 1054 (42S22): Unknown column 'votes' in 'field list'",
		"table polls_choice has no column named votes",
	} {
		if e := (&DBError{Err: errors.New(msg)}).Error(); !strings.HasSuffix(e, schemaHint) {
			t.Errorf("%q: no hint", msg)
		}
	}
	if e := (&DBError{Err: errors.New("connection refused")}).Error(); strings.Contains(e, "migrate") {
		t.Errorf("a hint on an unrelated error: %s", e)
	}
}
