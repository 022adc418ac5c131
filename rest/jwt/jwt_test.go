package jwt_test

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gjwt "github.com/golang-jwt/jwt/v5"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/rest"
	"github.com/galvani-web/galvani/rest/jwt"
	"github.com/galvani-web/galvani/security"
	"github.com/galvani-web/galvani/session"
)

// Tests hash passwords with cheap parameters.
func TestMain(m *testing.M) {
	auth.DefaultHashers = auth.Hashers{auth.PBKDF2Hasher{Iterations: 1000}}
	os.Exit(m.Run())
}

var key = []byte("jwt-tests-signing-key-0123456789-abcdefghijklmnop")

// clock is a settable time for the tokens.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type env struct {
	db    *orm.DB
	app   *galvani.App
	ann   *auth.User
	clock *clock
	jwt   *jwt.JWT
	c     *galvanitest.Client
}

func newEnv(t *testing.T, cfg jwt.Config) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{clock: &clock{t: time.Now()}}
	cfg.Key = key
	cfg.Now = e.clock.now
	var err error
	if e.jwt, err = jwt.New(cfg); err != nil {
		t.Fatal(err)
	}
	if e.db, err = orm.Open(ctx, "sqlite:///"+filepath.Join(t.TempDir(), "jwt.db")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.db.Close() })
	if err := orm.RegisterApps(auth.App); err != nil {
		t.Fatal(err)
	}
	if err := orm.CreateTables(ctx, e.db, auth.Permission{}, auth.Group{}, auth.User{}); err != nil {
		t.Fatal(err)
	}
	api := rest.New(rest.Config{Authentication: []rest.Authenticator{e.jwt}, Permissions: []rest.Permission{rest.IsAuthenticated}})
	api.Post("/token/", e.jwt.ObtainView())
	api.Post("/token/refresh/", e.jwt.RefreshView())
	type me struct {
		Username string `json:"username"`
		JTI      bool   `json:"jti"`
	}
	api.Get("/me/", rest.Handle(func(r *rest.Request, _ *struct{}) (*me, error) {
		c, _ := r.Auth.(*jwt.Claims)
		return &me{Username: auth.UserFrom(r.HTTP()).Username, JTI: c != nil && c.ID != ""}, nil
	}))
	type note struct {
		Text string `json:"text"`
	}
	api.Post("/notes/", rest.Handle(func(r *rest.Request, in *note) (*note, error) { return in, nil }).Status(201))
	settings := galvani.Settings{SecretKey: string(key), AllowedHosts: []string{galvanitest.DefaultHost}}
	galvani.Section(&settings, "session", session.Config{Store: session.NewMemoryStore()})
	e.app = galvani.New(settings, security.App, session.App, auth.New[auth.User](auth.Options{DB: e.db}), galvani.Include("/api", api))
	e.app.Use(session.Middleware(&e.app.Settings), orm.Middleware(e.db))
	e.ann = &auth.User{AbstractUser: auth.AbstractUser{Username: "ann", IsActive: true}}
	_ = e.ann.SetPassword("ann-password-1")
	if err := e.db.Create(ctx, e.ann); err != nil {
		t.Fatal(err)
	}
	e.c = galvanitest.New(t, e.app, galvanitest.Header("Accept", "application/json"))
	return e
}

func (e *env) obtain(t *testing.T) jwt.PairOut {
	t.Helper()
	var p jwt.PairOut
	e.c.PostJSON("/api/token/", map[string]any{"username": "ann", "password": "ann-password-1"}).AssertStatus(200).JSON(&p)
	if p.Access == "" || p.Refresh == "" {
		t.Fatalf("pair %+v", p)
	}
	return p
}

func bearer(tok string) galvanitest.Option { return galvanitest.Header("Authorization", "Bearer "+tok) }

