package rest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/csrf"
	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/rest"
)

// login logs the client in through a test-only endpoint that calls auth.Login.
func (e *env) login(username string) {
	e.t.Helper()
	e.c.PostForm("/api/login/", url.Values{"username": {username}}).AssertStatus(204)
}

func loginEndpoint(api *rest.API) {
	type in struct {
		Username string `json:"username"`
	}
	api.Post("/login/", rest.Handle(func(r *rest.Request, i *in) (*rest.NoContent, error) {
		db, _ := r.DB()
		m := auth.ManagerFrom(r.HTTP())
		u, err := m.GetUser(r.Context(), db, i.Username)
		if err != nil {
			return nil, err
		}
		return nil, auth.Login(r.HTTP(), u)
	}).Authentication().Permissions(rest.AllowAny))
}

func TestSessionAuthAndCSRF(t *testing.T) {
	e := newEnv(t, rest.Config{Authentication: []rest.Authenticator{rest.SessionAuth{}}, Permissions: []rest.Permission{rest.IsAuthenticatedOrReadOnly}},
		func(api *rest.API) {
			loginEndpoint(api)
			api.Register("posts", &rest.ViewSet[Post]{Serializer: postSerializer()})
		})
	a := e.seed(1)
	e.c.Before(csrf.AddToken) // a browser page's script sends the token
	// Anonymous: reading is fine; writing is refused with 403 (sessions have no
	// challenge, so not 401).
	e.c.Get("/api/posts/", jsonHeader()).AssertStatus(200)
	e.c.PostJSON("/api/posts/", map[string]any{"title": "t", "slug": "s", "author": a.ID}, jsonHeader()).
		AssertStatus(403).AssertJSON(`{"detail":"Authentication credentials were not provided."}`)
	e.login("ann")
	e.c.PostJSON("/api/posts/", map[string]any{"title": "t", "slug": "s", "author": a.ID}, jsonHeader()).AssertStatus(201)

	// Without the CSRF token a session-authenticated write is refused.
	bare := galvanitest.New(t, e.app)
	for _, ck := range e.c.Cookies("/") {
		if ck.Name != "csrftoken" {
			bare.SetCookie(ck)
		}
	}
	bare.PostJSON("/api/posts/", map[string]any{"title": "t", "slug": "s2", "author": a.ID}, jsonHeader()).AssertStatus(403)
}

// TestCSRFExemptAPI: the API's routes skip the CSRF middleware, as in DRF.
// Session authentication runs the checks itself (the browser sends the cookie by
// itself), while credentials a client sends on purpose need no CSRF token.
func TestCSRFExemptAPI(t *testing.T) {
	e := newEnv(t, rest.Config{Authentication: []rest.Authenticator{rest.SessionAuth{}, rest.BasicAuth{}}, Permissions: []rest.Permission{rest.IsAuthenticated}},
		func(api *rest.API) {
			loginEndpoint(api)
			api.Register("posts", &rest.ViewSet[Post]{Serializer: postSerializer()})
		})
	a := e.seed(1)
	e.c.Before(csrf.AddToken)
	e.login("ann")
	nocsrf := galvanitest.New(t, e.app)
	for _, ck := range e.c.Cookies("/") {
		nocsrf.SetCookie(ck)
	}
	nocsrf.PostJSON("/api/posts/", map[string]any{"title": "t", "slug": "s", "author": a.ID}, jsonHeader()).
		AssertStatus(403).AssertContains("CSRF Failed")
	e.c.PostJSON("/api/posts/", map[string]any{"title": "t", "slug": "s", "author": a.ID}, jsonHeader()).AssertStatus(201)
	// Basic credentials, no cookie, no CSRF token: the middleware does not refuse it.
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth("ann", "ann-password-1")
	galvanitest.New(t, e.app).PostJSON("/api/posts/", map[string]any{"title": "t", "slug": "s2", "author": a.ID}, jsonHeader(),
		galvanitest.Header("Authorization", r.Header.Get("Authorization"))).AssertStatus(201)
}

