package orm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

var errForbidden = errors.New("forbidden name")

func mkAuthor(t *testing.T, db *DB, name string) *Author {
	t.Helper()
	a := &Author{Name: name, Email: strings.ToLower(name) + "@example.com"}
	if err := db.Create(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

func mkArticle(t *testing.T, db *DB, a *Author, slug string, views int64) *Article {
	t.Helper()
	art := &Article{Title: "Title " + slug, Slug: slug, Body: "body", Views: views, Author: To(a),
		Published: time.Date(2026, 3, int(views%28)+1, 10, 30, 0, 0, time.UTC), Price: MustDecimal("12.50"), Status: "draft", Code: NewUUID()}
	if err := db.Create(context.Background(), art); err != nil {
		t.Fatal(err)
	}
	return art
}

func TestCRUD(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		a := mkAuthor(t, db, "Ada")
		if a.ID == 0 {
			t.Fatal("no id after create")
		}
		bio := "Countess of Lovelace — ∑ 数学"
		a.Bio = &bio
		a.Karma = 7
		if err := db.Save(ctx, a); err != nil {
			t.Fatal(err)
		}
		got, err := Q[Author](db).Get(ctx, "id", a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Ada" || got.Karma != 7 || got.Bio == nil || *got.Bio != bio {
			t.Fatalf("got %+v", got)
		}
		art := mkArticle(t, db, a, "first", 3)
		art.Extra = map[string]any{"k": "v", "n": 1.5}
		art.Blob = []byte{0, 1, 2, 255}
		art.Day = NullOf(time.Date(2026, 5, 17, 0, 0, 0, 0, time.UTC))
		if err := db.Save(ctx, art); err != nil {
			t.Fatal(err)
		}
		g, err := Q[Article](db).Get(ctx, "pk", art.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !g.Published.Equal(art.Published) || g.Author.ID() != a.ID || g.Editor.Valid() {
			t.Fatalf("published %v author %v editor %v", g.Published, g.Author.Key(), g.Editor.Key())
		}
		if g.Price.String() != "12.50" && g.Price.String() != "12.5" {
			t.Fatalf("price %s", g.Price)
		}
		if !g.Price.Equal(MustDecimal("12.5")) || g.Code != art.Code || g.Extra["k"] != "v" || string(g.Blob) != string(art.Blob) {
			t.Fatalf("round trip: %+v", g)
		}
		if !g.Day.Valid || !g.Day.V.Equal(art.Day.V) {
			t.Fatalf("date %v", g.Day)
		}
		if g.Updated.IsZero() {
			t.Fatal("auto_now not set")
		}
		// refresh
		if _, err := Q[Author](db).Filter("id", a.ID).Update(ctx, Set("name", "Ada L.")); err != nil {
			t.Fatal(err)
		}
		if err := db.Refresh(ctx, a); err != nil || a.Name != "Ada L." {
			t.Fatalf("refresh: %v %q", err, a.Name)
		}
		// only listed fields
		a.Name, a.Karma = "ignored", 99
		if err := db.Save(ctx, a, Fields("karma")); err != nil {
			t.Fatal(err)
		}
		db.Refresh(ctx, a)
		if a.Name != "Ada L." || a.Karma != 99 {
			t.Fatalf("Fields: %+v", a)
		}
		// only changed
		a.Name = "Ada King"
		ctxLog, log := WithQueryLog(ctx)
		if err := db.Save(ctxLog, a, OnlyChanged()); err != nil {
			t.Fatal(err)
		}
		last := log.Entries()[len(log.Entries())-1].SQL
		if !strings.Contains(last, "UPDATE") || strings.Contains(last, "karma") {
			t.Fatalf("OnlyChanged wrote %s", last)
		}
		// not found is a 404
		_, err = Q[Author](db).Get(ctx, "id", 999999)
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("want ErrNotFound, got %v", err)
		}
		var hs interface{ HTTPStatus() int }
		if !errors.As(err, &hs) || hs.HTTPStatus() != 404 || !strings.Contains(err.Error(), "Author") {
			t.Fatalf("not a 404 naming the model: %v", err)
		}
		mkAuthor(t, db, "Bob")
		if _, err := Q[Author](db).Get(ctx); !errors.Is(err, ErrMultipleObjects) {
			t.Fatalf("want ErrMultipleObjects, got %v", err)
		}
		// delete
		n, err := db.Delete(ctx, art)
		if err != nil || n != 1 {
			t.Fatalf("delete: %d %v", n, err)
		}
		if ok, _ := Q[Article](db).Filter("pk", art.ID).Exists(ctx); ok {
			t.Fatal("still exists")
		}
		// save of a declared pk: insert then update
		k := &Keyed{Code: "k1", Label: "one"}
		if err := db.Save(ctx, k); err != nil {
			t.Fatal(err)
		}
		k.Label = "uno"
		if err := db.Save(ctx, k); err != nil {
			t.Fatal(err)
		}
		if c, _ := Q[Keyed](db).Count(ctx); c != 1 {
			t.Fatalf("keyed count %d", c)
		}
		if g, _ := Q[Keyed](db).Get(ctx, "pk", "k1"); g == nil || g.Label != "uno" {
			t.Fatalf("keyed %+v", g)
		}
	})
}

