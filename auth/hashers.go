package auth

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/scrypt"
)

// A PasswordHasher turns passwords into encoded hashes in Django's format
// ("algorithm$..."), checks passwords against them and says when a hash was made with
// parameters other than its current ones.
type PasswordHasher interface {
	// Algorithm is the prefix of the encoded form: "argon2", "pbkdf2_sha256", ...
	Algorithm() string
	// Encode hashes password with a fresh random salt.
	Encode(password string) (string, error)
	// Verify reports whether password matches encoded. A malformed encoded value is
	// an error, never a match.
	Verify(password, encoded string) (bool, error)
	// MustUpdate reports whether encoded was made with weaker or different
	// parameters than the hasher's current ones.
	MustUpdate(encoded string) bool
}

// ErrUnknownHasher is returned for an encoded password whose algorithm no configured
// hasher knows.
var ErrUnknownHasher = errors.New("auth: unknown password hash algorithm")

// ErrMalformedHash is returned for an encoded password that does not parse.
var ErrMalformedHash = errors.New("auth: malformed password hash")

// UnusablePasswordPrefix starts an encoded password that never matches
// (Django's set_unusable_password).
const UnusablePasswordPrefix = "!"

// Hashers is an ordered list of password hashers: the first makes new hashes, all of
// them verify. It is Django's PASSWORD_HASHERS.
type Hashers []PasswordHasher

// DefaultHashers is the list MakePassword and CheckPassword use: Argon2id first, then
// PBKDF2-SHA256, PBKDF2-SHA1, scrypt, bcrypt-SHA256 and bcrypt, so hashes moved over
// from a Django project verify and are upgraded to Argon2id at the next login.
var DefaultHashers = Hashers{
	Argon2Hasher{},
	PBKDF2Hasher{},
	PBKDF2Hasher{SHA1: true},
	ScryptHasher{},
	BcryptHasher{SHA256: true},
	BcryptHasher{},
}

// MakePassword hashes password with the first of DefaultHashers.
func MakePassword(password string) (string, error) { return DefaultHashers.Make(password) }

// CheckPassword reports whether password matches the encoded hash, made by Galvani or
// by Django. Unusable and malformed hashes never match.
func CheckPassword(password, encoded string) bool {
	ok, _ := DefaultHashers.Check(password, encoded)
	return ok
}

// NeedsRehash reports whether encoded should be replaced by a fresh MakePassword
// after a successful check: its algorithm is not the preferred one, or its cost
// parameters differ from the current ones.
func NeedsRehash(encoded string) bool { return DefaultHashers.NeedsRehash(encoded) }

// IsUsable reports whether encoded can ever match a password.
func IsUsable(encoded string) bool {
	return encoded != "" && !strings.HasPrefix(encoded, UnusablePasswordPrefix)
}

// UnusablePassword returns an encoded value that never matches, with random
// characters so that two such values differ, like Django's make_password(None).
func UnusablePassword() string { return UnusablePasswordPrefix + randomString(40) }

// Make hashes password with the first hasher.
func (hs Hashers) Make(password string) (string, error) {
	if len(hs) == 0 {
		return "", errors.New("auth: no password hashers configured")
	}
	return hs[0].Encode(password)
}

// Check verifies password against encoded with the hasher named by its prefix. The
// bool is false for unusable, malformed or unknown hashes, which are also reported
// by the error.
func (hs Hashers) Check(password, encoded string) (bool, error) {
	if !IsUsable(encoded) {
		return false, nil
	}
	h, err := hs.For(encoded)
	if err != nil {
		// Spend the time a real check would, so unknown formats don't stand out.
		hs.dummyCheck(password)
		return false, err
	}
	return h.Verify(password, encoded)
}

// NeedsRehash reports whether encoded was made by another hasher than the first, or
// with other parameters.
func (hs Hashers) NeedsRehash(encoded string) bool {
	if !IsUsable(encoded) || len(hs) == 0 {
		return false
	}
	h, err := hs.For(encoded)
	if err != nil {
		return true
	}
	return h.Algorithm() != hs[0].Algorithm() || h.MustUpdate(encoded)
}

