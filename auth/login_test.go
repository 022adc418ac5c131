package auth

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/galvani-web/galvani"

	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/i18n"
	"github.com/galvani-web/galvani/session"
)

func TestLoginFlow(t *testing.T) {
	e := newEnv(t, Options{})
	e.user("ann", goodPassword)
	c := e.client()

	c.Get("/private/").AssertRedirect("/accounts/login/?next=%2Fprivate%2F")
	c.Get("/accounts/login/?next=/private/").AssertStatus(200).
		AssertContains(`name="username"`, `name="password"`, `name="next" value="/private/"`, `name="csrfmiddlewaretoken"`)

	c.PostForm("/accounts/login/", url.Values{"username": {"ann"}, "password": {"wrong-password"}, "next": {"/private/"}}).
		AssertStatus(200).AssertContains("Please enter a correct username and password")
	c.Get("/whoami/").AssertContains("|") // still anonymous
	if got := c.Get("/whoami/").Body(); !strings.HasPrefix(got, "|") {
		t.Fatalf("anonymous expected, got %q", got)
	}

	c.PostForm("/accounts/login/", url.Values{"username": {"ann"}, "password": {goodPassword}, "next": {"/private/"}}).
		AssertRedirect("/private/")
	c.Get("/private/").AssertStatus(200).AssertContains("hello ann")

	u, err := e.m.GetUser(context.Background(), e.db, "ann")
	if err != nil {
		t.Fatal(err)
	}
	if ll := u.AuthUser().LastLogin; ll == nil || !ll.Equal(e.clock.Now()) {
		t.Errorf("last_login = %v, want %v", ll, e.clock.Now())
	}
}

func TestLoginByEmailAndRequiredFields(t *testing.T) {
	e := newEnv(t, Options{})
	e.user("bob", goodPassword)
	c := e.client()
	c.PostForm("/accounts/login/", url.Values{"username": {"BOB@EXAMPLE.COM"}, "password": {goodPassword}}).AssertRedirect("/")
	c.Get("/whoami/").AssertContains("bob|")

	c2 := e.client()
	c2.PostForm("/accounts/login/", url.Values{"username": {""}, "password": {""}}).AssertStatus(200).AssertContains("This field is required.")
}

func TestInactiveUserCannotLogIn(t *testing.T) {
	e := newEnv(t, Options{})
	u := e.user("ina", goodPassword)
	c := e.client()
	e.login(c, "ina", goodPassword).AssertRedirect("/")
	u.IsActive = false
	if err := e.m.SaveUser(context.Background(), e.db, u, "is_active"); err != nil {
		t.Fatal(err)
	}
	// The running session ends, and a new login fails like a wrong password.
	c.Get("/private/").AssertStatus(302)
	e.login(c, "ina", goodPassword).AssertStatus(200).AssertContains("Please enter a correct username and password")
}

// An unknown user and a wrong password get the same page, after the same hashing
// work (one password verification each).
func TestUnknownUserSameResponseAndWork(t *testing.T) {
	e := newEnv(t, Options{})
	e.user("carol", goodPassword)
	counter := &countingHasher{PasswordHasher: DefaultHashers[0]}
	saved := DefaultHashers
	DefaultHashers = append(Hashers{counter}, saved[1:]...)
	defer func() { DefaultHashers = saved }()
	// carol's hash was made by the argon2 hasher, now wrapped by the counter.
	c := e.client()
	counter.n = 0
	wrong := e.login(c, "carol", "not-her-password")
	nWrong := counter.n
	counter.n = 0
	unknown := e.login(c, "nobody", "not-her-password")
	nUnknown := counter.n
	if wrong.StatusCode != unknown.StatusCode || stripCSRF(wrong.Body()) != strings.ReplaceAll(stripCSRF(unknown.Body()), "nobody", "carol") {
		t.Errorf("responses differ:\n%d %s\n---\n%d %s", wrong.StatusCode, wrong.Body(), unknown.StatusCode, unknown.Body())
	}
	if nWrong != 1 || nUnknown != 1 {
		t.Errorf("password verifications: wrong password %d, unknown user %d; want 1 and 1", nWrong, nUnknown)
	}
}

type countingHasher struct {
	PasswordHasher
	n int
}

func (h *countingHasher) Verify(password, encoded string) (bool, error) {
	h.n++
	return h.PasswordHasher.Verify(password, encoded)
}

// slowHasher takes a fixed time per check (as Argon2id does) and counts checks.
type slowHasher struct {
	PasswordHasher
	delay time.Duration
	n     atomic.Int64
	gate  chan struct{} // when set, each check waits for a value
}

