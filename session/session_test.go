package session

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
)

// harness runs requests through a Manager and keeps the cookie like a browser.
type harness struct {
	t   *testing.T
	m   *Manager
	jar string // current cookie value
	log bytes.Buffer
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	h := &harness{t: t}
	if cfg.Store == nil {
		cs, err := NewCookieStore([]string{"current-key"})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Store = cs
	}
	cfg.Logger = slog.New(slog.NewTextHandler(&h.log, nil))
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.m = m
	return h
}

// do runs fn as the handler with the given cookie value ("" for none) and returns
// the response; the jar is updated from Set-Cookie.
func (h *harness) do(cookie string, fn func(w http.ResponseWriter, r *http.Request)) *http.Response {
	h.t.Helper()
	req := httptest.NewRequest("GET", "/", nil)
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: "sessionid", Value: cookie})
	}
	rec := httptest.NewRecorder()
	h.m.Handler(http.HandlerFunc(fn)).ServeHTTP(rec, req)
	res := rec.Result()
	for _, c := range res.Cookies() {
		if c.Name == "sessionid" {
			if c.MaxAge < 0 {
				h.jar = ""
			} else {
				h.jar = c.Value
			}
		}
	}
	return res
}

func sessionCookie(res *http.Response) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == "sessionid" {
			return c
		}
	}
	return nil
}

func setUser(w http.ResponseWriter, r *http.Request) {
	if err := From(r).Set("user", 42); err != nil {
		panic(err)
	}
}

func TestRoundTripAndCookieAttributes(t *testing.T) {
	h := newHarness(t, Config{})
	res := h.do("", setUser)
	c := sessionCookie(res)
	if c == nil {
		t.Fatal("no session cookie after Set")
	}
	if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
		t.Errorf("cookie attributes: %+v", c)
	}
	if c.MaxAge != int((14 * 24 * time.Hour).Seconds()) {
		t.Errorf("MaxAge = %d", c.MaxAge)
	}
	raw, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || bytes.Contains(raw, []byte(`"user":42`)) {
		t.Errorf("cookie value is not encrypted: %q", c.Value)
	}
	var got int
	var ok bool
	h.do(h.jar, func(w http.ResponseWriter, r *http.Request) { got, ok = Value[int](From(r), "user") })
	if !ok || got != 42 {
		t.Fatalf("Value = %d, %v", got, ok)
	}
}

func TestLazyAndSaveOnlyWhenModified(t *testing.T) {
	h := newHarness(t, Config{})
	h.do("", setUser)
	cookie := h.jar

	res := h.do(cookie, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "untouched") })
	if sessionCookie(res) != nil || res.Header.Get("Vary") != "" {
		t.Errorf("untouched session: Set-Cookie %v, Vary %q", res.Cookies(), res.Header.Get("Vary"))
	}
	res = h.do(cookie, func(w http.ResponseWriter, r *http.Request) { From(r).Has("user") })
	if sessionCookie(res) != nil {
		t.Error("read-only access saved the session")
	}
	if res.Header.Get("Vary") != "Cookie" {
		t.Errorf("read access: Vary = %q, want Cookie", res.Header.Get("Vary"))
	}
	res = h.do(cookie, func(w http.ResponseWriter, r *http.Request) { From(r).Delete("missing") })
	if sessionCookie(res) != nil {
		t.Error("deleting a missing key saved the session")
	}
}

func TestSaveEveryRequest(t *testing.T) {
	h := newHarness(t, Config{SaveEveryRequest: true})
	h.do("", setUser)
	res := h.do(h.jar, func(w http.ResponseWriter, r *http.Request) { From(r).Has("user") })
	if sessionCookie(res) == nil {
		t.Error("SaveEveryRequest did not re-save")
	}
}

