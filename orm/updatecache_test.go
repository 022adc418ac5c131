package orm

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestUpdateShapeCache runs each Update shape twice: the first compiles the SQL and
// keeps it, the second binds new values to the kept SQL. Both must change exactly the
// rows the filter names, on every database.
func TestUpdateShapeCache(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ada := mkAuthor(t, db, "Ada")
		bob := mkAuthor(t, db, "Bob")
		cy := mkAuthor(t, db, "Cy")
		for i, a := range []*Author{ada, bob, cy} {
			if _, err := Q[Author](db).Filter("id", a.ID).Update(ctx, Set("karma", int64(i*10))); err != nil {
				t.Fatal(err)
			}
		}
		karma := func() map[string]int64 {
			t.Helper()
			all, err := Q[Author](db).OrderBy("name").All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]int64{}
			for _, a := range all {
				out[a.Name] = a.Karma
			}
			return out
		}
		cases := []struct {
			name  string
			run   func(round int64) (int64, error)
			rows  int64
			check func(round int64, k map[string]int64) bool
		}{
			{"pk exact", func(r int64) (int64, error) {
				return Q[Author](db).Filter("pk", bob.ID).Update(ctx, Set("karma", 100+r))
			}, 1, func(r int64, k map[string]int64) bool { return k["Bob"] == 100+r }},
			{"two filters, two sets", func(r int64) (int64, error) {
				return Q[Author](db).Filter("name", "Cy").Filter("karma__gte", 0).Update(ctx, Set("karma", 200+r), Set("email", "cy"+string(rune('0'+r))+"@x.org"))
			}, 1, func(r int64, k map[string]int64) bool { return k["Cy"] == 200+r }},
			{"pairs in one Filter", func(r int64) (int64, error) {
				return Q[Author](db).Filter("name", "Ada", "id__lte", ada.ID).Update(ctx, Set("karma", 300+r))
			}, 1, func(r int64, k map[string]int64) bool { return k["Ada"] == 300+r }},
			{"range by gt/lt", func(r int64) (int64, error) {
				return Q[Author](db).Filter("id__gt", ada.ID).Filter("id__lt", cy.ID).Update(ctx, Set("karma", 400+r))
			}, 1, func(r int64, k map[string]int64) bool { return k["Bob"] == 400+r && k["Ada"] != 400+r }},
			{"no filter", func(r int64) (int64, error) {
				return Q[Author](db).Update(ctx, Set("karma", 500+r))
			}, 3, func(r int64, k map[string]int64) bool {
				return k["Ada"] == 500+r && k["Bob"] == 500+r && k["Cy"] == 500+r
			}},
		}
		for _, c := range cases {
			for round := int64(0); round < 3; round++ {
				n, err := c.run(round)
				if err != nil {
					t.Fatalf("%s round %d: %v", c.name, round, err)
				}
				if n != c.rows {
					t.Fatalf("%s round %d: %d rows, want %d", c.name, round, n, c.rows)
				}
				if k := karma(); !c.check(round, k) {
					t.Fatalf("%s round %d: karma %v", c.name, round, k)
				}
			}
		}
		m, _ := InfoOfValue(Author{})
		cached := m.sql(db.Dialect()).updates.Load()
		if cached == nil || len(*cached) < len(cases) {
			t.Fatalf("shapes were not kept: %v", cached)
		}

		// A kept shape given a bad value reports what the compiler reports.
		_, err := Q[Author](db).Filter("pk", bob.ID).Update(ctx, Set("karma", "lots"))
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "karma" {
			t.Fatalf("string for an integer: %v", err)
		}
		_, err = Q[Author](db).Filter("pk", "bob").Update(ctx, Set("karma", 1))
		if !errors.As(err, &fe) {
			t.Fatalf("string for the key: %v", err)
		}
		long := string(make([]rune, 121))
		if _, err = Q[Author](db).Filter("name", "Cy").Filter("karma__gte", 0).Update(ctx, Set("karma", 1), Set("email", long)); !errors.As(err, &fe) || fe.Field != "email" {
			t.Fatalf("too long: %v", err)
		}
		if k := karma(); k["Bob"] != 502 || k["Cy"] != 502 {
			t.Fatalf("a refused update changed rows: %v", k)
		}
	})
}

