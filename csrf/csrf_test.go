package csrf

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/template"
)

func newProtector(t testing.TB, cfg Config) *Protector {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	p, err := New(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// echo answers 200 with the form value "msg" (proving the body was put back).
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		r.ParseMultipartForm(1 << 20)
	}
	io.WriteString(w, "ok "+r.FormValue("msg"))
})

const secret = "abcdefghijklmnopqrstuvwxyzABCDEF"

type req struct {
	method, url string
	body        string
	ctype       string
	headers     map[string]string
	cookies     map[string]string
	tls         bool
}

func (q req) build() *http.Request {
	if q.method == "" {
		q.method = "POST"
	}
	if q.url == "" {
		q.url = "http://example.com/submit/"
	}
	r := httptest.NewRequest(q.method, q.url, strings.NewReader(q.body))
	if q.ctype != "" {
		r.Header.Set("Content-Type", q.ctype)
	}
	for k, v := range q.headers {
		r.Header.Set(k, v)
	}
	for k, v := range q.cookies {
		r.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	if q.tls {
		r.TLS = &tls.ConnectionState{}
	}
	return r
}

func serve(p *Protector, h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	p.Handler(h).ServeHTTP(w, r)
	return w
}

func withCSRF(extra map[string]string) map[string]string {
	m := map[string]string{"csrftoken": secret, "sessionid": "s"}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// The CSRF attack table: each row is a request and the expected outcome.
func TestAttackTable(t *testing.T) {
	p := newProtector(t, Config{TrustedOrigins: []string{"https://partner.example.org", "https://*.trusted.net"}})
	good := mask(secret)
	form := "application/x-www-form-urlencoded"
	cases := []struct {
		name   string
		req    req
		status int
		reason string
	}{
		{"GET is safe", req{method: "GET", cookies: withCSRF(nil)}, 200, ""},
		{"HEAD is safe", req{method: "HEAD", cookies: withCSRF(nil)}, 200, ""},
		{"OPTIONS is safe", req{method: "OPTIONS", cookies: withCSRF(nil)}, 200, ""},
		{"no cookies at all (API client)", req{}, 200, ""},
		{"bearer token, no cookies", req{headers: map[string]string{"Authorization": "Bearer abc"}}, 200, ""},
		{"basic auth is ambient, no token", req{headers: map[string]string{"Authorization": "Basic YTpi"}}, 403, ReasonNoCookie},
		{"session cookie, no CSRF cookie", req{cookies: map[string]string{"sessionid": "s"}}, 403, ReasonNoCookie},
		{"no token", req{cookies: withCSRF(nil)}, 403, ReasonNoToken},
		{"token in header", req{cookies: withCSRF(nil), headers: map[string]string{"X-CSRFToken": good}}, 200, ""},
		{"token in form", req{cookies: withCSRF(nil), ctype: form, body: "msg=hi&csrfmiddlewaretoken=" + good}, 200, ""},
		{"bare secret accepted", req{cookies: withCSRF(nil), headers: map[string]string{"X-CSRFToken": secret}}, 200, ""},
		{"token for another secret", req{cookies: withCSRF(nil), headers: map[string]string{"X-CSRFToken": mask(strings.Repeat("z", 32))}}, 403, "CSRF token incorrect"},
		{"token too short", req{cookies: withCSRF(nil), headers: map[string]string{"X-CSRFToken": good[:40]}}, 403, "CSRF token has incorrect length"},
		{"token with bad characters", req{cookies: withCSRF(nil), headers: map[string]string{"X-CSRFToken": strings.Repeat("!", 64)}}, 403, "CSRF token has invalid characters"},
		{"forged cookie (bad format) ", req{cookies: map[string]string{"csrftoken": "x", "sessionid": "s"}, headers: map[string]string{"X-CSRFToken": "x"}}, 403, ReasonNoCookie},
		{"cross-origin Origin with valid token", req{cookies: withCSRF(nil), headers: map[string]string{"X-CSRFToken": good, "Origin": "https://evil.com"}}, 403, "Origin checking failed - https://evil.com"},
		{"Origin null", req{cookies: withCSRF(nil), headers: map[string]string{"X-CSRFToken": good, "Origin": "null"}}, 403, ReasonNullOrigin},
		{"Sec-Fetch-Site cross-site, no Origin", req{cookies: withCSRF(nil), headers: map[string]string{"X-CSRFToken": good, "Sec-Fetch-Site": "cross-site"}}, 403, "cross-site request refused"},
		{"Sec-Fetch-Site same-site (sibling subdomain)", req{cookies: withCSRF(nil), headers: map[string]string{"X-CSRFToken": good, "Sec-Fetch-Site": "same-site", "Origin": "https://blog.example.com"}}, 403, "Sec-Fetch-Site: same-site"},
		{"cross-origin without cookies still refused", req{headers: map[string]string{"Origin": "https://evil.com", "Sec-Fetch-Site": "cross-site"}}, 403, "cross-site request refused"},
		{"same origin", req{cookies: withCSRF(nil), headers: map[string]string{"X-CSRFToken": good, "Origin": "http://example.com", "Sec-Fetch-Site": "same-origin"}}, 200, ""},
		{"same origin, other case", req{cookies: withCSRF(nil), headers: map[string]string{"X-CSRFToken": good, "Origin": "http://EXAMPLE.com"}}, 200, ""},
		{"trusted origin", req{cookies: withCSRF(nil), headers: map[string]string{"X-CSRFToken": good, "Origin": "https://partner.example.org", "Sec-Fetch-Site": "cross-site"}}, 200, ""},
		{"trusted wildcard", req{cookies: withCSRF(nil), headers: map[string]string{"X-CSRFToken": good, "Origin": "https://a.b.trusted.net"}}, 200, ""},
		{"wildcard does not match the bare domain", req{cookies: withCSRF(nil), headers: map[string]string{"X-CSRFToken": good, "Origin": "https://trusted.net"}}, 403, "Origin checking failed"},
		{"suffix trick", req{cookies: withCSRF(nil), headers: map[string]string{"X-CSRFToken": good, "Origin": "https://eviltrusted.net"}}, 403, "Origin checking failed"},
		{"trusted origin needs a token too", req{cookies: withCSRF(nil), headers: map[string]string{"Origin": "https://partner.example.org"}}, 403, ReasonNoToken},
		{"https: http origin of same host", req{tls: true, cookies: withCSRF(nil), headers: map[string]string{"X-CSRFToken": good, "Origin": "http://example.com"}}, 403, "Origin checking failed"},
		{"https: no Origin, no Referer", req{tls: true, cookies: withCSRF(nil), headers: map[string]string{"X-CSRFToken": good}}, 403, ReasonNoReferer},
		{"https: same-origin Referer", req{tls: true, cookies: withCSRF(nil), headers: map[string]string{"X-CSRFToken": good, "Referer": "https://example.com/form/"}}, 200, ""},
		{"https: foreign Referer", req{tls: true, cookies: withCSRF(nil), headers: map[string]string{"X-CSRFToken": good, "Referer": "https://evil.com/"}}, 403, "Referer checking failed - https://evil.com"},
		{"https: insecure Referer", req{tls: true, cookies: withCSRF(nil), headers: map[string]string{"X-CSRFToken": good, "Referer": "http://example.com/"}}, 403, ReasonInsecureReferer},
		{"https: malformed Referer", req{tls: true, cookies: withCSRF(nil), headers: map[string]string{"X-CSRFToken": good, "Referer": "::::"}}, 403, ReasonMalformedRefer},
		{"https: trusted Referer", req{tls: true, cookies: withCSRF(nil), headers: map[string]string{"X-CSRFToken": good, "Referer": "https://partner.example.org/x"}}, 200, ""},
		{"body too large", req{cookies: withCSRF(nil), ctype: form, body: "msg=" + strings.Repeat("a", 2000)}, 413, ReasonBodyTooLarge},
	}
	p.cfg.MaxFormBytes = 1000
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got string
			p.cfg.FailureHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = FailureReason(r)
				w.WriteHeader(403)
			})
			defer func() { p.cfg.FailureHandler = nil }()
			w := serve(p, echo, c.req.build())
			if w.Code != c.status && !(c.status == 413 && got == ReasonBodyTooLarge) {
				t.Fatalf("status %d, want %d (reason %q)", w.Code, c.status, got)
			}
			if !strings.Contains(got, c.reason) || (c.reason == "" && got != "") {
				t.Fatalf("reason %q, want %q", got, c.reason)
			}
		})
	}
}