// The attack table for session cookies: every tampered cookie gives a fresh,
// empty session and a normal response, never an error page.
func TestAttackTableCookieStore(t *testing.T) {
	h := newHarness(t, Config{})
	h.do("", setUser)
	good := h.jar

	oldStore, _ := NewCookieStore([]string{"retired-key"})
	retired, _ := oldStore.Save(context.Background(), "", Record{Values: valuesOf("user", "42"), Expires: time.Now().Add(time.Hour)})
	expiredVal, _ := h.m.store.Save(context.Background(), "", Record{Values: valuesOf("user", "42"), Expires: time.Now().Add(-time.Second)})

	flipped := []byte(good)
	flipped[len(flipped)/2] ^= 1
	if flipped[len(flipped)/2] == '_' || flipped[len(flipped)/2] == '-' {
		flipped[len(flipped)/2] = 'A'
	}
	cases := map[string]string{
		"forged random":         "AQ" + strings.Repeat("x", 120),
		"truncated":             good[:len(good)-5],
		"truncated to header":   good[:20],
		"bit flipped":           string(flipped),
		"extended":              good + "AAAA",
		"not base64":            "%%%%%%",
		"plain json":            `{"v":{"user":1}}`,
		"other version":         "Ag" + good[2:],
		"retired key":           retired,
		"expired":               expiredVal,
		"oversized":             strings.Repeat("A", 20000),
		"server-store key here": NewKey(),
	}
	for name, cookie := range cases {
		t.Run(name, func(t *testing.T) {
			var n int
			res := h.do(cookie, func(w http.ResponseWriter, r *http.Request) {
				n = From(r).Len()
				io.WriteString(w, "ok")
			})
			if res.StatusCode != 200 || n != 0 {
				t.Fatalf("status %d, %d values; want 200 and a fresh empty session", res.StatusCode, n)
			}
		})
	}
}

func TestKeyRotation(t *testing.T) {
	oldStore, _ := NewCookieStore([]string{"old"})
	val, _ := oldStore.Save(context.Background(), "", Record{Values: valuesOf("user", "7"), Expires: time.Now().Add(time.Hour)})

	rotated, _ := NewCookieStore([]string{"new", "old"})
	rec, ok, err := rotated.Load(context.Background(), val)
	if err != nil || !ok || string(rec.Values["user"]) != "7" {
		t.Fatalf("fallback key did not decrypt: %v %v", ok, err)
	}
	newVal, _ := rotated.Save(context.Background(), "", rec)
	if _, ok, _ := oldStore.Load(context.Background(), newVal); ok {
		t.Fatal("rotated store encrypted with the fallback key")
	}
	retired, _ := NewCookieStore([]string{"new"})
	if _, ok, _ := retired.Load(context.Background(), val); ok {
		t.Fatal("retired key still decrypts")
	}
}

// Server-side store: after Cycle (login) or Flush (logout) the old key is dead,
// so replaying the old cookie gives a fresh empty session.
func TestReplayAfterRotation(t *testing.T) {
	for _, op := range []string{"cycle", "flush"} {
		t.Run(op, func(t *testing.T) {
			store := NewMemoryStore()
			h := newHarness(t, Config{Store: store})
			h.do("", setUser)
			before := h.jar
			if !ValidKey(before) {
				t.Fatalf("server-side cookie is not a session key: %q", before)
			}
			res := h.do(before, func(w http.ResponseWriter, r *http.Request) {
				if op == "cycle" {
					From(r).Cycle()
				} else {
					From(r).Flush()
				}
			})
			c := sessionCookie(res)
			if op == "cycle" && (c == nil || c.Value == before || c.MaxAge <= 0) {
				t.Fatalf("cycle did not issue a new key: %+v", c)
			}
			if op == "flush" && (c == nil || c.MaxAge >= 0) {
				t.Fatalf("flush did not expire the cookie: %+v", c)
			}
			var n int
			h.do(before, func(w http.ResponseWriter, r *http.Request) { n = From(r).Len() })
			if n != 0 {
				t.Fatalf("replayed old key still has %d values", n)
			}
			if op == "cycle" {
				var u int
				h.do(c.Value, func(w http.ResponseWriter, r *http.Request) { u, _ = Value[int](From(r), "user") })
				if u != 42 {
					t.Fatalf("cycle lost the data: user=%d", u)
				}
				if store.Len() != 1 {
					t.Fatalf("store holds %d records after cycle, want 1", store.Len())
				}
			}
		})
	}
}

