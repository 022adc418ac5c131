package mail

import (
	"bytes"
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

func productionApp(t *testing.T, extra ...string) (*galvani.App, *Memory) {
	s := galvani.Settings{SecretKey: strings.Repeat("k9", 30), AllowedHosts: []string{"*"}}
	env := append([]string{"EMAIL_URL=memory://", "ADMINS=Ops <ops@example.com>, dev@example.com", "SERVER_EMAIL=errors@example.com",
		"SECRET_KEY=" + strings.Repeat("k9", 30), "ALLOWED_HOSTS=*"}, extra...)
	if err := s.ApplyEnv(env); err != nil {
		t.Fatal(err)
	}
	app := galvani.New(s, App)
	app.Logger = slog.New(slog.DiscardHandler)
	m, err := For(&app.Settings)
	if err != nil {
		t.Fatal(err)
	}
	return app, m.Backend.(*Memory)
}

// TestAdminsMailedOnServerError: with Debug off, an unhandled error mails the
// admins the debug details (stack with the source line, request, masked settings),
// while the visitor sees a plain 500; repeats are rate-limited.
func TestAdminsMailedOnServerError(t *testing.T) {
	app, outbox := productionApp(t)
	app.Get("/boom/", func(c *galvani.Ctx) error {
		var m map[string]int
		m["x"] = 1 // a nil-map panic, on this line
		return nil
	})
	app.Get("/fail/", func(c *galvani.Ctx) error { return errors.New("database on fire") })
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", path+"?q=1", nil)
		req.Header.Set("Cookie", "sessionid=topsecretcookie")
		app.ServeHTTP(rec, req)
		return rec
	}
	rec := get("/boom/")
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "nil map") {
		t.Fatalf("the visitor got %d %q", rec.Code, rec.Body.String())
	}
	waitFor(t, func() bool { return len(outbox.Messages()) == 1 })
	msg := outbox.Messages()[0]
	if msg.From != "errors@example.com" || len(msg.To) != 2 || !strings.HasPrefix(msg.Subject, "[Galvani] ERROR (external IP): 500 GET /boom/") {
		t.Errorf("mail: from %q to %v subject %q", msg.From, msg.To, msg.Subject)
	}
	for _, want := range []string{"assignment to entry in nil map", "admins_test.go", `m["x"] = 1`, "GET http://example.com/boom/?q=1", "Settings:", "SecretKey"} {
		if !strings.Contains(msg.Text, want) {
			t.Errorf("the mail's text lacks %q:\n%s", want, msg.Text)
		}
	}
	if strings.Contains(msg.Text, strings.Repeat("k9", 30)) || strings.Contains(msg.Text, "topsecretcookie") || strings.Contains(msg.HTML, strings.Repeat("k9", 30)) {
		t.Error("the mail shows a secret")
	}
	if !strings.Contains(msg.HTML, "<html") || strings.Contains(msg.HTML, "You're seeing this error because") {
		t.Error("the HTML alternative is not the debug page for a report")
	}
	// The same error again within the interval: no second mail. Another error: mailed.
	get("/boom/")
	get("/fail/")
	waitFor(t, func() bool { return len(outbox.Messages()) == 2 })
	time.Sleep(100 * time.Millisecond)
	if got := outbox.Messages(); len(got) != 2 || !strings.Contains(got[1].Text, "database on fire") {
		t.Fatalf("%d mails; the second: %+v", len(got), got[len(got)-1].Subject)
	}
}

