package migrate

import (
	"context"
	"io"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/orm"
)

// PostMigrateHook is implemented by installed apps that act after the migrate
// command has brought the database up to date, like handlers of Django's
// post_migrate signal: the auth app creates the permissions of every model this
// way. applied holds the migrations now applied ("app.name"), so a hook can tell
// whether the tables it needs exist. Hooks must be idempotent: they run after every
// migrate, including one with nothing to apply.
type PostMigrateHook interface {
	PostMigrate(ctx context.Context, db *orm.DB, applied map[string]time.Time, out io.Writer) error
}

// PostMigrateAppHook is PostMigrateHook for hooks that need the project: the
// database cache creates the tables its cache URLs name (Django's
// createcachetable) this way.
type PostMigrateAppHook interface {
	PostMigrateApp(ctx context.Context, a *galvani.App, db *orm.DB, applied map[string]time.Time, out io.Writer) error
}

// RunPostMigrate calls PostMigrate (or PostMigrateApp) on every installed app of a
// that implements it, in installation order. The migrate command calls it after
// migrating (not with --plan); programs that drive the Executor themselves call it
// likewise.
func RunPostMigrate(ctx context.Context, a *galvani.App, db *orm.DB, out io.Writer) error {
	var hooks []PostMigrateHook
	for _, ac := range a.Apps() {
		if h, ok := ac.(PostMigrateHook); ok {
			hooks = append(hooks, h)
		} else if h, ok := ac.(PostMigrateAppHook); ok {
			hooks = append(hooks, appHook{h, a})
		}
	}
	if len(hooks) == 0 {
		return nil
	}
	applied, err := (&Executor{DB: db}).Applied(ctx)
	if err != nil {
		return err
	}
	if out == nil {
		out = io.Discard
	}
	for _, h := range hooks {
		if err := h.PostMigrate(ctx, db, applied, out); err != nil {
			return err
		}
	}
	return nil
}

// appHook adapts a PostMigrateAppHook to PostMigrateHook.
type appHook struct {
	h PostMigrateAppHook
	a *galvani.App
}

func (h appHook) PostMigrate(ctx context.Context, db *orm.DB, applied map[string]time.Time, out io.Writer) error {
	return h.h.PostMigrateApp(ctx, h.a, db, applied, out)
}
