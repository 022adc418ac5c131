package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/auth/authtest"
	"github.com/galvani-web/galvani/examples/blog/blog"
	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/galvanitest/dbtest"
	"github.com/galvani-web/galvani/orm"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(loadServerEnv); dir != "" {
		serveForLoadTest(dir) // the server of TestLoginFloodMemoryBounded, with real hashing
		return
	}
	// Real password hashing is slow on purpose; tests use cheap parameters.
	auth.DefaultHashers = auth.Hashers{auth.Argon2Hasher{Time: 1, MemoryKiB: 64, Threads: 1}}
	os.Exit(sampleDB.Run(m))
}

// sampleDB is a test database migrated once for the package, each test in a
// transaction rolled back at its end (galvanitest/dbtest): SQLite in memory, or
// the server GALVANI_TEST_DATABASE_URL names.
var sampleDB = dbtest.New(dbtest.Options{Apps: []any{auth.App, blog.App}, Fixtures: blog.App.Fixtures()})

// sampleSite is the project serving from a test's transaction, with the sample
// articles of `loaddata sample` loaded into it.
func sampleSite(t *testing.T) (*dbtest.Tx, *galvanitest.Client) {
	tx := sampleDB.Begin(t, "sample.json")
	s := galvani.Settings{
		SecretKey:    "test-secret-key-that-is-long-enough-for-the-checks-0123456789",
		AllowedHosts: []string{"example.com"},
		DatabaseURL:  "sqlite::memory:", // the app's own database, unused: tx.Middleware replaces it
	}
	app, dbs, err := newApp(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dbs.Close() })
	app.Use(tx.Middleware)
	return tx, authtest.NewClient(t, app)
}

func TestSampleArticles(t *testing.T) {
	for round := range 2 { // the second round sees none of the first's comment
		t.Run(fmt.Sprint("round", round), func(t *testing.T) { sampleRound(t, round) })
	}
}

func sampleRound(t *testing.T, round int) {
	tx, c := sampleSite(t)
	// the counts come through the cache battery (in-process here: no CACHE_URL)
	c.Get("/").AssertStatus(200).AssertContains("Tests in a transaction", `href="?page=2"`, " articles, 1 comment</p>").AssertNotContains("Hello, Galvani")
	c.Get("/?page=2").AssertStatus(200).AssertContains("Hello, Galvani", "Models from structs")
	c.Get("/tests-in-a-transaction/").AssertStatus(200).AssertContains("1 comment", "Rolled back after every test!")
	c.PostForm("/tests-in-a-transaction/", url.Values{"name": {"Ada"}, "body": {fmt.Sprint("Round ", round)}}).
		AssertRedirect("/tests-in-a-transaction/#comments")
	c.Get("/tests-in-a-transaction/").AssertContains("2 comments", fmt.Sprint("Round ", round))
	if round == 1 {
		c.Get("/tests-in-a-transaction/").AssertNotContains("Round 0")
	}
	n, err := orm.Q[blog.Comment](tx.Root).Count(tx.Ctx)
	if err != nil || n != 2 {
		t.Fatalf("round %d: %d comments, %v", round, n, err)
	}
}

type site struct {
	app *galvani.App
	db  *orm.DB
	c   *galvanitest.Client
}

// newSite builds the project on a fresh SQLite file and migrates it, as a user would
// with `go run ./examples/blog migrate`.
func newSite(t *testing.T) *site {
	t.Helper()
	s := galvani.Settings{
		SecretKey:    "test-secret-key-that-is-long-enough-for-the-checks-0123456789",
		AllowedHosts: []string{"example.com"},
		DatabaseURL:  "sqlite:///" + filepath.Join(t.TempDir(), "blog.sqlite3"),
	}
	app, dbs, err := newApp(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dbs.Close() })
	if err := app.RunCommand(context.Background(), []string{"migrate"}, io.Discard); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return &site{app: app, db: dbs.Default(), c: authtest.NewClient(t, app)}
}

