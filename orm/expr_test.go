package orm

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// Expression features beyond the Django comparison (expr_django_test.go): loading
// fewer fields, join types, locks, and the errors that name what is wrong.

func TestOnlyDefer(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ada := mkAuthor(t, db, "Ada")
		mkArticle(t, db, ada, "one", 7)
		got, err := Q[Article](db).Only("slug", "views").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID == 0 || got[0].Slug != "one" || got[0].Views != 7 || got[0].Title != "" || got[0].Author.Valid() {
			t.Fatalf("Only: %+v", got)
		}
		sql, _, err := Q[Article](db).Only("slug").SQL()
		if err != nil || strings.Contains(sql, "title") || !strings.Contains(sql, "slug") {
			t.Fatalf("Only SQL: %s %v", sql, err)
		}
		got, err = Q[Article](db).Defer("body", "title").SelectRelated("author").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got[0].Title != "" || got[0].Body != "" || got[0].Slug != "one" || got[0].Author.Obj() == nil || got[0].Author.Obj().Name != "Ada" {
			t.Fatalf("Defer: %+v", got[0])
		}
		if _, err := Q[Article](db).Only("nope").All(ctx); err == nil || !strings.Contains(err.Error(), "nope") {
			t.Fatalf("unknown field in Only: %v", err)
		}
		if _, err := Q[Article](db).Only("tags").All(ctx); err == nil {
			t.Fatal("Only of an M2M should fail")
		}
	})
}

func TestSelectRelatedInnerJoin(t *testing.T) {
	registerTestModels(t)
	db := New(nil, PostgreSQL)
	sql, _, err := Q[Comment](db).SelectRelated("article__author", "article__editor").SQL()
	if err != nil {
		t.Fatal(err)
	}
	// article and its author are NOT NULL: INNER JOIN; the editor is nullable: LEFT JOIN
	for _, want := range []string{
		`INNER JOIN "ormtest_article" "T1"`,
		`INNER JOIN "ormtest_author" "T2"`,
		`LEFT JOIN "ormtest_author" "T3"`,
	} {
		if !strings.Contains(sql, want) {
			t.Errorf("missing %s in %s", want, sql)
		}
	}
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ada := mkAuthor(t, db, "Ada")
		a := mkArticle(t, db, ada, "one", 1)
		if err := db.Create(ctx, &Comment{Article: To(a), Text: "hi"}); err != nil {
			t.Fatal(err)
		}
		cs, err := Q[Comment](db).SelectRelated("article__author", "article__editor").All(ctx)
		if err != nil || len(cs) != 1 || cs[0].Article.Obj().Author.Obj().Name != "Ada" || cs[0].Article.Obj().Editor.Obj() != nil {
			t.Fatalf("%v %+v", err, cs)
		}
		if got, ok := cs[0].Article.AnyObj().(*Article); !ok || got != cs[0].Article.Obj() || cs[0].Article.Obj().Editor.AnyObj() != nil {
			t.Fatalf("AnyObj: %v, and %v for a NULL editor", got, cs[0].Article.Obj().Editor.AnyObj())
		}
	})
}

// Get by key with SelectRelated runs a statement compiled once per set of paths:
// the same answers as the query built each time, for every key, present or not.
func TestGetByKeySelectRelated(t *testing.T) {
	registerTestModels(t)
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ada, bob := mkAuthor(t, db, "Ada"), mkAuthor(t, db, "Bob")
		a1, a2 := mkArticle(t, db, ada, "one", 1), mkArticle(t, db, bob, "two", 2)
		c1 := &Comment{Article: To(a1), Text: "first"}
		c2 := &Comment{Article: To(a2), Text: "second"}
		for _, c := range []*Comment{c1, c2} {
			if err := db.Create(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		for round := 0; round < 2; round++ { // the second round runs the kept plans
			for _, c := range []struct {
				id     int64
				text   string
				author string
			}{{c1.ID, "first", "Ada"}, {c2.ID, "second", "Bob"}} {
				got, err := Q[Comment](db).SelectRelated("article__author", "article__editor").Get(ctx, "pk", c.id)
				if err != nil {
					t.Fatal(err)
				}
				if got.ID != c.id || got.Text != c.text || got.Article.Obj().Author.Obj().Name != c.author || got.Article.Obj().Editor.Obj() != nil {
					t.Fatalf("round %d: %+v", round, got)
				}
				one, err := Q[Article](db).SelectRelated("author").Get(ctx, "id", got.Article.Obj().ID)
				if err != nil || one.Author.Obj().Name != c.author {
					t.Fatalf("round %d: %+v %v", round, one, err)
				}
				// times come back in UTC whichever way the driver scans them
				for _, tm := range []time.Time{one.Published, got.Article.Obj().Published} {
					if tm.Location() != time.UTC || tm.Hour() != 10 || tm.Minute() != 30 {
						t.Fatalf("round %d: published %v (%v)", round, tm, tm.Location())
					}
				}
			}
			if _, err := Q[Comment](db).SelectRelated("article").Get(ctx, "id", int64(999999)); !errors.Is(err, ErrNotFound) {
				t.Fatalf("missing key: %v", err)
			}
			if _, err := Q[Comment](db).SelectRelated("article").Get(ctx, "id", "x"); err == nil {
				t.Fatal("a key of the wrong type should fail")
			}
			if _, err := Q[Comment](db).SelectRelated("nope").Get(ctx, "id", c1.ID); err == nil || !strings.Contains(err.Error(), "nope") {
				t.Fatalf("unknown path: %v", err)
			}
		}
	})
}

