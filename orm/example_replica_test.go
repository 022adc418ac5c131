package orm_test

import (
	"context"
	"fmt"

	"github.com/galvani-web/galvani/orm"
)

// A request reads the replica until it writes; then it reads the primary, so it
// sees its own write. (The replica here is a separate database with other
// contents, to show which one answered; a real one is a copy of the primary.)
func ExampleDB_AddReplica() {
	primary, ctx := setup()
	defer primary.Close()
	replica, err := orm.OpenNamed(ctx, "replica", "sqlite://:memory:")
	if err != nil {
		panic(err)
	}
	defer replica.Close()
	if err := orm.CreateTables(ctx, replica, exampleModels...); err != nil {
		panic(err)
	}
	primary.Create(ctx, &Writer{Name: "Ada"})
	replica.Create(ctx, &Writer{Name: "Ada, as the replica has her"})
	if err := primary.AddReplica(replica); err != nil {
		panic(err)
	}

	// orm.Middleware does this for each request
	req := orm.ReadFromReplicas(context.Background())
	first := func(ctx context.Context) string {
		w, err := orm.Q[Writer](primary).OrderBy("id").First(ctx)
		if err != nil {
			panic(err)
		}
		return w.Name
	}
	fmt.Println(first(req))
	primary.Create(req, &Writer{Name: "Grace"})
	fmt.Println(first(req))
	fmt.Println(first(ctx)) // outside a request: the primary
	// Output:
	// Ada, as the replica has her
	// Ada
	// Ada
}
