// Package storage saves, opens and deletes files by name, behind a small interface
// with a local filesystem backend (FileSystem) and an in-memory one for tests (Memory).
//
// Names given to Save may come from clients (an uploaded file's name): Save never
// uses them as they are. CleanName reduces a name to safe path segments — no "..",
// no absolute paths, no NUL or control characters, Windows separators treated as
// separators — and Save picks a fresh unique name when the cleaned one is taken, so
// an upload never overwrites another file. The name Save returns is the one to keep
// (in the database) and to pass to Open, Delete and URL, which accept only clean
// names.
package storage

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Storage stores files by name.
type Storage interface {
	// Save stores the content of r under a clean, unused name derived from name and
	// returns that name. Directories in name ("avatars/me.png") are kept, cleaned.
	Save(ctx context.Context, name string, r io.Reader) (stored string, err error)
	// Open opens a stored file for reading. A missing file is an error matching
	// fs.ErrNotExist.
	Open(ctx context.Context, name string) (io.ReadCloser, error)
	// Delete removes a stored file. Deleting a missing file is not an error.
	Delete(ctx context.Context, name string) error
	// Exists reports whether a file is stored under name.
	Exists(ctx context.Context, name string) (bool, error)
	// URL returns the address the file is served at.
	URL(name string) (string, error)
}

// ErrInvalidName is returned by Open, Delete, Exists and URL for a name that is not
// clean (see CleanName): such a name was never returned by Save, so it is refused
// rather than interpreted.
var ErrInvalidName = errors.New("storage: invalid file name")

// maxSegment bounds the bytes of one path segment (file systems allow 255).
const maxSegment = 120

// CleanName reduces a client-supplied name to a safe relative path of forward-slash
// separated segments:
//   - backslashes count as separators, as on Windows;
//   - empty, "." and ".." segments are dropped, so the result never leaves the root;
//   - in each segment, whitespace becomes "_", and only letters, digits, '-', '_'
//     and '.' are kept (NUL, control characters and `<>:"|?*` are removed);
//   - leading dots are removed (no hidden files such as ".htaccess"), as are trailing
//     dots and spaces (which Windows ignores);
//   - long segments are shortened, keeping the extension.
//
// A name with nothing left becomes "file". The result is never absolute.
func CleanName(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = strings.ReplaceAll(name, "\\", "/")
	var segs []string
	for _, seg := range strings.Split(name, "/") {
		if s := cleanSegment(seg); s != "" {
			segs = append(segs, s)
		}
	}
	if len(segs) == 0 {
		return "file"
	}
	return strings.Join(segs, "/")
}

func cleanSegment(seg string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(seg) {
		switch {
		case unicode.IsSpace(r):
			b.WriteByte('_')
		case r == '-' || r == '_' || r == '.':
			b.WriteRune(r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	s := strings.Trim(b.String(), ".")
	if s == "" {
		return ""
	}
	if len(s) > maxSegment {
		ext := path.Ext(s)
		if len(ext) > 20 {
			ext = ""
		}
		s = strings.Trim(truncateUTF8(strings.TrimSuffix(s, ext), maxSegment-len(ext))+ext, ".")
	}
	return s
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// ValidName reports whether name is clean: CleanName leaves it as it is.
func ValidName(name string) bool {
	return name != "" && CleanName(name) == name
}

func checkName(name string) error {
	if !ValidName(name) {
		return fmt.Errorf("%w: %q", ErrInvalidName, name)
	}
	return nil
}

// alternative returns name with a random suffix before its extension:
// "a/b.txt" → "a/b_k3x9q2m.txt".
func alternative(name string) string {
	dir, file := path.Split(name)
	ext := path.Ext(file)
	if ext == file { // ".txt" cannot happen after cleaning, but be safe
		ext = ""
	}
	base := strings.TrimSuffix(file, ext)
	base = truncateUTF8(base, maxSegment-len(ext)-8)
	return dir + base + "_" + randomSuffix() + ext
}

func randomSuffix() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b [7]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}
