package orm

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestUnknownFieldsAndLookups(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		cases := []struct {
			name string
			run  func() error
			want []string
		}{
			{"unknown field", func() error { _, err := Q[Article](db).Filter("titel", "x").All(ctx); return err },
				[]string{"Article", "titel", "title", "slug", "views"}},
			{"unknown lookup", func() error { _, err := Q[Article](db).Filter("title__like", "x").All(ctx); return err },
				[]string{"Article", "title", `"like"`, "icontains"}},
			{"unknown related field", func() error { _, err := Q[Article](db).Filter("author__nme", "x").Count(ctx); return err },
				[]string{"Author", "nme", "name", "email"}},
			{"order by unknown", func() error { _, err := Q[Article](db).OrderBy("-titel").All(ctx); return err },
				[]string{"Article", "titel"}},
			{"order by injection", func() error {
				_, err := Q[Article](db).OrderBy("title; DROP TABLE ormtest_article").All(ctx)
				return err
			}, []string{"Article", "DROP TABLE"}},
			{"order by lookup", func() error { _, err := Q[Article](db).OrderBy("title__icontains").All(ctx); return err },
				[]string{"OrderBy"}},
			{"wrong type int", func() error { _, err := Q[Article](db).Filter("views", "10").All(ctx); return err },
				[]string{"Article", "views", "integer", "string"}},
			{"wrong type string", func() error { _, err := Q[Article](db).Filter("title", 10).All(ctx); return err },
				[]string{"title", "string", "int"}},
			{"wrong type time", func() error { _, err := Q[Article](db).Filter("published__gt", "2020-01-01").All(ctx); return err },
				[]string{"published", "time.Time"}},
			{"wrong type fk", func() error { _, err := Q[Article](db).Filter("author", "x").All(ctx); return err },
				[]string{"author", "Author"}},
			{"wrong type fk model", func() error { _, err := Q[Article](db).Filter("author", &Tag{}).All(ctx); return err },
				[]string{"author"}},
			{"float for decimal", func() error { _, err := Q[Article](db).Filter("price", 1.5).All(ctx); return err },
				[]string{"price", "Decimal"}},
			{"in needs slice", func() error { _, err := Q[Article](db).Filter("views__in", 3).All(ctx); return err },
				[]string{"views", "slice"}},
			{"range needs two", func() error { _, err := Q[Article](db).Filter("views__range", []int{1}).All(ctx); return err },
				[]string{"range"}},
			{"year on text", func() error { _, err := Q[Article](db).Filter("title__year", 2020).All(ctx); return err },
				[]string{"title", "year"}},
			{"contains on int", func() error { _, err := Q[Article](db).Filter("views__contains", "1").All(ctx); return err },
				[]string{"views", "string field"}},
			{"isnull needs bool", func() error { _, err := Q[Article](db).Filter("editor__isnull", 1).All(ctx); return err },
				[]string{"isnull", "bool"}},
			{"dangling lookup", func() error { _, err := Q[Article](db).Filter("title").All(ctx); return err },
				[]string{"no value"}},
			{"overflow int32", func() error { _, err := Q[Counter](db).Filter("n", uint64(1<<63)).All(ctx); return err },
				[]string{"overflows"}},
			{"update unknown", func() error { _, err := Q[Article](db).Update(ctx, Set("nope", 1)); return err },
				[]string{"Article", "nope"}},
			{"update wrong type", func() error { _, err := Q[Article](db).Update(ctx, Set("views", "many")); return err },
				[]string{"views", "integer"}},
			{"update too long", func() error { _, err := Q[Article](db).Update(ctx, Set("status", strings.Repeat("x", 11))); return err },
				[]string{"status", "max_length"}},
			{"values unknown", func() error { _, err := Q[Article](db).Values(ctx, "secret"); return err },
				[]string{"Article", "secret"}},
			{"aggregate unknown", func() error { _, err := Q[Article](db).Aggregate(ctx, Sum("nope")); return err },
				[]string{"nope"}},
			{"sum of text", func() error { _, err := Q[Article](db).Aggregate(ctx, Sum("title")); return err },
				[]string{"SUM", "numeric"}},
			{"F unknown", func() error { _, err := Q[Article](db).Filter("views__gt", F("nope")).All(ctx); return err },
				[]string{"nope"}},
			{"select related non-fk", func() error { _, err := Q[Article](db).SelectRelated("title").All(ctx); return err },
				[]string{"SelectRelated"}},
			{"prefetch unknown", func() error {
				mkArticle(t, db, mkAuthor(t, db, "P"), "pf", 1)
				_, err := Q[Article](db).PrefetchRelated("nope").All(ctx)
				return err
			}, []string{"nope"}},
			{"unregistered", func() error { _, err := Q[struct{ X int }](db).All(ctx); return err },
				[]string{"not registered"}},
			{"save non-pointer", func() error { return db.Save(ctx, Author{}) }, []string{"pointer"}},
			{"save too long", func() error {
				return db.Create(ctx, &Author{Name: strings.Repeat("é", 101), Email: "long@x"})
			}, []string{"Author", "name", "101 characters", "max_length 100"}},
			{"save decimal too precise", func() error {
				a := mkAuthor(t, db, "Dec")
				return db.Create(ctx, &Article{Slug: "dec", Author: To(a), Price: MustDecimal("1.234")})
			}, []string{"price", "decimal places"}},
			{"save fk missing", func() error { return db.Create(ctx, &Article{Slug: "nofk"}) },
				[]string{"author", "required"}},
			{"invalid utf8", func() error { return db.Create(ctx, &Author{Name: "\xff\xfe", Email: "bad@x"}) },
				[]string{"UTF-8"}},
		}
		for _, c := range cases {
			err := c.run()
			if err == nil {
				t.Errorf("%s: no error", c.name)
				continue
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s: error %q does not mention %q", c.name, err, w)
				}
			}
		}
		if n, err := Q[Article](db).Count(ctx); err != nil || n != 1 {
			t.Fatalf("table damaged: %d %v", n, err)
		}
	})
}

