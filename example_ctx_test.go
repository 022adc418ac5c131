package galvani_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing/fstest"

	"github.com/galvani-web/galvani"
)

// get sends a request through app and prints the status and body.
func get(app *galvani.App, method, target, contentType, body string) {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	app.ServeHTTP(w, req)
	fmt.Println(w.Code, strings.TrimSpace(w.Body.String()))
}

func quietApp() *galvani.App {
	app := galvani.New(galvani.Settings{})
	app.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	return app
}

func ExampleCtx_JSON() {
	app := quietApp()
	app.Get("/articles/{id:int}/", func(c *galvani.Ctx) error {
		id, err := c.ParamInt("id")
		if err != nil {
			return err
		}
		return c.JSON(200, map[string]any{"id": id, "title": "Hello"})
	})
	get(app, "GET", "/articles/42/", "", "")
	// Output: 200 {"id":42,"title":"Hello"}
}

func ExampleCtx_Bind() {
	type newArticle struct {
		Title string `json:"title"`
		Views int    `json:"views"`
	}
	app := quietApp()
	app.Post("/articles/", func(c *galvani.Ctx) error {
		var in newArticle
		if err := c.Bind(&in); err != nil {
			return err // 400, 413, 415 or a ValidationError naming the field
		}
		return c.JSON(201, in)
	})
	get(app, "POST", "/articles/", "application/json", `{"title":"Go","views":1}`)
	get(app, "POST", "/articles/", "application/json", `{"title":"Go","views":"many"}`)
	get(app, "POST", "/articles/", "application/json", `{"title":"Go","author":"me"}`)
	get(app, "POST", "/articles/", "text/plain", `title=Go`)
	// Output:
	// 201 {"title":"Go","views":1}
	// 400 {"error":"invalid input","status":400,"fields":{"views":["must be an integer, got string"]}}
	// 400 {"error":"invalid input","status":400,"fields":{"author":["unknown field"]}}
	// 415 {"error":"Content-Type must be application/json (got \"text/plain\")","status":415}
}

func ExampleError() {
	app := quietApp()
	app.Get("/articles/{slug}/", func(c *galvani.Ctx) error {
		if c.Param("slug") != "hello" {
			return galvani.Error(404, "No article with that slug")
		}
		return c.Text(200, "Hello")
	})
	app.Get("/boom", func(c *galvani.Ctx) error {
		// Any other error is a 500; its text is logged, never shown in production.
		return fmt.Errorf("connect to db at 10.0.0.5: refused")
	})
	get(app, "GET", "/articles/nope/", "", "")
	get(app, "GET", "/boom", "", "")
	// Output:
	// 404 {"error":"No article with that slug","status":404}
	// 500 {"error":"Internal Server Error","status":500}
}

func ExampleValidationError() {
	type signup struct{ Email, Password string }
	app := quietApp()
	app.Post("/signup", func(c *galvani.Ctx) error {
		in := signup{Email: c.FormValue("email"), Password: c.FormValue("password")}
		v := galvani.ValidationError{Status: 422}
		if !strings.Contains(in.Email, "@") {
			v.Add("email", "enter a valid email address")
		}
		if len(in.Password) < 8 {
			v.Add("password", "must have at least 8 characters")
		}
		if err := v.Err(); err != nil {
			return err
		}
		return c.NoContent(204)
	})
	get(app, "POST", "/signup", "application/x-www-form-urlencoded", "email=ada&password=short")
	// Output: 422 {"error":"invalid input","status":422,"fields":{"email":["enter a valid email address"],"password":["must have at least 8 characters"]}}
}

func ExampleCtx_Accepts() {
	app := quietApp()
	app.Get("/report", func(c *galvani.Ctx) error {
		switch c.Accepts("text/csv", "application/json") {
		case "text/csv":
			return c.Bytes(200, "text/csv", []byte("a,b\n1,2\n"))
		case "application/json":
			return c.JSON(200, []map[string]int{{"a": 1, "b": 2}})
		}
		return galvani.Error(406, "")
	})
	get(app, "GET", "/report", "", "") // get sends Accept: application/json
	// Output: 200 [{"a":1,"b":2}]
}

func ExampleCtx_File() {
	files := fstest.MapFS{"css/site.css": {Data: []byte("body{margin:0}")}}
	app := quietApp()
	app.Get("/static/{path...}", func(c *galvani.Ctx) error {
		return c.File(files, c.Param("path")) // "..", absolute paths and directories are 404
	})
	get(app, "GET", "/static/css/site.css", "", "")
	get(app, "GET", "/static/css", "", "")                  // a directory
	get(app, "GET", "/static/css/../../etc/passwd", "", "") // the router refuses ".." before File sees it
	// Output:
	// 200 body{margin:0}
	// 404 {"error":"Not Found","status":404}
	// 400 {"error":"Bad request: malformed path: it contains a \"..\" segment.","status":400}
}

func ExampleCtx_RedirectLocal() {
	app := quietApp()
	app.Post("/login", func(c *galvani.Ctx) error {
		// ... check the credentials, then go where the user was headed, if it is on this site.
		return c.RedirectLocal(http.StatusSeeOther, c.Query("next"), "/")
	})
	for _, next := range []string{"/account/", "https://evil.example/", "//evil.example/"} {
		req := httptest.NewRequest("POST", "/login?next="+url.QueryEscape(next), nil)
		w := httptest.NewRecorder()
		app.ServeHTTP(w, req)
		fmt.Println(w.Code, w.Header().Get("Location"))
	}
	// Output:
	// 303 /account/
	// 303 /
	// 303 /
}

func ExampleApp_AddDebugSection() {
	app := galvani.New(galvani.Settings{Debug: true})
	app.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	app.AddDebugSection("Feature flags", func(r *http.Request) [][2]string {
		return [][2]string{{"new_editor", "on"}}
	})
	app.Get("/", func(c *galvani.Ctx) error { panic("boom") })
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Accept", "text/html")
	w := httptest.NewRecorder()
	app.ServeHTTP(w, req)
	page := w.Body.String()
	fmt.Println(w.Code, strings.Contains(page, "<h3>Feature flags</h3>"), strings.Contains(page, "<th>new_editor</th><td>on</td>"))
	// Output: 500 true true
}

// An absolute link for a mail: the scheme follows the request (https behind a
// trusted proxy, once the security middleware recorded it), the host is the
// request's.
func ExampleCtx_AbsoluteURL() {
	app := quietApp()
	app.Get("/articles/{id:int}/", func(c *galvani.Ctx) error { return nil }).Name("article")
	app.Get("/share/", func(c *galvani.Ctx) error {
		return c.Text(200, c.AbsoluteURL(app.MustURL("article", 7)))
	})
	get(app, "GET", "http://blog.example.com/share/", "", "")
	// Output: 200 http://blog.example.com/articles/7/
}

// accountKey is the key of the Ctx value below: an unexported type, so no other
// package can read or overwrite it by accident.
type accountKey struct{}

// withAccount is a handler wrapper (as a battery's view machinery is): it looks
// the account up once and hands it to the handler through the Ctx, without
// copying the request as a context value would.
func withAccount(h galvani.HandlerFunc) galvani.HandlerFunc {
	return func(c *galvani.Ctx) error {
		c.SetValue(accountKey{}, "acme")
		return h(c)
	}
}

func ExampleCtx_SetValue() {
	app := quietApp()
	app.Get("/billing/", withAccount(func(c *galvani.Ctx) error {
		account, _ := c.Value(accountKey{}).(string)
		return c.Text(200, "billing for "+account)
	}))
	get(app, "GET", "/billing/", "", "")
	// Output: 200 billing for acme
}
