package rest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/galvani-web/galvani/rest"
)

func TestViewSetCRUD(t *testing.T) {
	e := newEnv(t, rest.Config{}, nil)
	a := e.seed(0)
	c := e.c

	// create: 201 with the read shape (nested author, computed value, defaults)
	var created map[string]any
	c.PostJSON("/api/posts/", map[string]any{"title": "  Hello ", "slug": "hello", "author": a.ID}, jsonHeader()).
		AssertStatus(201).AssertHeader("Content-Type", "application/json").JSON(&created)
	if created["title"] != "Hello" || created["kind"] != "news" || created["shout"] != "Hello!" || created["published"] != nil {
		t.Fatalf("created = %v", created)
	}
	author, _ := created["author"].(map[string]any)
	if author["name"] != "Ada" {
		t.Fatalf("nested author = %v", created["author"])
	}
	id := int64(created["id"].(float64))

	// retrieve
	c.Get(fmt.Sprintf("/api/posts/%d/", id), jsonHeader()).AssertStatus(200).AssertContains(`"slug":"hello"`, `"author":{"id":`)
	// list (no pagination configured: a plain array)
	c.Get("/api/posts/", jsonHeader()).AssertStatus(200).AssertContains(`[{"id":`)
	// update and partial update
	c.SendJSON("PUT", fmt.Sprintf("/api/posts/%d/", id), map[string]any{"title": "Changed", "slug": "hello", "author": a.ID}, jsonHeader()).
		AssertStatus(200).AssertContains(`"title":"Changed"`)
	c.SendJSON("PATCH", fmt.Sprintf("/api/posts/%d/", id), map[string]any{"views": 7}, jsonHeader()).
		AssertStatus(200).AssertContains(`"views":7`, `"title":"Changed"`)
	// PUT without required fields is refused; PATCH is not
	c.SendJSON("PUT", fmt.Sprintf("/api/posts/%d/", id), map[string]any{"views": 7}, jsonHeader()).
		AssertStatus(400).AssertJSON(`{"title":["This field is required."],"slug":["This field is required."],"author":["This field is required."]}`)
	// destroy
	c.Delete(fmt.Sprintf("/api/posts/%d/", id), jsonHeader()).AssertStatus(204)
	c.Get(fmt.Sprintf("/api/posts/%d/", id), jsonHeader()).AssertStatus(404).AssertJSON(`{"detail":"Not found."}`)
}

func TestViewSetValidationErrors(t *testing.T) {
	e := newEnv(t, rest.Config{}, nil)
	a := e.seed(1)
	c := e.c
	cases := []struct {
		name string
		body string
		want string
	}{
		{"empty", `{}`, `{"title":["This field is required."],"slug":["This field is required."],"author":["This field is required."]}`},
		{"blank and too long", `{"title":"   ","slug":"` + strings.Repeat("s", 51) + `","author":1}`,
			`{"title":["This field may not be blank."],"slug":["Ensure this field has no more than 50 characters."]}`},
		{"unknown author", `{"title":"t","slug":"s","author":99999}`, `{"author":["Invalid pk \"99999\" - object does not exist."]}`},
		{"wrong types", `{"title":["x"],"slug":{"a":1},"author":"abc","views":"many","published":"yesterday"}`,
			`{"title":["Not a valid string."],"slug":["Not a valid string."],"views":["A valid integer is required."],"published":["Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."],"author":["Incorrect type. Expected pk value, received str."]}`},
		{"bad choice", `{"title":"t","slug":"s2","author":1,"kind":"poem"}`, `{"kind":["\"poem\" is not a valid choice."]}`},
		{"null", `{"title":null,"slug":"s3","author":1}`, `{"title":["This field may not be null."]}`},
		{"unknown field", `{"title":"t","slug":"s4","author":1,"admin":true}`, `{"admin":["Unknown field."]}`},
		{"overflow", `{"title":"t","slug":"s5","author":1,"views":99999999999}`, `{"views":["Ensure this value is less than or equal to 2147483647."]}`},
		{"unique", `{"title":"t","slug":"post-1","author":1}`, `{"slug":["post with this slug already exists."]}`},
		{"not an object", `[1,2]`, `{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`},
	}
	_ = a
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.Post("/api/posts/", "application/json", strings.NewReader(tc.body), jsonHeader()).AssertStatus(400).AssertJSON(tc.want)
		})
	}
	// Read-only fields sent back are ignored, not refused.
	c.PostJSON("/api/posts/", map[string]any{"id": 555, "created": "x", "shout": "y", "title": "t", "slug": "ro", "author": a.ID}, jsonHeader()).AssertStatus(201)
}

