package main

import (
	"context"
	"embed"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/template"
)

// message is the /json answer; a new one is made and serialized for every request,
// as the benchmark's rules require.
type message struct {
	Message string `json:"message"`
}

// Header values shared by every response: assigning a prepared slice into the
// header map costs no allocation, Header().Set would make one.
var (
	textPlain  = []string{"text/plain"}
	textHTML   = []string{"text/html; charset=utf-8"}
	helloWorld = []byte("Hello, World!")
)

// templates holds fortunes.html, the same Django template the Django peer renders.
//
//go:embed templates
var templates embed.FS

// fortunesPage is the data of fortunes.html: {{ f.id }} and {{ f.message }} find
// the fields by their snake_case names.
type fortunesPage struct {
	Fortunes []Fortune
}

// server holds the database the handlers use and the Server header they send.
type server struct {
	db     *orm.DB
	header []string // the Server header's value, nil for none
}

// newApp returns the benchmark application. db may be nil when only /plaintext and
// /json are served (the database endpoints then answer 503). name is the Server
// header every answer carries, or "" for none.
func newApp(db *orm.DB, name string) *galvani.App {
	registerModels()
	s := &server{db: db}
	if name != "" {
		s.header = []string{name}
	}
	app := galvani.New(galvani.Settings{AllowedHosts: []string{"*"}})
	app.Get("/plaintext", s.plaintext)
	app.Get("/json", s.jsonHello)
	app.Get("/db", s.single)
	app.Get("/queries", s.queries)
	app.Get("/updates", s.updates)
	app.Get("/fortunes", s.fortunes)
	tfs, _ := fs.Sub(templates, "templates")
	app.SetTemplates(template.New(template.Dir(tfs, "templates/")))
	return app
}

// setServer adds the Server header when the app sends one.
func (s *server) setServer(h http.Header) {
	if s.header != nil {
		h["Server"] = s.header
	}
}

func (s *server) plaintext(c *galvani.Ctx) error {
	h := c.Response.Header()
	s.setServer(h)
	h["Content-Type"] = textPlain
	_, err := c.Response.Write(helloWorld)
	return err
}

// writeJSON answers v as JSON through Ctx.JSON (net/http adds Date and
// Content-Length).
func (s *server) writeJSON(c *galvani.Ctx, v any) error {
	s.setServer(c.Response.Header())
	return c.JSON(http.StatusOK, v)
}

func (s *server) jsonHello(c *galvani.Ctx) error {
	return s.writeJSON(c, message{Message: "Hello, World!"})
}

func randomID() int32 { return int32(rand.IntN(10000) + 1) }

func (s *server) pool() (*orm.DB, error) {
	if s.db == nil {
		return nil, galvani.Error(http.StatusServiceUnavailable, "no database configured (-db)")
	}
	return s.db, nil
}

func (s *server) single(c *galvani.Ctx) error {
	db, err := s.pool()
	if err != nil {
		return err
	}
	w, err := orm.Q[World](db).Get(c.Context(), "id", randomID())
	if err != nil {
		return err
	}
	return s.writeJSON(c, w)
}

// queryCount reads the queries parameter as the rules say: missing or not a number
// is 1, and the value is clamped to 1..500.
func queryCount(u *url.URL) int {
	raw := u.RawQuery
	var v string
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		if k, val, _ := strings.Cut(kv, "="); k == "queries" {
			v = val
			break
		}
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 1
	}
	return min(n, 500)
}

func (s *server) fetchWorlds(ctx context.Context, db *orm.DB, n int) ([]World, error) {
	out := make([]World, n)
	worlds := orm.Q[World](db)
	for i := range out {
		w, err := worlds.Get(ctx, "id", randomID())
		if err != nil {
			return nil, err
		}
		out[i] = *w
	}
	return out, nil
}

func (s *server) queries(c *galvani.Ctx) error {
	db, err := s.pool()
	if err != nil {
		return err
	}
	worlds, err := s.fetchWorlds(c.Context(), db, queryCount(c.Request.URL))
	if err != nil {
		return err
	}
	return s.writeJSON(c, worlds)
}

func (s *server) updates(c *galvani.Ctx) error {
	db, err := s.pool()
	if err != nil {
		return err
	}
	worlds, err := s.fetchWorlds(c.Context(), db, queryCount(c.Request.URL))
	if err != nil {
		return err
	}
	for i := range worlds {
		worlds[i].RandomNumber = randomID()
	}
	// A row drawn twice keeps the number written last, in the table and the answer.
	latest := make(map[int32]int32, len(worlds))
	for _, w := range worlds {
		latest[w.ID] = w.RandomNumber
	}
	for i := range worlds {
		worlds[i].RandomNumber = latest[worlds[i].ID]
	}
	// One UPDATE for all rows, sorted by id so that concurrent requests lock them in
	// the same order.
	rows := make([]World, 0, len(latest))
	for id, n := range latest {
		rows = append(rows, World{ID: id, RandomNumber: n})
	}
	slices.SortFunc(rows, func(a, b World) int { return int(a.ID - b.ID) })
	if _, err := orm.BulkUpdate(c.Context(), db, rows, "random_number"); err != nil {
		return err
	}
	return s.writeJSON(c, worlds)
}

func (s *server) fortunes(c *galvani.Ctx) error {
	db, err := s.pool()
	if err != nil {
		return err
	}
	fortunes, err := orm.Q[Fortune](db).All(c.Context())
	if err != nil {
		return err
	}
	fortunes = append(fortunes, Fortune{ID: 0, Message: "Additional fortune added at request time."})
	slices.SortFunc(fortunes, func(a, b Fortune) int { return strings.Compare(a.Message, b.Message) })
	h := c.Response.Header()
	s.setServer(h)
	h["Content-Type"] = textHTML
	return c.Render(200, "fortunes.html", &fortunesPage{Fortunes: fortunes})
}

// hasParam reports whether the URL-style DSN sets the query parameter name.
func hasParam(dsn, name string) bool {
	u, err := url.Parse(dsn)
	if err != nil {
		return strings.Contains(dsn, name+"=")
	}
	_, ok := u.Query()[name]
	return ok
}
