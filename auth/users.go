package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/galvani-web/galvani/orm"
)

// ErrUsernameTaken is returned by CreateUser when the username is in use.
var ErrUsernameTaken = errors.New("auth: a user with that username already exists")

// ValidateUsername checks a username the way Django's UnicodeUsernameValidator
// does: 1 to 150 characters, letters, digits and @ . + - _ only.
func ValidateUsername(name string) error {
	if name == "" {
		return errors.New("auth: the username is required")
	}
	if n := len([]rune(name)); n > 150 {
		return fmt.Errorf("auth: the username has %d characters; at most 150 are allowed", n)
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("@.+-_", r) {
			return fmt.Errorf("auth: enter a valid username: letters, digits and @/./+/-/_ only (not %q)", r)
		}
	}
	return nil
}

// CreateUser saves user (of the configured model) with password hashed (an empty
// password gives an unusable one), marked active, like Django's create_user. The
// username is validated and must be free; the password is not validated (call
// ValidatePassword for input from people).
func (m *Manager) CreateUser(ctx context.Context, db *orm.DB, user UserModel, password string) error {
	u := user.AuthUser()
	if err := ValidateUsername(u.Username); err != nil {
		return err
	}
	taken, err := m.users.find(ctx, db, "username", u.Username)
	if err != nil {
		return err
	}
	if len(taken) > 0 {
		return ErrUsernameTaken
	}
	u.Email = normalizeEmail(u.Email)
	if password == "" {
		u.SetUnusablePassword()
	} else if err := u.SetPassword(password); err != nil {
		return err
	}
	u.IsActive = true
	return m.users.create(ctx, db, user)
}

// CreateSuperuser is CreateUser with IsStaff and IsSuperuser set.
func (m *Manager) CreateSuperuser(ctx context.Context, db *orm.DB, user UserModel, password string) error {
	u := user.AuthUser()
	u.IsStaff, u.IsSuperuser = true, true
	return m.CreateUser(ctx, db, user, password)
}

// NewUser returns a zero value of the configured user model.
func (m *Manager) NewUser() UserModel { return m.users.newUser() }

// GetUser returns the user with the given username.
func (m *Manager) GetUser(ctx context.Context, db *orm.DB, username string) (UserModel, error) {
	us, err := m.users.find(ctx, db, "username", username)
	if err != nil {
		return nil, err
	}
	if len(us) == 0 {
		return nil, orm.ErrNotFound
	}
	return us[0], nil
}

// SaveUser saves user (every column, or only the named fields).
func (m *Manager) SaveUser(ctx context.Context, db *orm.DB, user UserModel, fields ...string) error {
	return m.users.save(ctx, db, user, fields...)
}

// normalizeEmail lower-cases the domain part, like Django's normalize_email.
func normalizeEmail(e string) string {
	e = strings.TrimSpace(e)
	at := strings.LastIndexByte(e, '@')
	if at < 0 {
		return e
	}
	return e[:at+1] + strings.ToLower(e[at+1:])
}
