package authtest_test

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/auth/authtest"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/security"
	"github.com/galvani-web/galvani/session"
	"github.com/galvani-web/galvani/template"
)

// Customer is a project's own user model: the auth fields plus its own.
type Customer struct {
	auth.AbstractUser
	Phone string `orm:"max_length=30,blank"`
}

// Order is another model of the project, for permissions.
type Order struct {
	orm.Model
	Ref string `orm:"max_length=20"`
}

func setup(t *testing.T) (*galvani.App, *auth.Manager, *orm.DB) {
	t.Helper()
	ctx := context.Background()
	orm.MustRegister[Customer]("shop")
	orm.MustRegister[Order]("shop")
	m := auth.New[Customer](auth.Options{})
	if err := m.Register(); err != nil {
		t.Fatal(err)
	}
	db, err := orm.Open(ctx, "sqlite:///"+filepath.Join(t.TempDir(), "shop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := orm.CreateTables(ctx, db, auth.Permission{}, auth.Group{}, Customer{}, Order{}); err != nil {
		t.Fatal(err)
	}
	settings := galvani.Settings{SecretKey: "authtest-secret-key-0123456789-abcdefghij", AllowedHosts: []string{"example.com"}}
	app := galvani.New(settings, security.App, galvani.Include("/accounts/", m))
	app.Use(session.Middleware(&app.Settings), orm.Middleware(db))
	template.Setup(app)
	app.Get("/me/", auth.LoginRequired(func(c *galvani.Ctx) error {
		cu := auth.CurrentUser[Customer](c.Request)
		return c.Text(200, cu.Username+" "+cu.Phone)
	}))
	app.Get("/orders/", auth.PermissionRequired(func(c *galvani.Ctx) error { return c.Text(200, "orders") }, "shop.view_order"))
	return app, m, db
}

// A custom user model works end to end: the login form, the current user with its
// own fields, permissions on the project's models, and authtest.Login.
func TestCustomUserModel(t *testing.T) {
	app, m, db := setup(t)
	ctx := context.Background()
	if models := m.Models(); len(models) != 2 {
		t.Fatalf("with a custom user model auth contributes %d models, want Group and Permission", len(models))
	}
	if _, err := auth.SyncPermissions(ctx, db); err != nil {
		t.Fatal(err)
	}
	cust := &Customer{AbstractUser: auth.AbstractUser{Username: "cleo", Email: "cleo@example.com"}, Phone: "555-0100"}
	if err := m.CreateUser(ctx, db, cust, "cleopatra-needle-7"); err != nil {
		t.Fatal(err)
	}
	c := authtest.NewClient(t, app)
	c.Get("/me/").AssertStatus(http.StatusFound)
	c.PostForm("/accounts/login/", url.Values{"username": {"cleo"}, "password": {"cleopatra-needle-7"}, "next": {"/me/"}}).AssertRedirect("/me/")
	c.Get("/me/").AssertStatus(200).AssertContains("cleo 555-0100")
	c.Get("/orders/").AssertStatus(http.StatusForbidden)

	p, err := auth.GetPermission(ctx, db, "shop.view_order")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.UserPermissions(db, cust).Add(ctx, p); err != nil {
		t.Fatal(err)
	}
	c.Get("/orders/").AssertStatus(200)
	if _, err := auth.GetPermission(ctx, db, "shop.change_customer"); err != nil {
		t.Errorf("permissions of the custom user model: %v", err)
	}

	// authtest.Login: no form, no password.
	other := &Customer{AbstractUser: auth.AbstractUser{Username: "dido"}, Phone: "555-0199"}
	if err := m.CreateUser(ctx, db, other, ""); err != nil {
		t.Fatal(err)
	}
	c2 := authtest.NewClient(t, app)
	authtest.Login(c2, other)
	c2.Get("/me/").AssertStatus(200).AssertContains("dido 555-0199")
	// The forced login is a real one: logout through the view ends it.
	c2.PostForm("/accounts/logout/", nil).AssertStatus(200)
	c2.Get("/me/").AssertStatus(http.StatusFound)
	authtest.Login(c2, other)
	authtest.Logout(c2)
	c2.Get("/me/").AssertStatus(http.StatusFound)

	// A user of another model is refused, not confused with a customer.
	if err := m.CreateUser(ctx, db, &auth.User{AbstractUser: auth.AbstractUser{Username: "wrongtype"}}, ""); err == nil {
		t.Error("CreateUser accepted a user of another model")
	}
}