// A request that loaded a session must not resurrect it after a concurrent logout.
func TestNoResurrectionAfterConcurrentFlush(t *testing.T) {
	store := NewMemoryStore()
	h := newHarness(t, Config{Store: store})
	h.do("", setUser)
	key := h.jar
	res := h.do(key, func(w http.ResponseWriter, r *http.Request) {
		s := From(r)
		s.Has("user") // load
		store.Delete(r.Context(), key)
		s.Set("cart", 1)
	})
	if sessionCookie(res) != nil {
		t.Fatal("a cookie was sent for a session deleted meanwhile")
	}
	if store.Len() != 0 {
		t.Fatal("the deleted session was resurrected")
	}
	if !strings.Contains(h.log.String(), "deleted or rotated") {
		t.Errorf("no log line: %s", h.log.String())
	}
}

func TestServerSideForgedKey(t *testing.T) {
	store := NewMemoryStore()
	h := newHarness(t, Config{Store: store})
	for _, k := range []string{NewKey(), "short", strings.Repeat("!", KeyLen), ""} {
		var n int
		res := h.do(k, func(w http.ResponseWriter, r *http.Request) { n = From(r).Len(); From(r).Set("a", 1) })
		c := sessionCookie(res)
		if n != 0 || c == nil || c.Value == k {
			t.Fatalf("key %q: n=%d cookie=%v (a client-chosen key must never be adopted)", k, n, c)
		}
	}
}

func TestExpiry(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	store := NewMemoryStore()
	store.Now = clock
	h := newHarness(t, Config{Store: store, Age: time.Hour, Now: clock})
	h.do("", setUser)
	now = now.Add(59 * time.Minute)
	var n int
	h.do(h.jar, func(w http.ResponseWriter, r *http.Request) { n = From(r).Len() })
	if n != 1 {
		t.Fatal("session expired early")
	}
	now = now.Add(2 * time.Minute)
	h.do(h.jar, func(w http.ResponseWriter, r *http.Request) { n = From(r).Len() })
	if n != 0 {
		t.Fatal("session outlived its age")
	}
	if store.Len() != 0 {
		t.Fatal("the expired record was not dropped when read")
	}

	// Cookie store: the expiry is inside the encrypted payload.
	hc := newHarness(t, Config{Age: time.Hour, Now: clock})
	hc.do("", setUser)
	now = now.Add(61 * time.Minute)
	hc.do(hc.jar, func(w http.ResponseWriter, r *http.Request) { n = From(r).Len() })
	if n != 0 {
		t.Fatal("cookie session outlived its age")
	}
}

func TestBrowserCloseAndSetExpiry(t *testing.T) {
	h := newHarness(t, Config{ExpireAtBrowserClose: true})
	res := h.do("", setUser)
	if c := sessionCookie(res); c == nil || c.MaxAge != 0 || !c.Expires.IsZero() {
		t.Fatalf("browser-close cookie has an age: %+v", c)
	}
	res = h.do(h.jar, func(w http.ResponseWriter, r *http.Request) { From(r).SetExpiry(30 * 24 * time.Hour) })
	if c := sessionCookie(res); c == nil || c.MaxAge != 30*24*3600 {
		t.Fatalf("remember-me cookie: %+v", c)
	}
	// The override is stored with the session and survives later saves.
	res = h.do(h.jar, func(w http.ResponseWriter, r *http.Request) { From(r).Set("x", 1) })
	if c := sessionCookie(res); c == nil || c.MaxAge != 30*24*3600 {
		t.Fatalf("override lost: %+v", c)
	}
	h2 := newHarness(t, Config{})
	res = h2.do("", func(w http.ResponseWriter, r *http.Request) { setUser(w, r); From(r).SetExpiry(0) })
	if c := sessionCookie(res); c == nil || c.MaxAge != 0 {
		t.Fatalf("SetExpiry(0): %+v", c)
	}
}

