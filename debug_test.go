package galvani

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

type mailSettings struct {
	Host     string
	Password string
	Port     int
}

type cacheSettings struct {
	URL     string
	Options map[string]string
	Servers []struct{ Addr, AuthToken string }
	Timeout time.Duration
}

func debugApp(t *testing.T) *App {
	t.Helper()
	a, _ := testApp(t, true)
	a.Settings.DatabaseURL = "postgres://app:pg-pa55word@db.internal:5432/app?sslmode=disable"
	a.Settings.TrustedProxies = []string{"10.0.0.0/8"}
	a.Settings.SecretKeyFallbacks = []string{"old-key-fallback"}
	a.Settings.Databases = map[string]string{"replica": "postgres://ro:replica-pa55@replica/app"}
	Section(&a.Settings, "mail", mailSettings{Host: "smtp.example", Password: "mail-pa55", Port: 587})
	Section(&a.Settings, "cache", cacheSettings{
		URL:     "redis://:redis-pa55@cache:6379/0",
		Options: map[string]string{"api_key": "cache-api-key", "prefix": "gv"},
		Servers: []struct{ Addr, AuthToken string }{{"cache-1", "cache-tok"}},
		Timeout: 2 * time.Second,
	})
	Section(&a.Settings, "stripe_api", map[string]string{"public": "pk_live_visible?"})
	a.Settings.Sections["mysql"] = "app:mysql-pa55@tcp(db:3306)/app"
	a.Settings.Sections["pgdsn"] = "host=db user=app password=kw-pa55 dbname=app"
	a.Use(withRequestID)
	return a
}

var debugSecrets = []string{"s3cr3t-key-value", "old-key-fallback", "replica-pa55", "pg-pa55word", "mail-pa55", "redis-pa55", "cache-api-key", "cache-tok", "pk_live_visible", "mysql-pa55", "kw-pa55", "Bearer abc", "session-value", "csrf-value"}

func TestDebug500Page(t *testing.T) {
	a := debugApp(t)
	a.AddDebugSection("SQL queries", func(r *http.Request) [][2]string {
		return [][2]string{{"1", "SELECT 1 WHERE x = '<b>'"}}
	})
	a.AddDebugSection("Broken section", func(r *http.Request) [][2]string { panic("section bug") })
	a.Get("/articles/{id:int}/", func(c *Ctx) error {
		_, _ = c.Form()
		return explode(c.Param("id"))
	}).Name("article-detail")
	a.Post("/articles/{id:int}/", func(c *Ctx) error {
		_, _ = c.Form()
		return fmt.Errorf("saving <article>: %w", errors.New("disk full"))
	})

	req := func(method, accept string) string {
		w := do(a, method, "/articles/7/?q=<script>x</script>&token=query-secret", strings.NewReader("title=Hi&password=form-pa55"),
			"Accept", accept, "Content-Type", "application/x-www-form-urlencoded",
			"Authorization", "Bearer abc", "Cookie", "sessionid=session-value; csrftoken=csrf-value",
			"X-Custom", "<img src=x onerror=alert(1)>")
		if w.Code != 500 || w.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("%s %s: %d %v", method, accept, w.Code, w.Header())
		}
		return w.Body.String()
	}

	page := req("GET", "text/html")
	for _, s := range []string{
		"<h1>panic <span>500 Internal Server Error</span></h1>", "runtime error: integer divide by zero", // the error
		"Request Method:", "http://example.com/articles/7/", "GET /articles/{id:int}/ (name article-detail)", // request, route
		"rid-42", "Go Version:",
		"galvani.explode", "debug_test.go", `class="current"`, "10 / (len(id) - 1)", // stack with source
		"Error Location:",
		"&lt;script&gt;x&lt;/script&gt;",     // query, escaped
		"&lt;img src=x onerror=alert(1)&gt;", // headers, escaped
		"sessionid", "csrftoken",             // cookie names only
		"SecretKey", "DatabaseURL", "postgres://app:", "@db.internal:5432/app", // settings
		"Sections[&#34;mail&#34;].Host", "smtp.example", "Sections[&#34;cache&#34;].Timeout", "2s",
		"SQL queries", "SELECT 1 WHERE x = &#39;&lt;b&gt;&#39;", // custom section, escaped
		"Broken section", "this section panicked: section bug",
		"Settings.Debug",
	} {
		if !strings.Contains(page, s) {
			t.Errorf("debug page lacks %q", s)
		}
	}
	for _, s := range append(debugSecrets, "<script>x", "<img src=x", "query-secret", "form-pa55", "<b>") {
		if strings.Contains(page, s) {
			t.Errorf("debug page shows %q", s)
		}
	}

	// A returned (not panicked) error: the error chain, no stack.
	page = req("POST", "text/html")
	for _, s := range []string{"*fmt.wrapError", "saving &lt;article&gt;: disk full", "*errors.errorString", "no stack to show", "<th>title</th><td>Hi</td>", "<th>password</th><td>" + masked} {
		if !strings.Contains(page, s) {
			t.Errorf("returned-error page lacks %q", s)
		}
	}

	text := req("GET", "text/plain")
	for _, s := range []string{"panic: runtime error: integer divide by zero", "Stack (innermost first):", "galvani.explode", "10 / (len(id) - 1)", "Request ID: rid-42"} {
		if !strings.Contains(text, s) {
			t.Errorf("text debug page lacks %q:\n%s", s, text)
		}
	}
	var body errorBody
	if err := json.Unmarshal([]byte(req("GET", "application/json")), &body); err != nil {
		t.Fatal(err)
	}
	if body.Debug == nil || len(body.Debug.Stack) == 0 || !strings.HasSuffix(body.Debug.Stack[0].Function, "galvani.explode") || body.Detail != "panic: runtime error: integer divide by zero" {
		t.Errorf("JSON debug body: %+v", body)
	}
	for _, out := range []string{text, req("GET", "application/json")} {
		for _, s := range debugSecrets {
			if strings.Contains(out, s) {
				t.Errorf("debug output shows %q", s)
			}
		}
	}
}

