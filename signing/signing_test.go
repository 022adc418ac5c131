package signing

import (
	"bytes"
	"compress/zlib"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
)

func mustSigner(t testing.TB, keys []string, salt string) *Signer {
	t.Helper()
	s, err := NewSigner(keys, salt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The format and key derivation are Django's: these vectors were computed with
// Django's algorithm (salted_hmac with SHA-256, unpadded URL-safe base64).
func TestDjangoVectors(t *testing.T) {
	s := mustSigner(t, []string{"secret"}, "django.core.signing.Signer")
	if got, want := s.Sign("hello"), "hello:FRBs_KKrjaVe9zJEdlQdiuJ2n9jBEsFOL1Capquoa18"; got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
	ts, _ := NewTimestampSigner([]string{"secret"}, "django.core.signing")
	var v struct {
		A int    `json:"a"`
		B string `json:"b"`
	}
	tok := "eyJhIjoxLCJiIjoieCJ9:1aB2:Sa-DsxkreuWU9eA9fB-q1Xly6ysSNwGt2TKN-BZijEA"
	if err := ts.UnsignObject(tok, &v, 0); err != nil {
		t.Fatal(err)
	}
	if v.A != 1 || v.B != "x" {
		t.Fatalf("decoded %+v", v)
	}
}

func TestSignUnsign(t *testing.T) {
	s := mustSigner(t, []string{"k1"}, "test")
	for _, v := range []string{"", "hello", "a:b:c", "ünïcode", strings.Repeat("x", 5000)} {
		got, err := s.Unsign(s.Sign(v))
		if err != nil || got != v {
			t.Fatalf("round trip of %q: %q, %v", v, got, err)
		}
	}
}

func TestUnsignRejects(t *testing.T) {
	s := mustSigner(t, []string{"k1"}, "test")
	good := s.Sign("value")
	sig := good[strings.LastIndexByte(good, ':')+1:]
	other := mustSigner(t, []string{"k1"}, "other-salt").Sign("value")
	otherKey := mustSigner(t, []string{"k2"}, "test").Sign("value")
	cases := map[string]string{
		"empty":              "",
		"no separator":       "value",
		"only separator":     ":",
		"changed value":      "valuf:" + sig,
		"truncated sig":      good[:len(good)-1],
		"extended sig":       good + "A",
		"sig padded":         good + "=",
		"non-base64 sig":     "value:" + strings.Repeat("!", len(sig)),
		"empty sig":          "value:",
		"other salt":         other,
		"other key":          otherKey,
		"sig moved":          sig + ":value",
		"non-canonical tail": "value:" + sig[:len(sig)-1] + flipLastBits(sig[len(sig)-1]),
	}
	for name, in := range cases {
		if _, err := s.Unsign(in); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: Unsign(%q) err = %v, want ErrBadSignature", name, in, err)
		}
	}
}

// flipLastBits returns a base64url character that differs from c only in the bits
// that the last character of a 32-byte encoding does not use.
func flipLastBits(c byte) string {
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alpha, c)
	return string(alpha[i^1])
}

func TestKeyRotation(t *testing.T) {
	old := mustSigner(t, []string{"old"}, "s")
	rotated := mustSigner(t, []string{"new", "old"}, "s")
	retired := mustSigner(t, []string{"new"}, "s")
	tok := old.Sign("v")
	if v, err := rotated.Unsign(tok); err != nil || v != "v" {
		t.Fatalf("fallback key did not verify: %q %v", v, err)
	}
	if _, err := retired.Unsign(tok); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("retired key still verifies: %v", err)
	}
	if rotated.Sign("v") == tok {
		t.Fatal("rotated signer signs with the fallback key")
	}
	if _, err := retired.Unsign(rotated.Sign("v")); err != nil {
		t.Fatal("the first key must sign")
	}
}

func TestNoKey(t *testing.T) {
	for _, keys := range [][]string{nil, {}, {""}, {"a", ""}} {
		if _, err := NewSigner(keys, "s"); !errors.Is(err, ErrNoKey) {
			t.Errorf("NewSigner(%q) err = %v", keys, err)
		}
	}
	if _, err := Keys(&galvani.Settings{}); !errors.Is(err, ErrNoKey) {
		t.Errorf("Keys with empty SecretKey: %v", err)
	}
}

