// Package resttest is the test client of REST APIs: galvanitest's client, asking
// for JSON, with DRF's force_authenticate — requests made as a user without
// credentials, so a test of a view need not log in.
//
//	c := resttest.New(t, app)
//	c.ForceAuthenticate(ann)
//	c.PostJSON("/api/articles/", map[string]any{"title": "Hi"}).AssertStatus(201)
package resttest

import (
	"net/http"
	"testing"

	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/rest"
)

// Client is a galvanitest.Client whose requests accept JSON and may be forced to
// be authenticated.
type Client struct {
	*galvanitest.Client
	user   auth.UserModel
	info   any
	forced bool
}

// New returns a client of h. Options apply as with galvanitest.New.
func New(t testing.TB, h http.Handler, opts ...galvanitest.Option) *Client {
	opts = append([]galvanitest.Option{galvanitest.Header("Accept", "application/json")}, opts...)
	c := &Client{Client: galvanitest.New(t, h, opts...)}
	c.Before(func(r *http.Request) {
		if c.forced {
			*r = *r.WithContext(rest.ForceAuthenticate(r.Context(), c.user, c.info))
		}
	})
	return c
}

// ForceAuthenticate makes every following request authenticated as user (nil:
// anonymous, whatever credentials it carries), with info as the credential
// (Request.Auth). The API's authenticators are skipped; its permissions and
// throttles still apply.
func (c *Client) ForceAuthenticate(user auth.UserModel, info any) {
	c.user, c.info, c.forced = user, info, true
}

// Unforce goes back to authenticating requests by what they carry.
func (c *Client) Unforce() { c.user, c.info, c.forced = nil, nil, false }
