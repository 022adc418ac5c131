package orm_test

import (
	"context"
	"fmt"
	"time"

	"github.com/galvani-web/galvani/orm"
)

// Visit is a page view of a post, for the date examples.
type Visit struct {
	orm.Model
	Post orm.FK[Post] `orm:"on_delete=cascade,related_name=visits"`
	At   time.Time
}

func ctx() context.Context { return context.Background() }

// examplePosts makes two writers and their posts.
func examplePosts() (*orm.DB, []*Post) {
	db, ctx := setup()
	ada, bob := &Writer{Name: "Ada"}, &Writer{Name: "Bob"}
	db.Create(ctx, ada)
	db.Create(ctx, bob)
	var posts []*Post
	for _, p := range []*Post{
		{Title: "Engines", Views: 120, Writer: orm.To(ada)},
		{Title: "Notes", Views: 15, Writer: orm.To(ada)},
		{Title: "Looms", Views: 40, Writer: orm.To(bob)},
	} {
		db.Create(ctx, p)
		posts = append(posts, p)
	}
	return db, posts
}

// Functions and arithmetic as annotations, read with Values.
func ExampleConcat() {
	db, _ := examplePosts()
	defer db.Close()
	rows, err := orm.Q[Post](db).Annotate(
		orm.Concat(orm.Upper(orm.F("title")), orm.Value(" by "), orm.F("writer__name")).As("label"),
		orm.F("views").Mul(2).As("double"),
		orm.Length(orm.F("title")).As("len"),
	).OrderBy("title").Values(ctx(), "id")
	if err != nil {
		panic(err)
	}
	for _, r := range rows {
		fmt.Println(r["label"], r["double"], r["len"])
	}
	// Output:
	// ENGINES by Ada 240 7
	// LOOMS by Bob 80 5
	// NOTES by Ada 30 5
}

// Case/When: a label per row.
func ExampleCase() {
	db, _ := examplePosts()
	defer db.Close()
	heat := orm.Case(
		orm.When(orm.Where("views__gte", 100), orm.Value("hot")),
		orm.When(orm.Where("views__gte", 20), orm.Value("warm")),
	).Default(orm.Value("cold"))
	rows, _ := orm.Q[Post](db).Annotate(heat.As("heat")).OrderBy("title").Values(ctx(), "title")
	for _, r := range rows {
		fmt.Println(r["title"], r["heat"])
	}
	// Output:
	// Engines hot
	// Looms warm
	// Notes cold
}

// Subquery and OuterRef: each writer's most viewed post; Exists as a filter.
func ExampleSubquery() {
	db, _ := examplePosts()
	defer db.Close()
	top := orm.Q[Post](db).Filter("writer", orm.OuterRef("pk")).OrderBy("-views").Limit(1)
	rows, _ := orm.Q[Writer](db).Annotate(orm.Subquery(top, "title").As("top")).OrderBy("name").Values(ctx(), "name")
	for _, r := range rows {
		fmt.Println(r["name"], r["top"])
	}
	popular := orm.Q[Post](db).Filter("writer", orm.OuterRef("pk"), "views__gte", 100)
	names, _ := orm.ValuesListFlat[string](ctx(), orm.Q[Writer](db).Filter(orm.Exists(popular)), "name")
	fmt.Println(names)
	// a query as the list of an __in lookup selects its primary keys
	n, _ := orm.Q[Post](db).Filter("writer__in", orm.Q[Writer](db).Filter("name", "Bob")).Count(ctx())
	fmt.Println(n)
	// Output:
	// Ada Engines
	// Bob Looms
	// [Ada]
	// 1
}

// Window functions: a rank within each writer's posts, and a total per writer.
func ExampleWindow() {
	db, _ := examplePosts()
	defer db.Close()
	rows, _ := orm.Q[Post](db).Annotate(
		orm.Window{Expr: orm.RowNumber(), PartitionBy: []orm.Expr{orm.F("writer")}, OrderBy: []orm.Expr{orm.F("views").Desc()}}.As("rank"),
		orm.Sum("views").Over(orm.Window{PartitionBy: []orm.Expr{orm.F("writer")}}).As("writer_total"),
	).OrderBy("title").Values(ctx(), "title")
	for _, r := range rows {
		fmt.Println(r["title"], r["rank"], r["writer_total"])
	}
	// Output:
	// Engines 1 135
	// Looms 1 40
	// Notes 2 135
}

// Trunc in a time zone, grouped: visits per Paris day.
func ExampleTrunc() {
	db, posts := examplePosts()
	defer db.Close()
	for _, at := range []string{"2026-03-01T22:30:00Z", "2026-03-01T23:30:00Z", "2026-03-02T08:00:00Z"} {
		t, _ := time.Parse(time.RFC3339, at)
		db.Create(ctx(), &Visit{Post: orm.To(posts[0]), At: t})
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	rows, _ := orm.Q[Visit](db).Annotate(
		orm.TruncDate(orm.F("at")).In(paris).As("day"),
		orm.Count("id").As("n"),
	).OrderBy("day").Values(ctx(), "day")
	for _, r := range rows {
		fmt.Println(r["day"].(time.Time).Format("2006-01-02"), r["n"])
	}
	// Output:
	// 2026-03-01 1
	// 2026-03-02 2
}

// Union of two queries, ordered and read flat.
func ExampleQuerySet_Union() {
	db, _ := examplePosts()
	defer db.Close()
	q := orm.Q[Post](db)
	titles, _ := orm.ValuesListFlat[string](ctx(), q.Filter("views__gte", 100).Union(q.Filter("writer__name", "Bob")).OrderBy("-title"), "title")
	fmt.Println(titles)
	// Output: [Looms Engines]
}

// Only loads some fields; the others keep their zero value.
func ExampleQuerySet_Only() {
	db, _ := examplePosts()
	defer db.Close()
	posts, _ := orm.Q[Post](db).Only("title").OrderBy("title").All(ctx())
	fmt.Println(posts[0].Title, posts[0].Views)
	// Output: Engines 0
}

// A reverse FK manager moves rows between owners with one UPDATE.
func ExampleRelatedManager_Add() {
	db, posts := examplePosts()
	defer db.Close()
	bob, _ := orm.Q[Writer](db).Get(ctx(), "name", "Bob")
	orm.Related[Post](db, bob, "posts").Add(ctx(), posts[1])
	n, _ := orm.Related[Post](db, bob, "posts").Count(ctx())
	fmt.Println(n, posts[1].Writer.ID() == bob.ID)
	// Output: 2 true
}
