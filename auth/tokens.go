package auth

import (
	"crypto/hmac"
	"errors"
	"strconv"
	"strings"
	"time"
)

// TokenGenerator makes and checks password reset tokens, following Django's
// PasswordResetTokenGenerator: a token is "<timestamp in base 36>-<HMAC>", where the
// HMAC (keyed from the project's SECRET_KEY) covers the user's ID, password hash,
// last login time, e-mail and the timestamp. Nothing is stored on the server, yet
// a token
//   - expires after Timeout,
//   - dies as soon as it is used (setting the password changes the hash), and
//   - dies when the user logs in (LastLogin changes) or changes e-mail.
//
// Tokens signed with a key in SecretKeyFallbacks are still accepted, so keys can
// be rotated.
type TokenGenerator struct {
	// Keys are the secret keys, current first.
	Keys []string
	// Timeout is how long a token is valid.
	Timeout time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

const tokenSalt = "galvani.auth.tokens.PasswordResetTokenGenerator"

// tokenEpoch is Django's: tokens count seconds since 2001-01-01.
var tokenEpoch = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)

func (g TokenGenerator) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

// Make returns a fresh token for user.
func (g TokenGenerator) Make(user UserModel) (string, error) {
	if len(g.Keys) == 0 {
		return "", errors.New("auth: no secret key for reset tokens")
	}
	ts := int64(g.now().Sub(tokenEpoch) / time.Second)
	return g.makeWith(user, ts, g.Keys[0]), nil
}

func (g TokenGenerator) makeWith(user UserModel, ts int64, key string) string {
	u := user.AuthUser()
	login := ""
	if u.LastLogin != nil {
		login = u.LastLogin.UTC().Truncate(time.Second).Format("2006-01-02 15:04:05")
	}
	value := strconv.FormatInt(u.ID, 10) + u.Password + login + strconv.FormatInt(ts, 10) + u.Email
	full := saltedHMAC(tokenSalt, value, key)
	var half strings.Builder
	for i := 0; i < len(full); i += 2 {
		half.WriteByte(full[i])
	}
	return strconv.FormatInt(ts, 36) + "-" + half.String()
}

// Check reports whether token is valid for user now.
func (g TokenGenerator) Check(user UserModel, token string) bool {
	if user == nil || user.AuthUser().ID == 0 || len(token) > 64 {
		return false
	}
	tsPart, _, ok := strings.Cut(token, "-")
	if !ok || tsPart == "" || len(tsPart) > 13 {
		return false
	}
	ts, err := strconv.ParseInt(tsPart, 36, 64)
	if err != nil || ts < 0 {
		return false
	}
	valid := false
	for _, k := range g.Keys {
		if hmac.Equal([]byte(g.makeWith(user, ts, k)), []byte(token)) {
			valid = true
		}
	}
	if !valid {
		return false
	}
	age := g.now().Sub(tokenEpoch.Add(time.Duration(ts) * time.Second))
	return age >= -time.Minute && age <= g.Timeout
}

// TokenGenerator returns the reset token generator of m (the project's secret keys
// and Options.PasswordResetTimeout).
func (m *Manager) TokenGenerator() (TokenGenerator, error) {
	keys, err := m.secretKeys()
	if err != nil {
		return TokenGenerator{}, err
	}
	return TokenGenerator{Keys: keys, Timeout: m.opts.PasswordResetTimeout, Now: m.opts.Now}, nil
}