func TestBasicAuthChallenge(t *testing.T) {
	e := newEnv(t, rest.Config{Authentication: []rest.Authenticator{rest.BasicAuth{}, rest.SessionAuth{}}, Permissions: []rest.Permission{rest.IsAuthenticated}}, nil)
	e.seed(1)
	// No credentials: 401 with the first authenticator's challenge.
	e.c.Get("/api/posts/", jsonHeader()).AssertStatus(401).AssertHeader("WWW-Authenticate", `Basic realm="api"`).
		AssertJSON(`{"detail":"Authentication credentials were not provided."}`)
	basic := func(user, pass string) galvanitest.Option {
		r, _ := http.NewRequest("GET", "/", nil)
		r.SetBasicAuth(user, pass)
		return galvanitest.Header("Authorization", r.Header.Get("Authorization"))
	}
	e.c.Get("/api/posts/", jsonHeader(), basic("ann", "wrong")).AssertStatus(401).AssertJSON(`{"detail":"Invalid username/password."}`)
	e.c.Get("/api/posts/", jsonHeader(), galvanitest.Header("Authorization", "Basic !!!")).AssertStatus(401)
	e.c.Get("/api/posts/", jsonHeader(), basic("ann", "ann-password-1")).AssertStatus(200)
}

func TestPermissions(t *testing.T) {
	owner := rest.ObjectPermissionFunc(func(r *rest.Request, obj any) bool {
		p := obj.(*Post)
		return r.IsAuthenticated() && p.Owner.ID() == r.User.AuthUser().ID
	})
	e := newEnv(t, rest.Config{Authentication: []rest.Authenticator{rest.BasicAuth{}}}, func(api *rest.API) {
		api.Register("posts", &rest.ViewSet[Post]{Serializer: postSerializer(), Permissions: []rest.Permission{rest.ModelPermissions{AnonRead: true}}})
		api.Register("mine", &rest.ViewSet[Post]{Name: "mine", Serializer: postSerializer(), Permissions: []rest.Permission{rest.IsAuthenticated, owner}})
		api.Register("admin", &rest.ViewSet[Post]{Name: "adminpost", Serializer: postSerializer(), Permissions: []rest.Permission{rest.IsAdminUser}})
	})
	a := e.seed(2)
	e.c.Before(csrf.AddToken) // Basic credentials are ambient: the CSRF middleware wants a token
	ctx := context.Background()
	p1, _ := getPost(e, 1)
	p1.Owner.SetID(e.ann.ID)
	if err := e.db.Save(ctx, p1); err != nil {
		t.Fatal(err)
	}
	as := func(u string) galvanitest.Option {
		r, _ := http.NewRequest("GET", "/", nil)
		r.SetBasicAuth(u, u+"-password-1")
		return galvanitest.Header("Authorization", r.Header.Get("Authorization"))
	}
	body := map[string]any{"title": "t", "slug": "perm", "author": a.ID}
	// Model permissions: anonymous may read, not write; ann has no add_post; boss is superuser.
	e.c.Get("/api/posts/", jsonHeader()).AssertStatus(200)
	e.c.PostJSON("/api/posts/", body, jsonHeader()).AssertStatus(401)
	e.c.PostJSON("/api/posts/", body, jsonHeader(), as("ann")).AssertStatus(403).AssertJSON(`{"detail":"You do not have permission to perform this action."}`)
	e.c.PostJSON("/api/posts/", body, jsonHeader(), as("boss")).AssertStatus(201)
	// Grant ann the permission through the database.
	if _, err := auth.SyncPermissions(ctx, e.db); err != nil {
		t.Fatal(err)
	}
	perm, err := auth.GetPermission(ctx, e.db, "blog.add_post")
	if err != nil {
		t.Fatal(err)
	}
	m := auth.New[auth.User](auth.Options{DB: e.db})
	if err := m.UserPermissions(e.db, e.ann).Add(ctx, perm); err != nil {
		t.Fatal(err)
	}
	body["slug"] = "perm2"
	e.c.PostJSON("/api/posts/", body, jsonHeader(), as("ann")).AssertStatus(201)
	// Object permissions: ann owns post 1, not post 2.
	e.c.Get("/api/mine/1/", jsonHeader(), as("ann")).AssertStatus(200)
	e.c.Get("/api/mine/2/", jsonHeader(), as("ann")).AssertStatus(403)
	e.c.Get("/api/mine/1/", jsonHeader()).AssertStatus(401)
	// Admin only.
	e.c.Get("/api/admin/", jsonHeader(), as("ann")).AssertStatus(403)
	e.c.Get("/api/admin/", jsonHeader(), as("boss")).AssertStatus(200)
}