// TestUpdateShapes checks which updates get a kept shape and that different
// groupings of the same fields are different shapes.
func TestUpdateShapes(t *testing.T) {
	registerTestModels(t)
	m, err := InfoOfValue(Article{})
	if err != nil {
		t.Fatal(err)
	}
	set := []Assignment{Set("views", 1)}
	shape := func(where ...Cond) (updateShape, bool) { return updateShapeOf(m, where, set) }
	for _, c := range []struct {
		name  string
		where []Cond
		ok    bool
	}{
		{"none", nil, true},
		{"exact", []Cond{Where("slug", "x")}, true},
		{"lookups", []Cond{Where("views__gte", 1), Where("id__lt", 9)}, true},
		{"and group", []Cond{And(Where("slug", "x"), Where("views__gt", 1))}, true},
		{"nil value", []Cond{Where("slug", nil)}, false},
		{"negated", []Cond{Not(Where("slug", "x"))}, false},
		{"or", []Cond{Or(Where("slug", "x"), Where("views", 1))}, false},
		{"relation", []Cond{Where("author", 1)}, false},
		{"across relation", []Cond{Where("author__name", "x")}, false},
		{"other lookup", []Cond{Where("slug__icontains", "x")}, false},
		{"transform", []Cond{Where("published__year", 2026)}, false},
		{"expression", []Cond{Where("views", F("rating"))}, false},
		{"unknown field", []Cond{Where("nope", 1)}, false},
		{"json", []Cond{Where("extra", 1)}, false},
	} {
		if _, ok := shape(c.where...); ok != c.ok {
			t.Errorf("%s: cacheable = %v, want %v", c.name, ok, c.ok)
		}
	}
	a, _ := shape(Where("slug", "x"), Where("views", 1))
	b, _ := shape(And(Where("slug", "x"), Where("views", 1)))
	c, _ := shape(Where("views", 1), Where("slug", "x"))
	d, _ := shape(Where("slug__exact", "x"), Where("views", 1))
	if a == b || a == c || a != d {
		t.Fatalf("shapes: separate filters %v, grouped %v, swapped %v, explicit exact %v", a, b, c, d)
	}
	if _, ok := updateShapeOf(m, nil, []Assignment{Set("views", F("views").Add(1))}); ok {
		t.Fatal("an expression assignment was cacheable")
	}
	if _, ok := updateShapeOf(m, nil, []Assignment{Set("tags", 1)}); ok {
		t.Fatal("an M2M assignment was cacheable")
	}
	many := make([]Cond, maxShapeItems)
	for i := range many {
		many[i] = Where("views", i)
	}
	if _, ok := shape(many...); ok {
		t.Fatal("a shape longer than the key was cacheable")
	}
}

// TestFilterTypedNilIsNull: a nil pointer compares like nil (IS NULL), not "= NULL",
// which matches no row.
func TestFilterTypedNilIsNull(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		a := mkAuthor(t, db, "Ada")
		bio := "x"
		b := mkAuthor(t, db, "Bob")
		b.Bio = &bio
		if err := db.Save(ctx, b); err != nil {
			t.Fatal(err)
		}
		var none *string
		got, err := Q[Author](db).Filter("bio", none).All(ctx)
		if err != nil || len(got) != 1 || got[0].ID != a.ID {
			t.Fatalf("bio = (*string)(nil): %v %v", got, err)
		}
		n, err := Q[Author](db).Filter("bio", none).Update(ctx, Set("karma", 5))
		if err != nil || n != 1 {
			t.Fatalf("update where bio is nil: %d %v", n, err)
		}
		if _, err := Q[Author](db).Filter("bio__gt", none).All(ctx); err == nil {
			t.Fatal("gt nil was accepted")
		}
	})
}

