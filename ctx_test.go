package galvani

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// testApp returns an App with the given debug setting whose log goes to the
// returned buffer.
func testApp(t testing.TB, debug bool) (*App, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	a := New(Settings{Debug: debug, MaxBodyBytes: 1 << 10, SecretKey: "s3cr3t-key-value"})
	a.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return a, &logs
}

// do sends a request through a; hdr is pairs of header name and value.
func do(a http.Handler, method, target string, body io.Reader, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, body)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	a.ServeHTTP(w, req)
	return w
}

// jsonBody decodes an error response's JSON body.
func jsonBody(t *testing.T, w *httptest.ResponseRecorder) errorBody {
	t.Helper()
	var b errorBody
	if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, w.Body)
	}
	return b
}

func TestParamInt(t *testing.T) {
	a, _ := testApp(t, false)
	a.Get("/n/{id}", func(c *Ctx) error {
		n, err := c.ParamInt("id")
		if err != nil {
			return err
		}
		m, err := c.ParamInt64("id")
		if err != nil {
			return err
		}
		if int64(n) != m {
			return errors.New("int and int64 disagree")
		}
		return c.JSON(200, n)
	})
	a.Get("/missing", func(c *Ctx) error {
		_, err := c.ParamInt("id")
		return err
	})
	for _, tc := range []struct {
		path   string
		status int
		body   string
	}{
		{"/n/42", 200, "42"},
		{"/n/-7", 200, "-7"},
		{"/n/abc", 404, ""},
		{"/n/4x", 404, ""},
		{"/n/99999999999999999999999", 404, ""},
		{"/n/%20", 404, ""},
		{"/missing", 404, ""},
	} {
		w := do(a, "GET", tc.path, nil, "Accept", "application/json")
		if w.Code != tc.status {
			t.Errorf("%s: status %d, want %d (%s)", tc.path, w.Code, tc.status, w.Body)
		}
		if tc.body != "" && w.Body.String() != tc.body {
			t.Errorf("%s: body %q, want %q", tc.path, w.Body, tc.body)
		}
	}
}

func TestQuery(t *testing.T) {
	a, _ := testApp(t, false)
	a.Get("/q", func(c *Ctx) error {
		page, err := c.QueryInt("page", 1)
		if err != nil {
			return err
		}
		desc, err := c.QueryBool("desc", false)
		if err != nil {
			return err
		}
		return c.JSON(200, map[string]any{"page": page, "desc": desc, "q": c.Query("q")})
	})
	for _, tc := range []struct {
		query  string
		status int
		want   string // JSON body on success, a fragment of the error otherwise
	}{
		{"", 200, `{"desc":false,"page":1,"q":""}`},
		{"page=&desc=", 200, `{"desc":false,"page":1,"q":""}`},
		{"page=3&desc=yes&q=go+lang", 200, `{"desc":true,"page":3,"q":"go lang"}`},
		{"page=-2&desc=0", 200, `{"desc":false,"page":-2,"q":""}`},
		{"q=%zz&page=2", 200, `{"desc":false,"page":2,"q":""}`},
		{"page=two", 400, `"page":["must be an integer, got \"two\""]`},
		{"page=1e3", 400, `"page"`},
		{"page=99999999999999999999999", 400, `"page"`},
		{"page=" + strings.Repeat("9", 500), 400, `...\"`},
		{"desc=maybe", 400, `"desc":["must be true or false, got \"maybe\""]`},
	} {
		w := do(a, "GET", "/q?"+tc.query, nil, "Accept", "application/json")
		if w.Code != tc.status {
			t.Errorf("%q: status %d, want %d (%s)", tc.query, w.Code, tc.status, w.Body)
			continue
		}
		if tc.status == 200 && w.Body.String() != tc.want {
			t.Errorf("%q: body %s, want %s", tc.query, w.Body, tc.want)
		}
		if tc.status != 200 && !strings.Contains(w.Body.String(), tc.want) {
			t.Errorf("%q: body %s lacks %s", tc.query, w.Body, tc.want)
		}
	}
}

func multipartBody(t *testing.T, fields map[string]string, file, content string) (io.Reader, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if file != "" {
		fw, err := mw.CreateFormFile(file, "notes.txt")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(fw, content)
	}
	_ = mw.Close()
	return &b, mw.FormDataContentType()
}

