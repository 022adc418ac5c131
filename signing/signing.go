// Package signing makes values tamper-evident, like Django's django.core.signing:
// a Signer appends an HMAC-SHA256 signature to a string, a TimestampSigner adds the
// time of signing so that a reader can refuse values older than a maximum age, and
// SignObject/Dumps turn any JSON-serialisable value into a compact, URL-safe token.
//
// Signing is not encryption: the payload of a signed value is readable by whoever
// holds it. Use it for values the client may see but must not change (password
// reset links, "remember this" cookies, unsubscribe tokens). The session battery
// encrypts its cookies on top of this.
//
// # Keys and rotation
//
// Every signer takes a list of secret keys. The first key signs; every key verifies.
// To rotate a secret, put the new key first and keep the old one in the list (in a
// project: Settings.SecretKey and Settings.SecretKeyFallbacks, Django's
// SECRET_KEY_FALLBACKS; see Keys) until the values it signed have expired, then drop it.
//
// # Salts
//
// A salt separates uses of the same secret: a value signed for password resets with
// salt "auth.reset" does not verify as a session or an unsubscribe token. Pick one
// salt per purpose. The salt is not secret.
//
// # Format
//
// The format and key derivation follow Django's: value + ":" + base64url(HMAC-SHA256
// keyed with SHA-256(salt + "signer" + secret)). Timestamps are base62 seconds;
// object payloads are compact JSON, zlib-compressed when asked and when that is
// shorter (marked by a leading "."), then unpadded URL-safe base64.
package signing

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash"
	"strings"
	"sync"
)

// ErrBadSignature is returned when a signed value was not produced by any of the
// signer's keys with its salt: it was forged, altered, truncated, signed for another
// purpose, or signed with a key that has since been retired.
var ErrBadSignature = errors.New("signing: bad signature")

// ErrExpired is returned when a timestamped value carries a valid signature but is
// older than the maximum age. errors.Is(err, ErrBadSignature) is also true for it,
// so code that treats every unusable value alike needs to check only
// ErrBadSignature, as with Django's SignatureExpired.
var ErrExpired error = &expiredError{}

type expiredError struct{}

func (*expiredError) Error() string { return "signing: signature expired" }
func (*expiredError) Unwrap() error { return ErrBadSignature }

// ErrNoKey is returned by the constructors when no key, or an empty key, is given.
var ErrNoKey = errors.New("signing: no secret key (set SECRET_KEY)")

// ErrBadPayload is returned by the object methods when a correctly signed value
// does not decode (bad base64, bad JSON, or a compressed payload larger than
// MaxPayloadBytes). Since the signature was valid, the value was produced by a
// holder of the key with a different shape in mind.
var ErrBadPayload = errors.New("signing: bad payload")

// Sep separates the value from its signature (and from the timestamp). It is not a
// character of the URL-safe base64 alphabet, so a signature never contains it.
const Sep = ':'

var b64 = base64.RawURLEncoding.Strict()

// Signer signs and verifies strings with HMAC-SHA256. It is safe for concurrent use.
type Signer struct {
	salt string
	keys [][]byte // derived HMAC keys, signing key first
	pool []*sync.Pool
}

// NewSigner returns a Signer for the given secrets (the first signs, all verify) and
// salt. An empty salt is allowed but then every use of the same secret shares
// signatures; give each purpose its own salt. Empty keys are refused with ErrNoKey.
func NewSigner(keys []string, salt string) (*Signer, error) {
	if len(keys) == 0 {
		return nil, ErrNoKey
	}
	s := &Signer{salt: salt}
	for _, k := range keys {
		if k == "" {
			return nil, ErrNoKey
		}
		// Django's salted_hmac: the HMAC key is SHA-256(key_salt + secret), with
		// key_salt = salt + "signer".
		d := sha256.Sum256([]byte(salt + "signer" + k))
		dk := d[:]
		s.keys = append(s.keys, dk)
		s.pool = append(s.pool, &sync.Pool{New: func() any { return hmac.New(sha256.New, dk) }})
	}
	return s, nil
}

// Salt returns the signer's salt.
func (s *Signer) Salt() string { return s.salt }

// mac computes the raw HMAC of value with key i.
func (s *Signer) mac(i int, value string, out *[sha256.Size]byte) {
	h := s.pool[i].Get().(hash.Hash)
	h.Reset()
	h.Write([]byte(value))
	h.Sum(out[:0])
	s.pool[i].Put(h)
}

// Signature returns the base64url signature of value made with the signing key.
func (s *Signer) Signature(value string) string {
	var sum [sha256.Size]byte
	s.mac(0, value, &sum)
	return b64.EncodeToString(sum[:])
}

// Sign returns value + ":" + signature.
func (s *Signer) Sign(value string) string {
	var sum [sha256.Size]byte
	s.mac(0, value, &sum)
	out := make([]byte, 0, len(value)+1+b64.EncodedLen(sha256.Size))
	out = append(out, value...)
	out = append(out, Sep)
	out = b64.AppendEncode(out, sum[:])
	return string(out)
}

// Unsign checks the signature of a value produced by Sign with any of the signer's
// keys and returns the original value, or ErrBadSignature. The comparison is
// constant-time.
func (s *Signer) Unsign(signed string) (string, error) {
	i := strings.LastIndexByte(signed, Sep)
	if i < 0 {
		return "", ErrBadSignature
	}
	value, sig := signed[:i], signed[i+1:]
	var given [sha256.Size]byte
	if b64.DecodedLen(len(sig)) != sha256.Size {
		return "", ErrBadSignature
	}
	if n, err := b64.Decode(given[:], []byte(sig)); err != nil || n != sha256.Size {
		return "", ErrBadSignature
	}
	ok := 0
	var sum [sha256.Size]byte
	for k := range s.keys {
		// Every key is tried, so the time taken does not tell which one matched.
		s.mac(k, value, &sum)
		if hmac.Equal(sum[:], given[:]) {
			ok = 1
		}
	}
	if ok == 0 {
		return "", ErrBadSignature
	}
	return value, nil
}
