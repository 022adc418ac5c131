package orm

import (
	"context"
	"sync"
	"testing"
)

// Models for the delete-order tests (app "ormdel"): a self-referential tree, and a
// leaf that cascades both from a root and from a mid that cascades from the root (a
// diamond).
type DelNode struct {
	Model
	Name   string      `orm:"max_length=10"`
	Parent FK[DelNode] `orm:"null,on_delete=cascade,related_name=children"`
}

type DelRoot struct {
	Model
}

type DelLeaf struct {
	Model
	Root FK[DelRoot] `orm:"on_delete=cascade,related_name=leaves"`
	Mid  FK[DelMid]  `orm:"on_delete=cascade,related_name=leaves"`
}

type DelMid struct {
	Model
	Root FK[DelRoot] `orm:"on_delete=cascade,related_name=mids"`
}

var delModels = []any{DelNode{}, DelRoot{}, DelLeaf{}, DelMid{}}

var delModelsOnce sync.Once

func delTables(t *testing.T, db *DB) {
	delModelsOnce.Do(func() {
		registerTestModels(t)
		if err := RegisterModels("ormdel", delModels...); err != nil {
			panic(err)
		}
	})
	ctx := context.Background()
	_ = DropTables(ctx, db, delModels...)
	if err := CreateTables(ctx, db, delModels...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = DropTables(ctx, db, delModels...) })
}

// TestDeleteOrderOnImmediateFKChecks: MySQL/MariaDB check foreign keys row by row,
// not at commit, so the cascade must delete children before parents. Deleting the
// root of a self-referential tree deleted parent and children in one statement, and
// a row reached through two cascade paths (leaf -> mid -> root, leaf -> root)
// was deleted after its mid: both failed with error 1451 on MariaDB.
func TestDeleteOrderOnImmediateFKChecks(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		delTables(t, db)
		root := &DelNode{Name: "root"}
		if err := db.Create(ctx, root); err != nil {
			t.Fatal(err)
		}
		prev := root
		for i := 0; i < 4; i++ {
			n := &DelNode{Name: "n", Parent: To(prev)}
			if err := db.Create(ctx, n); err != nil {
				t.Fatal(err)
			}
			// a sibling with a lower key than its cousin's parent
			if err := db.Create(ctx, &DelNode{Name: "leaf", Parent: To(prev)}); err != nil {
				t.Fatal(err)
			}
			prev = n
		}
		other := &DelNode{Name: "other"}
		if err := db.Create(ctx, other); err != nil {
			t.Fatal(err)
		}
		n, err := db.Delete(ctx, root)
		if err != nil {
			t.Fatalf("delete tree: %v", err)
		}
		if n != 9 {
			t.Errorf("deleted %d rows, want 9", n)
		}
		if left, _ := Q[DelNode](db).Count(ctx); left != 1 {
			t.Errorf("%d nodes left, want 1", left)
		}

		r := &DelRoot{}
		if err := db.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
		mid := &DelMid{Root: To(r)}
		if err := db.Create(ctx, mid); err != nil {
			t.Fatal(err)
		}
		if err := db.Create(ctx, &DelLeaf{Root: To(r), Mid: To(mid)}); err != nil {
			t.Fatal(err)
		}
		if n, err := db.Delete(ctx, r); err != nil || n != 3 {
			t.Fatalf("delete diamond: %d, %v", n, err)
		}
		if n, _ := Q[DelLeaf](db).Count(ctx); n != 0 {
			t.Errorf("%d leaves left", n)
		}
		if n, _ := Q[DelMid](db).Count(ctx); n != 0 {
			t.Errorf("%d mids left", n)
		}
	})
}
