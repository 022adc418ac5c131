package migrate

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/galvani-web/galvani/orm"
)

// A migration failing halfway: rolled back where DDL is transactional, and an exact
// account of what stays applied on MySQL/MariaDB.
func TestFailureHalfway(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db, _ := b.open(t)
			m1 := &Migration{App: "f", Name: "0001", Operations: []Operation{
				&CreateModel{App: "f", Name: "Thing", Fields: []*Field{id()}},
			}}
			m2 := &Migration{App: "f", Name: "0002", Dependencies: []Dependency{{"f", "0001"}}, Operations: []Operation{
				&AddField{App: "f", Model: "Thing", Field: &Field{Name: "size", Kind: orm.KindInt, Null: true}},
				&RunSQL{SQL: []string{"THIS IS NOT SQL"}},
			}}
			g, err := NewGraph(m1, m2)
			if err != nil {
				t.Fatal(err)
			}
			x := &Executor{DB: db, Graph: g}
			err = x.Migrate(context.Background(), Options{})
			if err == nil {
				t.Fatal("bad SQL accepted")
			}
			msg := err.Error()
			if !strings.Contains(msg, "f.0002 failed at operation 2 of 2 (Raw SQL operation)") {
				t.Errorf("error does not say where: %v", err)
			}
			applied, _ := x.Applied(context.Background())
			if _, ok := applied["f.0002"]; ok || len(applied) != 1 {
				t.Errorf("applied = %v", applied)
			}
			_, colErr := db.Exec(context.Background(), "SELECT size FROM f_thing")
			if b.name == "mysql" {
				if !strings.Contains(msg, "ARE applied: Add field size to f.Thing") || !strings.Contains(msg, "--fake") {
					t.Errorf("MySQL error lacks the account of what was applied: %v", err)
				}
				if colErr != nil {
					t.Errorf("column should exist on MySQL: %v", colErr)
				}
			} else if colErr == nil {
				t.Error("the failed migration's column survived; the transaction did not roll back")
			}
			// A data migration failing halfway leaves no rows, on every database.
			m3 := &Migration{App: "g", Name: "0001", Dependencies: []Dependency{{"f", "0001"}}, Operations: []Operation{
				&RunGo{Name: "insert then fail", Code: func(ctx context.Context, db *Conn) error {
					if _, err := db.Exec(ctx, "INSERT INTO f_thing (id) VALUES (?)", 7); err != nil {
						return err
					}
					return errors.New("boom")
				}},
			}}
			g, _ = NewGraph(m1, m3)
			x = &Executor{DB: db, Graph: g}
			if err := x.Migrate(context.Background(), Options{App: "g"}); err == nil || !strings.Contains(err.Error(), "boom") {
				t.Fatalf("err = %v", err)
			}
			if got := queryStrings(t, db, "SELECT COUNT(*) FROM f_thing"); got[0] != "0" {
				t.Errorf("failed data migration left %s rows", got[0])
			}
		})
	}
}

// On SQLite foreign keys are not enforced during a migration (table rebuilds need
// that), so they are checked before commit: a migration leaving a broken reference
// rolls back.
func TestSQLiteForeignKeyCheckBeforeCommit(t *testing.T) {
	db, _ := backends()[0].open(t)
	m1 := &Migration{App: "k", Name: "0001", Operations: []Operation{
		&CreateModel{App: "k", Name: "P", Fields: []*Field{id()}},
		&CreateModel{App: "k", Name: "C", Fields: []*Field{id(), {Name: "p", Kind: orm.KindFK, To: "k.P", OnDelete: orm.Cascade, Index: true}}},
	}}
	m2 := &Migration{App: "k", Name: "0002", Dependencies: []Dependency{{"k", "0001"}}, Operations: []Operation{
		&RunSQL{SQL: []string{"INSERT INTO k_c (p_id) VALUES (42)"}, NoReverse: true},
	}}
	g, _ := NewGraph(m1, m2)
	x := &Executor{DB: db, Graph: g}
	err := x.Migrate(context.Background(), Options{})
	if err == nil || !strings.Contains(err.Error(), "foreign keys broken") {
		t.Fatalf("err = %v", err)
	}
	if got := queryStrings(t, db, "SELECT COUNT(*) FROM k_c"); got[0] != "0" {
		t.Errorf("orphan row committed")
	}
	applied, _ := x.Applied(context.Background())
	if _, ok := applied["k.0002"]; ok {
		t.Error("failed migration recorded")
	}
}
