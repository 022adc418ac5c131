package storage

import (
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOpen(t *testing.T) {
	abs := t.TempDir()
	good := []struct {
		raw     string
		check   func(Storage) bool
		wantURL string // URL("a.txt")
	}{
		{"file://" + filepath.ToSlash(abs) + "?base_url=/media/",
			func(s Storage) bool { return s.(*FileSystem).Dir == abs }, "/media/a.txt"},
		{"file:///./var/media",
			func(s Storage) bool { return s.(*FileSystem).Dir == filepath.FromSlash("var/media") }, "a.txt"},
		{"memory://?base_url=https://cdn.example.com/m",
			func(s Storage) bool { _, ok := s.(*Memory); return ok }, "https://cdn.example.com/m/a.txt"},
		{"memory://", func(s Storage) bool { _, ok := s.(*Memory); return ok }, "a.txt"},
	}
	for _, c := range good {
		s, err := Open(context.Background(), c.raw)
		if err != nil {
			t.Errorf("Open(%q): %v", c.raw, err)
			continue
		}
		if !c.check(s) {
			t.Errorf("Open(%q) = %#v", c.raw, s)
		}
		if u, err := s.URL("a.txt"); u != c.wantURL || err != nil {
			t.Errorf("Open(%q).URL = %q, %v; want %q", c.raw, u, err, c.wantURL)
		}
	}
	bad := []struct{ raw, want string }{
		{"", "not a storage URL"},
		{"/var/media", "not a storage URL"},
		{"file://host/dir", "names no host"},
		{"file:///", "file:///absolute/dir"},
		{"file://", "file:///absolute/dir"},
		{"file:///./", "names no directory"},
		{"file:///tmp/x?colour=blue", "unknown option colour"},
		{"file:///tmp/x?base_url=a&base_url=b", "given 2 times"},
		{"memory://host", "no host or path"},
		{"memory://?x=%zz", "bad query"},
		{"s3://bucket", `import _ "github.com/galvani-web/galvani/storage/s3"`},
		{"ftp://user:hunter2@host/dir", "unknown scheme"},
	}
	for _, c := range bad {
		_, err := Open(context.Background(), c.raw)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Open(%q): %v, want an error containing %q", c.raw, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Open(%q): the error shows the password: %v", c.raw, err)
		}
	}
}

func TestRegisterScheme(t *testing.T) {
	RegisterScheme("test-null", func(_ context.Context, u *url.URL) (Storage, error) { return &Memory{BaseURL: u.Host}, nil })
	s, err := Open(context.Background(), "test-null://x")
	if err != nil || s.(*Memory).BaseURL != "x" {
		t.Errorf("a registered scheme: %v, %v", s, err)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering a scheme twice did not panic")
		}
	}()
	RegisterScheme("file", nil)
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"s3://AKID:secret@bucket/p?region=x": "s3://***@bucket/p?region=x",
		"s3://bucket":                        "s3://bucket",
		"s3://AKID:se%zzcret@bucket":         "s3://***@bucket",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckExpiry(t *testing.T) {
	for d, ok := range map[time.Duration]bool{
		0: false, -time.Second: false, time.Millisecond: false, time.Second: true,
		time.Hour: true, MaxPresignExpiry: true, MaxPresignExpiry + time.Second: false,
	} {
		if err := CheckExpiry(d); (err == nil) != ok || (err != nil && !errors.Is(err, ErrExpiry)) {
			t.Errorf("CheckExpiry(%v) = %v", d, err)
		}
	}
}