func TestViewSetHostileInput(t *testing.T) {
	e := newEnv(t, rest.Config{}, nil)
	e.seed(1)
	e.app.Settings.MaxBodyBytes = 1 << 10
	c := e.c
	deep := strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000)
	for name, tc := range map[string]struct {
		ctype, body string
		status      int
	}{
		"malformed":     {"application/json", `{"title": `, 400},
		"trailing data": {"application/json", `{"title":"t"} {}`, 400},
		"deep nesting":  {"application/json", `{"title":` + deep + `}`, 413},
		"huge":          {"application/json", `{"body":"` + strings.Repeat("x", 4096) + `"}`, 413},
		"xml":           {"application/xml", `<post/>`, 415},
		"bad ctype":     {"application/json; charset", `{}`, 415},
		"invalid utf8":  {"application/json", "{\"title\":\"\xff\",\"slug\":\"u\",\"author\":1}", 400},
	} {
		t.Run(name, func(t *testing.T) {
			resp := c.Post("/api/posts/", tc.ctype, strings.NewReader(tc.body), jsonHeader())
			resp.AssertStatus(tc.status)
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Errorf("Content-Type %q", resp.Header.Get("Content-Type"))
			}
		})
	}
	// A detail path that cannot be a key is a 404, not a 500.
	for _, p := range []string{"/api/posts/abc/", "/api/posts/99999999999999999999/", "/api/posts/1.5/", "/api/posts/-1/",
		"/api/posts/1e0/", "/api/posts/+1/", "/api/posts/%201/", "/api/posts/0x1/", "/api/posts/1_0/"} {
		c.Get(p, jsonHeader()).AssertStatus(404)
	}
	// The key in any spelling strconv reads as the number names the row.
	for _, p := range []string{"/api/posts/1/", "/api/posts/01/"} {
		c.Get(p, jsonHeader()).AssertStatus(200)
	}
}

func TestViewSetMethodNotAllowed(t *testing.T) {
	e := newEnv(t, rest.Config{}, func(api *rest.API) {
		api.Register("posts", &rest.ViewSet[Post]{Serializer: postSerializer(), Actions: rest.ReadOnly})
	})
	e.seed(1)
	e.c.SendJSON("PUT", "/api/posts/", map[string]any{}, jsonHeader()).AssertStatus(405).
		AssertJSON(`{"detail":"Method \"PUT\" not allowed."}`).AssertHeader("Allow", "GET, HEAD, OPTIONS")
	e.c.Delete("/api/posts/1/", jsonHeader()).AssertStatus(405)
}

func TestViewSetExtraActions(t *testing.T) {
	e := newEnv(t, rest.Config{}, func(api *rest.API) {
		api.Register("posts", &rest.ViewSet[Post]{
			Serializer: postSerializer(),
			Extra: []rest.Action[Post]{
				{Name: "popular", Handle: func(r *rest.Request, v *rest.ViewSet[Post]) error {
					q, err := v.QuerySet(r)
					if err != nil {
						return err
					}
					objs, err := q.Filter("views__gte", 20).OrderBy("-views").All(r.Context())
					if err != nil {
						return err
					}
					return v.RespondList(r, http.StatusOK, objs)
				}, UseSerializer: true},
				{Name: "bump", Detail: true, Methods: []string{"POST"}, Handle: func(r *rest.Request, v *rest.ViewSet[Post]) error {
					p, err := v.Get(r)
					if err != nil {
						return err
					}
					p.Views++
					db, _ := r.DB()
					if err := db.Save(r.Context(), p); err != nil {
						return err
					}
					return v.RespondOne(r, http.StatusOK, p)
				}},
			},
		})
	})
	e.seed(3)
	e.c.Get("/api/posts/popular/", jsonHeader()).AssertStatus(200).AssertContains(`"views":30`, `"views":20`).AssertNotContains(`"views":10`)
	e.c.Post("/api/posts/1/bump/", "", nil, jsonHeader()).AssertStatus(200).AssertContains(`"views":11`)
	e.c.Post("/api/posts/999/bump/", "", nil, jsonHeader()).AssertStatus(404)
	if u, err := e.api.Reverse("post-bump", 1); err != nil || u != "/api/posts/1/bump/" {
		t.Fatalf("reverse post-bump = %q, %v", u, err)
	}
	if u, err := e.api.Reverse("post-list"); err != nil || u != "/api/posts/" {
		t.Fatalf("reverse post-list = %q, %v", u, err)
	}
}

func TestAPIRoot(t *testing.T) {
	e := newEnv(t, rest.Config{}, nil)
	e.c.Get("/api/", jsonHeader()).AssertStatus(200).AssertJSON(`{"posts":"http://example.com/api/posts/"}`)
}
