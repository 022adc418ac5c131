package tasks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/galvani-web/galvani/orm"
)

// Table is the table DBBackend keeps tasks in; App's migration creates it.
const Table = "tasks_job"

// Record is a row of the task table. Times are Unix milliseconds, which every
// database compares the same way; LeaseUntil and LeaseToken belong to the worker
// running the task.
type Record struct {
	orm.Model
	// Task is the registered name of the task.
	Task string `orm:"max_length=100"`
	// Queue is the queue it waits in.
	Queue string `orm:"max_length=100"`
	// Priority orders due tasks (higher first).
	Priority int `orm:"column=priority"`
	// Status is a Status value.
	Status string `orm:"max_length=16,choices=queued:Queued|running:Running|succeeded:Succeeded|dead:Dead"`
	// Args are the JSON-encoded arguments.
	Args string `orm:"text"`
	// Attempts counts the runs begun; MaxAttempts bounds them.
	Attempts    int `orm:"column=attempts"`
	MaxAttempts int `orm:"column=max_attempts"`
	// TimeoutMs is a run's time limit in milliseconds.
	TimeoutMs int64 `orm:"column=timeout_ms"`
	// RunAt is when the task is due.
	RunAt int64 `orm:"column=run_at"`
	// LeaseUntil and LeaseToken are the running worker's claim.
	LeaseUntil int64  `orm:"column=lease_until"`
	LeaseToken string `orm:"max_length=32,column=lease_token"`
	// UniqueKey is the Unique option's key (NULL without one).
	UniqueKey orm.Null[string] `orm:"unique,max_length=200,column=unique_key"`
	// Result is the JSON result of a succeeded task, LastError the error of the
	// last failed attempt.
	Result    string `orm:"text"`
	LastError string `orm:"text,column=last_error"`
	// Created and Finished are when it was enqueued and when it succeeded or died.
	Created  int64 `orm:"column=created"`
	Finished int64 `orm:"column=finished"`
	// RequestID is the ID of the request that enqueued the task ("" outside one).
	RequestID string `orm:"max_length=64,column=request_id"`
}

// String names the row in the admin: the task's name and id.
func (r Record) String() string { return r.Task + " #" + strconv.FormatInt(r.ID, 10) }

// Meta implements orm.MetaProvider: the table is Table, indexed for the claim.
// The task name comes before the priority in the index, so a claim reads the
// rows of its worker's names only, however many tasks wait under other names.
func (Record) Meta() orm.Meta {
	return orm.Meta{Table: Table, Indexes: []orm.Index{{Name: "tasks_job_claim_task", Fields: []string{"status", "queue", "task", "priority", "run_at"}}}}
}

// DBBackend keeps tasks in the table Table of a database (SQLite, PostgreSQL,
// MySQL/MariaDB); Workers run them. Enqueue within orm's DB.Atomic (with the
// transaction's ctx) writes the task in that transaction.
type DBBackend struct {
	db *orm.DB

	once       sync.Once
	skipLocked bool
}

// NewDB returns a backend on db, whose schema App's migration has created.
func NewDB(db *orm.DB) *DBBackend { return &DBBackend{db: db} }

// DB returns the backend's database.
func (b *DBBackend) DB() *orm.DB { return b.db }

func nowMs() int64 { return time.Now().UnixMilli() }

func token() string {
	var t [16]byte
	_, _ = rand.Read(t[:])
	return hex.EncodeToString(t[:])
}

const insertCols = "task, queue, priority, status, args, attempts, max_attempts, timeout_ms, run_at, lease_until, lease_token, unique_key, result, last_error, created, finished, request_id"

// Enqueue implements Backend.
func (b *DBBackend) Enqueue(ctx context.Context, j *Job) (int64, error) {
	var uk any
	if j.UniqueKey != "" {
		uk = j.UniqueKey
	}
	args := []any{j.Task, j.Queue, j.Priority, string(StatusQueued), string(j.Args), 0, j.MaxAttempts,
		j.Timeout.Milliseconds(), j.RunAt.UnixMilli(), int64(0), "", uk, "", "", nowMs(), int64(0), j.RequestID}
	q := "INSERT INTO " + Table + " (" + insertCols + ") VALUES (?" + strings.Repeat(", ?", len(args)-1) + ")"
	if b.db.Dialect().Name() == "mysql" {
		res, err := b.db.Exec(ctx, q, args...)
		if errors.Is(err, orm.ErrUniqueViolation) {
			return 0, ErrDuplicate
		}
		if err != nil {
			return 0, fmt.Errorf("tasks: enqueue %q: %w", j.Task, err)
		}
		return res.LastInsertId()
	}
	// ON CONFLICT keeps a PostgreSQL transaction usable when the key is taken.
	rows, err := b.db.Query(ctx, q+" ON CONFLICT (unique_key) DO NOTHING RETURNING id", args...)
	if err != nil {
		return 0, fmt.Errorf("tasks: enqueue %q: %w", j.Task, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return 0, fmt.Errorf("tasks: enqueue %q: %w", j.Task, err)
		}
		return 0, ErrDuplicate
	}
	var id int64
	if err := rows.Scan(&id); err != nil {
		return 0, err
	}
	return id, rows.Err()
}

func msTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// Info implements Backend.
func (b *DBBackend) Info(ctx context.Context, id int64) (*Info, error) {
	rows, err := b.db.Query(ctx, "SELECT id, task, queue, priority, status, args, attempts, max_attempts, run_at, created, finished, result, last_error, request_id FROM "+Table+" WHERE id = ?", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	var in Info
	var status, args, result string
	var runAt, created, finished int64
	if err := rows.Scan(&in.ID, &in.Task, &in.Queue, &in.Priority, &status, &args, &in.Attempts, &in.MaxAttempts, &runAt, &created, &finished, &result, &in.LastError, &in.RequestID); err != nil {
		return nil, err
	}
	in.Status, in.Args = Status(status), json.RawMessage(args)
	if result != "" {
		in.Result = json.RawMessage(result)
	}
	in.RunAt, in.Created, in.Finished = msTime(runAt), msTime(created), msTime(finished)
	return &in, nil
}

// Counts returns how many tasks are in each status, for monitoring.
func (b *DBBackend) Counts(ctx context.Context) (map[Status]int64, error) {
	rows, err := b.db.Query(ctx, "SELECT status, COUNT(*) FROM "+Table+" GROUP BY status")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[Status]int64{}
	for rows.Next() {
		var s string
		var n int64
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[Status(s)] = n
	}
	return out, rows.Err()
}

// DueByTask returns how many tasks of queues (all queues when none is given)
// are queued and due, by task name. Tasks that stay due under a name no running
// worker registers show here (a worker logs those it does not serve at start).
func (b *DBBackend) DueByTask(ctx context.Context, queues ...string) (map[string]int64, error) {
	q := "SELECT task, COUNT(*) FROM " + Table + " WHERE status = ? AND run_at <= ?"
	args := []any{string(StatusQueued), nowMs()}
	if len(queues) > 0 {
		q += " AND queue IN (" + marks(len(queues)) + ")"
		for _, name := range queues {
			args = append(args, name)
		}
	}
	rows, err := b.db.Query(ctx, q+" GROUP BY task", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			return nil, err
		}
		out[name] = n
	}
	return out, rows.Err()
}

