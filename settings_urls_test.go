package galvani

import (
	"errors"
	"strings"
	"testing"
)

func TestCacheURLEnv(t *testing.T) {
	var s Settings
	err := s.ApplyEnv([]string{"CACHE_URL=redis://:pw@cache:6379/0?timeout=60", "CACHE_URL_SESSIONS=redis://cache/1",
		"GALVANI_CACHE_URL_LOCAL=locmem://", "CACHE_URL_LOCAL=dummy://"})
	if err != nil {
		t.Fatal(err)
	}
	if s.CacheURL != "redis://:pw@cache:6379/0?timeout=60" || s.Caches["sessions"] != "redis://cache/1" || s.Caches["local"] != "locmem://" {
		t.Fatalf("%q %q", s.CacheURL, s.Caches)
	}
	if u, ok := s.Cache("default"); !ok || u != s.CacheURL {
		t.Errorf("Cache(default) = %q %v", u, ok)
	}
	d := s.withDefaults()
	if d.Caches["default"] != s.CacheURL {
		t.Errorf("Caches[default] = %q", d.Caches["default"])
	}
	if d := (Settings{}).withDefaults(); d.CacheURL != DefaultCacheURL || d.Caches["default"] != DefaultCacheURL {
		t.Errorf("defaults: %q %q", d.CacheURL, d.Caches)
	}
	if d := (Settings{Caches: map[string]string{"default": "dummy://"}}).withDefaults(); d.CacheURL != "dummy://" {
		t.Errorf("Caches[default] alone: %q", d.CacheURL)
	}
	for _, tc := range []struct{ env, want string }{
		{"CACHE_URL=", "empty"},
		{"CACHE_URL=localhost:6379", "scheme://"},
		{"CACHE_URL=redis://:secret@h/%zz", "scheme://"},
		{"CACHE_URL_BAD-NAME=locmem://", "letters, digits"},
		{"CACHE_URL_X=nothing", "scheme://"},
	} {
		var s Settings
		err := s.ApplyEnv([]string{tc.env})
		var ee *EnvError
		if !errors.As(err, &ee) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.env, err)
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: the password shows: %v", tc.env, err)
		}
	}
	var c Settings
	if err := c.ApplyEnv([]string{"CACHE_URL=locmem://", "CACHE_URL_DEFAULT=dummy://"}); err == nil || !strings.Contains(err.Error(), "conflicts") {
		t.Errorf("conflicting default: %v", err)
	}
}

func TestMailEnv(t *testing.T) {
	var s Settings
	err := s.ApplyEnv([]string{"EMAIL_URL=smtps://u:pw@mail:465", "DEFAULT_FROM_EMAIL=Site <site@example.com>",
		"SERVER_EMAIL=errors@example.com", `ADMINS="Ops, Team" <ops@example.com>, dev@example.com`})
	if err != nil {
		t.Fatal(err)
	}
	if s.EmailURL != "smtps://u:pw@mail:465" || s.DefaultFromEmail != "Site <site@example.com>" || s.ServerEmail != "errors@example.com" ||
		len(s.Admins) != 2 || s.Admins[0] != `"Ops, Team" <ops@example.com>` || s.Admins[1] != "<dev@example.com>" {
		t.Fatalf("%q %q %q %q", s.EmailURL, s.DefaultFromEmail, s.ServerEmail, s.Admins)
	}
	if d := (Settings{}).withDefaults(); d.EmailURL != DefaultEmailURL || d.DefaultFromEmail != DefaultFromEmail || d.ServerEmail != DefaultServerEmail {
		t.Errorf("defaults: %q %q %q", d.EmailURL, d.DefaultFromEmail, d.ServerEmail)
	}
	for _, env := range []string{"EMAIL_URL=mail.example.com", "DEFAULT_FROM_EMAIL=nobody", "SERVER_EMAIL=a@b.c\r\nBcc: x@y.z", "ADMINS=a@b.c, not an address"} {
		var s Settings
		if err := s.ApplyEnv([]string{env}); err == nil {
			t.Errorf("%q accepted", env)
		}
	}
}
