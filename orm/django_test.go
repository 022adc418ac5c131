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
