package tasks

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani/orm"
)

var noopTask = Register("bench-noop", func(ctx context.Context, a addArgs) error { return nil }, Queue("bench"))

// BenchmarkEnqueue measures Enqueue per backend, beside the raw INSERT of the
// same row with database/sql through the orm (the floor a database backend
// can reach).
func BenchmarkEnqueue(b *testing.B) {
	ctx := context.Background()
	b.Run("immediate", func(b *testing.B) {
		be := &Immediate{}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := noopTask.Enqueue(ctx, addArgs{i, i}, Using(be)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("redis", func(b *testing.B) {
		be, _ := redisBackend(b)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := noopTask.Enqueue(ctx, addArgs{i, i}, Using(be)); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, name := range []string{"sqlite", "postgres", "mysql"} {
		b.Run(name, func(b *testing.B) {
			u := dialects()[name](b)
			be := NewDB(open(b, u))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := noopTask.Enqueue(ctx, addArgs{i, i}, Using(be)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"-raw-insert", func(b *testing.B) {
			u := dialects()[name](b)
			db := open(b, u)
			q := "INSERT INTO " + Table + " (" + insertCols + ") VALUES (?" + strings.Repeat(", ?", 15) + ")"
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := db.Exec(ctx, q, "bench-noop", "bench", 0, "queued", `{"A":1,"B":1}`, 0, 3, 1000, 0, 0, "", nil, "", "", 0, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkExecute measures how fast workers drain a queue of no-op tasks
// (claim, run, record the outcome): b.N tasks are enqueued, then the clock runs
// until every one has succeeded. tasks/s is the throughput.
func BenchmarkExecute(b *testing.B) {
	ctx := context.Background()
	for _, name := range []string{"sqlite", "postgres", "mysql", "redis"} {
		for _, workers := range []int{1, 4} {
			b.Run(name+"-workers"+string(rune('0'+workers)), func(b *testing.B) {
				var be Broker
				var another func() Broker
				if name == "redis" {
					r, mk := redisBackend(b)
					be, another = r, func() Broker { return mk() }
				} else {
					u := dialects()[name](b)
					be, another = NewDB(open(b, u)), func() Broker { return NewDB(open(b, u)) }
				}
				var lastID int64
				for i := 0; i < b.N; i++ {
					id, err := noopTask.Enqueue(ctx, addArgs{i, i}, Using(be))
					if err != nil {
						b.Fatal(err)
					}
					lastID = id
				}
				b.ResetTimer()
				start := time.Now()
				var stops []func() error
				for i := 0; i < workers; i++ {
					w := &Worker{Backend: another(), Queues: []string{"bench"}, Concurrency: 8, PollInterval: 2 * time.Millisecond}
					stops = append(stops, runWorker(b, w))
				}
				for i := b.N; i >= 1; i-- { // ids 1..b.N; the last ones finish last
					in, err := be.Info(ctx, lastID-int64(b.N-i))
					if err != nil {
						b.Fatal(err)
					}
					if in.Status != StatusSucceeded {
						i++
						time.Sleep(2 * time.Millisecond)
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "tasks/s")
				for _, s := range stops {
					_ = s()
				}
			})
		}
	}
}

// BenchmarkClaimBesideOtherNames measures one enqueue, claim and success of a
// task while a backlog of due tasks waits on the same queue under a name the
// worker does not register (what an old worker sees during a rolling deploy).
// The time per operation should not grow with the backlog.
func BenchmarkClaimBesideOtherNames(b *testing.B) {
	ctx := context.Background()
	for _, name := range []string{"sqlite", "postgres", "mysql", "redis"} {
		for _, backlog := range []int{0, 20000} {
			b.Run(fmt.Sprintf("%s-backlog%d", name, backlog), func(b *testing.B) {
				var be Broker
				var db *orm.DB
				if name == "redis" {
					be, _ = redisBackend(b)
				} else {
					db = open(b, dialects()[name](b))
					be = NewDB(db)
				}
				if db != nil && backlog > 0 {
					q := "INSERT INTO " + Table + " (" + insertCols + ") VALUES (?" + strings.Repeat(", ?", 16) + ")"
					err := db.Atomic(ctx, func(ctx context.Context, tx *orm.DB) error {
						for i := 0; i < backlog; i++ {
							if _, err := tx.Exec(ctx, q, "bench-unknown", "bench", 0, "queued", `{}`, 0, 3, 1000, 0, 0, "", nil, "", "", 0, 0, ""); err != nil {
								return err
							}
						}
						return nil
					})
					if err != nil {
						b.Fatal(err)
					}
					analyze := "ANALYZE "
					if name == "mysql" {
						analyze = "ANALYZE TABLE "
					}
					if _, err := db.Exec(ctx, analyze+Table); err != nil {
						b.Fatal(err)
					}
				}
				for i := 0; db == nil && i < backlog; i++ {
					if _, err := be.Enqueue(ctx, &Job{Task: "bench-unknown", Queue: "bench", MaxAttempts: 3, Args: []byte("{}"), RunAt: time.Unix(1, 0)}); err != nil {
						b.Fatal(err)
					}
				}
				if rb, ok := be.(*RedisBackend); ok {
					// as polling workers do: file the due backlog by name, 1,000 per call
					for i := 0; i <= backlog/1000; i++ {
						if _, err := rb.DueByTask(ctx, "bench"); err != nil {
							b.Fatal(err)
						}
					}
				}
				names := []string{noopTask.Name()}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if _, err := noopTask.Enqueue(ctx, addArgs{i, i}, Using(be)); err != nil {
						b.Fatal(err)
					}
					got, err := be.claim(ctx, []string{"bench"}, names, 1, time.Minute)
					if err != nil || len(got) != 1 {
						b.Fatalf("claimed %v %v", got, err)
					}
					if ok, err := be.succeed(ctx, &got[0], nil); !ok || err != nil {
						b.Fatal(ok, err)
					}
				}
			})
		}
	}
}
