package galvani

import (
	"errors"
	"net/mail"
	"net/url"
	"sort"
	"strings"
)

// This file holds the settings that name a backend by URL for a battery the core
// does not import (the cache battery's CACHE_URL, the mail battery's EMAIL_URL) and
// the mail addresses. The core only checks that such a
// URL has a scheme; the battery that reads it validates the rest.

// Cache returns the URL of the cache called name ("default" is CacheURL) and
// whether there is one.
func (s *Settings) Cache(name string) (string, bool) {
	if name == "default" && s.CacheURL != "" {
		return s.CacheURL, true
	}
	u, ok := s.Caches[name]
	return u, ok && u != ""
}

// applyCacheEnv applies CACHE_URL and CACHE_URL_<NAME>.
func (s *Settings) applyCacheEnv() []error {
	var errs []error
	bad := func(name, v, why string) {
		errs = append(errs, &EnvError{Var: name, Value: v, Reason: why})
	}
	if name, v, ok := s.lookupEnv("CACHE_URL"); ok {
		if err := checkBackendURL(v); err != nil {
			bad(name, redactURL(v), err.Error())
		} else {
			s.CacheURL = v
			if _, ok := s.Caches["default"]; ok {
				s.Caches["default"] = v
			}
		}
	}
	for _, name := range s.namedVars("CACHE_URL_") {
		v := s.env[name]
		c := strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(name, EnvPrefix), "CACHE_URL_"))
		if !validDatabaseName(c) {
			bad(name, "", "the cache name after CACHE_URL_ must be letters, digits and _")
			continue
		}
		if err := checkBackendURL(v); err != nil {
			bad(name, redactURL(v), err.Error())
			continue
		}
		if c == "default" {
			if dn, dv, ok := s.lookupEnv("CACHE_URL"); ok && dv != v {
				bad(name, redactURL(v), "conflicts with "+dn+"; set only one of them")
				continue
			}
			s.CacheURL = v
		}
		if s.Caches == nil {
			s.Caches = map[string]string{}
		}
		s.Caches[c] = v
	}
	return errs
}

// namedVars returns the variables starting with prefix (or GALVANI_ + prefix), sorted,
// with a GALVANI_ variable replacing its plain twin.
func (s *Settings) namedVars(prefix string) []string {
	var out []string
	for k := range s.env {
		switch {
		case strings.HasPrefix(k, EnvPrefix+prefix):
			out = append(out, k)
		case strings.HasPrefix(k, prefix):
			if _, twin := s.env[EnvPrefix+k]; !twin {
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// withDefaultURL returns the default URL and the named map with "default" filled in
// both ways, as withDefaults does for databases.
func withDefaultURL(def string, named map[string]string, fallback string) (string, map[string]string) {
	if def == "" {
		if u := named["default"]; u != "" {
			def = u
		} else {
			def = fallback
		}
	}
	out := make(map[string]string, len(named)+1)
	for k, v := range named {
		out[k] = v
	}
	if _, ok := out["default"]; !ok {
		out["default"] = def
	}
	return def, out
}

// checkBackendURL accepts scheme://... URLs; which schemes work is up to the battery.
func checkBackendURL(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("is empty")
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" || !strings.Contains(v, "://") {
		return errors.New("is not a URL of the form scheme://... (locmem://, redis://host:6379/0, memcached://host:11211, db://table)")
	}
	return nil
}

// applyMailEnv applies EMAIL_URL, DEFAULT_FROM_EMAIL, SERVER_EMAIL and ADMINS.
func (s *Settings) applyMailEnv() []error {
	var errs []error
	bad := func(name, v, why string) {
		errs = append(errs, &EnvError{Var: name, Value: v, Reason: why})
	}
	if name, v, ok := s.lookupEnv("EMAIL_URL"); ok {
		if err := checkEmailURL(v); err != nil {
			bad(name, redactURL(v), err.Error())
		} else {
			s.EmailURL = v
		}
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"DEFAULT_FROM_EMAIL", &s.DefaultFromEmail}, {"SERVER_EMAIL", &s.ServerEmail}} {
		if name, v, ok := s.lookupEnv(f.name); ok {
			if _, err := mail.ParseAddress(v); err != nil || strings.ContainsAny(v, "\r\n") {
				bad(name, v, "is not an e-mail address (ada@example.com or Ada <ada@example.com>)")
			} else {
				*f.dst = v
			}
		}
	}
	if name, v, ok := s.lookupEnv("ADMINS"); ok {
		if strings.TrimSpace(v) == "" {
			s.Admins = nil
		} else if list, err := mail.ParseAddressList(v); err != nil || strings.ContainsAny(v, "\r\n") {
			bad(name, v, "is not a comma-separated list of e-mail addresses")
		} else {
			s.Admins = make([]string, len(list))
			for i, a := range list {
				s.Admins[i] = a.String()
			}
		}
	}
	return errs
}

// checkEmailURL accepts scheme://... URLs; the mail battery checks the rest.
func checkEmailURL(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("is empty")
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" || !strings.Contains(v, "://") {
		return errors.New("is not a URL of the form scheme://... (smtp://user:password@host:587, smtps://host:465, console://, file:///dir, memory://)")
	}
	return nil
}