func TestFormBodyIsPutBack(t *testing.T) {
	p := newProtector(t, Config{})
	w := serve(p, echo, req{cookies: withCSRF(nil), ctype: "application/x-www-form-urlencoded",
		body: "csrfmiddlewaretoken=" + mask(secret) + "&msg=hello"}.build())
	if w.Code != 200 || w.Body.String() != "ok hello" {
		t.Fatalf("%d %q", w.Code, w.Body.String())
	}
}

func multipartBody(t *testing.T, tokenFirst bool, token string) (string, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if tokenFirst {
		mw.WriteField("csrfmiddlewaretoken", token)
	}
	mw.WriteField("msg", "with file")
	fw, _ := mw.CreateFormFile("upload", "a.txt")
	fw.Write(bytes.Repeat([]byte("data"), 30000))
	if !tokenFirst {
		mw.WriteField("csrfmiddlewaretoken", token)
	}
	mw.Close()
	return buf.String(), mw.FormDataContentType()
}

func TestMultipart(t *testing.T) {
	p := newProtector(t, Config{})
	body, ct := multipartBody(t, true, mask(secret))
	var size int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			t.Error(err)
			return
		}
		_, fh, err := r.FormFile("upload")
		if err == nil {
			size = fh.Size
		}
		io.WriteString(w, r.FormValue("msg"))
	})
	w := serve(p, h, req{cookies: withCSRF(nil), ctype: ct, body: body}.build())
	if w.Code != 200 || w.Body.String() != "with file" || size != 120000 {
		t.Fatalf("token-first multipart: %d %q size %d", w.Code, w.Body.String(), size)
	}
	body, ct = multipartBody(t, false, mask(secret))
	w = serve(p, h, req{cookies: withCSRF(nil), ctype: ct, body: body}.build())
	if w.Code != 403 {
		t.Fatalf("token after the file: %d", w.Code)
	}
}