func TestCookieTooLarge(t *testing.T) {
	h := newHarness(t, Config{})
	var saveErr error
	res := h.do("", func(w http.ResponseWriter, r *http.Request) {
		From(r).Set("blob", strings.Repeat("x", 5000))
		saveErr = From(r).Save(r.Context())
	})
	if !errors.Is(saveErr, ErrCookieTooLarge) || !strings.Contains(saveErr.Error(), "server-side store") {
		t.Fatalf("Save err = %v", saveErr)
	}
	if sessionCookie(res) != nil {
		t.Fatal("an oversized cookie was sent")
	}
	if !strings.Contains(h.log.String(), "cookie too large") {
		t.Errorf("not logged: %q", h.log.String())
	}
}

func TestEmptiedSessionExpiresCookie(t *testing.T) {
	h := newHarness(t, Config{})
	h.do("", setUser)
	res := h.do(h.jar, func(w http.ResponseWriter, r *http.Request) { From(r).Clear() })
	if c := sessionCookie(res); c == nil || c.MaxAge >= 0 {
		t.Fatalf("emptied session cookie not expired: %+v", c)
	}
	// An empty new session sends nothing.
	res = h.do("", func(w http.ResponseWriter, r *http.Request) { From(r).Set("a", 1); From(r).Delete("a") })
	if sessionCookie(res) != nil {
		t.Fatal("cookie sent for an empty session")
	}
}

func TestServerErrorNotSaved(t *testing.T) {
	h := newHarness(t, Config{})
	res := h.do("", func(w http.ResponseWriter, r *http.Request) {
		setUser(w, r)
		http.Error(w, "boom", 500)
	})
	if sessionCookie(res) != nil {
		t.Fatal("session saved on a 500")
	}
}

func TestSessionAPI(t *testing.T) {
	h := newHarness(t, Config{})
	h.do("", func(w http.ResponseWriter, r *http.Request) {
		s := From(r)
		type cart struct{ Items []string }
		s.Set("cart", cart{[]string{"a", "b"}})
		s.Set("n", 3)
		if c, ok := Value[cart](s, "cart"); !ok || len(c.Items) != 2 {
			t.Errorf("Value[cart] = %+v %v", c, ok)
		}
		if _, ok := Value[int](s, "cart"); ok {
			t.Error("Value of the wrong type reported ok")
		}
		if v, ok := s.Get("n"); !ok || v.(float64) != 3 {
			t.Errorf("Get = %v", v)
		}
		if got := strings.Join(s.Keys(), ","); got != "cart,n" {
			t.Errorf("Keys = %s", got)
		}
		var n int
		if ok, _ := s.Pop("n", &n); !ok || n != 3 || s.Has("n") {
			t.Error("Pop")
		}
		if err := s.Set("bad", make(chan int)); err == nil {
			t.Error("unencodable value accepted")
		}
		if s.Key() != "" {
			t.Error("cookie store exposes a key")
		}
	})
}

func TestNilSession(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	s := From(r)
	if s != nil {
		t.Fatal("session without middleware")
	}
	if err := s.Set("a", 1); !errors.Is(err, ErrNoMiddleware) {
		t.Fatalf("Set on nil: %v", err)
	}
	if s.Has("a") || s.Len() != 0 || s.Keys() != nil || s.Modified() || s.Key() != "" {
		t.Fatal("nil session is not empty")
	}
	s.Delete("a")
	s.Clear()
	s.Flush()
	s.Cycle()
	s.SetExpiry(time.Hour)
	if _, ok := Value[int](s, "a"); ok {
		t.Fatal("Value on nil")
	}
}

