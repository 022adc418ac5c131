package auth

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/galvanitest"
)

func TestPasswordChange(t *testing.T) {
	e := newEnv(t, Options{})
	e.user("jan", goodPassword)
	c := e.client()
	c.Get("/accounts/password_change/").AssertRedirect("/accounts/login/?next=%2Faccounts%2Fpassword_change%2F")
	e.login(c, "jan", goodPassword).AssertRedirect("/")
	other := e.client() // the same user on another device
	e.login(other, "jan", goodPassword).AssertRedirect("/")

	c.Get("/accounts/password_change/").AssertStatus(200).AssertContains(`name="old_password"`, "at least 8 characters")
	post := func(old, p1, p2 string) *galvanitest.Response {
		return c.PostForm("/accounts/password_change/", url.Values{"old_password": {old}, "new_password1": {p1}, "new_password2": {p2}})
	}
	post("not-my-password", "new-secret-phrase-1", "new-secret-phrase-1").AssertStatus(200).AssertContains("Your old password was entered incorrectly")
	post(goodPassword, "new-secret-phrase-1", "new-secret-phrase-2").AssertStatus(200).AssertContains("didn’t match")
	post(goodPassword, "12345678901", "12345678901").AssertStatus(200).AssertContains("entirely numeric")
	post(goodPassword, "password", "password").AssertStatus(200).AssertContains("too common")
	post(goodPassword, "", "").AssertStatus(200).AssertContains("This field is required.")

	before := c.Cookie("sessionid").Value
	post(goodPassword, "new-secret-phrase-1", "new-secret-phrase-1").AssertRedirect("/accounts/password_change/done/")
	if c.Cookie("sessionid").Value == before {
		t.Error("session key not rotated after the password change")
	}
	c.Get("/accounts/password_change/done/").AssertStatus(200).AssertContains("Your password was changed.")
	c.Get("/private/").AssertStatus(200) // this session stays logged in
	other.Get("/private/").AssertStatus(302)

	fresh := e.client()
	e.login(fresh, "jan", goodPassword).AssertStatus(200)
	e.login(fresh, "jan", "new-secret-phrase-1").AssertRedirect("/")
}

var resetLink = regexp.MustCompile(`http://example\.com(/accounts/reset/[^/\s]+/[^/\s]+/)`)

func (e *env) resetMailLink(t *testing.T, n int) string {
	t.Helper()
	box := e.mail.Outbox()
	if len(box) != n {
		t.Fatalf("outbox has %d messages, want %d", len(box), n)
	}
	m := resetLink.FindStringSubmatch(box[n-1].Body)
	if m == nil {
		t.Fatalf("no reset link in:\n%s", box[n-1].Body)
	}
	return m[1]
}

func TestPasswordReset(t *testing.T) {
	e := newEnv(t, Options{})
	e.user("kim", goodPassword)
	c := e.client()
	c.Get("/accounts/password_reset/").AssertStatus(200).AssertContains(`name="email"`)

	// An unknown address gets the same answer and no mail.
	c.PostForm("/accounts/password_reset/", url.Values{"email": {"nobody@example.com"}}).AssertRedirect("/accounts/password_reset/done/")
	if n := len(e.mail.Outbox()); n != 0 {
		t.Fatalf("mail sent for an unknown address: %d", n)
	}
	c.PostForm("/accounts/password_reset/", url.Values{"email": {"not an address"}}).AssertStatus(200).AssertContains("Enter a valid email address.")

	c.PostForm("/accounts/password_reset/", url.Values{"email": {"KIM@example.com"}}).AssertRedirect("/accounts/password_reset/done/")
	c.Get("/accounts/password_reset/done/").AssertStatus(200)
	msg := e.mail.Outbox()[0]
	if msg.To[0] != "kim@example.com" || !strings.Contains(msg.Subject, "Password reset on example.com") || !strings.Contains(msg.Body, "kim") {
		t.Errorf("mail: %+v", msg)
	}
	link := e.resetMailLink(t, 1)
	uid := strings.Split(link, "/")[3]
	setURL := "/accounts/reset/" + uid + "/set-password/"

	// The token leaves the URL for the session.
	c.Get(link).AssertRedirect(setURL)
	c.Get(setURL).AssertStatus(200).AssertContains(`name="new_password1"`)
	c.PostForm(setURL, url.Values{"new_password1": {"brand-new-phrase"}, "new_password2": {"other-phrase-x"}}).AssertStatus(200).AssertContains("didn’t match")
	c.PostForm(setURL, url.Values{"new_password1": {"brand-new-phrase"}, "new_password2": {"brand-new-phrase"}}).AssertRedirect("/accounts/reset/done/")
	c.Get("/accounts/reset/done/").AssertStatus(200).AssertContains("Your password has been set.")
	e.login(e.client(), "kim", "brand-new-phrase").AssertRedirect("/")

	// Reuse of the link is refused, in this browser and in another.
	c.Get(link).AssertStatus(200).AssertContains("Password reset unsuccessful")
	c.Get(setURL).AssertStatus(200).AssertContains("Password reset unsuccessful")
	c.PostForm(setURL, url.Values{"new_password1": {"attacker-phrase-1"}, "new_password2": {"attacker-phrase-1"}}).AssertContains("Password reset unsuccessful")
	e.client().Get(link).AssertContains("Password reset unsuccessful")
	e.login(e.client(), "kim", "attacker-phrase-1").AssertStatus(200)
}