func TestLookups(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ada, bob := mkAuthor(t, db, "Ada"), mkAuthor(t, db, "Bob")
		for i := 1; i <= 6; i++ {
			a := ada
			if i%2 == 0 {
				a = bob
			}
			mkArticle(t, db, a, fmt.Sprintf("s%d", i), int64(i*10))
		}
		art := &Article{Title: "Ünïcödé 100% under_score", Slug: "weird", Author: To(ada), Views: 5, Published: time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC), Code: NewUUID()}
		if err := db.Create(ctx, art); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			args []any
			want int64
		}{
			{[]any{"views", 10}, 1},
			{[]any{"views__gt", 30}, 3},
			{[]any{"views__gte", 30, "views__lte", 50}, 3},
			{[]any{"views__in", []int64{10, 20, 999}}, 2},
			{[]any{"views__in", []int{}}, 0},
			{[]any{"views__range", []int{20, 40}}, 3},
			{[]any{"title__contains", "100%"}, 1},
			{[]any{"title__contains", "100_"}, 0},
			{[]any{"title__contains", "under_score"}, 1},
			{[]any{"title__icontains", "ÜNÏ"}, 1},
			{[]any{"title__startswith", "Title"}, 6},
			{[]any{"title__startswith", "title"}, 0},
			{[]any{"title__istartswith", "title"}, 6},
			{[]any{"title__endswith", "s3"}, 1},
			{[]any{"title__iendswith", "S3"}, 1},
			{[]any{"title__exact", "title s1"}, 0},
			{[]any{"title__iexact", "title s1"}, 1},
			{[]any{"title__regex", "^Title s[12]$"}, 2},
			{[]any{"title__iregex", "^title S[12]$"}, 2},
			{[]any{"editor__isnull", true}, 7},
			{[]any{"editor", nil}, 7},
			{[]any{"published__year", 2026}, 6},
			{[]any{"published__year__lt", 2026}, 1},
			{[]any{"published__month", 12}, 1},
			{[]any{"published__day", 11}, 1},
			{[]any{"published__date", time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)}, 1},
			{[]any{"author__name", "Ada"}, 4},
			{[]any{"author__name__startswith", "B"}, 3},
			{[]any{"author", ada.ID}, 4},
			{[]any{"author", ada}, 4},
			{[]any{"author__id", bob.ID}, 3},
			{[]any{Or(Where("views", 10), Where("views", 20))}, 2},
			{[]any{Not(Where("author__name", "Ada"))}, 3},
			{[]any{And(Where("views__gt", 10), Not(Where("views", 30)))}, 4},
			{[]any{"views__gt", F("rating")}, 7},
			{[]any{"views", F("views")}, 7},
		}
		for _, c := range cases {
			n, err := Q[Article](db).Filter(c.args...).Count(ctx)
			if err != nil {
				t.Errorf("%v: %v", c.args, err)
				continue
			}
			if n != c.want {
				t.Errorf("%v: got %d, want %d", c.args, n, c.want)
			}
		}
		// exclude, reverse relations
		if n, _ := Q[Article](db).Exclude("author__name", "Ada").Count(ctx); n != 3 {
			t.Errorf("exclude: %d", n)
		}
		authors, err := Q[Author](db).Filter("articles__views__gte", 50).Distinct().OrderBy("name").All(ctx)
		if err != nil || len(authors) != 2 {
			t.Fatalf("reverse lookup: %v %d", err, len(authors))
		}
		// ordering, limit, offset, first, last
		arts, err := Q[Article](db).OrderBy("-views").Limit(2).Offset(1).All(ctx)
		if err != nil || len(arts) != 2 || arts[0].Views != 50 || arts[1].Views != 40 {
			t.Fatalf("order/limit: %v %+v", err, arts)
		}
		arts, err = Q[Article](db).OrderBy("author__name", "-views").All(ctx)
		if err != nil || arts[0].Views != 50 || arts[len(arts)-1].Views != 20 {
			t.Fatalf("order across relation: %v", err)
		}
		f, err := Q[Article](db).OrderBy("views").First(ctx)
		if err != nil || f.Views != 5 {
			t.Fatalf("first: %v %v", err, f)
		}
		l, err := Q[Article](db).OrderBy("views").Last(ctx)
		if err != nil || l.Views != 60 {
			t.Fatalf("last: %v %v", err, l)
		}
		if _, err := Q[Article](db).Filter("views", -1).First(ctx); !errors.Is(err, ErrNotFound) {
			t.Fatalf("first on empty: %v", err)
		}
		// iter
		count := 0
		for a, err := range Q[Article](db).Filter("author", bob).Iter(ctx) {
			if err != nil {
				t.Fatal(err)
			}
			if a.Author.ID() != bob.ID {
				t.Fatal("iter wrong row")
			}
			count++
		}
		if count != 3 {
			t.Fatalf("iter count %d", count)
		}
		// immutability
		base := Q[Article](db).Filter("author", ada)
		_ = base.Filter("views", 10)
		if n, _ := base.Count(ctx); n != 4 {
			t.Fatalf("queryset mutated: %d", n)
		}
		// in bulk
		m, err := Q[Author](db).InBulk(ctx, []any{ada.ID, bob.ID})
		if err != nil || len(m) != 2 || m[ada.ID].Name != "Ada" {
			t.Fatalf("inbulk: %v %v", err, m)
		}
	})
}

