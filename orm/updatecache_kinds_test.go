package orm

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
)

// UpdKind has a field of every kind a kept Update shape can set or compare (app
// "ormupd").
type UpdKind struct {
	Model
	Flag  bool
	NFlag *bool
	I8    int8
	I16   int16
	I32   int32
	U8    uint8
	U16   uint16
	U32   uint32
	I     int
	Big   int64
	NI32  *int32
	NBig  Null[int64]
	F     float64
	Dec   Decimal         `orm:"max_digits=8,decimal_places=2"`
	Day   time.Time       `orm:"date"`
	NDay  Null[time.Time] `orm:"date"`
	At    time.Time
	NAt   *time.Time
	Code  UUID
	Blob  []byte
	Mood  Mood         `orm:"max_length=10"`
	Lvl   updLevel     `orm:"default=0"`
	State string       `orm:"max_length=10,choices=a:A|b:B,default=a"`
	Note  string       `orm:"text"`
	NNote Null[string] `orm:"max_length=20"`
	Owner FK[UpdOwner] `orm:"null,on_delete=set_null,related_name=kinds"`
}

// UpdOwner is the target of UpdKind's relation (in its own app, so that deleting the
// ormtest models never reaches UpdKind's table, which exists only during its tests).
type UpdOwner struct {
	Model
	Name string `orm:"max_length=10"`
}

type updLevel int16

var updKindOnce sync.Once

func updKindTable(t *testing.T, db *DB) {
	updKindOnce.Do(func() {
		registerTestModels(t)
		if err := RegisterModels("ormupd", UpdOwner{}, UpdKind{}); err != nil {
			panic(err)
		}
	})
	ctx := context.Background()
	_ = DropTables(ctx, db, UpdKind{}, UpdOwner{})
	if err := CreateTables(ctx, db, UpdOwner{}, UpdKind{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = DropTables(ctx, db, UpdKind{}, UpdOwner{}) })
}

// TestUpdateKeptShapeBindsLikeCompiler runs Updates of every field kind twice, the
// first compiled (the shape cache emptied) and the second through the kept SQL, and
// checks that both send the same SQL with the same arguments (values and Go types)
// and change the same rows, on every database.
func TestUpdateKeptShapeBindsLikeCompiler(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		updKindTable(t, db)
		owner := &UpdOwner{Name: "owner"}
		if err := db.Create(ctx, owner); err != nil {
			t.Fatal(err)
		}
		day := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
		at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("x", 3600))
		code := MustParseUUIDForTest(t, "0b9a6f0e-8d3c-4a57-9c43-6b1f8a2d7e10")
		tr := true
		n32 := int32(7)
		row := UpdKind{Flag: true, NFlag: &tr, I8: 8, I16: 16, I32: 32, U8: 9, U16: 17, U32: 33, I: 64, Big: 65,
			NI32: &n32, NBig: NullOf(int64(66)), F: 1.5, Dec: MustDecimal("12.34"), Day: day, NDay: NullOf(day), At: at, NAt: &at,
			Code: code, Blob: []byte{1, 2}, Mood: "calm", Lvl: 3, State: "a", Note: "n", NNote: NullOf("nn")}
		row.Owner.SetID(owner.ID)
		if err := db.Create(ctx, &row); err != nil {
			t.Fatal(err)
		}
		other := UpdKind{State: "b", Day: day.AddDate(0, 0, 1), At: at.Add(time.Hour), Code: NewUUID(), Mood: "sad"}
		if err := db.Create(ctx, &other); err != nil {
			t.Fatal(err)
		}
		m, _ := InfoOfValue(UpdKind{})
		sc := m.sql(db.Dialect())
		i8, i16, u8, u16, u32, i := int8(8), int16(16), uint8(9), uint16(17), uint32(33), 64
		cases := []struct {
			name  string
			where []any
			sets  []Assignment
		}{
			{"bool", []any{"flag", true}, []Assignment{Set("flag", true)}},
			{"nullable bool", []any{"n_flag", &tr}, []Assignment{Set("n_flag", &tr)}},
			{"small ints", []any{"i8", i8, "i16", i16, "i32", int32(32), "u8", u8, "u16", u16}, []Assignment{Set("i8", i8), Set("i16", i16), Set("u8", u8), Set("u16", u16)}},
			{"big ints", []any{"u32", u32, "i", i, "big__gte", int64(65)}, []Assignment{Set("u32", u32), Set("i", i), Set("big", uint64(65))}},
			{"ints of another width", []any{"i8", int64(8), "i16__lte", 16, "big", int32(65)}, []Assignment{Set("i32", int8(32)), Set("big", uint16(65))}},
			{"pointers", []any{"ni32", &n32, "big", &row.Big}, []Assignment{Set("ni32", &n32)}},
			{"null of", []any{"n_big", NullOf(int64(66)), "n_note", NullOf("nn")}, []Assignment{Set("n_big", NullOf(int64(66))), Set("n_note", NullOf("nn"))}},
			{"set null", []any{"pk", row.ID}, []Assignment{Set("n_big", nil), Set("n_note", Null[string]{}), Set("ni32", (*int32)(nil))}},
			{"float", []any{"f__gt", 1.0}, []Assignment{Set("f", 1.5)}},
			{"decimal", []any{"dec", MustDecimal("12.34")}, []Assignment{Set("dec", MustDecimal("12.34"))}},
			{"decimal from int", []any{"dec__gt", 12}, []Assignment{Set("dec", MustDecimal("12.34"))}},
			{"date", []any{"day", day}, []Assignment{Set("day", day), Set("n_day", NullOf(day))}},
			{"datetime", []any{"at", at}, []Assignment{Set("at", at), Set("n_at", &at)}},
			{"uuid", []any{"code", code}, []Assignment{Set("code", code)}},
			{"uuid string", []any{"code", code.String()}, []Assignment{Set("code", code.String())}},
			{"bytes", []any{"id", row.ID}, []Assignment{Set("blob", []byte{1, 2})}},
			{"named types", []any{"mood", Mood("calm"), "lvl", updLevel(3)}, []Assignment{Set("mood", Mood("calm")), Set("lvl", updLevel(3))}},
			{"choices", []any{"state", "a"}, []Assignment{Set("state", "a"), Set("note", "n")}},
			{"relation set", []any{"id", row.ID}, []Assignment{Set("owner", owner)}},
			{"relation key set", []any{"id", row.ID}, []Assignment{Set("owner", owner.ID)}},
			{"grouped", []any{And(Where("i8", i8), Where("state__exact", "a"), Where("u8__gte", u8))}, []Assignment{Set("note", "n")}},
		}
		for _, c := range cases {
			qs := Q[UpdKind](db).Filter(c.where...)
			if qs.Err() != nil {
				t.Fatalf("%s: %v", c.name, qs.Err())
			}
			key, ok := updateShapeOf(m, qs.where, c.sets)
			if !ok {
				t.Fatalf("%s: not a kept shape", c.name)
			}
			var logs [2]QueryEntry
			var counts [2]int64
			for round := range 2 {
				if round == 0 {
					sc.updates.Store(nil)
				} else if _, kept := sc.update(key); !kept {
					t.Fatalf("%s: the shape was not kept", c.name)
				}
				lctx, log := WithQueryLog(ctx)
				n, err := qs.Update(lctx, c.sets...)
				if err != nil {
					t.Fatalf("%s round %d: %v", c.name, round, err)
				}
				es := log.Entries()
				if len(es) != 1 {
					t.Fatalf("%s round %d: %d statements", c.name, round, len(es))
				}
				logs[round], counts[round] = es[0], n
			}
			if logs[0].SQL != logs[1].SQL {
				t.Errorf("%s: SQL\ncompiled %s\nkept     %s", c.name, logs[0].SQL, logs[1].SQL)
			}
			if !reflect.DeepEqual(logs[0].Args, logs[1].Args) {
				t.Errorf("%s: arguments\ncompiled %s\nkept     %s", c.name, typed(logs[0].Args), typed(logs[1].Args))
			}
			if counts[0] != 1 || counts[1] != 1 {
				t.Errorf("%s: rows %v, want 1 each time", c.name, counts)
			}
		}
	})
}

