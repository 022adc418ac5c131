package rest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/rest"
)

type signup struct {
	User struct {
		Email    string `json:"email" rest:"email" doc:"Where mail goes."`
		Name     string `json:"name" rest:"max_length=10,pattern=[a-z]+"`
		Password string `json:"password" rest:"notrim,min_length=8"`
		Age      *int   `json:"age" rest:"min=13,max=130"`
		Plan     string `json:"plan,omitempty" rest:"choices=free|pro"`
	} `json:"user"`
	Tags []string `json:"tags,omitempty" rest:"max_length=3"`
}

func (s *signup) Validate(ctx context.Context) error {
	if s.User.Name == s.User.Password {
		return rest.Invalid("user.password", "The password may not be the name.")
	}
	return nil
}

type account struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	Plan  string `json:"plan"`
}

type lookup struct {
	Name  string `path:"name"`
	Limit int    `query:"limit" rest:"default=5,min=1,max=50"`
	Loud  bool   `query:"loud"`
}

func endpointAPI(api *rest.API) {
	api.Post("/signup/", rest.Handle(func(r *rest.Request, in *signup) (*account, error) {
		plan := in.User.Plan
		if plan == "" {
			plan = "free"
		}
		return &account{Email: in.User.Email, Name: in.User.Name, Plan: plan}, nil
	}).Status(201).Name("signup").Summary("Create an account"))
	api.Get("/hello/{name}/", rest.Handle(func(r *rest.Request, in *lookup) (*map[string]any, error) {
		msg := "hello " + in.Name
		if in.Loud {
			msg = strings.ToUpper(msg)
		}
		return &map[string]any{"message": msg, "limit": in.Limit}, nil
	}))
	api.Delete("/hello/{name}/", rest.Handle(func(r *rest.Request, in *lookup) (*rest.NoContent, error) {
		if in.Name == "nobody" {
			return nil, rest.NotFound()
		}
		return nil, nil
	}))
}

func TestEndpoints(t *testing.T) {
	e := newEnv(t, rest.Config{}, endpointAPI)
	c := e.c
	c.PostJSON("/api/signup/", map[string]any{"user": map[string]any{"email": "a@example.com", "name": "ann", "password": " secret-pw "}}, jsonHeader()).
		AssertStatus(201).AssertJSON(`{"email":"a@example.com","name":"ann","plan":"free"}`)
	cases := []struct{ body, want string }{
		{`{}`, `{"user":["This field is required."]}`},
		{`{"user":{}}`, `{"user":{"email":["This field is required."],"name":["This field is required."],"password":["This field is required."]}}`},
		{`{"user":{"email":"nope","name":"ANN","password":"short","age":5,"plan":"gold"},"tags":["a","b","c","d"]}`,
			`{"user":{"email":["Enter a valid email address."],"name":["This value does not match the required pattern."],"password":["Ensure this field has at least 8 characters."],"age":["Ensure this value is greater than or equal to 13."],"plan":["\"gold\" is not a valid choice."]},"tags":["Ensure this field has no more than 3 elements."]}`},
		{`{"user":{"email":"a@example.com","name":"abcdefgh","password":"abcdefgh"}}`, `{"user":{"password":["The password may not be the name."]}}`},
		{`{"user":[1],"extra":1}`, `{"extra":["Unknown field."],"user":["Invalid data. Expected a dictionary, but got list."]}`},
		{`{"user":{"email":"a@example.com","name":"ann","password":"abcdefgh","age":"old"}}`, `{"user":{"age":["A valid integer is required."]}}`},
	}
	for _, tc := range cases {
		c.Post("/api/signup/", "application/json", strings.NewReader(tc.body), jsonHeader()).AssertStatus(400).AssertJSON(tc.want)
	}
	c.Get("/api/hello/ann/?loud=1", jsonHeader()).AssertStatus(200).AssertJSON(`{"message":"HELLO ANN","limit":5}`)
	c.Get("/api/hello/ann/?limit=99", jsonHeader()).AssertStatus(400).AssertJSON(`{"limit":["Ensure this value is less than or equal to 50."]}`)
	c.Get("/api/hello/ann/?limit=x", jsonHeader()).AssertStatus(400)
	c.Delete("/api/hello/ann/", jsonHeader()).AssertStatus(204)
	c.Delete("/api/hello/nobody/", jsonHeader()).AssertStatus(404)
	c.SendJSON("PUT", "/api/hello/ann/", map[string]any{}, jsonHeader()).AssertStatus(405).AssertHeader("Allow", "GET, DELETE, HEAD, OPTIONS")
}

func TestProblemErrors(t *testing.T) {
	e := newEnv(t, rest.Config{Errors: rest.ProblemErrors, ValidationStatus: 422}, endpointAPI)
	e.c.Post("/api/signup/", "application/json", strings.NewReader(`{}`), jsonHeader()).AssertStatus(422).
		AssertHeader("Content-Type", "application/problem+json").
		AssertJSON(`{"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"Invalid input.","errors":{"user":["This field is required."]}}`)
	e.c.Delete("/api/hello/nobody/", jsonHeader()).AssertStatus(404).
		AssertJSON(`{"type":"about:blank","title":"Not Found","status":404,"detail":"Not found."}`)
}

// Endpoints sharing a path keep their own policies: reading for anyone, writing
// for users; the schema says so per operation.
func TestEndpointsSharingAPathKeepTheirPolicies(t *testing.T) {
	type note struct {
		Text string `json:"text"`
	}
	e := newEnv(t, rest.Config{Authentication: []rest.Authenticator{rest.BasicAuth{}}}, func(api *rest.API) {
		api.Get("/notes/", rest.Handle(func(*rest.Request, *struct{}) (*note, error) { return &note{Text: "hi"}, nil }))
		api.Post("/notes/", rest.Handle(func(_ *rest.Request, in *note) (*note, error) { return in, nil }).Permissions(rest.IsAuthenticated))
		api.Delete("/notes/", rest.Handle(func(*rest.Request, *struct{}) (*rest.NoContent, error) { return nil, nil }).Permissions(rest.IsAdminUser))
	})
	e.c.Get("/api/notes/", jsonHeader()).AssertStatus(200)
	e.c.PostJSON("/api/notes/", map[string]any{"text": "x"}, jsonHeader()).AssertStatus(401)
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth("ann", "ann-password-1")
	ann := galvanitest.Header("Authorization", r.Header.Get("Authorization"))
	e.c.PostJSON("/api/notes/", map[string]any{"text": "x"}, jsonHeader(), ann).AssertStatus(200)
	e.c.Delete("/api/notes/", jsonHeader(), ann).AssertStatus(403)
	doc := e.c.Get("/api/schema.json").AssertStatus(200).Body()
	var d struct {
		Paths map[string]map[string]struct {
			Responses map[string]any `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatal(err)
	}
	ops := d.Paths["/api/notes/"]
	if _, ok := ops["get"].Responses["401"]; ok {
		t.Error("GET documents a 401")
	}
	if _, ok := ops["post"].Responses["401"]; !ok {
		t.Error("POST does not document its 401")
	}
}
