package auth_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/session"
	"github.com/galvani-web/galvani/template"
)

// A project with the auth app: a page that needs a login, the login form, and the
// session cookie that carries the login.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "auth-example")
	defer os.RemoveAll(dir)
	db, _ := orm.Open(ctx, "sqlite:///"+filepath.Join(dir, "db.sqlite3"))
	defer db.Close()

	accounts := auth.New[auth.User](auth.Options{DB: db})
	settings := galvani.Settings{SecretKey: "example-secret-key-0123456789", Debug: true}
	app := galvani.New(settings, galvani.Include("/accounts/", accounts))
	app.Use(session.Middleware(&app.Settings))
	template.Setup(app)
	app.Get("/account/", auth.LoginRequired(func(c *galvani.Ctx) error {
		return c.Text(200, "Hello, "+auth.UserFrom(c.Request).Username)
	}))

	orm.CreateTables(ctx, db, auth.Permission{}, auth.Group{}, auth.User{})
	ada := &auth.User{AbstractUser: auth.AbstractUser{Username: "ada"}}
	if err := accounts.CreateUser(ctx, db, ada, "analytical-engine"); err != nil {
		fmt.Println(err)
		return
	}

	get := func(path string, cookie *http.Cookie) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		if cookie != nil {
			r.AddCookie(cookie)
		}
		w := httptest.NewRecorder()
		app.ServeHTTP(w, r)
		return w
	}
	w := get("/account/", nil)
	fmt.Println(w.Code, w.Header().Get("Location"))

	form := url.Values{"username": {"ada"}, "password": {"analytical-engine"}, "next": {"/account/"}}
	r := httptest.NewRequest("POST", "/accounts/login/", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w = httptest.NewRecorder()
	app.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Header().Get("Location"))

	w = get("/account/", w.Result().Cookies()[0])
	fmt.Println(w.Code, w.Body.String())
	// Output:
	// 302 /accounts/login/?next=%2Faccount%2F
	// 302 /account/
	// 200 Hello, ada
}

// Reset tokens are stateless: they stop working when the password (or the last
// login, or the e-mail) changes, or when they expire.
func ExampleTokenGenerator() {
	gen := auth.TokenGenerator{Keys: []string{"secret"}, Timeout: time.Hour}
	u := &auth.User{AbstractUser: auth.AbstractUser{Username: "ada", Password: "argon2$old"}}
	u.ID = 1
	token, _ := gen.Make(u)
	fmt.Println(gen.Check(u, token))
	u.Password = "argon2$new" // the token was used to set a new password
	fmt.Println(gen.Check(u, token))
	// Output:
	// true
	// false
}

// MemoryThrottle reserves attempts per key; over the limit, attempts wait. A
// successful login resets the account's count.
func ExampleMemoryThrottle() {
	ctx := context.Background()
	t := auth.NewMemoryThrottle(3, 15*time.Minute)
	for i := 0; i < 3; i++ {
		wait, _ := t.Attempt(ctx, "login:user:42") // reserved before checking the password
		fmt.Print(wait, " ")
	}
	wait, _ := t.Attempt(ctx, "login:user:42")
	fmt.Println(wait > 0)
	t.Reset(ctx, "login:user:42")
	wait, _ = t.Attempt(ctx, "login:user:42")
	fmt.Println(wait)
	// Output:
	// 0s 0s 0s true
	// 0s
}

// A HashLimiter runs at most its number of password hashes at once; the rest
// wait for a slot, then get ErrBusy (a 503 from a handler).
func ExampleHashLimiter() {
	l := auth.NewHashLimiter(1, 10*time.Millisecond)
	running, hold := make(chan struct{}), make(chan struct{})
	go l.Do(context.Background(), func() error { close(running); <-hold; return nil })
	<-running // the only slot is taken
	err := l.Do(context.Background(), func() error { return nil })
	fmt.Println(err == auth.ErrBusy)
	close(hold)
	// Output: true
}

// Permissions are checked for the request's user; in code that has a user value,
// use the Manager's HasPerm.
func ExampleHasPerm() {
	h := auth.App.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println(auth.UserFrom(r).IsAuthenticated(), auth.HasPerm(r, "blog.add_article"))
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	// Output:
	// false false
}