func TestValuesAggregates(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ada, bob := mkAuthor(t, db, "Ada"), mkAuthor(t, db, "Bob")
		for i := 1; i <= 5; i++ {
			a := ada
			if i > 3 {
				a = bob
			}
			mkArticle(t, db, a, fmt.Sprintf("v%d", i), int64(i))
		}
		agg, err := Q[Article](db).Aggregate(ctx, Count("id"), Sum("views").As("total"), Avg("views"), Min("views"), Max("views"), Max("price"))
		if err != nil {
			t.Fatal(err)
		}
		if agg["id__count"] != int64(5) || agg["total"] != int64(15) || agg["views__min"] != int64(1) || agg["views__max"] != int64(5) {
			t.Fatalf("aggregate: %#v", agg)
		}
		if avg, ok := agg["views__avg"].(float64); !ok || avg != 3 {
			t.Fatalf("avg: %#v", agg["views__avg"])
		}
		if d, ok := agg["price__max"].(Decimal); !ok || !d.Equal(MustDecimal("12.5")) {
			t.Fatalf("max decimal: %#v", agg["price__max"])
		}
		rows, err := Q[Article](db).Annotate(Count("id").As("n"), Sum("views").As("v")).OrderBy("author__name").Values(ctx, "author__name")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0]["author__name"] != "Ada" || rows[0]["n"] != int64(3) || rows[1]["v"] != int64(9) {
			t.Fatalf("annotate: %#v", rows)
		}
		having, err := Q[Article](db).Annotate(Count("id").As("n")).Filter("n__gt", 2).Values(ctx, "author")
		if err != nil || len(having) != 1 || having[0]["author"] != ada.ID {
			t.Fatalf("having: %v %#v", err, having)
		}
		vl, err := Q[Article](db).OrderBy("views").ValuesList(ctx, "slug", "views", "published")
		if err != nil || len(vl) != 5 || vl[0][0] != "v1" || vl[0][1] != int64(1) {
			t.Fatalf("values list: %v %#v", err, vl)
		}
		if _, ok := vl[0][2].(time.Time); !ok {
			t.Fatalf("values time type %T", vl[0][2])
		}
		// update with F
		n, err := Q[Article](db).Filter("author", bob).Update(ctx, Set("views", F("views").Add(10).Mul(2)))
		if err != nil || n != 2 {
			t.Fatalf("update: %d %v", n, err)
		}
		if s, _ := Q[Article](db).Filter("author", bob).Aggregate(ctx, Sum("views")); s["views__sum"] != int64(58) {
			t.Fatalf("after update: %#v", s)
		}
		// update across a relation filter
		n, err = Q[Article](db).Filter("author__name", "Ada").Update(ctx, Set("status", "published"))
		if err != nil || n != 3 {
			t.Fatalf("update with join: %d %v", n, err)
		}
	})
}

