package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/galvani-web/galvani/orm"
)

// ErrInvalidCredentials is what authentication returns for an unknown user, a
// wrong password and an inactive account alike, so a caller cannot tell them apart.
var ErrInvalidCredentials = errors.New("auth: invalid credentials")

// Backend authenticates users, like Django's authentication backends. A project
// adds its own (LDAP, tokens, single sign-on) in Options.Backends. The manager
// serving the request is ManagerFrom(r).
type Backend interface {
	// Authenticate returns the user the credentials identify, or (nil, nil) /
	// ErrInvalidCredentials when they identify nobody; other errors are failures
	// (a database down) and stop the login.
	Authenticate(r *http.Request, username, password string) (UserModel, error)
	// GetUser returns the user with the given ID for a logged-in session, or
	// (nil, nil) when the user may no longer be logged in (deleted, deactivated).
	GetUser(r *http.Request, id int64) (UserModel, error)
}

// PermissionBackend is implemented by backends that grant permissions. HasPerm
// asks every such backend and grants a permission if one does. obj is nil for
// model-wide permissions and the object for object-level ones: the hook for
// per-object rules (the ModelBackend grants none).
type PermissionBackend interface {
	HasPerm(r *http.Request, user UserModel, perm string, obj any) (bool, error)
}

// ModelBackend authenticates against the user model's table by username or email
// (case-insensitively for email) and grants the permissions stored in the database,
// directly and through groups. Inactive users cannot log in and have no
// permissions. An unknown user costs the same password hashing time as a wrong
// password (RunDummyCheck), so response times do not reveal which usernames exist.
// A correct password whose hash uses outdated parameters is re-hashed and saved.
type ModelBackend struct{}

// Authenticate implements Backend.
func (ModelBackend) Authenticate(r *http.Request, username, password string) (UserModel, error) {
	m := ManagerFrom(r)
	if m == nil {
		return nil, ErrNoMiddleware
	}
	if username == "" || password == "" || len(username) > 254 || len(password) > 4096 || !cleanText(username) {
		RunDummyCheck(password)
		return nil, ErrInvalidCredentials
	}
	db, err := m.DB(r)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	u, err := m.findLoginUser(ctx, db, username)
	if err != nil {
		return nil, err
	}
	if u == nil {
		RunDummyCheck(password)
		return nil, ErrInvalidCredentials
	}
	au := u.AuthUser()
	if !IsUsable(au.Password) {
		RunDummyCheck(password) // no hash to check: spend the time anyway
	}
	ok, err := DefaultHashers.Check(password, au.Password)
	if err != nil && !errors.Is(err, ErrUnknownHasher) && !errors.Is(err, ErrMalformedHash) {
		return nil, err
	}
	if !ok || !au.IsActive {
		return nil, ErrInvalidCredentials
	}
	if DefaultHashers.NeedsRehash(au.Password) {
		if enc, err := DefaultHashers.Make(password); err == nil {
			au.Password = enc
			if err := m.users.save(ctx, db, u, "password"); err != nil {
				m.logger().Error("auth: saving the upgraded password hash", "user_id", au.ID, "err", err)
			}
		}
	}
	return u, nil
}

// findLoginUser finds the account a login names: by username, else — when the
// input has an "@" — by e-mail, case-insensitively, when exactly one account has
// that address. It returns nil when there is none. The same input always costs
// the same queries, whether or not the account exists.
func (m *Manager) findLoginUser(ctx context.Context, db *orm.DB, username string) (UserModel, error) {
	users, err := m.users.find(ctx, db, "username", username)
	if err != nil {
		return nil, err
	}
	if len(users) == 0 && strings.Contains(username, "@") {
		users, err = m.users.find(ctx, db, "email__iexact", username)
		if err != nil {
			return nil, err
		}
		if len(users) != 1 { // an address shared by several accounts identifies none
			users = nil
		}
	}
	if len(users) == 0 {
		return nil, nil
	}
	return users[0], nil
}

// GetUser implements Backend.
func (ModelBackend) GetUser(r *http.Request, id int64) (UserModel, error) {
	m := ManagerFrom(r)
	if m == nil {
		return nil, ErrNoMiddleware
	}
	db, err := m.DB(r)
	if err != nil {
		return nil, err
	}
	u, err := m.users.byID(r.Context(), db, id)
	if err != nil {
		if errors.Is(err, orm.ErrNotFound) {
			return nil, nil
		}
		return nil, err
	}
	if !u.AuthUser().IsActive {
		return nil, nil
	}
	return u, nil
}

// HasPerm implements PermissionBackend: model-wide permissions from the user's own
// and their groups' permissions. It grants no object-level permission.
func (ModelBackend) HasPerm(r *http.Request, user UserModel, perm string, obj any) (bool, error) {
	if obj != nil {
		return false, nil
	}
	m := ManagerFrom(r)
	if m == nil {
		return false, ErrNoMiddleware
	}
	set, err := m.permissionSet(r, user)
	if err != nil {
		return false, err
	}
	return set[perm], nil
}

// cleanText reports whether s can be sent to every database as a value: valid
// UTF-8 without NUL (PostgreSQL refuses both, which would be a 500).
func cleanText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }
