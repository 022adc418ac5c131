package orm_test

import (
	"fmt"

	"github.com/galvani-web/galvani/orm"
)

type Club struct {
	orm.Model
	Name    string          `orm:"max_length=50"`
	Members orm.M2M[Writer] `orm:"through=Seat,related_name=clubs"`
}

// Seat is the through model of Club.Members, with a field of its own.
type Seat struct {
	orm.Model
	Club   orm.FK[Club]   `orm:"on_delete=cascade,related_name=seats"`
	Writer orm.FK[Writer] `orm:"on_delete=cascade,related_name=seats"`
	Role   string         `orm:"max_length=20,default=member"`
}

// An M2M with a through model: AddThrough fills the through row's own fields
// (Django's through_defaults); Add uses their defaults.
func ExampleRelatedManager_AddThrough() {
	db, ctx := setup()
	defer db.Close()

	ada, bob := &Writer{Name: "Ada"}, &Writer{Name: "Bob"}
	db.Create(ctx, ada)
	db.Create(ctx, bob)
	club := &Club{Name: "Engines"}
	db.Create(ctx, club)

	members := orm.Related[Writer](db, club, "members")
	if err := members.AddThrough(ctx, map[string]any{"role": "chair"}, ada); err != nil {
		panic(err)
	}
	if err := members.Add(ctx, bob); err != nil {
		panic(err)
	}
	seats, _ := orm.Q[Seat](db).OrderBy("id").SelectRelated("writer").All(ctx)
	for _, s := range seats {
		fmt.Println(s.Writer.Obj().Name, s.Role)
	}
	// Output:
	// Ada chair
	// Bob member
}