func TestPasswordResetTokenDies(t *testing.T) {
	e := newEnv(t, Options{})
	e.user("lee", goodPassword)
	request := func(n int) string {
		e.client().PostForm("/accounts/password_reset/", url.Values{"email": {"lee@example.com"}}).AssertStatus(302)
		return e.resetMailLink(t, n)
	}
	// Expired after the timeout (three days).
	link := request(1)
	e.clock.Add(3*24*time.Hour + time.Minute)
	e.client().Get(link).AssertContains("Password reset unsuccessful")

	// Dead once the user logs in (last_login changes).
	link = request(2)
	e.clock.Add(time.Second)
	e.login(e.client(), "lee", goodPassword).AssertRedirect("/")
	e.client().Get(link).AssertContains("Password reset unsuccessful")

	// Tampered token or uid.
	link = request(3)
	parts := strings.Split(link, "/")
	bad := strings.Join(append(parts[:4:4], parts[4][:len(parts[4])-1]+"0", ""), "/")
	if strings.HasSuffix(parts[4], "0") {
		bad = strings.Join(append(parts[:4:4], parts[4][:len(parts[4])-1]+"1", ""), "/")
	}
	e.client().Get(bad).AssertContains("Password reset unsuccessful")
	e.client().Get("/accounts/reset/OTk5/" + parts[4] + "/").AssertContains("Password reset unsuccessful")
	e.client().Get("/accounts/reset/!!!/x/").AssertStatus(200).AssertContains("Password reset unsuccessful")
	e.client().Get("/accounts/reset/" + strings.Repeat("A", 200) + "/" + strings.Repeat("1", 300) + "/").AssertContains("Password reset unsuccessful")
	// The genuine one still works.
	e.client().Get(link).AssertStatus(302)
}

func TestTokenGenerator(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g := TokenGenerator{Keys: []string{"new-key"}, Timeout: time.Hour, Now: func() time.Time { return now }}
	u := &User{AbstractUser: AbstractUser{Username: "x", Email: "x@example.com", Password: "argon2$abc"}}
	u.ID = 7
	tok, err := g.Make(u)
	if err != nil {
		t.Fatal(err)
	}
	if !g.Check(u, tok) {
		t.Fatal("fresh token refused")
	}
	old := TokenGenerator{Keys: []string{"old-key"}, Timeout: time.Hour, Now: g.Now}
	oldTok, _ := old.Make(u)
	if g.Check(u, oldTok) {
		t.Fatal("token of another key accepted")
	}
	rotated := TokenGenerator{Keys: []string{"new-key", "old-key"}, Timeout: time.Hour, Now: g.Now}
	if !rotated.Check(u, oldTok) {
		t.Fatal("token of a fallback key refused")
	}
	for name, change := range map[string]func(*User){
		"password": func(u *User) { u.Password = "argon2$def" },
		"email":    func(u *User) { u.Email = "y@example.com" },
		"login":    func(u *User) { t := now; u.LastLogin = &t },
		"id":       func(u *User) { u.ID = 8 },
	} {
		v := *u
		change(&v)
		if g.Check(&v, tok) {
			t.Errorf("token survives a change of %s", name)
		}
	}
	later := TokenGenerator{Keys: g.Keys, Timeout: time.Hour, Now: func() time.Time { return now.Add(61 * time.Minute) }}
	if later.Check(u, tok) {
		t.Error("expired token accepted")
	}
	for _, bad := range []string{"", "-", "abc", "zzzzzzzzzzzzzzzzzz-abc", "-" + tok, tok + "0", strings.Repeat("a", 100)} {
		if g.Check(u, bad) {
			t.Errorf("token %q accepted", bad)
		}
	}
	if g.Check(&User{}, tok) || g.Check(nil, tok) {
		t.Error("token accepted for an unsaved user")
	}
	if _, err := (TokenGenerator{}).Make(u); err == nil {
		t.Error("Make without keys")
	}
}