func TestForm(t *testing.T) {
	a, _ := testApp(t, false)
	a.Post("/f", func(c *Ctx) error {
		f, err := c.Form()
		if err != nil {
			return err
		}
		return c.Text(200, f.Get("name")+"|"+c.FormValue("name")+"|"+c.Query("name"))
	})
	a.Post("/upload", func(c *Ctx) error {
		f, fh, err := c.FormFile("doc")
		if err != nil {
			return err
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		return c.Text(200, fh.Filename+":"+string(b)+":"+c.FormValue("title"))
	})
	form := "application/x-www-form-urlencoded"
	mp, mpType := multipartBody(t, map[string]string{"title": "T"}, "doc", "hello")
	big, bigType := multipartBody(t, nil, "doc", strings.Repeat("x", 4<<10))
	noFile, noFileType := multipartBody(t, map[string]string{"title": "T"}, "", "")
	for _, tc := range []struct {
		name, path, ct string
		body           io.Reader
		status         int
		want           string
	}{
		{"urlencoded", "/f?name=q", form, strings.NewReader("name=Ada+L"), 200, "Ada L|Ada L|q"},
		{"json body has no form", "/f", "application/json", strings.NewReader(`{"name":"x"}`), 200, "||"},
		{"bad escape", "/f", form, strings.NewReader("name=%zz"), 400, "malformed form data"},
		{"oversized", "/f", form, strings.NewReader("name=" + strings.Repeat("a", 2<<10)), 413, "larger than 1024 bytes"},
		{"multipart", "/upload", mpType, mp, 200, "notes.txt:hello:T"},
		{"multipart oversized", "/upload", bigType, big, 413, "larger than"},
		{"multipart no file", "/upload", noFileType, noFile, 400, "no file was uploaded"},
		{"multipart no boundary", "/upload", "multipart/form-data", strings.NewReader("--x\r\n"), 400, "malformed form data"},
		{"multipart garbage", "/upload", "multipart/form-data; boundary=zz", strings.NewReader("not multipart at all"), 400, "malformed form data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := do(a, "POST", tc.path, tc.body, "Content-Type", tc.ct, "Accept", "text/plain")
			if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.want) {
				t.Errorf("got %d %q, want %d containing %q", w.Code, w.Body, tc.status, tc.want)
			}
		})
	}
}