var hostileStrings = []string{
	`'`, `"`, "`", `\`, `\'`, `%`, `_`, `%_\`, `'; DROP TABLE ormtest_author; --`, `" OR "1"="1`, "?", "$1", "$$",
	`/* comment */`, "line\nbreak\ttab\r", "nul\x00byte"[:3], "日本語 🎉 Ünïcödé", `\\%\_`, `' OR 1=1 --`, `}{]["`, "ŝ̷̨̛̀ẑ̴̈",
}

func TestHostileValuesRoundTrip(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ada := mkAuthor(t, db, "Ada")
		for i, s := range hostileStrings {
			slug := "h" + string(rune('a'+i))
			art := &Article{Title: s, Slug: slug, Body: s + s, Author: To(ada), Status: "draft", Extra: map[string]any{s: s}, Code: NewUUID(), Blob: []byte(s)}
			if err := db.Create(ctx, art); err != nil {
				t.Fatalf("%q: %v", s, err)
			}
			// every lookup position takes the value verbatim
			for _, lk := range []string{"title", "title__exact", "title__iexact", "title__contains", "title__icontains", "title__startswith", "title__endswith", "title__istartswith", "title__iendswith"} {
				got, err := Q[Article](db).Filter(lk, s, "slug", slug).All(ctx)
				if err != nil {
					t.Fatalf("%s %q: %v", lk, s, err)
				}
				if len(got) != 1 || got[0].Title != s || got[0].Body != s+s || string(got[0].Blob) != s || got[0].Extra[s] != s {
					t.Fatalf("%s %q: got %d rows %+v", lk, s, len(got), got)
				}
			}
			if n, err := Q[Article](db).Filter("title__in", []string{s, "other"}).Filter("slug", slug).Count(ctx); err != nil || n != 1 {
				t.Fatalf("in %q: %d %v", s, n, err)
			}
			// update and values
			if _, err := Q[Article](db).Filter("slug", slug).Update(ctx, Set("body", s)); err != nil {
				t.Fatal(err)
			}
			vals, err := Q[Article](db).Filter("slug", slug).ValuesList(ctx, "body")
			if err != nil || vals[0][0] != s {
				t.Fatalf("values %q: %#v %v", s, vals, err)
			}
			// wildcards match literally
			if strings.ContainsAny(s, "%_") {
				n, _ := Q[Article](db).Filter("title__contains", s).Count(ctx)
				if n != 1 {
					t.Fatalf("%q matched %d rows as a pattern", s, n)
				}
			}
		}
		if n, _ := Q[Author](db).Count(ctx); n != 1 {
			t.Fatal("authors table changed")
		}
		// raw with parameters
		rows, err := Raw[Author](ctx, db, "SELECT id, name, email FROM ormtest_author WHERE name = ?", hostileStrings[8])
		if err != nil || len(rows) != 0 {
			t.Fatalf("raw: %v", err)
		}
		// unicode ordering and length
		u := &Author{Name: strings.Repeat("语", 100), Email: "u@x"}
		if err := db.Create(ctx, u); err != nil {
			t.Fatal(err)
		}
		g, _ := Q[Author](db).Get(ctx, "email", "u@x")
		if g.Name != u.Name {
			t.Fatal("unicode truncated")
		}
	})
}

