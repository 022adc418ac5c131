// Package authtoken is token authentication for rest APIs, Django REST framework's
// authtoken app: a Token model with its migration, the "Authorization: Token <key>"
// authenticator, and an endpoint that trades a username and password for a token.
//
//	api := rest.New(rest.Config{
//		Authentication: []rest.Authenticator{authtoken.Auth{}, rest.SessionAuth{}},
//		Permissions:    []rest.Permission{rest.IsAuthenticated},
//	})
//	api.Post("/auth/token/", authtoken.ObtainView())
//	app := galvani.New(settings, security.App, session.App, auth.App, authtoken.App,
//		galvani.Include("/api", api))
//
// Unlike DRF, the database keeps only a SHA-256 digest of each key: a copy of the
// table authenticates nobody. So a key is shown once, when it is issued, and each
// ObtainView call issues a new one (a user may hold several, one per device);
// Revoke and RevokeUser delete them.
package authtoken

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/migrate"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/rest"
	"github.com/galvani-web/galvani/rest/authtoken/migrations"
	"github.com/galvani-web/galvani/rest/openapi"
)

// Token is an issued API key. Digest is the hex SHA-256 of the key the client
// holds (the table is authtoken_token); UserID names the user of the auth battery's user model (a plain column,
// not a foreign key, so that the app works with a custom user model too).
type Token struct {
	Digest  string    `orm:"primary_key,max_length=64"`
	UserID  int64     `orm:"index"`
	Created time.Time `orm:"auto_now_add"`
}

// AppConfig is the installable authtoken app: its model and migration.
type AppConfig struct{}

// App is the authtoken app to install in a project (galvani.New(..., authtoken.App)).
var App = &AppConfig{}

// Label implements galvani.AppConfig: "authtoken".
func (*AppConfig) Label() string { return "authtoken" }

// Models implements orm.ModelsProvider.
func (*AppConfig) Models() []any { return []any{Token{}} }

// Migrations implements migrate.MigrationsProvider.
func (*AppConfig) Migrations() []*migrate.Migration { return migrations.All }

// keyBytes is the entropy of a key: 20 bytes, 40 hex characters, as DRF's keys.
const keyBytes = 20

func digest(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// Create issues a new token for user and returns its key, which is stored only as
// a digest: give it to the client now.
func Create(ctx context.Context, db *orm.DB, user auth.UserModel) (string, error) {
	id := user.AuthUser().ID
	if id == 0 {
		return "", errors.New("authtoken: the user is not saved")
	}
	b := make([]byte, keyBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	key := hex.EncodeToString(b)
	if err := db.Create(ctx, &Token{Digest: digest(key), UserID: id}); err != nil {
		return "", err
	}
	return key, nil
}

// Revoke deletes the token with key; an unknown key is not an error.
func Revoke(ctx context.Context, db *orm.DB, key string) error {
	_, err := orm.Q[Token](db).Filter("digest", digest(key)).Delete(ctx)
	return err
}

// RevokeUser deletes every token of the user with id (on logout everywhere, a
// password change, or before deleting the user).
func RevokeUser(ctx context.Context, db *orm.DB, id int64) error {
	_, err := orm.Q[Token](db).Filter("user_id", id).Delete(ctx)
	return err
}

// Auth authenticates "Authorization: Token <key>" headers, DRF's
// TokenAuthentication. The request's Auth is the *Token.
type Auth struct {
	// Keyword is the scheme word before the key; default "Token".
	Keyword string
	// DB is the token table's database; nil means the request's (orm.Middleware).
	DB *orm.DB
}

func (a Auth) keyword() string {
	if a.Keyword == "" {
		return "Token"
	}
	return a.Keyword
}

// Authenticate implements rest.Authenticator.
func (a Auth) Authenticate(r *http.Request) (auth.UserModel, any, error) {
	key, ok, err := credential(r, a.keyword(), "token")
	if !ok || err != nil {
		return nil, nil, err
	}
	if len(key) != 2*keyBytes {
		return nil, nil, rest.AuthenticationFailed("Invalid token.")
	}
	db := a.DB
	if db == nil {
		if db = orm.DBFrom(r); db == nil {
			return nil, nil, errors.New("authtoken: no database: set Auth.DB or install orm.Middleware(db)")
		}
	}
	tok, err := orm.Q[Token](db).Get(r.Context(), "digest", digest(key))
	if errors.Is(err, orm.ErrNotFound) {
		return nil, nil, rest.AuthenticationFailed("Invalid token.")
	}
	if err != nil {
		return nil, nil, err
	}
	u, err := auth.ModelBackend{}.GetUser(r, tok.UserID)
	if err != nil {
		return nil, nil, err
	}
	if u == nil { // deleted or inactive
		return nil, nil, rest.AuthenticationFailed("User inactive or deleted.")
	}
	return u, tok, nil
}

// credential reads "Authorization: <keyword> <credential>". ok is false when the
// header is absent or names another scheme; a malformed one is a 401 error, in
// DRF's words (what names the credential in them).
func credential(r *http.Request, keyword, what string) (string, bool, error) {
	h := r.Header.Get("Authorization")
	word, cred, _ := strings.Cut(strings.TrimSpace(h), " ")
	if !strings.EqualFold(word, keyword) {
		return "", false, nil
	}
	parts := strings.Fields(cred)
	switch {
	case len(parts) == 0:
		return "", true, rest.AuthenticationFailed("Invalid " + what + " header. No credentials provided.")
	case len(parts) > 1:
		return "", true, rest.AuthenticationFailed("Invalid " + what + " header. " + strings.ToUpper(what[:1]) + what[1:] + " string should not contain spaces.")
	}
	return parts[0], true, nil
}

// Challenge implements rest.Challenger: the keyword, so that a missing or wrong
// token is a 401.
func (a Auth) Challenge(*http.Request) string { return a.keyword() }

// SecurityScheme implements rest.SecuritySchemer.
func (a Auth) SecurityScheme() (string, *openapi.SecurityScheme) {
	return "tokenAuth", &openapi.SecurityScheme{Type: "apiKey", In: "header", Name: "Authorization",
		Description: `Token-based authentication: "` + a.keyword() + ` <key>"`}
}

// Credentials is the input of ObtainView.
type Credentials struct {
	Username string `json:"username" rest:"max_length=150"`
	Password string `json:"password" rest:"notrim,max_length=4096"`
}

// Issued is the answer of ObtainView.
type Issued struct {
	Token string `json:"token"`
}

// ObtainView is DRF's obtain_auth_token: POST a username and password (checked
// by the auth battery's backends, with its failed-login throttles) and get a new
// token. Wrong credentials are a 400 in DRF's words. It authenticates nobody
// and allows anyone, whatever the API's policy.
func ObtainView() *rest.Endpoint {
	return rest.Handle(func(r *rest.Request, in *Credentials) (*Issued, error) {
		u, err := auth.Authenticate(r.HTTP(), in.Username, in.Password)
		if errors.Is(err, auth.ErrInvalidCredentials) {
			return nil, rest.Invalid(rest.NonFieldErrors, "Unable to log in with provided credentials.")
		}
		if err != nil {
			return nil, err
		}
		db, err := r.DB()
		if err != nil {
			return nil, err
		}
		key, err := Create(r.Context(), db, u)
		if err != nil {
			return nil, err
		}
		return &Issued{Token: key}, nil
	}).Name("obtain-token").Summary("Obtain an API token").Authentication().Permissions(rest.AllowAny)
}
