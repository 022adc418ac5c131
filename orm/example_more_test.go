package orm_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/galvani-web/galvani/orm"
)

// Topic and Note add an M2M (and its reverse side) to the examples' Writer.
type Topic struct {
	orm.Model
	Name  string            `orm:"unique,max_length=50"`
	Notes orm.Reverse[Note] `orm:"related_name=notes"`
}

type Note struct {
	orm.Model
	Title  string         `orm:"max_length=100"`
	Views  int64          `orm:"default=0"`
	Writer orm.FK[Writer] `orm:"on_delete=cascade,related_name=notes"`
	Topics orm.M2M[Topic] `orm:"related_name=notes"`
	Editor orm.FK[Writer] `orm:"null,on_delete=set_null,related_name=edited"`
	Price  orm.Decimal    `orm:"max_digits=8,decimal_places=2"`
}

func (Note) Meta() orm.Meta { return orm.Meta{Ordering: []string{"title"}} }

// setupNotes is setup plus Topic and Note: Ada wrote "Engines" (topics math and
// machines, 30 views) and "Poetry" (no topic, 5 views, edited by Bob); Bob wrote
// "Numbers" (topic math, 12 views).
func setupNotes() (*orm.DB, context.Context, *Writer, *Writer) {
	db, ctx := setup()
	ada, bob := &Writer{Name: "Ada"}, &Writer{Name: "Bob"}
	must(db.Create(ctx, ada))
	must(db.Create(ctx, bob))
	math, machines := &Topic{Name: "math"}, &Topic{Name: "machines"}
	must(db.Create(ctx, math))
	must(db.Create(ctx, machines))
	engines := &Note{Title: "Engines", Views: 30, Writer: orm.To(ada)}
	poetry := &Note{Title: "Poetry", Views: 5, Writer: orm.To(ada), Editor: orm.To(bob)}
	numbers := &Note{Title: "Numbers", Views: 12, Writer: orm.To(bob)}
	for _, n := range []*Note{engines, poetry, numbers} {
		must(db.Create(ctx, n))
	}
	must(orm.Related[Topic](db, engines, "topics").Add(ctx, math, machines))
	must(orm.Related[Topic](db, numbers, "topics").Add(ctx, math))
	return db, ctx, ada, bob
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func titles(notes []Note) []string {
	out := []string{}
	for _, n := range notes {
		out = append(out, n.Title)
	}
	return out
}

// Filter takes lookup/value pairs and conditions built with Where, Or and Not
// (Django's Q objects); Exclude drops what matches.
func ExampleQuerySet_Filter() {
	db, ctx, _, _ := setupNotes()
	defer db.Close()

	notes, _ := orm.Q[Note](db).Filter("views__gte", 10, "writer__name", "Ada").All(ctx)
	fmt.Println(titles(notes))

	// Q(views__lt=10) | ~Q(writer__name="Ada")
	notes, _ = orm.Q[Note](db).Filter(orm.Or(orm.Where("views__lt", 10), orm.Not(orm.Where("writer__name", "Ada")))).All(ctx)
	fmt.Println(titles(notes))

	notes, _ = orm.Q[Note](db).Filter("editor__isnull", true).Exclude("title__startswith", "E").All(ctx)
	fmt.Println(titles(notes))
	// Output:
	// [Engines]
	// [Numbers Poetry]
	// [Numbers]
}

// Across multi-valued relations (M2M, reverse FKs) each Filter call joins anew, and
// Exclude keeps the rows none of whose related rows match, as in Django.
func ExampleQuerySet_Exclude() {
	db, ctx, _, bob := setupNotes()
	defer db.Close()

	both, _ := orm.Q[Note](db).Filter("topics__name", "math").Filter("topics__name", "machines").All(ctx)
	fmt.Println("math and machines:", titles(both))

	notMath, _ := orm.Q[Note](db).Exclude("topics__name", "math").All(ctx)
	fmt.Println("no math topic:", titles(notMath))

	// notes without an editor are not edited by Bob either
	notBob, _ := orm.Q[Note](db).Exclude("editor__name", bob.Name).All(ctx)
	fmt.Println("not edited by Bob:", titles(notBob))
	// Output:
	// math and machines: [Engines]
	// no math topic: [Poetry]
	// not edited by Bob: [Engines Numbers]
}

func ExampleQuerySet_Values() {
	db, ctx, _, _ := setupNotes()
	defer db.Close()

	rows, _ := orm.Q[Note](db).Filter("views__gt", 10).Values(ctx, "title", "writer__name")
	for _, r := range rows {
		fmt.Println(r["title"], r["writer__name"])
	}
	// values_list("title", flat=True)
	list, _ := orm.Q[Note](db).OrderBy("-views").ValuesList(ctx, "title")
	for _, r := range list {
		fmt.Print(r[0], " ")
	}
	fmt.Println()
	// Output:
	// Engines Ada
	// Numbers Bob
	// Engines Numbers Poetry
}

func ExampleQuerySet_Aggregate() {
	db, ctx, _, _ := setupNotes()
	defer db.Close()
	agg, _ := orm.Q[Note](db).Aggregate(ctx, orm.Count("id"), orm.Sum("views").As("total"), orm.Max("views"))
	fmt.Println(agg["id__count"], agg["total"], agg["views__max"])
	// Output: 3 47 30
}

// Django's Writer.objects.annotate(n=Count("notes")): every writer, with zero for
// those without notes.
func ExampleCount() {
	db, ctx, _, _ := setupNotes()
	defer db.Close()
	db.Create(ctx, &Writer{Name: "Cy"})
	rows, _ := orm.Q[Writer](db).Annotate(orm.Count("notes").As("n")).OrderBy("-n", "name").Values(ctx, "name")
	for _, r := range rows {
		fmt.Println(r["name"], r["n"])
	}
	// Output:
	// Ada 2
	// Bob 1
	// Cy 0
}

// F refers to a field in updates and comparisons, like Django's F().
func ExampleF() {
	db, ctx, _, _ := setupNotes()
	defer db.Close()
	// update(views=F("views") * 2) on the notes about math
	n, _ := orm.Q[Note](db).Filter("topics__name", "math").Update(ctx, orm.Set("views", orm.F("views").Mul(2)))
	// filter(views__gt=F("price") + 20): fields compared with each other in SQL
	popular, _ := orm.Q[Note](db).Filter("views__gt", orm.F("price").Add(20)).ValuesList(ctx, "title", "views")
	fmt.Println(n, popular)
	// Output: 2 [[Engines 60] [Numbers 24]]
}

func ExampleDB_Save() {
	db, ctx := setup()
	defer db.Close()
	w := &Writer{Name: "Ada"}
	db.Create(ctx, w) // INSERT: sets w.ID
	p := &Post{Title: "Draft", Writer: orm.To(w)}
	db.Create(ctx, p)

	p.Title, p.Views = "Notes", 99
	db.Save(ctx, p, orm.Fields("title")) // update_fields=["title"]
	db.Refresh(ctx, p)
	fmt.Println(p.ID, p.Title, p.Views)

	n, _ := db.Delete(ctx, w) // cascades to the post
	fmt.Println(n)
	// Output:
	// 1 Notes 0
	// 2
}

func ExampleQuerySet_GetOrCreate() {
	db, ctx := setup()
	defer db.Close()
	w := &Writer{Name: "Ada"}
	db.Create(ctx, w)

	// get_or_create(title="Notes", writer=w, defaults={"views": 1})
	p, created, _ := orm.Q[Post](db).GetOrCreate(ctx, map[string]any{"title": "Notes", "writer": w}, map[string]any{"views": 1})
	fmt.Println(p.Title, p.Views, created)
	p, created, _ = orm.Q[Post](db).GetOrCreate(ctx, map[string]any{"title": "Notes", "writer": w}, map[string]any{"views": 2})
	fmt.Println(p.Title, p.Views, created)
	// update_or_create updates the row found with the defaults
	p, created, _ = orm.Q[Post](db).UpdateOrCreate(ctx, map[string]any{"title": "Notes"}, map[string]any{"views": 3})
	fmt.Println(p.Title, p.Views, created)
	// Output:
	// Notes 1 true
	// Notes 1 false
	// Notes 3 false
}

func ExampleBulkCreate() {
	db, ctx := setup()
	defer db.Close()
	w := &Writer{Name: "Ada"}
	db.Create(ctx, w)
	posts := []Post{{Title: "a", Writer: orm.To(w)}, {Title: "b", Writer: orm.To(w)}}
	orm.BulkCreate(ctx, db, posts) // one INSERT; keys set
	posts[0].Views, posts[1].Views = 10, 20
	n, _ := orm.BulkUpdate(ctx, db, posts, "views") // one UPDATE
	total, _ := orm.Q[Post](db).Aggregate(ctx, orm.Sum("views"))
	fmt.Println(posts[0].ID, posts[1].ID, n, total["views__sum"])
	// Output: 1 2 2 30
}

// InBulk's map is keyed by the primary key's Go type: int64 for orm.Model.
func ExampleQuerySet_InBulk() {
	db, ctx, _, _ := setupNotes()
	defer db.Close()
	m, _ := orm.Q[Note](db).InBulk(ctx, []any{1, 3, 404})
	fmt.Println(len(m), m[int64(1)].Title, m[int64(3)].Title)
	// Output: 2 Engines Numbers
}

func ExampleQuerySet_PrefetchRelated() {
	db, ctx, _, _ := setupNotes()
	defer db.Close()
	ctx, log := orm.WithQueryLog(ctx)
	notes, _ := orm.Q[Note](db).PrefetchRelated("writer", "topics").All(ctx)
	for _, n := range notes {
		var topics []string
		for _, t := range n.Topics.Items() { // in Topic's default ordering (by key here)
			topics = append(topics, t.Name)
		}
		fmt.Println(n.Title, n.Writer.Obj().Name, topics)
	}
	// the reverse side of the M2M fills Topic.Notes
	topics, _ := orm.Q[Topic](db).PrefetchRelated("notes").OrderBy("name").All(ctx)
	for _, t := range topics {
		fmt.Println(t.Name, titles(t.Notes.Items()))
	}
	fmt.Println(log.Len(), "queries")
	// Output:
	// Engines Ada [math machines]
	// Numbers Bob [math]
	// Poetry Ada []
	// machines [Engines]
	// math [Engines Numbers]
	// 7 queries
}

// Related manages an M2M from either side: Django's note.topics.add/remove/set/clear.
func ExampleRelated() {
	db, ctx, _, _ := setupNotes()
	defer db.Close()
	poetry, _ := orm.Q[Note](db).Get(ctx, "title", "Poetry")
	math, _ := orm.Q[Topic](db).Get(ctx, "name", "math")
	machines, _ := orm.Q[Topic](db).Get(ctx, "name", "machines")

	topics := orm.Related[Topic](db, poetry, "topics")
	topics.Add(ctx, math, machines)
	topics.Remove(ctx, machines)
	n, _ := topics.Count(ctx)
	fmt.Println(n)

	onMath, _ := orm.Related[Note](db, math, "notes").All(ctx) // the reverse side
	fmt.Println(titles(onMath))

	topics.Set(ctx, machines)
	topics.Clear(ctx)
	n, _ = topics.Count(ctx)
	fmt.Println(n)
	// Output:
	// 1
	// [Engines Numbers Poetry]
	// 0
}

// SelectForUpdate locks rows until the transaction ends, so it runs inside Atomic.
func ExampleQuerySet_SelectForUpdate() {
	db, ctx, _, _ := setupNotes()
	defer db.Close()
	err := db.Atomic(ctx, func(ctx context.Context, tx *orm.DB) error {
		n, err := orm.Q[Note](tx).SelectForUpdate().Get(ctx, "title", "Poetry")
		if err != nil {
			return err
		}
		n.Views++
		return tx.Save(ctx, n, orm.Fields("views"))
	})
	_, outside := orm.Q[Note](db).SelectForUpdate().All(ctx)
	fmt.Println(err, outside != nil)
	// Output: <nil> true
}

func ExampleSignal_Connect() {
	db, ctx := setup()
	defer db.Close()
	disconnect := orm.PostSave.Connect(func(ctx context.Context, ev *orm.SignalEvent) error {
		fmt.Println("saved", ev.Model.Name, ev.Instance.(*Writer).Name, "created:", ev.Created)
		return nil
	}, Writer{})
	defer disconnect()
	w := &Writer{Name: "Ada"}
	db.Create(ctx, w)
	db.Save(ctx, w)
	db.Create(ctx, &Post{Title: "no signal: not a Writer", Writer: orm.To(w)})
	// Output:
	// saved Writer Ada created: true
	// saved Writer Ada created: false
}

// Raw runs hand-written SQL with "?" parameters on every database.
func ExampleRaw() {
	db, ctx, _, _ := setupNotes()
	defer db.Close()
	notes, _ := orm.Raw[Note](ctx, db, "SELECT id, title, views FROM example_note WHERE views > ? ORDER BY views", 10)
	for _, n := range notes {
		fmt.Println(n.Title, n.Views)
	}
	// Output:
	// Numbers 12
	// Engines 30
}

// on_delete=protect refuses to delete a row that is still referred to.
func ExampleProtectedError() {
	db, ctx := setup()
	defer db.Close()
	s := &Shelf{Name: "A"}
	db.Create(ctx, s)
	db.Create(ctx, &Volume{Shelf: orm.To(s)})
	_, err := db.Delete(ctx, s)
	var pe *orm.ProtectedError
	fmt.Println(errors.Is(err, orm.ErrProtected), errors.As(err, &pe))
	// Output: true true
}

type Shelf struct {
	orm.Model
	Name string `orm:"max_length=20"`
}

type Volume struct {
	orm.Model
	Shelf orm.FK[Shelf] `orm:"on_delete=protect,related_name=volumes"`
}

// WithQueryLog records the queries run with its context, in tests as on the debug
// page: Repeated finds the N+1 pattern.
func ExampleWithQueryLog() {
	db, ctx, _, _ := setupNotes()
	defer db.Close()
	ctx, log := orm.WithQueryLog(ctx)
	notes, _ := orm.Q[Note](db).All(ctx)
	for _, n := range notes {
		n.Writer.Load(ctx, db) // one query per note
	}
	fmt.Println(log.Len(), len(log.Repeated(3)))
	log.Reset()
	orm.Q[Note](db).SelectRelated("writer").All(ctx) // one query in all
	fmt.Println(log.Len())
	// Output:
	// 4 1
	// 1
}
