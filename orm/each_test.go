package orm

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestEachRow(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		m, _ := InfoOf[Publisher]()
		var names []string
		for _, n := range []string{"each-c", "each-a", "each-b"} {
			if err := db.Create(ctx, &Publisher{Name: n}); err != nil {
				t.Fatal(err)
			}
		}
		collect := func(ctx context.Context, db *DB) error {
			names = nil
			return EachRow(ctx, db, m, func(obj any) error {
				p := obj.(*Publisher)
				if p.ID == 0 {
					t.Fatal("key not read")
				}
				if len(p.Name) > 5 && p.Name[:5] == "each-" {
					names = append(names, p.Name)
				}
				return nil
			})
		}
		if err := collect(ctx, db); err != nil {
			t.Fatal(err)
		}
		if len(names) != 3 || names[0] != "each-c" || names[2] != "each-b" {
			t.Fatalf("rows in key order: %v", names)
		}
		// Inside a transaction the callback may query.
		err := db.Atomic(ctx, func(ctx context.Context, tx *DB) error {
			return EachRow(ctx, tx, m, func(obj any) error {
				_, err := Q[Publisher](tx).Count(ctx)
				return err
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		if err := EachRow(ctx, db, m, func(any) error { n++; return ErrStopEach }); err != nil || n != 1 {
			t.Fatalf("ErrStopEach: %v after %d rows", err, n)
		}
		boom := errors.New("boom")
		if err := EachRow(ctx, db, m, func(any) error { return boom }); !errors.Is(err, boom) {
			t.Fatalf("error from fn: %v", err)
		}
		pk, err := PKValue(&Publisher{Model: Model{ID: 7}})
		if err != nil || pk != int64(7) {
			t.Fatalf("PKValue = %v %v", pk, err)
		}
		if _, err := PKValue(Publisher{}); err == nil {
			t.Fatal("PKValue of a non-pointer succeeded")
		}
	})
}

// RawSave stores the object as it is: timestamps kept, hooks skipped, signals
// told Raw; a row with the key is updated, otherwise inserted with that key.
func TestRawSave(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		var raws []bool
		t.Cleanup(PostSave.Connect(func(ctx context.Context, ev *SignalEvent) error {
			raws = append(raws, ev.Raw)
			return nil
		}, Hooked{}, Article{}))
		h := &Hooked{Model: Model{ID: 4242}, Name: "forbidden"} // BeforeSave would refuse it
		if err := db.Save(ctx, h, RawSave()); err != nil {
			t.Fatal(err)
		}
		if h.saves != 0 {
			t.Fatal("RawSave ran the hook")
		}
		got, err := Q[Hooked](db).Get(ctx, "pk", 4242)
		if err != nil || got.Name != "forbidden" {
			t.Fatalf("inserted with its key: %v %v", got, err)
		}
		h.Name = "renamed"
		if err := db.Save(ctx, h, RawSave()); err != nil {
			t.Fatal(err)
		}
		if n, _ := Q[Hooked](db).Filter("name", "renamed").Count(ctx); n != 1 {
			t.Fatal("second RawSave did not update")
		}
		a := mkAuthor(t, db, "raw-author")
		stamp := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
		art := &Article{Model: Model{ID: 9191}, Title: "raw", Slug: "raw-save", Published: stamp, Updated: stamp, Price: MustDecimal("1.00"), Code: NewUUID()}
		art.Author.Set(a)
		if err := db.Save(ctx, art, RawSave()); err != nil {
			t.Fatal(err)
		}
		back, err := Q[Article](db).Get(ctx, "pk", 9191)
		if err != nil || !back.Updated.Equal(stamp) {
			t.Fatalf("auto_now overwrote a raw save: %v %v", back.Updated, err)
		}
		if len(raws) != 3 || !raws[0] || !raws[2] {
			t.Fatalf("signals saw raw = %v", raws)
		}
		raws = nil
		if err := db.Save(ctx, back); err != nil {
			t.Fatal(err)
		}
		if len(raws) != 1 || raws[0] {
			t.Fatalf("a normal save was reported raw: %v", raws)
		}
	})
}