func TestKeysFromSettings(t *testing.T) {
	s := &galvani.Settings{SecretKey: "cur", SecretKeyFallbacks: []string{"a", "", "b"}}
	keys, err := Keys(s)
	if err != nil || strings.Join(keys, ",") != "cur,a,b" {
		t.Fatalf("keys = %q, %v", keys, err)
	}
}

func TestTimestampExpiry(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	ts, _ := NewTimestampSigner([]string{"k"}, "s")
	ts.Now = func() time.Time { return now }
	tok := ts.Sign("v")
	now = now.Add(10 * time.Second)
	if v, err := ts.Unsign(tok, 11*time.Second); err != nil || v != "v" {
		t.Fatalf("fresh value refused: %v", err)
	}
	if v, err := ts.Unsign(tok, 0); err != nil || v != "v" {
		t.Fatalf("no max age: %v", err)
	}
	_, err := ts.Unsign(tok, 5*time.Second)
	if !errors.Is(err, ErrExpired) || !errors.Is(err, ErrBadSignature) {
		t.Fatalf("expired err = %v, want ErrExpired (and ErrBadSignature)", err)
	}
	if !strings.Contains(err.Error(), "10s") {
		t.Errorf("expired error does not say the age: %v", err)
	}
	_, signed, err := ts.UnsignTime(tok)
	if err != nil || !signed.Equal(time.Unix(1_700_000_000, 0)) {
		t.Fatalf("UnsignTime = %v, %v", signed, err)
	}
	// A plain signature over a value without timestamp is not a timestamped value.
	if _, err := ts.Unsign(ts.Signer.Sign("no-ts"), 0); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("value without timestamp: %v", err)
	}
	if _, err := ts.Unsign(ts.Signer.Sign("v:!!"), 0); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("value with bad timestamp: %v", err)
	}
}

func TestBase62(t *testing.T) {
	for _, n := range []int64{0, 1, 61, 62, 1_700_000_000, -5, 1 << 62} {
		got, ok := b62Decode(b62Encode(n))
		if !ok || got != n {
			t.Errorf("b62 round trip %d: %d %v", n, got, ok)
		}
	}
	for _, bad := range []string{"", "-", "a b", "zzzzzzzzzzzz", "zzzzzzzzzzz", "é"} {
		if _, ok := b62Decode(bad); ok {
			t.Errorf("b62Decode(%q) accepted", bad)
		}
	}
}

func TestDumpsLoads(t *testing.T) {
	o := Options{Keys: []string{"k"}}
	type payload struct {
		User  int      `json:"u"`
		Roles []string `json:"r"`
	}
	in := payload{42, []string{"admin", "editor"}}
	tok, err := Dumps(in, o)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(tok, "+/= ") {
		t.Fatalf("token is not URL-safe: %q", tok)
	}
	var out payload
	if err := Loads(tok, &out, o); err != nil || out.User != 42 || len(out.Roles) != 2 {
		t.Fatalf("Loads = %+v, %v", out, err)
	}
	if err := Loads(tok, &out, Options{Keys: []string{"k"}, Salt: "other"}); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("other salt: %v", err)
	}
	if err := Loads(tok, &out, Options{}); !errors.Is(err, ErrNoKey) {
		t.Fatalf("no key: %v", err)
	}
	if _, err := Dumps(make(chan int), o); err == nil {
		t.Fatal("unserialisable value accepted")
	}
}

func TestCompression(t *testing.T) {
	o := Options{Keys: []string{"k"}, Compress: true}
	big := strings.Repeat("abcdefgh", 200)
	tok, err := Dumps(big, o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, ".") || len(tok) > len(big)/4 {
		t.Fatalf("compressible payload not compressed: %d bytes", len(tok))
	}
	var out string
	if err := Loads(tok, &out, o); err != nil || out != big {
		t.Fatalf("compressed round trip: %v", err)
	}
	// An incompressible payload stays plain.
	tok, _ = Dumps("x", o)
	if strings.HasPrefix(tok, ".") {
		t.Fatal("tiny payload compressed")
	}
}