func TestHeadersAndCookies(t *testing.T) {
	for _, debug := range []bool{false, true} {
		a, _ := testApp(t, debug)
		a.Get("/c", func(c *Ctx) error {
			c.SetHeader("X-Echo", c.Header("X-In"))
			if err := c.SetCookie(&http.Cookie{Name: "theme", Value: c.Cookie("theme") + "!"}); err != nil {
				return err
			}
			if err := c.SetCookie(&http.Cookie{Name: "cross", Value: "1", SameSite: http.SameSiteNoneMode, Path: "/x"}); err != nil {
				return err
			}
			if err := c.DeleteCookie("old"); err != nil {
				return err
			}
			return c.Text(200, c.Cookie("theme"))
		})
		w := do(a, "GET", "/c", nil, "X-In", "hi", "Cookie", "theme=dark; other=1")
		if w.Header().Get("X-Echo") != "hi" || w.Body.String() != "dark" {
			t.Fatalf("debug=%v: header %q body %q", debug, w.Header().Get("X-Echo"), w.Body)
		}
		cks := (&http.Response{Header: w.Header()}).Cookies()
		if len(cks) != 3 {
			t.Fatalf("cookies: %v", w.Header()["Set-Cookie"])
		}
		theme, cross, old := cks[0], cks[1], cks[2]
		if theme.Value != "dark!" || !theme.HttpOnly || theme.SameSite != http.SameSiteLaxMode || theme.Path != "/" || theme.Secure == debug {
			t.Errorf("debug=%v: theme cookie %q lacks safe defaults", debug, theme.Raw)
		}
		if !cross.Secure || cross.SameSite != http.SameSiteNoneMode || cross.Path != "/x" {
			t.Errorf("SameSite=None cookie must be Secure: %q", cross.Raw)
		}
		if old.MaxAge >= 0 || old.Name != "old" {
			t.Errorf("delete cookie: %q", old.Raw)
		}
	}

	// Hostile cookies and values.
	a, logs := testApp(t, false)
	a.Get("/read", func(c *Ctx) error { return c.Text(200, "["+c.Cookie("a")+"]["+c.Cookie("b")+"]") })
	a.Get("/set", func(c *Ctx) error {
		return c.SetCookie(&http.Cookie{Name: "v", Value: c.Query("v")})
	})
	a.Get("/badname", func(c *Ctx) error {
		return c.SetCookie(&http.Cookie{Name: "a b", Value: "1"})
	})
	for _, tc := range []struct{ header, want string }{
		{`a=<script>alert(1)</script>; b=2`, "[<script>alert(1)</script>][2]"}, // just data: escape it when shown
		{`a="x;y"; b=2`, "[][2]"},
		{`a=1; a=2`, "[1][]"},
		{"a=\x00; b=ok", "[][ok]"},
		{`garbage`, "[][]"},
		{strings.Repeat("a=1;", 2000), "[1][]"},
	} {
		w := do(a, "GET", "/read", nil, "Cookie", tc.header)
		if w.Body.String() != tc.want {
			t.Errorf("Cookie %.40q: got %s, want %s", tc.header, w.Body, tc.want)
		}
	}
	for _, v := range []string{"a;b", "x\r\nSet-Cookie: evil=1", `q"uote`, `back\slash`} {
		w := do(a, "GET", "/set?v="+url.QueryEscape(v), nil, "Accept", "text/plain")
		if w.Code != 500 || len(w.Header()["Set-Cookie"]) != 0 {
			t.Errorf("SetCookie(%q): %d %v, want a 500 and no cookie", v, w.Code, w.Header()["Set-Cookie"])
		}
		if strings.Contains(w.Body.String(), "cookie") {
			t.Errorf("production 500 leaks the error: %s", w.Body)
		}
	}
	if w := do(a, "GET", "/badname", nil); w.Code != 500 {
		t.Errorf("bad cookie name: %d", w.Code)
	}
	if !strings.Contains(logs.String(), `SetCookie \"v\"`) {
		t.Errorf("log lacks the cookie error: %s", logs)
	}
}

func TestResponses(t *testing.T) {
	a, _ := testApp(t, false)
	type item struct {
		Name string `json:"name" xml:"name"`
	}
	a.Get("/text", func(c *Ctx) error { return c.Text(201, "héllo") })
	a.Get("/html", func(c *Ctx) error { return c.HTML(200, "<b>x</b>") })
	a.Get("/json", func(c *Ctx) error { return c.JSON(200, item{"a<b"}) })
	a.Get("/badjson", func(c *Ctx) error { return c.JSON(200, map[string]any{"ch": make(chan int)}) })
	a.Get("/xml", func(c *Ctx) error { return c.XML(200, item{"a&b"}) })
	a.Get("/badxml", func(c *Ctx) error { return c.XML(200, map[string]int{"a": 1}) })
	a.Get("/bytes", func(c *Ctx) error { return c.Bytes(200, "image/png", []byte{0x89, 'P'}) })
	a.Get("/none", func(c *Ctx) error { return c.NoContent(204) })
	for _, tc := range []struct {
		path, ct, body string
		status         int
	}{
		{"/text", "text/plain; charset=utf-8", "héllo", 201},
		{"/html", "text/html; charset=utf-8", "<b>x</b>", 200},
		{"/json", "application/json", `{"name":"a\u003cb"}`, 200},
		{"/badjson", "text/plain; charset=utf-8", "Internal Server Error\n", 500},
		{"/xml", "application/xml; charset=utf-8", `<?xml version="1.0" encoding="UTF-8"?>` + "\n<item><name>a&amp;b</name></item>", 200},
		{"/badxml", "text/plain; charset=utf-8", "Internal Server Error\n", 500},
		{"/bytes", "image/png", "\x89P", 200},
		{"/none", "", "", 204},
	} {
		w := do(a, "GET", tc.path, nil, "Accept", "text/plain")
		if w.Code != tc.status || w.Header().Get("Content-Type") != tc.ct || w.Body.String() != tc.body {
			t.Errorf("%s: got %d %q %q, want %d %q %q", tc.path, w.Code, w.Header().Get("Content-Type"), w.Body, tc.status, tc.ct, tc.body)
		}
	}
}