func TestRateLimit(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	outbox := &Memory{}
	r := &ErrorReporter{Mailer: &Mailer{Backend: outbox, ServerEmail: "s@example.com", Admins: []string{"a@example.com"}},
		Interval: time.Minute, Burst: 3, Now: func() time.Time { return now }}
	sigs := []string{"a", "a", "b", "c", "d", "e"}
	var allowed []string
	var heldAt []int
	for _, s := range sigs {
		if ok, held := r.allow(s); ok {
			allowed = append(allowed, s)
			heldAt = append(heldAt, held)
			r.mu.Lock()
			r.busy--
			r.mu.Unlock()
		}
	}
	if strings.Join(allowed, "") != "abc" || heldAt[1] != 1 {
		t.Fatalf("allowed %v (held back before each: %v), want a, b, c (a once; three per minute) with b's mail counting the second a", allowed, heldAt)
	}
	now = now.Add(61 * time.Second)
	ok, held := r.allow("a")
	if !ok || held != 2 {
		t.Fatalf("after the interval: %v, %d held back (want true, 2: d and e)", ok, held)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestAppChecksAndDebug(t *testing.T) {
	// Debug on: no reporter (errors show on the debug page instead).
	s := galvani.Settings{Debug: true, EmailURL: "memory://", Admins: []string{"a@example.com"}}
	app := galvani.New(s, App)
	app.Logger = slog.New(slog.DiscardHandler)
	app.Get("/x/", func(c *galvani.Ctx) error { return errors.New("x") })
	app.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x/", nil))
	m, _ := For(&app.Settings)
	time.Sleep(50 * time.Millisecond)
	if n := len(m.Backend.(*Memory).Messages()); n != 0 {
		t.Errorf("%d mails in debug mode", n)
	}
	bad := galvani.New(galvani.Settings{Debug: true}, App)
	bad.Settings.EmailURL = "pigeon://"
	bad.Settings.DefaultFromEmail = "not an address"
	ids := map[string]bool{}
	for _, msg := range bad.Check(true) {
		ids[msg.ID] = true
	}
	if !ids["mail.E001"] || !ids["mail.E002"] {
		t.Errorf("check: %v", ids)
	}
	if ids := checkIDs(galvani.New(galvani.Settings{Debug: true}, App), true); !ids["mail.W001"] {
		t.Errorf("console mail in production is not reported: %v", ids)
	}
}

func checkIDs(app *galvani.App, deploy bool) map[string]bool {
	ids := map[string]bool{}
	for _, m := range app.Check(deploy) {
		ids[m.ID] = true
	}
	return ids
}

func TestMailerAndTemplates(t *testing.T) {
	outbox := &Memory{}
	m := &Mailer{Backend: outbox, DefaultFrom: "site@example.com", ServerEmail: "s@example.com", SubjectPrefix: "[Site] "}
	if err := m.SendMail(t.Context(), "Hi", "text", "b@example.com"); err != nil {
		t.Fatal(err)
	}
	if got := outbox.Messages()[0]; got.From != "site@example.com" {
		t.Errorf("From = %q", got.From)
	}
	if err := m.MailAdmins(t.Context(), "x", "y", ""); !errors.Is(err, ErrNoAdmins) {
		t.Errorf("MailAdmins without admins: %v", err)
	}
	m.Admins = []string{"a@example.com"}
	if err := m.MailAdmins(t.Context(), "line\nbreak", "y", ""); err != nil {
		t.Fatal(err)
	}
	if got := outbox.Messages()[1].Subject; got != "[Site] line break" {
		t.Errorf("admins subject %q", got)
	}
	e := fakeEngine{"s.txt": "  Welcome,\n {{name}} ", "b.txt": "Hello {{name}} & co", "b.html": "<p>Hello</p>"}
	msg, err := Render(e, nil, Templates{Subject: "s.txt", Text: "b.txt", HTML: "b.html"}, map[string]string{"name": "Ada"})
	if err != nil || msg.Subject != "Welcome, Ada" || msg.Text != "Hello Ada & co" || msg.HTML != "<p>Hello</p>" {
		t.Fatalf("Render = %+v, %v", msg, err)
	}
	if _, err := Render(e, nil, Templates{Subject: "missing", Text: "b.txt"}, nil); err == nil {
		t.Error("a missing template rendered")
	}
}

// fakeEngine substitutes {{name}}, enough to test Render's plumbing; the template
// battery's engine is tested in its own package.
type fakeEngine map[string]string

func (f fakeEngine) Render(w http.ResponseWriter, _ *http.Request, name string, data any) error {
	src, ok := f[name]
	if !ok {
		return errors.New("no template " + name)
	}
	_, err := io.Copy(w, bytes.NewBufferString(strings.ReplaceAll(src, "{{name}}", data.(map[string]string)["name"])))
	return err
}
