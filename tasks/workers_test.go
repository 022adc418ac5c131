package tasks

import (
	"strings"
	"sync/atomic"

	"context"
	"fmt"
	"github.com/redis/go-redis/v9"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/galvani-web/galvani/orm"
)

// childWorker is the body of a worker process started by startWorkers: the test
// binary run again with GALVANI_TASKS_WORKER_URL set. It works until SIGTERM.
func childWorker(u string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	db, err := orm.Open(ctx, u)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer db.Close()
	recordDB.Store(db)
	lease, _ := time.ParseDuration(os.Getenv("GALVANI_TASKS_WORKER_LEASE"))
	var broker Broker = NewDB(db)
	if addr, prefix, ok := strings.Cut(os.Getenv("GALVANI_TASKS_WORKER_REDIS"), "|"); ok {
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		defer rdb.Close()
		broker = NewRedis(rdb, prefix)
	}
	w := &Worker{Backend: broker, Queues: []string{"record"}, Concurrency: 4, PollInterval: 20 * time.Millisecond, Lease: lease, Grace: time.Second}
	if err := w.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// startWorkers starts n worker processes on u (tasks_test_runs lives there) and
// its task table or, with the env GALVANI_TASKS_WORKER_REDIS=addr|prefix among
// extra, on Redis; they are stopped when the test ends.
func startWorkers(t *testing.T, u string, n int, lease time.Duration, extra ...string) []*exec.Cmd {
	t.Helper()
	var cmds []*exec.Cmd
	for i := 0; i < n; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(append(os.Environ(), "GALVANI_TASKS_WORKER_URL="+u, "GALVANI_TASKS_WORKER_LEASE="+lease.String()), extra...)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
		t.Cleanup(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
		})
	}
	return cmds
}

// runCounts returns how many times each task number ran (negative numbers are
// first attempts that hung).
func runCounts(t *testing.T, db *orm.DB) map[int64]int {
	t.Helper()
	rows, err := db.Query(context.Background(), "SELECT job_n, COUNT(*) FROM tasks_test_runs GROUP BY job_n")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var n int64
		var c int
		if err := rows.Scan(&n, &c); err != nil {
			t.Fatal(err)
		}
		out[n] = c
	}
	return out
}

func checkExactlyOnce(t *testing.T, db *orm.DB, b *DBBackend, total int) {
	t.Helper()
	waitFor(t, "every task to succeed", func() bool {
		c, err := b.Counts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return c[StatusSucceeded] == int64(total)
	})
	counts := runCounts(t, db)
	if len(counts) != total {
		t.Fatalf("%d distinct tasks ran, want %d", len(counts), total)
	}
	for n, c := range counts {
		if c != 1 {
			t.Errorf("task %d ran %d times", n, c)
		}
	}
}

func enqueueRecords(t *testing.T, b *DBBackend, total int) {
	t.Helper()
	ctx := context.Background()
	for i := 1; i <= total; i++ {
		if _, err := recordTask.Enqueue(ctx, recordArgs{N: int64(i)}, Using(b)); err != nil {
			t.Fatal(err)
		}
	}
}

// Several workers, each with its own connection pool, on one queue: every task
// runs exactly once.
func TestWorkersRunEachTaskOnce(t *testing.T) {
	forEachDB(t, func(t *testing.T, u string) {
		db := open(t, u)
		recordDB.Store(db)
		b := NewDB(db)
		const total = 400
		enqueueRecords(t, b, total)
		var stops []func() error
		for i := 0; i < 4; i++ {
			w := &Worker{Backend: NewDB(open(t, u)), Queues: []string{"record"}, Concurrency: 4, PollInterval: 5 * time.Millisecond}
			stops = append(stops, runWorker(t, w))
		}
		checkExactlyOnce(t, db, b, total)
		for _, stop := range stops {
			if err := stop(); err != nil {
				t.Error(err)
			}
		}
	})
}