// For returns the hasher for encoded's algorithm.
func (hs Hashers) For(encoded string) (PasswordHasher, error) {
	alg, _, ok := strings.Cut(encoded, "$")
	if !ok {
		return nil, ErrMalformedHash
	}
	for _, h := range hs {
		if h.Algorithm() == alg {
			return h, nil
		}
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownHasher, alg)
}

var dummyOnce sync.Map // first hasher's algorithm -> encoded dummy hash

// dummyCheck runs the preferred hasher once, so that a login for an unknown user
// costs the same time as one with a wrong password.
func (hs Hashers) dummyCheck(password string) {
	if len(hs) == 0 {
		return
	}
	key := hs[0].Algorithm()
	v, ok := dummyOnce.Load(key)
	if !ok {
		enc, err := hs[0].Encode("galvani-dummy-password")
		if err != nil {
			return
		}
		v, _ = dummyOnce.LoadOrStore(key, enc)
	}
	hs[0].Verify(password, v.(string))
}

// RunDummyCheck spends the time of one password check with the preferred hasher.
// Authentication backends call it when the user does not exist.
func RunDummyCheck(password string) { DefaultHashers.dummyCheck(password) }

const saltChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// randomString returns n characters from [a-zA-Z0-9] (Django's salt alphabet).
func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	for i := range b {
		b[i] = saltChars[int(b[i])%len(saltChars)]
	}
	return string(b)
}

// Argon2Hasher hashes with Argon2id (RFC 9106) in Django's encoded format
// "argon2$argon2id$v=19$m=65536,t=3,p=4$salt$hash". It verifies Django's argon2id and
// argon2i hashes. Zero fields take the defaults: 64 MiB, 3 passes, 4 lanes (RFC 9106's
// second recommended option).
type Argon2Hasher struct {
	Time, MemoryKiB uint32
	Threads         uint8
}

func (h Argon2Hasher) params() (t, m uint32, p uint8) {
	t, m, p = h.Time, h.MemoryKiB, h.Threads
	if t == 0 {
		t = 3
	}
	if m == 0 {
		m = 64 * 1024
	}
	if p == 0 {
		p = 4
	}
	return
}

// Algorithm implements PasswordHasher.
func (Argon2Hasher) Algorithm() string { return "argon2" }

var b64 = base64.RawStdEncoding

// Encode implements PasswordHasher.
func (h Argon2Hasher) Encode(password string) (string, error) {
	t, m, p := h.params()
	salt := randomString(22)
	key := argon2.IDKey([]byte(password), []byte(salt), t, m, p, 32)
	return fmt.Sprintf("argon2$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", m, t, p, b64.EncodeToString([]byte(salt)), b64.EncodeToString(key)), nil
}

type argon2Parts struct {
	variant    string
	t, m       uint32
	p          uint8
	salt, hash []byte
}

func parseArgon2(encoded string) (argon2Parts, error) {
	var a argon2Parts
	parts := strings.Split(encoded, "$")
	// argon2 $ variant $ v=19 $ m=..,t=..,p=.. $ salt $ hash
	if len(parts) != 6 || parts[0] != "argon2" || parts[2] != "v=19" {
		return a, ErrMalformedHash
	}
	a.variant = parts[1]
	if a.variant != "argon2id" && a.variant != "argon2i" {
		return a, fmt.Errorf("%w: argon2 variant %q is not supported", ErrMalformedHash, a.variant)
	}
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil || n == 0 {
			return a, ErrMalformedHash
		}
		switch k {
		case "m":
			a.m = uint32(n)
		case "t":
			a.t = uint32(n)
		case "p":
			if n > 255 {
				return a, ErrMalformedHash
			}
			a.p = uint8(n)
		default:
			return a, ErrMalformedHash
		}
	}
	// Bound the work a stored (or hostile) hash can demand: 1 GiB, 64 passes.
	if a.m == 0 || a.t == 0 || a.p == 0 || a.m > 1<<20 || a.t > 64 {
		return a, fmt.Errorf("%w: argon2 parameters out of range", ErrMalformedHash)
	}
	var err1, err2 error
	a.salt, err1 = b64.DecodeString(parts[4])
	a.hash, err2 = b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(a.hash) < 8 || len(a.hash) > 256 {
		return a, ErrMalformedHash
	}
	return a, nil
}

