package messages

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/session"
	"github.com/galvani-web/galvani/template"
)

var testKeys = []string{"test-secret-key-for-messages-0123456789"}

// site is a tiny app: /add?level=..&text=.. adds a message and redirects to /show,
// which prints the messages it consumed.
func site(t *testing.T, m *Manager, withSession bool) *http.Client {
	mux := http.NewServeMux()
	mux.HandleFunc("/add", func(w http.ResponseWriter, r *http.Request) {
		for _, text := range r.URL.Query()["text"] {
			level := LevelInfo
			switch r.URL.Query().Get("level") {
			case "debug":
				level = LevelDebug
			case "error":
				level = LevelError
			case "success":
				level = LevelSuccess
			}
			if err := Add(r, level, text, r.URL.Query()["tag"]...); err != nil {
				t.Error(err)
			}
		}
		http.Redirect(w, r, "/show", http.StatusSeeOther)
	})
	mux.HandleFunc("/show", func(w http.ResponseWriter, r *http.Request) {
		for _, msg := range Get(r) {
			fmt.Fprintf(w, "[%s] %s\n", msg.Tags(), msg)
		}
		if r.URL.Query().Has("again") {
			Warning(r, "added after reading")
		}
	})
	mux.HandleFunc("/nothing", func(w http.ResponseWriter, r *http.Request) {})
	var h http.Handler = m.Handler(mux)
	if withSession {
		sm, err := session.New(session.Config{Store: session.NewMemoryStore(), Insecure: true})
		if err != nil {
			t.Fatal(err)
		}
		h = sm.Handler(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	c := srv.Client()
	c.Jar = jar
	bases[c] = srv.URL
	return c
}

var bases = map[*http.Client]string{}

func get(t *testing.T, c *http.Client, path string) string {
	t.Helper()
	resp, err := c.Get(bases[c] + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func newManager(t *testing.T, cfg Config) *Manager {
	m, err := New(cfg, testKeys)
	if err != nil {
		t.Fatal(err)
	}
	m.cookie.insecure()
	return m
}

func TestAcrossRedirect(t *testing.T) {
	for _, withSession := range []bool{false, true} {
		t.Run(fmt.Sprintf("session=%v", withSession), func(t *testing.T) {
			c := site(t, newManager(t, Config{}), withSession)
			got := get(t, c, "/add?level=success&text=Saved.&tag=banner")
			if got != "[banner success] Saved.\n" {
				t.Fatalf("after redirect: %q", got)
			}
			// Shown once.
			if got := get(t, c, "/show"); got != "" {
				t.Fatalf("shown twice: %q", got)
			}
			// Added after reading: kept for the next request.
			get(t, c, "/add?text=one&text=two")
			if got := get(t, c, "/show?again=1"); got != "" {
				t.Fatalf("consumed by the redirect already: %q", got)
			}
			if got := get(t, c, "/show"); got != "[warning] added after reading\n" {
				t.Fatalf("message added after Get: %q", got)
			}
			// Below the minimum level: dropped.
			if got := get(t, c, "/add?level=debug&text=hidden"); got != "" {
				t.Fatalf("debug message shown: %q", got)
			}
			// A request that does not touch messages keeps them.
			get(t, c, "/nothing")
		})
	}
}

func TestStorageChoice(t *testing.T) {
	m := newManager(t, Config{})
	c := site(t, m, true)
	get(t, c, "/nothing")
	// With sessions, no messages cookie is ever set.
	req, _ := http.NewRequest("GET", bases[c]+"/add?text=x", nil)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == "messages" {
			t.Errorf("messages cookie set although the session is available: %v", ck)
		}
	}
}

func TestForgedCookieIgnored(t *testing.T) {
	m := newManager(t, Config{})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, len(Get(r)))
	}))
	// A cookie signed with another key, a tampered one, and garbage.
	other, _ := New(Config{}, []string{"another-key-another-key-another-key"})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	other.cookie.Save(rec, req, []Message{{Level: LevelError, Text: "<script>forged</script>"}})
	forged := rec.Result().Cookies()[0].Value
	for _, value := range []string{forged, forged[:len(forged)-3] + "AAA", "garbage", ""} {
		req := httptest.NewRequest("GET", "/", nil)
		req.AddCookie(&http.Cookie{Name: "messages", Value: value})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Body.String() != "0" {
			t.Errorf("cookie %q: %s messages accepted", value, rec.Body.String())
		}
		if cks := rec.Result().Cookies(); value != "" && (len(cks) != 1 || cks[0].MaxAge != -1) {
			t.Errorf("cookie %q not cleared: %v", value, cks)
		}
	}
}

