package modelform

import (
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/galvani-web/galvani/forms"
	"github.com/galvani-web/galvani/orm"
)

type Author struct {
	orm.Model
	Name   string `orm:"max_length=50"`
	Active bool   `orm:"default=true"`
}

func (a *Author) String() string { return a.Name }

type Tag struct {
	orm.Model
	Name string `orm:"max_length=30,unique"`
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
	Editor  orm.FK[Author] `orm:"null,blank,on_delete=set_null,related_name=edited"`
	Section string         `orm:"max_length=20,blank"`
	Tags    orm.M2M[Tag]   `orm:"blank,related_name=articles"`
}

func (Article) Meta() orm.Meta { return orm.Meta{UniqueTogether: [][]string{{"title", "section"}}} }

type Book struct {
	orm.Model
	Title string `orm:"max_length=50"`
}

type Chapter struct {
	orm.Model
	Book   orm.FK[Book] `orm:"on_delete=cascade,related_name=chapters"`
	Number int64
	Title  string `orm:"max_length=50"`
}

func (Chapter) Meta() orm.Meta {
	return orm.Meta{UniqueTogether: [][]string{{"book", "number"}}, Ordering: []string{"number"}}
}

var registerOnce sync.Once

func setup(t testing.TB) (*orm.DB, *Author) {
	registerOnce.Do(func() {
		if err := orm.RegisterModels("modelformtest", Author{}, Tag{}, Article{}, Book{}, Chapter{}); err != nil {
			panic(err)
		}
	})
	ctx := context.Background()
	db, err := orm.Open(ctx, "sqlite:///"+filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := orm.CreateTables(ctx, db, Author{}, Tag{}, Article{}, Book{}, Chapter{}); err != nil {
		t.Fatal(err)
	}
	a := &Author{Name: "Ann", Active: true}
	if err := db.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	return db, a
}

func mkTags(t *testing.T, db *orm.DB, names ...string) []*Tag {
	t.Helper()
	var out []*Tag
	for _, n := range names {
		tag := &Tag{Name: n}
		if err := db.Create(context.Background(), tag); err != nil {
			t.Fatal(err)
		}
		out = append(out, tag)
	}
	return out
}

func TestFieldsFromMetadata(t *testing.T) {
	setup(t)
	ctx := context.Background()
	form, err := New[Article](ctx, nil, Options{Exclude: []string{"tags", "editor"}})
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
	for _, bad := range []Options{{Fields: []string{"created"}}, {Fields: []string{"nope"}}, {Exclude: []string{"nope"}}, {Fields: []string{"title", "title"}}, {Fields: []string{"tags"}}} {
		if _, err := New[Article](ctx, nil, bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	// Labels, help texts and widgets from the options.
	form, err = New[Article](ctx, nil, Options{Fields: []string{"title", "status"}, Labels: map[string]string{"title": "Name"},
		HelpTexts: map[string]string{"Title": "Short!"}, Widgets: map[string]forms.Widget{"status": forms.RadioSelect{}}})
	if err != nil {
		t.Fatal(err)
	}
	if f := form.Field("title"); f.Label != "Name" || f.Help != "Short!" {
		t.Errorf("title %+v", f)
	}
	if _, ok := form.Field("status").Widget.(forms.RadioSelect); !ok {
		t.Errorf("status widget %T", form.Field("status").Widget)
	}
}

func valid(authorID string) url.Values {
	return url.Values{"title": {"Hello"}, "slug": {"hello"}, "status": {"draft"}, "price": {"12.50"}, "rating": {"4"}, "author": {authorID}}
}

var articleFields = []string{"title", "slug", "body", "status", "price", "rating", "public", "author", "section"}

func TestBindSaveAndUnique(t *testing.T) {
	db, author := setup(t)
	ctx := context.Background()
	id := "1"
	if author.ID != 1 {
		t.Fatalf("author id %d", author.ID)
	}
	form, _ := New[Article](ctx, nil, Options{Fields: articleFields, DB: db})
	if err := form.BindData(ctx, valid(id), nil); err != nil {
		t.Fatal(err)
	}
	a := form.Data
	if a.Title != "Hello" || a.Price.String() != "12.50" || !a.Rating.Valid || a.Rating.V != 4 || a.Author.ID() != 1 {
		t.Fatalf("data %+v", a)
	}
	saved, err := form.Save(ctx, true)
	if err != nil || saved.ID == 0 || saved != &form.Data {
		t.Fatalf("save: %v %+v", err, saved)
	}
	// A second article with the same slug: refused by the unique check.
	form2, _ := New[Article](ctx, nil, Options{Fields: articleFields, DB: db})
	data := valid(id)
	data.Set("title", "Other")
	err = form2.BindData(ctx, data, nil)
	var ve *forms.ValidationError
	if !errors.As(err, &ve) || len(form2.FieldErrors("slug")) != 1 || form2.FieldErrors("slug")[0] != "Article with this Slug already exists." {
		t.Fatalf("unique: %v %v", err, form2.FieldErrors("slug"))
	}
	if _, err := form2.Save(ctx, true); !errors.Is(err, ErrNotValid) {
		t.Errorf("Save of an invalid form: %v", err)
	}
	// Same title and section: unique together.
	form3, _ := New[Article](ctx, nil, Options{Fields: articleFields, DB: db})
	data = valid(id)
	data.Set("slug", "other")
	form3.BindData(ctx, data, nil)
	if nf := form3.NonFieldErrors(); len(nf) != 1 || nf[0] != "Article with this Headline and Section already exists." {
		t.Errorf("unique together: %v", nf)
	}
	// Editing the stored article with its own slug and title is fine.
	stored, err := orm.Q[Article](db).Get(ctx, "slug", "hello")
	if err != nil {
		t.Fatal(err)
	}
	edit, _ := New(ctx, stored, Options{Fields: articleFields, DB: db})
	html := string(edit.AsDiv())
	for _, want := range []string{`value="Hello"`, `value="12.50"`, `value="4"`, `<option value="1" selected>Ann</option>`} {
		if !strings.Contains(html, want) {
			t.Errorf("edit form lacks %q:\n%s", want, html)
		}
	}
	// A required FK that has a value shows no blank choice.
	if strings.Contains(html, `<select name="author" id="id_author" required><option value="">`) {
		t.Errorf("edit form offers to unset a required FK:\n%s", html)
	}
	data = valid(id)
	data.Set("rating", "")
	if err := edit.BindData(ctx, data, nil); err != nil {
		t.Fatalf("edit: %v", err)
	}
	if edit.Data.Rating.Valid || edit.Data.ID != stored.ID || edit.Data.Created.IsZero() {
		t.Errorf("edit data %+v", edit.Data)
	}
	if _, err := edit.Save(ctx, true); err != nil {
		t.Fatal(err)
	}
	if n, _ := orm.Q[Article](db).Count(ctx); n != 1 {
		t.Fatalf("%d articles after an edit", n)
	}
	// Taking another row's slug on edit is refused.
	other := &Article{Title: "B", Slug: "b", Status: "draft", Author: orm.To(author)}
	if err := db.Create(ctx, other); err != nil {
		t.Fatal(err)
	}
	edit2, _ := New(ctx, other, Options{Fields: []string{"slug"}, DB: db})
	if edit2.BindData(ctx, url.Values{"slug": {"hello"}}, nil) == nil {
		t.Error("edit took another row's slug")
	}
}

func TestForeignKeySelect(t *testing.T) {
	db, ann := setup(t)
	ctx := context.Background()
	bob := &Author{Name: "Bob", Active: true}
	gone := &Author{Name: "Gone", Active: false}
	for _, a := range []*Author{bob, gone} {
		if err := db.Create(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := orm.Q[Author](db).Filter("name", "Gone").Update(ctx, orm.Set("active", false)); err != nil {
		t.Fatal(err)
	}
	opts := Options{Fields: []string{"title", "author", "editor"}, DB: db,
		Querysets:   map[string]orm.AnyQuerySet{"author": orm.Q[Author](db).Filter("active", true).OrderBy("-name").Any()},
		EmptyLabels: map[string]string{"editor": "(nobody)"}}
	form, err := New[Article](ctx, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	html := string(form.AsDiv())
	for _, want := range []string{
		`<select name="author" id="id_author" required><option value="">---------</option><option value="2">Bob</option><option value="1">Ann</option></select>`,
		`<select name="editor" id="id_editor"><option value="">(nobody)</option><option value="1">Ann</option><option value="2">Bob</option><option value="3">Gone</option></select>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("missing %s in\n%s", want, html)
		}
	}
	// A key outside the queryset, a missing one, junk: field errors, never a
	// database error.
	for _, bad := range []string{"3", "999", "abc", "-1", "99999999999999999999999", "1 OR 1=1", ""} {
		f, _ := New[Article](ctx, nil, opts)
		err := f.BindData(ctx, url.Values{"title": {"x"}, "author": {bad}}, nil)
		var ve *forms.ValidationError
		if !errors.As(err, &ve) || len(f.FieldErrors("author")) != 1 {
			t.Errorf("author %q: %v %v", bad, err, f.FieldErrors("author"))
		}
	}
	f, _ := New[Article](ctx, nil, opts)
	if err := f.BindData(ctx, url.Values{"title": {"x"}, "author": {"1"}, "editor": {""}}, nil); err != nil {
		t.Fatal(err)
	}
	if f.Data.Author.ID() != ann.ID || f.Data.Editor.Valid() {
		t.Errorf("data %+v", f.Data)
	}
	// A bad queryset type is refused when the form is made.
	if _, err := New[Article](ctx, nil, Options{Fields: []string{"author"}, DB: db, Querysets: map[string]orm.AnyQuerySet{"author": orm.Q[Tag](db).Any()}}); err == nil {
		t.Error("a Tag queryset for an Author FK was accepted")
	}
	// Fixed choices still work without a database.
	f2, err := New[Article](ctx, nil, Options{Fields: []string{"title", "author"}, Choices: map[string][]forms.Option{"author": {{Value: "1", Label: "Ann"}}}})
	if err != nil {
		t.Fatal(err)
	}
	f2.BindData(ctx, url.Values{"title": {"x"}, "author": {"2"}}, nil)
	if m := f2.FieldErrors("author"); len(m) != 1 || !strings.Contains(m[0], "2 is not one of the available choices") {
		t.Errorf("author: %v", m)
	}
}

func keysOf(t *testing.T, db *orm.DB, a *Article) []int64 {
	t.Helper()
	keys, err := orm.M2MKeys(context.Background(), db, a, "tags")
	if err != nil {
		t.Fatal(err)
	}
	out := []int64{}
	for _, k := range keys {
		out = append(out, k.(int64))
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func TestManyToMany(t *testing.T) {
	db, _ := setup(t)
	ctx := context.Background()
	tags := mkTags(t, db, "go", "sql", "web")
	opts := Options{Fields: []string{"title", "slug", "author", "tags"}, DB: db}
	form, err := New[Article](ctx, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	if html := string(form.AsDiv()); !strings.Contains(html, `<select name="tags" id="id_tags" multiple><option value="1">Tag object (1)</option>`) {
		t.Errorf("tags select:\n%s", html)
	}
	data := url.Values{"title": {"T"}, "slug": {"t"}, "author": {"1"}, "tags": {"3", "1", "3"}}
	if err := form.BindData(ctx, data, nil); err != nil {
		t.Fatal(err)
	}
	if keys := form.M2MKeys("tags"); len(keys) != 2 || keys[0] != tags[2].ID || keys[1] != tags[0].ID {
		t.Errorf("keys %v", keys)
	}
	a, err := form.Save(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := keysOf(t, db, a); len(got) != 2 || got[0] != 1 || got[1] != 3 {
		t.Fatalf("stored tags %v", got)
	}
	// The edit form shows the current tags, as checkboxes here.
	opts.Widgets = map[string]forms.Widget{"tags": forms.CheckboxSelectMultiple{}}
	edit, err := New(ctx, a, opts)
	if err != nil {
		t.Fatal(err)
	}
	html := string(edit.AsDiv())
	for _, want := range []string{`value="1" id="id_tags_0" checked>`, `value="2" id="id_tags_1">`, `value="3" id="id_tags_2" checked>`} {
		if !strings.Contains(html, want) {
			t.Errorf("missing %s in\n%s", want, html)
		}
	}
	// Unchanged submission: HasChanged is false.
	data = url.Values{"title": {"T"}, "slug": {"t"}, "author": {"1"}, "tags": {"1", "3"}}
	if err := edit.BindData(ctx, data, nil); err != nil || edit.HasChanged() {
		t.Fatalf("unchanged edit: %v changed=%v", err, edit.HasChanged())
	}
	// commit=false: nothing written until the object is saved and SaveM2M runs.
	edit, _ = New(ctx, a, opts)
	data.Set("title", "T2")
	data["tags"] = []string{"2"}
	if err := edit.BindData(ctx, data, nil); err != nil || !edit.HasChanged() {
		t.Fatalf("edit: %v", err)
	}
	obj, err := edit.Save(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := keysOf(t, db, a); len(got) != 2 {
		t.Fatalf("commit=false wrote the tags: %v", got)
	}
	obj.Body = "set by the view"
	if err := db.Save(ctx, obj); err != nil {
		t.Fatal(err)
	}
	if err := edit.SaveM2M(ctx); err != nil {
		t.Fatal(err)
	}
	if got := keysOf(t, db, a); len(got) != 1 || got[0] != 2 {
		t.Fatalf("after SaveM2M %v", got)
	}
	stored, _ := orm.Q[Article](db).Get(ctx, "pk", a.ID)
	if stored.Title != "T2" || stored.Body != "set by the view" {
		t.Errorf("stored %+v", stored)
	}
	// Emptying an optional M2M clears it.
	edit, _ = New(ctx, stored, opts)
	delete(data, "tags")
	if err := edit.BindData(ctx, data, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := edit.Save(ctx, true); err != nil {
		t.Fatal(err)
	}
	if got := keysOf(t, db, a); len(got) != 0 {
		t.Fatalf("after clearing %v", got)
	}
}

// TestHostileRelations: keys outside the queryset, junk, oversized and repeated
// lists are form errors, and nothing is written.
func TestHostileRelations(t *testing.T) {
	db, _ := setup(t)
	ctx := context.Background()
	mkTags(t, db, "go", "sql", "web")
	opts := Options{Fields: []string{"title", "slug", "author", "tags"}, DB: db,
		Querysets: map[string]orm.AnyQuerySet{"tags": orm.Q[Tag](db).Exclude("name", "web").Any()}}
	huge := make([]string, 5000)
	for i := range huge {
		huge[i] = "1"
	}
	for _, tags := range [][]string{{"3"}, {"1", "999"}, {"x"}, {"1; DROP TABLE x"}, {"-1"}, {"1e3"}, huge, {"1", "1", "2"}} {
		form, err := New[Article](ctx, nil, opts)
		if err != nil {
			t.Fatal(err)
		}
		err = form.BindData(ctx, url.Values{"title": {"T"}, "slug": {"t"}, "author": {"1"}, "tags": tags}, nil)
		var ve *forms.ValidationError
		if !errors.As(err, &ve) || len(form.FieldErrors("tags")) == 0 {
			t.Errorf("tags %.40v: %v", tags, err)
		}
	}
	if n, _ := orm.Q[Article](db).Count(ctx); n != 0 {
		t.Fatalf("%d articles written", n)
	}
}

func TestNoDatabase(t *testing.T) {
	setup(t)
	ctx := context.Background()
	if _, err := New[Article](ctx, nil, Options{Fields: []string{"title", "tags"}}); err == nil {
		t.Error("an M2M field without a DB")
	}
	form, err := New[Article](ctx, nil, Options{Fields: []string{"title", "author"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := form.BindData(ctx, url.Values{"title": {"x"}, "author": {"1"}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := form.Save(ctx, true); err == nil {
		t.Error("Save without a DB")
	}
}

func TestLabel(t *testing.T) {
	setup(t)
	if got := Label(&Author{Name: "Ann"}); got != "Ann" {
		t.Errorf("stringer: %q", got)
	}
	tag := &Tag{Name: "go"}
	tag.ID = 7
	if got := Label(tag); got != "Tag object (7)" {
		t.Errorf("default: %q", got)
	}
}

func TestFieldsDescriptions(t *testing.T) {
	db, _ := setup(t)
	fields, err := Fields[Article](Options{Fields: []string{"title", "author", "tags"}, DB: db})
	if err != nil {
		t.Fatal(err)
	}
	if len(fields) != 2 || fields[1].Name != "author" || fields[1].Kind != forms.Integer {
		t.Fatalf("fields %+v", fields)
	}
	f, err := forms.Build[Article](fields)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.BindData(context.Background(), url.Values{"title": {"x"}, "author": {"1"}}, nil); err != nil || f.Data.Author.ID() != 1 {
		t.Fatalf("bind: %v %+v", err, f.Data.Author)
	}
}

// TestKeyInputs: a FK shown as a key input loads no options and checks the
// submitted key against its queryset.
func TestKeyInputs(t *testing.T) {
	db, _ := setup(t)
	ctx := context.Background()
	if err := db.Create(ctx, &Author{Name: "Off", Active: false}); err != nil {
		t.Fatal(err)
	}
	orm.Q[Author](db).Filter("name", "Off").Update(ctx, orm.Set("active", false))
	opts := Options{Fields: []string{"title", "author"}, DB: db, KeyInputs: []string{"author"},
		Querysets: map[string]orm.AnyQuerySet{"author": orm.Q[Author](db).Filter("active", true).Any()}}
	form, err := New[Article](ctx, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	if html := string(form.AsDiv()); !strings.Contains(html, `<input type="number" name="author" id="id_author" required>`) {
		t.Errorf("key input:\n%s", html)
	}
	for _, bad := range []string{"2", "999", "x", ""} {
		f, _ := New[Article](ctx, nil, opts)
		if err := f.BindData(ctx, url.Values{"title": {"t"}, "author": {bad}}, nil); err == nil || len(f.FieldErrors("author")) != 1 {
			t.Errorf("author %q: %v %v", bad, err, f.FieldErrors("author"))
		}
	}
	f, _ := New[Article](ctx, nil, opts)
	if err := f.BindData(ctx, url.Values{"title": {"t"}, "author": {"1"}}, nil); err != nil || f.Data.Author.ID() != 1 {
		t.Fatalf("valid key: %v", err)
	}
	if _, err := New[Article](ctx, nil, Options{Fields: []string{"title"}, DB: db, KeyInputs: []string{"title"}}); err == nil {
		t.Error("KeyInputs of a non-relation accepted")
	}
}

// TestManyToManyKeyInputs: a many-to-many key input takes comma-separated keys,
// refuses those outside its queryset or not keys at all, and saves the rest.
func TestManyToManyKeyInputs(t *testing.T) {
	db, _ := setup(t)
	ctx := context.Background()
	tags := mkTags(t, db, "go", "sql", "web")
	opts := Options{Fields: []string{"title", "slug", "author", "tags"}, DB: db, KeyInputs: []string{"tags"},
		Querysets: map[string]orm.AnyQuerySet{"tags": orm.Q[Tag](db).Exclude("pk", tags[1].ID).Any()}}
	form, err := New[Article](ctx, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	if html := string(form.AsDiv()); !strings.Contains(html, `<input type="text" name="tags" id="id_tags">`) {
		t.Errorf("key input:\n%s", html)
	}
	for _, tc := range []struct{ in, bad string }{{"1,x", "x"}, {"1, 2", "2"}, {"999", "999"}, {"1;3", "1;3"}} {
		f, _ := New[Article](ctx, nil, opts)
		err := f.BindData(ctx, url.Values{"title": {"T"}, "slug": {"t"}, "author": {"1"}, "tags": {tc.in}}, nil)
		if m := f.FieldErrors("tags"); err == nil || len(m) != 1 || !strings.Contains(m[0], tc.bad+" is not one of") {
			t.Errorf("tags %q: %v %v", tc.in, err, m)
		}
	}
	if err := form.BindData(ctx, url.Values{"title": {"T"}, "slug": {"t"}, "author": {"1"}, "tags": {" 3, 1,3 ,"}}, nil); err != nil {
		t.Fatal(err)
	}
	if keys := form.M2MKeys("tags"); len(keys) != 2 || keys[0] != tags[2].ID || keys[1] != tags[0].ID {
		t.Errorf("keys %v", keys)
	}
	a, err := form.Save(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := keysOf(t, db, a); len(got) != 2 || got[0] != 1 || got[1] != 3 {
		t.Fatalf("stored tags %v", got)
	}
	edit, err := New(ctx, a, opts)
	if err != nil {
		t.Fatal(err)
	}
	if html := string(edit.AsDiv()); !strings.Contains(html, `name="tags" id="id_tags" value="1,3"`) {
		t.Errorf("edit form:\n%s", html)
	}
	if err := edit.BindData(ctx, url.Values{"title": {"T"}, "slug": {"t"}, "author": {"1"}, "tags": {""}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := edit.Save(ctx, true); err != nil {
		t.Fatal(err)
	}
	if got := keysOf(t, db, a); len(got) != 0 {
		t.Fatalf("emptied tags %v", got)
	}
}