// Verify implements PasswordHasher.
func (h Argon2Hasher) Verify(password, encoded string) (bool, error) {
	a, err := parseArgon2(encoded)
	if err != nil {
		return false, err
	}
	var key []byte
	if a.variant == "argon2id" {
		key = argon2.IDKey([]byte(password), a.salt, a.t, a.m, a.p, uint32(len(a.hash)))
	} else {
		key = argon2.Key([]byte(password), a.salt, a.t, a.m, a.p, uint32(len(a.hash)))
	}
	return subtle.ConstantTimeCompare(key, a.hash) == 1, nil
}

// MustUpdate implements PasswordHasher.
func (h Argon2Hasher) MustUpdate(encoded string) bool {
	a, err := parseArgon2(encoded)
	if err != nil {
		return true
	}
	t, m, p := h.params()
	return a.variant != "argon2id" || a.t != t || a.m != m || a.p != p
}

// PBKDF2Hasher hashes with PBKDF2-HMAC-SHA256 ("pbkdf2_sha256$iterations$salt$hash"),
// or SHA-1 when SHA1 is set ("pbkdf2_sha1", for verifying old Django hashes).
// Iterations defaults to 1,000,000 (Django 5.2's value).
type PBKDF2Hasher struct {
	Iterations int
	SHA1       bool
}

func (h PBKDF2Hasher) iterations() int {
	if h.Iterations > 0 {
		return h.Iterations
	}
	return 1_000_000
}

// Algorithm implements PasswordHasher.
func (h PBKDF2Hasher) Algorithm() string {
	if h.SHA1 {
		return "pbkdf2_sha1"
	}
	return "pbkdf2_sha256"
}

func (h PBKDF2Hasher) digest() (func() hash.Hash, int) {
	if h.SHA1 {
		return sha1.New, sha1.Size
	}
	return sha256.New, sha256.Size
}

func (h PBKDF2Hasher) derive(password, salt string, iter int) ([]byte, error) {
	fn, size := h.digest()
	return pbkdf2.Key(fn, password, []byte(salt), iter, size)
}

// Encode implements PasswordHasher.
func (h PBKDF2Hasher) Encode(password string) (string, error) {
	salt := randomString(22)
	key, err := h.derive(password, salt, h.iterations())
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s$%d$%s$%s", h.Algorithm(), h.iterations(), salt, base64.StdEncoding.EncodeToString(key)), nil
}

func (h PBKDF2Hasher) parse(encoded string) (iter int, salt string, sum []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 4 || parts[0] != h.Algorithm() || strings.Contains(parts[2], "$") {
		return 0, "", nil, ErrMalformedHash
	}
	iter, err = strconv.Atoi(parts[1])
	// Bound the work: at most 100 million iterations.
	if err != nil || iter < 1 || iter > 100_000_000 {
		return 0, "", nil, fmt.Errorf("%w: pbkdf2 iterations out of range", ErrMalformedHash)
	}
	sum, err = base64.StdEncoding.DecodeString(parts[3])
	if err != nil || len(sum) == 0 {
		return 0, "", nil, ErrMalformedHash
	}
	return iter, parts[2], sum, nil
}

// Verify implements PasswordHasher.
func (h PBKDF2Hasher) Verify(password, encoded string) (bool, error) {
	iter, salt, sum, err := h.parse(encoded)
	if err != nil {
		return false, err
	}
	key, err := h.derive(password, salt, iter)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(key, sum) == 1, nil
}

// MustUpdate implements PasswordHasher.
func (h PBKDF2Hasher) MustUpdate(encoded string) bool {
	iter, _, _, err := h.parse(encoded)
	return err != nil || iter != h.iterations()
}

// ScryptHasher hashes with scrypt in Django's format "scrypt$salt$N$r$p$hash".
// Zero fields take Django's defaults: N=2^14, r=8, p=1.
type ScryptHasher struct {
	N, R, P int
}

func (h ScryptHasher) params() (n, r, p int) {
	n, r, p = h.N, h.R, h.P
	if n == 0 {
		n = 1 << 14
	}
	if r == 0 {
		r = 8
	}
	if p == 0 {
		p = 1
	}
	return
}

// Algorithm implements PasswordHasher.
func (ScryptHasher) Algorithm() string { return "scrypt" }