func TestFromSettings(t *testing.T) {
	if _, err := FromSettings(&galvani.Settings{}); err == nil || !strings.Contains(err.Error(), "SECRET_KEY") {
		t.Fatalf("production without SECRET_KEY: %v", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Middleware did not panic without SECRET_KEY")
			}
		}()
		Middleware(&galvani.Settings{})
	}()
	m, err := FromSettings(&galvani.Settings{Debug: true})
	if err != nil {
		t.Fatalf("debug without key: %v", err)
	}
	if !m.cfg.Insecure {
		t.Error("debug cookies are Secure")
	}
	s := &galvani.Settings{SecretKey: "k"}
	galvani.Section(s, "session", Config{CookieName: "sid", Store: NewMemoryStore()})
	m, err = FromSettings(s)
	if err != nil || m.cfg.CookieName != "sid" || m.cfg.Insecure {
		t.Fatalf("section not used: %+v %v", m.cfg, err)
	}
	if _, err := New(Config{}); err == nil {
		t.Fatal("New without store")
	}
}

func TestWithApp(t *testing.T) {
	app := galvani.New(galvani.Settings{SecretKey: "k", Debug: true}, App)
	app.Use(Middleware(&app.Settings))
	app.Post("/login", func(c *galvani.Ctx) error {
		s := From(c.Request)
		s.Cycle()
		return s.Set("user", "alice")
	})
	app.Get("/me", func(c *galvani.Ctx) error {
		u, _ := Value[string](From(c.Request), "user")
		return c.Text(200, "user="+u)
	})
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest("POST", "/login", nil))
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Secure {
		t.Fatalf("login cookies: %v", cookies)
	}
	req := httptest.NewRequest("GET", "/me", nil)
	req.AddCookie(cookies[0])
	rec = httptest.NewRecorder()
	app.ServeHTTP(rec, req)
	if rec.Body.String() != "user=alice" {
		t.Fatalf("body %q", rec.Body.String())
	}
}

func TestClearSessionsCommand(t *testing.T) {
	store := NewMemoryStore()
	store.Save(context.Background(), "", Record{Values: valuesOf("a", "1"), Expires: time.Now().Add(-time.Minute)})
	store.Save(context.Background(), "", Record{Values: valuesOf("a", "1"), Expires: time.Now().Add(time.Minute)})
	var out bytes.Buffer
	if err := ClearExpired(context.Background(), store, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "deleted 1 expired") || store.Len() != 1 {
		t.Fatalf("output %q, %d left", out.String(), store.Len())
	}
	out.Reset()
	cs, _ := NewCookieStore([]string{"k"})
	ClearExpired(context.Background(), cs, &out)
	if !strings.Contains(out.String(), "nothing to do") {
		t.Fatalf("cookie store: %q", out.String())
	}
	s := galvani.Settings{SecretKey: "k"}
	galvani.Section(&s, "session", Config{Store: store})
	app := galvani.New(s, App)
	out.Reset()
	store.Save(context.Background(), "", Record{Values: valuesOf("a", "1"), Expires: time.Now().Add(-time.Minute)})
	if err := app.RunCommand(context.Background(), []string{"clearsessions"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "deleted 1 expired") {
		t.Fatalf("command output %q", out.String())
	}
	if err := app.RunCommand(context.Background(), []string{"clearsessions", "x"}, io.Discard); err == nil {
		t.Fatal("extra argument accepted")
	}
}

func FuzzCookieDecode(f *testing.F) {
	cs, _ := NewCookieStore([]string{"k", "old"})
	good, _ := cs.Save(context.Background(), "", Record{Values: valuesOf("user", "42"), Expires: time.Now().Add(time.Hour)})
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add("")
	f.Add("AQ")
	f.Add(strings.Repeat("A", 100))
	m, _ := New(Config{Store: cs})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		From(r).Len()
	}))
	f.Fuzz(func(t *testing.T, cookie string) {
		rec, ok, err := cs.Load(context.Background(), cookie)
		if err != nil {
			t.Fatal(err)
		}
		if ok && (len(rec.Values) != 1 || string(rec.Values["user"]) != "42") {
			// Only a ciphertext made with one of the keys (here: only ever
			// encrypting user=42) may decrypt.
			t.Fatalf("forged cookie %q decrypted to %+v", cookie, rec)
		}
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Cookie", "sessionid="+cookie)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			t.Fatalf("status %d", w.Code)
		}
	})
}

