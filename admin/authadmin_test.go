package admin_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/galvani-web/galvani/admin"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/orm"
)

// The User admin: a user is added with a username and a password typed twice,
// edited without ever seeing the hash, and given a new password on a page of
// its own. Groups are listed and searched.
func TestUserAdmin(t *testing.T) {
	e := newEnv(t, nil, func(s *admin.Site) { admin.RegisterAuth(s) })
	ctx := context.Background()
	boss := e.user("boss", true, true)
	c := e.loggedIn(boss)
	c.Get("/admin/").AssertStatus(200).AssertContains(`href="/admin/auth/user/"`, `href="/admin/auth/group/"`)

	r := c.Get("/admin/auth/user/add/")
	status(t, r, 200)
	r.AssertContains(`id="id_username"`, `id="id_password1"`, `id="id_password2"`)
	r = c.PostForm("/admin/auth/user/add/", url.Values{"username": {"new user!"}, "password1": {"x"}, "password2": {"y"}})
	status(t, r, 200)
	r.AssertContains(`class="errornote"`, "letters, digits", "differ")
	r = c.PostForm("/admin/auth/user/add/", url.Values{"username": {"boss"}, "password1": {"Tr1cky-new-phrase"}, "password2": {"Tr1cky-new-phrase"}})
	r.AssertContains("exists")
	r = c.PostForm("/admin/auth/user/add/", url.Values{"username": {"carol"}, "password1": {"Tr1cky-new-phrase"}, "password2": {"Tr1cky-new-phrase"}})
	r.AssertRedirect("/admin/auth/user/2/change/")
	carol, err := e.m.GetUser(ctx, e.db, "carol")
	if err != nil || !carol.AuthUser().CheckPassword("Tr1cky-new-phrase") {
		t.Fatalf("added user: %v", err)
	}
	hash := carol.AuthUser().Password

	r = c.Get("/admin/auth/user/2/change/")
	status(t, r, 200)
	r.AssertContains(`id="id_username"`, `id="id_is_staff"`, "Algorithm: argon2", `href="../password/"`, "Personal info")
	r.AssertNotContains(hash, `name="password"`)
	form := url.Values{"username": {"carol"}, "first_name": {"Carol"}, "email": {"carol@example.com"}, "is_active": {"on"}, "is_staff": {"on"}, "_save": {""}}
	c.PostForm("/admin/auth/user/2/change/", form).AssertRedirect("/admin/auth/user/")
	carol, _ = e.m.GetUser(ctx, e.db, "carol")
	if u := carol.AuthUser(); !u.IsStaff || u.FirstName != "Carol" || u.Password != hash {
		t.Fatalf("changed user %+v (the hash must be kept)", u)
	}
	if r := c.Get("/admin/auth/user/?q=carol"); !strings.Contains(r.Body(), "carol@example.com") || strings.Contains(r.Body(), hash) {
		t.Fatal("user list")
	}

	r = c.Get("/admin/auth/user/2/password/")
	status(t, r, 200)
	r.AssertContains(`id="id_password1"`)
	r.AssertNotContains(`id="id_username"`)
	c.PostForm("/admin/auth/user/2/password/", url.Values{"password1": {"An0ther-phrase!"}, "password2": {"An0ther-phrase!"}}).AssertRedirect("/admin/auth/user/2/change/")
	carol, _ = e.m.GetUser(ctx, e.db, "carol")
	if !carol.AuthUser().CheckPassword("An0ther-phrase!") {
		t.Fatal("password not set")
	}
	c.Get("/admin/").AssertStatus(200) // boss's session is untouched
	c.Get("/admin/auth/group/1/password/").AssertStatus(404)

	// Groups, with the permission picker; users join groups on their change page.
	e.db.Create(ctx, &auth.Group{Name: "editors"})
	c.Get("/admin/auth/group/?q=edit").AssertStatus(200).AssertContains("editors")
	addBook, _ := auth.GetPermission(ctx, e.db, "shop.add_book")
	viewBook, _ := auth.GetPermission(ctx, e.db, "shop.view_book")
	r = c.Get("/admin/auth/group/1/change/")
	status(t, r, 200)
	r.AssertContains(`name="permissions"`, `data-chooser="horizontal"`, `data-chooser-name="permissions"`, "shop | book | Can add book")
	for _, bad := range []string{"x", "999999"} {
		r = c.PostForm("/admin/auth/group/1/change/", url.Values{"name": {"editors"}, "permissions": {fmt.Sprint(addBook.ID), bad}, "_save": {""}})
		status(t, r, 200)
		r.AssertContains(`class="errornote"`, "Select a valid choice. "+bad+" is not one of the available choices.")
	}
	c.PostForm("/admin/auth/group/1/change/", url.Values{"name": {"editors"}, "permissions": {fmt.Sprint(addBook.ID), fmt.Sprint(viewBook.ID)}, "_save": {""}}).AssertRedirect("/admin/auth/group/")
	if ps, _ := orm.Related[auth.Permission](e.db, &auth.Group{Model: orm.Model{ID: 1}}, "permissions").All(ctx); len(ps) != 2 {
		t.Fatalf("group permissions: %v", ps)
	}
	c.Get("/admin/auth/group/1/change/").AssertContains(fmt.Sprintf(`<option value="%d" selected>shop | book | Can add book</option>`, addBook.ID))
	form.Set("groups", "1")
	c.PostForm("/admin/auth/user/2/change/", form).AssertRedirect("/admin/auth/user/")
	if gs, _ := e.m.UserGroups(e.db, carol).All(ctx); len(gs) != 1 || gs[0].Name != "editors" {
		t.Fatalf("user groups: %v", gs)
	}
	if keys, err := e.m.PermissionKeys(ctx, e.db, carol); err != nil || !keys["shop.add_book"] {
		t.Fatalf("permissions through the group: %v %v", keys, err)
	}
	if n, _ := orm.Q[admin.LogEntry](e.db).Filter("app", "auth").Count(ctx); n != 5 {
		t.Fatalf("log entries: %d", n)
	}
}
