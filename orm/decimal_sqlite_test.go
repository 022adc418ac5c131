package orm

import (
	"context"
	"errors"
	"sync"
	"testing"
)

type BigMoney struct {
	Model
	Amount Decimal `orm:"max_digits=20,decimal_places=2"`
}

var bigMoneyOnce sync.Once

// TestSQLiteDecimalDigits: SQLite's numeric affinity kept 123456789012345678.91 as
// 123456789012345680 without a word. A decimal SQLite cannot hold is now an error
// naming the field; the other databases store it exactly.
func TestSQLiteDecimalDigits(t *testing.T) {
	bigMoneyOnce.Do(func() {
		if err := RegisterModels("ormdec", BigMoney{}); err != nil {
			panic(err)
		}
	})
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		_ = DropTables(ctx, db, BigMoney{})
		if err := CreateTables(ctx, db, BigMoney{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = DropTables(ctx, db, BigMoney{}) })
		fits := &BigMoney{Amount: MustDecimal("1234567890123.45")} // 15 digits
		if err := db.Create(ctx, fits); err != nil {
			t.Fatal(err)
		}
		if err := db.Refresh(ctx, fits); err != nil || fits.Amount.String() != "1234567890123.45" {
			t.Fatalf("15 digits: %v %s", err, fits.Amount)
		}
		big := MustDecimal("123456789012345678.91")
		obj := &BigMoney{Amount: big}
		err := db.Create(ctx, obj)
		_, uerr := Q[BigMoney](db).Filter("id", fits.ID).Update(ctx, Set("amount", big))
		if db.Dialect().Name() == "sqlite" {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != "amount" || !errors.As(uerr, &fe) {
				t.Fatalf("SQLite took %s: %v / %v", big, err, uerr)
			}
			return
		}
		if err != nil || uerr != nil {
			t.Fatal(err, uerr)
		}
		if err := db.Refresh(ctx, obj); err != nil || obj.Amount.String() != big.String() {
			t.Fatalf("read back %s: %v", obj.Amount, err)
		}
	})
}
