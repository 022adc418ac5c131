package auth

import (
	"context"
	"net/http"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/orm"
)

func mustSync(t *testing.T, db *orm.DB) {
	t.Helper()
	if _, err := SyncPermissions(context.Background(), db); err != nil {
		t.Fatal(err)
	}
}

func TestSyncPermissions(t *testing.T) {
	db := openSQLite(t)
	ctx := context.Background()
	n, err := SyncPermissions(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	// User, Group, Permission and Article: 4 each, plus publish_article.
	if n < 17 {
		t.Fatalf("created %d permissions", n)
	}
	again, err := SyncPermissions(ctx, db)
	if err != nil || again != 0 {
		t.Fatalf("second sync created %d (%v)", again, err)
	}
	for key, name := range map[string]string{
		"blog.add_article":     "Can add article",
		"blog.view_article":    "Can view article",
		"blog.publish_article": "Can publish articles",
		"auth.change_user":     "Can change user",
		"auth.delete_group":    "Can delete group",
	} {
		p, err := GetPermission(ctx, db, key)
		if err != nil {
			t.Errorf("%s: %v", key, err)
			continue
		}
		if p.Name != name || p.Key() != key {
			t.Errorf("%s: %+v", key, p)
		}
	}
	if _, err := GetPermission(ctx, db, "nodot"); err == nil {
		t.Error("GetPermission accepted a key without a dot")
	}
}

// grant gives u the permission key directly.
func (e *env) grant(u UserModel, key string) {
	e.t.Helper()
	ctx := context.Background()
	p, err := GetPermission(ctx, e.db, key)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.m.UserPermissions(e.db, u).Add(ctx, p); err != nil {
		e.t.Fatal(err)
	}
}

func TestPermissionsThroughGroupsAndWrappers(t *testing.T) {
	e := newEnv(t, Options{})
	mustSync(t, e.db)
	ctx := context.Background()
	editor := e.user("editor", goodPassword)
	direct := e.user("direct", goodPassword)
	plain := e.user("plain", goodPassword)
	boss := e.user("boss", goodPassword, func(u *User) { u.IsSuperuser = true })
	staff := e.user("staffer", goodPassword, func(u *User) { u.IsStaff = true })
	_ = staff

	g := &Group{Name: "editors"}
	if err := e.db.Create(ctx, g); err != nil {
		t.Fatal(err)
	}
	pub, _ := GetPermission(ctx, e.db, "blog.publish_article")
	view, _ := GetPermission(ctx, e.db, "blog.view_article")
	if err := orm.Related[Permission](e.db, g, "permissions").Add(ctx, pub, view); err != nil {
		t.Fatal(err)
	}
	if err := e.m.UserGroups(e.db, editor).Add(ctx, g); err != nil {
		t.Fatal(err)
	}
	e.grant(direct, "blog.publish_article")

	keys, err := e.m.PermissionKeys(ctx, e.db, editor)
	if err != nil || !keys["blog.publish_article"] || !keys["blog.view_article"] || len(keys) != 2 {
		t.Fatalf("editor's permissions %v (%v)", keys, err)
	}

	anon := e.client()
	anon.Get("/publish/").AssertRedirect("/accounts/login/?next=%2Fpublish%2F")
	anon.Get("/staff/").AssertStatus(302)
	anon.Get("/plain/x").AssertStatus(302)
	anon.Get("/plainlogin/").AssertRedirect("/accounts/login/?next=%2Fplainlogin%2F")

	for _, tc := range []struct {
		user                    string
		publish, plainView, stf int
	}{
		{"editor", 200, 200, 403},
		{"direct", 200, 403, 403},
		{"plain", 403, 403, 403},
		{"boss", 200, 200, 403},
		{"staffer", 403, 403, 200},
	} {
		c := e.client()
		e.login(c, tc.user, goodPassword).AssertStatus(302)
		c.Get("/publish/").AssertStatus(tc.publish)
		c.Get("/plain/x").AssertStatus(tc.plainView)
		c.Get("/staff/").AssertStatus(tc.stf)
		c.Get("/plainlogin/").AssertStatus(200).AssertContains("plain login ok")
	}

	// Inactive superusers have nothing.
	boss.IsActive = false
	r := requestAs(e, boss)
	if ok, _ := e.m.HasPerm(r, boss, "blog.add_article", nil); ok {
		t.Error("inactive superuser has a permission")
	}
	boss.IsActive = true
	if ok, _ := e.m.HasPerm(r, boss, "anything.at_all", nil); !ok {
		t.Error("active superuser lacks a permission")
	}
	if ok, _ := e.m.HasPerm(r, &AbstractUser{}, "blog.view_article", nil); ok {
		t.Error("anonymous user has a permission")
	}
	if ok, _ := e.m.HasPerm(r, plain, "blog.view_article", nil); ok {
		t.Error("plain user has a permission")
	}
}

// requestAs returns a request that went through the auth middleware, with no user
// logged in (for calling Manager methods that take a request).
func requestAs(e *env, _ UserModel) *http.Request {
	var out *http.Request
	h := e.m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { out = r }))
	r, _ := http.NewRequest("GET", "/", nil)
	h.ServeHTTP(nil, r)
	return out
}

