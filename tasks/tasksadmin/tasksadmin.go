// Package tasksadmin shows the task table of the tasks battery's database
// backend in the admin: every task with its status, attempts and last error,
// filtered by status (the dead tasks are the dead-letter queue), searchable by
// task name and error, and a "Requeue" action that puts selected dead tasks
// back in their queue. Install its App beside the admin site and tasks.App:
//
//	app := galvani.New(settings, tasks.App, tasksadmin.App, site, ...)
package tasksadmin

import (
	"fmt"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/admin"
	"github.com/galvani-web/galvani/messages"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/tasks"
	"github.com/galvani-web/galvani/template"
)

// App registers the task table with every admin site of the project (it
// implements admin.Registrar).
var App galvani.AppConfig = app{}

type app struct{}

// Label implements galvani.AppConfig.
func (app) Label() string { return "tasksadmin" }

// RegisterAdmin implements admin.Registrar.
func (app) RegisterAdmin(s *admin.Site) { Register(s) }

// Register registers the task table with s; the rows are read-only but for the
// Requeue action (and deletion, with the delete permission).
func Register(s *admin.Site) {
	admin.Register(s, admin.ModelAdmin[tasks.Record]{
		ListDisplay:  []string{"id", "task", "queue", "status", "priority", "attempts", "max_attempts", "last_error"},
		ListFilter:   []string{"status"},
		SearchFields: []string{"task", "queue", "last_error"},
		Ordering:     []string{"-id"},
		ReadonlyFields: []string{"task", "queue", "priority", "status", "args", "attempts", "max_attempts", "timeout_ms",
			"run_at", "lease_until", "lease_token", "unique_key", "result", "last_error", "created", "finished"},
		Actions: []admin.Action[tasks.Record]{{Name: "requeue", Label: "Requeue the selected dead tasks", Run: requeue}},
	})
}

// requeue puts the selected dead tasks back in their queue, due now, with their
// attempts reset (what DBBackend.Requeue does for one).
func requeue(c *galvani.Ctx, q orm.QuerySet[tasks.Record]) (template.SafeString, error) {
	n, err := q.Filter("status", string(tasks.StatusDead)).Update(c.Context(),
		orm.Set("status", string(tasks.StatusQueued)), orm.Set("attempts", 0),
		orm.Set("run_at", time.Now().UnixMilli()), orm.Set("finished", 0))
	if err != nil {
		return "", err
	}
	messages.Success(c.Request, fmt.Sprintf("%d dead task(s) requeued.", n))
	return "", nil
}
