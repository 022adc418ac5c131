package authtoken_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/migrate"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/rest"
	"github.com/galvani-web/galvani/rest/authtoken"
	"github.com/galvani-web/galvani/security"
	"github.com/galvani-web/galvani/session"
)

// Tests hash passwords with cheap parameters.
func TestMain(m *testing.M) {
	auth.DefaultHashers = auth.Hashers{auth.PBKDF2Hasher{Iterations: 1000}}
	os.Exit(m.Run())
}

const secret = "authtoken-tests-secret-key-0123456789-abcdefghijklmnop"

// The shipped migration matches the model and creates a table that works.
func TestMigrations(t *testing.T) {
	ctx := context.Background()
	url := "sqlite:///" + filepath.Join(t.TempDir(), "migrated.db")
	app := galvani.New(galvani.Settings{DatabaseURL: url, SecretKey: secret}, auth.App, authtoken.App, migrate.App)
	run := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := app.RunCommandIO(ctx, args, strings.NewReader(""), &out, &out); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out.String())
		}
		return out.String()
	}
	if out := run("makemigrations", "--check", "authtoken"); !strings.Contains(out, "No changes detected") {
		t.Fatalf("the Token model differs from its migration:\n%s", out)
	}
	if out := run("migrate"); !strings.Contains(out, "Applying authtoken.0001_initial") {
		t.Fatalf("migrate:\n%s", out)
	}
	db, err := orm.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u := &auth.User{AbstractUser: auth.AbstractUser{Username: "mig", IsActive: true}}
	if err := db.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	key, err := authtoken.Create(ctx, db, u)
	if err != nil {
		t.Fatal(err)
	}
	toks, err := orm.Q[authtoken.Token](db).All(ctx)
	if err != nil || len(toks) != 1 || toks[0].UserID != u.ID {
		t.Fatalf("tokens: %+v %v", toks, err)
	}
	if toks[0].Digest == key || strings.Contains(toks[0].Digest, key) {
		t.Fatal("the key is stored in clear")
	}
}

type env struct {
	db  *orm.DB
	app *galvani.App
	ann *auth.User
}

