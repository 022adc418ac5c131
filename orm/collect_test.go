package orm

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// CollectDelete lists what a delete would remove, and what would refuse it,
// without changing anything; LoadPKs reads the listed rows.
func TestCollectDelete(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ada := mkAuthor(t, db, "Ada")
		var arts []any
		for i := 0; i < 3; i++ {
			art := mkArticle(t, db, ada, fmt.Sprintf("c%d", i), int64(i))
			arts = append(arts, art.ID)
			c := &Comment{Article: To(art), Text: "c"}
			if err := db.Create(ctx, c); err != nil {
				t.Fatal(err)
			}
			if err := db.Create(ctx, &Like{Comment: To(c), Who: "x"}); err != nil {
				t.Fatal(err)
			}
		}
		ai, _ := InfoOf[Author]()
		plan, err := CollectDelete(ctx, db, ai, []any{ada.ID})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		var order []string
		for _, g := range plan.Deletes {
			got[g.Model.Name] = len(g.PKs)
			order = append(order, g.Model.Name)
		}
		if want := map[string]int{"Author": 1, "Article": 3, "Comment": 3, "Like": 3}; !reflect.DeepEqual(got, want) {
			t.Fatalf("plan %v, want %v", got, want)
		}
		if order[0] != "Author" || plan.Count() != 10 || len(plan.Protected) != 0 {
			t.Fatalf("order %v count %d protected %v", order, plan.Count(), plan.Protected)
		}
		if n, _ := Q[Like](db).Count(ctx); n != 3 {
			t.Fatalf("collecting deleted rows: %d likes left", n)
		}
		artInfo, _ := InfoOf[Article]()
		objs, err := LoadPKs(ctx, db, artInfo, arts, 2)
		if err != nil || len(objs) != 2 {
			t.Fatalf("LoadPKs: %v %v", objs, err)
		}
		if a, ok := objs[0].(*Article); !ok || a.ID != arts[0].(int64) || a.Slug != "c0" || a.Author.ID() != ada.ID {
			t.Fatalf("LoadPKs row %#v", objs[0])
		}
		if all, err := LoadPKs(ctx, db, artInfo, arts, 0); err != nil || len(all) != 3 {
			t.Fatalf("LoadPKs without limit: %d %v", len(all), err)
		}

		// protect: planned, not raised
		p := &Publisher{Name: "p"}
		db.Create(ctx, p)
		db.Create(ctx, &Book{Publisher: To(p), Title: "b"})
		pi, _ := InfoOf[Publisher]()
		plan, err = CollectDelete(ctx, db, pi, []any{p.ID})
		if err != nil || len(plan.Protected) != 1 || plan.Protected[0].Model != "Book" || !errors.Is(plan.Protected[0], ErrProtected) {
			t.Fatalf("protected plan %+v %v", plan, err)
		}
	})
}

func TestParsePK(t *testing.T) {
	registerTestModels(t)
	ai, _ := InfoOf[Author]()
	ki, _ := InfoOf[Keyed]()
	if v, err := ParsePK(ai, "42"); err != nil || v != int64(42) {
		t.Fatalf("int key: %v %v", v, err)
	}
	for _, bad := range []string{"", "x", "4.2", "+4", " 4", "007", "-0", "99999999999999999999", "0x10"} {
		if _, err := ParsePK(ai, bad); !errors.Is(err, ErrNotFound) {
			t.Errorf("ParsePK(%q): %v, want ErrNotFound", bad, err)
		}
	}
	if v, err := ParsePK(ki, "abc"); err != nil || v != "abc" {
		t.Fatalf("string key: %v %v", v, err)
	}
	for _, bad := range []string{"", "123456789012345678901", "a\x00b", "\xff"} {
		if _, err := ParsePK(ki, bad); !errors.Is(err, ErrNotFound) {
			t.Errorf("ParsePK(%q): %v, want ErrNotFound", bad, err)
		}
	}
}

func FuzzParsePK(f *testing.F) {
	registerTestModels(f)
	ai, _ := InfoOf[Author]()
	ki, _ := InfoOf[Keyed]()
	for _, s := range []string{"1", "-1", "abc", "", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if v, err := ParsePK(ai, s); err == nil && fmt.Sprint(v) != s {
			t.Fatalf("int key %q parsed as %v", s, v)
		}
		if v, err := ParsePK(ki, s); err == nil && v != s {
			t.Fatalf("string key %q parsed as %v", s, v)
		}
	})
}
