package session

import (
	"context"
	"fmt"
	"io"

	"github.com/galvani-web/galvani"
)

// App is the session battery as an installable app: it contributes the
// clearsessions command. Install it with galvani.New(settings, session.App) and add
// the middleware with app.Use(session.Middleware(&app.Settings)).
var App galvani.AppConfig = app{}

type app struct{}

func (app) Label() string { return "sessions" }

// Commands implements galvani.CommandsProvider.
func (app) Commands() []*galvani.Command { return []*galvani.Command{ClearSessionsCommand()} }

// ClearSessionsCommand returns the clearsessions management command, which removes
// expired sessions from the configured store when the store needs it (a Cleaner,
// such as the database store). Cookie and Redis sessions expire by themselves.
func ClearSessionsCommand() *galvani.Command {
	return &galvani.Command{Name: "clearsessions", Help: "delete expired sessions from the session store",
		Args: galvani.MaxArgs(0),
		Run: func(ctx context.Context, inv *galvani.Invocation) error {
			m, err := FromSettings(&inv.App.Settings)
			if err != nil {
				return err
			}
			return ClearExpired(ctx, m.Store(), inv.Stdout)
		}}
}

// ClearExpired deletes expired sessions from store when it is a Cleaner and writes
// a one-line summary to w.
func ClearExpired(ctx context.Context, store Store, w io.Writer) error {
	c, ok := store.(Cleaner)
	if !ok {
		_, err := fmt.Fprintf(w, "clearsessions: the %T store expires sessions by itself; nothing to do\n", store)
		return err
	}
	n, err := c.DeleteExpired(ctx)
	if err != nil {
		return fmt.Errorf("clearsessions: %w", err)
	}
	_, err = fmt.Fprintf(w, "clearsessions: deleted %d expired sessions\n", n)
	return err
}
