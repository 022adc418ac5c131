package orm

import (
	"context"
	"testing"
	"time"
)

// TestIntWidthsBind: coerce hands the drivers every built-in integer type as given
// (not an int64 copy). Each width, and named and unsigned types (which are converted),
// must compare with integer and bigint columns, key a Get and an InBulk, and set a
// column, on every database, in and out of a transaction (pgx binds them itself).
func TestIntWidthsBind(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		updKindTable(t, db)
		at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		r := UpdKind{At: at, Day: at, I8: 5, I16: 5, I32: 5, U8: 5, U16: 5, U32: 5, I: 5, Big: 5, State: "a", Code: NewUUID(), Mood: "x"}
		if err := db.Create(ctx, &r); err != nil {
			t.Fatal(err)
		}
		if err := db.Create(ctx, &UpdKind{At: at, Day: at, I8: 6, I16: 6, I32: 6, U8: 6, U16: 6, U32: 6, I: 6, Big: 6, State: "a", Code: NewUUID(), Mood: "y"}); err != nil {
			t.Fatal(err)
		}
		vals := []any{int8(5), int16(5), int32(5), uint8(5), uint16(5), uint32(5), int(5), int64(5), uint(5), uint64(5), updLevel(5)}
		keys := []any{int8(r.ID), int16(r.ID), int32(r.ID), uint8(r.ID), uint16(r.ID), uint32(r.ID), int(r.ID), uint(r.ID), uint64(r.ID), updLevel(r.ID)}
		check := func(ctx context.Context, db *DB, tx string) {
			for _, col := range []string{"i8", "i16", "i32", "u8", "u16", "u32", "i", "big"} {
				for _, v := range vals {
					got, err := Q[UpdKind](db).Filter(col, v).Filter(col+"__gte", v).Exclude(col+"__gt", v).
						Filter(col+"__in", []any{v}).Filter(col+"__range", []any{v, v}).All(ctx)
					if err != nil || len(got) != 1 || got[0].ID != r.ID {
						t.Errorf("%s%s = %T: %d rows, %v", tx, col, v, len(got), err)
					}
					if n, err := Q[UpdKind](db).Filter(col, v).Update(ctx, Set(col, v)); err != nil || n != 1 {
						t.Errorf("%supdate %s = %T: %d rows, %v", tx, col, v, n, err)
					}
				}
			}
			for _, k := range keys {
				if o, err := Q[UpdKind](db).Get(ctx, "pk", k); err != nil || o.ID != r.ID {
					t.Errorf("%sGet by %T key: %v", tx, k, err)
				}
				if m, err := Q[UpdKind](db).InBulk(ctx, []any{k}); err != nil || len(m) != 1 {
					t.Errorf("%sInBulk by %T key: %v %v", tx, k, m, err)
				}
			}
			if n, err := Q[UpdKind](db).Filter("at__year", int16(2026)).Filter("day__month", uint8(1)).Count(ctx); err != nil || n != 2 {
				t.Errorf("%stransforms with small ints: %d %v", tx, n, err)
			}
		}
		check(ctx, db, "")
		if err := db.Atomic(ctx, func(ctx context.Context, tx *DB) error {
			check(ctx, tx, "in Atomic: ")
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}
