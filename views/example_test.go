package views_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/template"
	"github.com/galvani-web/galvani/views"
)

type Note struct {
	orm.Model
	Text string `orm:"max_length=100"`
}

// A list, a detail page and a create form for one model, with Django's template
// names and variables.
func Example() {
	ctx := context.Background()
	orm.RegisterModels("notes", Note{})
	db, _ := orm.Open(ctx, "sqlite://:memory:")
	defer db.Close()
	orm.CreateTables(ctx, db, Note{})

	app := galvani.New(galvani.Settings{Debug: true})
	app.Use(orm.Middleware(db))
	template.Setup(app, template.WithLoader(template.MapLoader{
		"notes/note_list.html":   `{% for n in note_list %}{{ n.text }};{% endfor %}`,
		"notes/note_detail.html": `Note {{ note.id }}: {{ object.text }}`,
		"notes/note_form.html":   `{{ form.as_div }}`,
	}))
	app.Get("/", views.List[Note]{}.Handle)
	app.Get("/{pk:int}/", views.Detail[Note]{}.Handle)
	app.Any("/new/", views.Create[Note]{Fields: []string{"text"}, SuccessURL: "/{pk}/"}.Handle)

	do := func(method, path string, form url.Values) {
		req := httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Host = "localhost"
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		w := httptest.NewRecorder()
		app.ServeHTTP(w, req)
		fmt.Println(strings.TrimSpace(fmt.Sprint(method, " ", path, " ", w.Code, " ", w.Header().Get("Location"), " ", w.Body.String())))
	}
	do("POST", "/new/", url.Values{"text": {"buy milk"}})
	do("POST", "/new/", url.Values{"text": {"call Ada"}})
	do("GET", "/", nil)
	do("GET", "/2/", nil)
	// Output:
	// POST /new/ 303 /1/
	// POST /new/ 303 /2/
	// GET / 200  buy milk;call Ada;
	// GET /2/ 200  Note 2: call Ada
}