func typed(args []any) string {
	s := ""
	for _, a := range args {
		s += fmt.Sprintf("%T(%v) ", a, a)
	}
	return s
}

func MustParseUUIDForTest(t *testing.T, s string) UUID {
	u, err := ParseUUID(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestUpdateShapesConcurrently updates through many shapes from many goroutines at
// once, beside Creates, Saves and Gets (the statements that take pooled argument
// slices), some inside Atomic and some with a query log; run it with -race. Every
// goroutine owns one row and checks that the row ends with what it wrote.
func TestUpdateShapesConcurrently(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		updKindTable(t, db)
		const workers, rounds = 12, 15
		ids := make([]int64, workers)
		for w := range ids {
			r := UpdKind{I8: int8(w), State: "a", Code: NewUUID(), Mood: Mood(fmt.Sprint("m", w))}
			if err := db.Create(ctx, &r); err != nil {
				t.Fatal(err)
			}
			ids[w] = r.ID
		}
		m, _ := InfoOfValue(UpdKind{})
		m.sql(db.Dialect()).updates.Store(nil)
		errs := make(chan error, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- func() error {
					id := ids[w]
					mood := Mood(fmt.Sprint("m", w))
					for r := range rounds {
						c := ctx
						if r%3 == 0 {
							c, _ = WithQueryLog(ctx)
						}
						qs := Q[UpdKind](db)
						var n int64
						var err error
						switch (w + r) % 5 {
						case 0:
							n, err = qs.Filter("id", id).Update(c, Set("big", int64(r)), Set("note", fmt.Sprint(w, "/", r)))
						case 1:
							n, err = qs.Filter("mood", mood).Filter("i8__gte", int8(w)).Update(c, Set("note", fmt.Sprint(w, "/", r)), Set("big", uint16(r)))
						case 2:
							n, err = qs.Filter(And(Where("pk", id), Where("state", "a"))).Update(c, Set("big", int32(r)), Set("note", fmt.Sprint(w, "/", r)))
						case 3:
							err = db.Atomic(c, func(c context.Context, tx *DB) error {
								var err error
								n, err = Q[UpdKind](tx).Filter("id__lte", id).Filter("id__gte", id).Update(c, Set("note", fmt.Sprint(w, "/", r)), Set("big", r))
								return err
							})
						case 4:
							var o *UpdKind
							if o, err = qs.Get(c, "pk", id); err == nil {
								o.Big, o.Note, n = int64(r), fmt.Sprint(w, "/", r), 1
								err = db.Save(c, o)
							}
						}
						if err != nil {
							return fmt.Errorf("worker %d round %d: %v", w, r, err)
						}
						if n != 1 {
							return fmt.Errorf("worker %d round %d: %d rows", w, r, n)
						}
						o, err := Q[UpdKind](db).Get(c, "pk", id)
						if err != nil {
							return err
						}
						if o.Big != int64(r) || o.Note != fmt.Sprint(w, "/", r) {
							return fmt.Errorf("worker %d round %d: row has big %d note %q", w, r, o.Big, o.Note)
						}
					}
					return nil
				}()
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
	})
}
