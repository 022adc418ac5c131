package tasks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/galvani-web/galvani/orm"
)

type addArgs struct{ A, B int }

var addTask = RegisterResult("test-add", func(ctx context.Context, a addArgs) (int, error) {
	return a.A + a.B, nil
}, Timeout(5*time.Second))

type flakyArgs struct {
	Key       string
	FailTimes int
	Permanent bool
}

var flakyCalls sync.Map // key -> *atomic.Int64

func calls(key string) *atomic.Int64 {
	v, _ := flakyCalls.LoadOrStore(key, new(atomic.Int64))
	return v.(*atomic.Int64)
}

var flakyTask = Register("test-flaky", func(ctx context.Context, a flakyArgs) error {
	n := calls(a.Key).Add(1)
	if a.Permanent {
		return Permanent(errors.New("refused for good"))
	}
	if int(n) <= a.FailTimes {
		return fmt.Errorf("failure %d of %d", n, a.FailTimes)
	}
	return nil
}, MaxAttempts(3), Backoff(time.Millisecond, 5*time.Millisecond))

var panicTask = Register("test-panic", func(ctx context.Context, a struct{}) error {
	panic("boom")
}, MaxAttempts(1))

type sleepArgs struct{ D time.Duration }

var sleepTask = Register("test-sleep", func(ctx context.Context, a sleepArgs) error {
	select {
	case <-time.After(a.D):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}, MaxAttempts(1))

var (
	orderMu sync.Mutex
	order   []int
)

var orderTask = Register("test-order", func(ctx context.Context, n int) error {
	orderMu.Lock()
	order = append(order, n)
	orderMu.Unlock()
	return nil
}, Queue("ordered"))

// recordDB is where recordTask writes one row per run.
var recordDB atomic.Pointer[orm.DB]

type recordArgs struct {
	N int64
	// HangFirst makes the first attempt hang until its context ends (a worker
	// killed mid-task).
	HangFirst bool
}

var recordTask = Register("test-record", func(ctx context.Context, a recordArgs) error {
	db := recordDB.Load()
	if a.HangFirst && Attempt(ctx) == 1 {
		if _, err := db.Exec(ctx, "INSERT INTO tasks_test_runs (job_n, worker) VALUES (?, ?)", -a.N, fmt.Sprint(os.Getpid())); err != nil {
			return err
		}
		<-ctx.Done()
		return ctx.Err()
	}
	_, err := db.Exec(ctx, "INSERT INTO tasks_test_runs (job_n, worker) VALUES (?, ?)", a.N, fmt.Sprint(os.Getpid()))
	return err
}, Queue("record"), MaxAttempts(5), Backoff(time.Millisecond, time.Millisecond))

func TestImmediateRunsInlineWithRetries(t *testing.T) {
	ctx := context.Background()
	b := &Immediate{}
	id, err := addTask.Enqueue(ctx, addArgs{2, 3}, Using(b))
	if err != nil {
		t.Fatal(err)
	}
	in, err := b.Info(ctx, id)
	if err != nil || in.Status != StatusSucceeded || in.Attempts != 1 {
		t.Fatalf("add: %+v %v", in, err)
	}
	if sum, err := ResultOf[int](in); err != nil || sum != 5 {
		t.Fatalf("result %d %v", sum, err)
	}

	tests := []struct {
		name         string
		args         flakyArgs
		want         Status
		wantAttempts int
	}{
		{"succeeds after two failures", flakyArgs{Key: "imm-2", FailTimes: 2}, StatusSucceeded, 3},
		{"dead after max attempts", flakyArgs{Key: "imm-9", FailTimes: 9}, StatusDead, 3},
		{"permanent error is not retried", flakyArgs{Key: "imm-p", Permanent: true}, StatusDead, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls(tt.args.Key).Store(0)
			id, err := flakyTask.Enqueue(WithBackend(ctx, b), tt.args)
			if err != nil {
				t.Fatal(err)
			}
			in, err := b.Info(ctx, id)
			if err != nil || in.Status != tt.want || in.Attempts != tt.wantAttempts {
				t.Fatalf("got %+v %v, want %s after %d attempts", in, err, tt.want, tt.wantAttempts)
			}
			if tt.want == StatusDead && in.LastError == "" {
				t.Error("a dead task keeps its last error")
			}
		})
	}

	id, _ = panicTask.Enqueue(ctx, struct{}{}, Using(b))
	if in, _ := b.Info(ctx, id); in.Status != StatusDead || !strings.Contains(in.LastError, "panicked: boom") {
		t.Fatalf("panic: %+v", in)
	}
	if _, err := b.Info(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
}

// badArgsTask takes arguments JSON cannot encode. Tasks live in a process-wide
// registry, so tests register them once, at package level, and run again under
// -count.
var badArgsTask = Register("test-bad-args", func(ctx context.Context, a chan int) error { return nil })

func TestEnqueueRefusesBadOptions(t *testing.T) {
	ctx := WithBackend(context.Background(), &Immediate{})
	for name, opt := range map[string]Option{
		"empty queue":      Queue(""),
		"long queue":       Queue(strings.Repeat("q", 101)),
		"zero attempts":    MaxAttempts(0),
		"negative timeout": Timeout(-time.Second),
		"backoff max<base": Backoff(time.Second, time.Millisecond),
		"empty unique key": Unique(""),
	} {
		if _, err := addTask.Enqueue(ctx, addArgs{}, opt); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("%s: %v, want ErrInvalidOption", name, err)
		}
	}
	SetDefault(nil)
	if _, err := addTask.Enqueue(context.Background(), addArgs{}); !errors.Is(err, ErrNoBackend) {
		t.Errorf("no backend: %v", err)
	}
	if _, err := badArgsTask.Enqueue(ctx, make(chan int)); err == nil {
		t.Error("arguments that do not encode are an error")
	}
}

