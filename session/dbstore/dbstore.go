// Package dbstore keeps sessions in the database through the orm, like Django's
// default database session engine: one row per session in the sessions_session
// table, expired rows removed by the clearsessions command.
//
//	db, _ := orm.Open(ctx, app.Settings.DatabaseURL)
//	galvani.Section(&settings, "session", session.Config{Store: dbstore.New(db)})
//	app := galvani.New(settings, dbstore.App) // instead of session.App: the model + clearsessions
//
// The table is created by `migrate` (dbstore.App ships its migration, like Django's
// sessions app), or directly with CreateTable.
package dbstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/migrate"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/session"
	"github.com/galvani-web/galvani/session/dbstore/migrations"
)

// Session is the row of one session. Key is the random session key (the cookie
// value); Data is the JSON of the values and the per-session expiry; Expires is
// indexed for clearsessions.
type Session struct {
	Key     string    `orm:"pk,max_length=64,column=session_key"`
	Data    string    `orm:"text,column=session_data"`
	Expires time.Time `orm:"index,column=expire_date"`
}

// App is the session battery with the database store: the Session model (app
// label "sessions", table sessions_session) and the clearsessions command. Install
// it instead of session.App.
var App galvani.AppConfig = app{}

type app struct{}

func (app) Label() string { return "sessions" }

// Models implements orm.ModelsProvider.
func (app) Models() []any { return []any{Session{}} }

// Migrations implements migrate.MigrationsProvider: `migrate` creates the table.
func (app) Migrations() []*migrate.Migration { return migrations.All }

// MigrationsDir implements migrate.MigrationsDirProvider, for regenerating the
// migrations from this package's source directory.
func (app) MigrationsDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "migrations")
}

// Commands implements galvani.CommandsProvider.
func (app) Commands() []*galvani.Command {
	return []*galvani.Command{session.ClearSessionsCommand()}
}

// Store is a session.Store on a database.
type Store struct {
	db *orm.DB
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

var (
	_ session.Store   = (*Store)(nil)
	_ session.Cleaner = (*Store)(nil)
)

// New returns a Store on db. It registers the Session model under the app label
// "sessions" if it is not registered yet.
func New(db *orm.DB) *Store {
	orm.MustRegister[Session]("sessions")
	return &Store{db: db}
}

// CreateTable creates the sessions table (for projects and tests that do not run
// migrations).
func CreateTable(ctx context.Context, db *orm.DB) error {
	orm.MustRegister[Session]("sessions")
	return orm.CreateTables(ctx, db, Session{})
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

type payload struct {
	Values map[string]json.RawMessage `json:"v"`
	Expiry int64                      `json:"x,omitempty"`
}

// Load returns the unexpired record for the key in the cookie. Keys that do not
// look like session keys are refused without a query.
func (s *Store) Load(ctx context.Context, cookie string) (session.Record, bool, error) {
	if !session.ValidKey(cookie) {
		return session.Record{}, false, nil
	}
	row, err := orm.Q[Session](s.db).Filter("key", cookie).Filter("expires__gt", s.now().UTC()).First(ctx)
	if errors.Is(err, orm.ErrNotFound) {
		return session.Record{}, false, nil
	}
	if err != nil {
		return session.Record{}, false, fmt.Errorf("dbstore: %w", err)
	}
	var p payload
	if err := json.Unmarshal([]byte(row.Data), &p); err != nil {
		return session.Record{}, false, nil // a row this store did not write
	}
	return session.Record{Values: p.Values, Expires: row.Expires, Expiry: p.Expiry}, true, nil
}

// Save inserts a new session under a fresh key (key "") or updates an existing
// one; updating a row deleted in the meantime returns session.ErrKeyGone.
func (s *Store) Save(ctx context.Context, key string, rec session.Record) (string, error) {
	data, err := json.Marshal(payload{Values: rec.Values, Expiry: rec.Expiry})
	if err != nil {
		return "", err
	}
	expires := rec.Expires.UTC()
	if key != "" {
		n, err := orm.Q[Session](s.db).Filter("key", key).Update(ctx, orm.Set("data", string(data)), orm.Set("expires", expires))
		if err != nil {
			return "", fmt.Errorf("dbstore: %w", err)
		}
		if n == 0 {
			return "", session.ErrKeyGone
		}
		return key, nil
	}
	var lastErr error
	for range 3 {
		row := &Session{Key: session.NewKey(), Data: string(data), Expires: expires}
		if lastErr = s.db.Create(ctx, row); lastErr == nil {
			return row.Key, nil
		}
	}
	return "", fmt.Errorf("dbstore: %w", lastErr)
}

// Delete removes the session for the key in the cookie.
func (s *Store) Delete(ctx context.Context, cookie string) error {
	if !session.ValidKey(cookie) {
		return nil
	}
	if _, err := orm.Q[Session](s.db).Filter("key", cookie).Delete(ctx); err != nil {
		return fmt.Errorf("dbstore: %w", err)
	}
	return nil
}

// DeleteExpired removes expired sessions (the clearsessions command calls it).
func (s *Store) DeleteExpired(ctx context.Context) (int64, error) {
	n, err := orm.Q[Session](s.db).Filter("expires__lte", s.now().UTC()).Delete(ctx)
	if err != nil {
		return 0, fmt.Errorf("dbstore: %w", err)
	}
	return n, nil
}