// Encode implements PasswordHasher.
func (h ScryptHasher) Encode(password string) (string, error) {
	n, r, p := h.params()
	salt := randomString(22)
	key, err := scrypt.Key([]byte(password), []byte(salt), n, r, p, 64)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("scrypt$%s$%d$%d$%d$%s", salt, n, r, p, base64.StdEncoding.EncodeToString(key)), nil
}

func (h ScryptHasher) parse(encoded string) (salt string, n, r, p int, sum []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "scrypt" {
		return "", 0, 0, 0, nil, ErrMalformedHash
	}
	n, e1 := strconv.Atoi(parts[2])
	r, e2 := strconv.Atoi(parts[3])
	p, e3 := strconv.Atoi(parts[4])
	// Bound memory (128*N*r bytes) to 1 GiB and the parallel work.
	if e1 != nil || e2 != nil || e3 != nil || n < 2 || n&(n-1) != 0 || r < 1 || p < 1 || p > 16 || 128*int64(n)*int64(r) > 1<<30 {
		return "", 0, 0, 0, nil, fmt.Errorf("%w: scrypt parameters out of range", ErrMalformedHash)
	}
	sum, err = base64.StdEncoding.DecodeString(parts[5])
	if err != nil || len(sum) == 0 || len(sum) > 256 {
		return "", 0, 0, 0, nil, ErrMalformedHash
	}
	return parts[1], n, r, p, sum, nil
}

// Verify implements PasswordHasher.
func (h ScryptHasher) Verify(password, encoded string) (bool, error) {
	salt, n, r, p, sum, err := h.parse(encoded)
	if err != nil {
		return false, err
	}
	key, err := scrypt.Key([]byte(password), []byte(salt), n, r, p, len(sum))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(key, sum) == 1, nil
}

// MustUpdate implements PasswordHasher.
func (h ScryptHasher) MustUpdate(encoded string) bool {
	_, n, r, p, _, err := h.parse(encoded)
	wn, wr, wp := h.params()
	return err != nil || n != wn || r != wr || p != wp
}

// BcryptHasher hashes with bcrypt in Django's format "bcrypt$$2b$12$...", or, with
// SHA256 set, "bcrypt_sha256$$2b$12$..." where the password is first reduced to its
// SHA-256 hex digest (so passwords longer than bcrypt's 72 bytes count in full).
// Cost defaults to 12, Django's value.
type BcryptHasher struct {
	Cost   int
	SHA256 bool
}

// Algorithm implements PasswordHasher.
func (h BcryptHasher) Algorithm() string {
	if h.SHA256 {
		return "bcrypt_sha256"
	}
	return "bcrypt"
}

func (h BcryptHasher) cost() int {
	if h.Cost > 0 {
		return h.Cost
	}
	return 12
}

func (h BcryptHasher) prepare(password string) []byte {
	if h.SHA256 {
		sum := sha256.Sum256([]byte(password))
		return []byte(hex.EncodeToString(sum[:]))
	}
	p := []byte(password)
	if len(p) > 72 { // bcrypt reads 72 bytes; Django's bcrypt library truncated silently
		p = p[:72]
	}
	return p
}

// Encode implements PasswordHasher.
func (h BcryptHasher) Encode(password string) (string, error) {
	b, err := bcrypt.GenerateFromPassword(h.prepare(password), h.cost())
	if err != nil {
		return "", err
	}
	return h.Algorithm() + "$" + string(b), nil
}

// Verify implements PasswordHasher.
func (h BcryptHasher) Verify(password, encoded string) (bool, error) {
	data, ok := strings.CutPrefix(encoded, h.Algorithm()+"$")
	if !ok {
		return false, ErrMalformedHash
	}
	cost, err := bcrypt.Cost([]byte(data))
	if err != nil || cost > 16 {
		return false, fmt.Errorf("%w: %v", ErrMalformedHash, err)
	}
	err = bcrypt.CompareHashAndPassword([]byte(data), h.prepare(password))
	if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
		return false, nil
	}
	return err == nil, err
}

// MustUpdate implements PasswordHasher.
func (h BcryptHasher) MustUpdate(encoded string) bool {
	data, ok := strings.CutPrefix(encoded, h.Algorithm()+"$")
	if !ok {
		return true
	}
	cost, err := bcrypt.Cost([]byte(data))
	return err != nil || cost != h.cost()
}
