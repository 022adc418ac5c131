// Package tasks runs work outside the request: background tasks with typed
// arguments, retries with exponential backoff, time limits, priorities, named
// queues, delayed and periodic (cron) tasks, and a worker command.
//
// A task is a Go function registered under a stable name; its argument is any
// JSON-encodable type:
//
//	type WelcomeArgs struct{ UserID int64 }
//
//	var SendWelcome = tasks.Register("send-welcome", func(ctx context.Context, a WelcomeArgs) error {
//		return sendWelcomeMail(ctx, a.UserID)
//	}, tasks.Queue("mail"), tasks.MaxAttempts(5))
//
//	id, err := SendWelcome.Enqueue(ctx, WelcomeArgs{UserID: u.ID}, tasks.Delay(time.Minute))
//
// Where a task goes is its Backend: Immediate runs it at once, inline (for tests
// and development), DBBackend keeps it in a database table (SQLite,
// PostgreSQL, MySQL/MariaDB) and RedisBackend in Redis; Workers claim it from
// either. Enqueuing into a
// DBBackend inside orm's DB.Atomic writes the row in that transaction, so the
// task exists only if the transaction commits; EnqueueOnCommit does the same for
// any backend by waiting for the commit.
//
// Workers claim rows with a single statement that no two workers can both win
// (FOR UPDATE SKIP LOCKED on PostgreSQL and MariaDB/MySQL, an UPDATE ... RETURNING
// under the write lock on SQLite) and hold a lease they renew while the task runs.
// A worker that dies stops renewing; when the lease expires another worker runs the
// task again, so delivery is at least once and task functions should be idempotent.
//
// Install App to get the table's migration and the `worker` command:
//
//	app := galvani.New(settings, tasks.App, migrate.App)
package tasks
