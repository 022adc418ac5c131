package orm_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/galvani-web/galvani/orm"
)

type Writer struct {
	orm.Model
	Name string `orm:"max_length=100"`
}

type Post struct {
	orm.Model
	Title  string         `orm:"max_length=200"`
	Views  int64          `orm:"default=0"`
	Writer orm.FK[Writer] `orm:"on_delete=cascade,related_name=posts"`
}

// exampleModels are the models of every example. They are registered together, and
// each example's database has all their tables: a delete follows every relation
// registered, whichever example registered it.
var exampleModels = []any{Writer{}, Post{}, Club{}, Seat{}, Topic{}, Note{}, Shelf{}, Volume{}, Visit{}}

func setup() (*orm.DB, context.Context) {
	ctx := context.Background()
	if err := orm.RegisterModels("example", exampleModels...); err != nil {
		panic(err)
	}
	db, err := orm.Open(ctx, "sqlite://:memory:")
	if err != nil {
		panic(err)
	}
	if err := orm.CreateTables(ctx, db, exampleModels...); err != nil {
		panic(err)
	}
	return db, ctx
}

func Example() {
	db, ctx := setup()
	defer db.Close()

	ada := &Writer{Name: "Ada"}
	db.Create(ctx, ada)
	for _, title := range []string{"Notes on the Engine", "Sketch of the Analytical Engine", "Poetical Science"} {
		db.Create(ctx, &Post{Title: title, Writer: orm.To(ada)})
	}

	posts, err := orm.Q[Post](db).
		Filter("writer__name", "Ada", "title__icontains", "engine").
		OrderBy("-title").SelectRelated("writer").All(ctx)
	if err != nil {
		panic(err)
	}
	for _, p := range posts {
		fmt.Println(p.Title, "by", p.Writer.Obj().Name)
	}
	// Output:
	// Sketch of the Analytical Engine by Ada
	// Notes on the Engine by Ada
}

func ExampleQuerySet_Update() {
	db, ctx := setup()
	defer db.Close()
	w := &Writer{Name: "Grace"}
	db.Create(ctx, w)
	db.Create(ctx, &Post{Title: "COBOL", Views: 10, Writer: orm.To(w)})

	n, _ := orm.Q[Post](db).Filter("title", "COBOL").Update(ctx, orm.Set("views", orm.F("views").Add(1)))
	p, _ := orm.Q[Post](db).Get(ctx, "title", "COBOL")
	fmt.Println(n, p.Views)
	// Output: 1 11
}

func ExampleQuerySet_Get() {
	db, ctx := setup()
	defer db.Close()
	_, err := orm.Q[Post](db).Get(ctx, "pk", 404)
	fmt.Println(errors.Is(err, orm.ErrNotFound), err)
	// Output: true orm: Post matching query does not exist
}

func ExampleDB_Atomic() {
	db, ctx := setup()
	defer db.Close()
	err := db.Atomic(ctx, func(ctx context.Context, tx *orm.DB) error {
		tx.Create(ctx, &Writer{Name: "kept"})
		_ = tx.Atomic(ctx, func(ctx context.Context, tx *orm.DB) error {
			tx.Create(ctx, &Writer{Name: "rolled back"})
			return errors.New("inner failure") // only the savepoint rolls back
		})
		tx.OnCommit(ctx, func(context.Context) { fmt.Println("committed") })
		return nil
	})
	names, _ := orm.Q[Writer](db).ValuesList(ctx, "name")
	fmt.Println(err, names)
	// Output:
	// committed
	// <nil> [[kept]]
}

func ExampleQuerySet_Annotate() {
	db, ctx := setup()
	defer db.Close()
	a, b := &Writer{Name: "A"}, &Writer{Name: "B"}
	db.Create(ctx, a)
	db.Create(ctx, b)
	posts := []Post{{Title: "1", Writer: orm.To(a)}, {Title: "2", Writer: orm.To(a)}, {Title: "3", Writer: orm.To(b)}}
	orm.BulkCreate(ctx, db, posts)
	rows, _ := orm.Q[Post](db).Annotate(orm.Count("id").As("posts")).OrderBy("writer__name").Values(ctx, "writer__name")
	for _, r := range rows {
		fmt.Println(r["writer__name"], r["posts"])
	}
	// Output:
	// A 2
	// B 1
}