// The same with worker processes.
func TestWorkerProcessesRunEachTaskOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	forEachDB(t, func(t *testing.T, u string) {
		db := open(t, u)
		recordDB.Store(db)
		b := NewDB(db)
		const total = 300
		startWorkers(t, u, 3, 5*time.Second)
		enqueueRecords(t, b, total)
		checkExactlyOnce(t, db, b, total)
		pids := map[string]bool{}
		rows, err := db.Query(context.Background(), "SELECT DISTINCT worker FROM tasks_test_runs")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var w string
			_ = rows.Scan(&w)
			pids[w] = true
		}
		rows.Close()
		t.Logf("%d tasks ran in %d processes", total, len(pids))
	})
}

// A worker process killed (SIGKILL) in the middle of a task: the task's lease
// expires and another worker runs it again, to success.
func TestKilledWorkersTaskIsRetried(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	forEachDB(t, func(t *testing.T, u string) {
		ctx := context.Background()
		db := open(t, u)
		recordDB.Store(db)
		b := NewDB(db)
		cmd := startWorkers(t, u, 1, 500*time.Millisecond)[0]
		id, err := recordTask.Enqueue(ctx, recordArgs{N: 7, HangFirst: true}, Using(b))
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the first attempt to start", func() bool { return runCounts(t, db)[-7] == 1 })
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		if in, _ := b.Info(ctx, id); in.Status != StatusRunning {
			t.Fatalf("after the kill: %+v", in)
		}
		w := &Worker{Backend: NewDB(open(t, u)), Queues: []string{"record"}, PollInterval: 20 * time.Millisecond, Lease: 5 * time.Second} // long: a stall must not run the retry twice
		stop := runWorker(t, w)
		in := waitStatus(t, b, id, StatusSucceeded)
		stop()
		if in.Attempts != 2 || runCounts(t, db)[7] != 1 {
			t.Fatalf("retried task: %+v, runs %v", in, runCounts(t, db))
		}
	})
}

// A lease that expires while its worker still runs the task (a hung worker): the
// task is taken back, and the old worker can no longer record an outcome.
func TestExpiredLeaseIsTakenBack(t *testing.T) {
	forEachDB(t, func(t *testing.T, u string) {
		ctx := context.Background()
		b := NewDB(open(t, u))
		id, _ := addTask.Enqueue(ctx, addArgs{1, 1}, Using(b), Queue("lease"))
		old, err := b.claim(ctx, []string{"lease"}, Registered(), 1, 50*time.Millisecond)
		if err != nil || len(old) != 1 {
			t.Fatalf("claim: %v %v", old, err)
		}
		if again, _ := b.claim(ctx, []string{"lease"}, Registered(), 1, time.Minute); len(again) != 0 {
			t.Fatal("a leased task was claimed twice")
		}
		time.Sleep(60 * time.Millisecond)
		if n, err := b.reap(ctx); n != 1 || err != nil {
			t.Fatalf("reap: %d %v", n, err)
		}
		w := &Worker{Backend: b, Queues: []string{"lease"}, PollInterval: 5 * time.Millisecond}
		stop := runWorker(t, w)
		in := waitStatus(t, b, id, StatusSucceeded)
		stop()
		if in.Attempts != 2 {
			t.Errorf("attempts %d, want 2", in.Attempts)
		}
		if ok, _ := b.succeed(ctx, &old[0], nil); ok {
			t.Error("the worker that lost the lease recorded an outcome")
		}
	})
}

// Stopping a worker: running tasks get the grace period, then are cancelled
// and given back to their queue without an attempt counted.
func TestGracefulShutdown(t *testing.T) {
	forEachDB(t, func(t *testing.T, u string) {
		ctx := context.Background()
		b := NewDB(open(t, u))
		short, _ := sleepTask.Enqueue(ctx, sleepArgs{D: 100 * time.Millisecond}, Using(b), Queue("shutdown"))
		long, _ := sleepTask.Enqueue(ctx, sleepArgs{D: time.Hour}, Using(b), Queue("shutdown"))
		w := &Worker{Backend: b, Queues: []string{"shutdown"}, Concurrency: 2, PollInterval: 5 * time.Millisecond, Grace: 300 * time.Millisecond}
		stop := runWorker(t, w)
		waitStatus(t, b, long, StatusRunning)
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		if in, _ := b.Info(ctx, short); in.Status != StatusSucceeded {
			t.Errorf("the short task did not finish within the grace period: %+v", in)
		}
		if in, _ := b.Info(ctx, long); in.Status != StatusQueued || in.Attempts != 0 {
			t.Errorf("the long task was not given back: %+v", in)
		}
	})
}