func TestUniqueKeyStoresOnce(t *testing.T) {
	ctx := context.Background()
	b := &Immediate{}
	if _, err := addTask.Enqueue(ctx, addArgs{}, Using(b), Unique("k")); err != nil {
		t.Fatal(err)
	}
	if _, err := addTask.Enqueue(ctx, addArgs{}, Using(b), Unique("k")); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("second enqueue with the key: %v", err)
	}
}

func TestEnqueueOnCommitWaitsForTheTransaction(t *testing.T) {
	ctx := context.Background()
	db := open(t, dialects()["sqlite"](t))
	b := &Immediate{}
	calls("commit").Store(0)
	err := db.Atomic(ctx, func(ctx context.Context, tx *orm.DB) error {
		if err := flakyTask.EnqueueOnCommit(ctx, tx, flakyArgs{Key: "commit"}, nil, Using(b)); err != nil {
			return err
		}
		if calls("commit").Load() != 0 {
			t.Error("ran before the commit")
		}
		return nil
	})
	if err != nil || calls("commit").Load() != 1 {
		t.Fatalf("after commit: %v, %d runs", err, calls("commit").Load())
	}
	calls("rollback").Store(0)
	_ = db.Atomic(ctx, func(ctx context.Context, tx *orm.DB) error {
		_ = flakyTask.EnqueueOnCommit(ctx, tx, flakyArgs{Key: "rollback"}, nil, Using(b))
		return errors.New("roll back")
	})
	if calls("rollback").Load() != 0 {
		t.Fatal("ran after a rollback")
	}
}

