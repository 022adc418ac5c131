// Package migrate is Galvani's migration framework: Django's makemigrations and
// migrate for Go structs.
//
// A migration is Go source in an app's migrations package, written by
// makemigrations and reviewed and committed by the developer. Its operations
// (CreateModel, AddField, AlterField, RenameField, RenameModel, AddIndex, RunSQL,
// RunGo, ...) work on a State — the project's models as data — so the history can be
// replayed without the Go types that once declared the models. The autodetector
// compares the State of the migration history with the State of today's registered
// models and writes the operations that turn one into the other; the Executor applies
// and unapplies migrations on SQLite, PostgreSQL and MySQL/MariaDB, recording them in
// the galvani_migrations table.
//
// See docs/migrations.md for the workflow.
package migrate
