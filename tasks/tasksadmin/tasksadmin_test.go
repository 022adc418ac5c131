package tasksadmin_test

import (
	"context"
	"net/url"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/admin"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/auth/authtest"
	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/messages"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/security"
	"github.com/galvani-web/galvani/session"
	"github.com/galvani-web/galvani/tasks"
	"github.com/galvani-web/galvani/tasks/tasksadmin"
	"github.com/galvani-web/galvani/template"
)

var failing = tasks.Register("tasksadmin-failing", func(ctx context.Context, a struct{}) error {
	return tasks.Permanent(errorString("the mail server said no"))
})

type errorString string

func (e errorString) Error() string { return string(e) }

// The admin lists the dead tasks with their error, and Requeue puts them back.
func TestDeadTasksInTheAdmin(t *testing.T) {
	auth.DefaultHashers = auth.Hashers{auth.Argon2Hasher{Time: 1, MemoryKiB: 64, Threads: 1}}
	ctx := context.Background()
	if err := orm.RegisterApps(auth.App, tasks.App); err != nil {
		t.Fatal(err)
	}
	if err := orm.RegisterModels("admin", admin.LogEntry{}); err != nil {
		t.Fatal(err)
	}
	db, err := orm.Open(ctx, "sqlite:///"+filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := orm.CreateTables(ctx, db, auth.Permission{}, auth.Group{}, auth.User{}, admin.LogEntry{}, tasks.Record{}); err != nil {
		t.Fatal(err)
	}
	b := tasks.NewDB(db)
	id, err := failing.Enqueue(ctx, struct{}{}, tasks.Using(b))
	if err != nil {
		t.Fatal(err)
	}
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- (&tasks.Worker{Backend: b, PollInterval: 5 * time.Millisecond}).Run(wctx) }()
	for {
		in, err := b.Info(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if in.Status == tasks.StatusDead {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	<-done

	site := admin.NewSite("admin")
	m := auth.New[auth.User](auth.Options{DB: db})
	settings := galvani.Settings{SecretKey: "tasksadmin-tests-secret-key-0123456789-abcdefghij", AllowedHosts: []string{galvanitest.DefaultHost}}
	app := galvani.New(settings, security.App, session.App, messages.App, galvani.Include("/accounts/", m), site, tasksadmin.App)
	app.Use(orm.Middleware(db), session.Middleware(&app.Settings), messages.Middleware(&app.Settings))
	template.Setup(app)
	u := &auth.User{AbstractUser: auth.AbstractUser{Username: "boss", IsStaff: true, IsSuperuser: true}}
	if err := m.CreateUser(ctx, db, u, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	c := authtest.NewClient(t, app)
	authtest.Login(c, u)

	c.Get("/admin/tasks/record/?status__exact=dead").AssertStatus(200).
		AssertContains("tasksadmin-failing", "the mail server said no", `<option value="requeue">`)
	c.Get("/admin/tasks/record/?status__exact=queued").AssertNotContains("tasksadmin-failing")
	c.PostForm("/admin/tasks/record/", url.Values{"action": {"requeue"}, "_selected_action": {strconv.FormatInt(id, 10)}, "index": {"0"}}).
		AssertRedirect("/admin/tasks/record/")
	c.Get("/admin/tasks/record/").AssertContains("1 dead task(s) requeued.")
	if in, _ := b.Info(ctx, id); in.Status != tasks.StatusQueued || in.Attempts != 0 {
		t.Fatalf("after requeue: %+v", in)
	}
}