func TestDatabaseBackend(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		b := NewDB(open(t, url))
		w := &Worker{Backend: b, Queues: []string{DefaultQueue, "ordered"}, Concurrency: 2, PollInterval: 10 * time.Millisecond}

		t.Run("result and status", func(t *testing.T) {
			id, err := addTask.Enqueue(ctx, addArgs{40, 2}, Using(b), Priority(3))
			if err != nil {
				t.Fatal(err)
			}
			if in, err := b.Info(ctx, id); err != nil || in.Status != StatusQueued || in.Priority != 3 || string(in.Args) != `{"A":40,"B":2}` {
				t.Fatalf("queued: %+v %v", in, err)
			}
			stop := runWorker(t, w)
			in := waitStatus(t, b, id, StatusSucceeded)
			stop()
			if n, err := ResultOf[int](in); n != 42 || err != nil || in.Finished.IsZero() {
				t.Fatalf("%+v: %d %v", in, n, err)
			}
			if _, err := b.Info(ctx, id+1000); !errors.Is(err, ErrNotFound) {
				t.Fatalf("unknown id: %v", err)
			}
		})

		t.Run("retries then dead, requeue", func(t *testing.T) {
			calls(t.Name()).Store(0)
			ok, _ := flakyTask.Enqueue(ctx, flakyArgs{Key: t.Name(), FailTimes: 2}, Using(b))
			calls(t.Name() + "x").Store(0)
			dead, _ := flakyTask.Enqueue(ctx, flakyArgs{Key: t.Name() + "x", FailTimes: 99}, Using(b))
			stop := runWorker(t, w)
			in := waitStatus(t, b, ok, StatusSucceeded)
			if in.Attempts != 3 || !strings.Contains(in.LastError, "failure 2 of 2") {
				t.Errorf("flaky: %+v", in)
			}
			in = waitStatus(t, b, dead, StatusDead)
			if in.Attempts != 3 || calls(t.Name()+"x").Load() != 3 {
				t.Errorf("dead: %+v after %d calls", in, calls(t.Name()+"x").Load())
			}
			stop()
			if again, err := b.Requeue(ctx, dead); !again || err != nil {
				t.Fatalf("requeue: %v %v", again, err)
			}
			if in, _ := b.Info(ctx, dead); in.Status != StatusQueued || in.Attempts != 0 {
				t.Fatalf("requeued: %+v", in)
			}
			if again, _ := b.Requeue(ctx, ok); again {
				t.Fatal("requeued a task that was not dead")
			}
			_, _ = b.db.Exec(ctx, "DELETE FROM "+Table+" WHERE id = ?", dead)
		})

		t.Run("priorities then age", func(t *testing.T) {
			orderMu.Lock()
			order = nil
			orderMu.Unlock()
			for i, p := range []int{0, 5, 0, 9, -1} {
				if _, err := orderTask.Enqueue(ctx, i, Using(b), Priority(p)); err != nil {
					t.Fatal(err)
				}
			}
			one := &Worker{Backend: b, Queues: []string{"ordered"}, Concurrency: 1, PollInterval: 10 * time.Millisecond}
			stop := runWorker(t, one)
			waitFor(t, "five runs", func() bool { orderMu.Lock(); defer orderMu.Unlock(); return len(order) == 5 })
			stop()
			if got := fmt.Sprint(order); got != "[3 1 0 2 4]" {
				t.Fatalf("order %s, want [3 1 0 2 4]", got)
			}
		})

		t.Run("delayed task waits", func(t *testing.T) {
			id, _ := addTask.Enqueue(ctx, addArgs{}, Using(b), Delay(time.Hour))
			got, err := b.claim(ctx, []string{DefaultQueue}, Registered(), 10, time.Minute)
			if err != nil || len(got) != 0 {
				t.Fatalf("claimed a task due in an hour: %v %v", got, err)
			}
			_, _ = b.db.Exec(ctx, "UPDATE "+Table+" SET run_at = ? WHERE id = ?", time.Now().Add(-time.Second).UnixMilli(), id)
			if got, err = b.claim(ctx, []string{DefaultQueue}, Registered(), 10, time.Minute); err != nil || len(got) != 1 || got[0].id != id {
				t.Fatalf("due task: %v %v", got, err)
			}
			if ok, _ := b.succeed(ctx, &got[0], nil); !ok {
				t.Fatal("succeed with the lease")
			}
		})

		t.Run("time limit", func(t *testing.T) {
			id, _ := sleepTask.Enqueue(ctx, sleepArgs{D: time.Hour}, Using(b), Timeout(50*time.Millisecond))
			stop := runWorker(t, w)
			in := waitStatus(t, b, id, StatusDead)
			stop()
			if !strings.Contains(in.LastError, "deadline") {
				t.Fatalf("timed out task: %+v", in)
			}
		})

		t.Run("panic", func(t *testing.T) {
			id, _ := panicTask.Enqueue(ctx, struct{}{}, Using(b))
			stop := runWorker(t, w)
			in := waitStatus(t, b, id, StatusDead)
			stop()
			if !strings.Contains(in.LastError, "boom") {
				t.Fatalf("%+v", in)
			}
		})

		t.Run("unique key", func(t *testing.T) {
			if _, err := addTask.Enqueue(ctx, addArgs{}, Using(b), Unique("only-once"), Delay(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if _, err := addTask.Enqueue(ctx, addArgs{}, Using(b), Unique("only-once")); !errors.Is(err, ErrDuplicate) {
				t.Fatalf("duplicate: %v", err)
			}
		})

		t.Run("enqueue in a transaction", func(t *testing.T) {
			var id int64
			err := b.db.Atomic(ctx, func(ctx context.Context, tx *orm.DB) error {
				var err error
				id, err = addTask.Enqueue(ctx, addArgs{}, Using(b), Delay(time.Hour))
				if err != nil {
					return err
				}
				return errors.New("roll back")
			})
			if err == nil || id == 0 {
				t.Fatalf("%v %d", err, id)
			}
			if _, err := b.Info(ctx, id); !errors.Is(err, ErrNotFound) {
				t.Fatalf("the task of a rolled-back transaction exists: %v", err)
			}
		})
	})
}

// Rows put in the table by hand or by another program: a task nobody registered,
// arguments that do not decode. The first stays queued, unclaimed (a worker of
// another deployment may know it); the others end dead with their reason, no
// panic.
func TestHostileRows(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		b := NewDB(open(t, url))
		insert := func(task, args string, maxAttempts int) int64 {
			// as another program would write it, not through Enqueue
			q := "INSERT INTO " + Table + " (" + insertCols + ") VALUES (?, 'hostile', 0, 'queued', ?, 0, ?, 1000, 0, 0, '', NULL, '', '', 0, 0, '')"
			if _, err := b.db.Exec(ctx, q, task, args, maxAttempts); err != nil {
				t.Fatal(err)
			}
			var id int64
			rows, err := b.db.Query(ctx, "SELECT MAX(id) FROM "+Table)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			rows.Next()
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			return id
		}
		unknown := insert("no-such-task", `{}`, 2)
		badArgs := insert("test-add", `{"A": "not a number"`, 3)
		notJSON := insert("test-add", "<xml>not json</xml>", 3)
		w := &Worker{Backend: b, Queues: []string{"hostile"}, PollInterval: 5 * time.Millisecond}
		_, _ = b.db.Exec(ctx, "UPDATE "+Table+" SET run_at = 0")
		stop := runWorker(t, w)
		for _, id := range []int64{badArgs, notJSON} {
			in := waitStatus(t, b, id, StatusDead)
			if in.Attempts != 1 || !strings.Contains(in.LastError, "do not decode") {
				t.Errorf("undecodable args: %+v", in)
			}
		}
		stop()
		if in, err := b.Info(ctx, unknown); err != nil || in.Status != StatusQueued || in.Attempts != 0 {
			t.Errorf("the task nobody registered was claimed: %+v %v", in, err)
		}
	})
}
