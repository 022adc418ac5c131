package orm

import (
	"context"
	"testing"
)

// TestIterWritesInTransaction: saving the objects Iter yields inside Atomic failed on
// PostgreSQL ("conn busy") and MySQL ("driver: bad connection"), because the
// transaction's one connection still had the SELECT's result open.
func TestIterWritesInTransaction(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		for _, n := range []string{"ita", "itb", "itc"} {
			mkAuthor(t, db, n)
		}
		seen := 0
		err := db.Atomic(ctx, func(ctx context.Context, tx *DB) error {
			for a, err := range Q[Author](tx).OrderBy("id").SelectForUpdate().Iter(ctx) {
				if err != nil {
					return err
				}
				seen++
				a.Karma = 3
				if err := tx.Save(ctx, a); err != nil {
					return err
				}
				if seen == 2 {
					break // stopping early leaves the transaction usable
				}
			}
			_, err := Q[Author](tx).Count(ctx)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := Q[Author](db).Filter("karma", 3).Count(ctx); n != 2 || seen != 2 {
			t.Fatalf("updated %d, seen %d", n, seen)
		}
	})
}
