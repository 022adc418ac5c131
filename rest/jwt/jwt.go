// Package jwt is JSON Web Token authentication for rest APIs, in the manner of
// djangorestframework-simplejwt: short-lived access tokens, longer-lived refresh
// tokens that obtain new access tokens (and, with rotation, new refresh tokens),
// "Authorization: Bearer <access>", and the views that issue them.
//
//	tokens, err := jwt.New(jwt.Config{Key: []byte(settings.SecretKey)})
//	api := rest.New(rest.Config{Authentication: []rest.Authenticator{tokens}})
//	api.Post("/token/", tokens.ObtainView())
//	api.Post("/token/refresh/", tokens.RefreshView())
//
// Tokens are signed with HMAC-SHA256 and only that algorithm is accepted, so a
// token with "alg":"none" or signed with another algorithm is refused. Every token
// must carry an expiry. A token that is expired, forged, malformed or of the wrong
// type is a 401 with a WWW-Authenticate challenge, never a 500.
//
// Tokens are stateless: a refresh token replaced by rotation stays valid until it
// expires (there is no blacklist table); keep RefreshLifetime short enough for that.
package jwt

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	gjwt "github.com/golang-jwt/jwt/v5"

	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/rest"
	"github.com/galvani-web/galvani/rest/openapi"
)

// Token types, the "token_type" claim.
const (
	Access  = "access"
	Refresh = "refresh"
)

// Config configures a JWT issuer and authenticator.
type Config struct {
	// Key signs and verifies tokens (HMAC-SHA256); at least 32 bytes. Rotating it
	// invalidates every token.
	Key []byte
	// AccessLifetime is how long an access token works; default 5 minutes.
	AccessLifetime time.Duration
	// RefreshLifetime is how long a refresh token works; default one day.
	RefreshLifetime time.Duration
	// Rotate makes RefreshView answer a new refresh token beside the access
	// token (simplejwt's ROTATE_REFRESH_TOKENS).
	Rotate bool
	// Keyword is the scheme word of the Authorization header; default "Bearer".
	// The RealWorld API uses "Token".
	Keyword string
	// Issuer, when set, is written in the "iss" claim and required on input.
	Issuer string
	// Audience, when set, is written in the "aud" claim and required on input.
	Audience string
	// Leeway tolerates clock skew between servers when checking times.
	Leeway time.Duration
	// Now returns the time; nil means time.Now (tests set it).
	Now func() time.Time
}

// Claims are the claims of Galvani's tokens: the registered ones (sub is the user
// ID, jti a random identifier) and the token type. The request's Auth of a
// JWT-authenticated request is its *Claims.
type Claims struct {
	gjwt.RegisteredClaims
	TokenType string `json:"token_type"`
}

// UserID returns the user ID in the subject claim (0 when there is none).
func (c *Claims) UserID() int64 {
	id, _ := strconv.ParseInt(c.Subject, 10, 64)
	return id
}

// JWT issues and checks tokens; it is a rest.Authenticator of access tokens.
type JWT struct {
	cfg    Config
	parser *gjwt.Parser
}

