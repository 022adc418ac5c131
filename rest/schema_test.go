package rest_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/internal/nodetest"
	"github.com/galvani-web/galvani/rest"
	"github.com/galvani-web/galvani/rest/openapi"
)

// ValidateOpenAPI checks a document with @apidevtools/swagger-parser (OpenAPI 3.1
// schema and references), the external validator CI installs.
func validateOpenAPI(t *testing.T, doc []byte) {
	t.Helper()
	nodetest.Modules(t, "@apidevtools/swagger-parser")
	dir := t.TempDir()
	spec := filepath.Join(dir, "openapi.json")
	if err := os.WriteFile(spec, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "validate.js")
	src := `const SwaggerParser = require('@apidevtools/swagger-parser');
SwaggerParser.validate(process.argv[2]).then(api => { console.log('valid ' + api.openapi); })
  .catch(e => { console.error(e.message); process.exit(1); });
`
	if err := os.WriteFile(script, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := nodetest.Run(t, 60*time.Second, script, nil, spec)
	if err != nil {
		t.Fatalf("the OpenAPI document does not validate: %v", err)
	}
	if !strings.HasPrefix(string(out), "valid 3.1") {
		t.Fatalf("validator said %q", out)
	}
}

func schemaAPI(api *rest.API) {
	api.Register("posts", &rest.ViewSet[Post]{
		Serializer: postSerializer(),
		Filters:    rest.Filters{"title": {"exact", "icontains"}, "views": {"gte", "in"}, "published": {"isnull"}},
		Search:     []string{"title"},
		Ordering:   []string{"id", "views"},
		Extra: []rest.Action[Post]{{Name: "bump", Detail: true, Methods: []string{"POST"}, UseSerializer: true,
			Handle: func(r *rest.Request, v *rest.ViewSet[Post]) error { return nil }}},
	})
	api.Register("authors", &rest.ViewSet[Author]{Serializer: &rest.ModelSerializer[Author]{}, Actions: rest.ReadOnly, Permissions: []rest.Permission{rest.IsAuthenticated}})
	endpointAPI(api)
}

func TestOpenAPISchema(t *testing.T) {
	e := newEnv(t, rest.Config{
		Info:           openapi.Info{Title: "Test API", Version: "2.0"},
		Authentication: []rest.Authenticator{rest.BasicAuth{}, rest.SessionAuth{}},
		Permissions:    []rest.Permission{rest.IsAuthenticatedOrReadOnly},
		Pagination:     rest.LimitOffset{},
		Throttles:      []rest.Throttle{rest.AnonRate("100/min")},
	}, schemaAPI)
	resp := e.c.Get("/api/schema.json").AssertStatus(200)
	var doc map[string]any
	resp.JSON(&doc)
	paths := doc["paths"].(map[string]any)
	for _, p := range []string{"/api/posts/", "/api/posts/{id}/", "/api/posts/{id}/bump/", "/api/authors/", "/api/signup/", "/api/hello/{name}/"} {
		if _, ok := paths[p]; !ok {
			t.Errorf("no path %s in %v", p, keys(paths))
		}
	}
	comps := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for _, c := range []string{"Post", "PostRequest", "PatchedPostRequest", "PaginatedPostList", "Author", "signup", "account", "ValidationError", "Error"} {
		if _, ok := comps[c]; !ok {
			t.Errorf("no component %s in %v", c, keys(comps))
		}
	}
	post := comps["Post"].(map[string]any)["properties"].(map[string]any)
	if post["id"].(map[string]any)["readOnly"] != true || post["title"].(map[string]any)["maxLength"] != float64(20) {
		t.Errorf("Post = %v", post)
	}
	validateOpenAPI(t, resp.Bytes())
	yml := e.c.Get("/api/schema.yaml").AssertStatus(200).AssertContains("openapi: \"3.1.0\"", "/api/posts/:").Body()
	if strings.Contains(yml, "{\"") {
		t.Errorf("YAML holds JSON objects:\n%s", yml[:200])
	}
	e.c.Get("/api/schema/docs/").AssertStatus(200).AssertContains("swagger-ui-bundle.js", "init.js")
	e.c.Get("/api/schema/docs/init.js").AssertStatus(200).AssertContains(`"../../schema.json"`, "validatorUrl: null")
	js := e.c.Get("/api/schema/docs/swagger-ui-bundle.js", galvanitest.Header("Accept-Encoding", "gzip")).AssertStatus(200).AssertHeader("Content-Encoding", "gzip")
	if len(js.Bytes()) < 100_000 {
		t.Errorf("bundle is %d bytes", len(js.Bytes()))
	}
	plain := e.c.Get("/api/schema/docs/swagger-ui.css").AssertStatus(200)
	if plain.Header.Get("Content-Encoding") != "" || !strings.Contains(plain.Body(), ".swagger-ui") {
		t.Errorf("inflated css: %q", plain.Body()[:50])
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestOpenAPISchemaProblemStyle(t *testing.T) {
	e := newEnv(t, rest.Config{Errors: rest.ProblemErrors, ValidationStatus: 422, Pagination: rest.Cursor{}}, schemaAPI)
	doc, err := e.api.Schema()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(doc)
	if !strings.Contains(string(b), "application/problem+json") || !strings.Contains(string(b), `"422"`) {
		t.Fatal("problem responses missing")
	}
	validateOpenAPI(t, b)
}

func TestOpenAPICommand(t *testing.T) {
	e := newEnv(t, rest.Config{}, schemaAPI)
	out := filepath.Join(t.TempDir(), "schema.yaml")
	var stdout strings.Builder
	if err := e.app.RunCommand(context.Background(), []string{"openapi", "-o", out}, &stdout); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil || !strings.HasPrefix(string(b), `openapi: "3.1.0"`) || !strings.Contains(stdout.String(), "Wrote") {
		t.Fatalf("wrote %q (%v); said %q", b, err, stdout.String())
	}
	stdout.Reset()
	if err := e.app.RunCommand(context.Background(), []string{"openapi"}, &stdout); err != nil || !strings.HasPrefix(stdout.String(), "{") {
		t.Fatalf("stdout JSON: %v %q", err, stdout.String())
	}
	if err := e.app.RunCommand(context.Background(), []string{"openapi", "-format", "xml"}, &stdout); err == nil {
		t.Fatal("xml accepted")
	}
}
