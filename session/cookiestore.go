package session

import (
	"context"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

// cookieVersion is the first byte of every encrypted cookie, so that the format
// can change without old cookies being misread.
const cookieVersion = 1

// maxIncomingCookie bounds the cookie value the store will try to decrypt.
const maxIncomingCookie = 8192

// cookieAAD binds ciphertexts to their purpose.
var cookieAAD = []byte("galvani.session.cookie.v1")

// CookieStore keeps the whole session in the cookie, encrypted and authenticated
// with XChaCha20-Poly1305 (random 192-bit nonces, so there is no nonce-reuse limit
// on how many cookies a key may produce). Each secret key yields a 256-bit
// encryption key through HKDF-SHA256; the first encrypts, all decrypt, so
// rotating SECRET_KEY with the old one in the fallbacks keeps sessions alive, and
// dropping a key ends the sessions it made.
//
// The client cannot read or change the data, but can replay an older cookie of
// its own until that cookie expires: there is no server state to revoke it.
type CookieStore struct {
	aeads []cipher.AEAD
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// NewCookieStore returns a CookieStore for the given secret keys (first encrypts,
// all decrypt). Empty keys are refused.
func NewCookieStore(keys []string) (*CookieStore, error) {
	if len(keys) == 0 {
		return nil, errors.New("session: the cookie store needs a secret key (set SECRET_KEY)")
	}
	cs := &CookieStore{}
	for _, k := range keys {
		if k == "" {
			return nil, errors.New("session: empty secret key")
		}
		dk, err := hkdf.Key(sha256.New, []byte(k), []byte("galvani.session"), "cookie encryption", chacha20poly1305.KeySize)
		if err != nil {
			return nil, err
		}
		a, err := chacha20poly1305.NewX(dk)
		if err != nil {
			return nil, err
		}
		cs.aeads = append(cs.aeads, a)
	}
	return cs, nil
}

var enc = base64.RawURLEncoding

// cookiePayload is the plaintext of a cookie: the record with the expiry in Unix
// seconds, shorter and faster to decode than an RFC 3339 time.
type cookiePayload struct {
	Values  map[string]json.RawMessage `json:"v"`
	Expires int64                      `json:"e,omitempty"`
	Expiry  int64                      `json:"x,omitempty"`
}

// Load decrypts the cookie. Anything that does not decrypt under one of the keys,
// does not decode, or has expired gives ok == false.
func (cs *CookieStore) Load(_ context.Context, cookie string) (Record, bool, error) {
	rec, ok := cs.open(cookie)
	if !ok {
		return Record{}, false, nil
	}
	now := time.Now
	if cs.Now != nil {
		now = cs.Now
	}
	if !rec.Expires.IsZero() && !now().Before(rec.Expires) {
		return Record{}, false, nil
	}
	return rec, true, nil
}

func (cs *CookieStore) open(cookie string) (Record, bool) {
	const overhead = 1 + chacha20poly1305.NonceSizeX + chacha20poly1305.Overhead
	if len(cookie) > maxIncomingCookie || enc.DecodedLen(len(cookie)) < overhead {
		return Record{}, false
	}
	raw, err := enc.DecodeString(cookie)
	if err != nil || len(raw) < overhead || raw[0] != cookieVersion {
		return Record{}, false
	}
	nonce, ct := raw[1:1+chacha20poly1305.NonceSizeX], raw[1+chacha20poly1305.NonceSizeX:]
	for _, a := range cs.aeads {
		pt, err := a.Open(nil, nonce, ct, cookieAAD)
		if err != nil {
			continue
		}
		var cp cookiePayload
		if json.Unmarshal(pt, &cp) != nil {
			return Record{}, false
		}
		rec := Record{Values: cp.Values, Expiry: cp.Expiry}
		if cp.Expires != 0 {
			rec.Expires = time.Unix(cp.Expires, 0)
		}
		return rec, true
	}
	return Record{}, false
}

// Save encrypts rec under the first key and returns the cookie value. The key
// argument is ignored: every save produces a new ciphertext.
func (cs *CookieStore) Save(_ context.Context, _ string, rec Record) (string, error) {
	cp := cookiePayload{Values: rec.Values, Expiry: rec.Expiry}
	if !rec.Expires.IsZero() {
		cp.Expires = rec.Expires.Unix()
	}
	pt, err := json.Marshal(cp)
	if err != nil {
		return "", err
	}
	a := cs.aeads[0]
	buf := make([]byte, 1+chacha20poly1305.NonceSizeX, 1+chacha20poly1305.NonceSizeX+len(pt)+a.Overhead())
	buf[0] = cookieVersion
	rand.Read(buf[1:])
	buf = a.Seal(buf, buf[1:1+chacha20poly1305.NonceSizeX], pt, cookieAAD)
	return enc.EncodeToString(buf), nil
}

// Delete does nothing: a cookie session exists only in the cookie, which the
// middleware expires.
func (cs *CookieStore) Delete(context.Context, string) error { return nil }