func TestTokenMaskingAndCookie(t *testing.T) {
	p := newProtector(t, Config{})
	var t1, t2 string
	w := serve(p, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t1, t2 = Token(r), Token(r)
	}), req{method: "GET"}.build())
	if t1 == t2 || len(t1) != TokenLen {
		t.Fatalf("tokens not masked per call: %q %q", t1, t2)
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Name != "csrftoken" || !cookies[0].Secure || cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteLaxMode {
		t.Fatalf("cookie: %+v", cookies)
	}
	sec := cookies[0].Value
	if string(unmask(t1)) != sec || string(unmask(t2)) != sec {
		t.Fatal("tokens do not unmask to the cookie secret")
	}
	if w.Header().Get("Vary") != "Cookie" {
		t.Errorf("Vary = %q", w.Header().Get("Vary"))
	}
	// An existing cookie is reused, not re-sent.
	w = serve(p, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t1 = Token(r) }),
		req{method: "GET", cookies: map[string]string{"csrftoken": sec}}.build())
	if len(w.Result().Cookies()) != 0 || string(unmask(t1)) != sec {
		t.Fatal("existing secret not reused")
	}
	// No middleware: no token.
	if Token(httptest.NewRequest("GET", "/", nil)) != "" {
		t.Fatal("token without middleware")
	}
	Rotate(httptest.NewRequest("GET", "/", nil)) // must not panic
}

func TestRotate(t *testing.T) {
	p := newProtector(t, Config{})
	old := mask(secret)
	var fresh string
	w := serve(p, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Token(r)
		Rotate(r)
		fresh = Token(r)
	}), req{cookies: withCSRF(nil), headers: map[string]string{"X-CSRFToken": old}}.build())
	cookies := w.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Value == secret {
		t.Fatalf("rotation cookies: %v", cookies)
	}
	w = serve(p, echo, req{cookies: withCSRF(map[string]string{"csrftoken": cookies[0].Value}), headers: map[string]string{"X-CSRFToken": old}}.build())
	if w.Code != 403 {
		t.Fatal("token from before rotation still accepted")
	}
	w = serve(p, echo, req{cookies: withCSRF(map[string]string{"csrftoken": cookies[0].Value}), headers: map[string]string{"X-CSRFToken": fresh}}.build())
	if w.Code != 200 {
		t.Fatal("token after rotation refused")
	}
}

