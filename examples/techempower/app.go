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
	serverHeader = []string{"Galvani"}
	textPlain    = []string{"text/plain"}
	textHTML     = []string{"text/html; charset=utf-8"}
	helloWorld   = []byte("Hello, World!")
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

// server holds the database the handlers use.
type server struct {
	db *orm.DB
}

// newApp returns the benchmark application. db may be nil when only /plaintext and
// /json are served (the database endpoints then answer 503).
func newApp(db *orm.DB) *galvani.App {
	registerModels()
	s := &server{db: db}
	app := galvani.New(galvani.Settings{AllowedHosts: []string{"*"}})
	app.Get("/plaintext", plaintext)
	app.Get("/json", jsonHandler)
	app.Get("/db", s.single)
	app.Get("/queries", s.queries)
	app.Get("/updates", s.updates)
	app.Get("/fortunes", s.fortunes)
	tfs, _ := fs.Sub(templates, "templates")
	app.SetTemplates(template.New(template.Dir(tfs, "templates/")))
	return app
}

func plaintext(c *galvani.Ctx) error {
	h := c.Response.Header()
	h["Server"] = serverHeader
	h["Content-Type"] = textPlain
	_, err := c.Response.Write(helloWorld)
	return err
}

// writeJSON answers v as JSON through Ctx.JSON, with the Server header the
// benchmark expects (net/http adds Date and Content-Length).
func writeJSON(c *galvani.Ctx, v any) error {
	c.Response.Header()["Server"] = serverHeader
	return c.JSON(http.StatusOK, v)
}

func jsonHandler(c *galvani.Ctx) error {
	return writeJSON(c, message{Message: "Hello, World!"})
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
	return writeJSON(c, w)
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
	return writeJSON(c, worlds)
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
	return writeJSON(c, worlds)
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
	h["Server"] = serverHeader
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
