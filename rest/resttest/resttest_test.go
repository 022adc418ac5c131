package resttest_test

import (
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/rest"
	"github.com/galvani-web/galvani/rest/resttest"
)

func TestForceAuthenticate(t *testing.T) {
	api := rest.New(rest.Config{Authentication: []rest.Authenticator{rest.BasicAuth{}}, Permissions: []rest.Permission{rest.IsAuthenticated}})
	type out struct {
		User string `json:"user"`
		Auth any    `json:"auth"`
	}
	api.Get("/me/", rest.Handle(func(r *rest.Request, _ *struct{}) (*out, error) {
		return &out{User: r.User.AuthUser().Username, Auth: r.Auth}, nil
	}))
	app := galvani.New(galvani.Settings{AllowedHosts: []string{galvanitest.DefaultHost}}, galvani.Include("/api", api))
	c := resttest.New(t, app)
	c.Get("/api/me/").AssertStatus(401)
	ann := &auth.User{AbstractUser: auth.AbstractUser{Username: "ann", IsActive: true}}
	ann.ID = 7
	c.ForceAuthenticate(ann, "key-1")
	c.Get("/api/me/").AssertStatus(200).AssertJSON(`{"user":"ann","auth":"key-1"}`)
	c.ForceAuthenticate(nil, nil)
	c.Get("/api/me/").AssertStatus(401)
	c.Unforce()
	c.Get("/api/me/").AssertStatus(401)
}