func TestWrittenResponseIsNotOverwritten(t *testing.T) {
	a, logs := testApp(t, false)
	var written bool
	var status int
	a.Get("/half", func(c *Ctx) error {
		_ = c.Text(200, "partial")
		written, status = c.Written(), c.StatusCode()
		return errors.New("database went away")
	})
	a.Get("/panic-after-write", func(c *Ctx) error {
		c.Response.WriteHeader(202)
		panic("late")
	})
	a.Get("/fresh", func(c *Ctx) error {
		written, status = c.Written(), c.StatusCode()
		return nil
	})
	w := do(a, "GET", "/half", nil)
	if w.Code != 200 || w.Body.String() != "partial" || !written || status != 200 {
		t.Errorf("got %d %q (written=%v status=%d)", w.Code, w.Body, written, status)
	}
	if !strings.Contains(logs.String(), "database went away") || !strings.Contains(logs.String(), "response_started=true") {
		t.Errorf("the error must still be logged: %s", logs)
	}
	func() {
		defer func() {
			if v := recover(); v != http.ErrAbortHandler {
				t.Errorf("panic after write: recovered %v, want http.ErrAbortHandler for net/http", v)
			}
		}()
		do(a, "GET", "/panic-after-write", nil)
	}()
	do(a, "GET", "/fresh", nil)
	if written || status != 0 {
		t.Errorf("a pooled Ctx kept the last request's state: written=%v status=%d", written, status)
	}
}

func TestResponseWriterPassThrough(t *testing.T) {
	a, _ := testApp(t, false)
	var flushErr, hijackErr error
	var unwrapped http.ResponseWriter
	a.Get("/rc", func(c *Ctx) error {
		rc := http.NewResponseController(c.Response)
		_, _ = io.WriteString(c.Response, "a")
		flushErr = rc.Flush()
		_, _, hijackErr = rc.Hijack()
		unwrapped = c.Response.(interface{ Unwrap() http.ResponseWriter }).Unwrap()
		_, err := io.Copy(c.Response, strings.NewReader("b"))
		return err
	})
	w := do(a, "GET", "/rc", nil)
	if flushErr != nil || !w.Flushed || w.Body.String() != "ab" {
		t.Errorf("flush: %v flushed=%v body=%q", flushErr, w.Flushed, w.Body)
	}
	if !errors.Is(hijackErr, http.ErrNotSupported) {
		t.Errorf("hijack on a recorder: %v", hijackErr)
	}
	if unwrapped != w {
		t.Errorf("Unwrap returned %T", unwrapped)
	}
}

// FuzzForm checks that no body or content type makes Form panic or answer anything
// but success or a 4xx.
func FuzzForm(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", "a=1&b=%zz")
	f.Add("multipart/form-data; boundary=X", "--X\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--X--\r\n")
	f.Add("multipart/form-data; boundary=X", "--X\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\nhi\r\n--X")
	f.Add("multipart/form-data", "")
	f.Add("text/plain; charset=\xff", "x")
	a, _ := testApp(f, false)
	a.Post("/f", func(c *Ctx) error {
		if _, err := c.Form(); err != nil {
			return err
		}
		return c.NoContent(204)
	})
	f.Fuzz(func(t *testing.T, ct, body string) {
		w := do(a, "POST", "/f", strings.NewReader(body), "Content-Type", ct)
		if w.Code != 204 && (w.Code < 400 || w.Code > 499) {
			t.Fatalf("Content-Type %q body %q: status %d: %s", ct, body, w.Code, w.Body)
		}
	})
}

