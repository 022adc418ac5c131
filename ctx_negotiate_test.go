package galvani

import (
	"slices"
	"strings"
	"testing"
)

func TestAccepts(t *testing.T) {
	offers := []string{"text/html", "application/json", "text/plain"}
	for _, tc := range []struct {
		accept string
		want   string
	}{
		{"", "text/html"},
		{"   ", "text/html"},
		{"*/*", "text/html"},
		{"application/json", "application/json"},
		{"APPLICATION/JSON", "application/json"},
		{"text/*", "text/html"},
		{"text/plain, text/*;q=0.5", "text/plain"},
		{"text/html;q=0.1, application/json;q=0.9", "application/json"},
		{"text/html;q=0.9, application/json;q=0.9", "text/html"},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"},
		{"application/json;q=0, */*", "text/html"},
		{"text/*;q=0, application/json;q=0.1", "application/json"},
		{"*/*;q=0", ""},
		{"image/png", ""},
		{"application/json; charset=utf-8; q=0.5, text/plain;q=0.4", "application/json"},
		{"application/json;Q=0.2, text/plain;q=0.3", "text/plain"},
		{"text/plain; q = 0.3 , application/json;q=0.2", "text/plain"},
		// Malformed entries are ignored; a header with nothing well-formed accepts the first offer.
		{"garbage", "text/html"},
		{";;;,,,", "text/html"},
		{"*/json", "text/html"},
		{"/", "text/html"},
		{"text/", "text/html"},
		{"application/json;q=abc", "text/html"},
		{"application/json;q=2, text/plain", "text/plain"},
		{"application/json;q=-1, text/plain;q=0.1", "text/plain"},
		{"application/json;q=0.12345, text/plain;q=0.1", "text/plain"},
		{"application/json;q=1.000", "application/json"},
		{"application/json;q=1.001, text/plain;q=0.5", "text/plain"},
		{"application/json;q=", "text/html"},
		{strings.Repeat("x/y;q=0.5,", 2000) + "application/json", "application/json"},
		{"application/json\x00;q=1", "text/html"},
	} {
		if got := acceptsHeader(tc.accept, offers); got != tc.want {
			t.Errorf("Accept %.60q: got %q, want %q", tc.accept, got, tc.want)
		}
	}
	if acceptsHeader("*/*", nil) != "" {
		t.Error("no offers must give \"\"")
	}
}

func TestAcceptsAllocatesNothing(t *testing.T) {
	offers := []string{"text/html", "application/json"}
	n := testing.AllocsPerRun(100, func() {
		acceptsHeader("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", offers)
	})
	if n != 0 {
		t.Errorf("acceptsHeader allocates %v times", n)
	}
}

func FuzzAccepts(f *testing.F) {
	for _, s := range []string{"", "*/*", "text/html;q=0.5", "a/b;q=1.0,c/d", ";q=", "*/x", "text/*;q=0.", "\xff/\xfe"} {
		f.Add(s)
	}
	offers := []string{"text/html", "application/json", "text/plain"}
	f.Fuzz(func(t *testing.T, accept string) {
		got := acceptsHeader(accept, offers)
		if got != "" && !slices.Contains(offers, got) {
			t.Fatalf("Accept %q chose %q, not an offer", accept, got)
		}
	})
}

func TestNegotiate(t *testing.T) {
	a, _ := testApp(t, false)
	type point struct{ X, Y int }
	a.Get("/p", func(c *Ctx) error { return c.Negotiate(200, point{1, 2}) })
	a.Get("/m", func(c *Ctx) error { return c.Negotiate(200, map[string]int{"x": 1}) })
	a.Get("/a", func(c *Ctx) error {
		return c.Text(200, c.Accepts("application/json", "text/csv"))
	})
	for _, tc := range []struct {
		path, accept string
		status       int
		ct, body     string
	}{
		{"/p", "", 200, "application/json", `{"X":1,"Y":2}`},
		{"/p", "*/*", 200, "application/json", `{"X":1,"Y":2}`},
		{"/p", "application/xml", 200, "application/xml; charset=utf-8", "<point><X>1</X><Y>2</Y></point>"},
		{"/p", "text/xml", 200, "application/xml; charset=utf-8", "<point>"},
		{"/p", "text/plain", 200, "text/plain; charset=utf-8", "{1 2}"},
		{"/p", "image/png", 406, "text/plain; charset=utf-8", `this resource is available as application/json, application/xml, text/xml, text/plain`},
		// Browsers prefer XML over */*; a map cannot be XML, so JSON it is.
		{"/m", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", 200, "application/json", `{"x":1}`},
		{"/m", "application/xml", 406, "text/plain; charset=utf-8", "application/json, text/plain"},
		{"/a", "text/csv, application/json;q=0.5", 200, "text/plain; charset=utf-8", "text/csv"},
		{"/a", "application/*", 200, "text/plain; charset=utf-8", "application/json"},
	} {
		hdr := []string{}
		if tc.accept != "" {
			hdr = []string{"Accept", tc.accept}
		}
		w := do(a, "GET", tc.path, nil, hdr...)
		if w.Code != tc.status || w.Header().Get("Content-Type") != tc.ct || !strings.Contains(w.Body.String(), tc.body) {
			t.Errorf("%s Accept %q: got %d %q %s, want %d %q containing %s", tc.path, tc.accept, w.Code, w.Header().Get("Content-Type"), w.Body, tc.status, tc.ct, tc.body)
		}
		if tc.path != "/a" && w.Header().Get("Vary") != "Accept" {
			t.Errorf("%s: Vary = %q", tc.path, w.Header().Get("Vary"))
		}
	}
}