// sign makes a token with the given method, key and claims, as an attacker would.
func sign(t *testing.T, m gjwt.SigningMethod, k any, claims gjwt.MapClaims) string {
	t.Helper()
	s, err := gjwt.NewWithClaims(m, claims).SignedString(k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestObtainAndAuthenticate(t *testing.T) {
	e := newEnv(t, jwt.Config{})
	e.c.PostJSON("/api/token/", map[string]any{"username": "ann", "password": "wrong"}).AssertStatus(401).
		AssertJSON(`{"detail":"No active account found with the given credentials"}`)
	p := e.obtain(t)
	e.c.Get("/api/me/", bearer(p.Access)).AssertStatus(200).AssertJSON(`{"username":"ann","jti":true}`)
	// No cookie, no CSRF token: a JWT-authenticated write passes the CSRF middleware.
	e.c.PostJSON("/api/notes/", map[string]any{"text": "hi"}, bearer(p.Access)).AssertStatus(201)
	// Missing credentials: 401 with the challenge.
	e.c.Get("/api/me/").AssertStatus(401).AssertHeader("WWW-Authenticate", `Bearer realm="api"`)
	// A refresh token is not an access token.
	e.c.Get("/api/me/", bearer(p.Refresh)).AssertStatus(401)
}

// Every bad token is a 401 with WWW-Authenticate, never a 500.
func TestBadTokens(t *testing.T) {
	e := newEnv(t, jwt.Config{})
	p := e.obtain(t)
	now := time.Now()
	good := gjwt.MapClaims{"sub": "1", "token_type": "access", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
	with := func(k string, v any) gjwt.MapClaims {
		c := gjwt.MapClaims{}
		for k, v := range good {
			c[k] = v
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	none := sign(t, gjwt.SigningMethodNone, gjwt.UnsafeAllowNoneSignatureType, good)
	// "alg":"none" with the HS256 signature kept: a header swap.
	parts := strings.Split(p.Access, ".")
	swapped := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "." + parts[2]
	cases := map[string]string{
		"garbage":        "Bearer not-a-token",
		"empty":          "Bearer",
		"two values":     "Bearer a b",
		"huge":           "Bearer " + strings.Repeat("a", 100_000),
		"forged key":     "Bearer " + sign(t, gjwt.SigningMethodHS256, []byte("another-key-another-key-another-key!"), good),
		"alg none":       "Bearer " + none,
		"alg none swap":  "Bearer " + swapped,
		"HS512":          "Bearer " + sign(t, gjwt.SigningMethodHS512, key, good),
		"no exp":         "Bearer " + sign(t, gjwt.SigningMethodHS256, key, with("exp", nil)),
		"expired":        "Bearer " + sign(t, gjwt.SigningMethodHS256, key, with("exp", now.Add(-time.Minute).Unix())),
		"issued later":   "Bearer " + sign(t, gjwt.SigningMethodHS256, key, with("iat", now.Add(time.Hour).Unix())),
		"no type":        "Bearer " + sign(t, gjwt.SigningMethodHS256, key, with("token_type", nil)),
		"no subject":     "Bearer " + sign(t, gjwt.SigningMethodHS256, key, with("sub", nil)),
		"bad subject":    "Bearer " + sign(t, gjwt.SigningMethodHS256, key, with("sub", "ann")),
		"numeric sub":    "Bearer " + sign(t, gjwt.SigningMethodHS256, key, with("sub", 1)),
		"exp as string":  "Bearer " + sign(t, gjwt.SigningMethodHS256, key, with("exp", "tomorrow")),
		"unknown user":   "Bearer " + sign(t, gjwt.SigningMethodHS256, key, with("sub", "999")),
		"tampered claim": "Bearer " + parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"2","token_type":"access","exp":9999999999}`)) + "." + parts[2],
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			e.c.Get("/api/me/", galvanitest.Header("Authorization", h)).AssertStatus(401).
				AssertHeader("WWW-Authenticate", `Bearer realm="api"`)
			want := 401
			if name == "huge" {
				want = 400 // longer than a refresh token may be: invalid input
			}
			e.c.PostJSON("/api/token/refresh/", map[string]any{"refresh": strings.TrimPrefix(h, "Bearer ")}).AssertStatus(want)
		})
	}
	// The good one still works after all that.
	e.c.Get("/api/me/", bearer(p.Access)).AssertStatus(200)
}

func TestExpiryAndRefresh(t *testing.T) {
	e := newEnv(t, jwt.Config{AccessLifetime: time.Minute, RefreshLifetime: time.Hour})
	p := e.obtain(t)
	e.clock.add(2 * time.Minute)
	e.c.Get("/api/me/", bearer(p.Access)).AssertStatus(401).
		AssertJSON(`{"detail":"Given token not valid for any token type"}`)
	// An access token does not refresh; the refresh token does.
	e.c.PostJSON("/api/token/refresh/", map[string]any{"refresh": p.Access}).AssertStatus(401).
		AssertJSON(`{"detail":"Token is invalid or expired"}`)
	var r jwt.PairOut
	e.c.PostJSON("/api/token/refresh/", map[string]any{"refresh": p.Refresh}).AssertStatus(200).JSON(&r)
	if r.Access == "" || r.Refresh != "" {
		t.Fatalf("refresh without rotation: %+v", r)
	}
	e.c.Get("/api/me/", bearer(r.Access)).AssertStatus(200)
	// An inactive user cannot refresh.
	ctx := context.Background()
	e.ann.IsActive = false
	if err := e.db.Save(ctx, e.ann); err != nil {
		t.Fatal(err)
	}
	e.c.PostJSON("/api/token/refresh/", map[string]any{"refresh": p.Refresh}).AssertStatus(401)
	e.c.Get("/api/me/", bearer(r.Access)).AssertStatus(401)
	e.ann.IsActive = true
	if err := e.db.Save(ctx, e.ann); err != nil {
		t.Fatal(err)
	}
	// The refresh token expires too.
	e.clock.add(2 * time.Hour)
	e.c.PostJSON("/api/token/refresh/", map[string]any{"refresh": p.Refresh}).AssertStatus(401)
	e.c.PostJSON("/api/token/refresh/", map[string]any{}).AssertStatus(400)
}

func TestRotation(t *testing.T) {
	e := newEnv(t, jwt.Config{Rotate: true})
	p := e.obtain(t)
	var r jwt.PairOut
	e.c.PostJSON("/api/token/refresh/", map[string]any{"refresh": p.Refresh}).AssertStatus(200).JSON(&r)
	if r.Access == "" || r.Refresh == "" || r.Refresh == p.Refresh {
		t.Fatalf("rotation: %+v", r)
	}
	var r2 jwt.PairOut
	e.c.PostJSON("/api/token/refresh/", map[string]any{"refresh": r.Refresh}).AssertStatus(200).JSON(&r2)
	e.c.Get("/api/me/", bearer(r2.Access)).AssertStatus(200)
}

// The keyword is configurable: the RealWorld API sends "Token <jwt>".
func TestKeyword(t *testing.T) {
	e := newEnv(t, jwt.Config{Keyword: "Token"})
	p := e.obtain(t)
	e.c.Get("/api/me/", galvanitest.Header("Authorization", "Token "+p.Access)).AssertStatus(200)
	e.c.Get("/api/me/", bearer(p.Access)).AssertStatus(401).AssertHeader("WWW-Authenticate", `Token realm="api"`)
	e.c.Get("/api/schema.json").AssertStatus(200).AssertContains(`"jwtAuth"`, `"apiKey"`)
}

func TestSchemeAndConfig(t *testing.T) {
	e := newEnv(t, jwt.Config{})
	e.c.Get("/api/schema.json").AssertStatus(200).AssertContains(`"jwtAuth"`, `"bearerFormat": "JWT"`)
	if _, err := jwt.New(jwt.Config{Key: []byte("short")}); err == nil {
		t.Fatal("a short key is accepted")
	}
	j, _ := jwt.New(jwt.Config{Key: key, Issuer: "galvani", Audience: "app"})
	tok, err := j.Issue(7, jwt.Access)
	if err != nil {
		t.Fatal(err)
	}
	c, err := j.Parse(tok, jwt.Access)
	if err != nil || c.UserID() != 7 || c.Issuer != "galvani" {
		t.Fatalf("%+v %v", c, err)
	}
	other, _ := jwt.New(jwt.Config{Key: key, Issuer: "galvani", Audience: "other"})
	if _, err := other.Parse(tok, jwt.Access); err == nil {
		t.Fatal("another audience is accepted")
	}
	if _, err := j.Issue(7, "id"); err == nil {
		t.Fatal("an unknown type is issued")
	}
}

// FuzzParse: any input is refused or is a token this key signed; never a panic.
func FuzzParse(f *testing.F) {
	j, _ := jwt.New(jwt.Config{Key: key})
	tok, _ := j.Issue(1, jwt.Access)
	for _, s := range []string{tok, "", ".", "..", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", tok + "x", strings.ToUpper(tok)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := j.Parse(s, jwt.Access)
		if err == nil && (c.UserID() != 1 || c.TokenType != jwt.Access) {
			t.Fatalf("accepted %q: %+v", s, c)
		}
	})
}