// JSON encodes into a buffer the pooled Ctx keeps: answers after a large one are
// whole and exact, and a buffer grown past maxKeptJSONBuf is not kept.
func TestJSONBufferReuse(t *testing.T) {
	a, _ := testApp(t, false)
	big := strings.Repeat("x", 2*maxKeptJSONBuf)
	a.Get("/big", func(c *Ctx) error { return c.JSON(200, map[string]string{"s": big}) })
	a.Get("/small", func(c *Ctx) error { return c.JSON(200, []any{nil, 1.5, "é<>&"}) })
	a.Get("/null", func(c *Ctx) error { return c.JSON(200, nil) })
	want := map[string]string{
		"/big":   `{"s":"` + big + `"}`,
		"/small": `[null,1.5,"é\u003c\u003e\u0026"]`,
		"/null":  `null`,
	}
	for _, p := range []string{"/small", "/big", "/small", "/null", "/big", "/null"} {
		if w := do(a, "GET", p, nil); w.Code != 200 || w.Body.String() != want[p] {
			t.Fatalf("%s: %d %.60q", p, w.Code, w.Body.String())
		}
	}
	c := &Ctx{}
	c.jsonBuf.Grow(2 * maxKeptJSONBuf)
	c.reset()
	if c.jsonBuf.Cap() > maxKeptJSONBuf {
		t.Errorf("reset kept a %d-byte buffer", c.jsonBuf.Cap())
	}
}

// TestCtxValues checks SetValue and Value: set, replace, several keys, keys of
// different types that print alike, and nothing left over for the next request of
// a pooled Ctx.
func TestCtxValues(t *testing.T) {
	type keyA struct{}
	type keyB string
	a, _ := testApp(t, false)
	var leaked []any
	a.Get("/set/", func(c *Ctx) error {
		leaked = append(leaked, c.Value(keyA{}), c.Value(keyB("k")), c.Value("k"))
		c.SetValue(keyA{}, 1)
		c.SetValue(keyB("k"), "b")
		c.SetValue("k", "plain string key")
		c.SetValue(keyA{}, 2) // replaces
		for _, tc := range []struct {
			key  any
			want any
		}{
			{keyA{}, 2},
			{keyB("k"), "b"},
			{"k", "plain string key"},
			{keyB("other"), nil},
			{0, nil},
		} {
			if got := c.Value(tc.key); got != tc.want {
				t.Errorf("Value(%#v) = %#v, want %#v", tc.key, got, tc.want)
			}
		}
		return c.Text(200, "ok")
	})
	for range 3 { // the pooled Ctx comes back: the values must not
		if w := do(a, "GET", "/set/", nil); w.Code != 200 {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	for i, v := range leaked {
		if v != nil {
			t.Errorf("value %d seen at the start of a request: %#v", i, v)
		}
	}
}

// TestCtxSetValueBadKey checks that a nil or incomparable key panics at SetValue,
// as context.WithValue does, rather than later in a lookup.
func TestCtxSetValueBadKey(t *testing.T) {
	for _, key := range []any{nil, []string{"k"}, map[string]int{}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("SetValue(%#v, 1) did not panic", key)
				}
			}()
			new(Ctx).SetValue(key, 1)
		}()
	}
}

// TestCtxValuesFreeWhenUnused checks that a handler that never calls SetValue
// allocates nothing more for the facility: serving a static route stays at the
// same allocations as before values existed (none in the router and Ctx).
func TestCtxValuesFreeWhenUnused(t *testing.T) {
	a, _ := testApp(t, false)
	a.Get("/plain/", func(c *Ctx) error { return nil })
	type key struct{}
	a.Get("/valued/", func(c *Ctx) error { c.SetValue(key{}, c); return nil })
	r1 := httptest.NewRequest("GET", "/plain/", nil)
	r2 := httptest.NewRequest("GET", "/valued/", nil)
	w := httptest.NewRecorder()
	a.ServeHTTP(w, r1)
	a.ServeHTTP(w, r2)
	if n := testing.AllocsPerRun(100, func() { a.ServeHTTP(w, r1) }); n != 0 {
		t.Errorf("a route without values: %v allocs per request, want 0", n)
	}
	// With one value, the slice is kept with the pooled Ctx: no allocation either
	// once the pool is warm (AllocsPerRun may see a fresh Ctx after a GC, so
	// allow one).
	if n := testing.AllocsPerRun(100, func() { a.ServeHTTP(w, r2) }); n > 1 {
		t.Errorf("a route with one value: %v allocs per request, want at most 1", n)
	}
}
