package orm

import (
	"context"
	"reflect"

	"github.com/galvani-web/galvani"
)

// M2MAction says which change an M2MChangedEvent reports (Django's action names).
type M2MAction string

// The M2MChanged actions: each change is sent once before (Pre) and once after
// (Post) it is made, in the same transaction.
const (
	M2MPreAdd     M2MAction = "pre_add"
	M2MPostAdd    M2MAction = "post_add"
	M2MPreRemove  M2MAction = "pre_remove"
	M2MPostRemove M2MAction = "post_remove"
	M2MPreClear   M2MAction = "pre_clear"
	M2MPostClear  M2MAction = "post_clear"
)

// M2MChangedEvent describes a change of a many-to-many relation made through a
// RelatedManager (Add, AddThrough, Remove, Clear, Set), like the arguments of
// Django's m2m_changed.
type M2MChangedEvent struct {
	// Action is the change and whether it is about to happen or has happened.
	Action M2MAction
	// Instance is the object whose relation changed: the owner given to Related.
	Instance any
	// Reverse is true when the change was made from the target's side (through the
	// relation's related_name) rather than through the M2M field itself.
	Reverse bool
	// Field is the M2M field, on the model that declares it; Field.Rel names the
	// join table and the through model.
	Field *Field
	// Model is the metadata of the objects added or removed (the manager's T).
	Model *ModelInfo
	// PKs are the keys of the objects added (only those not related before) or
	// removed; nil for a clear.
	PKs []any
	// DB is the database (a transaction) the change runs in.
	DB *DB
}

// M2MChanged is sent before and after every change of a many-to-many relation made
// through a RelatedManager. The change and both sends run in one transaction: an
// error from a receiver of a Pre action stops the change, and an error from a Post
// receiver rolls it back. Set sends a remove pair and an add pair, as in Django.
// Rows written directly to a join table (BulkCreate of a through model, raw SQL)
// are not reported.
//
//	orm.M2MChanged.Connect(func(ctx context.Context, ev *orm.M2MChangedEvent) error {
//		if ev.Field.Name == "tags" && ev.Action == orm.M2MPostAdd { ... }
//		return nil
//	})
var M2MChanged galvani.Signal[*M2MChangedEvent]

// sendM2M sends action for keys when M2MChanged has receivers.
func (r RelatedManager[T]) sendM2M(ctx context.Context, db *DB, action M2MAction, keys []any) error {
	if !M2MChanged.HasReceivers() {
		return nil
	}
	target, err := infoOfType(reflect.TypeFor[T]())
	if err != nil {
		return err
	}
	return M2MChanged.Send(ctx, &M2MChangedEvent{Action: action, Instance: r.instance, Reverse: !r.forward,
		Field: r.field, Model: target, PKs: keys, DB: db})
}

// withM2MSignals runs change between the pre and post sends, in one transaction
// when M2MChanged has receivers (and as it is otherwise).
func (r RelatedManager[T]) withM2MSignals(ctx context.Context, pre, post M2MAction, keys []any, change func(ctx context.Context, r RelatedManager[T]) error) error {
	if !M2MChanged.HasReceivers() {
		return change(ctx, r)
	}
	return r.db.Atomic(ctx, func(ctx context.Context, tx *DB) error {
		r2 := r
		r2.db = tx
		if err := r2.sendM2M(ctx, tx, pre, keys); err != nil {
			return err
		}
		if err := change(ctx, r2); err != nil {
			return err
		}
		return r2.sendM2M(ctx, tx, post, keys)
	})
}