func (h *slowHasher) Verify(password, encoded string) (bool, error) {
	h.n.Add(1)
	if h.gate != nil {
		<-h.gate
	}
	time.Sleep(h.delay)
	return h.PasswordHasher.Verify(password, encoded)
}

// useHasher makes h the preferred hasher for the test (existing argon2 hashes are
// checked by it).
func useHasher(t *testing.T, h PasswordHasher) {
	saved := DefaultHashers
	DefaultHashers = append(Hashers{h}, saved[1:]...)
	t.Cleanup(func() { DefaultHashers = saved })
}

// A burst of parallel guesses at one account cannot outrun the throttle: each
// attempt is reserved before its password is checked, so of 40 parallel logins
// from 40 addresses only the account's limit of 5 are checked and the rest are
// answered 429; the right password after the burst is refused too.
func TestParallelGuessesThrottled(t *testing.T) {
	e := newEnv(t, Options{})
	e.user("zoe", goodPassword)
	useHasher(t, &slowHasher{PasswordHasher: DefaultHashers[0], delay: 30 * time.Millisecond})
	const n = 40
	clients := make([]*galvanitest.Client, n)
	for i := range clients {
		clients[i] = e.client()
	}
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			password := fmt.Sprint("guess-", i)
			<-start
			codes[i] = e.loginAt(c, "zoe", password, galvanitest.RemoteAddr(fmt.Sprintf("198.51.100.%d:4000", i+1))).StatusCode
		}()
	}
	close(start)
	wg.Wait()
	checked, throttled := 0, 0
	for _, code := range codes {
		switch code {
		case http.StatusTooManyRequests:
			throttled++
		default:
			checked++
		}
	}
	if checked > 5 || throttled < n-5 {
		t.Errorf("%d of %d parallel guesses were checked (limit 5), %d throttled: %v", checked, n, throttled, codes)
	}
	e.loginAt(e.client(), "zoe", goodPassword, galvanitest.RemoteAddr("198.51.100.200:4000")).AssertStatus(http.StatusTooManyRequests)
}

// The throttle counts per account, not per spelling: the username and the e-mail
// address in any case share one budget. An unknown name has a budget too, and
// costs the same queries and hashing as a known one.
func TestThrottleCountsPerAccount(t *testing.T) {
	e := newEnv(t, Options{})
	e.user("ann", goodPassword)
	c := e.client()
	for _, name := range []string{"ann", "ann@example.com", "ANN@EXAMPLE.COM", "Ann@Example.Com", "ann"} {
		e.login(c, name, "wrong-password").AssertStatus(200).AssertContains("Please enter a correct username and password")
	}
	e.login(c, "ann", goodPassword).AssertStatus(http.StatusTooManyRequests)
	e.login(c, "ANN@example.com", goodPassword).AssertStatus(http.StatusTooManyRequests)

	for i := 0; i < 5; i++ {
		e.login(c, "nobody", "wrong-password").AssertStatus(200)
	}
	e.login(c, "nobody", "wrong-password").AssertStatus(http.StatusTooManyRequests)
}

// An attempt over the limit is refused before any hashing: throttled requests
// cost no memory-hard work.
func TestThrottledLoginDoesNoHashing(t *testing.T) {
	e := newEnv(t, Options{})
	e.user("tom", goodPassword)
	h := &slowHasher{PasswordHasher: DefaultHashers[0]}
	useHasher(t, h)
	c := e.client()
	for i := 0; i < 5; i++ {
		e.login(c, "tom", "wrong-password").AssertStatus(200)
	}
	before := h.n.Load()
	for i := 0; i < 10; i++ {
		e.login(c, "tom", "wrong-password").AssertStatus(http.StatusTooManyRequests)
		e.login(c, "tom", goodPassword).AssertStatus(http.StatusTooManyRequests)
	}
	if n := h.n.Load() - before; n != 0 {
		t.Errorf("20 throttled logins ran %d password checks, want 0", n)
	}
}

