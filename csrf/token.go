package csrf

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
)

// The token scheme is Django's: a 32-character secret lives in the CSRF cookie,
// and every page gets the secret masked with a fresh random 32-character mask
// (token = mask + (secret + mask) mod 62, per character). The token in a page is
// different on every render, so a compressed response cannot leak the secret
// through its length (BREACH), while any of them unmasks to the cookie's secret.

const (
	// SecretLen is the length of the secret kept in the cookie.
	SecretLen = 32
	// TokenLen is the length of a masked token.
	TokenLen = 2 * SecretLen
	chars    = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
)

var charIndex = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(chars); i++ {
		t[chars[i]] = int8(i)
	}
	return t
}()

// randomChars returns n characters of the alphabet, uniformly distributed.
func randomChars(n int) string {
	out := make([]byte, 0, n)
	var buf [64]byte
	for len(out) < n {
		rand.Read(buf[:])
		for _, b := range buf {
			// 62*4 = 248: reject bytes at or above it so every character is equally likely.
			if b < 248 && len(out) < n {
				out = append(out, chars[b%62])
			}
		}
	}
	return string(out)
}

// newSecret returns a fresh cookie secret.
func newSecret() string { return randomChars(SecretLen) }

// mask returns a fresh masked token for secret.
func mask(secret string) string {
	m := randomChars(SecretLen)
	out := make([]byte, TokenLen)
	copy(out, m)
	for i := 0; i < SecretLen; i++ {
		out[SecretLen+i] = chars[(int(charIndex[secret[i]])+int(charIndex[m[i]]))%62]
	}
	return string(out)
}

// unmask recovers the secret from a masked token of valid format.
func unmask(token string) []byte {
	out := make([]byte, SecretLen)
	for i := 0; i < SecretLen; i++ {
		x := int(charIndex[token[SecretLen+i]]) - int(charIndex[token[i]])
		if x < 0 {
			x += 62
		}
		out[i] = chars[x]
	}
	return out
}

// validChars reports whether s consists of alphabet characters only.
func validChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if charIndex[s[i]] < 0 {
			return false
		}
	}
	return true
}

// validSecret reports whether s can be a cookie secret.
func validSecret(s string) bool { return len(s) == SecretLen && validChars(s) }

var (
	errTokenLength = errors.New("CSRF token has incorrect length")
	errTokenChars  = errors.New("CSRF token has invalid characters")
	errTokenWrong  = errors.New("CSRF token incorrect")
)

// matches checks a request token (masked, or the bare secret as Django also
// accepts) against the cookie secret in constant time.
func matches(token, secret string) error {
	if len(token) != TokenLen && len(token) != SecretLen {
		return errTokenLength
	}
	if !validChars(token) {
		return errTokenChars
	}
	var got []byte
	if len(token) == TokenLen {
		got = unmask(token)
	} else {
		got = []byte(token)
	}
	if subtle.ConstantTimeCompare(got, []byte(secret)) != 1 {
		return errTokenWrong
	}
	return nil
}
