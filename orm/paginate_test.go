package orm

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/galvani-web/galvani/paginator"
)

func TestPaginate(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		truncateAll(t, db)
		for i := range 23 {
			if err := db.Create(ctx, &Counter{Name: fmt.Sprintf("c%02d", i), N: int64(22 - i)}); err != nil {
				t.Fatal(err)
			}
		}
		q := Q[Counter](db)
		tests := []struct {
			raw             string
			number          int64
			first, last     string
			n               int
			hasNext, hasPrv bool
		}{
			{"", 1, "c00", "c09", 10, true, false},
			{"2", 2, "c10", "c19", 10, true, true},
			{"last", 3, "c20", "c22", 3, false, true},
			{" 3 ", 3, "c20", "c22", 3, false, true},
		}
		for _, tt := range tests {
			page, items, err := Paginate(ctx, q, tt.raw, 10) // no ordering: by primary key
			if err != nil {
				t.Fatalf("page %q: %v", tt.raw, err)
			}
			if page.Number != tt.number || len(items) != tt.n || items[0].Name != tt.first || items[len(items)-1].Name != tt.last ||
				page.HasNext() != tt.hasNext || page.HasPrevious() != tt.hasPrv || page.Count() != 23 {
				t.Errorf("page %q: number %d, %d items %s…%s", tt.raw, page.Number, len(items), items[0].Name, items[len(items)-1].Name)
			}
		}
		// The query's own ordering is kept, and orphans fold into the last page.
		page, items, err := PaginateWith(ctx, q.OrderBy("n"), "2", &paginator.Paginator{PerPage: 10, Orphans: 3})
		if err != nil || page.NumPages() != 2 || len(items) != 13 || items[0].Name != "c12" || items[12].Name != "c00" {
			t.Fatalf("orphans: %v, %d pages, %d items", err, page.NumPages(), len(items))
		}
		for _, raw := range []string{"4", "0", "922337203685477582", "x"} {
			_, _, err := Paginate(ctx, q, raw, 10)
			var inv *paginator.InvalidPageError
			if !errors.As(err, &inv) || inv.HTTPStatus() != 404 {
				t.Errorf("page %q: err %v, want an InvalidPageError", raw, err)
			}
		}
		page, items, err = Paginate(ctx, q.Filter("name", "none"), "", 10)
		if err != nil || page.Number != 1 || len(items) != 0 || page.StartIndex() != 0 {
			t.Fatalf("empty list: %v %v %v", page, items, err)
		}
		if _, _, err := Paginate(ctx, q.Filter("nope", 1), "", 10); err == nil {
			t.Fatal("a broken query paginated")
		}
	})
}
