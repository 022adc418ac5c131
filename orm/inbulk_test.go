package orm

import (
	"context"
	"testing"
)

// TestInBulkManyKeys: InBulk with more keys than one statement may bind (SQLite
// 32766, PostgreSQL and MySQL 65535 parameters) used to fail with the database's
// "too many variables" error; it now chunks the keys like Django's in_bulk.
func TestInBulkManyKeys(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		a := mkAuthor(t, db, "bulk1")
		b := mkAuthor(t, db, "bulk2")
		keys := make([]any, 0, 70000)
		keys = append(keys, a.ID)
		for i := int64(1); len(keys) < 69999; i++ {
			keys = append(keys, -i)
		}
		keys = append(keys, b.ID)
		got, err := Q[Author](db).Filter("name__startswith", "bulk").InBulk(ctx, keys)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[a.ID] == nil || got[b.ID] == nil || got[b.ID].Name != "bulk2" {
			t.Fatalf("got %v", got)
		}
	})
}
