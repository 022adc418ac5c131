package migrate

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/galvani-web/galvani/orm"
)

// A two-app project: shop, and orders depending on shop.
func projectMigrations() []*Migration {
	shop1 := &Migration{App: "shop", Name: "0001_initial", Operations: []Operation{
		&CreateModel{App: "shop", Name: "Customer", Table: "shop_customer", Fields: []*Field{
			{Name: "id", Kind: orm.KindBigInt, PK: true, Auto: true},
			{Name: "name", Kind: orm.KindVarchar, MaxLength: 50},
			{Name: "score", Kind: orm.KindInt, Index: true},
		}},
		&CreateModel{App: "shop", Name: "Product", Table: "shop_product", Fields: []*Field{
			{Name: "id", Kind: orm.KindBigInt, PK: true, Auto: true},
			{Name: "title", Kind: orm.KindVarchar, MaxLength: 100, Unique: true},
			{Name: "legacy", Kind: orm.KindInt, Index: true},
		}},
	}}
	orders1 := &Migration{App: "orders", Name: "0001_initial", Dependencies: []Dependency{{"shop", "0001_initial"}}, Operations: []Operation{
		&CreateModel{App: "orders", Name: "Order", Table: "orders_order", Fields: []*Field{
			{Name: "id", Kind: orm.KindBigInt, PK: true, Auto: true},
			{Name: "customer", Kind: orm.KindFK, To: "shop.Customer", OnDelete: orm.Cascade, Index: true},
			{Name: "total", Kind: orm.KindInt},
			{Name: "products", Kind: orm.KindM2M, To: "shop.Product", ThroughTable: "orders_order_products", SourceColumn: "order_id", TargetColumn: "product_id"},
		}},
	}}
	shop2 := &Migration{App: "shop", Name: "0002_changes", Dependencies: []Dependency{{"shop", "0001_initial"}}, Operations: []Operation{
		&AddField{App: "shop", Model: "Customer", Field: &Field{Name: "email", Kind: orm.KindVarchar, MaxLength: 120, HasDefault: true, Default: "nobody@example.com"}},
		&AddField{App: "shop", Model: "Customer", Field: &Field{Name: "nick", Kind: orm.KindVarchar, MaxLength: 20, Null: true}},
		&AlterField{App: "shop", Model: "Customer", Field: &Field{Name: "name", Kind: orm.KindVarchar, MaxLength: 200}},
		&AlterField{App: "shop", Model: "Customer", Field: &Field{Name: "score", Kind: orm.KindBigInt, Null: true}},
		&RenameField{App: "shop", Model: "Customer", OldName: "name", NewName: "full_name"},
		&AddIndex{App: "shop", Model: "Customer", Index: Index{Fields: []string{"full_name", "email"}}},
		AddConstraint("shop", "Customer", "email", "full_name"),
		&RemoveField{App: "shop", Model: "Product", Name: "legacy"},
		&AddField{App: "shop", Model: "Product", Field: &Field{Name: "sku", Kind: orm.KindVarchar, MaxLength: 20, Unique: true, Null: true}},
	}}
	orders2 := &Migration{App: "orders", Name: "0002_rename", Dependencies: []Dependency{{"orders", "0001_initial"}, {"shop", "0002_changes"}}, Operations: []Operation{
		&RenameModel{App: "orders", OldName: "Order", NewName: "Purchase"},
		&AlterField{App: "orders", Model: "Purchase", Field: &Field{Name: "total", Kind: orm.KindBigInt, HasDefault: true, Default: "0"}},
		&RunGo{Name: "double totals",
			Code: func(ctx context.Context, db *Conn) error {
				t, err := db.Table("orders.Purchase")
				if err != nil {
					return err
				}
				for i := 0; i < 3; i++ {
					db.Progress(i+1, 3)
				}
				_, err = db.Exec(ctx, "UPDATE "+t+" SET total = total * ?", 2)
				return err
			},
			Reverse: func(ctx context.Context, db *Conn) error {
				t, err := db.Table("orders.Purchase")
				if err != nil {
					return err
				}
				_, err = db.Exec(ctx, "UPDATE "+t+" SET total = total / ?", 2)
				return err
			}},
		&RunSQL{SQL: []string{"CREATE TABLE orders_note (id integer PRIMARY KEY)"}, Reverse: []string{"DROP TABLE orders_note"}},
	}}
	return []*Migration{orders2, shop2, orders1, shop1}
}

