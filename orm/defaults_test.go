package orm

import (
	"context"
	"reflect"
	"testing"
	"unsafe"
)

// TestGetOrCreateAppliesTagDefaults: an object that GetOrCreate or UpdateOrCreate
// makes gets its fields' default= values, as Django's Model(**kwargs) does. It was
// created from Go zero values, so Profile.Mood (default=calm) was stored as "" and
// Article.Status (default=draft, a choices field) as "" — not one of its choices.
// Objects the caller builds keep their zero values (TestZeroValues).
func TestGetOrCreateAppliesTagDefaults(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		a := mkAuthor(t, db, "defaults")
		p, created, err := Q[Profile](db).GetOrCreate(ctx, map[string]any{"author": a}, nil)
		if err != nil || !created {
			t.Fatalf("GetOrCreate: %v %v", created, err)
		}
		if p.Mood != "calm" {
			t.Errorf("Mood = %q, want the default calm", p.Mood)
		}
		art, _, err := Q[Article](db).UpdateOrCreate(ctx, map[string]any{"slug": "defaults"}, map[string]any{"author": a, "title": "T"})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Refresh(ctx, art); err != nil {
			t.Fatal(err)
		}
		if art.Status != "draft" || art.Rating != 0 {
			t.Errorf("Status = %q, Rating = %v", art.Status, art.Rating)
		}
		// given values win over defaults
		b := mkAuthor(t, db, "defaults2")
		p, _, err = Q[Profile](db).GetOrCreate(ctx, map[string]any{"author": b}, map[string]any{"mood": Mood("sunny")})
		if err != nil || p.Mood != "sunny" {
			t.Fatalf("given value: %v %q", err, p.Mood)
		}
		// a caller's own zero value is still saved as zero
		own := &Profile{Author: OneToOne[Author]{}, Mood: ""}
		c := mkAuthor(t, db, "defaults3")
		own.Author.Set(c)
		if err := db.Create(ctx, own); err != nil {
			t.Fatal(err)
		}
		if err := db.Refresh(ctx, own); err != nil || own.Mood != "" {
			t.Fatalf("explicit zero: %v %q", err, own.Mood)
		}
	})
}

func TestSetDefaultKinds(t *testing.T) {
	var s struct {
		I int32
		U uint16
		F float64
		B bool
		P *int64
		N Null[string]
		D Decimal
		M Mood
	}
	v := reflect.ValueOf(&s).Elem()
	for i, def := range []string{"-7", "9", "1.5", "true", "42", "x", "3.10", "calm"} {
		if err := setDefault(v.Field(i), def); err != nil {
			t.Fatalf("field %d: %v", i, err)
		}
	}
	if s.I != -7 || s.U != 9 || s.F != 1.5 || !s.B || *s.P != 42 || !s.N.Valid || s.N.V != "x" || s.D.String() != "3.10" || s.M != "calm" {
		t.Fatalf("%+v", s)
	}
	if err := setDefault(v.Field(0), "many"); err == nil {
		t.Fatal("a bad integer default was accepted")
	}
	registerTestModels(t)
	m, err := InfoOfValue(Placement{})
	if err != nil {
		t.Fatal(err)
	}
	var pl Placement
	if err := applyDefaults(m, unsafe.Pointer(&pl)); err != nil || pl.Pub.ID() != 999999 {
		t.Fatalf("FK default: %v %+v", err, pl.Pub)
	}
}
