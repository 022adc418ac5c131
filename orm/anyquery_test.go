package orm

import (
	"context"
	"errors"
	"sort"
	"testing"
)

func sortedInts(keys []any) []int64 {
	out := make([]int64, 0, len(keys))
	for _, k := range keys {
		out = append(out, normKey(k).(int64))
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// TestAnyQuerySet: a query of a model known only from a relation's metadata
// filters, orders, counts and returns pointers to the model's struct.
func TestAnyQuerySet(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mkAuthor(t, db, "Ann")
		bob := mkAuthor(t, db, "Bob")
		info, _ := InfoOf[Article]()
		f, _ := info.Field("author")
		q := f.Rel.Query(db)
		if q.Info().Name != "Author" {
			t.Fatalf("info %v", q.Info().Name)
		}
		rows, err := q.OrderBy("-name").All(ctx)
		if err != nil || len(rows) != 2 || rows[0].(*Author).Name != "Bob" {
			t.Fatalf("all: %v %+v", err, rows)
		}
		if n, err := q.Exclude("name", "Bob").Count(ctx); err != nil || n != 1 {
			t.Fatalf("count: %v %d", err, n)
		}
		if ok, err := q.Filter("name", "Cy").Exists(ctx); err != nil || ok {
			t.Fatalf("exists: %v %v", err, ok)
		}
		got, err := Q[Author](db).Filter("name__startswith", "B").Any().InBulk(ctx, []any{bob.ID, int64(99999)})
		if err != nil || len(got) != 1 || got[bob.ID].(*Author).Name != "Bob" {
			t.Fatalf("in bulk: %v %+v", err, got)
		}
		if _, err := q.Filter("nope", 1).All(ctx); err == nil {
			t.Error("unknown field accepted")
		}
		var zero AnyQuerySet
		if _, err := zero.Filter("x", 1).All(ctx); err == nil || zero.Err() == nil {
			t.Error("zero AnyQuerySet ran")
		}
	})
}

// TestSetKeys: SetKeys (typed and untyped) makes exactly the given keys related,
// on an automatic join table and a through model, refuses unknown keys without
// changing anything, and ignores repeats.
func TestSetKeys(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		a := mkArticle(t, db, mkAuthor(t, db, "Ann"), "keys", 1)
		var tags []*Tag
		for _, n := range []string{"go", "sql", "web"} {
			tag := &Tag{Name: n}
			if err := db.Create(ctx, tag); err != nil {
				t.Fatal(err)
			}
			tags = append(tags, tag)
		}
		rel := Related[Tag](db, a, "tags")
		if err := rel.SetKeys(ctx, tags[0].ID, tags[1].ID, tags[0].ID); err != nil {
			t.Fatal(err)
		}
		keys, err := rel.Keys(ctx)
		if err != nil || len(keys) != 2 || sortedInts(keys)[0] != tags[0].ID || sortedInts(keys)[1] != tags[1].ID {
			t.Fatalf("keys %v %v", err, keys)
		}
		// an unknown key: an error wrapping ErrNotFound, and the relation unchanged
		err = SetM2MKeys(ctx, db, a, "tags", tags[2].ID, int64(123456))
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown key: %v", err)
		}
		keys, _ = M2MKeys(ctx, db, a, "tags")
		if got := sortedInts(keys); len(got) != 2 || got[1] != tags[1].ID {
			t.Fatalf("changed after a refused set: %v", got)
		}
		if err := SetM2MKeys(ctx, db, a, "tags", int(tags[2].ID)); err != nil {
			t.Fatal(err)
		}
		if got, _ := rel.All(ctx); len(got) != 1 || got[0].Name != "web" {
			t.Fatalf("after untyped set: %+v", got)
		}
		if err := SetM2MKeys(ctx, db, a, "tags"); err != nil {
			t.Fatal(err)
		}
		if n, _ := rel.Count(ctx); n != 0 {
			t.Fatalf("%d left after setting none", n)
		}
		// from the other side, and on a through model
		if err := Related[Article](db, tags[1], "articles").SetKeys(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if keys, _ := rel.Keys(ctx); len(keys) != 1 || normKey(keys[0]) != tags[1].ID {
			t.Fatalf("reverse set: %v", keys)
		}
		g := &Group{Name: "g"}
		if err := db.Create(ctx, g); err != nil {
			t.Fatal(err)
		}
		bob, cy := mkAuthor(t, db, "Bob"), mkAuthor(t, db, "Cy")
		if err := SetM2MKeys(ctx, db, g, "members", bob.ID, cy.ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := Q[Membership](db).Filter("group", g.ID).Count(ctx); n != 2 {
			t.Fatalf("%d memberships", n)
		}
		// misuse
		if err := SetM2MKeys(ctx, db, a, "title", 1); err == nil {
			t.Error("SetM2MKeys on a non-M2M field")
		}
		if _, err := M2MKeys(ctx, db, a, "nope"); err == nil {
			t.Error("M2MKeys on an unknown field")
		}
		if err := Related[Article](db, mkAuthor(t, db, "Dee"), "articles").SetKeys(ctx, a.ID); err == nil {
			t.Error("SetKeys on a reverse FK")
		}
	})
}
