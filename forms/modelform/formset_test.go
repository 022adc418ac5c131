package modelform

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/galvani-web/galvani/forms"
	"github.com/galvani-web/galvani/orm"
)

func authorNames(t *testing.T, db *orm.DB) string {
	t.Helper()
	all, err := orm.Q[Author](db).OrderBy("id").All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range all {
		names = append(names, a.Name)
	}
	return strings.Join(names, ",")
}

func TestModelFormSet(t *testing.T) {
	db, _ := setup(t) // Ann (1)
	ctx := context.Background()
	for _, n := range []string{"Bob", "Cy"} {
		if err := db.Create(ctx, &Author{Name: n, Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	set, err := NewFormSet(ctx, orm.Q[Author](db).Exclude("name", "Cy"), Options{Fields: []string{"name"}, DB: db})
	if err != nil {
		t.Fatal(err)
	}
	set.CanDelete = true
	html := string(set.AsDiv())
	for _, want := range []string{
		`name="form-TOTAL_FORMS" value="3"`, `name="form-INITIAL_FORMS" value="2"`,
		`name="form-0-name" id="id_form-0-name" value="Ann"`, `<input type="hidden" name="form-0-id" id="id_form-0-id" value="1" required>`,
		`name="form-1-id" id="id_form-1-id" value="2"`, `name="form-2-name" id="id_form-2-name"`, `name="form-2-DELETE"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("missing %s in\n%s", want, html)
		}
	}
	if strings.Contains(html, "form-2-id") {
		t.Errorf("the extra form has a key field:\n%s", html)
	}
	// Rename Bob, delete Ann, add Dee, leave the last extra form blank. The forms
	// come in another order than they were shown: each edits the row it names.
	set, _ = NewFormSet(ctx, orm.Q[Author](db).Exclude("name", "Cy"), Options{Fields: []string{"name"}, DB: db})
	set.CanDelete = true
	data := url.Values{"form-TOTAL_FORMS": {"4"}, "form-INITIAL_FORMS": {"2"},
		"form-0-id": {"2"}, "form-0-name": {"Bobby"},
		"form-1-id": {"1"}, "form-1-name": {"Ann"}, "form-1-DELETE": {"on"},
		"form-2-name": {"Dee"}, "form-3-name": {""}}
	if err := set.BindData(ctx, data, nil); err != nil {
		t.Fatal(err)
	}
	saved, err := set.Save(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(saved) != 2 || saved[0].Name != "Bobby" || saved[1].Name != "Dee" || saved[1].ID == 0 {
		t.Fatalf("saved %+v", saved)
	}
	if d := set.DeletedObjects(); len(d) != 1 || d[0].Name != "Ann" {
		t.Fatalf("deleted %+v", d)
	}
	if got := authorNames(t, db); got != "Bobby,Cy,Dee" {
		t.Fatalf("authors %s", got)
	}
	// commit=false writes nothing.
	set, _ = NewFormSet(ctx, orm.Q[Author](db).Filter("name", "Dee"), Options{Fields: []string{"name"}, DB: db})
	if err := set.BindData(ctx, url.Values{"form-TOTAL_FORMS": {"2"}, "form-INITIAL_FORMS": {"1"}, "form-0-id": {"4"}, "form-0-name": {"Di"}, "form-1-name": {"Ed"}}, nil); err != nil {
		t.Fatal(err)
	}
	saved, err = set.Save(ctx, false)
	if err != nil || len(saved) != 2 {
		t.Fatalf("commit=false: %v %+v", err, saved)
	}
	if got := authorNames(t, db); got != "Bobby,Cy,Dee" {
		t.Fatalf("commit=false wrote: %s", got)
	}
	for _, a := range saved {
		a.Active = true
		if err := db.Save(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := set.SaveM2M(ctx); err != nil {
		t.Fatal(err)
	}
	if got := authorNames(t, db); got != "Bobby,Cy,Di,Ed" {
		t.Fatalf("after saving: %s", got)
	}
}

// TestFormSetTampering: keys outside the query, missing keys, a key sent twice,
// hostile management forms: errors, never a write to another row or a panic.
func TestFormSetTampering(t *testing.T) {
	db, _ := setup(t)
	ctx := context.Background()
	for _, n := range []string{"Bob", "Cy"} {
		if err := db.Create(ctx, &Author{Name: n, Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	q := orm.Q[Author](db).Exclude("name", "Cy") // Ann 1, Bob 2; Cy (3) is not editable here
	cases := []struct {
		name   string
		data   url.Values
		status int
	}{
		{"key outside the query", url.Values{"form-TOTAL_FORMS": {"1"}, "form-INITIAL_FORMS": {"1"}, "form-0-id": {"3"}, "form-0-name": {"Hacked"}}, 422},
		{"missing key", url.Values{"form-TOTAL_FORMS": {"1"}, "form-INITIAL_FORMS": {"1"}, "form-0-name": {"Hacked"}}, 422},
		{"junk key", url.Values{"form-TOTAL_FORMS": {"1"}, "form-INITIAL_FORMS": {"1"}, "form-0-id": {"1 OR 1=1"}, "form-0-name": {"Hacked"}}, 422},
		{"one row twice", url.Values{"form-TOTAL_FORMS": {"2"}, "form-INITIAL_FORMS": {"2"}, "form-0-id": {"1"}, "form-0-name": {"A"}, "form-1-id": {"1"}, "form-1-name": {"B"}}, 422},
		{"huge TOTAL_FORMS", url.Values{"form-TOTAL_FORMS": {"100000000"}, "form-INITIAL_FORMS": {"0"}}, 400},
		{"negative TOTAL_FORMS", url.Values{"form-TOTAL_FORMS": {"-1"}, "form-INITIAL_FORMS": {"0"}}, 400},
		{"junk INITIAL_FORMS", url.Values{"form-TOTAL_FORMS": {"1"}, "form-INITIAL_FORMS": {"1e9"}}, 400},
		{"no management form", url.Values{"form-0-name": {"x"}}, 400},
	}
	for _, c := range cases {
		set, err := NewFormSet(ctx, q, Options{Fields: []string{"name"}, DB: db})
		if err != nil {
			t.Fatal(err)
		}
		err = set.BindData(ctx, c.data, nil)
		var ve *forms.ValidationError
		if !errors.As(err, &ve) || ve.HTTPStatus() != c.status {
			t.Errorf("%s: %v", c.name, err)
		}
		if _, err := set.Save(ctx, true); !errors.Is(err, ErrNotValid) {
			t.Errorf("%s: Save of an invalid set: %v", c.name, err)
		}
	}
	// An extra extra form sending a key creates a row; it never updates the one
	// named. INITIAL_FORMS larger than the rows counts only the rows.
	set, _ := NewFormSet(ctx, q, Options{Fields: []string{"name"}, DB: db})
	err := set.BindData(ctx, url.Values{"form-TOTAL_FORMS": {"3"}, "form-INITIAL_FORMS": {"9"},
		"form-0-id": {"1"}, "form-0-name": {"Ann"}, "form-1-id": {"2"}, "form-1-name": {"Bob"}, "form-2-id": {"1"}, "form-2-name": {"New"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := set.Save(ctx, true); err != nil {
		t.Fatal(err)
	}
	if got := authorNames(t, db); got != "Ann,Bob,Cy,New" {
		t.Fatalf("authors %s", got)
	}
}

func chapterTitles(t *testing.T, db *orm.DB, b *Book) string {
	t.Helper()
	cs, err := orm.Q[Chapter](db).Filter("book", b.ID).All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cs {
		out = append(out, c.Title)
	}
	return strings.Join(out, ",")
}

func TestInlineFormSet(t *testing.T) {
	db, _ := setup(t)
	ctx := context.Background()
	opts := Options{Fields: []string{"number", "title"}, DB: db}
	// A new parent: no rows; the children are saved after it.
	book := &Book{Title: "Go"}
	set, err := NewInlineFormSet[Book, Chapter](ctx, book, "", opts)
	if err != nil {
		t.Fatal(err)
	}
	if set.Prefix != "chapters" || set.Extra != 3 || !set.CanDelete {
		t.Fatalf("defaults %q %d %v", set.Prefix, set.Extra, set.CanDelete)
	}
	if html := string(set.AsDiv()); !strings.Contains(html, `name="chapters-TOTAL_FORMS" value="3"`) || strings.Contains(html, `name="chapters-0-book"`) {
		t.Errorf("inline form:\n%s", html)
	}
	data := url.Values{"chapters-TOTAL_FORMS": {"3"}, "chapters-INITIAL_FORMS": {"0"},
		"chapters-0-number": {"2"}, "chapters-0-title": {"Two"},
		"chapters-1-number": {"1"}, "chapters-1-title": {"One"}}
	if err := set.BindData(ctx, data, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := set.Save(ctx, true); err == nil {
		t.Fatal("saved children of an unsaved parent")
	}
	if err := db.Create(ctx, book); err != nil {
		t.Fatal(err)
	}
	if _, err := set.Save(ctx, true); err != nil {
		t.Fatal(err)
	}
	if got := chapterTitles(t, db, book); got != "One,Two" {
		t.Fatalf("chapters %s", got)
	}
	// Edit: the rows come in the model's order; rename one, delete one, add one.
	set, _ = NewInlineFormSet[Book, Chapter](ctx, book, "book", opts)
	html := string(set.AsDiv())
	if !strings.Contains(html, `name="chapters-0-title" id="id_chapters-0-title" value="One"`) || !strings.Contains(html, `name="chapters-INITIAL_FORMS" value="2"`) {
		t.Fatalf("edit form:\n%s", html)
	}
	data = url.Values{"chapters-TOTAL_FORMS": {"3"}, "chapters-INITIAL_FORMS": {"2"},
		"chapters-0-id": {"2"}, "chapters-0-number": {"1"}, "chapters-0-title": {"First"},
		"chapters-1-id": {"1"}, "chapters-1-number": {"2"}, "chapters-1-title": {"Two"}, "chapters-1-DELETE": {"on"},
		"chapters-2-number": {"3"}, "chapters-2-title": {"Three"}}
	if err := set.BindData(ctx, data, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := set.Save(ctx, true); err != nil {
		t.Fatal(err)
	}
	if got := chapterTitles(t, db, book); got != "First,Three" {
		t.Fatalf("chapters %s", got)
	}
	// Unique together with the parent: within the set, and against the database.
	set, _ = NewInlineFormSet[Book, Chapter](ctx, book, "", opts)
	data = url.Values{"chapters-TOTAL_FORMS": {"4"}, "chapters-INITIAL_FORMS": {"2"},
		"chapters-0-id": {"2"}, "chapters-0-number": {"1"}, "chapters-0-title": {"First"},
		"chapters-1-id": {"3"}, "chapters-1-number": {"3"}, "chapters-1-title": {"Three"},
		"chapters-2-number": {"5"}, "chapters-2-title": {"A"}, "chapters-3-number": {"5"}, "chapters-3-title": {"B"}}
	err = set.BindData(ctx, data, nil)
	if nf := set.NonFormErrors(); err == nil || len(nf) != 1 || nf[0] != "Please correct the duplicate data for book and number, which must be unique." {
		t.Errorf("duplicates in the set: %v %v", err, nf)
	}
	set, _ = NewInlineFormSet[Book, Chapter](ctx, book, "", opts)
	data = url.Values{"chapters-TOTAL_FORMS": {"1"}, "chapters-INITIAL_FORMS": {"0"}, "chapters-0-number": {"3"}, "chapters-0-title": {"Again"}}
	err = set.BindData(ctx, data, nil)
	var ve *forms.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(strings.Join(ve.NonField, " "), "Chapter with this Book and Number already exists.") {
		t.Errorf("duplicate of a stored row: %v", err)
	}
	// Another book's chapter cannot be edited through this one.
	other := &Book{Title: "SQL"}
	db.Create(ctx, other)
	oc := &Chapter{Book: orm.To(other), Number: 1, Title: "Theirs"}
	db.Create(ctx, oc)
	set, _ = NewInlineFormSet[Book, Chapter](ctx, book, "", opts)
	data = url.Values{"chapters-TOTAL_FORMS": {"1"}, "chapters-INITIAL_FORMS": {"1"}, "chapters-0-id": {"4"}, "chapters-0-number": {"9"}, "chapters-0-title": {"Mine"}}
	if err := set.BindData(ctx, data, nil); err == nil {
		t.Error("edited another parent's child")
	}
	if got := chapterTitles(t, db, other); got != "Theirs" {
		t.Errorf("other book's chapters %s", got)
	}
	// Misuse.
	if _, err := NewInlineFormSet[Book, Chapter](ctx, book, "title", opts); err == nil {
		t.Error("a non-FK accepted as the FK")
	}
	if _, err := NewInlineFormSet[Book, Chapter](ctx, book, "", Options{Fields: []string{"book", "title"}, DB: db}); err == nil {
		t.Error("the FK accepted as a form field")
	}
	if _, err := NewInlineFormSet[Author, Chapter](ctx, &Author{}, "", opts); err == nil {
		t.Error("no FK to the parent accepted")
	}
	if _, err := NewFormSet(ctx, orm.Q[Chapter](db), Options{Fields: []string{"title"}}); err == nil {
		t.Error("a formset without a DB")
	}
	_ = http.StatusOK
}

// TestFormSetManyToMany: each form of a model formset saves its own relations.
func TestFormSetManyToMany(t *testing.T) {
	db, _ := setup(t)
	ctx := context.Background()
	mkTags(t, db, "go", "sql")
	set, err := NewFormSet(ctx, orm.Q[Article](db), Options{Fields: []string{"title", "slug", "author", "tags"}, DB: db})
	if err != nil {
		t.Fatal(err)
	}
	set.Extra = 2
	data := url.Values{"form-TOTAL_FORMS": {"2"}, "form-INITIAL_FORMS": {"0"},
		"form-0-title": {"A"}, "form-0-slug": {"a"}, "form-0-author": {"1"}, "form-0-tags": {"1", "2"},
		"form-1-title": {"B"}, "form-1-slug": {"b"}, "form-1-author": {"1"}, "form-1-tags": {"2"}}
	if err := set.BindData(ctx, data, nil); err != nil {
		t.Fatal(err)
	}
	saved, err := set.Save(ctx, true)
	if err != nil || len(saved) != 2 {
		t.Fatalf("save: %v", err)
	}
	if a, b := keysOf(t, db, saved[0]), keysOf(t, db, saved[1]); len(a) != 2 || len(b) != 1 || b[0] != 2 {
		t.Fatalf("tags %v %v", a, b)
	}
	// The edit set shows each row's tags.
	set, _ = NewFormSet(ctx, orm.Q[Article](db), Options{Fields: []string{"title", "tags"}, DB: db})
	html := string(set.AsDiv())
	if !strings.Contains(html, `<select name="form-1-tags" id="id_form-1-tags" multiple><option value="1">Tag object (1)</option><option value="2" selected>`) {
		t.Errorf("edit set:\n%s", html)
	}
	// Duplicate slugs within the set.
	set, _ = NewFormSet(ctx, orm.Q[Article](db).Filter("pk__in", []any{}), Options{Fields: []string{"title", "slug", "author"}, DB: db})
	data = url.Values{"form-TOTAL_FORMS": {"2"}, "form-INITIAL_FORMS": {"0"},
		"form-0-title": {"C"}, "form-0-slug": {"c"}, "form-0-author": {"1"},
		"form-1-title": {"D"}, "form-1-slug": {"c"}, "form-1-author": {"1"}}
	if err := set.BindData(ctx, data, nil); err == nil || len(set.NonFormErrors()) != 1 {
		t.Errorf("duplicate slugs: %v %v", err, set.NonFormErrors())
	}
}

// FuzzFormSetBind: whatever a client posts, binding and saving a model formset
// gives a result or a validation error, never a panic or a server error.
func FuzzFormSetBind(f *testing.F) {
	f.Add("form-TOTAL_FORMS=2&form-INITIAL_FORMS=1&form-0-id=1&form-0-name=A&form-1-name=B")
	f.Add("form-TOTAL_FORMS=1&form-INITIAL_FORMS=1&form-0-id=2&form-0-name=x&form-0-DELETE=on")
	f.Add("form-TOTAL_FORMS=3&form-INITIAL_FORMS=9&form-0-id=1&form-0-id=2&form-2-id=1&form-2-name=")
	f.Add("form-TOTAL_FORMS=999999999&form-INITIAL_FORMS=0")
	f.Add("form-TOTAL_FORMS=2&form-INITIAL_FORMS=2&form-0-id=-1&form-1-id=%00")
	f.Add("form-TOTAL_FORMS=3&form-INITIAL_FORMS=2&form-0-id=1&form-0-ORDER=2&form-1-id=1&form-1-DELETE=1&form-2-name=n&form-2-ORDER=x")
	db, _ := setup(f)
	f.Fuzz(func(t *testing.T, body string) {
		data, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		ctx := context.Background()
		set, err := NewFormSet(ctx, orm.Q[Author](db), Options{Fields: []string{"name"}, DB: db})
		if err != nil {
			t.Fatal(err)
		}
		set.CanDelete, set.CanOrder = true, true
		set.DeleteInitialOnly = len(body)%2 == 0
		set.Max = 5
		set.AbsoluteMax = 10
		if err := set.BindData(ctx, data, nil); err != nil {
			var ve *forms.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("bind %q: %v", body, err)
			}
			return
		}
		if _, err := set.Save(ctx, true); err != nil {
			t.Fatalf("save %q: %v", body, err)
		}
	})
}

// TestModelFormSetDeleteTampering: a DELETE can only ever delete a row of the
// query, named by a form of a row; anything else deletes nothing.
func TestModelFormSetDeleteTampering(t *testing.T) {
	db, _ := setup(t)
	ctx := context.Background()
	for _, n := range []string{"Bob", "Cy"} {
		if err := db.Create(ctx, &Author{Name: n, Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	q := orm.Q[Author](db).Exclude("name", "Cy") // Ann 1, Bob 2; Cy (3) is not editable here
	cases := []struct {
		name  string
		data  url.Values
		valid bool
	}{
		{"a key outside the query", url.Values{"form-TOTAL_FORMS": {"1"}, "form-INITIAL_FORMS": {"1"}, "form-0-id": {"3"}, "form-0-DELETE": {"on"}}, true},
		{"a junk key", url.Values{"form-TOTAL_FORMS": {"1"}, "form-INITIAL_FORMS": {"1"}, "form-0-id": {"1 OR 1=1"}, "form-0-DELETE": {"on"}}, true},
		{"no key", url.Values{"form-TOTAL_FORMS": {"1"}, "form-INITIAL_FORMS": {"1"}, "form-0-DELETE": {"on"}}, true},
		{"an extra form naming a row", url.Values{"form-TOTAL_FORMS": {"3"}, "form-INITIAL_FORMS": {"2"},
			"form-0-id": {"1"}, "form-0-name": {"Ann"}, "form-1-id": {"2"}, "form-1-name": {"Bob"},
			"form-2-id": {"1"}, "form-2-name": {"Ann"}, "form-2-DELETE": {"on"}}, true},
		{"a row deleted and edited at once", url.Values{"form-TOTAL_FORMS": {"2"}, "form-INITIAL_FORMS": {"2"},
			"form-0-id": {"1"}, "form-0-DELETE": {"on"}, "form-1-id": {"1"}, "form-1-name": {"Ann!"}}, false},
		{"a DELETE for a form beyond TOTAL_FORMS", url.Values{"form-TOTAL_FORMS": {"1"}, "form-INITIAL_FORMS": {"1"},
			"form-0-id": {"1"}, "form-0-name": {"Ann"}, "form-1-id": {"2"}, "form-1-DELETE": {"on"}}, true},
	}
	for _, c := range cases {
		set, err := NewFormSet(ctx, q, Options{Fields: []string{"name"}, DB: db})
		if err != nil {
			t.Fatal(err)
		}
		set.CanDelete = true
		err = set.BindData(ctx, c.data, nil)
		if (err == nil) != c.valid {
			t.Errorf("%s: bind: %v", c.name, err)
			continue
		}
		if !c.valid {
			continue
		}
		if _, err := set.Save(ctx, true); err != nil {
			t.Errorf("%s: save: %v", c.name, err)
		}
		if d := set.DeletedObjects(); len(d) != 0 {
			t.Errorf("%s: deleted %+v", c.name, d)
		}
		if got := authorNames(t, db); got != "Ann,Bob,Cy" {
			t.Fatalf("%s: authors %s", c.name, got)
		}
	}
	// DeleteInitialOnly: an extra form's DELETE is ignored, so it is saved.
	set, _ := NewFormSet(ctx, q, Options{Fields: []string{"name"}, DB: db})
	set.CanDelete, set.DeleteInitialOnly = true, true
	if strings.Contains(string(set.AsDiv()), "form-2-DELETE") {
		t.Error("an extra form has a DELETE box with DeleteInitialOnly")
	}
	err := set.BindData(ctx, url.Values{"form-TOTAL_FORMS": {"3"}, "form-INITIAL_FORMS": {"2"},
		"form-0-id": {"1"}, "form-0-name": {"Ann"}, "form-1-id": {"2"}, "form-1-name": {"Bob"}, "form-1-DELETE": {"on"},
		"form-2-name": {"Dee"}, "form-2-DELETE": {"on"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := set.Save(ctx, true); err != nil {
		t.Fatal(err)
	}
	if got := authorNames(t, db); got != "Ann,Cy,Dee" {
		t.Fatalf("DeleteInitialOnly: authors %s", got)
	}
}

// TestModelFormSetOrder: with CanOrder, OrderedEntries gives the kept forms in
// the order the user numbered them, and a form only renumbered counts as changed
// (Django saves it).
func TestModelFormSetOrder(t *testing.T) {
	db, _ := setup(t) // Ann (1)
	ctx := context.Background()
	for _, n := range []string{"Bob", "Cy"} {
		if err := db.Create(ctx, &Author{Name: n, Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	set, err := NewFormSet(ctx, orm.Q[Author](db), Options{Fields: []string{"name"}, DB: db})
	if err != nil {
		t.Fatal(err)
	}
	set.CanOrder, set.CanDelete = true, true
	html := string(set.AsDiv())
	for _, want := range []string{`name="form-0-ORDER" value="1"`, `name="form-2-ORDER" value="3"`, `<input type="number" name="form-3-ORDER" id="id_form-3-ORDER">`} {
		if !strings.Contains(html, want) {
			t.Errorf("missing %s in\n%s", want, html)
		}
	}
	set, _ = NewFormSet(ctx, orm.Q[Author](db), Options{Fields: []string{"name"}, DB: db})
	set.CanOrder, set.CanDelete = true, true
	data := url.Values{"form-TOTAL_FORMS": {"4"}, "form-INITIAL_FORMS": {"3"},
		"form-0-id": {"1"}, "form-0-name": {"Ann"}, "form-0-ORDER": {"3"},
		"form-1-id": {"2"}, "form-1-name": {"Bob"}, "form-1-ORDER": {"2"}, "form-1-DELETE": {"on"},
		"form-2-id": {"3"}, "form-2-name": {"Cy"}, "form-2-ORDER": {"1"},
		"form-3-name": {"Dee"}, "form-3-ORDER": {""}}
	if err := set.BindData(ctx, data, nil); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range set.OrderedEntries() {
		names = append(names, set.ModelForms()[e.Index].Data.Name)
	}
	if got := strings.Join(names, ","); got != "Cy,Ann,Dee" {
		t.Errorf("ordered %s, want Cy,Ann,Dee", got)
	}
	saved, err := set.Save(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(saved) != 3 || saved[0].Name != "Ann" || saved[1].Name != "Cy" || saved[2].Name != "Dee" {
		t.Errorf("saved %+v, want the renumbered Ann and Cy, then Dee", saved)
	}
	if got := authorNames(t, db); got != "Ann,Cy,Dee" {
		t.Errorf("authors %s", got)
	}
	// A number that is not one is the form's error; nothing is written.
	set, _ = NewFormSet(ctx, orm.Q[Author](db), Options{Fields: []string{"name"}, DB: db})
	set.CanOrder = true
	err = set.BindData(ctx, url.Values{"form-TOTAL_FORMS": {"1"}, "form-INITIAL_FORMS": {"1"},
		"form-0-id": {"1"}, "form-0-name": {"Zed"}, "form-0-ORDER": {"1; DROP TABLE"}}, nil)
	var ve *forms.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields["form-0-ORDER"]) != 1 {
		t.Fatalf("bad ORDER: %v", err)
	}
	if _, err := set.Save(ctx, true); !errors.Is(err, ErrNotValid) {
		t.Errorf("Save of a set with a bad ORDER: %v", err)
	}
}
