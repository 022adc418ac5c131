package tasks_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/tasks"
)

type WelcomeArgs struct{ Name string }

// Tasks are registered once, at package level, under a stable name.
var greet = tasks.RegisterResult("example-greet", func(ctx context.Context, a WelcomeArgs) (string, error) {
	return "Hello, " + a.Name, nil
}, tasks.Queue("mail"), tasks.MaxAttempts(5))

// The immediate backend runs a task when it is enqueued: for tests.
func Example() {
	ctx := context.Background()
	b := &tasks.Immediate{}
	id, err := greet.Enqueue(ctx, WelcomeArgs{Name: "Ada"}, tasks.Using(b))
	if err != nil {
		fmt.Println(err)
		return
	}
	info, _ := b.Info(ctx, id)
	msg, _ := tasks.ResultOf[string](info)
	fmt.Println(info.Status, msg)
	// Output: succeeded Hello, Ada
}

// The database backend stores the task; a Worker (the `worker` command in a
// project) claims and runs it.
func ExampleWorker() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "tasks-example")
	defer os.RemoveAll(dir)
	db, err := orm.Open(ctx, "sqlite:///"+filepath.Join(dir, "db.sqlite3"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	// a project runs `go run . migrate` with tasks.App installed instead
	orm.RegisterApps(tasks.App)
	if err := orm.CreateTables(ctx, db, tasks.Record{}); err != nil {
		fmt.Println(err)
		return
	}
	b := tasks.NewDB(db)
	id, _ := greet.Enqueue(ctx, WelcomeArgs{Name: "Grace"}, tasks.Using(b), tasks.Priority(5))

	wctx, stop := context.WithCancel(ctx)
	done := make(chan error)
	go func() {
		done <- (&tasks.Worker{Backend: b, Queues: []string{"mail"}, PollInterval: 10 * time.Millisecond}).Run(wctx)
	}()
	for {
		info, _ := b.Info(ctx, id)
		if info.Status == tasks.StatusSucceeded {
			msg, _ := tasks.ResultOf[string](info)
			fmt.Println(info.Status, info.Attempts, msg)
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	fmt.Println(<-done)
	// Output:
	// succeeded 1 Hello, Grace
	// <nil>
}

func ExampleParseCron() {
	c, err := tasks.ParseCron("0 9 * * mon-fri")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Next(time.Date(2026, 12, 11, 9, 0, 0, 0, time.UTC))) // a Friday
	_, err = tasks.ParseCron("0 25 * * *")
	fmt.Println(err)
	// Output:
	// 2026-12-14 09:00:00 +0000 UTC
	// tasks: cron "0 25 * * *": hour: "25" is not a value from 0 to 23
}
