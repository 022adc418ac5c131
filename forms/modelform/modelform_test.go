package modelform

import (
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/galvani-web/galvani/forms"
	"github.com/galvani-web/galvani/orm"
)

type Author struct {
	orm.Model
	Name string `orm:"max_length=50"`
}

type Article struct {
	orm.Model
	Title   string          `orm:"max_length=20,verbose_name=headline,help_text=Keep it short."`
	Slug    string          `orm:"max_length=50,unique"`
	Body    string          `orm:"text,blank"`
	Status  string          `orm:"max_length=10,choices=draft:Draft|published:Published,default=draft"`
	Price   orm.Decimal     `orm:"max_digits=6,decimal_places=2,blank"`
	Rating  orm.Null[int64] `orm:"blank"`
	Public  bool
	Created time.Time      `orm:"auto_now_add"`
	Author  orm.FK[Author] `orm:"on_delete=cascade"`
	Section string         `orm:"max_length=20,blank"`
}

func (Article) Meta() orm.Meta { return orm.Meta{UniqueTogether: [][]string{{"title", "section"}}} }

var registerOnce sync.Once

func setup(t *testing.T) (*orm.DB, *Author) {
	registerOnce.Do(func() {
		if err := orm.RegisterModels("modelformtest", Author{}, Article{}); err != nil {
			panic(err)
		}
	})
	ctx := context.Background()
	db, err := orm.Open(ctx, "sqlite:///"+filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := orm.CreateTables(ctx, db, Author{}, Article{}); err != nil {
		t.Fatal(err)
	}
	a := &Author{Name: "Ann"}
	if err := db.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	return db, a
}

func TestFieldsFromMetadata(t *testing.T) {
	setup(t)
	form, err := New[Article](Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range form.Fields() {
		names = append(names, f.Name)
	}
	// No automatic key, no auto_now_add timestamp.
	if got := strings.Join(names, ","); got != "title,slug,body,status,price,rating,public,author,section" {
		t.Fatalf("fields %s", got)
	}
	title := form.Field("title")
	if title.MaxLength != 20 || !title.Required || title.Label != "Headline" || title.Help != "Keep it short." {
		t.Errorf("title %+v", title)
	}
	if body := form.Field("body"); body.Required || body.Widget != (forms.Textarea{}) {
		t.Errorf("body %+v", body)
	}
	if st := form.Field("status"); st.Kind != forms.Choice || len(st.Options) != 2 {
		t.Errorf("status %+v", st)
	}
	if p := form.Field("price"); p.Kind != forms.Decimal || p.MaxDigits != 6 || p.DecimalPlaces != 2 || p.Required {
		t.Errorf("price %+v", p)
	}
	html := string(form.AsDiv())
	for _, want := range []string{`maxlength="20"`, `<textarea name="body"`, `<option value="published">Published</option>`, `id="id_title_helptext">Keep it short.</div>`} {
		if !strings.Contains(html, want) {
			t.Errorf("missing %q in %s", want, html)
		}
	}
	if _, err := New[Article](Options{Fields: []string{"created"}}); err == nil {
		t.Error("auto_now_add field accepted")
	}
	if _, err := New[Article](Options{Fields: []string{"nope"}}); err == nil {
		t.Error("unknown field accepted")
	}
}

func valid(authorID string) url.Values {
	return url.Values{"title": {"Hello"}, "slug": {"hello"}, "status": {"draft"}, "price": {"12.50"}, "rating": {"4"}, "author": {authorID}}
}

func TestBindSaveAndUnique(t *testing.T) {
	db, author := setup(t)
	ctx := context.Background()
	id := "1"
	if author.ID != 1 {
		t.Fatalf("author id %d", author.ID)
	}
	form, _ := New[Article](Options{DB: db})
	if err := form.BindData(ctx, valid(id), nil); err != nil {
		t.Fatal(err)
	}
	a := form.Data
	if a.Title != "Hello" || a.Price.String() != "12.50" || !a.Rating.Valid || a.Rating.V != 4 || a.Author.ID() != 1 {
		t.Fatalf("data %+v", a)
	}
	if err := db.Create(ctx, &form.Data); err != nil {
		t.Fatal(err)
	}
	// A second article with the same slug: refused by the unique check.
	form2, _ := New[Article](Options{DB: db})
	data := valid(id)
	data.Set("title", "Other")
	err := form2.BindData(ctx, data, nil)
	var ve *forms.ValidationError
	if !errors.As(err, &ve) || len(form2.FieldErrors("slug")) != 1 || form2.FieldErrors("slug")[0] != "Article with this Slug already exists." {
		t.Fatalf("unique: %v %v", err, form2.FieldErrors("slug"))
	}
	// Same title and section: unique together.
	form3, _ := New[Article](Options{DB: db})
	data = valid(id)
	data.Set("slug", "other")
	form3.BindData(ctx, data, nil)
	if nf := form3.NonFieldErrors(); len(nf) != 1 || nf[0] != "Article with this Headline and Section already exists." {
		t.Errorf("unique together: %v", nf)
	}
	// Editing the stored article with its own slug is fine.
	stored, err := orm.Q[Article](db).Get(ctx, "slug", "hello")
	if err != nil {
		t.Fatal(err)
	}
	edit, _ := New[Article](Options{DB: db})
	edit.Data = *stored
	html := string(edit.AsDiv())
	for _, want := range []string{`value="Hello"`, `value="12.50"`, `value="4"`, `name="author" id="id_author" value="1"`} {
		if !strings.Contains(html, want) {
			t.Errorf("edit form lacks %q:\n%s", want, html)
		}
	}
	data = valid(id)
	data.Set("rating", "")
	if err := edit.BindData(ctx, data, nil); err != nil {
		t.Fatalf("edit: %v", err)
	}
	if edit.Data.Rating.Valid || edit.Data.ID != stored.ID || edit.Data.Created.IsZero() {
		t.Errorf("edit data %+v", edit.Data)
	}
	if err := db.Save(ctx, &edit.Data); err != nil {
		t.Fatal(err)
	}
}

func TestRelationChoices(t *testing.T) {
	setup(t)
	form, err := New[Article](Options{Fields: []string{"title", "author"}, Choices: map[string][]forms.Option{"author": {{Value: "1", Label: "Ann"}}}})
	if err != nil {
		t.Fatal(err)
	}
	form.BindData(context.Background(), url.Values{"title": {"x"}, "author": {"2"}}, nil)
	if m := form.FieldErrors("author"); len(m) != 1 || !strings.Contains(m[0], "2 is not one of the available choices") {
		t.Errorf("author: %v", m)
	}
	if err := form.BindData(context.Background(), url.Values{"title": {"x"}, "author": {"1"}}, nil); err != nil || form.Data.Author.ID() != 1 {
		t.Errorf("author choice: %v %+v", err, form.Data.Author)
	}
}

func TestModelFormSet(t *testing.T) {
	setup(t)
	set, err := NewFormSet[Author](Options{})
	if err != nil {
		t.Fatal(err)
	}
	data := url.Values{"form-TOTAL_FORMS": {"2"}, "form-INITIAL_FORMS": {"0"}, "form-0-name": {"Bo"}, "form-1-name": {""}}
	if err := set.BindData(context.Background(), data, nil); err != nil {
		t.Fatal(err)
	}
	if es := set.Entries(); len(es) != 1 || es[0].Data.Name != "Bo" {
		t.Errorf("entries %+v", es)
	}
}
