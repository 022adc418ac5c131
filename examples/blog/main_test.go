package main

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/csrf"
	"github.com/galvani-web/galvani/examples/blog/blog"
	"github.com/galvani-web/galvani/galvanitest"
)

func testApp(t *testing.T, debug bool) *galvanitest.Client {
	t.Helper()
	s := galvani.Settings{
		Debug:        debug,
		SecretKey:    "test-secret-key-that-is-long-enough-for-the-checks-0123456789",
		AllowedHosts: []string{"example.com"},
		DatabaseURL:  "sqlite:///" + filepath.Join(t.TempDir(), "blog.sqlite3"),
	}
	app, err := newApp(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	c := galvanitest.New(t, app)
	c.Before(csrf.AddToken)
	return c
}

func TestPublishAndComment(t *testing.T) {
	c := testApp(t, false)
	c.Get("/").AssertStatus(200).AssertContains("No articles yet")

	// An empty form is re-rendered with errors, not saved.
	c.PostForm("/new/", url.Values{}).AssertStatus(200).AssertContains("This field is required.")

	// A title with markup is stored verbatim and shown escaped.
	c.PostForm("/new/", url.Values{"title": {"Hello <script>x</script>"}, "body": {"Body text."}}).
		AssertRedirect("/hello-scriptxscript/")
	page := c.Get("/hello-scriptxscript/").AssertStatus(200)
	page.AssertContains("Article published.")
	if strings.Contains(page.Body(), "<script>x</script>") {
		t.Fatal("the title was not escaped")
	}
	page.AssertContains("Hello &lt;script&gt;x&lt;/script&gt;")

	// The same title again gets a distinct slug.
	c.PostForm("/new/", url.Values{"title": {"Hello <script>x</script>"}, "body": {"Again."}}).
		AssertRedirect("/hello-scriptxscript-2/")

	c.PostForm("/hello-scriptxscript/", url.Values{"name": {"Ada"}, "body": {"Nice post!"}}).
		AssertRedirect("/hello-scriptxscript/#comments")
	c.Get("/hello-scriptxscript/").AssertContains("1 comment").AssertContains("Nice post!").
		AssertContains("Thanks for your comment.")

	c.Get("/").AssertContains(`href="/hello-scriptxscript-2/"`)
	c.Get("/static/blog/style.css").AssertStatus(200).AssertHeader("Content-Type", "text/css; charset=utf-8")
}

func TestBadInput(t *testing.T) {
	c := testApp(t, false)
	c.Get("/no-such-article/").AssertStatus(404)
	c.Get("/?page=0").AssertStatus(404)
	c.Get("/?page=abc").AssertStatus(400)
	c.Get("/?page=99").AssertStatus(404)
	c.Get("/new").AssertRedirect("/new/")
	c.Delete("/new/").AssertStatus(405)
	long := strings.Repeat("x", 5000)
	c.PostForm("/new/", url.Values{"title": {long}, "body": {"b"}}).AssertStatus(200).
		AssertContains("at most 200 characters")
}

func TestCSRFRequired(t *testing.T) {
	c := testApp(t, false)
	c.Get("/new/").AssertStatus(200) // sets the CSRF cookie
	plain := galvanitest.New(t, c.Handler())
	plain.Get("/new/")
	plain.PostForm("/new/", url.Values{"title": {"t"}, "body": {"b"}}).AssertStatus(403)
}

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"Hello, World!":            "hello-world",
		"  --Ünïcode title-- ":     "unicode-title",
		"<>":                       "",
		strings.Repeat("ab ", 100): strings.TrimSuffix(strings.Repeat("ab-", 60), "-"),
	} {
		if got := blog.Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
}
