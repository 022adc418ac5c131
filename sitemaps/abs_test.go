package sitemaps

import (
	"encoding/xml"
	"net/http/httptest"
	"testing"
)

// FuzzAbsoluteLocation checks that the allocation-free path for plain locations
// writes exactly what galvani.AbsoluteURL (net/url) gives, for any location and
// either scheme.
func FuzzAbsoluteLocation(f *testing.F) {
	for _, s := range []string{"/", "/a/b/", "/a/./b", "/a/../b", "//evil.example/x", "/ü", "/a b", "/%41", "/a?b=c", "/a#f",
		"relative/path", "", "/a/..", "/~user/(x)@y:z"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, loc string, https bool) {
		target := "http://example.com:8080/sitemaps/x.xml"
		if https {
			target = "https://example.com/sitemaps/x.xml"
		}
		r := httptest.NewRequest("GET", target, nil)
		s := &Sitemaps{}
		st, err := s.site(r)
		if err != nil {
			t.Fatal(err)
		}
		got := st.appendAbs([]byte("<a>"), loc)
		got = append(got, "</a>"...)
		var v string
		if err := xml.Unmarshal(got, &v); err != nil {
			t.Fatalf("%q: %v", got, err)
		}
		slow := st
		slow.prefix = ""
		want := slow.appendAbs([]byte("<a>"), loc)
		want = append(want, "</a>"...)
		if string(got) != string(want) {
			t.Fatalf("%q: fast path %q, net/url %q", loc, got, want)
		}
	})
}