// downStore is a store whose server went away: every call fails.
type downStore struct{ MemoryStore }

var errStoreDown = errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")

func (*downStore) Load(context.Context, string) (Record, bool, error) {
	return Record{}, false, errStoreDown
}
func (*downStore) Save(context.Context, string, Record) (string, error) { return "", errStoreDown }

// A store that fails to load fails closed: the handler's response (here a
// redirect to the login page, as for a signed-out visitor) is replaced by a 503
// with Retry-After, and the visitor keeps their cookie. A request that does not
// read the session is not affected.
func TestStoreDownFailsClosed(t *testing.T) {
	h := newHarness(t, Config{Store: &downStore{}})
	res := h.do("sessionkeyofasignedinvisitor0000000000000000", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := From(r).Get("user"); !ok {
			w.Header().Set("Location", "/login/")
			w.Header().Set("Set-Cookie", "other=1")
			w.WriteHeader(http.StatusFound)
			io.WriteString(w, "please sign in")
		}
	})
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 503 || res.Header.Get("Retry-After") != "5" || res.Header.Get("Location") != "" ||
		len(res.Cookies()) != 0 || !strings.Contains(string(body), "sessions cannot be loaded") || strings.Contains(string(body), "sign in") {
		t.Errorf("got %d %v %q; want a plain 503 with Retry-After and nothing of the handler's response", res.StatusCode, res.Header, body)
	}
	if !strings.Contains(h.log.String(), "connection refused") {
		t.Errorf("the cause is not logged:\n%s", h.log.String())
	}
	res = h.do("sessionkeyofasignedinvisitor0000000000000000", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "static page")
	})
	if body, _ := io.ReadAll(res.Body); res.StatusCode != 200 || string(body) != "static page" {
		t.Errorf("a page that does not use the session: %d %q", res.StatusCode, body)
	}
	// Without a cookie there is nothing to load: a new visitor still gets pages.
	res = h.do("", func(w http.ResponseWriter, r *http.Request) {
		From(r).Get("user")
		io.WriteString(w, "home")
	})
	if res.StatusCode != 200 {
		t.Errorf("a visitor without a session: %d", res.StatusCode)
	}
	// But a change to the session that cannot be saved (a login) is not answered
	// as if it were: the redirect that says "signed in" becomes the 503.
	h.log.Reset()
	res = h.do("", func(w http.ResponseWriter, r *http.Request) {
		From(r).Set("user", "ada")
		w.Header().Set("Location", "/dashboard/")
		w.WriteHeader(http.StatusFound)
		io.WriteString(w, "signed in")
	})
	body, _ = io.ReadAll(res.Body)
	if res.StatusCode != 503 || res.Header.Get("Retry-After") != "5" || res.Header.Get("Location") != "" ||
		len(res.Cookies()) != 0 || !strings.Contains(string(body), "sessions cannot be saved") || strings.Contains(string(body), "signed in") {
		t.Errorf("a login with the store down: %d %v %q; want a plain 503 with Retry-After", res.StatusCode, res.Header, body)
	}
	if !strings.Contains(h.log.String(), "connection refused") {
		t.Errorf("the cause is not logged:\n%s", h.log.String())
	}
}
