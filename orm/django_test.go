package orm

import (
	"context"
	"testing"
	"time"
)

// Tests that queries mean what they mean in Django (docs/orm.md's Django table).

func TestWeekDayCountsFromSunday(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ada := mkAuthor(t, db, "Ada")
		days := map[string]time.Time{
			"sun": time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
			"wed": time.Date(2026, 7, 15, 23, 0, 0, 0, time.UTC),
			"sat": time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC),
		}
		for slug, p := range days {
			a := mkArticle(t, db, ada, slug, 1)
			a.Published = p
			a.Day = NullOf(p)
			if err := db.Save(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		// Django: 1 = Sunday ... 7 = Saturday, on datetime and date fields alike
		for _, c := range []struct {
			lookup string
			day    int
			want   string
		}{
			{"published__week_day", 1, "sun"},
			{"published__week_day", 4, "wed"},
			{"published__week_day", 7, "sat"},
			{"day__week_day", 1, "sun"},
			{"day__week_day", 7, "sat"},
		} {
			got, err := Q[Article](db).Filter(c.lookup, c.day).ValuesList(ctx, "slug")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0][0] != c.want {
				t.Errorf("%s=%d: got %v, want %s", c.lookup, c.day, got, c.want)
			}
		}
	})
}

// Article-like model with a default ordering, for grouped and distinct Values.
func TestValuesIgnoreDefaultOrderingWhenGroupingOrDistinct(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ada, bob := mkAuthor(t, db, "Ada"), mkAuthor(t, db, "Bob")
		for _, g := range []*Group{{Name: "b"}, {Name: "a"}, {Name: "c"}} {
			if err := db.Create(ctx, g); err != nil {
				t.Fatal(err)
			}
			members := Related[Author](db, g, "members")
			if err := members.Add(ctx, ada); err != nil {
				t.Fatal(err)
			}
			if g.Name != "c" {
				if err := members.Add(ctx, bob); err != nil {
					t.Fatal(err)
				}
			}
		}
		// Group's Meta.Ordering is "name": values("x").annotate(...) groups by x alone
		rows, err := Q[Group](db).Annotate(Count("id").As("n")).OrderBy("members__name").Values(ctx, "members__name")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0]["members__name"] != "Ada" || rows[0]["n"] != int64(3) || rows[1]["n"] != int64(2) {
			t.Fatalf("grouped with an explicit order: %v", rows)
		}
		rows, err = Q[Group](db).Annotate(Count("id").As("n")).Values(ctx, "members__name")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 {
			t.Fatalf("grouped under the default ordering: %v", rows)
		}
		vals, err := Q[Group](db).Filter("name__in", []string{"a", "b"}).Distinct().ValuesList(ctx, "members__name")
		if err != nil {
			t.Fatal(err)
		}
		if len(vals) != 2 {
			t.Fatalf("distinct under the default ordering: %v", vals)
		}
		// the default ordering still applies to plain Values
		names, err := Q[Group](db).ValuesList(ctx, "name")
		if err != nil || len(names) != 3 || names[0][0] != "a" || names[2][0] != "c" {
			t.Fatalf("default ordering: %v %v", names, err)
		}
	})
}

func TestSelectForUpdateNeedsATransaction(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mkAuthor(t, db, "Ada")
		// Django: "select_for_update cannot be used outside of a transaction"
		if _, err := Q[Author](db).SelectForUpdate().All(ctx); err == nil {
			t.Fatal("SelectForUpdate outside a transaction: no error")
		}
		if _, err := Q[Author](db).SelectForUpdateSkipLocked().Get(ctx, "name", "Ada"); err == nil {
			t.Fatal("SelectForUpdateSkipLocked().Get outside a transaction: no error")
		}
		for _, err := range Q[Author](db).SelectForUpdateNoWait().Iter(ctx) {
			if err == nil {
				t.Fatal("SelectForUpdateNoWait().Iter outside a transaction: no error")
			}
		}
		err := db.Atomic(ctx, func(ctx context.Context, tx *DB) error {
			if _, err := Q[Author](tx).SelectForUpdate().Get(ctx, "name", "Ada"); err != nil {
				return err
			}
			// the outer db with the transaction's ctx is inside it too
			_, err := Q[Author](db).SelectForUpdate().First(ctx)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
