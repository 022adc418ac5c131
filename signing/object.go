package signing

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/galvani-web/galvani"
)

// MaxPayloadBytes bounds the decompressed size of an object payload, so that a
// compressed token cannot expand without limit.
const MaxPayloadBytes = 1 << 20

// DefaultSalt is the salt Dumps and Loads use when Options.Salt is empty.
const DefaultSalt = "galvani.signing"

// Options configures Dumps and Loads.
type Options struct {
	// Keys are the secrets: the first signs, all verify. Required.
	Keys []string
	// Salt separates purposes; empty means DefaultSalt.
	Salt string
	// Compress zlib-compresses the JSON when that makes the token shorter (Dumps).
	Compress bool
	// MaxAge refuses tokens signed longer ago than this (Loads); 0 means no limit.
	MaxAge time.Duration
}

func (o Options) signer() (*TimestampSigner, error) {
	salt := o.Salt
	if salt == "" {
		salt = DefaultSalt
	}
	return NewTimestampSigner(o.Keys, salt)
}

// Dumps returns v as a compact, URL-safe, signed and timestamped token, like
// Django's signing.dumps. v must be JSON-serialisable. The token is readable by
// anyone; it only cannot be changed.
func Dumps(v any, o Options) (string, error) {
	t, err := o.signer()
	if err != nil {
		return "", err
	}
	return t.SignObject(v, o.Compress)
}

// Loads verifies a token made by Dumps with the same salt and one of the keys,
// refuses it when older than o.MaxAge (if set), and decodes it into v (a pointer).
// The error is ErrNoKey, ErrBadSignature, an ErrExpired or an ErrBadPayload.
func Loads(token string, v any, o Options) error {
	t, err := o.signer()
	if err != nil {
		return err
	}
	return t.UnsignObject(token, v, o.MaxAge)
}

func encodePayload(v any, compress bool) (string, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("signing: %w", err)
	}
	if compress {
		var buf bytes.Buffer
		zw := zlib.NewWriter(&buf)
		zw.Write(data)
		zw.Close()
		if buf.Len() < len(data)-1 {
			return "." + b64.EncodeToString(buf.Bytes()), nil
		}
	}
	return b64.EncodeToString(data), nil
}

func decodePayload(p string, v any) error {
	compressed := strings.HasPrefix(p, ".")
	if compressed {
		p = p[1:]
	}
	data, err := b64.DecodeString(p)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadPayload, err)
	}
	if compressed {
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("%w: %v", ErrBadPayload, err)
		}
		data, err = io.ReadAll(io.LimitReader(zr, MaxPayloadBytes+1))
		if err != nil {
			return fmt.Errorf("%w: %v", ErrBadPayload, err)
		}
		if len(data) > MaxPayloadBytes {
			return fmt.Errorf("%w: decompressed payload exceeds %d bytes", ErrBadPayload, MaxPayloadBytes)
		}
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%w: %v", ErrBadPayload, err)
	}
	return nil
}

// Keys returns the project's key list: Settings.SecretKey first, then
// Settings.SecretKeyFallbacks (empty entries skipped). It is what the session and
// other batteries pass to the signers. It returns ErrNoKey when SecretKey is empty.
func Keys(s *galvani.Settings) ([]string, error) {
	if s.SecretKey == "" {
		return nil, ErrNoKey
	}
	keys := []string{s.SecretKey}
	for _, k := range s.SecretKeyFallbacks {
		if k != "" {
			keys = append(keys, k)
		}
	}
	return keys, nil
}
