package orm

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// TestParameterLimit: a query binding more parameters than the database takes in one
// statement fails before it is sent, with an error naming the model, the count and the
// limit (it used to be the driver's "too many SQL variables", "extended protocol limited
// to 65535 parameters" or "Prepared statement contains too many placeholders"); at the
// limit it runs. The limits are the real ones: SQLite 32766 (SQLITE_MAX_VARIABLE_NUMBER
// in modernc.org/sqlite), PostgreSQL and MySQL/MariaDB 65535.
func TestParameterLimit(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		limit := db.Dialect().MaxParams()
		if want := map[string]int{"sqlite": 32766, "postgres": 65535, "mysql": 65535}[db.Dialect().Name()]; limit != want {
			t.Fatalf("MaxParams %d, want %d", limit, want)
		}
		a := mkAuthor(t, db, "Limit")
		keys := func(n int) []int64 {
			ks := make([]int64, n)
			ks[0] = a.ID
			for i := 1; i < n; i++ {
				ks[i] = -int64(i)
			}
			return ks
		}
		ctx, log := WithQueryLog(context.Background())

		// at the limit: one statement, run
		n, err := Q[Author](db).Filter("id__in", keys(limit)).Count(ctx)
		if err != nil || n != 1 {
			t.Fatalf("%d parameters: %v, %d rows", limit, err, n)
		}
		got, err := Raw[Author](ctx, db, "SELECT id, name, email, karma, bio FROM ormtest_author WHERE id IN (?"+strings.Repeat(", ?", limit-1)+")", anys(keys(limit))...)
		if err != nil || len(got) != 1 {
			t.Fatalf("Raw with %d parameters: %v, %d rows", limit, err, len(got))
		}

		// one over: refused before anything is sent, by every kind of query
		over := keys(limit + 1)
		qs := Q[Author](db).Filter("id__in", over)
		// every parameter counts, not just one list's
		half := Q[Author](db).Filter("id__in", over[:limit/2], "karma__in", keys(limit+1-limit/2))
		runs := map[string]func() error{
			"All":       func() error { _, err := qs.All(ctx); return err },
			"two lists": func() error { _, err := half.All(ctx); return err },
			"Get":       func() error { _, err := qs.Get(ctx); return err },
			"First":     func() error { _, err := qs.First(ctx); return err },
			"Count":     func() error { _, err := qs.Count(ctx); return err },
			"Exists":    func() error { _, err := qs.Exists(ctx); return err },
			"Values":    func() error { _, err := qs.Values(ctx, "name"); return err },
			"Aggregate": func() error { _, err := qs.Aggregate(ctx, Count("id")); return err },
			"Annotate+Filter": func() error {
				_, err := Q[Author](db).Annotate(Count("id").As("n")).Filter("n__in", over).Values(ctx, "karma")
				return err
			},
			"Update": func() error { _, err := qs.Update(ctx, Set("karma", 1)); return err },
			"Delete": func() error { _, err := qs.Delete(ctx); return err },
			"Iter": func() error {
				for _, err := range qs.Iter(ctx) {
					return err
				}
				return nil
			},
		}
		for name, run := range runs {
			log.Reset()
			err := run()
			var tm *TooManyParametersError
			if !errors.As(err, &tm) {
				t.Errorf("%s: %v, want a *TooManyParametersError", name, err)
				continue
			}
			count := limit + 1
			if name == "Update" {
				count++ // the Set value
			}
			if tm.Model != "Author" || tm.Count != count || tm.Limit != limit || tm.Database != db.Dialect().Name() {
				t.Errorf("%s: %+v", name, *tm)
			}
			msg := err.Error()
			for _, want := range []string{"Author", strconv.Itoa(count), strconv.Itoa(limit), "InBulk", "chunks"} {
				if !strings.Contains(msg, want) {
					t.Errorf("%s: %q does not say %q", name, msg, want)
				}
			}
			for _, e := range log.Entries() {
				if strings.Contains(e.SQL, " IN (") {
					t.Errorf("%s: sent %.80s...", name, e.SQL)
				}
			}
		}

		// hand-written SQL: the statement is refused too, without a model
		log.Reset()
		marks := "?" + strings.Repeat(", ?", limit)
		_, err = Raw[Author](ctx, db, "SELECT id, name, email, karma, bio FROM ormtest_author WHERE id IN ("+marks+")", anys(over)...)
		var tm *TooManyParametersError
		if !errors.As(err, &tm) || tm.Model != "" || tm.Count != limit+1 || !strings.Contains(err.Error(), "statement binds") {
			t.Errorf("Raw: %v", err)
		}
		_, err = db.Exec(ctx, "DELETE FROM ormtest_author WHERE id IN ("+marks+")", anys(over)...)
		if !errors.As(err, &tm) {
			t.Errorf("Exec: %v", err)
		}
		if log.Len() != 0 {
			t.Errorf("%d statements sent", log.Len())
		}

		// InBulk chunks, so any number of keys works
		m, err := Q[Author](db).InBulk(ctx, anys(over))
		if err != nil || len(m) != 1 {
			t.Fatalf("InBulk: %v %v", err, m)
		}
	})
}

func anys[T any](s []T) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
