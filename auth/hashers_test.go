package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// cheap keeps the round-trip tests fast; the Django fixtures use Django's real costs.
var cheap = Hashers{
	Argon2Hasher{Time: 1, MemoryKiB: 64, Threads: 1},
	PBKDF2Hasher{Iterations: 1000},
	PBKDF2Hasher{Iterations: 1000, SHA1: true},
	ScryptHasher{N: 16},
	BcryptHasher{Cost: 4, SHA256: true},
	BcryptHasher{Cost: 4},
}

// TestDjangoHashes checks hashes made by Django's own make_password (testdata was
// written by testdata/gen_django_hashes.py with Debian's python3-django).
func TestDjangoHashes(t *testing.T) {
	raw, err := os.ReadFile("testdata/django_hashes.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		DjangoVersion string `json:"django_version"`
		Hashes        []struct{ Password, Hasher, Encoded string }
	}
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatal(err)
	}
	seenWrong := map[string]bool{}
	checked := map[string]bool{}
	for _, h := range fx.Hashes {
		if raceEnabled && (checked[h.Hasher] || strings.Contains(h.Encoded, "$2b$12$")) {
			continue
		}
		checked[h.Hasher] = true
		if !CheckPassword(h.Password, h.Encoded) {
			t.Errorf("Django %s %s hash of %q does not verify: %s", fx.DjangoVersion, h.Hasher, h.Password, h.Encoded)
		}
		if seenWrong[h.Hasher] || strings.Contains(h.Encoded, "$2b$12$") {
			continue
		}
		seenWrong[h.Hasher] = true
		for _, wrong := range []string{h.Password + "x", ""} {
			if CheckPassword(wrong, h.Encoded) {
				t.Errorf("%s hash accepted the wrong password %q", h.Hasher, wrong)
			}
		}
		if !NeedsRehash(h.Encoded) {
			t.Errorf("Django %s hash %s should be upgraded to Galvani's argon2 parameters", h.Hasher, h.Encoded)
		}
	}
	if len(seenWrong) != 5 {
		t.Fatalf("fixtures cover %d hashers, want 5", len(seenWrong))
	}
}

// TestDjangoScrypt checks the scrypt format with a hash computed as Django 4+'s
// ScryptPasswordHasher does (hashlib.scrypt, n=2**14, r=8, p=1, dklen=64).
func TestDjangoScrypt(t *testing.T) {
	const enc = "scrypt$KbZmN2ZLjbVhhJ4eA0wKFb$16384$8$1$Nu+kPn9GZZaaxG9Ly7SA+YO4UsAolh/s3QHQ36DRJrzp0tQQJ5Am8RuuEVdQ35UdcaE40zN1/C9icF7wQP4WVQ=="
	if !CheckPassword("django-scrypt", enc) {
		t.Fatal("scrypt hash does not verify")
	}
	if CheckPassword("django-scrypt!", enc) {
		t.Fatal("scrypt hash accepted a wrong password")
	}
}

func TestRoundTrip(t *testing.T) {
	for i, h := range cheap {
		t.Run(h.Algorithm(), func(t *testing.T) {
			for _, pw := range []string{"s3cret", "", "ünïcödé ✓", strings.Repeat("long", 50), "a$b$c"} {
				enc, err := h.Encode(pw)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(enc, h.Algorithm()+"$") {
					t.Fatalf("encoded %q lacks the algorithm prefix", enc)
				}
				hs := append(Hashers{h}, cheap...)
				if ok, err := hs.Check(pw, enc); !ok || err != nil {
					t.Fatalf("%q does not verify against its own hash: %v", pw, err)
				}
				// Plain bcrypt reads 72 bytes only: that is bcrypt_sha256's reason to exist.
				if ok, _ := hs.Check(pw+"?", enc); ok && !(h.Algorithm() == "bcrypt" && len(pw) >= 72) {
					t.Fatalf("wrong password verified")
				}
				if hs.NeedsRehash(enc) {
					t.Fatalf("a fresh hash should not need rehashing")
				}
				// Under a list preferring another algorithm, it must be upgraded.
				other := cheap[(i+1)%len(cheap)]
				if other.Algorithm() != h.Algorithm() && !(Hashers{other, h}).NeedsRehash(enc) {
					t.Fatalf("hash by %s not upgraded when %s is preferred", h.Algorithm(), other.Algorithm())
				}
			}
		})
	}
}

