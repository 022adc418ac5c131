package openapi

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestJSONToYAML(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"a":1,"b":"x","c":true,"d":null}`, "a: 1\nb: \"x\"\nc: true\nd: null\n"},
		{`{"no":"yes","200":{"description":"ok"}}`, "\"no\": \"yes\"\n\"200\":\n  description: \"ok\"\n"},
		{`{"l":[1,{"k":"v","w":[]},[2]],"e":{}}`, "l:\n  - 1\n  - k: \"v\"\n    w: []\n  -\n    - 2\ne: {}\n"},
		{`{"/p/{id}/":{"s":"line\nbreak: \"q\""}}`, "/p/{id}/:\n  s: \"line\\nbreak: \\\"q\\\"\"\n"},
	} {
		got, err := JSONToYAML([]byte(tc.in))
		if err != nil || string(got) != tc.want {
			t.Errorf("JSONToYAML(%s) =\n%s(%v), want\n%s", tc.in, got, err, tc.want)
		}
	}
	if _, err := JSONToYAML([]byte(`{"a":`)); err == nil {
		t.Error("malformed JSON accepted")
	}
}

func TestSchemaOrderAndNullable(t *testing.T) {
	s := &Schema{Type: "object"}
	s.SetProperty("zeta", &Schema{Type: "string"}, true)
	s.SetProperty("alpha", (&Schema{Type: "integer"}).Nullable(), false)
	s.SetProperty("ref", Ref("Thing").Nullable(), false)
	b, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"object","properties":{"zeta":{"type":"string"},"alpha":{"type":["integer","null"]},"ref":{"oneOf":[{"$ref":"#/components/schemas/Thing"},{"type":"null"}]}},"required":["zeta"]}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
}

func TestDocsHandler(t *testing.T) {
	h := DocsHandler("My <API>", "../openapi.json")
	get := func(path, enc string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		if enc != "" {
			r.Header.Set("Accept-Encoding", enc)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	if w := get("/", ""); w.Code != 200 || !strings.Contains(w.Body.String(), "<title>My &lt;API&gt;</title>") {
		t.Fatalf("page: %d %s", w.Code, w.Body)
	}
	if w := get("/init.js", ""); !strings.Contains(w.Body.String(), `url: "../openapi.json"`) {
		t.Fatalf("init.js: %s", w.Body)
	}
	if w := get("/swagger-ui-bundle.js", "gzip, deflate"); w.Header().Get("Content-Encoding") != "gzip" {
		t.Fatal("bundle not sent gzipped")
	}
	if w := get("/swagger-ui-bundle.js", "gzip;q=0"); w.Header().Get("Content-Encoding") != "" || !strings.Contains(w.Body.String(), "SwaggerUIBundle") {
		t.Fatal("bundle not inflated for a client refusing gzip")
	}
	if w := get("/nope", ""); w.Code != 404 {
		t.Fatalf("unknown asset: %d", w.Code)
	}
	r := httptest.NewRequest("POST", "/", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 405 {
		t.Fatalf("POST: %d", w.Code)
	}
}

func ExampleDocument_YAML() {
	doc := &Document{OpenAPI: Version, Info: Info{Title: "Pets", Version: "1.0"}, Paths: map[string]*PathItem{}}
	op := &Operation{OperationID: "pets_list", Responses: map[string]*Response{"200": {Description: "The pets"}}}
	item := &PathItem{}
	item.Set("GET", op)
	doc.Paths["/pets/"] = item
	b, _ := doc.YAML()
	fmt.Print(string(b))
	// Output:
	// openapi: "3.1.0"
	// info:
	//   title: "Pets"
	//   version: "1.0"
	// paths:
	//   /pets/:
	//     get:
	//       operationId: "pets_list"
	//       responses:
	//         "200":
	//           description: "The pets"
}