func FuzzTokenCheck(f *testing.F) {
	g := TokenGenerator{Keys: []string{"k"}, Timeout: time.Hour}
	u := &User{AbstractUser: AbstractUser{Username: "x", Password: "p"}}
	u.ID = 1
	tok, _ := g.Make(u)
	for _, s := range []string{tok, "", "-", "1-2", "zzzzzzzzzzzzz-" + strings.Repeat("f", 32), "\x00-\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if g.Check(u, s) && s != tok {
			t.Fatalf("forged token %q accepted", s)
		}
	})
}

func TestSetPasswordHelpers(t *testing.T) {
	u := &AbstractUser{}
	if u.HasUsablePassword() || u.CheckPassword("") {
		t.Fatal("empty password usable")
	}
	if err := u.SetPassword("pw-123-abc"); err != nil || !u.CheckPassword("pw-123-abc") || u.CheckPassword("nope") {
		t.Fatal("SetPassword/CheckPassword")
	}
	u.SetUnusablePassword()
	if u.HasUsablePassword() || u.CheckPassword("pw-123-abc") {
		t.Fatal("unusable password matched")
	}
}

func FuzzParseUID(f *testing.F) {
	for _, s := range []string{"MQ", "OTk5", "", "!!!", "LTE", "MA", "OTIyMzM3MjAzNjg1NDc3NTgwOA", strings.Repeat("A", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := parseUID(s)
		if ok && (id <= 0 || len(s) > 32) {
			t.Fatalf("parseUID(%q) = %d, true", s, id)
		}
	})
}

// Mail bombing through the reset form is throttled; the answer stays the same.
func TestPasswordResetThrottled(t *testing.T) {
	e := newEnv(t, Options{})
	e.user("max", goodPassword)
	c := e.client()
	for i := 0; i < 8; i++ {
		c.PostForm("/accounts/password_reset/", url.Values{"email": {"max@example.com"}}).AssertRedirect("/accounts/password_reset/done/")
	}
	if n := len(e.mail.Outbox()); n != 5 {
		t.Errorf("%d reset mails for 8 requests, want 5 (the account budget)", n)
	}
	e.clock.Add(16 * time.Minute)
	c.PostForm("/accounts/password_reset/", url.Values{"email": {"max@example.com"}}).AssertStatus(302)
	if n := len(e.mail.Outbox()); n != 6 {
		t.Errorf("after the window: %d mails, want 6", n)
	}
}

// Behind a TLS-terminating proxy listed in TrustedProxies, the reset link is
// https: the view asks the framework's one secure-request test, not r.TLS. A
// client that is not the proxy cannot choose the scheme.
func TestPasswordResetLinkSchemeBehindProxy(t *testing.T) {
	e := newEnv(t, Options{}, func(s *galvani.Settings) { s.TrustedProxies = []string{"10.0.0.0/8"} })
	e.user("pat", goodPassword)
	for i, tc := range []struct {
		remote, proto, want string
	}{
		{"10.1.2.3:5000", "https", "https://"},
		{"192.0.2.7:5000", "https", "http://"}, // not the proxy: its header is ignored
		{"10.1.2.3:5000", "http", "http://"},
	} {
		e.client().PostForm("/accounts/password_reset/", url.Values{"email": {"pat@example.com"}},
			galvanitest.RemoteAddr(tc.remote), galvanitest.Header("X-Forwarded-Proto", tc.proto),
			galvanitest.Header("Origin", strings.TrimSuffix(tc.want, "/")+"/"+galvanitest.DefaultHost)).AssertStatus(302)
		box := e.mail.Outbox()
		if len(box) != i+1 {
			t.Fatalf("outbox has %d mails, want %d", len(box), i+1)
		}
		want := tc.want + galvanitest.DefaultHost + "/accounts/reset/"
		if !strings.Contains(box[i].Body, want) {
			t.Errorf("from %s with X-Forwarded-Proto %s: the link does not start %q:\n%s", tc.remote, tc.proto, want, box[i].Body)
		}
	}
}
