package tasks

import (
	"context"
	"testing"
	"time"
)

// TestTinyLeaseIsRaised checks that a Worker given a lease too short to keep
// (a -lease 1ns typo) still runs tasks: before, the renewal ticker of lease/3
// panicked and took the worker process down, and a lease under a millisecond
// was stored as already expired.
func TestTinyLeaseIsRaised(t *testing.T) {
	ctx := context.Background()
	b := NewDB(open(t, dialects()["sqlite"](t)))
	id, err := sleepTask.Enqueue(ctx, sleepArgs{D: 20 * time.Millisecond}, Using(b), Queue("tiny"), MaxAttempts(1))
	if err != nil {
		t.Fatal(err)
	}
	for _, lease := range []time.Duration{time.Nanosecond, 500 * time.Microsecond} {
		if _, _, _, got, _, _ := (&Worker{Lease: lease}).defaults(); got != minLease {
			t.Errorf("Lease %v: the worker uses %v, want %v", lease, got, minLease)
		}
	}
	stop := runWorker(t, &Worker{Backend: b, Queues: []string{"tiny"}, PollInterval: 5 * time.Millisecond, Lease: time.Nanosecond})
	// A run went through: succeeded, or dead when the machine was too slow to
	// renew a 30ms lease in time (the reaper then took it back), but no panic.
	waitFor(t, "the task to run", func() bool {
		in, err := b.Info(ctx, id)
		return err == nil && (in.Status == StatusSucceeded || in.Status == StatusDead)
	})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
