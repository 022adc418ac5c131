package modelform_test

import (
	"context"
	"fmt"
	"net/url"

	"github.com/galvani-web/galvani/forms/modelform"
	"github.com/galvani-web/galvani/orm"
)

type Label struct {
	orm.Model
	Name string `orm:"max_length=30,unique,help_text=Lower case."`
	Note string `orm:"text,blank"`
}

func ExampleNew() {
	orm.RegisterModels("example", Label{})
	form, err := modelform.New[Label](context.Background(), nil, modelform.Options{}) // with DB: set, unique fields are checked
	if err != nil {
		panic(err)
	}
	err = form.BindData(context.Background(), url.Values{"name": {"this name is much longer than thirty characters"}}, nil)
	fmt.Println(err)
	fmt.Println(form.BoundField("note").Widget())
	// Output:
	// forms: invalid input: name: Ensure this value has at most 30 characters (it has 47).
	// <textarea name="note" cols="40" rows="10" id="id_note">
	// </textarea>
}

type Topic struct {
	orm.Model
	Name string `orm:"max_length=30"`
}

func (t *Topic) String() string { return t.Name }

type Post struct {
	orm.Model
	Title  string         `orm:"max_length=100"`
	Topics orm.M2M[Topic] `orm:"related_name=posts"`
}

type Comment struct {
	orm.Model
	Post orm.FK[Post] `orm:"on_delete=cascade,related_name=comments"`
	Text string       `orm:"max_length=200"`
}

func exampleDB() *orm.DB {
	ctx := context.Background()
	orm.RegisterModels("example", Topic{}, Post{}, Comment{})
	db, err := orm.Open(ctx, "sqlite://:memory:")
	if err != nil {
		panic(err)
	}
	if err := orm.CreateTables(ctx, db, Topic{}, Post{}, Comment{}); err != nil {
		panic(err)
	}
	for _, n := range []string{"Go", "SQL", "Web"} {
		if err := db.Create(ctx, &Topic{Name: n}); err != nil {
			panic(err)
		}
	}
	return db
}

// A model form with a many-to-many field: a multiple select of the topics,
// validated against them, saved with the post in one transaction.
func ExampleForm_Save() {
	ctx := context.Background()
	db := exampleDB()
	defer db.Close()
	form, err := modelform.New[Post](ctx, nil, modelform.Options{Fields: []string{"title", "topics"}, DB: db})
	if err != nil {
		panic(err)
	}
	fmt.Println(form.BoundField("topics").Widget())

	err = form.BindData(ctx, url.Values{"title": {"Hello"}, "topics": {"1", "9"}}, nil)
	fmt.Println(err)

	form, _ = modelform.New[Post](ctx, nil, modelform.Options{Fields: []string{"title", "topics"}, DB: db})
	if err := form.BindData(ctx, url.Values{"title": {"Hello"}, "topics": {"1", "3"}}, nil); err != nil {
		panic(err)
	}
	post, err := form.Save(ctx, true)
	if err != nil {
		panic(err)
	}
	topics, _ := orm.Related[Topic](db, post, "topics").Query().OrderBy("name").All(ctx)
	fmt.Println(post.ID, post.Title, topics[0].Name, topics[1].Name)
	// Output:
	// <select name="topics" id="id_topics" multiple required><option value="1">Go</option><option value="2">SQL</option><option value="3">Web</option></select>
	// forms: invalid input: topics: Select a valid choice. 9 is not one of the available choices.
	// 1 Hello Go Web
}

// An inline formset edits the comments of one post: the FK to the post is not a
// form field, and Save points new comments at the post.
func ExampleNewInlineFormSet() {
	ctx := context.Background()
	db := exampleDB()
	defer db.Close()
	post := &Post{Title: "Hello"}
	if err := db.Create(ctx, post); err != nil {
		panic(err)
	}
	set, err := modelform.NewInlineFormSet[Post, Comment](ctx, post, "", modelform.Options{Fields: []string{"text"}, DB: db})
	if err != nil {
		panic(err)
	}
	err = set.BindData(ctx, url.Values{
		"comments-TOTAL_FORMS": {"3"}, "comments-INITIAL_FORMS": {"0"},
		"comments-0-text": {"First!"}, "comments-1-text": {"Nice post."}, "comments-2-text": {""},
	}, nil)
	if err != nil {
		panic(err)
	}
	saved, err := set.Save(ctx, true)
	if err != nil {
		panic(err)
	}
	for _, c := range saved {
		fmt.Println(c.ID, c.Post.ID(), c.Text)
	}
	// Output:
	// 1 1 First!
	// 2 1 Nice post.
}
