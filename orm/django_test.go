package orm

import (
	"context"
	"strings"
	"sync"
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

// Article-like model with a default ordering, for grouped and distinct Values.
func TestValuesIgnoreDefaultOrderingWhenGroupingOrDistinct(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ada, bob := mkAuthor(t, db, "Ada"), mkAuthor(t, db, "Bob")
		for _, g := range []*Group{{Name: "b"}, {Name: "a"}, {Name: "c"}} {
			if err := db.Create(ctx, g); err != nil {
				t.Fatal(err)
			}
			members := Related[Author](db, g, "members")
			if err := members.Add(ctx, ada); err != nil {
				t.Fatal(err)
			}
			if g.Name != "c" {
				if err := members.Add(ctx, bob); err != nil {
					t.Fatal(err)
				}
			}
		}
		// Group's Meta.Ordering is "name": values("x").annotate(...) groups by x alone
		rows, err := Q[Group](db).Annotate(Count("id").As("n")).OrderBy("members__name").Values(ctx, "members__name")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0]["members__name"] != "Ada" || rows[0]["n"] != int64(3) || rows[1]["n"] != int64(2) {
			t.Fatalf("grouped with an explicit order: %v", rows)
		}
		rows, err = Q[Group](db).Annotate(Count("id").As("n")).Values(ctx, "members__name")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 {
			t.Fatalf("grouped under the default ordering: %v", rows)
		}
		vals, err := Q[Group](db).Filter("name__in", []string{"a", "b"}).Distinct().ValuesList(ctx, "members__name")
		if err != nil {
			t.Fatal(err)
		}
		if len(vals) != 2 {
			t.Fatalf("distinct under the default ordering: %v", vals)
		}
		// the default ordering still applies to plain Values
		names, err := Q[Group](db).ValuesList(ctx, "name")
		if err != nil || len(names) != 3 || names[0][0] != "a" || names[2][0] != "c" {
			t.Fatalf("default ordering: %v %v", names, err)
		}
	})
}