func mustExec(t *testing.T, db *orm.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func queryStrings(t *testing.T, db *orm.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			parts = append(parts, strings.TrimSpace(strings.ReplaceAll(fmtAny(v), "\n", " ")))
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func migrateTo(t *testing.T, x *Executor, app, target string) string {
	t.Helper()
	var buf bytes.Buffer
	x.Out = &buf
	if err := x.Migrate(context.Background(), Options{App: app, Target: target}); err != nil {
		t.Fatalf("migrate %s %s: %v\n%s", app, target, err, buf.String())
	}
	return buf.String()
}

func TestRoundTripKeepsData(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db, _ := b.open(t)
			g, err := NewGraph(projectMigrations()...)
			if err != nil {
				t.Fatal(err)
			}
			x := &Executor{DB: db, Graph: g}
			migrateTo(t, x, "orders", "0001")
			q := db.Dialect().QuoteIdent
			mustExec(t, db, "INSERT INTO shop_customer (name, score) VALUES ('Ann O''Neil', 7), ('Bob', 3)")
			mustExec(t, db, "INSERT INTO shop_product (title, legacy) VALUES ('pen', 1), ('ink', 2)")
			mustExec(t, db, "INSERT INTO orders_order (customer_id, total) VALUES (1, 10), (2, 21)")
			mustExec(t, db, "INSERT INTO orders_order_products (order_id, product_id) VALUES (1, 1), (1, 2), (2, 2)")

			check := func(stage string, wantCust, wantOrders []string, table string) {
				t.Helper()
				nameCol := "full_name"
				if table == "orders_order" {
					nameCol = "name"
				}
				got := queryStrings(t, db, "SELECT id, "+q(nameCol)+" FROM shop_customer ORDER BY id")
				if strings.Join(got, ",") != strings.Join(wantCust, ",") {
					t.Errorf("%s: customers = %q, want %q", stage, got, wantCust)
				}
				got = queryStrings(t, db, "SELECT id, customer_id, total FROM "+q(table)+" ORDER BY id")
				if strings.Join(got, ",") != strings.Join(wantOrders, ",") {
					t.Errorf("%s: orders = %q, want %q", stage, got, wantOrders)
				}
				join := table + "_products"
				src := strings.TrimPrefix(table, "orders_") + "_id"
				got = queryStrings(t, db, "SELECT "+q(src)+", product_id FROM "+q(join)+" ORDER BY 1, 2")
				if strings.Join(got, ",") != "1|1,1|2,2|2" {
					t.Errorf("%s: join rows = %q", stage, got)
				}
			}
			cust := []string{"1|Ann O'Neil", "2|Bob"}
			for round := 0; round < 2; round++ {
				out := migrateTo(t, x, "", "")
				if !strings.Contains(out, "Applying orders.0002_rename...") || !strings.Contains(out, "3/3 OK") {
					t.Errorf("migrate output lacks the migration or the progress bar:\n%s", out)
				}
				check("forwards", cust, []string{"1|1|20", "2|2|42"}, "orders_purchase")
				got := queryStrings(t, db, "SELECT email, nick FROM shop_customer ORDER BY id")
				if strings.Join(got, ",") != "nobody@example.com|<nil>,nobody@example.com|<nil>" {
					t.Errorf("filled email = %q", got)
				}
				// The unique constraint added on (email, full_name) holds.
				if _, err := db.Exec(context.Background(), "INSERT INTO shop_customer (full_name, email, score) VALUES ('Bob', 'nobody@example.com', 1)"); err == nil {
					t.Error("duplicate (email, full_name) accepted")
				}
				// Back to the first migrations: data survives the reverse renames and alters.
				migrateTo(t, x, "shop", "0001")
				check("backwards", cust, []string{"1|1|10", "2|2|21"}, "orders_order")
			}
			// migrate twice: nothing to do
			migrateTo(t, x, "", "")
			if out := migrateTo(t, x, "", ""); !strings.Contains(out, "No migrations to apply") {
				t.Errorf("second migrate did something:\n%s", out)
			}
			// zero for shop takes orders (which depends on it) along
			migrateTo(t, x, "shop", "zero")
			applied, err := x.Applied(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(applied) != 0 {
				t.Errorf("applied after zero: %v", applied)
			}
			if _, err := db.Exec(context.Background(), "SELECT * FROM shop_customer"); err == nil {
				t.Error("shop_customer still exists after zero")
			}
			// and everything again from scratch
			migrateTo(t, x, "", "")
			applied, _ = x.Applied(context.Background())
			if len(applied) != 4 {
				t.Errorf("applied = %v", applied)
			}
		})
	}
}

func TestIrreversibleSaysSo(t *testing.T) {
	db, _ := backends()[0].open(t)
	m := &Migration{App: "a", Name: "0001", Operations: []Operation{&RunSQL{SQL: []string{"CREATE TABLE t (id integer)"}}}}
	g, _ := NewGraph(m)
	x := &Executor{DB: db, Graph: g}
	migrateTo(t, x, "", "")
	err := x.Migrate(context.Background(), Options{App: "a", Target: "zero"})
	if !errors.Is(err, ErrIrreversible) || !strings.Contains(err.Error(), "cannot be unapplied") {
		t.Fatalf("err = %v", err)
	}
	applied, _ := x.Applied(context.Background())
	if _, ok := applied["a.0001"]; !ok {
		t.Error("failed unapply removed the record")
	}
}
