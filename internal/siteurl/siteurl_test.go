package siteurl

import (
	"net/http/httptest"
	"testing"
)

func TestAbsResolvesOnTheRequestOrTheBaseURL(t *testing.T) {
	for _, tc := range []struct{ target, base, loc, want string }{
		{"http://example.com/feed/", "", "/a/b/", "http://example.com/a/b/"},
		{"https://example.com/feed/", "", "/a/", "https://example.com/a/"},
		{"http://example.com:8080/x/y", "", "z", "http://example.com:8080/x/z"},
		{"http://example.com/", "", "/a b/ü", "http://example.com/a%20b/%C3%BC"},
		{"http://example.com/", "", "/a/../b", "http://example.com/b"},
		{"http://example.com/", "", "https://other.example/x", "https://other.example/x"},
		{"http://example.com/", "", "", ""},
		{"http://10.0.0.1/", "https://www.example.org", "/a/", "https://www.example.org/a/"},
		{"http://10.0.0.1/", "https://www.example.org/sub/", "a/", "https://www.example.org/sub/a/"},
	} {
		rs, err := New(httptest.NewRequest("GET", tc.target, nil), tc.base)
		if err != nil {
			t.Fatal(err)
		}
		if got := rs.Abs(tc.loc); got != tc.want {
			t.Errorf("%s + %q on %q = %q, want %q", tc.target, tc.loc, tc.base, got, tc.want)
		}
	}
	if _, err := New(httptest.NewRequest("GET", "/", nil), "example.com"); err == nil {
		t.Error("a base URL without a scheme was accepted")
	}
}

// FuzzAbs checks that the fast path gives exactly what net/url gives, for any
// location, on the request's site and on a base URL.
func FuzzAbs(f *testing.F) {
	for _, s := range []string{"/", "/a/b/", "/a/./b", "/a/../b", "//evil.example/x", "/ü", "/a b", "/%41", "/a?b=c", "/a#f",
		"relative/path", "", "/a/..", "/~user/(x)@y:z"} {
		f.Add(s, false, false)
	}
	f.Fuzz(func(t *testing.T, loc string, https, base bool) {
		target := "http://example.com:8080/sitemaps/x.xml"
		if https {
			target = "https://example.com/sitemaps/x.xml"
		}
		b := ""
		if base {
			b = "https://www.example.org"
		}
		rs, err := New(httptest.NewRequest("GET", target, nil), b)
		if err != nil {
			t.Fatal(err)
		}
		slow := *rs
		slow.prefix = ""
		if got, want := rs.Abs(loc), slow.Abs(loc); got != want {
			t.Fatalf("%q: fast path %q, net/url %q", loc, got, want)
		}
		if got, want := string(rs.AppendText(nil, loc)), string(slow.AppendText(nil, loc)); got != want {
			t.Fatalf("%q: AppendText %q, want %q", loc, got, want)
		}
		if got, want := string(rs.AppendAttr(nil, loc)), string(slow.AppendAttr(nil, loc)); got != want {
			t.Fatalf("%q: AppendAttr %q, want %q", loc, got, want)
		}
	})
}
