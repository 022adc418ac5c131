package orm

import (
	"context"
	"testing"
)

// TestM2MThroughManager: Add, AddThrough, Remove, Set and Clear work on an M2M with
// an explicit through model (they used to refuse), creating and deleting through
// rows like Django's add(..., through_defaults=...).
func TestM2MThroughManager(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ada, bob, cy := mkAuthor(t, db, "Ada"), mkAuthor(t, db, "Bob"), mkAuthor(t, db, "Cy")
		g := &Group{Name: "g"}
		if err := db.Create(ctx, g); err != nil {
			t.Fatal(err)
		}
		members := Related[Author](db, g, "members")
		if err := members.AddThrough(ctx, map[string]any{"role": "chair"}, ada); err != nil {
			t.Fatal(err)
		}
		if err := members.Add(ctx, bob, ada); err != nil { // ada is already there
			t.Fatal(err)
		}
		ms, err := Q[Membership](db).OrderBy("id").All(ctx)
		if err != nil || len(ms) != 2 || ms[0].Author.ID() != ada.ID || ms[0].Role != "chair" || ms[1].Author.ID() != bob.ID || ms[1].Role != "" {
			t.Fatalf("memberships: %v %+v", err, ms)
		}
		// from the other side (the reverse relation)
		if err := Related[Group](db, cy, "groups").AddThrough(ctx, map[string]any{"role": "guest"}, g); err != nil {
			t.Fatal(err)
		}
		if n, _ := members.Count(ctx); n != 3 {
			t.Fatalf("count %d", n)
		}
		// hostile values: the relation's own fields, unknown fields, wrong types
		for i, vals := range []map[string]any{{"group": g.ID}, {"author": 1}, {"nope": 1}, {"role": 5}} {
			if err := Related[Author](db, g, "members").AddThrough(ctx, vals, mkAuthor(t, db, "x"+string(rune('a'+i)))); err == nil {
				t.Errorf("AddThrough(%v) succeeded", vals)
			}
		}
		if err := members.Remove(ctx, bob); err != nil {
			t.Fatal(err)
		}
		if err := members.Set(ctx, ada); err != nil {
			t.Fatal(err)
		}
		got, err := members.All(ctx)
		if err != nil || len(got) != 1 || got[0].ID != ada.ID {
			t.Fatalf("after Set: %v %v", err, got)
		}
		if err := members.Clear(ctx); err != nil {
			t.Fatal(err)
		}
		if n, _ := Q[Membership](db).Count(ctx); n != 0 {
			t.Fatalf("%d memberships after Clear", n)
		}
		// an automatic join table takes no values
		a := mkArticle(t, db, ada, "thr", 1)
		tag := &Tag{Name: "t"}
		db.Create(ctx, tag)
		if err := Related[Tag](db, a, "tags").AddThrough(ctx, map[string]any{"x": 1}, tag); err == nil {
			t.Error("AddThrough with values on an automatic join table succeeded")
		}
	})
}