// TestUpdateKeptShapeAfterNilFilter: an exact filter given a typed nil compiles to
// IS NULL, without a parameter. That SQL must not be kept for the shape, or the next
// Update of the shape with a value binds one parameter too many to "IS NULL".
func TestUpdateKeptShapeAfterNilFilter(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ada := mkAuthor(t, db, "Ada")
		bob := mkAuthor(t, db, "Bob")
		bio := "x"
		bob.Bio = &bio
		if err := db.Save(ctx, bob); err != nil {
			t.Fatal(err)
		}
		m, _ := InfoOfValue(Author{})
		m.sql(db.Dialect()).updates.Store(nil)
		n, err := Q[Author](db).Filter("bio", (*string)(nil)).Filter("karma__gte", 0).Update(ctx, Set("karma", 1))
		if err != nil || n != 1 {
			t.Fatalf("bio is nil: %d %v", n, err)
		}
		n, err = Q[Author](db).Filter("bio", &bio).Filter("karma__gte", 0).Update(ctx, Set("karma", 2))
		if err != nil || n != 1 {
			t.Fatalf("bio = x after bio is nil: %d %v", n, err)
		}
		n, err = Q[Author](db).Filter("bio", bio).Filter("karma__gte", 0).Update(ctx, Set("karma", 3))
		if err != nil || n != 1 {
			t.Fatalf("bio = x again: %d %v", n, err)
		}
		// the same with an invalid Null[T]
		m.sql(db.Dialect()).updates.Store(nil)
		if n, err := Q[Author](db).Filter("bio", Null[string]{}).Filter("karma__gte", 0).Update(ctx, Set("karma", 4)); err != nil || n != 1 {
			t.Fatalf("bio is Null{}: %d %v", n, err)
		}
		if n, err := Q[Author](db).Filter("bio", NullOf("x")).Filter("karma__gte", 0).Update(ctx, Set("karma", 5)); err != nil || n != 1 {
			t.Fatalf("bio = NullOf(x) after Null{}: %d %v", n, err)
		}
		a, _ := Q[Author](db).Get(ctx, "pk", ada.ID)
		b, _ := Q[Author](db).Get(ctx, "pk", bob.ID)
		if a.Karma != 4 || b.Karma != 5 {
			t.Fatalf("karma: Ada %d (want 4), Bob %d (want 5)", a.Karma, b.Karma)
		}
	})
}

// TestFilterNullValues: every Go spelling of "no value" in an exact filter means IS
// NULL, like None in Django: an unset relation, an unset Null[T], a nil pointer, also
// on a field that cannot be NULL (no row matches; not an error).
func TestFilterNullValues(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ada := mkAuthor(t, db, "Ada")
		free := mkArticle(t, db, ada, "free", 1)
		edited := mkArticle(t, db, ada, "edited", 2)
		edited.Editor = To(ada)
		if err := db.Save(ctx, edited); err != nil {
			t.Fatal(err)
		}
		got, err := Q[Article](db).Filter("editor", free.Editor).All(ctx)
		if err != nil || len(got) != 1 || got[0].ID != free.ID {
			t.Fatalf("editor = unset FK: %v %v", got, err)
		}
		got, err = Q[Article](db).Filter("day", Null[time.Time]{}).OrderBy("id").All(ctx)
		if err != nil || len(got) != 2 {
			t.Fatalf("day = Null{}: %v %v", len(got), err)
		}
		var noName *string
		n, err := Q[Author](db).Filter("name", noName).Count(ctx)
		if err != nil || n != 0 {
			t.Fatalf("non-null name = nil pointer: %d %v", n, err)
		}
		if _, err := Q[Article](db).Filter("views__lt", (*int64)(nil)).Count(ctx); err == nil {
			t.Fatal("lt nil pointer accepted")
		}
		// the same through a kept Update shape
		for i := 0; i < 2; i++ {
			n, err := Q[Article](db).Filter("editor", free.Editor).Update(ctx, Set("views", 10+i))
			if err != nil || n != 1 {
				t.Fatalf("update where editor unset: %d %v", n, err)
			}
		}
		if a, _ := Q[Article](db).Get(ctx, "id", free.ID); a.Views != 11 {
			t.Fatalf("views %d", a.Views)
		}
	})
}
