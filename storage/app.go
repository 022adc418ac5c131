package storage

import (
	"context"
	"fmt"
	"sync"

	"github.com/galvani-web/galvani"
)

// DefaultURL is the storage a project uses when STORAGE_URL is not set: the
// directory "media" under the working directory, served under /media/.
const DefaultURL = "file:///./media?base_url=/media/"

// Config is the "storage" settings section.
type Config struct {
	// URL names the project's default storage (see Open for the forms): file:///dir,
	// memory:// or, with storage/s3 imported, s3://bucket. Default DefaultURL.
	// Env: STORAGE_URL. Credentials in it are never logged (RedactURL).
	URL string `env:"STORAGE_URL"`

	opened *opened
}

type opened struct {
	storage Storage
	err     error
}

var openMu sync.Mutex

// For returns the default storage of the project configured by s, opening it
// from the "storage" section's URL on the first call for that Settings value (the
// storage App's Ready does it at start-up).
func For(s *galvani.Settings) (Storage, error) {
	openMu.Lock()
	defer openMu.Unlock()
	cfg := galvani.Section(s, "storage", Config{})
	if cfg.opened == nil {
		raw := cfg.URL
		if raw == "" {
			raw = DefaultURL
		}
		st, err := Open(context.Background(), raw)
		cfg.opened = &opened{storage: st, err: err}
	}
	return cfg.opened.storage, cfg.opened.err
}

// Pinger is implemented by storages that can tell whether they are usable now (a
// remote bucket exists and the credentials are accepted). The storage App
// registers it as the readiness check "storage.default".
type Pinger interface {
	Ping(ctx context.Context) error
}

// App is the storage battery as an installable app:
//
//	app := galvani.New(settings, storage.App, ...)
//
// At start-up it opens the default storage (Config.URL, env STORAGE_URL) so that
// a malformed URL stops the project, makes it the storage Default returns (the
// one file fields use when they name none), and, when that storage is a Pinger
// (an S3 bucket), registers the readiness check "storage.default". `check` reports a URL
// that cannot be opened as storage.E001.
var App galvani.AppConfig = storageApp{}

type storageApp struct{}

func (storageApp) Label() string { return "storage" }

// Ready implements galvani.ReadyHook.
func (storageApp) Ready(app *galvani.App) error {
	st, err := For(&app.Settings)
	if err != nil {
		return err
	}
	SetDefault(st)
	if p, ok := st.(Pinger); ok {
		app.AddReadinessCheck("storage.default", p.Ping)
	}
	return nil
}

// Check implements galvani.Checker: storage.E001 for a storage URL that does not
// parse, names an unknown scheme or has a bad option.
func (storageApp) Check(app *galvani.App) []galvani.CheckMessage {
	cfg := galvani.Section(&app.Settings, "storage", Config{})
	raw := cfg.URL
	if raw == "" {
		return nil
	}
	if _, err := Open(context.Background(), raw); err != nil {
		return []galvani.CheckMessage{{Level: galvani.CheckError, ID: "storage.E001",
			Msg: fmt.Sprint(err), Hint: "See docs/storage.md for the storage URL forms.", Object: "settings"}}
	}
	return nil
}
