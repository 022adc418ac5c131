// Package authtest helps tests of projects that use the auth app: a test client
// that sends CSRF tokens like a browser holding the page, and a way to log a user
// in without going through the login form.
//
//	c := authtest.NewClient(t, app)
//	authtest.Login(c, &user)
//	c.Get("/account/").AssertStatus(200)
package authtest

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/csrf"
	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/session"
)

// NewClient returns a galvanitest client for app whose unsafe requests carry a
// valid CSRF token (csrf.AddToken), as a browser submitting the site's own forms.
func NewClient(t testing.TB, app *galvani.App, opts ...galvanitest.Option) *galvanitest.Client {
	c := galvanitest.New(t, app, opts...)
	c.Before(csrf.AddToken)
	return c
}

// ManagerOf returns the auth app installed in app (the first *auth.Manager among
// its apps), or nil.
func ManagerOf(app *galvani.App) *auth.Manager {
	for _, a := range app.Apps() {
		if m, ok := a.(*auth.Manager); ok {
			return m
		}
	}
	return nil
}

// Login logs user in for client c, like Django's client.force_login: it makes a
// session holding the login with the app's session configuration and gives its
// cookie to c. Any session c had is replaced. user must be saved, and c must send
// its requests to a *galvani.App with the auth app installed. The project's
// sessions must survive the process (a SECRET_KEY or a configured store): with
// Debug on and no SECRET_KEY, each session manager has its own random key.
func Login(c *galvanitest.Client, user auth.UserModel) {
	c.T().Helper()
	app, ok := c.Handler().(*galvani.App)
	if !ok {
		c.T().Fatalf("authtest.Login: the client sends requests to a %T, not a *galvani.App", c.Handler())
		return
	}
	if err := login(c, app, user); err != nil {
		c.T().Fatalf("authtest.Login: %v", err)
	}
}

func login(c *galvanitest.Client, app *galvani.App, user auth.UserModel) error {
	m := ManagerOf(app)
	if m == nil {
		return errors.New("the auth app is not installed in this App")
	}
	sm, err := session.FromSettings(&app.Settings)
	if err != nil {
		return err
	}
	var inner error
	h := sm.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner = m.LoginSession(session.From(r), user)
		w.WriteHeader(http.StatusNoContent)
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if inner != nil {
		return inner
	}
	name := galvani.Section(&app.Settings, "session", session.Config{}).CookieName
	if name == "" {
		name = "sessionid"
	}
	for _, ck := range w.Result().Cookies() {
		if ck.Name == name {
			c.SetCookie(&http.Cookie{Name: ck.Name, Value: ck.Value, Path: "/"})
			return nil
		}
	}
	return errors.New("the session middleware set no cookie")
}

// Logout forgets c's session cookie (and every other cookie), as a new browser.
func Logout(c *galvanitest.Client) { c.ClearCookies() }
