package main

import (
	"context"
	"net/url"
	"testing"

	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/examples/blog/blog"
	"github.com/galvani-web/galvani/orm"
)

// The blog's admin: staff log in at /admin/, find articles by search and
// filter, and run the "republish" action; comments list their article.
func TestAdmin(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	boss := &auth.User{AbstractUser: auth.AbstractUser{Username: "boss", IsStaff: true, IsSuperuser: true}}
	if err := auth.App.CreateUser(ctx, s.db, boss, "analytical-engine-1843"); err != nil {
		t.Fatal(err)
	}
	a := &blog.Article{Title: "Notes on the engine", Slug: "notes", Body: "Loops.", Author: orm.To(boss)}
	if err := s.db.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Create(ctx, &blog.Comment{Article: orm.To(a), Name: "Charles", Body: "Splendid."}); err != nil {
		t.Fatal(err)
	}
	c := s.c
	c.Get("/admin/").AssertRedirect("/admin/login/?next=%2Fadmin%2F")
	c.PostForm("/admin/login/", url.Values{"username": {"boss"}, "password": {"analytical-engine-1843"}, "next": {"/admin/"}}).AssertRedirect("/admin/")
	c.Get("/admin/").AssertStatus(200).AssertContains(`href="/admin/blog/article/"`, `href="/admin/blog/comment/"`, `href="/admin/auth/user/"`)
	c.Get("/admin/blog/article/?q=engine").AssertStatus(200).AssertContains("Notes on the engine", "By author", `value="republish"`)
	c.Get("/admin/blog/comment/?q=splendid").AssertStatus(200).AssertContains("Charles", "Notes on the engine")
	c.PostForm("/admin/blog/article/", url.Values{"action": {"republish"}, "_selected_action": {"1"}, "index": {"0"}}).AssertRedirect("/admin/blog/article/")
	c.Get("/admin/blog/article/").AssertContains("Republished 1 articles.")
	c.Get("/admin/blog/article/1/change/").AssertStatus(200).AssertContains(`id="id_title"`, "Publishing", `id="comments-group"`, `value="Charles"`,
		`data-prepopulate-from="id_title"`)
	// A comment added inline, under its article.
	c.PostForm("/admin/blog/article/1/change/", url.Values{"title": {"Notes on the engine"}, "slug": {"notes"}, "author": {"1"}, "body": {"Loops."},
		"comments-TOTAL_FORMS": {"2"}, "comments-INITIAL_FORMS": {"1"}, "comments-0-id": {"1"}, "comments-0-name": {"Charles"}, "comments-0-body": {"Splendid."},
		"comments-1-name": {"Ada"}, "comments-1-body": {"Thank you."}, "_save": {""}}).AssertRedirect("/admin/blog/article/")
	if n, err := orm.Q[blog.Comment](s.db).Filter("article", a.ID).Count(ctx); err != nil || n != 2 {
		t.Fatalf("comments after the inline save: %d %v", n, err)
	}
}
