package rest_test

import (
	"testing"

	"github.com/galvani-web/galvani/csrf"
	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/rest"
)

func TestNegotiation(t *testing.T) {
	e := newEnv(t, rest.Config{}, nil)
	e.seed(1)
	html := galvanitest.Header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	e.c.Get("/api/posts/1/").AssertStatus(200).AssertHeader("Content-Type", "application/json").AssertHeader("Vary", "Accept")
	page := e.c.Get("/api/posts/1/", html).AssertStatus(200).AssertHeader("Content-Type", "text/html; charset=utf-8")
	page.AssertContains("Post instance", "&#34;title&#34;: &#34;Post 1&#34;", `data-method="PUT"`, `data-method="DELETE"`, "api.css", "api.js")
	e.c.Get("/api/posts/1/?format=json", html).AssertStatus(200).AssertHeader("Content-Type", "application/json")
	e.c.Get("/api/posts/1/?format=api").AssertStatus(200).AssertHeader("Content-Type", "text/html; charset=utf-8")
	e.c.Get("/api/posts/1/?format=xml").AssertStatus(404)
	e.c.Get("/api/posts/1/", galvanitest.Header("Accept", "application/xml")).AssertStatus(406)
	// Errors in the page too, escaped.
	e.c.Get("/api/posts/?title__icontains=%3Cscript%3E", html).AssertStatus(200).AssertNotContains("<script>alert")
	e.c.Get("/api/_assets/api.css").AssertStatus(200).AssertHeader("Content-Type", "text/css; charset=utf-8")
	e.c.Get("/api/_assets/nope.js").AssertStatus(404)
	// Form and multipart input (the client holds cookies now: the CSRF token goes along).
	e.c.Before(csrf.AddToken)
	e.c.PostForm("/api/posts/", map[string][]string{"title": {"From a form"}, "slug": {"form"}, "author": {"1"}, "views": {"3"}}, jsonHeader()).
		AssertStatus(201).AssertContains(`"views":3`, `"title":"From a form"`)
	e.c.PostMultipart("/api/posts/", map[string][]string{"title": {"Multi"}, "slug": {"multi"}, "author": {"1"}}, nil, jsonHeader()).AssertStatus(201)

	off := newEnv(t, rest.Config{NoBrowsable: true}, nil)
	off.seed(1)
	off.c.Get("/api/posts/1/", html).AssertStatus(200).AssertHeader("Content-Type", "application/json")
}

func TestOptionsMetadata(t *testing.T) {
	e := newEnv(t, rest.Config{}, nil)
	resp := e.c.Request("OPTIONS", "/api/posts/", nil, "", jsonHeader()).AssertStatus(200).AssertHeader("Allow", "GET, POST, HEAD, OPTIONS")
	var meta struct {
		Name    string                               `json:"name"`
		Renders []string                             `json:"renders"`
		Parses  []string                             `json:"parses"`
		Actions map[string]map[string]map[string]any `json:"actions"`
	}
	resp.JSON(&meta)
	title := meta.Actions["POST"]["title"]
	if meta.Name != "Post list" || len(meta.Renders) != 2 || len(meta.Parses) != 3 ||
		title["type"] != "string" || title["required"] != true || title["max_length"] != float64(20) || title["label"] != "Title" {
		t.Fatalf("metadata = %+v", meta)
	}
	if id := meta.Actions["POST"]["id"]; id["read_only"] != true || id["type"] != "integer" {
		t.Fatalf("id = %v", id)
	}
	if kind := meta.Actions["POST"]["kind"]; kind["type"] != "choice" || kind["required"] != false {
		t.Fatalf("kind = %v", kind)
	}
}