func TestSelectForUpdateOf(t *testing.T) {
	registerTestModels(t)
	sql, _, err := Q[Article](New(nil, PostgreSQL)).SelectRelated("author").SelectForUpdate(Of("self", "author"), NoWait()).SQL()
	if err != nil || !strings.HasSuffix(sql, ` FOR UPDATE OF "ormtest_article", "T1" NOWAIT`) {
		t.Fatalf("%s %v", sql, err)
	}
	if _, _, err := Q[Article](New(nil, PostgreSQL)).SelectForUpdate(Of("author")).SQL(); err == nil {
		t.Fatal("Of a relation without SelectRelated should fail")
	}
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ada := mkAuthor(t, db, "Ada")
		mkArticle(t, db, ada, "one", 1)
		err := db.Atomic(ctx, func(ctx context.Context, tx *DB) error {
			got, err := Q[Article](tx).SelectRelated("author").SelectForUpdate(Of("self")).All(ctx)
			if err == nil && len(got) != 1 {
				t.Errorf("locked %d rows", len(got))
			}
			return err
		})
		if db.Dialect().Name() == "mysql" && db.root.mariadb {
			if err == nil || !strings.Contains(err.Error(), "MariaDB does not support SELECT ... FOR UPDATE OF") {
				t.Fatalf("MariaDB: %v", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestExpressionErrors(t *testing.T) {
	registerTestModels(t)
	db := New(nil, SQLite)
	ctx := context.Background()
	rank := Window{Expr: Rank(), OrderBy: []Expr{F("views").Desc()}}.As("r")
	cases := []struct {
		name string
		q    QuerySet[Article]
		want string
	}{
		{"window filtered", Q[Article](db).Annotate(rank).Filter("r", 1), "window annotation cannot be filtered"},
		{"name clash", Q[Article](db).Annotate(Lower(F("title")).As("title")), "the annotation's name is a field"},
		{"twice", Q[Article](db).Annotate(Lower(F("title")).As("x"), Upper(F("title")).As("x")), "already has an annotation"},
		{"lower of a number", Q[Article](db).Annotate(Lower(F("views")).As("x")), "Lower needs a text expression"},
		{"coalesce of mixed kinds", Q[Article](db).Annotate(Coalesce(F("views"), Value("x")).As("x")), "Coalesce mixes"},
		{"case of mixed kinds", Q[Article](db).Annotate(Case(When(Where("views", 1), Value(1))).Default(Value("x")).As("x")), "Case mixes"},
		{"trunc of a number", Q[Article](db).Annotate(TruncMonth(F("views")).As("x")), "Trunc needs a date or datetime"},
		{"bad trunc kind", Q[Article](db).Annotate(Trunc(F("published"), "fortnight").As("x")), `unknown kind "fortnight"`},
		{"hour of a date", Q[Article](db).Annotate(ExtractHour(F("day")).As("x")), "needs a datetime"},
		{"local zone", Q[Article](db).Annotate(TruncDay(F("published")).In(time.Local).As("x")), "no IANA name"},
		{"outer ref outside", Q[Article](db).Filter("views", OuterRef("views")), "OuterRef(\"views\") outside a Subquery"},
		{"bad frame", Q[Article](db).Annotate(Sum("views").Over(Window{Frame: RowRange(Following(1), Preceding(1))}).As("x")), "ends before it starts"},
		{"window of a plain expression", Q[Article](db).Annotate(Window{Expr: F("views")}.As("x")), "needs a window function or an aggregate"},
		{"filter after union", Q[Article](db).Union(Q[Article](db)).Filter("views", 1), "after Union"},
		{"ordered part", Q[Article](db).OrderBy("slug").Union(Q[Article](db)), "cannot be ordered or sliced"},
		{"mixed combination", Q[Article](db).Union(Q[Article](db)).Intersection(Q[Article](db)), "combining UNION with INTERSECT"},
		{"cast to json", Q[Article](db).Annotate(Cast(F("views"), KindJSON).As("x")), "Cast to json is not supported"},
	}
	for _, c := range cases {
		_, err := c.q.Values(ctx)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
	var fe *FieldError
	if _, err := Q[Article](db).Annotate(rank).Filter("r", 1).Values(ctx); !errors.As(err, &fe) || fe.Field != "r" {
		t.Errorf("a window filter is a *FieldError naming the annotation: %v", err)
	}
}

// A MySQL or MariaDB server without time zone tables answers CONVERT_TZ with NULL: the
// query is refused with an error naming the database rather than giving NULLs.
func TestZoneTablesMissing(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		if db.Dialect().Name() != "mysql" {
			t.Skip("MySQL and MariaDB only")
		}
		paris, _ := time.LoadLocation("Europe/Paris")
		zoneOK.Store(zoneKey{db.root, "Europe/Paris"}, false) // as if the tables were empty
		defer zoneOK.Delete(zoneKey{db.root, "Europe/Paris"})
		_, err := Q[Article](db).Annotate(TruncDay(F("published")).In(paris).As("d")).Values(context.Background(), "slug")
		name := "MySQL"
		if db.root.mariadb {
			name = "MariaDB"
		}
		if err == nil || !strings.Contains(err.Error(), name+" has no time zone tables") {
			t.Fatalf("got %v", err)
		}
	})
}

// Parameters of expressions in the select list, WHERE, HAVING and ORDER BY bind in the
// statement's textual order on the "?" databases.
func TestExpressionParameterOrder(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ada, bob := mkAuthor(t, db, "Ada"), mkAuthor(t, db, "Bob")
		mkArticle(t, db, ada, "a1", 5)
		mkArticle(t, db, ada, "a2", 50)
		mkArticle(t, db, bob, "b1", 500)
		rows, err := Q[Article](db).Filter("views__gte", 5).
			Annotate(Concat(Value("<"), F("author__name"), Value(">")).As("who"), Sum("views").As("total")).
			Filter("total__gt", 10).OrderBy("-total").Values(ctx, "who")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0]["who"] != "<Bob>" || rows[0]["total"] != int64(500) || rows[1]["who"] != "<Ada>" || rows[1]["total"] != int64(55) {
			t.Fatalf("%v", rows)
		}
	})
}

