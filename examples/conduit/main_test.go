package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/internal/nodetest"
)

func TestMain(m *testing.M) {
	auth.DefaultHashers = auth.Hashers{auth.PBKDF2Hasher{Iterations: 1000}}
	os.Exit(m.Run())
}

// newSite builds the project on a fresh SQLite file, migrated as a user would.
func newSite(t *testing.T) *galvanitest.Client {
	t.Helper()
	s := galvani.Settings{
		SecretKey:    "conduit-test-secret-key-long-enough-for-the-checks-0123456789",
		AllowedHosts: []string{galvanitest.DefaultHost},
		DatabaseURL:  "sqlite:///" + filepath.Join(t.TempDir(), "conduit.db"),
	}
	app, dbs, err := newApp(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dbs.Close() })
	if err := app.RunCommand(context.Background(), []string{"migrate"}, io.Discard); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return galvanitest.New(t, app, galvanitest.Header("Accept", "application/json"))
}

func as(token string) galvanitest.Option { return galvanitest.Header("Authorization", "Token "+token) }

type userResp struct {
	User struct {
		Email, Token, Username, Bio string
		Image                       *string
	}
}

func register(t *testing.T, c *galvanitest.Client, name string) string {
	t.Helper()
	var u userResp
	c.PostJSON("/api/users", map[string]any{"user": map[string]any{"username": name, "email": name + "@example.com", "password": name + "-password"}}).
		AssertStatus(201).JSON(&u)
	if u.User.Username != name || u.User.Token == "" || u.User.Image != nil {
		t.Fatalf("registered %+v", u)
	}
	return u.User.Token
}

func TestUsersAndProfiles(t *testing.T) {
	c := newSite(t)
	jake := register(t, c, "jake")
	ann := register(t, c, "ann")
	// Registration errors: taken names and addresses, missing and bad fields, 422.
	c.PostJSON("/api/users", map[string]any{"user": map[string]any{"username": "jake", "email": "JAKE@example.com", "password": "whatever-1"}}).
		AssertStatus(422).AssertJSON(`{"errors":{"username":["has already been taken"],"email":["has already been taken"]}}`)
	c.PostJSON("/api/users", map[string]any{"user": map[string]any{"username": "x"}}).AssertStatus(422).AssertContains(`"email"`, `"password"`)
	c.PostJSON("/api/users", map[string]any{"user": map[string]any{"username": "bob", "email": "not-an-address", "password": "bob-password"}}).
		AssertStatus(422).AssertContains(`"email"`)
	c.Post("/api/users", "application/json", strings.NewReader(`{"user":`)).AssertStatus(400).AssertContains(`"errors"`)
	// Login by email.
	var u userResp
	c.PostJSON("/api/users/login", map[string]any{"user": map[string]any{"email": "jake@example.com", "password": "jake-password"}}).AssertStatus(200).JSON(&u)
	if u.User.Username != "jake" || u.User.Token == "" {
		t.Fatalf("login %+v", u)
	}
	c.PostJSON("/api/users/login", map[string]any{"user": map[string]any{"email": "jake@example.com", "password": "nope"}}).
		AssertStatus(422).AssertJSON(`{"errors":{"credentials":["invalid"]}}`)
	// The current user, and its update.
	c.Get("/api/user", as(jake)).AssertStatus(200).AssertContains(`"username":"jake"`, `"email":"jake@example.com"`)
	c.Get("/api/user").AssertStatus(401).AssertHeader("WWW-Authenticate", `Token realm="api"`).AssertContains(`"errors"`)
	c.Get("/api/user", as("forged.token.here")).AssertStatus(401)
	c.Get("/api/user", galvanitest.Header("Authorization", "Bearer "+jake)).AssertStatus(401)
	c.SendJSON("PUT", "/api/user", map[string]any{"user": map[string]any{"bio": "I like to skateboard", "image": "https://example.com/j.jpg"}}, as(jake)).
		AssertStatus(200).AssertContains(`"bio":"I like to skateboard"`, `"image":"https://example.com/j.jpg"`)
	c.SendJSON("PUT", "/api/user", map[string]any{"user": map[string]any{"username": "ann"}}, as(jake)).AssertStatus(422).
		AssertJSON(`{"errors":{"username":["has already been taken"]}}`)
	c.SendJSON("PUT", "/api/user", map[string]any{"user": map[string]any{"password": "jake-new-password"}}, as(jake)).AssertStatus(200)
	c.PostJSON("/api/users/login", map[string]any{"user": map[string]any{"email": "jake@example.com", "password": "jake-new-password"}}).AssertStatus(200)
	// Profiles and follows.
	c.Get("/api/profiles/jake").AssertStatus(200).AssertJSON(`{"profile":{"username":"jake","bio":"I like to skateboard","image":"https://example.com/j.jpg","following":false}}`)
	c.Get("/api/profiles/nobody").AssertStatus(404).AssertJSON(`{"errors":{"body":["Not found."]}}`)
	c.PostJSON("/api/profiles/jake/follow", nil, as(ann)).AssertStatus(200).AssertContains(`"following":true`)
	c.PostJSON("/api/profiles/jake/follow", nil, as(ann)).AssertStatus(200).AssertContains(`"following":true`)
	c.Get("/api/profiles/jake", as(ann)).AssertContains(`"following":true`)
	c.Get("/api/profiles/jake").AssertContains(`"following":false`)
	c.PostJSON("/api/profiles/jake/follow", nil).AssertStatus(401)
	c.PostJSON("/api/profiles/jake/follow", nil, as(jake)).AssertStatus(422)
	c.Delete("/api/profiles/jake/follow", as(ann)).AssertStatus(200).AssertContains(`"following":false`)
}

