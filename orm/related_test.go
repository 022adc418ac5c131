package orm

import (
	"context"
	"strings"
	"testing"
)

// Reverse FK managers: author.edited.add/remove/set/clear, as Django's
// RelatedManager with bulk=True (one UPDATE, no hooks).
func TestReverseFKManager(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ada, bob := mkAuthor(t, db, "Ada"), mkAuthor(t, db, "Bob")
		a1, a2, a3 := mkArticle(t, db, ada, "one", 1), mkArticle(t, db, ada, "two", 2), mkArticle(t, db, bob, "three", 3)
		edited := func(a *Author) string {
			t.Helper()
			got, err := ValuesListFlat[string](ctx, Related[Article](db, a, "edited").Query().OrderBy("slug"), "slug")
			if err != nil {
				t.Fatal(err)
			}
			return strings.Join(got, ",")
		}
		ed := Related[Article](db, bob, "edited")
		if err := ed.Add(ctx, a1, a2); err != nil {
			t.Fatal(err)
		}
		if a1.Editor.Key() != bob.ID || a2.Editor.Key() != bob.ID {
			t.Fatalf("Add sets the objects' FK too: %v %v", a1.Editor.Key(), a2.Editor.Key())
		}
		if got := edited(bob); got != "one,two" {
			t.Fatalf("after Add: %q", got)
		}
		// Add moves a row from another owner, like Django's add
		if err := Related[Article](db, ada, "edited").Add(ctx, a2); err != nil {
			t.Fatal(err)
		}
		if edited(bob) != "one" || edited(ada) != "two" {
			t.Fatalf("after moving: bob %q ada %q", edited(bob), edited(ada))
		}
		// Remove of a row related to another owner is an error and changes nothing
		if err := ed.Remove(ctx, a2); err == nil || !strings.Contains(err.Error(), "not related") {
			t.Fatalf("Remove of another's row: %v", err)
		}
		if err := ed.Remove(ctx, a1); err != nil {
			t.Fatal(err)
		}
		if a1.Editor.Valid() || edited(bob) != "" {
			t.Fatalf("after Remove: %v %q", a1.Editor.Valid(), edited(bob))
		}
		if err := ed.Set(ctx, a1, a3); err != nil {
			t.Fatal(err)
		}
		if got := edited(bob); got != "one,three" {
			t.Fatalf("after Set: %q", got)
		}
		if err := ed.Set(ctx, a3); err != nil {
			t.Fatal(err)
		}
		if got := edited(bob); got != "three" {
			t.Fatalf("after second Set: %q", got)
		}
		if err := ed.Clear(ctx); err != nil {
			t.Fatal(err)
		}
		if got := edited(bob); got != "" || edited(ada) != "two" {
			t.Fatalf("after Clear: bob %q ada %q", got, edited(ada))
		}
		// a NOT NULL FK: Add works, Remove/Clear/Set refuse
		arts := Related[Article](db, bob, "articles")
		if err := arts.Add(ctx, a1); err != nil {
			t.Fatal(err)
		}
		if n, _ := arts.Count(ctx); n != 2 {
			t.Fatalf("articles after Add: %d", n)
		}
		for name, op := range map[string]func() error{
			"remove": func() error { return arts.Remove(ctx, a1) },
			"clear":  func() error { return arts.Clear(ctx) },
			"set":    func() error { return arts.Set(ctx, a1) },
		} {
			if err := op(); err == nil || !strings.Contains(err.Error(), "Article.author is not nullable") {
				t.Errorf("%s on a NOT NULL reverse FK: %v", name, err)
			}
		}
		unsaved := &Article{}
		if err := ed.Add(ctx, unsaved); err == nil {
			t.Fatal("Add of an unsaved object should fail")
		}
	})
}