// New returns a JWT for cfg, or an error when the key is too short.
func New(cfg Config) (*JWT, error) {
	if len(cfg.Key) < 32 {
		return nil, errors.New("rest/jwt: Config.Key must be at least 32 bytes")
	}
	if cfg.AccessLifetime <= 0 {
		cfg.AccessLifetime = 5 * time.Minute
	}
	if cfg.RefreshLifetime <= 0 {
		cfg.RefreshLifetime = 24 * time.Hour
	}
	if cfg.Keyword == "" {
		cfg.Keyword = "Bearer"
	}
	j := &JWT{cfg: cfg}
	opts := []gjwt.ParserOption{
		gjwt.WithValidMethods([]string{gjwt.SigningMethodHS256.Alg()}),
		gjwt.WithExpirationRequired(),
		gjwt.WithIssuedAt(),
		gjwt.WithLeeway(cfg.Leeway),
		gjwt.WithTimeFunc(j.now),
	}
	if cfg.Issuer != "" {
		opts = append(opts, gjwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Audience != "" {
		opts = append(opts, gjwt.WithAudience(cfg.Audience))
	}
	j.parser = gjwt.NewParser(opts...)
	return j, nil
}

func (j *JWT) now() time.Time {
	if j.cfg.Now != nil {
		return j.cfg.Now()
	}
	return time.Now()
}

// Issue signs a token of type typ (Access or Refresh) for the user with id.
func (j *JWT) Issue(id int64, typ string) (string, error) {
	life := j.cfg.AccessLifetime
	if typ == Refresh {
		life = j.cfg.RefreshLifetime
	} else if typ != Access {
		return "", fmt.Errorf("rest/jwt: unknown token type %q", typ)
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	now := j.now()
	c := &Claims{TokenType: typ, RegisteredClaims: gjwt.RegisteredClaims{
		Subject:   strconv.FormatInt(id, 10),
		IssuedAt:  gjwt.NewNumericDate(now),
		ExpiresAt: gjwt.NewNumericDate(now.Add(life)),
		ID:        hex.EncodeToString(b),
		Issuer:    j.cfg.Issuer,
	}}
	if j.cfg.Audience != "" {
		c.Audience = gjwt.ClaimStrings{j.cfg.Audience}
	}
	return gjwt.NewWithClaims(gjwt.SigningMethodHS256, c).SignedString(j.cfg.Key)
}

// Pair issues an access and a refresh token for user.
func (j *JWT) Pair(user auth.UserModel) (access, refresh string, err error) {
	id := user.AuthUser().ID
	if id == 0 {
		return "", "", errors.New("rest/jwt: the user is not saved")
	}
	if access, err = j.Issue(id, Access); err != nil {
		return "", "", err
	}
	refresh, err = j.Issue(id, Refresh)
	return access, refresh, err
}

// maxTokenLen bounds what is parsed: Galvani's tokens are about 250 bytes.
const maxTokenLen = 4096

// Parse checks a token's signature, algorithm, times, issuer and audience and
// that it is of type typ; the error says why it is refused.
func (j *JWT) Parse(token, typ string) (*Claims, error) {
	if len(token) > maxTokenLen {
		return nil, errors.New("rest/jwt: token too long")
	}
	c := &Claims{}
	if _, err := j.parser.ParseWithClaims(token, c, func(*gjwt.Token) (any, error) { return j.cfg.Key, nil }); err != nil {
		return nil, err
	}
	if c.TokenType != typ {
		return nil, fmt.Errorf("rest/jwt: a %q token where %q is wanted", c.TokenType, typ)
	}
	if c.UserID() <= 0 {
		return nil, errors.New("rest/jwt: no user in the token")
	}
	return c, nil
}

// Authenticate implements rest.Authenticator: "Authorization: <Keyword> <access
// token>". The request's Auth is the token's *Claims.
func (j *JWT) Authenticate(r *http.Request) (auth.UserModel, any, error) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	word, cred, _ := strings.Cut(h, " ")
	if !strings.EqualFold(word, j.cfg.Keyword) {
		return nil, nil, nil
	}
	parts := strings.Fields(cred)
	if len(parts) != 1 {
		return nil, nil, rest.AuthenticationFailed("Authorization header must contain two space-delimited values")
	}
	c, err := j.Parse(parts[0], Access)
	if err != nil {
		return nil, nil, rest.AuthenticationFailed("Given token not valid for any token type")
	}
	u, err := auth.ModelBackend{}.GetUser(r, c.UserID())
	if err != nil {
		return nil, nil, err
	}
	if u == nil {
		return nil, nil, rest.AuthenticationFailed("User not found")
	}
	return u, c, nil
}

// Challenge implements rest.Challenger.
func (j *JWT) Challenge(*http.Request) string { return j.cfg.Keyword + ` realm="api"` }

// SecurityScheme implements rest.SecuritySchemer.
func (j *JWT) SecurityScheme() (string, *openapi.SecurityScheme) {
	if strings.EqualFold(j.cfg.Keyword, "Bearer") {
		return "jwtAuth", &openapi.SecurityScheme{Type: "http", Scheme: "bearer", BearerFormat: "JWT"}
	}
	return "jwtAuth", &openapi.SecurityScheme{Type: "apiKey", In: "header", Name: "Authorization",
		Description: `JWT authentication: "` + j.cfg.Keyword + ` <token>"`}
}

// Credentials is the input of ObtainView.
type Credentials struct {
	Username string `json:"username" rest:"max_length=150"`
	Password string `json:"password" rest:"notrim,max_length=4096"`
}

// PairOut is the answer of ObtainView, and of RefreshView (whose Refresh is empty
// without rotation).
type PairOut struct {
	Access  string `json:"access"`
	Refresh string `json:"refresh,omitempty"`
}

// RefreshIn is the input of RefreshView.
type RefreshIn struct {
	Refresh string `json:"refresh" rest:"max_length=4096"`
}

// ObtainView is simplejwt's TokenObtainPairView: POST a username and password
// (checked by the auth battery's backends and throttles) and get an access and a
// refresh token. Wrong credentials are a 401.
func (j *JWT) ObtainView() *rest.Endpoint {
	return rest.Handle(func(r *rest.Request, in *Credentials) (*PairOut, error) {
		u, err := auth.Authenticate(r.HTTP(), in.Username, in.Password)
		if errors.Is(err, auth.ErrInvalidCredentials) {
			return nil, rest.AuthenticationFailed("No active account found with the given credentials")
		}
		if err != nil {
			return nil, err
		}
		access, refresh, err := j.Pair(u)
		if err != nil {
			return nil, err
		}
		return &PairOut{Access: access, Refresh: refresh}, nil
	}).Name("token-obtain").Summary("Obtain an access and a refresh token").Authentication().Permissions(rest.AllowAny)
}

// RefreshView is simplejwt's TokenRefreshView: POST a refresh token and get a new
// access token, and with Config.Rotate a new refresh token too. A refresh token
// whose user is gone or inactive is refused.
func (j *JWT) RefreshView() *rest.Endpoint {
	return rest.Handle(func(r *rest.Request, in *RefreshIn) (*PairOut, error) {
		c, err := j.Parse(in.Refresh, Refresh)
		if err != nil {
			return nil, rest.AuthenticationFailed("Token is invalid or expired")
		}
		u, err := auth.ModelBackend{}.GetUser(r.HTTP(), c.UserID())
		if err != nil {
			return nil, err
		}
		if u == nil {
			return nil, rest.AuthenticationFailed("No active account found for the given token.")
		}
		out := &PairOut{}
		if j.cfg.Rotate {
			out.Access, out.Refresh, err = j.Pair(u)
		} else {
			out.Access, err = j.Issue(c.UserID(), Access)
		}
		if err != nil {
			return nil, err
		}
		return out, nil
	}).Name("token-refresh").Summary("Refresh an access token").Authentication().Permissions(rest.AllowAny)
}