func TestSelectForUpdateNeedsATransaction(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mkAuthor(t, db, "Ada")
		// Django: "select_for_update cannot be used outside of a transaction"
		if _, err := Q[Author](db).SelectForUpdate().All(ctx); err == nil {
			t.Fatal("SelectForUpdate outside a transaction: no error")
		}
		if _, err := Q[Author](db).SelectForUpdateSkipLocked().Get(ctx, "name", "Ada"); err == nil {
			t.Fatal("SelectForUpdateSkipLocked().Get outside a transaction: no error")
		}
		for _, err := range Q[Author](db).SelectForUpdateNoWait().Iter(ctx) {
			if err == nil {
				t.Fatal("SelectForUpdateNoWait().Iter outside a transaction: no error")
			}
		}
		err := db.Atomic(ctx, func(ctx context.Context, tx *DB) error {
			if _, err := Q[Author](tx).SelectForUpdate().Get(ctx, "name", "Ada"); err != nil {
				return err
			}
			// the outer db with the transaction's ctx is inside it too
			_, err := Q[Author](db).SelectForUpdate().First(ctx)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// multiFixture: Ada wrote "go-db" (tags go, db, edited by Bob) and "db" (tag db);
// Bob wrote "web-go" (tags web, go, edited by Ada) and "none" (no tags); Cy wrote
// nothing.
func multiFixture(t *testing.T, db *DB) (ada, bob, cy *Author, goTag *Tag) {
	t.Helper()
	ctx := context.Background()
	ada, bob, cy = mkAuthor(t, db, "Ada"), mkAuthor(t, db, "Bob"), mkAuthor(t, db, "Cy")
	tags := map[string]*Tag{}
	for _, n := range []string{"go", "db", "web"} {
		tags[n] = &Tag{Name: n}
		if err := db.Create(ctx, tags[n]); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range []struct {
		slug   string
		author *Author
		views  int64
		editor *Author
		tags   []string
	}{
		{"go-db", ada, 10, bob, []string{"go", "db"}},
		{"db", ada, 5, nil, []string{"db"}},
		{"web-go", bob, 20, ada, []string{"web", "go"}},
		{"none", bob, 0, nil, nil},
	} {
		art := mkArticle(t, db, a.author, a.slug, a.views)
		if a.editor != nil {
			art.Editor = To(a.editor)
			if err := db.Save(ctx, art); err != nil {
				t.Fatal(err)
			}
		}
		for _, n := range a.tags {
			if err := Related[Tag](db, art, "tags").Add(ctx, tags[n]); err != nil {
				t.Fatal(err)
			}
		}
	}
	return ada, bob, cy, tags["go"]
}

func slugs(t *testing.T, qs QuerySet[Article]) []string {
	t.Helper()
	rows, err := qs.OrderBy("slug").ValuesList(context.Background(), "slug")
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, r := range rows {
		out = append(out, r[0].(string))
	}
	return out
}

func names(t *testing.T, qs QuerySet[Author]) []string {
	t.Helper()
	rows, err := qs.OrderBy("name").ValuesList(context.Background(), "name")
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, r := range rows {
		out = append(out, r[0].(string))
	}
	return out
}

func TestExcludeAcrossRelations(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ada, bob, _, goTag := multiFixture(t, db)
		arts := Q[Article](db)
		authors := Q[Author](db)
		for _, c := range []struct {
			name string
			got  []string
			want []string
		}{
			// multi-valued: the rows none of whose related rows match (no repeats)
			{"exclude(tags__name=go)", slugs(t, arts.Exclude("tags__name", "go")), []string{"db", "none"}},
			{"filter(~Q(tags__name=go))", slugs(t, arts.Filter(Not(Where("tags__name", "go")))), []string{"db", "none"}},
			{"filter(Q(views=5) | ~Q(tags__name=db))", slugs(t, arts.Filter(Or(Where("views", 5), Not(Where("tags__name", "db"))))), []string{"db", "none", "web-go"}},
			{"exclude(tags__name__in=[go, db])", slugs(t, arts.Exclude("tags__name__in", []string{"go", "db"})), []string{"none"}},
			{"exclude(tags__isnull=True)", slugs(t, arts.Exclude("tags__isnull", true)), []string{"db", "go-db", "web-go"}},
			{"filter(~Q(~Q(tags__name=go)))", slugs(t, arts.Filter(Not(Not(Where("tags__name", "go"))))), []string{"go-db", "web-go"}},
			{"exclude(articles__views__gte=10)", names(t, authors.Exclude("articles__views__gte", 10)), []string{"Cy"}},
			{"exclude(articles__tags__name=go)", names(t, authors.Exclude("articles__tags__name", "go")), []string{"Cy"}},
			{"exclude(tags=tag)", slugs(t, arts.Exclude("tags", goTag)), []string{"db", "none"}},
			// through a nullable FK: the rows without an editor stay
			{"exclude(editor__name=Bob)", slugs(t, arts.Exclude("editor__name", "Bob")), []string{"db", "none", "web-go"}},
			{"exclude(editor__name__in=[Bob])", slugs(t, arts.Exclude("editor__name__in", []string{"Bob"})), []string{"db", "none", "web-go"}},
			{"exclude(editor__name__icontains=o)", slugs(t, arts.Exclude("editor__name__icontains", "o")), []string{"db", "none", "web-go"}},
			{"exclude(editor__karma__gt=-1)", slugs(t, arts.Exclude("editor__karma__gt", -1)), []string{"db", "none"}},
			{"filter(~Q(editor__name=Bob))", slugs(t, arts.Filter(Not(Where("editor__name", "Bob")))), []string{"db", "none", "web-go"}},
			{"exclude(editor=bob)", slugs(t, arts.Exclude("editor", bob)), []string{"db", "none", "web-go"}},
			{"exclude(author__name=Ada, views__gte=10)", slugs(t, arts.Exclude("author__name", "Ada", "views__gte", 10)), []string{"db", "none", "web-go"}},
			{"exclude(editor__isnull=True)", slugs(t, arts.Exclude("editor__isnull", true)), []string{"go-db", "web-go"}},
			// a positive lookup through the join is unchanged
			{"filter(editor__name=Ada)", slugs(t, arts.Filter("editor__name", ada.Name)), []string{"web-go"}},
		} {
			if strings.Join(c.got, ",") != strings.Join(c.want, ",") {
				t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
			}
		}
		// Update and Delete take the same conditions (MySQL reads the subquery into
		// a derived table to update the table it selects from)
		n, err := arts.Exclude("tags__name", "go").Update(ctx, Set("views", 99))
		if err != nil || n != 2 {
			t.Fatalf("update excluding across M2M: %d %v", n, err)
		}
		if n, err := arts.Exclude("tags__name", "go").Delete(ctx); err != nil || n != 2 {
			t.Fatalf("delete excluding across M2M: %d %v", n, err)
		}
	})
}

func TestFilterCallsAcrossMultiValuedRelations(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		multiFixture(t, db)
		arts := Q[Article](db)
		authors := Q[Author](db)
		for _, c := range []struct {
			name string
			got  []string
			want []string
		}{
			// two filter() calls: a go tag and a db tag, possibly different ones
			{"filter(tags__name=go).filter(tags__name=db)", slugs(t, arts.Filter("tags__name", "go").Filter("tags__name", "db")), []string{"go-db"}},
			// one call: one tag matching both
			{"filter(tags__name=go, tags__name__startswith=d)", slugs(t, arts.Filter("tags__name", "go", "tags__name__startswith", "d")), []string{}},
			{"filter(Q(tags__name=go) & Q(tags__name=db))", slugs(t, arts.Filter(And(Where("tags__name", "go"), Where("tags__name", "db")))), []string{}},
			{"filter(articles__views__gte=10).filter(articles__slug=db)", names(t, authors.Filter("articles__views__gte", 10).Filter("articles__slug", "db")), []string{"Ada"}},
			{"filter(articles__views__gte=10, articles__slug=db)", names(t, authors.Filter("articles__views__gte", 10, "articles__slug", "db")), []string{}},
			{"filter(articles__tags__name=web).filter(articles__tags__name=db)", names(t, authors.Filter("articles__tags__name", "web").Filter("articles__tags__name", "db")), []string{}},
			{"filter(articles__tags__name=go).filter(articles__tags__name=db)", names(t, authors.Distinct().Filter("articles__tags__name", "go").Filter("articles__tags__name", "db")), []string{"Ada"}},
			{"filter(tags__name=go).exclude(tags__name=web)", slugs(t, arts.Filter("tags__name", "go").Exclude("tags__name", "web")), []string{"go-db"}},
		} {
			if strings.Join(c.got, ",") != strings.Join(c.want, ",") {
				t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
			}
		}
		// An aggregate reuses the filter's join (Django's filter() before annotate()):
		// the articles of 10 views or more, per author, without multiplied rows
		rows, err := authors.Filter("articles__views__gte", 10).Annotate(Count("articles").As("n")).OrderBy("name").Values(ctx, "name")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0]["n"] != int64(1) || rows[1]["n"] != int64(1) {
			t.Fatalf("filter then annotate: %v", rows)
		}
		agg, err := arts.Filter("tags__name", "go").Aggregate(ctx, Count("tags"))
		if err != nil || agg["tags__count"] != int64(2) {
			t.Fatalf("aggregate over the filter's join: %v %v", agg, err)
		}
		// OrderBy reuses it too: one row per matching article
		got, err := arts.Filter("tags__name__in", []string{"go", "web"}).Filter("views__gte", 10).OrderBy("tags__name", "slug").ValuesList(ctx, "slug", "tags__name")
		if err != nil || len(got) != 3 {
			t.Fatalf("order by the filter's join: %v %v", got, err)
		}
	})
}

