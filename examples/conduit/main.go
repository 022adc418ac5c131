// Command conduit is the RealWorld ("Conduit") backend on Galvani: users with JWT
// authentication ("Authorization: Token <jwt>"), profiles and follows, articles
// with tags, favourites, comments and a feed, under /api, built with the rest,
// auth and orm batteries. SQLite by default; PostgreSQL or MySQL by DATABASE_URL.
//
//	go run ./examples/conduit migrate   # create the tables
//	go run ./examples/conduit           # serve http://127.0.0.1:8000/api/
//
// The OpenAPI document is at /api/schema.json, its docs page at /api/schema/docs/.
package main

import (
	"context"
	"crypto/sha256"
	"log"
	"os"
	"path/filepath"
	"runtime"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/examples/conduit/migrations"
	"github.com/galvani-web/galvani/migrate"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/rest/jwt"
	"github.com/galvani-web/galvani/security"
)

func main() {
	settings, err := galvani.LoadSettings()
	if err != nil {
		log.Fatal(err)
	}
	if _, set := os.LookupEnv("DEBUG"); !set {
		settings.Debug = true // DEBUG=0 for production behaviour
	}
	if settings.DatabaseURL == "" {
		settings.DatabaseURL = "sqlite:///conduit.db"
	}
	app, dbs, err := newApp(context.Background(), settings)
	if err != nil {
		log.Fatal(err)
	}
	defer dbs.Close()
	app.Run()
}

// users is the auth app for Conduit's own user model.
var users = auth.New[User](auth.Options{})

// conduitApp is the installed app of Conduit's models and migrations.
type conduitApp struct{}

func (conduitApp) Label() string { return "conduit" }
func (conduitApp) Models() []any {
	return []any{User{}, Follow{}, Tag{}, Article{}, Favorite{}, Comment{}}
}
func (conduitApp) Migrations() []*migrate.Migration { return migrations.All }

// MigrationsDir tells makemigrations where the migrations live.
func (conduitApp) MigrationsDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "migrations")
}

// newApp assembles the project; the tests build the same App on a temporary database.
func newApp(ctx context.Context, settings galvani.Settings) (*galvani.App, *orm.Databases, error) {
	// The JWT key is derived from SECRET_KEY, so rotating one rotates the other.
	key := sha256.Sum256([]byte("galvani.conduit.jwt:" + settings.SecretKey))
	tokens, err := jwt.New(jwt.Config{Key: key[:], Keyword: "Token", AccessLifetime: tokenLifetime})
	if err != nil {
		return nil, nil, err
	}
	app := galvani.New(settings,
		security.App,
		migrate.App,
		conduitApp{},
		users,
		galvani.Include("/api", newAPI(tokens)),
	)
	dbs, err := orm.Install(ctx, app)
	if err != nil {
		return nil, nil, err
	}
	return app, dbs, nil
}
