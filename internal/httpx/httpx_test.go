package httpx

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestCookieValue(t *testing.T) {
	for _, tc := range []struct {
		headers []string
		name    string
		want    string
		ok      bool
	}{
		{[]string{"a=1; b=2"}, "b", "2", true},
		{[]string{"a=1", "b=\"q\""}, "b", "q", true},
		{[]string{"ab=1; a=2"}, "a", "2", true},
		{[]string{" a = 3 ;"}, "a", "3", true},
		{[]string{"a"}, "a", "", false},
		{nil, "a", "", false},
		{[]string{"a=1; a=2"}, "a", "1", true},
	} {
		r := &http.Request{Header: http.Header{"Cookie": tc.headers}}
		got, ok := CookieValue(r, tc.name)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%q %s: %q %v, want %q %v", tc.headers, tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func TestAddVary(t *testing.T) {
	h := http.Header{}
	AddVary(h, "Cookie")
	AddVary(h, "cookie")
	AddVary(h, "Accept-Encoding")
	if got := h.Values("Vary"); len(got) != 2 {
		t.Errorf("Vary = %q", got)
	}
	h = http.Header{"Vary": {"*"}}
	AddVary(h, "Cookie")
	if got := h.Values("Vary"); len(got) != 1 {
		t.Errorf("Vary = %q", got)
	}
}

func TestCookieValueEdges(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Add("Cookie", "a=1; sessionidx=no;  sessionid = \"quoted\" ")
	r.Header.Add("Cookie", "sessionid=second")
	if v, ok := CookieValue(r, "sessionid"); !ok || v != "quoted" {
		t.Fatalf("got %q %v", v, ok)
	}
	if v, ok := CookieValue(r, "a"); !ok || v != "1" {
		t.Fatalf("a = %q", v)
	}
	if _, ok := CookieValue(r, "missing"); ok {
		t.Fatal("missing cookie found")
	}
	r.Header.Set("Cookie", ";;=;noequals;sessionid=")
	if v, ok := CookieValue(r, "sessionid"); !ok || v != "" {
		t.Fatalf("empty value: %q %v", v, ok)
	}
}