func TestFilterByObjectAcrossRelations(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ada, _, _, goTag := multiFixture(t, db)
		arts := Q[Article](db)
		goDB, err := arts.Get(context.Background(), "slug", "go-db")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			got  []string
			want []string
		}{
			{"filter(tags=tag)", slugs(t, arts.Filter("tags", goTag)), []string{"go-db", "web-go"}},
			{"filter(tags=*tag)", slugs(t, arts.Filter("tags", *goTag)), []string{"go-db", "web-go"}},
			{"filter(tags=tag.id)", slugs(t, arts.Filter("tags", goTag.ID)), []string{"go-db", "web-go"}},
			{"filter(tags__in=[tag])", slugs(t, arts.Filter("tags__in", []*Tag{goTag})), []string{"go-db", "web-go"}},
			{"filter(tags__pk=tag)", slugs(t, arts.Filter("tags__pk", goTag)), []string{"go-db", "web-go"}},
			{"filter(pk=obj)", slugs(t, arts.Filter("pk", goDB)), []string{"go-db"}},
			{"author filter(articles=obj)", names(t, Q[Author](db).Filter("articles", goDB)), []string{"Ada"}},
			{"author filter(articles__in=[obj])", names(t, Q[Author](db).Filter("articles__in", []Article{*goDB})), []string{"Ada"}},
			{"author filter(pk=ada)", names(t, Q[Author](db).Filter("pk", ada)), []string{"Ada"}},
		} {
			if strings.Join(c.got, ",") != strings.Join(c.want, ",") {
				t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
			}
		}
		// an object of another model is still an error
		if _, err := arts.Filter("tags", ada).Count(context.Background()); err == nil {
			t.Fatal("filter(tags=author): no error")
		}
	})
}

