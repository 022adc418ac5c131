package orm

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// DupKey maps a table whose key column has no PRIMARY KEY constraint (a view or a
// legacy table), so the same "key" can appear on several rows.
type DupKey struct {
	Code int64  `orm:"pk"`
	Name string `orm:"max_length=20"`
}

var dupKeyOnce sync.Once

// Get by key sends no LIMIT (the key is unique on every table the ORM creates); on a
// table where it isn't, Get still reports ErrMultipleObjects, however many rows match,
// and the connection stays usable.
func TestGetByKeyOnNonUniqueColumn(t *testing.T) {
	dupKeyOnce.Do(func() {
		if err := RegisterModels("ormdup", DupKey{}); err != nil {
			panic(err)
		}
	})
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		_, _ = db.Exec(ctx, "DROP TABLE IF EXISTS ormdup_dupkey")
		if _, err := db.Exec(ctx, "CREATE TABLE ormdup_dupkey (code BIGINT NOT NULL, name VARCHAR(20) NOT NULL)"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = db.Exec(ctx, "DROP TABLE IF EXISTS ormdup_dupkey") })
		if _, err := db.Exec(ctx, "INSERT INTO ormdup_dupkey (code, name) VALUES (?, ?)", 1, "one"); err != nil {
			t.Fatal(err)
		}
		for i := range 300 {
			if _, err := db.Exec(ctx, "INSERT INTO ormdup_dupkey (code, name) VALUES (?, ?)", 7, fmt.Sprint("seven-", i)); err != nil {
				t.Fatal(err)
			}
		}
		for range 3 { // repeated: the rows left unread must not spoil the connection
			if _, err := Q[DupKey](db).Get(ctx, "pk", 7); !errors.Is(err, ErrMultipleObjects) {
				t.Fatalf("Get(pk=7) over 300 rows: %v, want ErrMultipleObjects", err)
			}
			if obj, err := Q[DupKey](db).Get(ctx, "code", int64(1)); err != nil || obj.Name != "one" {
				t.Fatalf("Get(code=1): %+v, %v", obj, err)
			}
			if _, err := Q[DupKey](db).Get(ctx, "pk", 2); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get(pk=2): %v, want ErrNotFound", err)
			}
		}
	})
}
