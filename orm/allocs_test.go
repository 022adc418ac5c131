package orm

import (
	"context"
	"math"
	"path/filepath"
	"testing"
)

// TestSingleRowAllocs guards the budget for single-row writes on SQLite:
// at most 1.5 times the allocations of the same statement through database/sql.
// The raw side passes constants (which Go does not allocate); the ORM reads the
// values from a struct and so boxes them, and its object is allocated in the loop.
// Allocation counts, unlike timings, are the same on a busy machine.
func TestSingleRowAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("-race changes allocation counts")
	}
	if testing.Short() {
		t.Skip("-short")
	}
	registerBench(t)
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:///"+filepath.Join(t.TempDir(), "allocs.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := CreateTables(ctx, db, BenchRow{}); err != nil {
		t.Fatal(err)
	}
	raw := db.SQL()
	for i := 0; i < 1000; i++ {
		if _, err := raw.ExecContext(ctx, "INSERT INTO ormbench_benchrow (name, score, ratio) VALUES (?, ?, ?)", "seed", i, 0.5); err != nil {
			t.Fatal(err)
		}
	}
	// Keys above 255, which Go boxes with an allocation (smaller ones it does not);
	// both sides see the same sequence.
	i := 0
	next := func() int { i = i%700 + 1; return 300 + i }
	cases := []struct {
		name     string
		raw, orm func()
	}{
		{"insert", func() {
			if _, err := raw.ExecContext(ctx, "INSERT INTO ormbench_benchrow (name, score, ratio) VALUES (?, ?, ?)", "new", 5, 0.5); err != nil {
				t.Fatal(err)
			}
		}, func() {
			r := BenchRow{Name: "new", Score: 5, Ratio: 0.5}
			if err := db.Create(ctx, &r); err != nil {
				t.Fatal(err)
			}
		}},
		{"update", func() {
			n := next()
			if _, err := raw.ExecContext(ctx, "UPDATE ormbench_benchrow SET score = ? WHERE id = ?", int64(n), n); err != nil {
				t.Fatal(err)
			}
		}, func() {
			n := next()
			if _, err := Q[BenchRow](db).Filter("id", n).Update(ctx, Set("score", n)); err != nil {
				t.Fatal(err)
			}
		}},
		{"get", func() {
			var r BenchRow
			if err := raw.QueryRowContext(ctx, "SELECT id, name, score, ratio FROM ormbench_benchrow WHERE id = ?", next()).Scan(&r.ID, &r.Name, &r.Score, &r.Ratio); err != nil {
				t.Fatal(err)
			}
		}, func() {
			if _, err := Q[BenchRow](db).Get(ctx, "id", next()); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, c := range cases {
		i = 0
		rawN := testing.AllocsPerRun(200, c.raw)
		i = 0
		ormN := testing.AllocsPerRun(200, c.orm)
		t.Logf("%s: raw %.1f, orm %.1f allocations", c.name, rawN, ormN)
		if ormN > math.Ceil(1.5*rawN) {
			t.Errorf("%s: the ORM allocates %.1f times per statement, more than 1.5 × raw database/sql (%.1f)", c.name, ormN, rawN)
		}
	}
}
