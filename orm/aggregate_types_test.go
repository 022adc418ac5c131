package orm

import (
	"context"
	"testing"
	"time"
)

// TestAggregateTypesAgree: Min/Max of a datetime or date field is a UTC time.Time and
// Sum/Min/Max of a decimal field is exact on every database. SQLite used to return
// the raw text for Max("published") and 0.30000000000000004 for Sum of 0.10 and 0.20
// (its numeric affinity stores decimals as REAL); PostgreSQL returned local time.
func TestAggregateTypesAgree(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		a := mkAuthor(t, db, "agg")
		x := mkArticle(t, db, a, "agg1", 1)
		y := mkArticle(t, db, a, "agg2", 2)
		x.Price, y.Price = MustDecimal("0.10"), MustDecimal("0.20")
		y.Published = time.Date(2026, 5, 6, 23, 30, 0, 0, time.FixedZone("X", -5*3600))
		y.Day = Null[time.Time]{V: time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC), Valid: true}
		for _, o := range []*Article{x, y} {
			if err := db.Save(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		got, err := Q[Article](db).Aggregate(ctx, Sum("price"), Min("price"), Max("price"), Max("published"), Min("published"), Max("day"))
		if err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string]string{"price__sum": "0.30", "price__min": "0.10", "price__max": "0.20"} {
			d, ok := got[name].(Decimal)
			if !ok || !d.Equal(MustDecimal(want)) || d.String() != want {
				t.Errorf("%s = %#v, want Decimal %s", name, got[name], want)
			}
		}
		for name, want := range map[string]time.Time{
			"published__max": y.Published.UTC(),
			"published__min": x.Published.UTC(),
			"day__max":       y.Day.V,
		} {
			tm, ok := got[name].(time.Time)
			if !ok || !tm.Equal(want) || tm.Location() != time.UTC {
				t.Errorf("%s = %#v, want UTC time %v", name, got[name], want)
			}
		}
		// Values + Annotate go through the same conversion
		vs, err := Q[Article](db).Annotate(Max("published").As("last"), Sum("price").As("total")).Values(ctx, "author")
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != 1 {
			t.Fatalf("groups: %v", vs)
		}
		if tm, ok := vs[0]["last"].(time.Time); !ok || !tm.Equal(y.Published) {
			t.Errorf("last = %#v", vs[0]["last"])
		}
		if d, ok := vs[0]["total"].(Decimal); !ok || d.String() != "0.30" {
			t.Errorf("total = %#v", vs[0]["total"])
		}
		// no rows: NULL stays nil
		got, err = Q[Article](db).Filter("views", -1).Aggregate(ctx, Max("published"), Sum("price"))
		if err != nil {
			t.Fatal(err)
		}
		if got["published__max"] != nil || got["price__sum"] != nil {
			t.Errorf("empty aggregates = %#v", got)
		}
	})
}

// TestAnnotateEveryObject: Annotate with Values and no field names is Django's
// annotate() on the model: one map per object, objects without related rows
// included with a zero count.
func TestAnnotateEveryObject(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		a := mkAuthor(t, db, "an1")
		mkAuthor(t, db, "an2")
		mkArticle(t, db, a, "an1", 1)
		mkArticle(t, db, a, "an2", 2)
		vs, err := Q[Author](db).Annotate(Count("articles").As("n")).OrderBy("name").Values(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != 2 || vs[0]["name"] != "an1" || vs[0]["n"] != int64(2) || vs[1]["name"] != "an2" || vs[1]["n"] != int64(0) || vs[0]["email"] != "an1@example.com" {
			t.Fatalf("got %v", vs)
		}
	})
}
