package galvani

import (
	"errors"
	"net/url"
	"sort"
	"strings"
)

// This file holds the settings that name a backend by URL for a battery the core
// does not import (the cache battery's CACHE_URL). The core only checks that such a
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
