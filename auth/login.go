package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"github.com/galvani-web/galvani/csrf"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/session"
)

// Session keys auth uses (Django's names).
const (
	SessionUserIDKey  = "_auth_user_id"
	SessionBackendKey = "_auth_user_backend"
	SessionHashKey    = "_auth_user_hash"
)

type ctxKey struct{}

// reqState is what the middleware puts on a request: the manager and the user,
// loaded on first use.
type reqState struct {
	m *Manager

	mu     sync.Mutex
	loaded bool
	user   UserModel
	perms  map[string]bool // nil until loaded
}

// ErrNoMiddleware is returned when a function needs the auth middleware and the
// request did not go through it.
var ErrNoMiddleware = errors.New("auth: the auth middleware is not installed (install the auth app, or app.Use(authApp.Middleware))")

// Middleware puts the current user on each request, for UserFrom. The user is
// loaded from the session (and the database) only when something asks for it. The
// session middleware must also be installed; its order relative to this one does
// not matter.
func (m *Manager) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if st, ok := r.Context().Value(ctxKey{}).(*reqState); ok && st.m == m {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, &reqState{m: m})))
	})
}

func stateOf(r *http.Request) *reqState {
	st, _ := r.Context().Value(ctxKey{}).(*reqState)
	return st
}

// ManagerFrom returns the auth Manager serving r, or nil without the middleware.
func ManagerFrom(r *http.Request) *Manager {
	if st := stateOf(r); st != nil {
		return st.m
	}
	return nil
}

// UserFrom returns the user of the request: the logged-in user's AbstractUser part,
// or an anonymous user (ID 0, IsAuthenticated false). It never returns nil. Use
// CurrentUser for a custom user model's own fields.
func UserFrom(r *http.Request) *AbstractUser { return CurrentUserModel(r).AuthUser() }