type articlesResp struct {
	Articles []struct {
		Slug, Title, Body string
		TagList           []string
		Favorited         bool
		FavoritesCount    int
		Author            struct {
			Username  string
			Following bool
		}
	}
	ArticlesCount int
}

func TestArticlesCommentsFavoritesFeed(t *testing.T) {
	c := newSite(t)
	jake, ann := register(t, c, "jake"), register(t, c, "ann")
	var one struct {
		Article struct {
			Slug, Title, Body, Description string
			TagList                        []string
			CreatedAt, UpdatedAt           time.Time
			Author                         struct{ Username string }
		}
	}
	c.PostJSON("/api/articles", map[string]any{"article": map[string]any{"title": "How to train your dragon", "description": "Ever wonder how?", "body": "You have to believe", "tagList": []string{"dragons", "training", "dragons"}}}, as(jake)).
		AssertStatus(201).JSON(&one)
	a := one.Article
	if !strings.HasPrefix(a.Slug, "how-to-train-your-dragon-") || a.Body != "You have to believe" || len(a.TagList) != 2 || a.Author.Username != "jake" || a.CreatedAt.IsZero() {
		t.Fatalf("created %+v", a)
	}
	c.PostJSON("/api/articles", map[string]any{"article": map[string]any{"title": "Second", "description": "d", "body": "b"}}, as(ann)).AssertStatus(201)
	c.PostJSON("/api/articles", map[string]any{"article": map[string]any{"title": "t"}}).AssertStatus(401)
	c.PostJSON("/api/articles", map[string]any{"article": map[string]any{"title": "t"}}, as(jake)).AssertStatus(422).AssertContains(`"description"`, `"body"`)
	c.PostJSON("/api/articles", map[string]any{"article": map[string]any{"title": "t", "description": "d", "body": "b", "tagList": "notalist"}}, as(jake)).AssertStatus(422)
	// Reading one, and lists without bodies, newest first, with filters and paging.
	c.Get("/api/articles/"+a.Slug).AssertStatus(200).AssertContains(`"body":"You have to believe"`, `"favoritesCount":0`)
	c.Get("/api/articles/no-such").AssertStatus(404)
	var list articlesResp
	c.Get("/api/articles").AssertStatus(200).AssertNotContains(`"body"`).JSON(&list)
	if list.ArticlesCount != 2 || list.Articles[0].Title != "Second" || list.Articles[1].Title != "How to train your dragon" {
		t.Fatalf("list %+v", list)
	}
	for q, want := range map[string]int{"?tag=dragons": 1, "?tag=none": 0, "?author=ann": 1, "?author=jake&tag=training": 1, "?limit=1": 2, "?offset=1": 2} {
		var l articlesResp
		c.Get("/api/articles" + q).AssertStatus(200).JSON(&l)
		if l.ArticlesCount != want {
			t.Errorf("%s: count %d, want %d", q, l.ArticlesCount, want)
		}
	}
	c.Get("/api/articles?limit=1&offset=1").JSON(&list)
	if len(list.Articles) != 1 || list.Articles[0].Title != "How to train your dragon" {
		t.Fatalf("page 2: %+v", list)
	}
	c.Get("/api/articles?limit=-1").AssertStatus(422)
	c.Get("/api/articles?offset=x").AssertStatus(422)
	// Favourites.
	c.PostJSON("/api/articles/"+a.Slug+"/favorite", nil, as(ann)).AssertStatus(200).AssertContains(`"favorited":true`, `"favoritesCount":1`)
	c.PostJSON("/api/articles/"+a.Slug+"/favorite", nil, as(ann)).AssertStatus(200).AssertContains(`"favoritesCount":1`)
	c.Get("/api/articles?favorited=ann").JSON(&list)
	if list.ArticlesCount != 1 || !strings.HasPrefix(list.Articles[0].Slug, "how-to") {
		t.Fatalf("favorited by ann: %+v", list)
	}
	c.Get("/api/articles", as(ann)).JSON(&list)
	if !list.Articles[1].Favorited || list.Articles[0].Favorited {
		t.Fatalf("favorited flags %+v", list)
	}
	c.Delete("/api/articles/"+a.Slug+"/favorite", as(ann)).AssertStatus(200).AssertContains(`"favorited":false`, `"favoritesCount":0`)
	c.PostJSON("/api/articles/"+a.Slug+"/favorite", nil).AssertStatus(401)
	// Feed: articles of followed authors.
	c.Get("/api/articles/feed", as(ann)).AssertStatus(200).AssertJSON(`{"articles":[],"articlesCount":0}`)
	c.PostJSON("/api/profiles/jake/follow", nil, as(ann)).AssertStatus(200)
	c.Get("/api/articles/feed", as(ann)).JSON(&list)
	if list.ArticlesCount != 1 || list.Articles[0].Author.Username != "jake" || !list.Articles[0].Author.Following {
		t.Fatalf("feed %+v", list)
	}
	c.Get("/api/articles/feed").AssertStatus(401)
	// Tags.
	c.Get("/api/tags").AssertStatus(200).AssertJSON(`{"tags":["dragons","training"]}`)
	// Comments.
	var cm struct {
		Comment struct {
			ID     int64
			Body   string
			Author struct{ Username string }
		}
	}
	c.PostJSON("/api/articles/"+a.Slug+"/comments", map[string]any{"comment": map[string]any{"body": "His name was my name too."}}, as(ann)).AssertStatus(200).JSON(&cm)
	if cm.Comment.ID == 0 || cm.Comment.Author.Username != "ann" {
		t.Fatalf("comment %+v", cm)
	}
	c.PostJSON("/api/articles/"+a.Slug+"/comments", map[string]any{"comment": map[string]any{}}, as(ann)).AssertStatus(422).AssertContains(`"body"`)
	c.PostJSON("/api/articles/"+a.Slug+"/comments", map[string]any{"comment": map[string]any{"body": "x"}}).AssertStatus(401)
	c.Get("/api/articles/"+a.Slug+"/comments").AssertStatus(200).AssertContains(`"His name was my name too."`, `"username":"ann"`)
	c.Get("/api/articles/no-such/comments").AssertStatus(404)
	id := itoa(cm.Comment.ID)
	c.Delete("/api/articles/"+a.Slug+"/comments/"+id, as(jake)).AssertStatus(403)
	c.Delete("/api/articles/"+a.Slug+"/comments/999", as(ann)).AssertStatus(404)
	c.Delete("/api/articles/"+a.Slug+"/comments/x", as(ann)).AssertStatus(404)
	c.Delete("/api/articles/"+a.Slug+"/comments/"+id, as(ann)).AssertStatus(204)
	c.Get("/api/articles/" + a.Slug + "/comments").AssertJSON(`{"comments":[]}`)
	// Updating changes the slug with the title; only the author may.
	c.SendJSON("PUT", "/api/articles/"+a.Slug, map[string]any{"article": map[string]any{"title": "Did you train your dragon?"}}, as(ann)).AssertStatus(403)
	c.SendJSON("PUT", "/api/articles/"+a.Slug, map[string]any{"article": map[string]any{"title": "Did you train your dragon?"}}, as(jake)).AssertStatus(200).JSON(&one)
	if !strings.HasPrefix(one.Article.Slug, "did-you-train-your-dragon-") || one.Article.Body != "You have to believe" {
		t.Fatalf("updated %+v", one.Article)
	}
	c.Get("/api/articles/" + a.Slug).AssertStatus(404)
	c.Delete("/api/articles/"+one.Article.Slug, as(ann)).AssertStatus(403)
	c.Delete("/api/articles/"+one.Article.Slug, as(jake)).AssertStatus(204)
	c.Get("/api/articles/" + one.Article.Slug).AssertStatus(404)
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// specOperations reads "METHOD /path" of every operation in the RealWorld spec.
func specOperations(t *testing.T) []string {
	f, err := os.Open(filepath.Join("testdata", "realworld-openapi.yml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pathRe := regexp.MustCompile(`^  (/\S*):\s*$`)
	methodRe := regexp.MustCompile(`^    (get|post|put|patch|delete):\s*$`)
	var ops []string
	path, inPaths := "", false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "paths:" {
			inPaths = true
			continue
		}
		if inPaths && line != "" && !strings.HasPrefix(line, " ") {
			inPaths = false
		}
		if !inPaths {
			continue
		}
		if m := pathRe.FindStringSubmatch(line); m != nil {
			path = m[1]
		} else if m := methodRe.FindStringSubmatch(line); m != nil && path != "" {
			ops = append(ops, strings.ToUpper(m[1])+" "+path)
		}
	}
	if len(ops) < 19 {
		t.Fatalf("read only %d operations from the spec", len(ops))
	}
	return ops
}

// The generated document is valid OpenAPI 3.1 and has every RealWorld operation.
func TestOpenAPICoversRealWorld(t *testing.T) {
	c := newSite(t)
	body := c.Get("/api/schema.json").AssertStatus(200).Body()
	var doc struct {
		Paths map[string]map[string]json.RawMessage
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	for _, op := range specOperations(t) {
		m, p, _ := strings.Cut(op, " ")
		if _, ok := doc.Paths["/api"+p][strings.ToLower(m)]; !ok {
			t.Errorf("the schema lacks %s /api%s", m, p)
		}
	}
	nodetest.Modules(t, "@apidevtools/swagger-parser")
	dir := t.TempDir()
	spec := filepath.Join(dir, "openapi.json")
	script := filepath.Join(dir, "validate.js")
	if err := os.WriteFile(spec, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	src := `require('@apidevtools/swagger-parser').validate(process.argv[2]).then(api => console.log('valid ' + api.openapi))
  .catch(e => { console.error(e.message); process.exit(1); });
`
	if err := os.WriteFile(script, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := nodetest.Run(t, 60*time.Second, script, nil, spec)
	if err != nil || !strings.HasPrefix(string(out), "valid 3.1") {
		t.Fatalf("the OpenAPI document does not validate: %v %s", err, out)
	}
}
