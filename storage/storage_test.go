package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCleanName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"photo.jpg", "photo.jpg"},
		{"../../etc/passwd", "etc/passwd"},
		{"/etc/passwd", "etc/passwd"},
		{`..\..\windows\system32\cmd.exe`, "windows/system32/cmd.exe"},
		{`C:\Users\me\photo.jpg`, "C/Users/me/photo.jpg"},
		{"evil\x00.php.jpg", "evil.php.jpg"},
		{"a\x01b\nc.txt", "ab_c.txt"},
		{".htaccess", "htaccess"},
		{"my holiday photo.png", "my_holiday_photo.png"},
		{"trailing. . .", "trailing._._"},
		{`what<>:"|?*.txt`, "what.txt"},
		{"..", "file"},
		{"", "file"},
		{"/", "file"},
		{"\x00", "file"},
		{"naïve café.txt", "naïve_café.txt"},
		{"a//b/./c", "a/b/c"},
		{"\xff\xfe.txt", "txt"},
	}
	for _, tt := range tests {
		got := CleanName(tt.in)
		if got != tt.want {
			t.Errorf("CleanName(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if !ValidName(got) {
			t.Errorf("CleanName(%q) = %q is not ValidName", tt.in, got)
		}
	}
}

func TestCleanNameLong(t *testing.T) {
	got := CleanName(strings.Repeat("é", 300) + ".tar.gz")
	if len(got) > maxSegment || !strings.HasSuffix(got, ".gz") || !ValidName(got) {
		t.Fatalf("long name cleaned to %q (%d bytes)", got, len(got))
	}
}

// The attack table: hostile client names are stored inside the root, never over
// another file, never as hidden files.
func TestSaveHostileNames(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	media := filepath.Join(dir, "media")
	secret := filepath.Join(dir, "secret.txt")
	os.WriteFile(secret, []byte("secret"), 0o600)
	s := NewFileSystem(media, "/media/")
	names := []string{
		"../secret.txt",
		"../../secret.txt",
		secret, // absolute
		`..\secret.txt`,
		"secret.txt\x00.jpg",
		"....//....//secret.txt",
		".htaccess",
		"/",
		"",
	}
	for _, n := range names {
		stored, err := s.Save(ctx, n, strings.NewReader("pwned"))
		if err != nil {
			t.Fatalf("Save(%q): %v", n, err)
		}
		if !ValidName(stored) || strings.Contains(stored, "..") || strings.HasPrefix(stored, "/") || strings.HasPrefix(filepath.Base(stored), ".") {
			t.Errorf("Save(%q) stored as unsafe %q", n, stored)
		}
		full := filepath.Join(media, filepath.FromSlash(stored))
		if rel, err := filepath.Rel(media, full); err != nil || strings.HasPrefix(rel, "..") {
			t.Errorf("Save(%q) wrote outside the root: %q", n, full)
		}
	}
	if b, _ := os.ReadFile(secret); string(b) != "secret" {
		t.Fatalf("file outside the root was changed: %q", b)
	}
}

// A symbolic link planted inside the root must not lead a save outside it.
func TestSymlinkEscapeRefused(t *testing.T) {
	dir := t.TempDir()
	media := filepath.Join(dir, "media")
	outside := filepath.Join(dir, "outside")
	os.MkdirAll(media, 0o755)
	os.MkdirAll(outside, 0o755)
	if err := os.Symlink(outside, filepath.Join(media, "link")); err != nil {
		t.Skip("symlinks unavailable:", err)
	}
	s := NewFileSystem(media, "")
	if _, err := s.Save(context.Background(), "link/x.txt", strings.NewReader("x")); err == nil {
		t.Error("Save through a symlink leaving the root succeeded")
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("file written outside the root: %v", entries)
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n > 0 {
		f.n--
		return copy(p, "data"), nil
	}
	return 0, errors.New("connection reset")
}

func TestSaveFailureRemovesPartialFile(t *testing.T) {
	media := t.TempDir()
	s := NewFileSystem(media, "")
	if _, err := s.Save(context.Background(), "a.txt", &failingReader{n: 3}); err == nil {
		t.Fatal("Save succeeded with a failing reader")
	}
	if entries, _ := os.ReadDir(media); len(entries) != 0 {
		t.Errorf("partial file left behind: %v", entries)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Save(ctx, "b.txt", strings.NewReader("x")); !errors.Is(err, context.Canceled) {
		t.Errorf("Save with cancelled context: %v", err)
	}
}

func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"../../a", `..\b`, "/abs", "a\x00b", ".x", "ok.txt", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		c := CleanName(name)
		if !ValidName(c) || strings.Contains(c, "\x00") || strings.Contains(c, `\`) || strings.HasPrefix(c, "/") {
			t.Fatalf("CleanName(%q) = %q is unsafe", name, c)
		}
		for _, seg := range strings.Split(c, "/") {
			if seg == "" || seg == "." || seg == ".." || strings.HasPrefix(seg, ".") {
				t.Fatalf("CleanName(%q) = %q has segment %q", name, c, seg)
			}
		}
	})
}

func ExampleFileSystem() {
	dir, _ := os.MkdirTemp("", "media")
	defer os.RemoveAll(dir)
	s := NewFileSystem(dir, "/media/")
	name, err := s.Save(context.Background(), "../../etc/passwd", strings.NewReader("data"))
	if err != nil {
		panic(err)
	}
	u, _ := s.URL(name)
	fmt.Println(name, u)
	// Output: etc/passwd /media/etc/passwd
}