func TestRelations(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ada, bob := mkAuthor(t, db, "Ada"), mkAuthor(t, db, "Bob")
		a1 := mkArticle(t, db, ada, "r1", 1)
		a2 := mkArticle(t, db, bob, "r2", 2)
		a2.Editor = To(ada)
		if err := db.Save(ctx, a2); err != nil {
			t.Fatal(err)
		}
		// select related
		ctxLog, log := WithQueryLog(ctx)
		arts, err := Q[Article](db).SelectRelated("author", "editor").OrderBy("slug").All(ctxLog)
		if err != nil {
			t.Fatal(err)
		}
		if log.Len() != 1 || arts[0].Author.Obj() == nil || arts[0].Author.Obj().Name != "Ada" || arts[0].Editor.Obj() != nil || arts[1].Editor.Obj().Name != "Ada" {
			t.Fatalf("select related: %d queries, %+v", log.Len(), arts)
		}
		// three-level select related
		c := &Comment{Article: To(a1), Text: "nice"}
		if err := db.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
		lk := &Like{Comment: To(c), Who: "me"}
		if err := db.Create(ctx, lk); err != nil {
			t.Fatal(err)
		}
		likes, err := Q[Like](db).SelectRelated("comment__article__author").All(ctx)
		if err != nil || len(likes) != 1 || likes[0].Comment.Obj().Article.Obj().Author.Obj().Name != "Ada" {
			t.Fatalf("deep select related: %v", err)
		}
		// load
		var fk FK[Author] = a1.Author
		fk.SetID(bob.ID)
		got, err := fk.Load(ctx, db)
		if err != nil || got.Name != "Bob" {
			t.Fatalf("load: %v", err)
		}
		// m2m
		tags := []*Tag{{Name: "go"}, {Name: "db"}, {Name: "web"}}
		for _, tg := range tags {
			if err := db.Create(ctx, tg); err != nil {
				t.Fatal(err)
			}
		}
		rel := Related[Tag](db, a1, "tags")
		if err := rel.Add(ctx, tags[0], tags[1]); err != nil {
			t.Fatal(err)
		}
		if err := rel.Add(ctx, tags[0]); err != nil {
			t.Fatal(err)
		}
		if n, _ := rel.Count(ctx); n != 2 {
			t.Fatalf("m2m count %d", n)
		}
		if err := Related[Tag](db, a2, "tags").Set(ctx, tags[1], tags[2]); err != nil {
			t.Fatal(err)
		}
		if err := rel.Remove(ctx, tags[1]); err != nil {
			t.Fatal(err)
		}
		goArts, err := Related[Article](db, tags[1], "articles").All(ctx)
		if err != nil || len(goArts) != 1 || goArts[0].ID != a2.ID {
			t.Fatalf("reverse m2m: %v %v", err, goArts)
		}
		if n, _ := Q[Article](db).Filter("tags__name", "web").Count(ctx); n != 1 {
			t.Fatalf("m2m lookup %d", n)
		}
		if n, _ := Q[Tag](db).Filter("articles__slug", "r2").Count(ctx); n != 2 {
			t.Fatalf("reverse m2m lookup %d", n)
		}
		// prefetch
		ctxLog, log = WithQueryLog(ctx)
		arts, err = Q[Article](db).PrefetchRelated("tags", "author").OrderBy("slug").All(ctxLog)
		if err != nil {
			t.Fatal(err)
		}
		if log.Len() != 4 { // articles, join rows, tags, authors
			t.Fatalf("prefetch queries %d", log.Len())
		}
		if !arts[0].Tags.Loaded() || len(arts[0].Tags.Items()) != 1 || arts[0].Tags.Items()[0].Name != "go" || len(arts[1].Tags.Items()) != 2 || arts[1].Author.Obj().Name != "Bob" {
			t.Fatalf("prefetch: %+v", arts)
		}
		// reverse FK manager
		adas, err := Related[Article](db, ada, "articles").All(ctx)
		if err != nil || len(adas) != 1 {
			t.Fatalf("reverse fk: %v", err)
		}
		// Remove needs a nullable FK (Article.author is not): Django has no remove() there
		if err := Related[Article](db, ada, "articles").Remove(ctx, &adas[0]); err == nil || !strings.Contains(err.Error(), "not nullable") {
			t.Fatalf("Remove on a NOT NULL reverse FK: %v", err)
		}
		// through model
		g := &Group{Name: "g"}
		db.Create(ctx, g)
		if err := db.Create(ctx, &Membership{Group: To(g), Author: To(ada), Role: "chair"}); err != nil {
			t.Fatal(err)
		}
		ms, err := Related[Author](db, g, "members").All(ctx)
		if err != nil || len(ms) != 1 || ms[0].Name != "Ada" {
			t.Fatalf("through: %v %v", err, ms)
		}
		if n, _ := Q[Group](db).Filter("members__name", "Ada").Count(ctx); n != 1 {
			t.Fatalf("through lookup %d", n)
		}
		if err := db.Create(ctx, &Membership{Group: To(g), Author: To(ada), Role: "again"}); !IsUniqueViolation(err) {
			t.Fatalf("unique together: %v", err)
		}
		gs, err := Q[Group](db).PrefetchRelated("members").All(ctx)
		if err != nil || len(gs[0].Members.Items()) != 1 {
			t.Fatalf("prefetch through: %v", err)
		}
	})
}

