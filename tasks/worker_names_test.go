package tasks

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The tasks of the rolling-deploy tests: two deployments' worth of names on one
// queue, and one that no worker serves at first.
var (
	rollA = Register("test-roll-a", func(ctx context.Context, a flakyArgs) error {
		n := calls(a.Key).Add(1)
		if int(n) <= a.FailTimes {
			return fmt.Errorf("failure %d of %d", n, a.FailTimes)
		}
		return nil
	}, Queue("roll"), MaxAttempts(3), Backoff(time.Millisecond, 5*time.Millisecond))
	rollB    = Register("test-roll-b", func(ctx context.Context, n int) error { return nil }, Queue("roll"))
	rollLate = Register("test-roll-late", func(ctx context.Context, n int) error { return nil }, Queue("roll"))
)

// forEachBroker runs f on a fresh broker of every kind: the database backend on
// each database, and Redis.
func forEachBroker(t *testing.T, f func(t *testing.T, b Broker)) {
	for _, name := range []string{"sqlite", "postgres", "mysql"} {
		mk := dialects()[name]
		t.Run(name, func(t *testing.T) { f(t, NewDB(open(t, mk(t)))) })
	}
	t.Run("redis", func(t *testing.T) {
		b, _ := redisBackend(t)
		f(t, b)
	})
}

// claimsSeen is a broker that remembers the names of the tasks it claimed.
type claimsSeen struct {
	Broker
	mu   sync.Mutex
	seen map[string]int
}

func (c *claimsSeen) claim(ctx context.Context, queues, names []string, n int, lease time.Duration) ([]claimed, error) {
	got, err := c.Broker.claim(ctx, queues, names, n, lease)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = map[string]int{}
	}
	for _, g := range got {
		c.seen[g.task]++
	}
	return got, err
}

func (c *claimsSeen) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fmt.Sprint(c.seen)
}

type countsBroker interface {
	Broker
	Counts(context.Context) (map[Status]int64, error)
	DueByTask(context.Context, ...string) (map[string]int64, error)
}

