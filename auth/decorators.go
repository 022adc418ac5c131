package auth

import (
	"net/http"
	"net/url"

	"github.com/galvani-web/galvani"
)

// Test decides whether the request's user may see a page (UserPassesTest).
type Test func(r *http.Request, user *AbstractUser) bool

// LoginRequired wraps a handler so that anonymous visitors are redirected to the
// login page with ?next= set to the page they asked for, like Django's
// login_required:
//
//	app.Get("/account/", auth.LoginRequired(account))
func LoginRequired(h galvani.HandlerFunc) galvani.HandlerFunc {
	return UserPassesTest(func(r *http.Request, u *AbstractUser) bool { return u.IsAuthenticated() }, h)
}

// PermissionRequired wraps a handler so that only users holding every one of perms
// reach it. Anonymous visitors are redirected to the login page; logged-in users
// without the permission get 403 Forbidden (a redirect to the login page would
// loop).
func PermissionRequired(h galvani.HandlerFunc, perms ...string) galvani.HandlerFunc {
	return UserPassesTest(func(r *http.Request, u *AbstractUser) bool { return HasPerms(r, perms...) }, h)
}

// UserPassesTest wraps a handler so that it runs only when test passes. When it
// fails, anonymous visitors are redirected to the login page and logged-in users
// get 403 Forbidden:
//
//	staffOnly := auth.UserPassesTest(func(r *http.Request, u *auth.AbstractUser) bool { return u.IsStaff }, h)
func UserPassesTest(test Test, h galvani.HandlerFunc) galvani.HandlerFunc {
	return func(c *galvani.Ctx) error {
		if ok, err := check(c.Response, c.Request, test); !ok {
			return err
		}
		return h(c)
	}
}

// RequireLogin is LoginRequired for net/http handlers and as middleware:
// group.Use(auth.RequireLogin).
func RequireLogin(next http.Handler) http.Handler {
	return RequireTest(func(r *http.Request, u *AbstractUser) bool { return u.IsAuthenticated() })(next)
}

// RequirePermission is PermissionRequired as net/http middleware.
func RequirePermission(perms ...string) func(http.Handler) http.Handler {
	return RequireTest(func(r *http.Request, u *AbstractUser) bool { return HasPerms(r, perms...) })
}

// RequireTest is UserPassesTest as net/http middleware.
func RequireTest(test Test) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ok, err := check(w, r, test)
			if err != nil {
				code := galvani.StatusOf(err)
				http.Error(w, http.StatusText(code), code)
				return
			}
			if ok {
				next.ServeHTTP(w, r)
			}
		})
	}
}

// check runs test. When it fails, anonymous visitors are redirected to the login
// page (ok false, nil error: the response is written) and logged-in users get a
// 403 error. A missing auth middleware is a 500 error, since no user can be known.
func check(w http.ResponseWriter, r *http.Request, test Test) (ok bool, err error) {
	m := ManagerFrom(r)
	if m == nil {
		return false, galvani.Error(http.StatusInternalServerError, "auth middleware not installed").Wrap(ErrNoMiddleware)
	}
	u := UserFrom(r)
	if test(r, u) {
		return true, nil
	}
	if u.IsAuthenticated() {
		return false, galvani.Error(http.StatusForbidden, "Forbidden")
	}
	redirectToLogin(w, r, m.LoginURL())
	return false, nil
}

// redirectToLogin sends the visitor to loginURL?next=<the page they asked for>.
func redirectToLogin(w http.ResponseWriter, r *http.Request, loginURL string) {
	next := r.URL.RequestURI()
	// Under a Mount the URL's path is stripped of the prefix; RequestURI is what
	// the client asked for.
	if ru, err := url.ParseRequestURI(r.RequestURI); err == nil && r.RequestURI != "" {
		next = ru.RequestURI()
	}
	u, err := url.Parse(loginURL)
	if err != nil {
		u = &url.URL{Path: "/accounts/login/"}
	}
	q := u.Query()
	q.Set("next", next)
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}