func TestOnDelete(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		defer func(n int) { chunkLimit = n }(chunkLimit)
		chunkLimit = 3 // exercise chunked IN lists
		ada, bob := mkAuthor(t, db, "Ada"), mkAuthor(t, db, "Bob")
		var comments int
		for i := 0; i < 4; i++ {
			art := mkArticle(t, db, ada, fmt.Sprintf("d%d", i), int64(i))
			for j := 0; j < 2; j++ {
				c := &Comment{Article: To(art), Text: "c"}
				db.Create(ctx, c)
				comments++
				db.Create(ctx, &Like{Comment: To(c), Who: "x"})
			}
		}
		edited := mkArticle(t, db, bob, "edited", 9)
		edited.Editor = To(ada)
		db.Save(ctx, edited)
		tg := &Tag{Name: "t"}
		db.Create(ctx, tg)
		Related[Tag](db, edited, "tags").Add(ctx, tg)
		Related[Author](db, &Group{}, "members") // unsaved owner: error kept, no panic
		n, err := db.Delete(ctx, ada)
		if err != nil {
			t.Fatal(err)
		}
		// ada + 4 articles + 8 comments + 8 likes
		if n != 21 {
			t.Fatalf("cascade deleted %d", n)
		}
		for name, q := range map[string]func(context.Context) (int64, error){
			"articles": Q[Article](db).Count, "comments": Q[Comment](db).Count, "likes": Q[Like](db).Count,
		} {
			c, _ := q(ctx)
			want := int64(0)
			if name == "articles" {
				want = 1
			}
			if c != want {
				t.Errorf("%s left: %d", name, c)
			}
		}
		db.Refresh(ctx, edited)
		if edited.Editor.Valid() {
			t.Fatal("set_null not applied")
		}
		// deleting a tag clears the join rows
		if _, err := db.Delete(ctx, tg); err != nil {
			t.Fatal(err)
		}
		if c, _ := Related[Tag](db, edited, "tags").Count(ctx); c != 0 {
			t.Fatal("join rows left")
		}
		// protect
		p := &Publisher{Name: "p"}
		db.Create(ctx, p)
		db.Create(ctx, &Book{Publisher: To(p), Title: "b"})
		_, err = db.Delete(ctx, p)
		var pe *ProtectedError
		if !errors.Is(err, ErrProtected) || !errors.As(err, &pe) || pe.Model != "Book" {
			t.Fatalf("protect: %v", err)
		}
		if c, _ := Q[Publisher](db).Count(ctx); c != 1 {
			t.Fatal("protected row deleted")
		}
		// set_default
		def := &Publisher{Model: Model{ID: 999999}, Name: "default"}
		if err := db.Create(ctx, def); err != nil {
			t.Fatal(err)
		}
		p2 := &Publisher{Name: "p2"}
		db.Create(ctx, p2)
		pl := &Placement{Pub: To(p2), Note: "n"}
		db.Create(ctx, pl)
		if _, err := db.Delete(ctx, p2); err != nil {
			t.Fatal(err)
		}
		db.Refresh(ctx, pl)
		if pl.Pub.ID() != 999999 {
			t.Fatalf("set_default: %v", pl.Pub.Key())
		}
		// queryset delete cascades too
		art := mkArticle(t, db, bob, "qd", 1)
		db.Create(ctx, &Comment{Article: To(art), Text: "x"})
		n, err = Q[Article](db).Filter("author__name", "Bob").Delete(ctx)
		if err != nil || n != 3 {
			t.Fatalf("queryset delete: %d %v", n, err)
		}
	})
}