func (s *site) login(t *testing.T, username, password string) {
	t.Helper()
	u := &auth.User{AbstractUser: auth.AbstractUser{Username: username, Email: username + "@example.com"}}
	if err := auth.App.CreateUser(context.Background(), s.db, u, password); err != nil {
		t.Fatal(err)
	}
	s.c.Get("/accounts/login/").AssertStatus(200).AssertContains("Log in")
	s.c.PostForm("/accounts/login/?next=/new/", url.Values{"username": {username}, "password": {password}, "next": {"/new/"}}).
		AssertRedirect("/new/")
}

func TestPublishAndComment(t *testing.T) {
	s := newSite(t)
	c := s.c
	c.Get("/").AssertStatus(200).AssertContains("No articles yet")

	// Writing needs an account: anonymous visitors go to the login page.
	c.Get("/new/").AssertRedirect("/accounts/login/?next=%2Fnew%2F")
	s.login(t, "ada", "analytical-engine-1843")
	c.Get("/new/").AssertStatus(200).AssertContains("Write an article").AssertContains("Log out ada")

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
	a, err := orm.Q[blog.Article](s.db).Get(context.Background(), "slug", "hello-scriptxscript")
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "Hello <script>x</script>" {
		t.Fatalf("stored title %q", a.Title)
	}
	if author, err := orm.Q[auth.User](s.db).Get(context.Background(), "id", a.Author.Key()); err != nil || author.Username != "ada" {
		t.Fatalf("author: %v %v", author, err)
	}

	// The same title again gets a distinct slug.
	c.PostForm("/new/", url.Values{"title": {"Hello <script>x</script>"}, "body": {"Again."}}).
		AssertRedirect("/hello-scriptxscript-2/")

	c.PostForm("/hello-scriptxscript/", url.Values{"name": {"Bob"}, "body": {"Nice post!"}}).
		AssertRedirect("/hello-scriptxscript/#comments")
	c.Get("/hello-scriptxscript/").AssertContains("1 comment").AssertContains("Nice post!").
		AssertContains("Thanks for your comment.")

	// An invalid comment shows the article again with the errors; a comment on an
	// article that does not exist is a 404.
	c.PostForm("/hello-scriptxscript/", url.Values{"name": {"Bob"}}).AssertStatus(200).
		AssertContains("This field is required.", "Hello &lt;script&gt;x&lt;/script&gt;", "1 comment", "Nice post!")
	c.PostForm("/no-such-article/", url.Values{"name": {"Bob"}, "body": {"Hi"}}).AssertStatus(404)
	c.PostForm("/no-such-article/", url.Values{}).AssertStatus(404)

	home := c.Get("/").AssertContains(`href="/hello-scriptxscript-2/"`)
	// {% static %} links the stylesheet by its fingerprinted name, served for long caching
	css := regexp.MustCompile(`href="(/static/blog/style\.[0-9a-f]+\.css)"`).FindStringSubmatch(home.Body())
	if css == nil {
		t.Fatalf("no fingerprinted stylesheet link in:\n%s", home.Body())
	}
	c.Get(css[1]).AssertStatus(200).AssertHeader("Content-Type", "text/css; charset=utf-8")
	c.Get("/static/blog/style.css").AssertStatus(200).AssertHeader("Content-Type", "text/css; charset=utf-8")

	// Logging out is a POST; afterwards writing needs a login again.
	c.PostForm("/accounts/logout/", url.Values{}).AssertStatus(200)
	c.Get("/new/").AssertRedirect("/accounts/login/?next=%2Fnew%2F")
}

func TestBadInput(t *testing.T) {
	s := newSite(t)
	c := s.c
	c.Get("/no-such-article/").AssertStatus(404)
	c.Get("/?page=0").AssertStatus(404)
	c.Get("/?page=abc").AssertStatus(404) // as Django's list views: no such page
	c.Get("/?page=99").AssertStatus(404)
	c.Get("/new").AssertRedirect("/new/")
	c.Delete("/new/").AssertStatus(405)
	c.Get("/accounts/login/?next=https://evil.example/").AssertStatus(200)
	s.login(t, "eve", "correct-horse-battery")
	long := strings.Repeat("x", 5000)
	c.PostForm("/new/", url.Values{"title": {long}, "body": {"b"}}).AssertStatus(200).
		AssertContains("at most 200 characters")
	// An open redirect through next= is refused: the login lands on the site.
	authtest.Logout(c)
	c.Get("/accounts/login/")
	resp := c.PostForm("/accounts/login/", url.Values{"username": {"eve"}, "password": {"correct-horse-battery"}, "next": {"https://evil.example/"}})
	if loc := resp.Header.Get("Location"); strings.Contains(loc, "evil") {
		t.Fatalf("login redirected off-site to %q", loc)
	}
}

