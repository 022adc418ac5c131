package galvani

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

type bindAddress struct {
	City string `json:"city"`
	Zip  int    `json:"zip"`
}

type bindInput struct {
	Name    string      `json:"name"`
	Age     int         `json:"age"`
	Score   float64     `json:"score"`
	Admin   bool        `json:"admin"`
	Tags    []string    `json:"tags"`
	Address bindAddress `json:"address"`
	When    time.Time   `json:"when"`
}

// Validate implements Validator.
func (in *bindInput) Validate() error {
	var v ValidationError
	v.Status = http.StatusUnprocessableEntity
	if in.Name == "" {
		v.Add("name", "this field is required")
	}
	if in.Age < 0 {
		v.Add("age", "must not be negative")
	}
	return v.Err()
}

func TestBind(t *testing.T) {
	a, _ := testApp(t, false)
	a.Post("/b", func(c *Ctx) error {
		var in bindInput
		if err := c.Bind(&in); err != nil {
			return err
		}
		return c.JSON(200, in.Name)
	})
	a.Post("/nonptr", func(c *Ctx) error {
		var in bindInput
		return c.Bind(in)
	})
	const js = "application/json"
	for _, tc := range []struct {
		name, ct, body string
		status         int
		field          string // the field the error must name
		want           string // fragment of the message
	}{
		{"ok", js, `{"name":"Ada","age":36,"tags":["x"],"address":{"city":"L","zip":1}}`, 200, "", `"Ada"`},
		{"charset param", "application/json; charset=utf-8", `{"name":"Ada"}`, 200, "", `"Ada"`},
		{"+json type", "application/vnd.api+json", `{"name":"Ada"}`, 200, "", `"Ada"`},
		{"whitespace after", js, "{\"name\":\"Ada\"}\n\n  ", 200, "", `"Ada"`},
		{"form content type", "application/x-www-form-urlencoded", `name=Ada`, 415, "", "Content-Type must be application/json"},
		{"no content type", "", `{"name":"Ada"}`, 415, "", "got \\\"none\\\""},
		{"bad content type", "application/json; =;", `{}`, 415, "", "Content-Type"},
		{"text/json is not json", "text/plain", `{}`, 415, "", "Content-Type"},
		{"empty", js, ``, 400, "", "request body is empty"},
		{"only spaces", js, `   `, 400, "", "request body is empty"},
		{"syntax", js, `{"name": "Ada",}`, 400, "", "malformed JSON at byte"},
		{"truncated", js, `{"name": "Ada"`, 400, "", "ends in the middle"},
		{"not json", js, `<xml/>`, 400, "", "malformed JSON at byte 1"},
		{"trailing value", js, `{"name":"Ada"} {"name":"Bob"}`, 400, "", "unexpected data after the JSON value"},
		{"trailing garbage", js, `{"name":"Ada"} x`, 400, "", "unexpected data after the JSON value"},
		{"wrong type int", js, `{"name":"Ada","age":"old"}`, 400, "age", "must be an integer, got string"},
		{"wrong type float", js, `{"name":"Ada","age":1.5}`, 400, "age", "must be an integer, got number"},
		{"overflow", js, `{"name":"Ada","age":1e40}`, 400, "age", "must be an integer"},
		{"wrong type bool", js, `{"name":"Ada","admin":"yes"}`, 400, "admin", "must be a boolean, got string"},
		{"wrong type array", js, `{"name":"Ada","tags":"x"}`, 400, "tags", "must be an array, got string"},
		{"wrong elem", js, `{"name":"Ada","tags":[1]}`, 400, "tags", "must be a string, got number"},
		{"nested", js, `{"name":"Ada","address":{"zip":"N1"}}`, 400, "address.zip", "must be an integer, got string"},
		{"nested object", js, `{"name":"Ada","address":[]}`, 400, "address", "must be an object, got array"},
		{"root type", js, `[1,2]`, 400, "", "expected object, got array"},
		{"unknown field", js, `{"name":"Ada","is_admin":true}`, 400, "is_admin", "unknown field"},
		{"unknown nested", js, `{"name":"Ada","address":{"street":"x"}}`, 400, "street", "unknown field"},
		{"bad time", js, `{"name":"Ada","when":"yesterday"}`, 400, "", "invalid JSON value"},
		{"oversized", js, `{"name":"` + strings.Repeat("a", 2<<10) + `"}`, 413, "", "larger than 1024 bytes"},
		{"oversized trailer", js, `{"name":"a"}` + strings.Repeat(" ", 2<<10) + "x", 413, "", "larger than"},
		{"deep nesting", js, strings.Repeat("[", 600), 400, "", "malformed JSON"},
		{"validate", js, `{"age":-1}`, 422, "name", "this field is required"},
		{"null", js, `null`, 422, "name", "required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := do(a, "POST", "/b", strings.NewReader(tc.body), "Content-Type", tc.ct, "Accept", "application/json")
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if !strings.Contains(w.Body.String(), tc.want) {
				t.Errorf("body %s lacks %q", w.Body, tc.want)
			}
			if tc.field != "" {
				b := jsonBody(t, w)
				if _, ok := b.Fields[tc.field]; !ok {
					t.Errorf("error does not name field %q: %s", tc.field, w.Body)
				}
			}
		})
	}
	if w := do(a, "POST", "/nonptr", strings.NewReader(`{}`), "Content-Type", js); w.Code != 500 {
		t.Errorf("Bind(non-pointer) is a programming error: %d", w.Code)
	}
}

// FuzzBind checks that no body makes Bind panic or answer anything but success or
// a 4xx.
func FuzzBind(f *testing.F) {
	for _, s := range []string{`{"name":"a"}`, `{"age":"x"}`, `{`, `[]`, `null`, `{"address":{"zip":1e999}}`, "\xff", `{"tags":[[[[]]]]}`} {
		f.Add(s)
	}
	a, _ := testApp(f, false)
	a.Post("/b", func(c *Ctx) error {
		var in bindInput
		if err := c.Bind(&in); err != nil {
			return err
		}
		return c.NoContent(204)
	})
	f.Fuzz(func(t *testing.T, body string) {
		w := do(a, "POST", "/b", strings.NewReader(body), "Content-Type", "application/json")
		if w.Code != 204 && (w.Code < 400 || w.Code > 499) {
			t.Fatalf("body %q: status %d: %s", body, w.Code, w.Body)
		}
	})
}

// A body-limit middleware with a tighter bound than Settings.MaxBodyBytes: the
// 413 message names the bound that applied.
func TestBindTighterMiddlewareLimit(t *testing.T) {
	a, _ := testApp(t, false)
	a.Use(func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Body = http.MaxBytesReader(w, r.Body, 10)
			h.ServeHTTP(w, r)
		})
	})
	a.Post("/b", func(c *Ctx) error {
		var v map[string]string
		return c.Bind(&v)
	})
	w := do(a, "POST", "/b", strings.NewReader(`{"name":"a long enough value"}`), "Content-Type", "application/json")
	if w.Code != 413 || !strings.Contains(w.Body.String(), "larger than 10 bytes") {
		t.Errorf("got %d %s", w.Code, w.Body)
	}
}