// ownerBackend grants change_article on articles whose title is the username: an
// object-level permission hook.
type ownerBackend struct{ ModelBackend }

func (ownerBackend) HasPerm(r *http.Request, u UserModel, perm string, obj any) (bool, error) {
	a, ok := obj.(*Article)
	return ok && perm == "blog.change_article" && a.Title == u.AuthUser().Username, nil
}

func TestObjectPermissionHook(t *testing.T) {
	e := newEnv(t, Options{Backends: []Backend{ModelBackend{}, ownerBackend{}}})
	mustSync(t, e.db)
	e.user("mo", goodPassword)
	e.app.Get("/articles/{title}/edit/", func(c *galvani.Ctx) error {
		a := &Article{Title: c.Param("title")}
		if !HasObjectPerm(c.Request, "blog.change_article", a) {
			return galvani.Error(403, "not yours")
		}
		return c.Text(200, "editing "+a.Title)
	})
	c := e.client()
	e.login(c, "mo", goodPassword)
	c.Get("/articles/mo/edit/").AssertStatus(200)
	c.Get("/articles/other/edit/").AssertStatus(403)
	// The model backend grants no object permission even with the model permission.
	u, _ := e.m.GetUser(context.Background(), e.db, "mo")
	e.grant(u, "blog.change_article")
	r := requestAs(e, u)
	if ok, _ := (ModelBackend{}).HasPerm(r, u, "blog.change_article", &Article{}); ok {
		t.Error("ModelBackend granted an object permission")
	}
	if ok, _ := (ModelBackend{}).HasPerm(r, u, "blog.change_article", nil); !ok {
		t.Error("ModelBackend refused a model permission")
	}
}

func TestTemplateContext(t *testing.T) {
	e := newEnv(t, Options{})
	mustSync(t, e.db)
	u := e.user("nia", goodPassword, func(u *User) { u.FirstName = "Nia" })
	e.grant(u, "blog.add_article")
	e.app.Get("/page/", func(c *galvani.Ctx) error {
		return c.Render(200, "page.html", nil)
	})
	e.tpl["page.html"] = ("{% if user.is_authenticated %}hi {{ user.username }} ({{ user.first_name }}){% else %}anon{% endif %}" +
		"|{% if perms.blog.add_article %}can add{% endif %}|{% if perms.blog.delete_article %}can delete{% endif %}|{% if perms.blog %}blog{% endif %}|{% if perms.auth %}auth{% endif %}")
	c := e.client()
	c.Get("/page/").AssertStatus(200).AssertContains("anon||||")
	e.login(c, "nia", goodPassword)
	c.Get("/page/").AssertStatus(200).AssertContains("hi nia (Nia)|can add||blog|")
}

// A project overrides an app template by giving one with the same name.
func TestTemplatesOverridable(t *testing.T) {
	e := newEnv(t, Options{})
	e.tpl["registration/login.html"] = "custom login {{ next }}"
	e.client().Get("/accounts/login/?next=/x/").AssertStatus(200).AssertContains("custom login /x/")
}

func TestRouteNames(t *testing.T) {
	e := newEnv(t, Options{})
	for name, want := range map[string]string{
		"auth:login": "/accounts/login/", "auth:logout": "/accounts/logout/",
		"auth:password_change": "/accounts/password_change/", "auth:password_reset": "/accounts/password_reset/",
		"auth:password_reset_complete": "/accounts/reset/done/",
	} {
		if got, err := e.app.URL(name); err != nil || got != want {
			t.Errorf("URL(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	if got, _ := e.app.URL("auth:password_reset_confirm", "MQ", "tok"); got != "/accounts/reset/MQ/tok/" {
		t.Errorf("password_reset_confirm: %q", got)
	}
	if e.m.LoginURL() != "/accounts/login/" {
		t.Errorf("LoginURL %q", e.m.LoginURL())
	}
	e.tpl["links.html"] = `<a href="{% url 'auth:login' %}">in</a>`
	e.app.Get("/links/", func(c *galvani.Ctx) error { return c.Render(200, "links.html", nil) })
	e.client().Get("/links/").AssertContains(`href="/accounts/login/"`)
}

func TestCheckDeploy(t *testing.T) {
	m := New[User](Options{PasswordValidators: []PasswordValidator{}})
	got := map[string]bool{}
	for _, msg := range m.CheckDeploy(nil) {
		got[msg.ID] = true
	}
	if !got["auth.W001"] || !got["auth.W002"] || !got["auth.W003"] {
		t.Errorf("deploy checks: %v", got)
	}
	quiet := New[User](Options{Mailer: &MemoryMailer{}, AccountThrottle: fakeThrottle{}, AddressThrottle: fakeThrottle{}})
	if msgs := quiet.CheckDeploy(nil); len(msgs) != 0 {
		t.Errorf("configured for production, still: %v", msgs)
	}
}

type fakeThrottle struct{ Throttle }