func TestTransactions(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		var committed []string
		err := db.Atomic(ctx, func(ctx context.Context, tx *DB) error {
			mkAuthor(t, tx, "Outer")
			tx.OnCommit(ctx, func(context.Context) { committed = append(committed, "outer") })
			inner := tx.Atomic(ctx, func(ctx context.Context, tx *DB) error {
				mkAuthor(t, tx, "Inner")
				tx.OnCommit(ctx, func(context.Context) { committed = append(committed, "inner") })
				return errors.New("roll back inner")
			})
			if inner == nil {
				t.Error("inner error lost")
			}
			// the outer DB with the tx ctx sees the transaction
			if n, _ := Q[Author](db).Count(ctx); n != 1 {
				t.Errorf("inside: %d authors", n)
			}
			return tx.Atomic(ctx, func(ctx context.Context, tx *DB) error {
				mkAuthor(t, tx, "Inner2")
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		names, _ := Q[Author](db).OrderBy("name").ValuesList(ctx, "name")
		if len(names) != 2 || names[0][0] != "Inner2" || names[1][0] != "Outer" {
			t.Fatalf("after savepoints: %v", names)
		}
		if len(committed) != 1 || committed[0] != "outer" {
			t.Fatalf("on commit: %v", committed)
		}
		// rollback of the whole
		err = db.Atomic(ctx, func(ctx context.Context, tx *DB) error {
			mkAuthor(t, tx, "Gone")
			tx.OnCommit(ctx, func(context.Context) { t.Error("on commit after rollback") })
			return errors.New("no")
		})
		if err == nil || err.Error() != "no" {
			t.Fatalf("rollback error: %v", err)
		}
		if n, _ := Q[Author](db).Filter("name", "Gone").Count(ctx); n != 0 {
			t.Fatal("rolled back row present")
		}
		// panics roll back
		func() {
			defer func() { recover() }()
			db.Atomic(ctx, func(ctx context.Context, tx *DB) error {
				mkAuthor(t, tx, "Panic")
				panic("boom")
			})
		}()
		if n, _ := Q[Author](db).Filter("name", "Panic").Count(ctx); n != 0 {
			t.Fatal("panicked row present")
		}
	})
}

func TestConcurrentSelectForUpdate(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		c := &Counter{Name: "hits"}
		if err := db.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
		const workers, each = 4, 10
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					errs <- db.Atomic(ctx, func(ctx context.Context, tx *DB) error {
						cur, err := Q[Counter](tx).SelectForUpdate().Get(ctx, "name", "hits")
						if err != nil {
							return err
						}
						cur.N++
						return tx.Save(ctx, cur, Fields("n"))
					})
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		db.Refresh(ctx, c)
		if c.N != workers*each {
			t.Fatalf("lost updates: %d, want %d", c.N, workers*each)
		}
	})
}