// CurrentUserModel returns the user of the request as the configured model (a
// *User by default), or an anonymous *AbstractUser.
func CurrentUserModel(r *http.Request) UserModel {
	st := stateOf(r)
	if st == nil {
		return &AbstractUser{}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.loaded {
		st.user = st.m.loadUser(r)
		st.loaded = true
	}
	if st.user == nil {
		return &AbstractUser{}
	}
	return st.user
}

// CurrentUser returns the logged-in user as *U (the configured user model), or nil
// when the visitor is anonymous:
//
//	if c := auth.CurrentUser[shop.Customer](r); c != nil { ... c.Phone ... }
func CurrentUser[U any](r *http.Request) *U {
	u, _ := any(CurrentUserModel(r)).(*U)
	return u
}

// SetUser makes user the user of the request for UserFrom, CurrentUser, HasPerm
// and templates, without touching the session: for credentials that come with
// every request (API tokens), which the rest battery checks. It needs the auth
// middleware (ErrNoMiddleware otherwise). A nil user makes the request anonymous.
func SetUser(r *http.Request, user UserModel) error {
	st := stateOf(r)
	if st == nil {
		return ErrNoMiddleware
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.user, st.loaded, st.perms = user, true, nil
	return nil
}

// loadUser reads the session and fetches the user; nil for anonymous. A session
// whose password hash no longer matches the user's (the password changed
// elsewhere) is flushed.
func (m *Manager) loadUser(r *http.Request) UserModel {
	s := session.From(r)
	idStr, ok := session.Value[string](s, SessionUserIDKey)
	if !ok {
		return nil
	}
	id, err := strconv.ParseInt(idStr, 10, 64)
	if err != nil || id <= 0 {
		return nil
	}
	backendName, _ := session.Value[string](s, SessionBackendKey)
	b := m.backendByName(backendName)
	if b == nil {
		return nil
	}
	u, err := b.GetUser(r, id)
	if err != nil {
		if !errors.Is(err, orm.ErrNotFound) {
			m.logger().Error("auth: loading the session's user", "user_id", id, "err", err)
		}
		return nil
	}
	if u == nil {
		return nil
	}
	stored, _ := session.Value[string](s, SessionHashKey)
	if !m.verifySessionHash(u, stored) {
		s.Flush()
		return nil
	}
	return u
}

// verifySessionHash checks a session's password fingerprint against the current
// secret key and its fallbacks, so rotating SECRET_KEY (with the old one in
// SecretKeyFallbacks) does not log everybody out.
func (m *Manager) verifySessionHash(u UserModel, stored string) bool {
	keys, err := m.secretKeys()
	if err != nil {
		return false
	}
	ok := false
	for _, k := range keys {
		want := saltedHMAC("galvani.auth.session_hash", u.AuthUser().Password, k)
		if hmac.Equal([]byte(stored), []byte(want)) {
			ok = true
		}
	}
	return ok
}

// sessionHash ties a session to the user's current password hash: changing the
// password ends every other session (Django's get_session_auth_hash).
func (m *Manager) sessionHash(u UserModel) (string, error) {
	keys, err := m.secretKeys()
	if err != nil {
		return "", err
	}
	return saltedHMAC("galvani.auth.session_hash", u.AuthUser().Password, keys[0]), nil
}

// saltedHMAC is Django's salted_hmac with SHA-256: HMAC(key=SHA256(salt+secret), value).
func saltedHMAC(salt, value, secret string) string {
	k := sha256.Sum256([]byte(salt + secret))
	mac := hmac.New(sha256.New, k[:])
	mac.Write([]byte(value))
	return hex.EncodeToString(mac.Sum(nil))
}

func backendName(b Backend) string { return fmt.Sprintf("%T", b) }

func (m *Manager) backendByName(name string) Backend {
	for _, b := range m.backends {
		if backendName(b) == name {
			return b
		}
	}
	return nil
}

// Authenticate asks each backend in turn to verify the credentials and returns the
// first user one accepts, or ErrInvalidCredentials. The returned user remembers
// which backend accepted it, for Login.
//
// The backends run in a slot of the manager's HashLimiter, since checking a
// password costs a hash's memory and time: when no slot frees up in time,
// Authenticate returns ErrBusy without checking anything.
func (m *Manager) Authenticate(r *http.Request, username, password string) (UserModel, error) {
	var u UserModel
	err := m.HashLimiter().Do(r.Context(), func() error {
		var err error
		u, err = m.authenticate(r, username, password)
		return err
	})
	return u, err
}

func (m *Manager) authenticate(r *http.Request, username, password string) (UserModel, error) {
	for _, b := range m.backends {
		u, err := b.Authenticate(r, username, password)
		if err != nil {
			if errors.Is(err, ErrInvalidCredentials) {
				continue
			}
			return nil, err
		}
		if u != nil {
			u.AuthUser().backend = backendName(b)
			return u, nil
		}
	}
	return nil, ErrInvalidCredentials
}

// Authenticate is Manager.Authenticate with the request's manager.
func Authenticate(r *http.Request, username, password string) (UserModel, error) {
	m := ManagerFrom(r)
	if m == nil {
		return nil, ErrNoMiddleware
	}
	return m.Authenticate(r, username, password)
}

// Login logs user in on the request's session: the session key is rotated (a key
// planted by an attacker before login is worthless after it — session fixation),
// or the session flushed when it belonged to another user; the CSRF secret is
// rotated too (csrf.Rotate), so a token planted or read before login is refused
// after it; the user's ID, backend and password-hash fingerprint are stored;
// LastLogin is updated. The session and CSRF middleware send the new cookies with
// the response.
//
// Django's login(request, user) takes no response either: the cookie is written
// by the session middleware.
func Login(r *http.Request, user UserModel) error {
	st := stateOf(r)
	if st == nil {
		return ErrNoMiddleware
	}
	return st.m.login(r, st, user)
}

func (m *Manager) login(r *http.Request, st *reqState, user UserModel) error {
	u := user.AuthUser()
	if u.ID == 0 {
		return errors.New("auth: Login of a user that is not saved")
	}
	s := session.From(r)
	if s == nil {
		return session.ErrNoMiddleware
	}
	hash, err := m.sessionHash(user)
	if err != nil {
		return err
	}
	id := strconv.FormatInt(u.ID, 10)
	if prev, ok := session.Value[string](s, SessionUserIDKey); ok {
		prevHash, _ := session.Value[string](s, SessionHashKey)
		if prev != id || !hmac.Equal([]byte(prevHash), []byte(hash)) {
			s.Flush()
		} else {
			s.Cycle()
		}
	} else {
		s.Cycle()
	}
	b := u.backend
	if b == "" {
		b = backendName(m.backends[0])
	}
	for k, v := range map[string]string{SessionUserIDKey: id, SessionBackendKey: b, SessionHashKey: hash} {
		if err := s.Set(k, v); err != nil {
			return err
		}
	}
	db, err := m.DB(r)
	if err != nil {
		return err
	}
	now := m.now().UTC()
	u.LastLogin = &now
	if err := m.users.save(r.Context(), db, user, "last_login"); err != nil {
		return fmt.Errorf("auth: updating last_login: %w", err)
	}
	csrf.Rotate(r)
	st.mu.Lock()
	st.user, st.loaded, st.perms = user, true, nil
	st.mu.Unlock()
	return nil
}

// Logout ends the login: the session is flushed (all its data removed and its key
// retired), the CSRF secret rotated, and the request's user becomes anonymous.
func Logout(r *http.Request) {
	session.From(r).Flush()
	csrf.Rotate(r)
	if st := stateOf(r); st != nil {
		st.mu.Lock()
		st.user, st.loaded, st.perms = nil, true, nil
		st.mu.Unlock()
	}
}

// UpdateSessionAuthHash keeps the current session logged in after user changed
// their password (every other session ends), and rotates the session key, like
// Django's update_session_auth_hash.
func UpdateSessionAuthHash(r *http.Request, user UserModel) error {
	st := stateOf(r)
	if st == nil {
		return ErrNoMiddleware
	}
	s := session.From(r)
	if s == nil {
		return session.ErrNoMiddleware
	}
	cur := CurrentUserModel(r).AuthUser()
	if cur.ID != user.AuthUser().ID {
		return nil
	}
	hash, err := st.m.sessionHash(user)
	if err != nil {
		return err
	}
	s.Cycle()
	if err := s.Set(SessionHashKey, hash); err != nil {
		return err
	}
	st.mu.Lock()
	st.user = user
	st.mu.Unlock()
	return nil
}

// LoginSession writes user's login into session s directly, without a request to
// a login view: what test helpers (authtest.Login) and custom flows need. Unlike
// Login it neither rotates the key nor updates LastLogin.
func (m *Manager) LoginSession(s *session.Session, user UserModel) error {
	u := user.AuthUser()
	if u.ID == 0 {
		return errors.New("auth: LoginSession of a user that is not saved")
	}
	hash, err := m.sessionHash(user)
	if err != nil {
		return err
	}
	b := u.backend
	if b == "" {
		b = backendName(m.backends[0])
	}
	for k, v := range map[string]string{SessionUserIDKey: strconv.FormatInt(u.ID, 10), SessionBackendKey: b, SessionHashKey: hash} {
		if err := s.Set(k, v); err != nil {
			return err
		}
	}
	return nil
}
