package orm

import (
	"context"
	"fmt"
	"reflect"
)

// CreateTables creates the tables (with indexes, M2M join tables and foreign keys) of
// the given models — values or pointers of registered model types, or *ModelInfo —
// in an order that satisfies their foreign keys. It is for tests and prototypes until
// migrations manage the schema.
func CreateTables(ctx context.Context, db *DB, models ...any) error {
	infos, err := infosOf(models)
	if err != nil {
		return err
	}
	if err := Check(); err != nil {
		return err
	}
	d := db.dialect
	var stmts, fks []string
	for _, m := range sortByDependency(infos) {
		stmts = append(stmts, d.CreateTableSQL(m)...)
		for _, f := range m.concrete {
			if f.Rel != nil {
				if s := d.ForeignKeySQL(m, f); s != "" {
					fks = append(fks, s)
				}
			}
		}
	}
	for _, m := range infos {
		for _, f := range m.m2m {
			stmts = append(stmts, d.CreateM2MTableSQL(f)...)
		}
	}
	for _, s := range append(stmts, fks...) {
		if _, err := db.exec(ctx, s, nil); err != nil {
			return fmt.Errorf("orm: CreateTables: %s: %w", s, err)
		}
	}
	return nil
}

// DropTables drops the tables of the given models and their M2M join tables, if they
// exist.
func DropTables(ctx context.Context, db *DB, models ...any) error {
	infos, err := infosOf(models)
	if err != nil {
		return err
	}
	if db.dialect.Name() == "mysql" && db.txFor(ctx) == nil {
		// one connection for the session setting (DDL commits implicitly on MySQL)
		return db.Atomic(ctx, func(ctx context.Context, tx *DB) error {
			if _, err := tx.exec(ctx, "SET FOREIGN_KEY_CHECKS = 0", nil); err != nil {
				return err
			}
			defer tx.exec(context.WithoutCancel(ctx), "SET FOREIGN_KEY_CHECKS = 1", nil)
			return dropTables(ctx, tx, infos)
		})
	}
	return dropTables(ctx, db, infos)
}

func dropTables(ctx context.Context, db *DB, infos []*ModelInfo) error {
	d := db.dialect
	sorted := sortByDependency(infos)
	for i := len(sorted) - 1; i >= 0; i-- {
		m := sorted[i]
		for _, f := range m.m2m {
			if f.Rel.throughName == "" {
				if _, err := db.exec(ctx, d.DropTableSQL(f.Rel.ThroughTable), nil); err != nil {
					return err
				}
			}
		}
		if _, err := db.exec(ctx, d.DropTableSQL(m.Table), nil); err != nil {
			return err
		}
	}
	return nil
}

func infosOf(models []any) ([]*ModelInfo, error) {
	if len(models) == 0 {
		return nil, fmt.Errorf("orm: no models given")
	}
	var out []*ModelInfo
	for _, v := range models {
		if m, ok := v.(*ModelInfo); ok {
			out = append(out, m)
			continue
		}
		t := reflect.TypeOf(v)
		for t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		m, err := infoOfType(t)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// sortByDependency orders models so that FK targets come first (cycles keep the
// given order; their constraints are added afterwards anyway).
func sortByDependency(ms []*ModelInfo) []*ModelInfo {
	in := map[*ModelInfo]bool{}
	for _, m := range ms {
		in[m] = true
	}
	var out []*ModelInfo
	state := map[*ModelInfo]int{}
	var visit func(m *ModelInfo)
	visit = func(m *ModelInfo) {
		if state[m] != 0 {
			return
		}
		state[m] = 1
		for _, f := range m.concrete {
			if f.Rel == nil {
				continue
			}
			if t, err := f.Rel.Target(); err == nil && in[t] && t != m {
				visit(t)
			}
		}
		state[m] = 2
		out = append(out, m)
	}
	for _, m := range ms {
		visit(m)
	}
	return out
}
