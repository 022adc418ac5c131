package dbstore

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/migrate"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/session"
)

// TestMigrationCreatesTable: `migrate` with dbstore.App installed creates a table
// the store works on, and the shipped migration matches the model.
func TestMigrationCreatesTable(t *testing.T) {
	ctx := context.Background()
	url := "sqlite:///" + filepath.Join(t.TempDir(), "m.db")
	app := galvani.New(galvani.Settings{DatabaseURL: url}, App, migrate.App)
	if err := app.RunCommand(ctx, []string{"migrate"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := app.RunCommand(ctx, []string{"makemigrations", "--check", "--dry-run"}, io.Discard); err != nil {
		t.Fatalf("the Session model changed without a migration: %v", err)
	}
	db, err := orm.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store := New(db)
	rec := session.Record{Values: map[string]json.RawMessage{"n": json.RawMessage("1")}, Expires: time.Now().Add(time.Hour)}
	key, err := store.Save(ctx, "", rec)
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := store.Load(ctx, key)
	if err != nil || !ok || string(got.Values["n"]) != "1" {
		t.Fatalf("load after save: %v %v %v", got, ok, err)
	}
}