// Get on a combined query is refused (as Django's get() after union()), and Get by key
// with Only loads the named fields only.
func TestGetOnCombinedAndOnly(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ada := mkAuthor(t, db, "Ada")
		a := mkArticle(t, db, ada, "one", 7)
		if _, err := Q[Article](db).Filter("views", 1).Union(Q[Article](db).Filter("views", 2)).Get(ctx, "pk", a.ID); err == nil {
			t.Error("Get on a Union should fail")
		}
		got, err := Q[Article](db).Only("slug").Get(ctx, "pk", a.ID)
		if err != nil || got.Slug != "one" || got.Views != 0 {
			t.Fatalf("Only then Get: %v %+v", err, got)
		}
		n, err := Q[Article](db).Filter("views", 7).Union(Q[Article](db).Filter("slug", "one")).Count(ctx)
		if err != nil || n != 1 {
			t.Fatalf("Count of a Union: %d %v", n, err)
		}
	})
}

// Now is the database's clock, read back as a UTC time; Cast to a date and Value of a
// time round-trip on every database.
func TestNowCastValueTime(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ada := mkAuthor(t, db, "Ada")
		mkArticle(t, db, ada, "one", 1)
		when := time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)
		rows, err := Q[Article](db).Annotate(Now().As("now"), Cast(F("published"), KindDate).As("pday"), Value(when).As("when")).Values(ctx, "slug")
		if err != nil {
			t.Fatal(err)
		}
		now, ok := rows[0]["now"].(time.Time)
		if !ok || now.Location() != time.UTC || now.Sub(time.Now()).Abs() > 10*time.Minute {
			t.Errorf("Now: %#v", rows[0]["now"])
		}
		if day, ok := rows[0]["pday"].(time.Time); !ok || day.Format("2006-01-02") != "2026-03-02" {
			t.Errorf("Cast to date: %#v", rows[0]["pday"])
		}
		if w, ok := rows[0]["when"].(time.Time); !ok || !w.Equal(when) {
			t.Errorf("Value(time): %#v", rows[0]["when"])
		}
		// Now in a filter: articles published before the database's now
		if n, err := Q[Article](db).Filter("published__lt", Now()).Count(ctx); err != nil || n != 1 {
			t.Errorf("Filter with Now: %d %v", n, err)
		}
	})
}