func explode(id string) error {
	return errors.New(fmt.Sprint(10 / (len(id) - 1)))
}

func TestSettingsRowsMasking(t *testing.T) {
	a := debugApp(t)
	rows := settingsRows(&a.Settings)
	got := map[string]string{}
	for _, r := range rows {
		got[r.K] = r.V
	}
	for k, want := range map[string]string{
		"SecretKey":                              masked,
		"Debug":                                  "true",
		"DatabaseURL":                            `"postgres://app:` + masked + `@db.internal:5432/app?sslmode=disable"`,
		"TrustedProxies":                         "[10.0.0.0/8]",
		`Sections["mail"].Password`:              masked,
		`Sections["mail"].Port`:                  "587",
		`Sections["cache"].URL`:                  `"redis://:` + masked + `@cache:6379/0"`,
		`Sections["cache"].Options["api_key"]`:   masked,
		`Sections["cache"].Options["prefix"]`:    `"gv"`,
		`Sections["cache"].Servers[0].AuthToken`: masked,
		`Sections["stripe_api"]`:                 masked,
		`Sections["mysql"]`:                      `"app:` + masked + `@tcp(db:3306)/app"`,
		`Sections["pgdsn"]`:                      `"host=db user=app password=` + masked + ` dbname=app"`,
	} {
		if got[k] != want {
			t.Errorf("%s = %s, want %s", k, got[k], want)
		}
	}
	a.Settings.SecretKey = ""
	for _, r := range settingsRows(&a.Settings) {
		if r.K == "SecretKey" && r.V != `""` {
			t.Errorf("an empty secret shows as %s", r.V)
		}
	}
}

