package rest_test

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/galvani-web/galvani/rest"
)

type page struct {
	Count    int              `json:"count"`
	Next     *string          `json:"next"`
	Previous *string          `json:"previous"`
	Results  []map[string]any `json:"results"`
}

func ids(p page) []int {
	var out []int
	for _, r := range p.Results {
		out = append(out, int(r["id"].(float64)))
	}
	return out
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestLimitOffset(t *testing.T) {
	e := newEnv(t, rest.Config{Pagination: rest.LimitOffset{Default: 10, Max: 50}}, nil)
	e.seed(4)
	var p page
	// DRF's reference answer: ?limit=2&offset=1&ordering=-id over 4 rows.
	e.c.Get("/api/posts/?limit=2&offset=1&ordering=-id", jsonHeader()).AssertStatus(200).JSON(&p)
	if p.Count != 4 || !equalInts(ids(p), []int{3, 2}) ||
		p.Next == nil || *p.Next != "http://example.com/api/posts/?limit=2&offset=3&ordering=-id" ||
		p.Previous == nil || *p.Previous != "http://example.com/api/posts/?limit=2&ordering=-id" {
		t.Fatalf("page = %+v next=%v prev=%v", ids(p), deref(p.Next), deref(p.Previous))
	}
	// Bad values fall back to defaults (DRF's _positive_int); limit is capped.
	for _, q := range []string{"?limit=abc", "?limit=-3&offset=-1", "?limit=999", "?offset=99999999999999999999"} {
		e.c.Get("/api/posts/"+q, jsonHeader()).AssertStatus(200)
	}
	e.c.Get("/api/posts/?offset=10", jsonHeader()).AssertStatus(200).JSON(&p)
	if len(p.Results) != 0 || p.Count != 4 {
		t.Fatalf("past the end: %+v", p)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func TestLimitOffsetRenamed(t *testing.T) {
	e := newEnv(t, rest.Config{Pagination: rest.LimitOffset{ResultsKey: "articles", CountKey: "articlesCount", NoLinks: true}}, nil)
	e.seed(2)
	e.c.Get("/api/posts/?limit=1", jsonHeader()).AssertStatus(200).AssertContains(`{"articlesCount":2,"articles":[{"id":1,`).AssertNotContains(`"next"`)
}

func TestPageNumber(t *testing.T) {
	e := newEnv(t, rest.Config{Pagination: rest.PageNumber{Size: 2, PageSizeParam: "page_size"}}, nil)
	e.seed(5)
	var p page
	e.c.Get("/api/posts/?page=2", jsonHeader()).AssertStatus(200).JSON(&p)
	if p.Count != 5 || !equalInts(ids(p), []int{3, 4}) || deref(p.Next) != "http://example.com/api/posts/?page=3" || deref(p.Previous) != "http://example.com/api/posts/" {
		t.Fatalf("page 2 = %v next=%s prev=%s", ids(p), deref(p.Next), deref(p.Previous))
	}
	e.c.Get("/api/posts/?page=last", jsonHeader()).AssertStatus(200).JSON(&p)
	if !equalInts(ids(p), []int{5}) || p.Next != nil {
		t.Fatalf("last page = %v", ids(p))
	}
	e.c.Get("/api/posts/?page=2&page_size=3", jsonHeader()).AssertStatus(200).JSON(&p)
	if !equalInts(ids(p), []int{4, 5}) {
		t.Fatalf("page_size=3 page 2 = %v", ids(p))
	}
	for _, q := range []string{"?page=0", "?page=9", "?page=x", "?page=-1", "?page=99999999999999999999"} {
		e.c.Get("/api/posts/"+q, jsonHeader()).AssertStatus(404).AssertJSON(`{"detail":"Invalid page."}`)
	}
}

func TestCursor(t *testing.T) {
	e := newEnv(t, rest.Config{Pagination: rest.Cursor{Ordering: "-views", Size: 2}}, nil)
	e.seed(5) // views 10..50
	var p page
	e.c.Get("/api/posts/", jsonHeader()).AssertStatus(200).JSON(&p)
	if !equalInts(ids(p), []int{5, 4}) || p.Previous != nil || p.Next == nil {
		t.Fatalf("first page %v prev=%s next=%s", ids(p), deref(p.Previous), deref(p.Next))
	}
	var seen []int
	seen = append(seen, ids(p)...)
	next := *p.Next
	for i := 0; i < 5 && next != ""; i++ {
		var q page
		e.c.Get(next, jsonHeader()).AssertStatus(200).JSON(&q)
		seen = append(seen, ids(q)...)
		if q.Previous == nil {
			t.Fatalf("page after a cursor has no previous link")
		}
		if i == 0 {
			// Going back from page 2 gives page 1.
			var back page
			e.c.Get(*q.Previous, jsonHeader()).AssertStatus(200).JSON(&back)
			if !equalInts(ids(back), []int{5, 4}) {
				t.Fatalf("previous of page 2 = %v", ids(back))
			}
		}
		next = deref(q.Next)
		if q.Next == nil {
			next = ""
		}
	}
	if !equalInts(seen, []int{5, 4, 3, 2, 1}) {
		t.Fatalf("walked %v", seen)
	}
	// Rows added at the front do not shift the pages already handed out.
	e.c.Get("/api/posts/", jsonHeader()).JSON(&p)
	e.c.PostJSON("/api/posts/", map[string]any{"title": "new", "slug": "new", "author": 1, "views": 1000}, jsonHeader()).AssertStatus(201)
	var q page
	e.c.Get(*p.Next, jsonHeader()).AssertStatus(200).JSON(&q)
	if !equalInts(ids(q), []int{3, 2}) {
		t.Fatalf("after an insert, page 2 = %v", ids(q))
	}
	for _, bad := range []string{"x", "!!!", base64.RawURLEncoding.EncodeToString([]byte(`{"v":1}`)),
		base64.RawURLEncoding.EncodeToString([]byte(`{"v":{"a":1},"k":1}`)), base64.RawURLEncoding.EncodeToString([]byte(`{"v":"abc","k":"x"}`)),
		base64.RawURLEncoding.EncodeToString([]byte(`{"v":1,"k":1,"zz":1}`)), strings.Repeat("A", 5000)} {
		e.c.Get("/api/posts/?cursor="+url.QueryEscape(bad), jsonHeader()).AssertStatus(404).AssertJSON(`{"detail":"Invalid cursor"}`)
	}
}