func TestCSRFRequired(t *testing.T) {
	s := newSite(t)
	plain := galvanitest.New(t, s.app) // a client that does not send the CSRF token
	plain.Get("/accounts/login/")      // the page sets the CSRF cookie
	plain.PostForm("/accounts/login/", url.Values{"username": {"x"}, "password": {"y"}}).AssertStatus(403)
	// A cross-site form post is refused even without cookies (login CSRF).
	fresh := galvanitest.New(t, s.app)
	fresh.PostForm("/accounts/login/", url.Values{"username": {"x"}, "password": {"y"}},
		galvanitest.Header("Origin", "https://evil.example")).AssertStatus(403)
}

func TestMigrationsUpToDate(t *testing.T) {
	s := newSite(t)
	if err := s.app.RunCommand(context.Background(), []string{"makemigrations", "--check", "--dry-run"}, io.Discard); err != nil {
		t.Fatalf("models changed without a migration: %v", err)
	}
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

// Out-of-range page numbers are a 404, however large: the offset must not
// overflow (?page=922337203685477582 was a 500).
func TestHugePageNumbers(t *testing.T) {
	s := newSite(t)
	for _, page := range []string{"2", "922337203685477582", "922337203685477581", "9223372036854775807", "1000000000000"} {
		s.c.Get("/?page=" + page).AssertStatus(404)
	}
	s.c.Get("/?page=99999999999999999999").AssertStatus(404) // past any int64
	s.c.Get("/?page=1").AssertStatus(200)
	// With two pages, the links lead from one to the other.
	for i := range 12 {
		a := blog.Article{Title: fmt.Sprint("Post ", i), Slug: fmt.Sprint("post-", i), Body: "b"}
		if err := s.db.Create(context.Background(), &a); err != nil {
			t.Fatal(err)
		}
	}
	s.c.Get("/").AssertStatus(200).AssertContains(`href="?page=2"`, `rel="next"`, `aria-current="page">1<`).AssertNotContains(`rel="prev"`)
	s.c.Get("/?page=2").AssertStatus(200).AssertContains(`href="?page=1"`, `rel="prev"`, `aria-current="page">2<`).AssertNotContains(`rel="next"`)
	s.c.Get("/?page=3").AssertStatus(404)
}

// Parallel posts of the same title all succeed, each with its own slug: the slug
// check and the insert race, and the unique constraint that catches the loser
// must turn into another slug, not a 500.
func TestParallelPostsSameTitle(t *testing.T) {
	s := newSite(t)
	u := &auth.User{AbstractUser: auth.AbstractUser{Username: "rush", Email: "rush@example.com"}}
	if err := auth.App.CreateUser(context.Background(), s.db, u, "parallel-posting-1"); err != nil {
		t.Fatal(err)
	}
	const n = 24
	clients := make([]*galvanitest.Client, n)
	for i := range clients {
		clients[i] = authtest.NewClient(t, s.app)
		authtest.Login(clients[i], u)
	}
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			codes[i] = c.PostForm("/new/", url.Values{"title": {"Same title"}, "body": {"b"}}).StatusCode
		}()
	}
	close(start)
	wg.Wait()
	for i, code := range codes {
		if code != 303 {
			t.Errorf("post %d: status %d, want 303", i, code)
		}
	}
	arts, err := orm.Q[blog.Article](s.db).All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	slugs := map[string]bool{}
	for _, a := range arts {
		slugs[a.Slug] = true
	}
	if len(arts) != n || len(slugs) != n {
		t.Errorf("%d articles with %d distinct slugs, want %d", len(arts), len(slugs), n)
	}
}
