package tasks

import (
	"context"
	"strings"
	"testing"
	"time"
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