// Two workers whose programs register different tasks share a queue: each runs
// only its own names (retries included), and a task under a name neither knows
// stays queued, counted, unclaimed, until a worker that knows it starts.
func TestWorkersClaimOnlyTheirTasks(t *testing.T) {
	forEachBroker(t, func(t *testing.T, b Broker) {
		ctx := context.Background()
		cb := b.(countsBroker)
		key := fmt.Sprintf("roll-%T-%d", b, time.Now().UnixNano())
		var ids []int64
		enqueue := func(id int64, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		for i := 0; i < 5; i++ {
			enqueue(rollA.Enqueue(ctx, flakyArgs{Key: key + strconv.Itoa(i)}, Using(b)))
			enqueue(rollB.Enqueue(ctx, i, Using(b), Priority(i)))
		}
		calls(key + "flaky").Store(0)
		flaky, err := rollA.Enqueue(ctx, flakyArgs{Key: key + "flaky", FailTimes: 2}, Using(b))
		if err != nil {
			t.Fatal(err)
		}
		var late []int64
		for i := 0; i < 2; i++ {
			id, err := rollLate.Enqueue(ctx, i, Using(b))
			if err != nil {
				t.Fatal(err)
			}
			late = append(late, id)
		}
		// an older program's worker registers A, a newer one's B
		oldW := &claimsSeen{Broker: b}
		newW := &claimsSeen{Broker: b}
		stopOld := runWorker(t, &Worker{Backend: oldW, Queues: []string{"roll"}, Tasks: []string{rollA.Name()}, PollInterval: 5 * time.Millisecond})
		stopNew := runWorker(t, &Worker{Backend: newW, Queues: []string{"roll"}, Tasks: []string{rollB.Name()}, Concurrency: 2, PollInterval: 5 * time.Millisecond})
		for _, id := range ids {
			waitStatus(t, b, id, StatusSucceeded)
		}
		if in := waitStatus(t, b, flaky, StatusSucceeded); in.Attempts != 3 {
			t.Errorf("the retried task: %+v", in)
		}
		if err := stopOld(); err != nil {
			t.Fatal(err)
		}
		if err := stopNew(); err != nil {
			t.Fatal(err)
		}
		if got := oldW.String(); got != "map[test-roll-a:8]" {
			t.Errorf("the worker registering A claimed %s", got)
		}
		if got := newW.String(); got != "map[test-roll-b:5]" {
			t.Errorf("the worker registering B claimed %s", got)
		}
		for _, id := range late {
			if in, err := b.Info(ctx, id); err != nil || in.Status != StatusQueued || in.Attempts != 0 {
				t.Fatalf("a task no running worker knows: %+v %v", in, err)
			}
		}
		if c, err := cb.Counts(ctx); err != nil || c[StatusQueued] != 2 {
			t.Errorf("counts %v %v, want 2 queued", c, err)
		}
		if due, err := cb.DueByTask(ctx, "roll"); err != nil || fmt.Sprint(due) != "map[test-roll-late:2]" {
			t.Errorf("due by task %v %v", due, err)
		}
		// a worker of the program that knows it starts: it runs them
		stop := runWorker(t, &Worker{Backend: b, Queues: []string{"roll"}, PollInterval: 5 * time.Millisecond})
		for _, id := range late {
			if in := waitStatus(t, b, id, StatusSucceeded); in.Attempts != 1 {
				t.Errorf("late task: %+v", in)
			}
		}
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		if due, err := cb.DueByTask(ctx); err != nil || len(due) != 0 {
			t.Errorf("due by task after the runs: %v %v", due, err)
		}
	})
}

// An expired lease is taken back by any worker's reaper, whatever it serves,
// and runs again only on a worker that registers the task.
func TestExpiredLeaseGoesBackToItsName(t *testing.T) {
	forEachBroker(t, func(t *testing.T, b Broker) {
		ctx := context.Background()
		id, err := rollA.Enqueue(ctx, flakyArgs{Key: "lease"}, Using(b))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := b.claim(ctx, []string{"roll"}, []string{rollB.Name()}, 5, time.Minute); err != nil || len(got) != 0 {
			t.Fatalf("a claim for B took %v %v", got, err)
		}
		old, err := b.claim(ctx, []string{"roll"}, []string{rollA.Name()}, 5, 50*time.Millisecond)
		if err != nil || len(old) != 1 || old[0].id != id {
			t.Fatalf("claim: %v %v", old, err)
		}
		time.Sleep(60 * time.Millisecond)
		other := &claimsSeen{Broker: b}
		stop := runWorker(t, &Worker{Backend: other, Queues: []string{"roll"}, Tasks: []string{rollB.Name()}, PollInterval: 5 * time.Millisecond})
		waitFor(t, "the lease to be taken back", func() bool {
			in, err := b.Info(ctx, id)
			return err == nil && in.Status == StatusQueued
		})
		time.Sleep(30 * time.Millisecond)
		stop()
		if got := other.String(); got != "map[]" {
			t.Fatalf("the worker registering B claimed %s", got)
		}
		stop = runWorker(t, &Worker{Backend: b, Queues: []string{"roll"}, Tasks: []string{rollA.Name()}, PollInterval: 5 * time.Millisecond})
		if in := waitStatus(t, b, id, StatusSucceeded); in.Attempts != 2 {
			t.Errorf("attempts %d, want 2", in.Attempts)
		}
		stop()
	})
}

// A worker refuses names its program does not register, and one that serves
// every registered task takes up a task registered after it started.
func TestWorkerTaskNames(t *testing.T) {
	b := NewDB(open(t, dialects()["sqlite"](t)))
	w := &Worker{Backend: b, Tasks: []string{"test-roll-nobody"}}
	if err := w.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "test-roll-nobody") {
		t.Fatalf("a worker for an unregistered name: %v", err)
	}

	ctx := context.Background()
	name := fmt.Sprintf("test-roll-registered-later-%d", time.Now().UnixNano())
	id, err := b.Enqueue(ctx, &Job{Task: name, Queue: "roll", MaxAttempts: 1, Args: []byte("0"), RunAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	stop := runWorker(t, &Worker{Backend: b, Queues: []string{"roll"}, PollInterval: 5 * time.Millisecond})
	time.Sleep(50 * time.Millisecond)
	if in, _ := b.Info(ctx, id); in.Status != StatusQueued || in.Attempts != 0 {
		t.Fatalf("a task of a name not registered yet: %+v", in)
	}
	Register(name, func(ctx context.Context, n int) error { return nil })
	waitStatus(t, b, id, StatusSucceeded)
	stop()
}

// Tasks left in a queue's single "ready" set by a Redis worker of an earlier
// version (or one still running during the deploy) are filed under their names:
// claimed by a worker that knows them, counted and kept otherwise.
func TestRedisLegacyReadySet(t *testing.T) {
	ctx := context.Background()
	b, _ := redisBackend(t)
	known, _ := rollB.Enqueue(ctx, 1, Using(b), Priority(1))
	other, _ := rollB.Enqueue(ctx, 2, Using(b))
	unknown, _ := b.Enqueue(ctx, &Job{Task: "test-roll-nobody", Queue: "roll", MaxAttempts: 1, Args: []byte("0"), RunAt: time.Now()})
	// what the claim of the earlier version did: due tasks into ready:<queue>
	for _, id := range []int64{known, other, unknown} {
		in, err := b.Info(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		s := strconv.FormatInt(id, 10)
		b.rdb.ZRem(ctx, b.prefix+":sched:roll", s)
		b.rdb.ZAdd(ctx, b.prefix+":ready:roll", redis.Z{Score: float64(-int64(in.Priority)*priorityScale + in.RunAt.UnixMilli()), Member: s})
	}
	if c, err := b.Counts(ctx); err != nil || c[StatusQueued] != 3 {
		t.Fatalf("counts of the legacy set: %v %v", c, err)
	}
	got, err := b.claim(ctx, []string{"roll"}, []string{rollB.Name()}, 1, time.Minute)
	if err != nil || len(got) != 1 || got[0].id != known {
		t.Fatalf("claimed %+v %v, want the legacy task %d first", got, err, known)
	}
	if n, _ := b.rdb.Exists(ctx, b.prefix+":ready:roll").Result(); n != 0 {
		t.Error("the legacy ready set was not emptied")
	}
	got, err = b.claim(ctx, []string{"roll"}, []string{rollB.Name()}, 5, time.Minute)
	if err != nil || len(got) != 1 || got[0].id != other {
		t.Fatalf("claimed %+v %v, want %d only", got, err, other)
	}
	if c, err := b.Counts(ctx); err != nil || c[StatusQueued] != 1 || c[StatusRunning] != 2 {
		t.Fatalf("counts after the claims: %v %v", c, err)
	}
	if in, _ := b.Info(ctx, unknown); in.Status != StatusQueued || in.Attempts != 0 {
		t.Fatalf("the unknown legacy task: %+v", in)
	}
}