func TestScrubValue(t *testing.T) {
	for in, want := range map[string]string{
		"sqlite:///db.sqlite3":                 "sqlite:///db.sqlite3",
		"postgres://u@h/db":                    "postgres://u@h/db",
		"postgres://u:p@h/db":                  "postgres://u:" + masked + "@h/db",
		"mysql://root:p%40ss@h:3306/x":         "mysql://root:" + masked + "@h:3306/x",
		"postgres://u:p w@h/%zz":               "postgres://u:" + masked + "@h/%zz",
		"u:pw@tcp(h:3306)/db?parseTime=true":   "u:" + masked + "@tcp(h:3306)/db?parseTime=true",
		"host=h password='a b' user=u":         "host=h password=" + masked + " user=u",
		"PASSWORD = x":                         "PASSWORD = " + masked,
		"plain text with no secret: a:b@c(d)?": "plain text with no secret: a:b@c(d)?",
	} {
		if got := scrubValue(in); got != want {
			t.Errorf("scrubValue(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDebug404(t *testing.T) {
	a := debugApp(t)
	a.Get("/", func(c *Ctx) error { return c.Text(200, "home") }).Name("home")
	a.Get("/articles/{id:int}/", func(c *Ctx) error {
		return Errorf(404, "No article matches id %s", c.Param("id"))
	}).Name("article-detail")
	a.Post("/articles/", func(c *Ctx) error { return nil })
	blog := a.Group("/blog").Namespace("blog")
	blog.Get("/{slug:slug}/", func(c *Ctx) error { return nil }).Name("post")

	w := do(a, "GET", "/nope/<b>", nil, "Accept", "text/html")
	page := w.Body.String()
	if w.Code != 404 {
		t.Fatalf("status %d", w.Code)
	}
	order := []string{"/", "/articles/{id:int}/", "/articles/", "/blog/{slug:slug}/"}
	last := -1
	for _, p := range order {
		i := strings.Index(page, "<td>"+p+"</td>")
		if i < 0 || i < last {
			t.Errorf("route %s missing or out of order", p)
		}
		last = i
	}
	for _, s := range []string{"Galvani tried these URL patterns, in this order", "article-detail", "blog:post", "POST", "The current path, <code>/nope/&lt;b&gt;</code>, didn't match any of these.", "rid-42"} {
		if !strings.Contains(page, s) {
			t.Errorf("404 page lacks %q", s)
		}
	}
	if strings.Contains(page, "<b>") {
		t.Error("404 page does not escape the path")
	}

	// A 404 returned by a matched handler names it instead of listing routes.
	w = do(a, "GET", "/articles/9/", nil, "Accept", "text/html")
	page = w.Body.String()
	if w.Code != 404 || !strings.Contains(page, "No article matches id 9") || !strings.Contains(page, "Raised by:") || strings.Contains(page, "tried these URL patterns") {
		t.Errorf("handler 404: %d\n%s", w.Code, page)
	}

	w = do(a, "GET", "/nope", nil, "Accept", "text/plain")
	if !strings.Contains(w.Body.String(), "[name=blog:post]") || !strings.Contains(w.Body.String(), "The current path, /nope, didn't match") {
		t.Errorf("text 404: %s", w.Body)
	}
	w = do(a, "GET", "/nope", nil, "Accept", "application/json")
	b := jsonBody(t, w)
	if b.Debug == nil || len(b.Debug.Routes) != 4 || b.Debug.Routes[3] != "GET /blog/{slug:slug}/ blog:post" {
		t.Errorf("JSON 404: %s", w.Body)
	}

	// Production: the short page, no routes.
	p, _ := testApp(t, false)
	p.Get("/secret-admin-route/", func(c *Ctx) error { return nil })
	w = do(p, "GET", "/nope", nil, "Accept", "text/html")
	if w.Code != 404 || strings.Contains(w.Body.String(), "secret-admin-route") || !strings.Contains(w.Body.String(), "Not Found") {
		t.Errorf("production 404: %s", w.Body)
	}
}

func TestDebugOtherClientErrors(t *testing.T) {
	a := debugApp(t)
	a.Post("/b", func(c *Ctx) error {
		var v struct{ N int }
		return c.Bind(&v)
	})
	w := do(a, "POST", "/b", strings.NewReader(`{"N":`), "Content-Type", "application/json", "Accept", "text/plain")
	if w.Code != 400 || !strings.Contains(w.Body.String(), "Detail: 400 malformed JSON") || !strings.Contains(w.Body.String(), "unexpected EOF") {
		t.Errorf("debug 400 shows the detail: %d %s", w.Code, w.Body)
	}
	w = do(a, "GET", "/b", nil, "Accept", "text/plain")
	if w.Code != 405 || w.Header().Get("Allow") == "" {
		t.Errorf("405: %d %v", w.Code, w.Header())
	}
}

// The error message (a template error's excerpt with a caret under the column) is
// set in a monospaced font, so the caret lines up with the character it points at.
func TestDebugMessageIsMonospaced(t *testing.T) {
	i := strings.Index(debugStyle, "pre.exception_value{")
	if i < 0 {
		t.Fatal("no style for the exception value")
	}
	rule := debugStyle[i : i+strings.Index(debugStyle[i:], "}")]
	if !strings.Contains(rule, "font-family:") || !strings.Contains(rule, "monospace") {
		t.Errorf("pre.exception_value is not monospaced: %s", rule)
	}
}