// Password checks run at most MaxConcurrentHashes at once; a login that finds
// no slot within HashQueueTimeout is answered 503 with Retry-After, and the
// attempt is not counted against the account.
func TestLoginBusyAnswers503(t *testing.T) {
	e := newEnv(t, Options{}, func(s *galvani.Settings) {
		galvani.Section(s, "auth", Config{MaxConcurrentHashes: 1, HashQueueTimeout: 50 * time.Millisecond})
	})
	e.user("una", goodPassword)
	h := &slowHasher{PasswordHasher: DefaultHashers[0], gate: make(chan struct{})}
	useHasher(t, h)
	if got := e.m.HashLimiter().Slots(); got != 1 {
		t.Fatalf("HashLimiter has %d slots, want the configured 1", got)
	}
	first := make(chan int)
	go func() { first <- e.login(e.client(), "una", "wrong-password").StatusCode }()
	for h.n.Load() == 0 { // the first login holds the only slot
		time.Sleep(time.Millisecond)
	}
	for i := 0; i < 6; i++ { // more than the account's limit: none is counted
		r := e.loginAt(e.client(), "una", "wrong-password", galvanitest.RemoteAddr(fmt.Sprintf("192.0.2.%d:1", i+1)))
		r.AssertStatus(http.StatusServiceUnavailable).AssertContains("The server is busy")
		if r.Header.Get("Retry-After") == "" {
			t.Error("503 without Retry-After")
		}
	}
	h.gate <- struct{}{}
	if code := <-first; code != 200 {
		t.Errorf("the login holding the slot answered %d", code)
	}
	close(h.gate)
	e.login(e.client(), "una", goodPassword).AssertRedirect("/")
}

// Brute force: after 5 failures for an account, even the right password is refused
// (429) until the window passes; the address limit stops spraying many accounts.
func TestBruteForceThrottled(t *testing.T) {
	e := newEnv(t, Options{})
	e.user("dave", goodPassword)
	c := e.client()
	for i := 0; i < 5; i++ {
		e.login(c, "dave", "guess-"+string(rune('a'+i))).AssertStatus(200)
	}
	r := e.login(c, "dave", goodPassword).AssertStatus(http.StatusTooManyRequests).AssertContains("Too many failed login attempts")
	if r.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After header")
	}
	c.Get("/whoami/").AssertNotContains("dave")
	// Another client address, naming the account by its e-mail, is throttled on the
	// account as well.
	e.loginAt(c, "DAVE@EXAMPLE.COM", goodPassword, galvanitest.RemoteAddr("198.51.100.7:5555")).AssertStatus(http.StatusTooManyRequests)

	e.clock.Add(16 * time.Minute)
	e.login(c, "dave", goodPassword).AssertRedirect("/")
	c.Get("/whoami/").AssertContains("dave|")

	// Address limit (20): spraying different usernames from one address.
	c2 := e.client()
	for i := 0; i < 20; i++ {
		e.loginAt(c2, "spray"+string(rune('a'+i)), "x-password", galvanitest.RemoteAddr("203.0.113.9:1")).AssertStatus(200)
	}
	e.loginAt(c2, "dave", goodPassword, galvanitest.RemoteAddr("203.0.113.9:1")).AssertStatus(http.StatusTooManyRequests)
	e.loginAt(c2, "dave", goodPassword, galvanitest.RemoteAddr("203.0.113.10:1")).AssertRedirect("/")
}

func (e *env) loginAt(c *galvanitest.Client, username, password string, opts ...galvanitest.Option) *galvanitest.Response {
	return c.PostForm("/accounts/login/", url.Values{"username": {username}, "password": {password}}, opts...)
}

// Session fixation: a session key the attacker planted before login does not
// become a logged-in session.
func TestSessionFixationPrevented(t *testing.T) {
	e := newEnv(t, Options{})
	e.user("erin", goodPassword)
	c := e.client()
	c.PostForm("/touch/", nil).AssertStatus(200)
	planted := c.Cookie("sessionid")
	if planted == nil {
		t.Fatal("no session cookie before login")
	}
	e.login(c, "erin", goodPassword).AssertRedirect("/")
	after := c.Cookie("sessionid")
	if after == nil || after.Value == planted.Value {
		t.Fatalf("session key not rotated at login: before %v after %v", planted, after)
	}
	// The attacker, holding the planted key, is not logged in.
	attacker := e.client()
	attacker.SetCookie(&http.Cookie{Name: "sessionid", Value: planted.Value})
	attacker.Get("/private/").AssertStatus(302)
	if _, ok, _ := e.store.Load(context.Background(), planted.Value); ok {
		t.Error("the pre-login session record still exists")
	}
	c.Get("/private/").AssertContains("hello erin")
}

// Open redirect: next may not leave the site, and is not echoed into the form.
func TestOpenRedirectRefused(t *testing.T) {
	e := newEnv(t, Options{})
	e.user("fay", goodPassword)
	for _, next := range []string{"//evil.example/", "https://evil.example/", `/\evil.example`, "javascript:alert(1)",
		"http:evil.example", " //evil.example", "\\\\evil.example"} {
		c := e.client()
		c.Get("/accounts/login/?next=" + url.QueryEscape(next)).AssertStatus(200).AssertNotContains("evil.example")
		e.loginWithNext(c, "fay", goodPassword, next).AssertRedirect("/")
	}
	c := e.client()
	e.loginWithNext(c, "fay", goodPassword, "/private/?a=1").AssertRedirect("/private/?a=1")
	c.PostForm("/accounts/logout/", url.Values{"next": {"https://evil.example/"}}).AssertStatus(200).AssertContains("Logged out")
}

