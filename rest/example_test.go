package rest_test

import (
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/rest"
)

// A typed endpoint: its input and output types are its validation and its schema.
func ExampleHandle() {
	type greeting struct {
		Name string `json:"name" rest:"max_length=20"`
	}
	type reply struct {
		Message string `json:"message"`
	}
	api := rest.New(rest.Config{})
	api.Post("/greet/", rest.Handle(func(r *rest.Request, in *greeting) (*reply, error) {
		return &reply{Message: "Hello, " + in.Name + "!"}, nil
	}))
	app := galvani.New(galvani.Settings{AllowedHosts: []string{"example.com"}}, galvani.Include("/api", api))

	for _, body := range []string{`{"name": "Ada"}`, `{}`, `{"name": "Ada", "admin": true}`} {
		req := httptest.NewRequest("POST", "/api/greet/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		app.ServeHTTP(w, req)
		fmt.Println(w.Code, w.Body.String())
	}
	// Output:
	// 200 {"message":"Hello, Ada!"}
	// 400 {"name":["This field is required."]}
	// 400 {"admin":["Unknown field."]}
}