// Requeue puts a dead task back in its queue, due now, with its attempts reset.
// It reports whether the task was dead.
func (b *DBBackend) Requeue(ctx context.Context, id int64) (bool, error) {
	res, err := b.db.Exec(ctx, "UPDATE "+Table+" SET status = ?, attempts = 0, run_at = ?, finished = 0 WHERE id = ? AND status = ?",
		string(StatusQueued), nowMs(), id, string(StatusDead))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// Purge deletes the succeeded and dead tasks that finished before t and returns
// how many. Periodic tasks are told apart by their unique rows, so keep at least
// a day of them.
func (b *DBBackend) Purge(ctx context.Context, before time.Time) (int64, error) {
	res, err := b.db.Exec(ctx, "DELETE FROM "+Table+" WHERE status IN (?, ?) AND finished < ?",
		string(StatusSucceeded), string(StatusDead), before.UnixMilli())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// claimed is a task a worker holds the lease of.
type claimed struct {
	id          int64
	queue       string // known to the Redis backend only
	task        string
	args        []byte
	attempts    int
	maxAttempts int
	timeout     time.Duration
	token       string
	requestID   string // of the request that enqueued it
}

// Broker is a Backend that Workers can run tasks from: DBBackend and
// RedisBackend. Its methods are this package's own.
type Broker interface {
	Backend
	// claim leases up to n due tasks of queues whose names are among names.
	claim(ctx context.Context, queues, names []string, n int, lease time.Duration) ([]claimed, error)
	renew(ctx context.Context, c *claimed, lease time.Duration) (bool, error)
	succeed(ctx context.Context, c *claimed, result []byte) (bool, error)
	fail(ctx context.Context, c *claimed, runErr error) (bool, error)
	release(ctx context.Context, c *claimed) (bool, error)
	reap(ctx context.Context) (int64, error)
}

var _ Broker = (*DBBackend)(nil)

// detect decides, once, whether the server has FOR UPDATE SKIP LOCKED
// (PostgreSQL, MySQL 8, MariaDB 10.6 and later).
func (b *DBBackend) detect(ctx context.Context) {
	b.once.Do(func() {
		switch b.db.Dialect().Name() {
		case "postgres":
			b.skipLocked = true
		case "mysql":
			var v string
			rows, err := b.db.Query(ctx, "SELECT VERSION()")
			if err != nil {
				return
			}
			if rows.Next() {
				_ = rows.Scan(&v)
			}
			rows.Close()
			b.skipLocked = hasSkipLocked(v)
		}
	})
}

// hasSkipLocked reads a MySQL/MariaDB version string ("10.11.6-MariaDB-0+deb12u1",
// "8.0.36").
func hasSkipLocked(v string) bool {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return false
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(strings.TrimRight(parts[1], "-abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))
	if err1 != nil || err2 != nil {
		return false
	}
	if strings.Contains(strings.ToLower(v), "mariadb") {
		return major > 10 || major == 10 && minor >= 6
	}
	return major >= 8
}

const returnCols = "id, task, args, attempts, max_attempts, timeout_ms, request_id"

// claim takes up to n due tasks of queues whose names are among names, and
// leases them for lease. No two calls, in any processes, get the same task while
// its lease holds. The names are a filter on rows the claim index finds by
// status and queue: tasks of other names are passed over, left queued.
func (b *DBBackend) claim(ctx context.Context, queues, names []string, n int, lease time.Duration) ([]claimed, error) {
	if len(queues) == 0 || len(names) == 0 {
		return nil, nil
	}
	b.detect(ctx)
	now := nowMs()
	tok := token()
	where := "status = ? AND run_at <= ? AND queue IN (" + marks(len(queues)) + ") AND task IN (" + marks(len(names)) + ")"
	wargs := make([]any, 0, 2+len(queues)+len(names))
	wargs = append(wargs, string(StatusQueued), now)
	for _, q := range queues {
		wargs = append(wargs, q)
	}
	for _, name := range names {
		wargs = append(wargs, name)
	}
	order := " ORDER BY priority DESC, run_at, id LIMIT " + strconv.Itoa(n)
	set := "status = ?, attempts = attempts + 1, lease_until = ?, lease_token = ?"
	sargs := []any{string(StatusRunning), now + lease.Milliseconds(), tok}
	switch b.db.Dialect().Name() {
	case "mysql":
		var out []claimed
		err := b.db.Atomic(ctx, func(ctx context.Context, tx *orm.DB) error {
			lock := " FOR UPDATE"
			if b.skipLocked {
				lock += " SKIP LOCKED"
			}
			rows, err := tx.Query(ctx, "SELECT id FROM "+Table+" WHERE "+where+order+lock, wargs...)
			if err != nil {
				return err
			}
			var ids []any
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				ids = append(ids, id)
			}
			rows.Close()
			if err := rows.Err(); err != nil || len(ids) == 0 {
				return err
			}
			in := " WHERE id IN (?" + strings.Repeat(", ?", len(ids)-1) + ")"
			if _, err := tx.Exec(ctx, "UPDATE "+Table+" SET "+set+in, append(sargs, ids...)...); err != nil {
				return err
			}
			out, err = scanClaimed(tx.Query(ctx, "SELECT "+returnCols+" FROM "+Table+in, ids...))
			return err
		})
		for i := range out {
			out[i].token = tok
		}
		return out, err
	case "postgres":
		// The rows are picked once, in a CTE: an IN (sub-select ... LIMIT) may be
		// executed again by the planner and lock more rows than asked for. The
		// sub-select locks the rows it picks and skips those another worker holds.
		q := "WITH picked AS (SELECT id FROM " + Table + " WHERE " + where + order + " FOR UPDATE SKIP LOCKED) UPDATE " + Table + " SET " + set +
			" FROM picked WHERE " + Table + ".id = picked.id RETURNING " + Table + "." + strings.ReplaceAll(returnCols, ", ", ", "+Table+".")
		out, err := scanClaimed(b.db.Query(ctx, q, append(wargs, sargs...)...))
		for i := range out {
			out[i].token = tok
		}
		return out, err
	default:
		// One statement, run under SQLite's database write lock. The unary plus
		// keeps SQLite from answering the outer status test through the claim
		// index, which walks every queued row; the ids picked are looked up by key.
		q := "UPDATE " + Table + " SET " + set + " WHERE id IN (SELECT id FROM " + Table + " WHERE " + where + order + ") AND +status = ? RETURNING " + returnCols
		args := append(append(sargs, wargs...), string(StatusQueued))
		out, err := scanClaimed(b.db.Query(ctx, q, args...))
		for i := range out {
			out[i].token = tok
		}
		return out, err
	}
}

// marks returns n comma-separated placeholders.
func marks(n int) string { return "?" + strings.Repeat(", ?", n-1) }

func scanClaimed(rows orm.Rows, err error) ([]claimed, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []claimed
	for rows.Next() {
		var c claimed
		var args string
		var timeout int64
		if err := rows.Scan(&c.id, &c.task, &args, &c.attempts, &c.maxAttempts, &timeout, &c.requestID); err != nil {
			return nil, err
		}
		c.args, c.timeout = []byte(args), time.Duration(timeout)*time.Millisecond
		out = append(out, c)
	}
	return out, rows.Err()
}

// owned runs an UPDATE of the task c if its lease is still c's, and reports
// whether it was.
// A deadlock or lock timeout (MySQL/MariaDB row locks taken by concurrent
// claims) is retried a few times: an outcome lost would make the task run again
// after its lease.
func (b *DBBackend) owned(ctx context.Context, c *claimed, set string, args ...any) (bool, error) {
	args = append(args, c.id, c.token, string(StatusRunning))
	q := "UPDATE " + Table + " SET " + set + " WHERE id = ? AND lease_token = ? AND status = ?"
	var err error
	for try := 0; try < 8; try++ {
		var res orm.Result
		if res, err = b.db.Exec(ctx, q, args...); err == nil {
			n, err := res.RowsAffected()
			return n > 0, err
		}
		if !transient(err) {
			return false, err
		}
		time.Sleep(time.Duration(try+1) * 5 * time.Millisecond)
	}
	return false, err
}

// transient reports whether err is a lock conflict worth retrying: a deadlock
// or lock wait timeout (MySQL 1213 and 1205, PostgreSQL 40P01 and 40001), or
// SQLite's busy database.
func transient(err error) bool {
	s := err.Error()
	for _, m := range []string{"Error 1213", "Error 1205", "SQLSTATE 40P01", "SQLSTATE 40001", "SQLITE_BUSY", "database is locked"} {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

// renew extends c's lease; false means it was lost (expired and taken back).
func (b *DBBackend) renew(ctx context.Context, c *claimed, lease time.Duration) (bool, error) {
	return b.owned(ctx, c, "lease_until = ?", nowMs()+lease.Milliseconds())
}

// succeed records c's success and result.
func (b *DBBackend) succeed(ctx context.Context, c *claimed, result []byte) (bool, error) {
	return b.owned(ctx, c, "status = ?, result = ?, finished = ?, lease_token = ''", string(StatusSucceeded), string(result), nowMs())
}

// fail records c's failure: queued again after backoff, or dead after its last
// attempt or a permanent error.
func (b *DBBackend) fail(ctx context.Context, c *claimed, runErr error) (bool, error) {
	msg, dead, next := failure(c, runErr)
	if dead {
		return b.owned(ctx, c, "status = ?, last_error = ?, finished = ?, lease_token = ''", string(StatusDead), msg, nowMs())
	}
	return b.owned(ctx, c, "status = ?, last_error = ?, run_at = ?, lease_token = ''", string(StatusQueued), msg, next.UnixMilli())
}

// failure decides what a failed run of c leads to: its error message (bounded),
// whether the task is dead, and otherwise when it is due again.
func failure(c *claimed, runErr error) (msg string, dead bool, next time.Time) {
	msg = runErr.Error()
	if len(msg) > 4000 {
		msg = msg[:4000]
	}
	if IsPermanent(runErr) || c.attempts >= c.maxAttempts {
		return msg, true, time.Time{}
	}
	pol := retryPolicy(c.task)
	return msg, false, time.Now().Add(pol.backoffFor(c.attempts))
}

// release gives c back to its queue, due now, without counting the attempt (a
// worker shutting down).
func (b *DBBackend) release(ctx context.Context, c *claimed) (bool, error) {
	return b.owned(ctx, c, "status = ?, attempts = attempts - 1, run_at = ?, lease_token = ''", string(StatusQueued), nowMs())
}

// reap takes back the tasks whose lease expired (their worker died or hung):
// queued again, due now, or dead when that was their last attempt.
func (b *DBBackend) reap(ctx context.Context) (int64, error) {
	now := nowMs()
	const lost = "the worker running it stopped renewing its lease"
	r1, err := b.db.Exec(ctx, "UPDATE "+Table+" SET status = ?, last_error = ?, finished = ?, lease_token = '' WHERE status = ? AND lease_until < ? AND attempts >= max_attempts",
		string(StatusDead), lost, now, string(StatusRunning), now)
	if err != nil {
		return 0, err
	}
	r2, err := b.db.Exec(ctx, "UPDATE "+Table+" SET status = ?, last_error = ?, run_at = ?, lease_token = '' WHERE status = ? AND lease_until < ?",
		string(StatusQueued), lost, now, string(StatusRunning), now)
	if err != nil {
		return 0, err
	}
	n1, _ := r1.RowsAffected()
	n2, _ := r2.RowsAffected()
	return n1 + n2, nil
}