func getPost(e *env, id int64) (*Post, error) {
	return ormGet(e, id)
}

func TestForceAuthenticate(t *testing.T) {
	e := newEnv(t, rest.Config{Authentication: []rest.Authenticator{rest.BasicAuth{}}, Permissions: []rest.Permission{rest.IsAuthenticated}}, nil)
	e.seed(1)
	c := galvanitest.New(t, e.app)
	c.Before(func(r *http.Request) { *r = *r.WithContext(rest.ForceAuthenticate(r.Context(), e.ann, "token")) })
	c.Get("/api/posts/", jsonHeader()).AssertStatus(200)
	e.c.Get("/api/posts/", jsonHeader()).AssertStatus(401)
	if !strings.Contains(e.c.Get("/api/posts/", jsonHeader()).Header.Get("WWW-Authenticate"), "Basic") {
		t.Fatal("no challenge")
	}
}

// headerAuth recognises "X-User: name" as user 7 of that name, for the tests of
// UserFrom and RequestOf.
type headerAuth struct{}

func (headerAuth) Authenticate(r *http.Request) (auth.UserModel, any, error) {
	if name := r.Header.Get("X-User"); name != "" {
		u := &auth.AbstractUser{Username: name}
		u.ID = 7
		return u, "header", nil
	}
	return nil, nil, nil
}

// TestUserFromWithoutAuthMiddleware checks that rest.UserFrom knows the user an API
// authenticator recognised when the app has no auth middleware (code that gets only
// the *http.Request), and that RequestOf finds the view's Request from the Ctx,
// in a view and in Config.ErrorHandler.
func TestUserFromWithoutAuthMiddleware(t *testing.T) {
	type me struct {
		User      string `json:"user"`
		RequestOf bool   `json:"request_of"`
	}
	api := rest.New(rest.Config{
		Authentication: []rest.Authenticator{headerAuth{}},
		Permissions:    []rest.Permission{rest.AllowAny},
		NoRoot:         true, SchemaPath: "-", NoBrowsable: true,
		ErrorHandler: func(c *galvani.Ctx, status int, err error) error {
			rr := rest.RequestOf(c)
			return c.Text(status, fmt.Sprintf("action=%s user=%v", rr.Action, rr.User != nil))
		},
	})
	api.Get("/me/", rest.Handle(func(r *rest.Request, _ *struct{}) (*me, error) {
		out := &me{RequestOf: rest.RequestOf(r.Ctx) == r}
		if u := rest.UserFrom(r.HTTP()); u != nil {
			out.User = u.AuthUser().Username
		}
		return out, nil
	}))
	api.Get("/fail/", rest.Handle(func(r *rest.Request, _ *struct{}) (*me, error) {
		return nil, rest.NotFound()
	}))
	app := galvani.New(galvani.Settings{AllowedHosts: []string{"*"}, SecretKey: "k"}, galvani.Include("/api", api))
	for _, tc := range []struct {
		path, user string
		want       string
	}{
		{"/api/me/", "ann", `{"user":"ann","request_of":true}`},
		{"/api/me/", "", `{"user":"","request_of":true}`},
		{"/api/fail/", "ann", `action=get user=true`},
		{"/api/fail/", "", `action=get user=false`},
	} {
		req := httptest.NewRequest("GET", tc.path, nil)
		req.Header.Set("Accept", "application/json")
		if tc.user != "" {
			req.Header.Set("X-User", tc.user)
		}
		w := httptest.NewRecorder()
		app.ServeHTTP(w, req)
		if got := strings.TrimSpace(w.Body.String()); got != tc.want {
			t.Errorf("GET %s as %q: %d %s, want %s", tc.path, tc.user, w.Code, got, tc.want)
		}
	}
	if rest.UserFrom(httptest.NewRequest("GET", "/", nil)) != nil {
		t.Error("UserFrom outside the API: a user")
	}
}
