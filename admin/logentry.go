package admin

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/migrate"
	"github.com/galvani-web/galvani/orm"
)

// Action flags of a LogEntry.
const (
	Addition = 1
	Change   = 2
	Deletion = 3
)

// LogEntry records one change made through the admin (table admin_logentry):
// the index's "Recent actions" and each object's history. Like Django's, it
// names the object by its model and key rather than by a foreign key, so the
// record outlives the object; it also keeps the user's name at the time, so
// history pages need no join with whatever user model the project has.
type LogEntry struct {
	orm.Model
	ActionTime time.Time `orm:"index"`
	// UserID and Username are who made the change.
	UserID   int64  `orm:"index"`
	Username string `orm:"max_length=150"`
	// App and ModelName identify the model ("blog", "article").
	App       string `orm:"max_length=100"`
	ModelName string `orm:"max_length=100"`
	// ObjectID is the object's key as text; ObjectRepr its String() then.
	ObjectID   string `orm:"max_length=255,index"`
	ObjectRepr string `orm:"max_length=200"`
	// ActionFlag is Addition, Change or Deletion.
	ActionFlag int16 `orm:"choices=1:Addition|2:Change|3:Deletion"`
	// ChangeMessage says what changed ("Changed title and body.").
	ChangeMessage string `orm:"text,blank"`
}

// Meta orders the log newest first.
func (LogEntry) Meta() orm.Meta { return orm.Meta{Ordering: []string{"-action_time", "-id"}} }

// String describes the entry ("Changed “Hello”: Changed title.").
func (e LogEntry) String() string {
	switch e.ActionFlag {
	case Addition:
		return fmt.Sprintf(textLogAdded, e.ObjectRepr)
	case Change:
		return fmt.Sprintf(textLogChanged, e.ObjectRepr, e.ChangeMessage)
	case Deletion:
		return fmt.Sprintf(textLogDeleted, e.ObjectRepr)
	}
	return e.ObjectRepr
}

// IsAddition, IsChange and IsDeletion tell the kind of entry (for templates).
func (e LogEntry) IsAddition() bool { return e.ActionFlag == Addition }

// IsChange reports whether the entry records a change.
func (e LogEntry) IsChange() bool { return e.ActionFlag == Change }

// IsDeletion reports whether the entry records a deletion.
func (e LogEntry) IsDeletion() bool { return e.ActionFlag == Deletion }

// Log records an admin action by the request's user on the object of model info
// with key pk. Projects call it for changes they make in custom actions.
func Log(ctx context.Context, db *orm.DB, r *http.Request, info *orm.ModelInfo, pk any, repr string, flag int16, message string) error {
	u := auth.UserFrom(r)
	if len([]rune(repr)) > 200 {
		repr = string([]rune(repr)[:199]) + "…"
	}
	e := &LogEntry{ActionTime: time.Now().UTC(), UserID: u.ID, Username: u.Username, App: info.App, ModelName: info.ModelName,
		ObjectID: fmt.Sprint(pk), ObjectRepr: repr, ActionFlag: flag, ChangeMessage: message}
	return db.Create(ctx, e)
}

// migrations create the LogEntry table.
var migrations = []*migrate.Migration{{
	App:  "admin",
	Name: "0001_initial",
	Operations: []migrate.Operation{
		&migrate.CreateModel{
			App:   "admin",
			Name:  "LogEntry",
			Table: "admin_logentry",
			Fields: []*migrate.Field{
				{Name: "id", Kind: "bigint", PK: true, Auto: true},
				{Name: "action_time", Kind: "datetime", Index: true},
				{Name: "user_id", Kind: "bigint", Index: true},
				{Name: "username", Kind: "varchar", MaxLength: 150},
				{Name: "app", Kind: "varchar", MaxLength: 100},
				{Name: "model_name", Kind: "varchar", MaxLength: 100},
				{Name: "object_id", Kind: "varchar", Index: true, MaxLength: 255},
				{Name: "object_repr", Kind: "varchar", MaxLength: 200},
				{Name: "action_flag", Kind: "int"},
				{Name: "change_message", Kind: "text"},
			},
		},
	},
}}