func (e *env) loginWithNext(c *galvanitest.Client, username, password, next string) *galvanitest.Response {
	return c.PostForm("/accounts/login/", url.Values{"username": {username}, "password": {password}, "next": {next}})
}

func TestLogout(t *testing.T) {
	e := newEnv(t, Options{})
	e.user("gus", goodPassword)
	c := e.client()
	e.login(c, "gus", goodPassword).AssertRedirect("/")
	key := c.Cookie("sessionid").Value

	c.Get("/accounts/logout/").AssertStatus(http.StatusMethodNotAllowed)
	c.Get("/private/").AssertStatus(200)

	c.PostForm("/accounts/logout/", nil).AssertStatus(200).AssertContains("Logged out")
	c.Get("/private/").AssertStatus(302)
	if _, ok, _ := e.store.Load(context.Background(), key); ok {
		t.Error("the logged-in session record survived logout")
	}
	// A stolen copy of the old cookie is useless.
	thief := e.client()
	thief.SetCookie(&http.Cookie{Name: "sessionid", Value: key})
	thief.Get("/private/").AssertStatus(302)

	// With a safe next, logout redirects there.
	e.login(c, "gus", goodPassword)
	c.PostForm("/accounts/logout/", url.Values{"next": {"/bye/"}}).AssertRedirect("/bye/")
}

// Logout without a CSRF token is refused (a cross-site form cannot log users out).
func TestLogoutNeedsCSRF(t *testing.T) {
	e := newEnv(t, Options{})
	e.user("hal", goodPassword)
	c := e.client()
	e.login(c, "hal", goodPassword)
	bare := galvanitest.New(t, e.app)
	bare.SetCookie(c.Cookie("sessionid"))
	bare.PostForm("/accounts/logout/", nil).AssertStatus(http.StatusForbidden)
	c.Get("/private/").AssertStatus(200)
}

// A hash made with old parameters is replaced at the next successful login.
func TestHashUpgradedOnLogin(t *testing.T) {
	e := newEnv(t, Options{})
	u := e.user("ivy", goodPassword)
	old, err := PBKDF2Hasher{Iterations: 500}.Encode(goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	u.Password = old
	if err := e.m.SaveUser(context.Background(), e.db, u, "password"); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	e.login(c, "ivy", goodPassword).AssertRedirect("/")
	got, _ := e.m.GetUser(context.Background(), e.db, "ivy")
	enc := got.AuthUser().Password
	if enc == old || !strings.HasPrefix(enc, "argon2$") || !CheckPassword(goodPassword, enc) {
		t.Errorf("hash not upgraded: %s", enc)
	}
	// The session survives the upgrade (its fingerprint was taken after it).
	c.Get("/private/").AssertStatus(200)
}

func TestAuthWithoutMiddleware(t *testing.T) {
	r, _ := http.NewRequest("GET", "/", nil)
	if u := UserFrom(r); u == nil || u.IsAuthenticated() {
		t.Fatal("UserFrom without middleware must be anonymous")
	}
	if err := Login(r, &User{}); err != ErrNoMiddleware {
		t.Fatalf("Login: %v", err)
	}
	if HasPerm(r, "blog.add_article") {
		t.Fatal("HasPerm without middleware")
	}
	Logout(r) // no panic
	_ = session.From(r)
}

// Hostile input to the login form: a clear 4xx or the normal failure page, never
// a 500 or a panic.
func TestLoginHostileInput(t *testing.T) {
	e := newEnv(t, Options{})
	e.user("ozzy", goodPassword)
	c := e.client()
	for name, body := range map[string]string{
		"long username": "username=" + strings.Repeat("a", 100000) + "&password=x",
		"long password": "username=ozzy&password=" + strings.Repeat("p", 100000),
		"NUL bytes":     "username=oz%00zy&password=x%00",
		"bad UTF-8":     "username=%ff%fe&password=%c3",
		"repeated keys": "username=a&username=ozzy&password=x&password=" + goodPassword,
		"SQL-ish":       "username=' OR 1=1 --&password=' OR ''='",
	} {
		r := c.Post("/accounts/login/", "application/x-www-form-urlencoded", strings.NewReader(body))
		if r.StatusCode != 200 {
			t.Errorf("%s: status %d", name, r.StatusCode)
		}
		r.AssertContains("Please enter a correct username and password")
	}
	r := c.Post("/accounts/login/", "application/x-www-form-urlencoded", strings.NewReader("username=%zz"))
	if r.StatusCode != 400 {
		t.Errorf("malformed form: %d", r.StatusCode)
	}
	big := strings.NewReader("username=ozzy&password=" + strings.Repeat("p", 12<<20))
	if r := c.Post("/accounts/login/", "application/x-www-form-urlencoded", big); r.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d", r.StatusCode)
	}
	c.Get("/whoami/").AssertNotContains("ozzy")
}