// newEnv serves an API with token authentication, under the CSRF middleware
// (security.App), with sessions.
func newEnv(t *testing.T, a authtoken.Auth) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{}
	var err error
	e.db, err = orm.Open(ctx, "sqlite:///"+filepath.Join(t.TempDir(), "tok.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.db.Close() })
	if err := orm.RegisterApps(auth.App, authtoken.App); err != nil {
		t.Fatal(err)
	}
	if err := orm.CreateTables(ctx, e.db, auth.Permission{}, auth.Group{}, auth.User{}, authtoken.Token{}); err != nil {
		t.Fatal(err)
	}
	api := rest.New(rest.Config{Authentication: []rest.Authenticator{a, rest.SessionAuth{}}, Permissions: []rest.Permission{rest.IsAuthenticated}})
	api.Post("/auth/token/", authtoken.ObtainView())
	type me struct {
		Username string `json:"username"`
		Kind     string `json:"kind"`
	}
	api.Get("/me/", rest.Handle(func(r *rest.Request, _ *struct{}) (*me, error) {
		_, isTok := r.Auth.(*authtoken.Token)
		kind := "session"
		if isTok {
			kind = "token"
		}
		return &me{Username: auth.UserFrom(r.HTTP()).Username, Kind: kind}, nil
	}))
	type note struct {
		Text string `json:"text"`
	}
	api.Post("/notes/", rest.Handle(func(r *rest.Request, in *note) (*note, error) { return in, nil }).Status(201))
	settings := galvani.Settings{SecretKey: secret, AllowedHosts: []string{galvanitest.DefaultHost}}
	galvani.Section(&settings, "session", session.Config{Store: session.NewMemoryStore()})
	e.app = galvani.New(settings, security.App, session.App, auth.New[auth.User](auth.Options{DB: e.db}), authtoken.App, galvani.Include("/api", api))
	e.app.Use(session.Middleware(&e.app.Settings), orm.Middleware(e.db))
	e.ann = &auth.User{AbstractUser: auth.AbstractUser{Username: "ann", IsActive: true}}
	_ = e.ann.SetPassword("ann-password-1")
	if err := e.db.Create(ctx, e.ann); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestTokenAuth(t *testing.T) {
	e := newEnv(t, authtoken.Auth{})
	c := galvanitest.New(t, e.app, galvanitest.Header("Accept", "application/json"))
	// Obtaining: wrong credentials are a 400 in DRF's words; good ones give a key.
	c.PostJSON("/api/auth/token/", map[string]any{"username": "ann", "password": "nope"}).AssertStatus(400).
		AssertJSON(`{"non_field_errors":["Unable to log in with provided credentials."]}`)
	c.PostJSON("/api/auth/token/", map[string]any{"username": "ann"}).AssertStatus(400).AssertContains(`"password"`)
	var got authtoken.Issued
	c.PostJSON("/api/auth/token/", map[string]any{"username": "ann", "password": "ann-password-1"}).AssertStatus(200).JSON(&got)
	if !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(got.Token) {
		t.Fatalf("key %q", got.Token)
	}
	tok := galvanitest.Header("Authorization", "Token "+got.Token)
	c.Get("/api/me/", tok).AssertStatus(200).AssertJSON(`{"username":"ann","kind":"token"}`)
	c.Get("/api/me/", galvanitest.Header("Authorization", "token   "+got.Token)).AssertStatus(200)
	// No CSRF token, no cookie: a token-authenticated write goes through the
	// CSRF middleware, since the API's routes are exempt.
	c.PostJSON("/api/notes/", map[string]any{"text": "hi"}, tok).AssertStatus(201).AssertJSON(`{"text":"hi"}`)

	// Missing and bad credentials: 401 with the challenge, never a 500.
	c.Get("/api/me/").AssertStatus(401).AssertHeader("WWW-Authenticate", "Token").
		AssertJSON(`{"detail":"Authentication credentials were not provided."}`)
	for _, h := range []struct{ header, detail string }{
		{"Token", "Invalid token header. No credentials provided."},
		{"Token a b", "Invalid token header. Token string should not contain spaces."},
		{"Token " + strings.Repeat("0", 40), "Invalid token."},
		{"Token short", "Invalid token."},
		{"Token " + strings.Repeat("é", 5000), "Invalid token."},
		{"Token " + got.Token[:39] + "\x00", "Invalid token."},
	} {
		c.Get("/api/me/", galvanitest.Header("Authorization", h.header)).AssertStatus(401).
			AssertHeader("WWW-Authenticate", "Token").AssertJSON(`{"detail":"` + h.detail + `"}`)
	}
	// Another scheme is not ours: anonymous, hence 401.
	c.Get("/api/me/", galvanitest.Header("Authorization", "Bearer "+got.Token)).AssertStatus(401)

	// An inactive user's token stops working.
	ctx := context.Background()
	e.ann.IsActive = false
	if err := e.db.Save(ctx, e.ann); err != nil {
		t.Fatal(err)
	}
	c.Get("/api/me/", tok).AssertStatus(401).AssertJSON(`{"detail":"User inactive or deleted."}`)
	e.ann.IsActive = true
	if err := e.db.Save(ctx, e.ann); err != nil {
		t.Fatal(err)
	}
	// Each obtain issues another key; revoking one leaves the other.
	var second authtoken.Issued
	c.PostJSON("/api/auth/token/", map[string]any{"username": "ann", "password": "ann-password-1"}).AssertStatus(200).JSON(&second)
	if second.Token == got.Token {
		t.Fatal("the same key twice")
	}
	if err := authtoken.Revoke(ctx, e.db, got.Token); err != nil {
		t.Fatal(err)
	}
	c.Get("/api/me/", tok).AssertStatus(401)
	c.Get("/api/me/", galvanitest.Header("Authorization", "Token "+second.Token)).AssertStatus(200)
	if err := authtoken.RevokeUser(ctx, e.db, e.ann.ID); err != nil {
		t.Fatal(err)
	}
	c.Get("/api/me/", galvanitest.Header("Authorization", "Token "+second.Token)).AssertStatus(401)
}

// A configurable keyword, and the scheme in the OpenAPI document.
func TestKeywordAndSchema(t *testing.T) {
	e := newEnv(t, authtoken.Auth{Keyword: "Key"})
	key, err := authtoken.Create(context.Background(), e.db, e.ann)
	if err != nil {
		t.Fatal(err)
	}
	c := galvanitest.New(t, e.app, galvanitest.Header("Accept", "application/json"))
	c.Get("/api/me/", galvanitest.Header("Authorization", "Key "+key)).AssertStatus(200)
	c.Get("/api/me/", galvanitest.Header("Authorization", "Token "+key)).AssertStatus(401).AssertHeader("WWW-Authenticate", "Key")
	c.Get("/api/schema.json").AssertStatus(200).AssertContains(`"tokenAuth"`, `Key \u003ckey\u003e`)
}