func TestExempt(t *testing.T) {
	s := &galvani.Settings{}
	Exempt(s, "/hooks/{name}/", "/api/{rest...}")
	p, err := FromSettings(s)
	if err != nil {
		t.Fatal(err)
	}
	p.cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	for path, want := range map[string]int{
		"/hooks/stripe/":     200,
		"/hooks/":            403,
		"/hooks/a/b/":        403,
		"/api/v1/items":      200,
		"/api/":              403,
		"/submit/":           403,
		"/hooks/stripe/more": 403,
	} {
		w := serve(p, echo, req{url: "http://example.com" + path, cookies: withCSRF(nil)}.build())
		if w.Code != want {
			t.Errorf("%s: %d, want %d", path, w.Code, want)
		}
	}
}

func TestFailurePages(t *testing.T) {
	p := newProtector(t, Config{})
	w := serve(p, echo, req{cookies: withCSRF(nil)}.build())
	if w.Code != 403 || strings.Contains(w.Body.String(), "Reason") || !strings.Contains(w.Body.String(), "CSRF verification failed") {
		t.Fatalf("production page: %q", w.Body.String())
	}
	var logbuf bytes.Buffer
	pd := newProtector(t, Config{Debug: true, Logger: slog.New(slog.NewTextHandler(&logbuf, nil))})
	w = serve(pd, echo, req{cookies: withCSRF(nil)}.build())
	body := w.Body.String()
	if w.Code != 403 || !strings.Contains(body, ReasonNoToken) || !strings.Contains(body, "{% csrf_token %}") {
		t.Fatalf("debug page: %q", body)
	}
	if !strings.Contains(logbuf.String(), "CSRF token missing") || !strings.Contains(logbuf.String(), "/submit/") {
		t.Fatalf("log: %q", logbuf.String())
	}
}

func TestBadTrustedOrigin(t *testing.T) {
	for _, o := range []string{"example.com", "https://", "https://a.com/path", "://x"} {
		if _, err := New(&Config{TrustedOrigins: []string{o}}); err == nil {
			t.Errorf("trusted origin %q accepted", o)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Middleware did not panic on a bad origin")
		}
	}()
	s := &galvani.Settings{}
	galvani.Section(s, "csrf", Config{TrustedOrigins: []string{"nope"}})
	Middleware(s)
}

func TestTemplateContext(t *testing.T) {
	p := newProtector(t, Config{})
	render := func(src string) *httptest.ResponseRecorder {
		e := template.New(template.WithLoader(template.MapLoader{"page": src}), template.Processors(TemplateContext))
		return serve(p, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := e.Render(w, r, "page", nil); err != nil {
				t.Error(err)
			}
		}), req{method: "GET"}.build())
	}
	w := render(`<form method="post">{% csrf_token %}</form>|{{ csrf_token }}`)
	body := w.Body.String()
	cookies := w.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies %v", cookies)
	}
	field := regexp.MustCompile(`<input type="hidden" name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"></form>\|([A-Za-z0-9]{64})$`).FindStringSubmatch(body)
	if field == nil || field[1] != field[2] || string(unmask(field[1])) != cookies[0].Value {
		t.Fatalf("rendered %q with cookie %v", body, cookies)
	}
	// A page without a form sets no cookie.
	w = render(`<p>no form</p>`)
	if len(w.Result().Cookies()) != 0 {
		t.Fatal("a page without a token set the CSRF cookie")
	}
}