func TestAtomicRequests(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		var committed bool
		h := AtomicRequests(db)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tx := DBFrom(r)
			ctx := r.Context()
			a := &Author{Name: r.URL.Query().Get("name"), Email: r.URL.Query().Get("name") + "@x"}
			if err := db.Create(ctx, a); err != nil { // the outer DB joins the request's transaction
				http.Error(w, err.Error(), 500)
				return
			}
			tx.OnCommit(ctx, func(context.Context) { committed = true })
			if r.URL.Query().Get("fail") != "" {
				http.Error(w, "boom", 500)
				return
			}
			w.WriteHeader(201)
		}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/?name=kept", nil))
		if rec.Code != 201 || !committed {
			t.Fatalf("status %d committed %v", rec.Code, committed)
		}
		committed = false
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/?name=gone&fail=1", nil))
		if rec.Code != 500 || committed {
			t.Fatalf("status %d committed %v", rec.Code, committed)
		}
		names, _ := Q[Author](db).ValuesList(context.Background(), "name")
		if len(names) != 1 || names[0][0] != "kept" {
			t.Fatalf("rows: %v", names)
		}
	})
}

func TestQueryLogAndDebugSection(t *testing.T) {
	db, err := Open(context.Background(), "sqlite://:memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	registerTestModels(t)
	if err := CreateTables(context.Background(), db, allModels...); err != nil {
		t.Fatal(err)
	}
	var rows [][2]string
	h := QueryLogMiddleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Q[Author](db).Filter("name", "x'y").Count(r.Context())
		rows = DebugSection(r)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if len(rows) != 2 || !strings.Contains(rows[0][1], "COUNT(*)") || !strings.Contains(rows[0][1], "x'y") || !strings.Contains(rows[1][1], "1 queries") ||
		!strings.Contains(rows[0][1], "orm/hostile_test.go:") {
		t.Fatalf("debug rows: %v", rows)
	}
	// N+1: a query per row is reported with the line that runs it
	ctx := context.Background()
	for i := 0; i < 6; i++ {
		a := &Author{Name: "n", Email: string(rune('a'+i)) + "@n"}
		db.Create(ctx, a)
		db.Create(ctx, &Article{Slug: string(rune('a' + i)), Author: To(a), Code: NewUUID()})
	}
	h = QueryLogMiddleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arts, _ := Q[Article](db).All(r.Context())
		for _, a := range arts {
			a.Author.Load(r.Context(), db)
		}
		rows = DebugSection(r)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	found := false
	for _, row := range rows {
		if row[0] == "N+1?" && strings.Contains(row[1], "6×") && strings.Contains(row[1], "hostile_test.go") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no N+1 report: %v", rows)
	}
	if got := DebugSection(httptest.NewRequest("GET", "/", nil)); len(got) != 1 {
		t.Fatalf("without log: %v", got)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, u := range []string{"", "nothing", "oracle://x", "sqlite://", "sqlite:///", "mysql://root:secret@127.0.0.1:1/x?timeout=100ms", "postgres://u:pw@127.0.0.1:1/x?connect_timeout=1", "sqlite:///x.db?max_conns=-1"} {
		_, err := Open(ctx, u)
		if err == nil {
			t.Errorf("%q: no error", u)
			continue
		}
		if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), ":pw@") {
			t.Errorf("%q: password leaked: %v", u, err)
		}
	}
	if _, err := OpenDatabases(ctx, map[string]string{"default": "sqlite://:memory:", "bad": "nope://"}); err == nil {
		t.Error("OpenDatabases with a bad URL")
	}
	dbs, err := OpenDatabases(ctx, map[string]string{"default": "sqlite://:memory:", "other": "sqlite://:memory:"})
	if err != nil {
		t.Fatal(err)
	}
	defer dbs.Close()
	if names := dbs.Names(); len(names) != 2 || names[0] != "default" || dbs.Default().Name() != "default" {
		t.Fatalf("names %v", names)
	}
	if _, err := dbs.Get("missing"); err == nil || !strings.Contains(err.Error(), "default, other") {
		t.Fatalf("missing: %v", err)
	}
}

func TestErrorStatus(t *testing.T) {
	var s interface{ HTTPStatus() int }
	if !errors.As(ErrNotFound, &s) || s.HTTPStatus() != 404 {
		t.Fatal("ErrNotFound is not a 404")
	}
	if !errors.As(ErrMultipleObjects, &s) || s.HTTPStatus() != 500 {
		t.Fatal("ErrMultipleObjects is not a 500")
	}
}
