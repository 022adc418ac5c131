package migrate

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/orm"
)

// Check implements galvani.Checker. It warns when the default database has
// migrations that are not applied yet, like Django's runserver notice, so that
// `go run .` on a new database says what to run instead of answering every page with
// "no such table". The check never changes the schema; it may create the empty
// galvani_migrations bookkeeping table, as migrate would.
func (*Battery) Check(a *galvani.App) []galvani.CheckMessage {
	p, err := loadProject(a)
	if err != nil {
		return []galvani.CheckMessage{{Level: galvani.CheckError, ID: "migrate.E001", Object: "migrations",
			Msg: err.Error()}}
	}
	changes := p.modelChanges()
	if len(p.graph.All()) == 0 || a.Settings.DatabaseURL == "" {
		return changes
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := orm.Open(ctx, a.Settings.DatabaseURL)
	if err != nil {
		return []galvani.CheckMessage{{Level: galvani.CheckWarning, ID: "migrate.W002", Object: "database",
			Msg: fmt.Sprintf("could not open the database to look for unapplied migrations: %v", err)}}
	}
	defer db.Close()
	x := &Executor{DB: db, Graph: p.graph}
	applied, err := x.Applied(ctx)
	if err != nil {
		return []galvani.CheckMessage{{Level: galvani.CheckWarning, ID: "migrate.W002", Object: "database",
			Msg: fmt.Sprintf("could not read the applied migrations: %v", err)}}
	}
	plan, err := x.Plan(Options{}, applied)
	if err != nil {
		return []galvani.CheckMessage{{Level: galvani.CheckError, ID: "migrate.E002", Object: "migrations", Msg: err.Error()}}
	}
	msgs := changes
	if missing := x.Missing(applied); len(missing) > 0 {
		msgs = append(msgs, galvani.CheckMessage{
			Level:  galvani.CheckWarning,
			ID:     "migrate.W003",
			Object: "database",
			Msg: fmt.Sprintf("%d migration(s) recorded as applied are not in the code: %s; the database schema may differ from what the migrations describe",
				len(missing), strings.Join(missing, ", ")),
			Hint: "restore the deleted or renamed migration files; if they are gone for good, check the schema and delete their rows from " + Table,
		})
	}
	if len(plan) == 0 {
		return msgs
	}
	return append(msgs, galvani.CheckMessage{
		Level:  galvani.CheckWarning,
		ID:     "migrate.W001",
		Object: "database",
		Msg: fmt.Sprintf("%d unapplied migration(s), starting with %s: the site may not work until they are applied",
			len(plan), plan[0].Migration.Key()),
		Hint: "run the migrate command (go run . migrate)",
	})
}

// maxChangesShown bounds the operations a migrate.W004 message lists per app.
const maxChangesShown = 5

// modelChanges warns, per app, about models that differ from the app's migrations
// (a field added to a struct and no makemigrations run): the database would not
// have the column, and the first query would fail with "no such column". It reads
// only the code, as makemigrations does.
func (p *project) modelChanges() []galvani.CheckMessage {
	ops := p.pendingOperations()
	apps := make([]string, 0, len(ops))
	for app := range ops {
		if p.hasMig[app] {
			apps = append(apps, app)
		}
	}
	sort.Strings(apps)
	var msgs []galvani.CheckMessage
	for _, app := range apps {
		var what []string
		for i, op := range ops[app] {
			if i == maxChangesShown {
				what = append(what, fmt.Sprintf("and %d more", len(ops[app])-maxChangesShown))
				break
			}
			what = append(what, op.Describe())
		}
		msgs = append(msgs, galvani.CheckMessage{
			Level:  galvani.CheckWarning,
			ID:     "migrate.W004",
			Object: app,
			Msg: fmt.Sprintf("the models of app %q have changes that are not in a migration (%s): the database will not match them, and queries will fail with \"no such column\" or \"no such table\"",
				app, strings.Join(what, "; ")),
			Hint: "run go run . makemigrations, review the new migration, then go run . migrate",
		})
	}
	return msgs
}
