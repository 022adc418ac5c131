package dbtools_test

import (
	"context"
	"fmt"
	"os"

	"github.com/galvani-web/galvani/dbtools"
	"github.com/galvani-web/galvani/orm"
)

type Product struct {
	orm.Model
	Name  string      `orm:"max_length=50"`
	Price orm.Decimal `orm:"max_digits=8,decimal_places=2"`
}

// Loading a Django fixture and dumping it back, in code: what the loaddata and
// dumpdata commands do.
func Example() {
	ctx := context.Background()
	db, err := orm.Open(ctx, "sqlite::memory:")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if err := orm.RegisterModels("shop", Product{}); err != nil {
		panic(err)
	}
	if err := orm.CreateTables(ctx, db, Product{}); err != nil {
		panic(err)
	}
	n, err := dbtools.Load(ctx, db, dbtools.Fixture{Name: "products.json", Data: []byte(`[
		{"model": "shop.product", "pk": 1, "fields": {"name": "Kettle", "price": "24.5"}},
		{"model": "shop.product", "pk": 2, "fields": {"name": "Teapot", "price": 31}}
	]`)})
	if err != nil {
		panic(err)
	}
	fmt.Println("loaded", n)
	models := orm.Models("shop")
	if _, err := dbtools.Dump(ctx, db, os.Stdout, dbtools.DumpOptions{Models: models, Indent: 2}); err != nil {
		panic(err)
	}
	// A value that does not fit its field is reported with the fixture, object and field.
	_, err = dbtools.Load(ctx, db, dbtools.Fixture{Name: "bad.json", Data: []byte(`[{"model": "shop.product", "pk": 3, "fields": {"price": "cheap"}}]`)})
	fmt.Println(err)
	// Output:
	// loaded 2
	// [
	// {
	//   "model": "shop.product",
	//   "pk": 1,
	//   "fields": {
	//     "name": "Kettle",
	//     "price": "24.50"
	//   }
	// },
	// {
	//   "model": "shop.product",
	//   "pk": 2,
	//   "fields": {
	//     "name": "Teapot",
	//     "price": "31.00"
	//   }
	// }
	// ]
	// fixture bad.json:1: object 1 (shop.product pk=3): field "price": orm: "cheap" is not a decimal number
}
