package tasks

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// The operations tasksadmin and the metrics battery use, on both backends.
var (
	_ interface {
		Counts(context.Context) (map[Status]int64, error)
		Requeue(context.Context, int64) (bool, error)
		Purge(context.Context, time.Time) (int64, error)
	} = (*RedisBackend)(nil)
	_ interface {
		Counts(context.Context) (map[Status]int64, error)
		Requeue(context.Context, int64) (bool, error)
		Purge(context.Context, time.Time) (int64, error)
	} = (*DBBackend)(nil)
)

func TestRedisRequeuePurgeCounts(t *testing.T) {
	ctx := context.Background()
	b, _ := redisBackend(t)
	counts := func(want string) {
		t.Helper()
		got, err := b.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if s := fmt.Sprint(got); s != want {
			t.Fatalf("counts %s, want %s", s, want)
		}
	}
	counts("map[]")

	ok, _ := addTask.Enqueue(ctx, addArgs{1, 2}, Using(b), Queue("adm"), Unique("adm-once"))
	dead, _ := addTask.Enqueue(ctx, addArgs{3, 4}, Using(b), Queue("adm"), MaxAttempts(1))
	later, _ := addTask.Enqueue(ctx, addArgs{5, 6}, Using(b), Queue("adm"), Delay(time.Hour))
	busy, _ := addTask.Enqueue(ctx, addArgs{7, 8}, Using(b), Queue("adm-busy"))
	counts("map[queued:4]")

	got, err := b.claim(ctx, []string{"adm", "adm-busy"}, Registered(), 3, time.Minute)
	if err != nil || len(got) != 3 {
		t.Fatalf("claim: %v %v", got, err)
	}
	byID := map[int64]*claimed{}
	for i := range got {
		byID[got[i].id] = &got[i]
	}
	if byID[ok] == nil || byID[dead] == nil || byID[busy] == nil {
		t.Fatalf("claimed %v, want %d %d %d", got, ok, dead, busy)
	}
	counts("map[queued:1 running:3]")
	if done, err := b.succeed(ctx, byID[ok], []byte("3")); !done || err != nil {
		t.Fatalf("succeed: %v %v", done, err)
	}
	if done, err := b.fail(ctx, byID[dead], errors.New("boom")); !done || err != nil {
		t.Fatalf("fail: %v %v", done, err)
	}
	counts("map[dead:1 queued:1 running:1 succeeded:1]")

	for _, id := range []int64{ok, later, busy, 99999} {
		if re, err := b.Requeue(ctx, id); re || err != nil {
			t.Errorf("requeue of task %d, not dead: %v %v", id, re, err)
		}
	}
	if re, err := b.Requeue(ctx, dead); !re || err != nil {
		t.Fatalf("requeue: %v %v", re, err)
	}
	in, err := b.Info(ctx, dead)
	if err != nil || in.Status != StatusQueued || in.Attempts != 0 || !in.Finished.IsZero() || in.LastError != "boom" {
		t.Fatalf("requeued: %+v %v", in, err)
	}
	if ttl, _ := b.rdb.TTL(ctx, fmt.Sprintf("%s:job:%d", b.prefix, dead)).Result(); ttl >= 0 {
		t.Errorf("the requeued task still expires in %s", ttl)
	}
	if re, _ := b.Requeue(ctx, dead); re {
		t.Error("a task was requeued twice")
	}
	counts("map[queued:2 running:1 succeeded:1]")

	// It runs again (a worker claims it) and dies again.
	again, err := b.claim(ctx, []string{"adm"}, Registered(), 1, time.Minute)
	if err != nil || len(again) != 1 || again[0].id != dead || again[0].attempts != 1 {
		t.Fatalf("claim after requeue: %+v %v", again, err)
	}
	if done, _ := b.fail(ctx, &again[0], errors.New("boom again")); !done {
		t.Fatal("fail after requeue not recorded")
	}
	counts("map[dead:1 queued:1 running:1 succeeded:1]")

	if n, err := b.Purge(ctx, time.Now().Add(-time.Hour)); n != 0 || err != nil {
		t.Fatalf("purge of the last hour's tasks before an hour ago: %d %v", n, err)
	}
	if n, err := b.Purge(ctx, time.Now().Add(time.Second)); n != 2 || err != nil {
		t.Fatalf("purge: %d %v, want 2", n, err)
	}
	for _, id := range []int64{ok, dead} {
		if _, err := b.Info(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("task %d after purge: %v", id, err)
		}
	}
	for _, id := range []int64{later, busy} {
		if _, err := b.Info(ctx, id); err != nil {
			t.Errorf("purge removed unfinished task %d: %v", id, err)
		}
	}
	counts("map[queued:1 running:1]")
	// The purged task's Unique key is free again, as it is with the database.
	if _, err := addTask.Enqueue(ctx, addArgs{}, Using(b), Queue("adm"), Unique("adm-once")); err != nil {
		t.Fatalf("enqueue with a purged task's unique key: %v", err)
	}
	if n, err := b.Purge(ctx, time.Now().Add(time.Second)); n != 0 || err != nil {
		t.Fatalf("second purge: %d %v", n, err)
	}

	// More finished tasks than one purge script takes.
	ids := make([]int64, 0, purgeBatch+20)
	for i := 0; i < purgeBatch+20; i++ {
		id, err := addTask.Enqueue(ctx, addArgs{i, i}, Using(b), Queue("adm-many"))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	for len(ids) > 0 {
		got, err := b.claim(ctx, []string{"adm-many"}, Registered(), 100, time.Minute)
		if err != nil || len(got) == 0 {
			t.Fatalf("claim: %d %v", len(got), err)
		}
		for i := range got {
			if done, _ := b.succeed(ctx, &got[i], nil); !done {
				t.Fatal("succeed not recorded")
			}
		}
		ids = ids[len(got):]
	}
	if n, err := b.Purge(ctx, time.Now().Add(time.Second)); n != purgeBatch+20 || err != nil {
		t.Fatalf("purge of many: %d %v", n, err)
	}
	counts("map[queued:2 running:1]")
}
