package tasks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/galvani-web/galvani/internal/testdb"
)

// redisBackend returns a Redis backend with keys of its own, removed at the end.
func redisBackend(t testing.TB) (*RedisBackend, func() *RedisBackend) {
	addr := testdb.RedisAddr(t)
	prefix := fmt.Sprintf("galvani:tasks:test%s:%d", testdb.Name(""), time.Now().UnixNano())
	mk := func() *RedisBackend {
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		t.Cleanup(func() { rdb.Close() })
		return NewRedis(rdb, prefix)
	}
	b := mk()
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := b.rdb.Keys(ctx, prefix+":*").Result()
		if len(keys) > 0 {
			b.rdb.Del(ctx, keys...)
		}
	})
	return b, mk
}

func TestRedisBackend(t *testing.T) {
	ctx := context.Background()
	b, another := redisBackend(t)
	w := &Worker{Backend: b, Queues: []string{DefaultQueue, "ordered"}, Concurrency: 2, PollInterval: 5 * time.Millisecond}

	id, err := addTask.Enqueue(ctx, addArgs{40, 2}, Using(b), Priority(3))
	if err != nil {
		t.Fatal(err)
	}
	if in, err := b.Info(ctx, id); err != nil || in.Status != StatusQueued || in.Priority != 3 || string(in.Args) != `{"A":40,"B":2}` {
		t.Fatalf("queued: %+v %v", in, err)
	}
	calls("redis-flaky").Store(0)
	flaky, _ := flakyTask.Enqueue(ctx, flakyArgs{Key: "redis-flaky", FailTimes: 2}, Using(b))
	calls("redis-dead").Store(0)
	dead, _ := flakyTask.Enqueue(ctx, flakyArgs{Key: "redis-dead", FailTimes: 99}, Using(b))
	stop := runWorker(t, w)
	in := waitStatus(t, b, id, StatusSucceeded)
	if n, err := ResultOf[int](in); n != 42 || err != nil {
		t.Fatalf("result %d %v", n, err)
	}
	if in := waitStatus(t, b, flaky, StatusSucceeded); in.Attempts != 3 {
		t.Errorf("flaky: %+v", in)
	}
	if in := waitStatus(t, b, dead, StatusDead); in.Attempts != 3 || !strings.Contains(in.LastError, "failure 3 of 99") {
		t.Errorf("dead: %+v", in)
	}
	stop()
	if _, err := b.Info(ctx, 99999); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}

	t.Run("priorities then age", func(t *testing.T) {
		orderMu.Lock()
		order = nil
		orderMu.Unlock()
		for i, p := range []int{0, 5, 0, 9, -1} {
			if _, err := orderTask.Enqueue(ctx, i, Using(b), Priority(p)); err != nil {
				t.Fatal(err)
			}
		}
		stop := runWorker(t, &Worker{Backend: b, Queues: []string{"ordered"}, Concurrency: 1, PollInterval: 5 * time.Millisecond})
		waitFor(t, "five runs", func() bool { orderMu.Lock(); defer orderMu.Unlock(); return len(order) == 5 })
		stop()
		if got := fmt.Sprint(order); got != "[3 1 0 2 4]" {
			t.Fatalf("order %s, want [3 1 0 2 4]", got)
		}
	})

	t.Run("unique and delay", func(t *testing.T) {
		if _, err := addTask.Enqueue(ctx, addArgs{}, Using(b), Unique("r-once"), Delay(time.Hour), Queue("later")); err != nil {
			t.Fatal(err)
		}
		if _, err := addTask.Enqueue(ctx, addArgs{}, Using(b), Unique("r-once")); !errors.Is(err, ErrDuplicate) {
			t.Fatalf("duplicate: %v", err)
		}
		if got, _ := b.claim(ctx, []string{"later"}, Registered(), 5, time.Minute); len(got) != 0 {
			t.Fatal("claimed a task due in an hour")
		}
	})

	t.Run("expired lease", func(t *testing.T) {
		id, _ := addTask.Enqueue(ctx, addArgs{1, 1}, Using(b), Queue("lease"))
		old, err := b.claim(ctx, []string{"lease"}, Registered(), 1, 50*time.Millisecond)
		if err != nil || len(old) != 1 {
			t.Fatalf("claim: %v %v", old, err)
		}
		if again, _ := b.claim(ctx, []string{"lease"}, Registered(), 1, time.Minute); len(again) != 0 {
			t.Fatal("a leased task was claimed twice")
		}
		time.Sleep(60 * time.Millisecond)
		stop := runWorker(t, &Worker{Backend: another(), Queues: []string{"lease"}, PollInterval: 5 * time.Millisecond})
		in := waitStatus(t, b, id, StatusSucceeded)
		stop()
		if in.Attempts != 2 {
			t.Errorf("attempts %d, want 2", in.Attempts)
		}
		if ok, _ := b.succeed(ctx, &old[0], nil); ok {
			t.Error("the worker that lost the lease recorded an outcome")
		}
	})

	// A reap at the very millisecond a lease ends must neither take the task
	// back (the lease still holds) nor forget it (it did: the task stayed
	// "running" for nobody when its worker had died).
	t.Run("lease ending at the reap's millisecond", func(t *testing.T) {
		id, _ := addTask.Enqueue(ctx, addArgs{2, 2}, Using(b), Queue("boundary"))
		got, err := b.claim(ctx, []string{"boundary"}, Registered(), 1, time.Minute)
		if err != nil || len(got) != 1 {
			t.Fatalf("claim: %v %v", got, err)
		}
		lu, err := b.rdb.HGet(ctx, b.prefix+":job:"+fmt.Sprint(id), "lease_until").Int64()
		if err != nil {
			t.Fatal(err)
		}
		if n, err := b.reapAt(ctx, lu); err != nil || n != 0 {
			t.Fatalf("reap at the lease's end took back %d (%v)", n, err)
		}
		if n, err := b.reapAt(ctx, lu+1); err != nil || n != 1 {
			t.Fatalf("reap after the lease's end took back %d (%v)", n, err)
		}
		if in, _ := b.Info(ctx, id); in.Status != StatusQueued {
			t.Fatalf("after the lease: %+v", in)
		}
	})

	t.Run("graceful shutdown", func(t *testing.T) {
		long, _ := sleepTask.Enqueue(ctx, sleepArgs{D: time.Hour}, Using(b), Queue("shutdown"))
		stop := runWorker(t, &Worker{Backend: b, Queues: []string{"shutdown"}, PollInterval: 5 * time.Millisecond, Grace: 100 * time.Millisecond})
		waitStatus(t, b, long, StatusRunning)
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		if in, _ := b.Info(ctx, long); in.Status != StatusQueued || in.Attempts != 0 {
			t.Errorf("the long task was not given back: %+v", in)
		}
	})

	t.Run("workers run each task once", func(t *testing.T) {
		db := open(t, dialects()["sqlite"](t))
		recordDB.Store(db)
		const total = 300
		ids := make([]int64, 0, total)
		for i := 1; i <= total; i++ {
			id, err := recordTask.Enqueue(ctx, recordArgs{N: int64(i)}, Using(b))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		var stops []func() error
		for i := 0; i < 4; i++ {
			stops = append(stops, runWorker(t, &Worker{Backend: another(), Queues: []string{"record"}, Concurrency: 4, PollInterval: 5 * time.Millisecond}))
		}
		for _, id := range ids {
			waitStatus(t, b, id, StatusSucceeded)
		}
		for _, s := range stops {
			_ = s()
		}
		counts := runCounts(t, db)
		if len(counts) != total {
			t.Fatalf("%d distinct tasks ran, want %d", len(counts), total)
		}
		for n, c := range counts {
			if c != 1 {
				t.Errorf("task %d ran %d times", n, c)
			}
		}
	})

	t.Run("periodic once per tick", func(t *testing.T) {
		every5, _ := NewSchedule("*/5 * * * *", addTask, addArgs{5, 5}, Queue("periodic"))
		now := time.Date(2026, 12, 7, 10, 5, 10, 0, time.UTC)
		fired := 0
		for i := 0; i < 4; i++ {
			n, err := (&Scheduler{Backend: another(), Schedules: []*Schedule{every5}}).Tick(ctx, now)
			if err != nil {
				t.Fatal(err)
			}
			fired += n
		}
		if fired != 1 {
			t.Fatalf("fired %d, want 1", fired)
		}
	})
}

