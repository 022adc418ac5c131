package orm

import (
	"context"
	"fmt"
	"strings"

	"github.com/galvani-web/galvani"
)

// Install wires the ORM into a Galvani app: it registers the models of the installed
// apps (those implementing ModelsProvider), opens every database of app.Settings
// (Databases, with DatabaseURL as "default"), puts the default database in each
// request's context (From, DBFrom) and, when Settings.Debug is on, records each
// request's queries and shows them on the debug page. Each database is pinged by the
// App's readiness probe, as the check "database.NAME" (except the read replicas named
// by Settings.DatabaseReplicas, which are attached to the default database with
// AddReplica; reads fall back to the primary when one is down; the requests after
// a write read the primary for Settings.DatabaseReplicaPin). With
// Settings.LogLevel "debug" every statement is logged to app.Logger (LogQueries),
// with the request ID. Installed apps that implement Instrumenter (the metrics
// battery) are offered each database. Call it after galvani.New and before serving; close the
// returned Databases on shutdown.
func Install(ctx context.Context, app *galvani.App) (*Databases, error) {
	var apps []any
	for _, a := range app.Apps() {
		apps = append(apps, a)
	}
	if err := RegisterApps(apps...); err != nil {
		return nil, err
	}
	if err := Check(); err != nil {
		return nil, err
	}
	s := app.Settings
	urls := map[string]string{}
	for name, u := range s.Databases {
		urls[name] = u
	}
	if s.DatabaseURL != "" {
		urls["default"] = s.DatabaseURL
	}
	if len(urls) == 0 {
		return nil, fmt.Errorf("orm: no database configured (Settings.DatabaseURL)")
	}
	dbs, err := OpenDatabases(ctx, urls)
	if err != nil {
		return nil, err
	}
	if s.Debug {
		app.Use(QueryLogMiddleware)
		app.AddDebugSection("SQL queries", DebugSection)
	}
	def := dbs.Default()
	replica := map[string]bool{}
	for _, name := range s.DatabaseReplicas {
		r, err := dbs.Get(name)
		if err == nil && def == nil {
			err = fmt.Errorf("orm: replica %q: no default database to be a replica of", name)
		}
		if err == nil && name == "default" {
			err = fmt.Errorf("orm: DatabaseReplicas names %q: the default database is the primary", name)
		}
		if err == nil {
			err = def.AddReplica(r)
		}
		if err != nil {
			dbs.Close()
			return nil, err
		}
		replica[name] = true
	}
	if def != nil {
		if s.DatabaseReplicaPin != 0 {
			def.SetReplicaPin(s.DatabaseReplicaPin)
		}
		app.Use(Middleware(def))
	}
	for _, name := range dbs.Names() {
		if replica[name] {
			continue // reads fall back to the primary: a lost replica must not make every server unready
		}
		db, _ := dbs.Get(name)
		if strings.EqualFold(s.LogLevel, "debug") {
			db.AddQueryHook(LogQueries(app.Logger))
		}
		instrument(app, db)
		app.AddReadinessCheck("database."+name, db.SQL().PingContext)
	}
	return dbs, nil
}
