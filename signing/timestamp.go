package signing

import (
	"fmt"
	"strings"
	"time"
)

// TimestampSigner signs a value together with the time of signing, so that Unsign
// can refuse values older than a maximum age. It is safe for concurrent use.
type TimestampSigner struct {
	*Signer
	// Now returns the current time; nil means time.Now. Tests set it.
	Now func() time.Time
}

// NewTimestampSigner returns a TimestampSigner for the given keys (the first signs,
// all verify) and salt.
func NewTimestampSigner(keys []string, salt string) (*TimestampSigner, error) {
	s, err := NewSigner(keys, salt)
	if err != nil {
		return nil, err
	}
	return &TimestampSigner{Signer: s}, nil
}

func (t *TimestampSigner) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

// Sign returns value + ":" + base62 timestamp + ":" + signature.
func (t *TimestampSigner) Sign(value string) string {
	return t.Signer.Sign(value + string(Sep) + b62Encode(t.now().Unix()))
}

// Unsign checks the signature and, when maxAge is positive, that the value was
// signed at most maxAge ago. It returns the original value, ErrBadSignature, or an
// error matching ErrExpired that says how old the value is.
func (t *TimestampSigner) Unsign(signed string, maxAge time.Duration) (string, error) {
	value, ts, err := t.UnsignTime(signed)
	if err != nil {
		return "", err
	}
	if maxAge > 0 {
		if age := t.now().Sub(ts); age > maxAge {
			return "", fmt.Errorf("%w: signed %s ago, maximum age %s", ErrExpired, age.Truncate(time.Second), maxAge)
		}
	}
	return value, nil
}

// UnsignTime checks the signature and returns the original value and the time it
// was signed, without an age check.
func (t *TimestampSigner) UnsignTime(signed string) (string, time.Time, error) {
	v, err := t.Signer.Unsign(signed)
	if err != nil {
		return "", time.Time{}, err
	}
	i := strings.LastIndexByte(v, Sep)
	if i < 0 {
		return "", time.Time{}, ErrBadSignature
	}
	secs, ok := b62Decode(v[i+1:])
	if !ok {
		return "", time.Time{}, ErrBadSignature
	}
	return v[:i], time.Unix(secs, 0), nil
}

// SignObject serialises v as a signed, timestamped token (see the package
// documentation for the format). With compress, the JSON is zlib-compressed when
// that makes it shorter.
func (t *TimestampSigner) SignObject(v any, compress bool) (string, error) {
	p, err := encodePayload(v, compress)
	if err != nil {
		return "", err
	}
	return t.Sign(p), nil
}

// UnsignObject verifies a token made by SignObject (refusing it when older than a
// positive maxAge) and decodes its payload into v, which must be a pointer.
func (t *TimestampSigner) UnsignObject(signed string, v any, maxAge time.Duration) error {
	p, err := t.Unsign(signed, maxAge)
	if err != nil {
		return err
	}
	return decodePayload(p, v)
}

const b62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// b62Encode encodes n in Django's base62 (digits, upper case, lower case).
func b62Encode(n int64) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	u := uint64(n)
	if neg {
		u = uint64(-n)
	}
	var buf [13]byte
	i := len(buf)
	for u > 0 {
		i--
		buf[i] = b62Alphabet[u%62]
		u /= 62
	}
	if neg {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}

// b62Decode reverses b62Encode; it refuses empty input, foreign characters and
// values that overflow int64.
func b62Decode(s string) (int64, bool) {
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	if s == "" || len(s) > 11 {
		return 0, false
	}
	var u uint64
	for i := 0; i < len(s); i++ {
		d := strings.IndexByte(b62Alphabet, s[i])
		if d < 0 {
			return 0, false
		}
		u = u*62 + uint64(d)
	}
	if u > 1<<62 {
		return 0, false
	}
	if neg {
		return -int64(u), true
	}
	return int64(u), true
}
