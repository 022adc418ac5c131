package rest

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/csrf"
	"github.com/galvani-web/galvani/rest/openapi"
)

// Authenticator recognises the credentials of a request, DRF's authentication
// classes. Authenticate returns (nil, nil, nil) when the request carries no
// credentials of its kind (the next authenticator is tried), the user and what
// identifies the credential (a token, claims) when they are good, and an error —
// AuthenticationFailed for wrong credentials — that stops the request.
type Authenticator interface {
	Authenticate(r *http.Request) (user auth.UserModel, info any, err error)
}

// Challenger is implemented by authenticators whose clients can be asked for
// credentials: Challenge is the WWW-Authenticate value of a 401. When the API's
// first authenticator has none (sessions), unauthenticated requests get 403.
type Challenger interface {
	Challenge(r *http.Request) string
}

// SecuritySchemer is implemented by authenticators that describe themselves in the
// OpenAPI document.
type SecuritySchemer interface {
	SecurityScheme() (name string, scheme *openapi.SecurityScheme)
}

// SessionAuth authenticates with the auth battery's session login, DRF's
// SessionAuthentication: for the browsable API and JavaScript on the same site.
// Unsafe methods must pass the CSRF checks (csrf.Verify), since browsers send the
// session cookie by themselves.
type SessionAuth struct{}

// Authenticate implements Authenticator.
func (SessionAuth) Authenticate(r *http.Request) (auth.UserModel, any, error) {
	u := auth.CurrentUserModel(r)
	if !u.AuthUser().IsAuthenticated() || !u.AuthUser().IsActive {
		return nil, nil, nil
	}
	if err := csrf.Verify(r); err != nil {
		return nil, nil, PermissionDenied("CSRF Failed: " + strings.TrimPrefix(err.Error(), csrf.ErrNotVerified.Error()+": "))
	}
	return u, nil, nil
}

// SecurityScheme implements SecuritySchemer.
func (SessionAuth) SecurityScheme() (string, *openapi.SecurityScheme) {
	return "cookieAuth", &openapi.SecurityScheme{Type: "apiKey", In: "cookie", Name: "sessionid"}
}

// BasicAuth authenticates with HTTP Basic credentials checked by the auth
// battery's backends (auth.Authenticate), DRF's BasicAuthentication. Use it over
// HTTPS only.
type BasicAuth struct {
	// Realm is named in the challenge (default "api").
	Realm string
}

// Authenticate implements Authenticator.
func (b BasicAuth) Authenticate(r *http.Request) (auth.UserModel, any, error) {
	h := r.Header.Get("Authorization")
	if len(h) < 6 || !strings.EqualFold(h[:6], "basic ") {
		return nil, nil, nil
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		return nil, nil, AuthenticationFailed("Invalid basic header. Credentials not correctly base64 encoded.")
	}
	u, err := auth.Authenticate(r, user, pass)
	if err != nil {
		if errors.Is(err, auth.ErrInvalidCredentials) {
			return nil, nil, AuthenticationFailed("Invalid username/password.")
		}
		return nil, nil, err
	}
	return u, nil, nil
}

// Challenge implements Challenger.
func (b BasicAuth) Challenge(*http.Request) string {
	realm := b.Realm
	if realm == "" {
		realm = "api"
	}
	return `Basic realm="` + realm + `"`
}

// SecurityScheme implements SecuritySchemer.
func (BasicAuth) SecurityScheme() (string, *openapi.SecurityScheme) {
	return "basicAuth", &openapi.SecurityScheme{Type: "http", Scheme: "basic"}
}

type forcedKey struct{}

type forced struct {
	user auth.UserModel
	info any
}

// ForceAuthenticate returns a context in which every API request is authenticated
// as user (with info as its credential), whatever it carries: DRF's
// force_authenticate, for tests. Only code can set it; see rest/resttest.
func ForceAuthenticate(ctx context.Context, user auth.UserModel, info any) context.Context {
	return context.WithValue(ctx, forcedKey{}, forced{user: user, info: info})
}

func forcedAuth(r *http.Request) (forced, bool) {
	f, ok := r.Context().Value(forcedKey{}).(forced)
	return f, ok
}