// Rotating SECRET_KEY with the old key in the fallbacks keeps users logged in.
func TestSessionSurvivesKeyRotation(t *testing.T) {
	e := newEnv(t, Options{})
	e.user("pia", goodPassword)
	c := e.client()
	e.login(c, "pia", goodPassword).AssertRedirect("/")
	old := e.app.Settings.SecretKey
	e.app.Settings.SecretKey = "a-brand-new-secret-key-for-rotation-0123456789"
	c.Get("/private/").AssertStatus(302)
	e.login(c, "pia", goodPassword).AssertRedirect("/")
	e.app.Settings.SecretKey, e.app.Settings.SecretKeyFallbacks = old, []string{e.app.Settings.SecretKey}
	c.Get("/private/").AssertStatus(200)
}

// TestSetUser: a user set on the request (by token authentication) is the
// request's user for UserFrom and HasPerm, without a session.
func TestSetUser(t *testing.T) {
	e := newEnv(t, Options{})
	u := e.user("ann", goodPassword)
	var got, perm string
	h := e.m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := SetUser(r, u); err != nil {
			t.Error(err)
		}
		got = UserFrom(r).Username
		if HasPerm(r, "blog.add_article") {
			perm = "yes"
		}
	}))
	r, _ := http.NewRequest("GET", "/", nil)
	h.ServeHTTP(nil, r)
	if got != "ann" || perm != "" {
		t.Fatalf("UserFrom = %q, perm %q", got, perm)
	}
	if err := SetUser(r, u); err != ErrNoMiddleware {
		t.Fatalf("without the middleware: %v", err)
	}
}

// Login and logout rotate the CSRF secret, as Django does: a token an attacker
// planted (or read) before the login is refused after it.
func TestLoginAndLogoutRotateCSRFToken(t *testing.T) {
	e := newEnv(t, Options{})
	e.user("ivy", goodPassword)
	c := e.client()
	const planted = "plantedplantedplantedplantedplan" // 32 characters: a valid secret
	c.SetCookie(&http.Cookie{Name: "csrftoken", Value: planted})
	withPlanted := galvanitest.Header("X-CSRFToken", planted)

	c.PostForm("/touch/", nil, withPlanted).AssertStatus(200) // the planted token works before login
	res := e.login(c, "ivy", goodPassword).AssertRedirect("/")
	if ck := res.Cookie("csrftoken"); ck == nil || ck.Value == planted || ck.MaxAge < 0 {
		t.Fatalf("login did not send a new CSRF cookie: %v", ck)
	}
	c.PostForm("/touch/", nil, withPlanted).AssertStatus(http.StatusForbidden)
	c.PostForm("/touch/", nil).AssertStatus(200) // the new secret works

	before := c.Cookie("csrftoken").Value
	res = c.PostForm("/accounts/logout/", nil).AssertStatus(200)
	if ck := res.Cookie("csrftoken"); ck == nil || ck.Value == before {
		t.Fatalf("logout did not send a new CSRF cookie: %v", ck)
	}
	c.PostForm("/touch/", nil, galvanitest.Header("X-CSRFToken", before)).AssertStatus(http.StatusForbidden)
}

// With the i18n battery's middleware, the views' messages come in the visitor's
// language from the framework's catalogs.
func TestLoginMessagesTranslated(t *testing.T) {
	e := newEnv(t, Options{})
	loc := &i18n.Locale{}
	e.app.Include("/", loc)
	e.app.Use(loc.Middleware)
	e.user("ann", goodPassword)
	c := e.client()
	c.Before(func(r *http.Request) { r.Header.Set("Accept-Language", "de") })
	c.Get("/accounts/login/").AssertStatus(200)
	c.PostForm("/accounts/login/", url.Values{"username": {"ann"}, "password": {"wrong-password"}}).
		AssertStatus(200).AssertContains("Benutzername oder Passwort sind falsch.")
	c.PostForm("/accounts/login/", url.Values{"username": {"ann"}}).
		AssertStatus(200).AssertContains("Dieses Feld muss ausgefüllt werden.")
}
