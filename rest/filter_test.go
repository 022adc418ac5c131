package rest_test

import (
	"testing"

	"github.com/galvani-web/galvani/rest"
)

func TestFiltersSearchOrdering(t *testing.T) {
	e := newEnv(t, rest.Config{}, nil)
	e.seed(5) // views 10, 20, ... 50
	var got []map[string]any
	count := func(q string) int {
		t.Helper()
		got = nil
		e.c.Get("/api/posts/"+q, jsonHeader()).AssertStatus(200).JSON(&got)
		return len(got)
	}
	cases := map[string]int{
		"?title=Post+3":                 1,
		"?title__icontains=post":        5,
		"?views__gte=20&views__lte=40":  3,
		"?views__in=10,50":              2,
		"?author=1":                     5,
		"?author=2":                     0,
		"?published__isnull=true":       5,
		"?search=post+3":                1,
		"?search=body":                  5,
		"?search=nothing":               0,
		"?title=":                       5, // an empty filter means any
		"?undeclared=1&views__gt=10":    5, // undeclared names are not filters
		"?ordering=-views&views__gte=1": 5,
	}
	for q, want := range cases {
		if n := count(q); n != want {
			t.Errorf("%s: %d results, want %d", q, n, want)
		}
	}
	count("?ordering=-views")
	if got[0]["views"].(float64) != 50 {
		t.Errorf("ordering=-views starts with %v", got[0]["views"])
	}
	count("?ordering=title,-id")
	if got[0]["title"] != "Post 1" {
		t.Errorf("ordering=title starts with %v", got[0]["title"])
	}
	// Hostile or wrong values: 400 naming the parameter, never a 500.
	e.c.Get("/api/posts/?views__gte=abc", jsonHeader()).AssertStatus(400).AssertJSON(`{"views__gte":["A valid integer is required."]}`)
	e.c.Get("/api/posts/?published__gte=yesterday", jsonHeader()).AssertStatus(400)
	e.c.Get("/api/posts/?published__isnull=maybe", jsonHeader()).AssertStatus(400)
	e.c.Get("/api/posts/?ordering=body", jsonHeader()).AssertStatus(400).AssertContains(`"ordering"`, `Cannot order by`)
	e.c.Get("/api/posts/?ordering=-password", jsonHeader()).AssertStatus(400)
	e.c.Get("/api/posts/?ordering=author__name", jsonHeader()).AssertStatus(400)
	e.c.Get("/api/posts/?views__in="+repeatComma(200), jsonHeader()).AssertStatus(400)
}

func repeatComma(n int) string {
	s := "1"
	for i := 1; i < n; i++ {
		s += ",1"
	}
	return s
}
