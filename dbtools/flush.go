package dbtools

import (
	"context"
	"fmt"
	"strings"

	"github.com/galvani-web/galvani/orm"
)

// FlushTables returns the tables of models (and their automatic join tables) that
// exist in the database, in an order that deletes children before parents.
func FlushTables(ctx context.Context, db *orm.DB, models []*orm.ModelInfo) ([]string, error) {
	existing, err := Tables(ctx, db)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, t := range existing {
		have[t] = true
		if db.Dialect().Name() == "mysql" {
			have[strings.ToLower(t)] = true
		}
	}
	var out []string
	seen := map[string]bool{}
	add := func(t string) {
		if (have[t] || have[strings.ToLower(t)]) && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	for i := len(models) - 1; i >= 0; i-- {
		for _, f := range dumpableM2M(models[i]) {
			add(f.Rel.ThroughTable)
		}
	}
	for i := len(models) - 1; i >= 0; i-- {
		add(models[i].Table)
	}
	return out, nil
}

// Flush deletes every row of the models' tables and their automatic join tables
// (those that exist) and restarts their key sequences, like Django's flush: the
// schema and the migration history stay. Foreign keys between the emptied tables do
// not get in the way. It returns the number of tables emptied.
func Flush(ctx context.Context, db *orm.DB, models []*orm.ModelInfo) (int, error) {
	tables, err := FlushTables(ctx, db, models)
	if err != nil || len(tables) == 0 {
		return 0, err
	}
	q := db.Dialect().QuoteIdent
	quoted := make([]string, len(tables))
	for i, t := range tables {
		quoted[i] = q(t)
	}
	switch db.Dialect().Name() {
	case "postgres":
		_, err = db.Exec(ctx, "TRUNCATE "+strings.Join(quoted, ", ")+" RESTART IDENTITY")
	case "mysql":
		// one connection, so that the session setting covers every statement
		err = db.Atomic(ctx, func(ctx context.Context, tx *orm.DB) error {
			if _, err := tx.Exec(ctx, "SET FOREIGN_KEY_CHECKS = 0"); err != nil {
				return err
			}
			defer tx.Exec(context.WithoutCancel(ctx), "SET FOREIGN_KEY_CHECKS = 1")
			for _, t := range quoted {
				if _, err := tx.Exec(ctx, "DELETE FROM "+t); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, "ALTER TABLE "+t+" AUTO_INCREMENT = 1"); err != nil {
					return err
				}
			}
			return nil
		})
	default:
		err = db.Atomic(ctx, func(ctx context.Context, tx *orm.DB) error {
			for _, t := range quoted {
				if _, err := tx.Exec(ctx, "DELETE FROM "+t); err != nil {
					return err
				}
			}
			seq, err := queryStrings(ctx, tx, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'")
			if err != nil || len(seq) == 0 {
				return err
			}
			for _, t := range tables {
				if _, err := tx.Exec(ctx, "DELETE FROM sqlite_sequence WHERE name = ?", t); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err != nil {
		return 0, fmt.Errorf("flush: %w", err)
	}
	return len(tables), nil
}
