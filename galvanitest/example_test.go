package galvanitest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/galvanitest"
)

// exampleT stands in for the *testing.T a real test passes to New: it prints
// failures instead of failing a test.
type exampleT struct{ testing.TB }

func (exampleT) Helper()                           {}
func (exampleT) Cleanup(func())                    {}
func (exampleT) Context() context.Context          { return context.Background() }
func (exampleT) Errorf(format string, args ...any) { fmt.Printf("FAIL: "+format+"\n", args...) }
func (exampleT) Fatalf(format string, args ...any) { fmt.Printf("FATAL: "+format+"\n", args...) }

// A login flow: the cookie the first response sets is sent with the next request,
// and FollowRedirects lands on the page the redirect points to. In a test, pass the
// test's t to New.
func ExampleClient() {
	app := galvani.New(galvani.Settings{Debug: true})
	app.Post("/login/", func(c *galvani.Ctx) error {
		http.SetCookie(c.Response, &http.Cookie{Name: "user", Value: c.Request.FormValue("name"), Path: "/"})
		return c.Redirect(http.StatusSeeOther, "/home/")
	})
	app.Get("/home/", func(c *galvani.Ctx) error {
		ck, err := c.Request.Cookie("user")
		if err != nil {
			return galvani.Error(http.StatusForbidden, "log in first")
		}
		return c.Text(http.StatusOK, "Welcome, "+ck.Value)
	})

	var t testing.TB = exampleT{} // in a test: the test's t
	c := galvanitest.New(t, app, galvanitest.FollowRedirects())
	r := c.PostForm("/login/", map[string][]string{"name": {"ada"}})
	r.AssertStatus(http.StatusOK).AssertContains("Welcome, ada")
	fmt.Println(r.Redirects, r.Body())
	fmt.Println(c.Cookie("user").Value)
	c.Get("/home/", galvanitest.NoFollow()).AssertStatus(http.StatusOK)
	// Output:
	// [http://example.com/login/] Welcome, ada
	// ada
}

func ExampleLiveServer() {
	var t testing.TB = exampleT{} // in a real test, the test's *testing.T, whose end stops the server
	app := galvani.New(galvani.Settings{Debug: true})
	app.Get("/", func(c *galvani.Ctx) error { return c.Text(200, "hello from a real server") })
	base := galvanitest.LiveServer(t, app)
	resp, err := http.Get(base + "/")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output: 200 hello from a real server
}