func TestCookieSizeBounded(t *testing.T) {
	m := newManager(t, Config{})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 50; i++ {
			// Random-looking text compresses badly.
			Add(r, LevelInfo, fmt.Sprintf("%d %x", i, strings.Repeat(fmt.Sprint(i*7919), 40)))
		}
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	cks := rec.Result().Cookies()
	if len(cks) != 1 || len(cks[0].Name)+1+len(cks[0].Value) > maxCookieBytes {
		t.Fatalf("cookies %v", cks)
	}
	if !cks[0].HttpOnly || cks[0].SameSite != http.SameSiteLaxMode || cks[0].Secure {
		t.Errorf("cookie attributes: %+v", cks[0])
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(cks[0])
	msgs, err := m.cookie.Load(req)
	if err != nil || len(msgs) == 0 || !strings.HasPrefix(msgs[len(msgs)-1].Text, "49 ") {
		t.Fatalf("newest messages not kept: %d %v", len(msgs), err)
	}
}

func TestSecureByDefault(t *testing.T) {
	m, _ := New(Config{}, testKeys)
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { Info(r, "x") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if cks := rec.Result().Cookies(); len(cks) != 1 || !cks[0].Secure || !cks[0].HttpOnly {
		t.Errorf("cookie %v", cks)
	}
}

func TestWithoutMiddleware(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	if err := Info(r, "x"); err != ErrNoMiddleware {
		t.Errorf("Add = %v", err)
	}
	if Get(r) != nil || Peek(r) != nil {
		t.Error("messages without middleware")
	}
}

func TestTemplateContextAndPeek(t *testing.T) {
	m := newManager(t, Config{MinLevel: LevelDebug})
	var ctx map[string]any
	var peeked []Message
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Debug(r, "d")
		Error(r, "e")
		peeked = Peek(r)
		ctx = App.(interface {
			TemplateContext(*http.Request) map[string]any
		}).TemplateContext(r)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	list, _ := ctx["messages"].(*List)
	if list == nil || list.Len() != 2 || len(Peek(list.r)) != 2 {
		t.Fatalf("context %v: want a *List of 2 not yet consumed", ctx)
	}
	msgs := list.Messages()
	if len(peeked) != 2 || len(msgs) != 2 || msgs[0].LevelTag() != "debug" || msgs[1].Tags() != "error" {
		t.Errorf("context %v, peeked %v", ctx, peeked)
	}
}

func TestMiddlewareFromSettings(t *testing.T) {
	s := &galvani.Settings{SecretKey: testKeys[0]}
	if Middleware(s) == nil {
		t.Fatal("nil middleware")
	}
	defer func() {
		if recover() == nil {
			t.Error("no panic without a secret key outside Debug")
		}
	}()
	Middleware(&galvani.Settings{})
}

func ExampleAdd() {
	m, _ := New(Config{}, []string{"a-long-random-secret-key-0123456789"})
	handler := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Success(r, "Profile saved.")
		for _, msg := range Get(r) {
			fmt.Println(msg.Tags(), msg.Text)
		}
	}))
	handler.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	// Output: success Profile saved.
}

// TestTemplateConsumesOnlyWhenShown: like Django, rendering a template marks the
// messages as shown only when it iterates them. A page, a fragment or an e-mail
// that does not show them leaves them for the next page.
func TestTemplateConsumesOnlyWhenShown(t *testing.T) {
	m := newManager(t, Config{})
	eng := template.New(template.Processors(TemplateContext), template.WithLoader(template.MapLoader{
		"plain.html": `no messages here`,
		"count.html": `{% if messages %}{{ messages|length }} waiting{% endif %}`,
		"show.html":  `{% for m in messages %}[{{ m.Tags }}] {{ m }};{% endfor %}`,
	}))
	var got []string
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Info(r, "one")
		Error(r, "<two>")
		for _, name := range []string{"plain.html", "count.html", "show.html", "count.html"} {
			rec := httptest.NewRecorder()
			if err := eng.Render(rec, r, name, nil); err != nil {
				t.Fatal(err)
			}
			got = append(got, rec.Body.String())
		}
		if left := Peek(r); len(left) != 0 {
			t.Errorf("after show.html, %d messages left", len(left))
		}
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	want := []string{"no messages here", "2 waiting", "[info] one;[error] &lt;two&gt;;", ""}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("renders = %q, want %q", got, want)
	}
}

// TestEarlyHintsDoNotCommit: a 103 Early Hints response goes out before the real
// headers; the messages must be stored with the final response, not on the 103
// (whose Set-Cookie browsers ignore), and Add must still work after it.
func TestEarlyHintsDoNotCommit(t *testing.T) {
	m := newManager(t, Config{})
	var addErr error
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</app.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		addErr = Success(r, "saved")
		w.WriteHeader(http.StatusSeeOther)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/", nil))
	if addErr != nil {
		t.Fatalf("Add after 103: %v", addErr)
	}
	if !strings.Contains(rec.Header().Get("Set-Cookie"), "messages=") {
		t.Errorf("no messages cookie on the final response: %v", rec.Header())
	}
}
