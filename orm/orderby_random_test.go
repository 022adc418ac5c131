package orm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestOrderByRandom: OrderBy("?") is Django's order_by('?'), on every database.
func TestOrderByRandom(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		var want []int64
		for i := range 20 {
			a := &Author{Name: fmt.Sprintf("r%02d", i), Email: fmt.Sprintf("r%02d@example.com", i), Karma: int64(i % 3)}
			if err := db.Create(ctx, a); err != nil {
				t.Fatal(err)
			}
			want = append(want, a.ID)
		}
		ids := func(as []Author) []int64 {
			out := make([]int64, len(as))
			for i, a := range as {
				out[i] = a.ID
			}
			return out
		}

		sql, _, err := Q[Author](db).OrderBy("?").SQL()
		if err != nil {
			t.Fatal(err)
		}
		fn := map[string]string{"sqlite": "RANDOM()", "postgres": "RANDOM()", "mysql": "RAND()"}[db.Dialect().Name()]
		if !strings.HasSuffix(sql, " ORDER BY "+fn) {
			t.Fatalf("SQL: %s", sql)
		}

		// every row, in some order; and not always the same order
		var first []int64
		shuffled := false
		for range 20 {
			got, err := Q[Author](db).OrderBy("?").All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			g := ids(got)
			if first == nil {
				first = g
			} else if !slices.Equal(first, g) {
				shuffled = true
			}
			slices.Sort(g)
			if !slices.Equal(g, want) {
				t.Fatalf("got %v, want the rows %v", g, want)
			}
			if shuffled {
				break
			}
		}
		if !shuffled {
			t.Fatalf("20 random orders of 20 rows were all %v", first)
		}

		// with other fields: the fields order, the random part breaks ties
		for _, order := range [][]string{{"karma", "?"}, {"-karma", "?"}, {"?", "karma"}} {
			got, err := Q[Author](db).Filter("name__startswith", "r").OrderBy(order...).All(ctx)
			if err != nil {
				t.Fatalf("%v: %v", order, err)
			}
			if len(got) != 20 {
				t.Fatalf("%v: %d rows", order, len(got))
			}
			if order[0] == "?" {
				continue
			}
			for i := 1; i < len(got); i++ {
				if order[0] == "karma" && got[i].Karma < got[i-1].Karma || order[0] == "-karma" && got[i].Karma > got[i-1].Karma {
					t.Fatalf("%v: karma out of order: %v", order, got)
				}
			}
		}

		// the other ways of reading a query
		if a, err := Q[Author](db).OrderBy("?").First(ctx); err != nil || a == nil {
			t.Fatalf("First: %v", err)
		}
		if a, err := Q[Author](db).OrderBy("karma", "?").Last(ctx); err != nil || a.Karma != 2 {
			t.Fatalf("Last: %v %+v", err, a)
		}
		if got, err := Q[Author](db).OrderBy("?").Limit(5).All(ctx); err != nil || len(got) != 5 {
			t.Fatalf("Limit: %v %d", err, len(got))
		}
		vals, err := Q[Author](db).OrderBy("?").ValuesList(ctx, "name")
		if err != nil || len(vals) != 20 {
			t.Fatalf("ValuesList: %v %d", err, len(vals))
		}
		groups, err := Q[Author](db).Annotate(Count("id").As("n")).OrderBy("karma", "?").Values(ctx, "karma")
		if err != nil || len(groups) != 3 || groups[0]["karma"] != int64(0) {
			t.Fatalf("Annotate: %v %v", err, groups)
		}
		if n, err := Q[Author](db).OrderBy("?").Count(ctx); err != nil || n != 20 {
			t.Fatalf("Count: %v %d", err, n)
		}

		// what stays refused
		for _, order := range [][]string{{"nope"}, {"?", "nope"}, {"-?"}, {"??"}, {"? "}, {"karma__gt"}} {
			_, err := Q[Author](db).OrderBy(order...).All(ctx)
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Errorf("OrderBy(%q): %v, want a FieldError", order, err)
			}
		}
		_, err = Q[Author](db).Distinct().OrderBy("?").All(ctx)
		if err == nil || !strings.Contains(err.Error(), "Distinct") {
			t.Errorf("Distinct with a random order: %v", err)
		}
	})
}