func TestBulk(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		defer func(n int) { chunkLimit = n }(chunkLimit)
		chunkLimit = 50
		var as []Author
		for i := 0; i < 30; i++ {
			as = append(as, Author{Name: fmt.Sprintf("a%02d", i), Email: fmt.Sprintf("a%d@x", i)})
		}
		if err := BulkCreate(ctx, db, as); err != nil {
			t.Fatal(err)
		}
		for i := range as {
			if as[i].ID == 0 || (i > 0 && as[i].ID <= as[i-1].ID) {
				t.Fatalf("ids not set: %v", as[i].ID)
			}
		}
		got, _ := Q[Author](db).Get(ctx, "pk", as[17].ID)
		if got == nil || got.Name != "a17" {
			t.Fatalf("bulk id mapping wrong: %+v", got)
		}
		for i := range as {
			as[i].Karma = int64(i)
		}
		n, err := BulkUpdate(ctx, db, as, "karma")
		if err != nil || n != 30 {
			t.Fatalf("bulk update: %d %v", n, err)
		}
		s, _ := Q[Author](db).Aggregate(ctx, Sum("karma"))
		if s["karma__sum"] != int64(435) {
			t.Fatalf("sum %v", s)
		}
		o, created, err := Q[Author](db).GetOrCreate(ctx, map[string]any{"email": "new@x"}, map[string]any{"name": "New"})
		if err != nil || !created || o.Name != "New" {
			t.Fatalf("get or create: %v %v", err, created)
		}
		o, created, err = Q[Author](db).GetOrCreate(ctx, map[string]any{"email": "new@x"}, map[string]any{"name": "Other"})
		if err != nil || created || o.Name != "New" {
			t.Fatalf("get or create again: %v %v", err, created)
		}
		o, created, err = Q[Author](db).UpdateOrCreate(ctx, map[string]any{"email": "new@x"}, map[string]any{"name": "Renamed", "karma": 5})
		if err != nil || created || o.Name != "Renamed" || o.Karma != 5 {
			t.Fatalf("update or create: %v %v %+v", err, created, o)
		}
		if _, _, err := Q[Author](db).GetOrCreate(ctx, map[string]any{"email": "z@x"}, map[string]any{"karma": "lots"}); err == nil {
			t.Fatal("wrong type in defaults accepted")
		}
		raw, err := Raw[Author](ctx, db, "SELECT id, name FROM ormtest_author WHERE name = ? OR name = ?", "a01", "a02")
		if err != nil || len(raw) != 2 {
			t.Fatalf("raw: %v %d", err, len(raw))
		}
	})
}

func TestHooksAndSignals(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		var events []string
		d1 := PostSave.Connect(func(ctx context.Context, ev *SignalEvent) error {
			events = append(events, fmt.Sprintf("save %s %v", ev.Model.Name, ev.Created))
			return nil
		}, Hooked{})
		defer d1()
		d2 := PreDelete.Connect(func(ctx context.Context, ev *SignalEvent) error {
			events = append(events, "delete "+ev.Model.Name)
			return nil
		}, &Hooked{})
		defer d2()
		h := &Hooked{Name: "x"}
		if err := db.Create(ctx, h); err != nil {
			t.Fatal(err)
		}
		db.Save(ctx, h)
		if h.saves != 2 {
			t.Fatalf("hooks ran %d times", h.saves)
		}
		if err := db.Save(ctx, &Hooked{Name: "forbidden"}); !errors.Is(err, errForbidden) {
			t.Fatalf("before save error: %v", err)
		}
		db.Delete(ctx, h)
		if strings.Join(events, ";") != "save Hooked true;save Hooked false;delete Hooked" {
			t.Fatalf("events %v", events)
		}
	})
}
