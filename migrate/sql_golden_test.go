package migrate

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/galvani-web/galvani/orm"
)

// TestSQLGolden keeps the SQL of the round-trip project's migrations, forwards and
// backwards, on each dialect in testdata/sql_<dialect>.golden (go test -update).
func TestSQLGolden(t *testing.T) {
	g, err := NewGraph(projectMigrations()...)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []orm.Dialect{orm.SQLite, orm.PostgreSQL, orm.MySQL} {
		var b bytes.Buffer
		for _, back := range []bool{false, true} {
			for _, m := range g.All() {
				stmts, err := g.SQL(d, m, back)
				if err != nil {
					t.Fatalf("%s %s: %v", d.Name(), m.Key(), err)
				}
				dir := "forwards"
				if back {
					dir = "backwards"
				}
				fmt.Fprintf(&b, "-- %s %s\n", m.Key(), dir)
				for _, s := range stmts {
					b.WriteString(statementText(s.SQL))
					if len(s.Args) > 0 {
						fmt.Fprintf(&b, " -- %s", formatArgs(s.Args))
					}
					b.WriteString("\n")
				}
			}
		}
		golden(t, "sql_"+d.Name(), b.Bytes())
	}
}