func TestDecimalsReadWithTheirPlaces(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ada := mkAuthor(t, db, "Ada")
		for slug, price := range map[string]string{"a": "12.5", "b": "3", "c": "0", "d": "7.25"} {
			art := mkArticle(t, db, ada, slug, 1)
			art.Price = MustDecimal(price)
			if err := db.Save(ctx, art); err != nil {
				t.Fatal(err)
			}
		}
		want := map[string]string{"a": "12.50", "b": "3.00", "c": "0.00", "d": "7.25"}
		// a DecimalField(decimal_places=2) reads back with two places on every
		// database (SQLite keeps 12.50 as the number 12.5)
		arts, err := Q[Article](db).OrderBy("slug").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range arts {
			if a.Price.String() != want[a.Slug] {
				t.Errorf("All: %s price %s, want %s", a.Slug, a.Price, want[a.Slug])
			}
		}
		one, err := Q[Article](db).Get(ctx, "pk", arts[0].ID)
		if err != nil || one.Price.String() != "12.50" {
			t.Errorf("Get by key: %v %v", one, err)
		}
		rows, err := Q[Article](db).OrderBy("slug").ValuesList(ctx, "slug", "price")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if d, ok := r[1].(Decimal); !ok || d.String() != want[r[0].(string)] {
				t.Errorf("ValuesList: %v", r)
			}
		}
		c := &Comment{Article: To(&arts[1]), Text: "x"}
		if err := db.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
		got, err := Q[Comment](db).SelectRelated("article").Get(ctx, "text", "x")
		if err != nil || got.Article.Obj().Price.String() != "3.00" {
			t.Errorf("SelectRelated: %v %v", got, err)
		}
	})
}

// Models with default orderings, for prefetching (app "ormorder").
type Jar struct {
	Model
	Name   string        `orm:"max_length=20"`
	Labels M2M[Label]    `orm:"related_name=jars"`
	Notes  Reverse[Note] `orm:"related_name=notes"`
}

func (Jar) Meta() Meta { return Meta{Ordering: []string{"name"}} }

type Label struct {
	Model
	Name string       `orm:"max_length=20"`
	Jars Reverse[Jar] `orm:"related_name=jars"`
}

