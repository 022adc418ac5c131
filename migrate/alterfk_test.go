package migrate

import (
	"context"
	"strings"
	"testing"

	"github.com/galvani-web/galvani/orm"
)

// A OneToOne becomes a nullable FK and back: the unique index goes (MySQL needs the
// foreign key dropped around it), the column's null changes, the rows stay.
func TestAlterRelationField(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db, _ := b.open(t)
			m1 := &Migration{App: "r", Name: "0001", Operations: []Operation{
				&CreateModel{App: "r", Name: "Parent", Fields: []*Field{id(), {Name: "name", Kind: orm.KindVarchar, MaxLength: 10}}},
				&CreateModel{App: "r", Name: "Child", Fields: []*Field{id(),
					{Name: "parent", Kind: orm.KindO2O, To: "r.Parent", OnDelete: orm.Cascade, Unique: true}}},
			}}
			m2 := &Migration{App: "r", Name: "0002", Dependencies: []Dependency{{"r", "0001"}}, Operations: []Operation{
				&AlterField{App: "r", Model: "Child", Field: &Field{Name: "parent", Kind: orm.KindFK, To: "r.Parent", OnDelete: orm.SetNull, Null: true, Index: true}},
				&RenameModel{App: "r", OldName: "Parent", NewName: "Owner"},
			}}
			g, err := NewGraph(m1, m2)
			if err != nil {
				t.Fatal(err)
			}
			x := &Executor{DB: db, Graph: g}
			migrateTo(t, x, "r", "0001")
			mustExec(t, db, "INSERT INTO r_parent (name) VALUES ('a'), ('b')")
			mustExec(t, db, "INSERT INTO r_child (parent_id) VALUES (1), (2)")
			if _, err := db.Exec(context.Background(), "INSERT INTO r_child (parent_id) VALUES (1)"); err == nil {
				t.Fatal("one-to-one accepted a second child")
			}
			migrateTo(t, x, "", "")
			mustExec(t, db, "INSERT INTO r_child (parent_id) VALUES (1), (NULL)")
			if _, err := db.Exec(context.Background(), "INSERT INTO r_child (parent_id) VALUES (99)"); err == nil {
				t.Error("foreign key to the renamed table not enforced")
			}
			got := queryStrings(t, db, "SELECT c.id, o.name FROM r_child c JOIN r_owner o ON o.id = c.parent_id ORDER BY c.id")
			if len(got) != 3 || got[0] != "1|a" || !strings.HasSuffix(got[2], "|a") {
				t.Fatalf("rows: %q", got)
			}
			mustExec(t, db, "DELETE FROM r_child WHERE id > 2")
			migrateTo(t, x, "r", "0001")
			got = queryStrings(t, db, "SELECT c.id, p.name FROM r_child c JOIN r_parent p ON p.id = c.parent_id ORDER BY c.id")
			if len(got) != 2 || got[1] != "2|b" {
				t.Fatalf("rows after going back: %q", got)
			}
		})
	}
}