// Several schedulers (separate connection pools, as separate processes would
// have) ticking at once: each tick is enqueued once.
func TestPeriodicFiresOncePerTick(t *testing.T) {
	forEachDB(t, func(t *testing.T, u string) {
		ctx := context.Background()
		every5, err := NewSchedule("*/5 * * * *", addTask, addArgs{1, 2}, Queue("periodic"))
		if err != nil {
			t.Fatal(err)
		}
		hourly, err := NewSchedule("@hourly", orderTask, 7, Queue("periodic"))
		if err != nil {
			t.Fatal(err)
		}
		var scheds []*Scheduler
		for i := 0; i < 4; i++ {
			scheds = append(scheds, &Scheduler{Backend: NewDB(open(t, u)), Schedules: []*Schedule{every5, hourly}})
		}
		start := time.Date(2026, 12, 7, 10, 0, 30, 0, time.UTC)
		fired := 0
		var mu sync.Mutex
		// 12 minutes, each second of it, seen by four schedulers at once
		for s := 0; s < 12*60; s += 7 {
			now := start.Add(time.Duration(s) * time.Second)
			var wg sync.WaitGroup
			for _, sc := range scheds {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n, err := sc.Tick(ctx, now)
					if err != nil {
						t.Error(err)
					}
					mu.Lock()
					fired += n
					mu.Unlock()
				}()
			}
			wg.Wait()
		}
		// ticks in [10:00:30 - 1 min, 10:12:30]: every5 at 10:00, 10:05, 10:10; hourly at 10:00
		if fired != 4 {
			t.Fatalf("fired %d tasks, want 4", fired)
		}
		c, err := NewDB(open(t, u)).Counts(ctx)
		if err != nil || c[StatusQueued] != 4 {
			t.Fatalf("queued rows %v %v", c, err)
		}
	})
}

// scheduleRuns makes TestScheduleRegistration's schedule new on every run
// (schedules live in a process-wide registry), so the test passes under -count.
var scheduleRuns atomic.Int64

func TestScheduleRegistration(t *testing.T) {
	args := addArgs{9, int(scheduleRuns.Add(1))}
	if _, err := Every("*/10 * * * *", addTask, args); err != nil {
		t.Fatal(err)
	}
	if _, err := Every("*/10 * * * *", addTask, args); err == nil {
		t.Fatal("the same schedule twice")
	}
	if _, err := Every("61 * * * *", addTask, addArgs{}); err == nil {
		t.Fatal("bad cron accepted")
	}
	found := false
	for _, s := range Schedules() {
		found = found || s.Cron().String() == "*/10 * * * *"
	}
	if !found {
		t.Fatal("Schedules lacks the registered one")
	}
}

// A claim takes at most the number of tasks asked for, best first.
func TestClaimTakesAtMostN(t *testing.T) {
	forEachDB(t, func(t *testing.T, u string) {
		ctx := context.Background()
		b := NewDB(open(t, u))
		for i := 0; i < 10; i++ {
			if _, err := addTask.Enqueue(ctx, addArgs{i, 0}, Using(b), Queue("limit"), Priority(i%3)); err != nil {
				t.Fatal(err)
			}
		}
		for round := 0; round < 4; round++ {
			got, err := b.claim(ctx, []string{"limit"}, Registered(), 3, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			want := min(3, 10-3*round)
			if len(got) != want {
				t.Fatalf("round %d: claimed %d, want %d", round, len(got), want)
			}
		}
	})
}

func TestSkipLockedByVersion(t *testing.T) {
	for v, want := range map[string]bool{
		"10.11.19-MariaDB-0+deb12u1": true, "10.6.0-MariaDB": true, "10.5.23-MariaDB": false,
		"11.4.2-MariaDB": true, "8.0.36": true, "5.7.44-log": false, "garbage": false, "": false,
	} {
		if got := hasSkipLocked(v); got != want {
			t.Errorf("%q: %v, want %v", v, got, want)
		}
	}
}