// Worker processes on Redis: each task runs once; a worker killed mid-task has
// its task run again after the lease.
func TestRedisWorkerProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	ctx := context.Background()
	b, _ := redisBackend(t)
	u := dialects()["sqlite"](t)
	db := open(t, u)
	recordDB.Store(db)
	env := "GALVANI_TASKS_WORKER_REDIS=" + testdb.RedisAddr(t) + "|" + b.prefix

	killed := startWorkers(t, u, 1, 500*time.Millisecond, env)[0]
	hung, err := recordTask.Enqueue(ctx, recordArgs{N: 7, HangFirst: true}, Using(b))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first attempt to start", func() bool { return runCounts(t, db)[-7] == 1 })
	if err := killed.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = killed.Wait()

	// The killed worker's short lease lets its task come back quickly; these
	// hold theirs long enough that a stall on a loaded machine cannot expire a
	// lease mid-run (which would run a task twice, as a lease means to).
	startWorkers(t, u, 3, 5*time.Second, env)
	const total = 200
	ids := []int64{hung}
	for i := 1; i <= total; i++ {
		if i == 7 {
			continue
		}
		id, err := recordTask.Enqueue(ctx, recordArgs{N: int64(i)}, Using(b))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	for _, id := range ids {
		waitStatus(t, b, id, StatusSucceeded)
	}
	if in, _ := b.Info(ctx, hung); in.Attempts != 2 {
		t.Errorf("the killed worker's task: %+v", in)
	}
	counts := runCounts(t, db)
	delete(counts, -7)
	if len(counts) != total {
		t.Fatalf("%d distinct tasks ran, want %d", len(counts), total)
	}
	for n, c := range counts {
		if c != 1 {
			t.Errorf("task %d ran %d times", n, c)
		}
	}
}