func TestDecompressionBomb(t *testing.T) {
	ts, _ := NewTimestampSigner([]string{"k"}, DefaultSalt)
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	zw.Write([]byte(`"`))
	zw.Write(bytes.Repeat([]byte("a"), MaxPayloadBytes+10))
	zw.Write([]byte(`"`))
	zw.Close()
	tok := ts.Sign("." + b64.EncodeToString(buf.Bytes()))
	var out string
	err := Loads(tok, &out, Options{Keys: []string{"k"}})
	if !errors.Is(err, ErrBadPayload) || !strings.Contains(err.Error(), "exceeds") {
		t.Fatalf("bomb: %v", err)
	}
}

func TestBadPayloads(t *testing.T) {
	ts, _ := NewTimestampSigner([]string{"k"}, DefaultSalt)
	o := Options{Keys: []string{"k"}}
	for name, p := range map[string]string{
		"bad base64":   "!!!",
		"bad json":     b64.EncodeToString([]byte("{nope")),
		"bad zlib":     "." + b64.EncodeToString([]byte("not zlib")),
		"wrong type":   b64.EncodeToString([]byte(`"a string"`)),
		"empty":        "",
		"only the dot": ".",
	} {
		var out map[string]int
		if err := Loads(ts.Sign(p), &out, o); !errors.Is(err, ErrBadPayload) {
			t.Errorf("%s: %v, want ErrBadPayload", name, err)
		}
	}
}

func FuzzUnsign(f *testing.F) {
	s := mustSigner(f, []string{"k", "old"}, "fuzz")
	f.Add(s.Sign("hello"))
	f.Add("")
	f.Add(":")
	f.Add("a:b:c")
	f.Add(s.Sign("") + "x")
	f.Fuzz(func(t *testing.T, in string) {
		v, err := s.Unsign(in)
		if err != nil {
			if !errors.Is(err, ErrBadSignature) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		// Anything that verifies must be exactly what the signing key produces.
		if s.Sign(v) != in {
			t.Fatalf("%q verified but is not Sign(%q)", in, v)
		}
	})
}

func FuzzLoads(f *testing.F) {
	o := Options{Keys: []string{"k"}, Compress: true}
	tok, _ := Dumps(map[string]any{"a": []int{1, 2, 3}, "b": strings.Repeat("z", 100)}, o)
	f.Add(tok)
	tok, _ = Dumps("x", o)
	f.Add(tok)
	f.Add("")
	f.Add(".:0:")
	f.Fuzz(func(t *testing.T, in string) {
		var out any
		err := Loads(in, &out, o)
		if err != nil && !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrBadPayload) {
			t.Fatalf("untyped error %v", err)
		}
	})
}

// FuzzSignedPayload fuzzes the payload decoder behind a valid signature: what a
// holder of the key could send.
func FuzzSignedPayload(f *testing.F) {
	ts, _ := NewTimestampSigner([]string{"k"}, DefaultSalt)
	f.Add(".eJyrVkpUslIqS8xRqgUAFS8Dqw")
	f.Add("eyJhIjoxfQ")
	f.Add(".")
	f.Fuzz(func(t *testing.T, p string) {
		var out any
		err := Loads(ts.Sign(p), &out, Options{Keys: []string{"k"}})
		if err != nil && !errors.Is(err, ErrBadPayload) {
			t.Fatalf("payload %q: %v", p, err)
		}
	})
}

func BenchmarkSign(b *testing.B) {
	s := mustSigner(b, []string{"k"}, "bench")
	b.ReportAllocs()
	for b.Loop() {
		s.Sign("user:42")
	}
}

func BenchmarkUnsign(b *testing.B) {
	s := mustSigner(b, []string{"k"}, "bench")
	tok := s.Sign("user:42")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Unsign(tok); err != nil {
			b.Fatal(err)
		}
	}
}
