package cache

import (
	"net/http"
	"testing"
)

// FuzzParseURL: no cache URL makes the parser panic, and what it accepts has a
// known scheme and sane options.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"locmem://", "redis://:pw@h:6379/0?timeout=5m&key_prefix=x", "memcached://a:1,b:2?item_size=2MiB",
		"dummy://", "locmem://?timeout=none&version=2", "redis://h/0?timeout=%zz", "x://", "://"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseURL(s)
		if err != nil {
			return
		}
		if _, ok := lookupScheme(u.Scheme); !ok {
			t.Fatalf("accepted unknown scheme %q", u.Scheme)
		}
		if u.Options.Version < 0 || (u.Options.Timeout < 0 && u.Options.Timeout != Forever) {
			t.Fatalf("bad options %+v", u.Options)
		}
	})
}

// FuzzParseTimeout: never panics; accepts only positive durations or Forever.
func FuzzParseTimeout(f *testing.F) {
	for _, s := range []string{"300", "5m", "none", "0", "-1", "1h30m", "99999999999999999999", "1e9s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseTimeout(s)
		if err == nil && d <= 0 && d != Forever {
			t.Fatalf("ParseTimeout(%q) = %v", s, d)
		}
	})
}

// FuzzDecodePage: a stored page read back from a shared cache may have been
// written by anything; decoding never panics, and what encode wrote comes back.
func FuzzDecodePage(f *testing.F) {
	p := &page{status: 200, header: http.Header{"Content-Type": {"text/html"}, "Vary": {"Cookie", "Accept"}}, body: []byte("<p>hi</p>")}
	f.Add(p.encode())
	f.Add([]byte(pageMagic))
	f.Add([]byte(pageMagic + "\xc8\x01\xff\xff\xff\xff\x0f"))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, b []byte) {
		pg, err := decodePage(b)
		if err != nil {
			return
		}
		again, err := decodePage(pg.encode())
		if err != nil || again.status != pg.status || string(again.body) != string(pg.body) || len(again.header) != len(pg.header) {
			t.Fatalf("re-encoding changed the page: %v", err)
		}
	})
}