func (Label) Meta() Meta { return Meta{Ordering: []string{"-name"}} }

type Note struct {
	Model
	Jar  FK[Jar] `orm:"on_delete=cascade,related_name=notes"`
	Text string  `orm:"max_length=20"`
}

func (Note) Meta() Meta { return Meta{Ordering: []string{"text"}} }

var orderModelsOnce sync.Once

func TestPrefetchFollowsDefaultOrdering(t *testing.T) {
	orderModelsOnce.Do(func() {
		if err := RegisterModels("ormorder", Jar{}, Label{}, Note{}); err != nil {
			panic(err)
		}
	})
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		_ = DropTables(ctx, db, Note{}, Jar{}, Label{})
		if err := CreateTables(ctx, db, Label{}, Jar{}, Note{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = DropTables(ctx, db, Note{}, Jar{}, Label{}) })
		mk := func(obj any) {
			if err := db.Create(ctx, obj); err != nil {
				t.Fatal(err)
			}
		}
		// created out of order, so key order is not the default ordering
		la, lc, lb := &Label{Name: "a"}, &Label{Name: "c"}, &Label{Name: "b"}
		jy, jx := &Jar{Name: "y"}, &Jar{Name: "x"}
		for _, o := range []any{la, lc, lb, jy, jx} {
			mk(o)
		}
		for _, j := range []*Jar{jy, jx} {
			if err := Related[Label](db, j, "labels").Add(ctx, lb, la, lc); err != nil {
				t.Fatal(err)
			}
			for _, text := range []string{"n2", "n3", "n1"} {
				mk(&Note{Jar: To(j), Text: text})
			}
		}
		jars, err := Q[Jar](db).PrefetchRelated("labels", "notes").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(jars) != 2 || jars[0].Name != "x" {
			t.Fatalf("jars: %v", jars)
		}
		for _, j := range jars {
			var got []string
			for _, l := range j.Labels.Items() {
				got = append(got, l.Name)
			}
			for _, n := range j.Notes.Items() {
				got = append(got, n.Text)
			}
			if strings.Join(got, ",") != "c,b,a,n1,n2,n3" {
				t.Errorf("jar %s: labels and notes %v, want c,b,a then n1,n2,n3", j.Name, got)
			}
		}
		labels, err := Q[Label](db).PrefetchRelated("jars").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range labels {
			if js := l.Jars.Items(); len(js) != 2 || js[0].Name != "x" || js[1].Name != "y" {
				t.Errorf("label %s: jars %v, want x, y", l.Name, js)
			}
		}
	})
}

func TestGetOrCreateLookupsWithTransforms(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mkAuthor(t, db, "Ada")
		// get_or_create(name__iexact="ada") finds Ada
		a, created, err := Q[Author](db).GetOrCreate(ctx, map[string]any{"name__iexact": "ADA"}, map[string]any{"email": "x@example.com"})
		if err != nil || created || a.Name != "Ada" {
			t.Fatalf("found: %v %v %v", a, created, err)
		}
		// and creates from the plain fields and the defaults, leaving out the lookups
		a, created, err = Q[Author](db).GetOrCreate(ctx, map[string]any{"name__iexact": "bob", "karma": 3}, map[string]any{"name": "Bob", "email": "bob@example.com"})
		if err != nil || !created || a.Name != "Bob" || a.Karma != 3 {
			t.Fatalf("created: %+v %v %v", a, created, err)
		}
		// "pk" names the key
		k, created, err := Q[Counter](db).UpdateOrCreate(ctx, map[string]any{"pk": 41}, map[string]any{"name": "c", "n": 1})
		if err != nil || !created || k.ID != 41 {
			t.Fatalf("pk: %+v %v %v", k, created, err)
		}
		k, created, err = Q[Counter](db).UpdateOrCreate(ctx, map[string]any{"pk": 41}, map[string]any{"n": 2})
		if err != nil || created || k.N != 2 {
			t.Fatalf("pk update: %+v %v %v", k, created, err)
		}
	})
}