// The galvanitest hook: a test client that adds the token passes, one that does
// not is refused.
func TestClientHook(t *testing.T) {
	app := galvani.New(galvani.Settings{Debug: true})
	app.Use(Middleware(&app.Settings))
	app.Get("/form/", func(c *galvani.Ctx) error { return c.Text(200, Token(c.Request)) })
	app.Post("/form/", func(c *galvani.Ctx) error { return c.Text(200, "saved "+c.Request.FormValue("msg")) })

	plain := galvanitest.New(t, app)
	plain.Get("/form/").AssertStatus(200) // sets the csrftoken cookie
	plain.PostForm("/form/", url.Values{"msg": {"x"}}).AssertStatus(403)

	c := galvanitest.New(t, app)
	c.Before(AddToken)
	c.PostForm("/form/", url.Values{"msg": {"x"}}).AssertStatus(200).AssertContains("saved x")
	c.Get("/form/").AssertStatus(200)
	c.PostForm("/form/", url.Values{"msg": {"y"}}).AssertStatus(200).AssertContains("saved y")
	hs := galvanitest.New(t, app, galvanitest.HTTPS())
	hs.Before(AddToken)
	hs.PostForm("/form/", url.Values{"msg": {"z"}}).AssertStatus(200)
}

func FuzzTokenCheck(f *testing.F) {
	f.Add(mask(secret))
	f.Add(secret)
	f.Add("")
	f.Add(strings.Repeat("é", 32))
	f.Fuzz(func(t *testing.T, tok string) {
		err := matches(tok, secret)
		if err == nil && string(unmaskOrSelf(tok)) != secret {
			t.Fatalf("%q accepted", tok)
		}
	})
}

func unmaskOrSelf(tok string) []byte {
	if len(tok) == TokenLen {
		return unmask(tok)
	}
	return []byte(tok)
}

// FuzzFormToken fuzzes the body scanning: any body, url-encoded or multipart,
// gives a decision and leaves the body intact for the handler.
func FuzzFormToken(f *testing.F) {
	p := newProtector(f, Config{MaxFormBytes: 4096})
	f.Add("csrfmiddlewaretoken="+mask(secret), false)
	body, _ := multipartBody(&testing.T{}, true, mask(secret))
	f.Add(body[:2000], true)
	f.Add("--B\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\n"+mask(secret)+"\r\n--B--\r\n", true)
	f.Add("%zz&&==", false)
	f.Fuzz(func(t *testing.T, body string, multi bool) {
		ct := "application/x-www-form-urlencoded"
		if multi {
			ct = "multipart/form-data; boundary=B"
		}
		var seen string
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			seen = string(b)
		})
		w := serve(p, h, req{cookies: withCSRF(nil), ctype: ct, body: body}.build())
		if w.Code == 200 && seen != body {
			t.Fatalf("body changed: %q -> %q", body, seen)
		}
		if w.Code != 200 && w.Code != 403 && w.Code != 413 {
			t.Fatalf("status %d", w.Code)
		}
	})
}

// TestVerify: a view on an exempt route checks the request itself; what the
// middleware checked passes; without the middleware nothing does.
func TestVerify(t *testing.T) {
	p := newProtector(t, Config{Exempt: []string{"/hook/"}})
	verify := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := Verify(r); err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		io.WriteString(w, "ok")
	})
	for name, tc := range map[string]struct {
		r    req
		want int
	}{
		"exempt, no token":       {req{url: "http://example.com/hook/", cookies: withCSRF(nil)}, 403},
		"exempt, good token":     {req{url: "http://example.com/hook/", cookies: withCSRF(nil), headers: map[string]string{"X-CSRFToken": secret}}, 200},
		"exempt, cross-site":     {req{url: "http://example.com/hook/", cookies: withCSRF(nil), headers: map[string]string{"X-CSRFToken": secret, "Sec-Fetch-Site": "cross-site"}}, 403},
		"exempt, safe method":    {req{method: "GET", url: "http://example.com/hook/", cookies: withCSRF(nil)}, 200},
		"checked by middleware":  {req{cookies: withCSRF(nil), headers: map[string]string{"X-CSRFToken": secret}}, 200},
		"no ambient credentials": {req{url: "http://example.com/hook/"}, 200},
	} {
		if w := serve(p, verify, tc.r.build()); w.Code != tc.want {
			t.Errorf("%s: %d %s, want %d", name, w.Code, w.Body, tc.want)
		}
	}
	r := req{cookies: withCSRF(nil)}.build()
	if err := Verify(r); !errors.Is(err, ErrNotVerified) {
		t.Errorf("without the middleware: %v", err)
	}
}