func TestCostChangeUpgrades(t *testing.T) {
	enc, _ := PBKDF2Hasher{Iterations: 1000}.Encode("pw")
	if !(Hashers{PBKDF2Hasher{Iterations: 2000}}).NeedsRehash(enc) {
		t.Error("pbkdf2 iteration change not detected")
	}
	enc, _ = Argon2Hasher{Time: 1, MemoryKiB: 64, Threads: 1}.Encode("pw")
	if !(Hashers{Argon2Hasher{Time: 2, MemoryKiB: 64, Threads: 1}}).NeedsRehash(enc) {
		t.Error("argon2 time change not detected")
	}
	enc, _ = BcryptHasher{Cost: 4}.Encode("pw")
	if !(Hashers{BcryptHasher{Cost: 5}}).NeedsRehash(enc) {
		t.Error("bcrypt cost change not detected")
	}
}

func TestMalformedAndHostileHashes(t *testing.T) {
	cases := []string{
		"",
		"nodollar",
		"!unusable",
		UnusablePassword(),
		"md5$salt$hash",
		"argon2$argon2id$v=19$m=64,t=1,p=1$c2FsdA",
		"argon2$argon2d$v=19$m=64,t=1,p=1$c2FsdA$aGFzaGhhc2g",
		"argon2$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$aGFzaGhhc2g", // 95 GiB: refused, not attempted
		"argon2$argon2id$v=19$m=64,t=1000000,p=1$c2FsdA$aGFzaGhhc2g",
		"argon2$argon2id$v=19$m=64,t=1,p=0$c2FsdA$aGFzaGhhc2g",
		"argon2$argon2id$v=19$m=64,t=1,p=1$!!!$aGFzaGhhc2g",
		"pbkdf2_sha256$999999999999$salt$aGFzaA==",
		"pbkdf2_sha256$-1$salt$aGFzaA==",
		"pbkdf2_sha256$1000$salt$***",
		"pbkdf2_sha256$1000$salt",
		"scrypt$salt$1048577$8$1$aGFzaA==",
		"scrypt$salt$4194304$64$1$aGFzaA==",
		"bcrypt$$2b$31$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
		"bcrypt$garbage",
		"bcrypt_sha256$",
	}
	for _, enc := range cases {
		if CheckPassword("password", enc) {
			t.Errorf("%q matched", enc)
		}
		if enc != "" && !strings.HasPrefix(enc, "!") && !strings.HasPrefix(enc, "md5") && !strings.HasPrefix(enc, "nodollar") {
			if _, err := DefaultHashers.Check("password", enc); err == nil {
				t.Errorf("%q: no error for a malformed hash", enc)
			}
		}
	}
	if _, err := DefaultHashers.Check("pw", "md5$x$y"); !errors.Is(err, ErrUnknownHasher) {
		t.Errorf("unknown algorithm: got %v", err)
	}
	if UnusablePassword() == UnusablePassword() {
		t.Error("unusable passwords should differ")
	}
}

func TestDefaultIsArgon2id(t *testing.T) {
	fast := DefaultHashers
	DefaultHashers = productionHashers // TestMain swapped in cheap ones for the other tests
	defer func() { DefaultHashers = fast }()
	enc, err := MakePassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "argon2$argon2id$v=19$m=65536,t=3,p=4$") {
		t.Fatalf("default hash %q", enc)
	}
	if !CheckPassword("correct horse", enc) || NeedsRehash(enc) {
		t.Fatal("default hash does not verify or wants a rehash")
	}
}

func FuzzCheckPassword(f *testing.F) {
	for _, s := range []string{"argon2$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaGhhc2g", "pbkdf2_sha256$10$salt$aGFzaA==", "bcrypt$$2b$04$abc", "scrypt$s$16$1$1$aGFzaA==", "$$$$"} {
		f.Add("pw", s)
	}
	f.Fuzz(func(t *testing.T, pw, enc string) {
		cheap.Check(pw, enc) // must not panic or hang; errors are fine
		cheap.NeedsRehash(enc)
	})
}

func ExampleCheckPassword() {
	// A hash taken over from a Django project's auth_user table.
	encoded := "pbkdf2_sha256$260000$05LDeOlZPfjk4yEkIwBaMt$fgglmiWzAEREgIDkEqrTwSb0EO561T5QlEqy2FHRBMk="
	ok := CheckPassword("correct horse battery staple", encoded)
	fmt.Println(ok, NeedsRehash(encoded)) // upgrade to argon2id after login
	// Output: true true
}
