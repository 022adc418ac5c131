package tasks

import (
	"context"
	"testing"
	"time"
)

// lossyClaims is a DBBackend whose claims are cut off by cancellation the way a
// network driver's are: the UPDATE commits on the server, and a context
// cancelled meanwhile makes the client drop the answer. cut is called once,
// in the middle of a claim.
type lossyClaims struct {
	*DBBackend
	cut func()
}

func (b *lossyClaims) claim(ctx context.Context, queues, names []string, n int, lease time.Duration) ([]claimed, error) {
	got, err := b.DBBackend.claim(context.WithoutCancel(ctx), queues, names, n, lease)
	if b.cut != nil && len(got) > 0 {
		b.cut()
		b.cut = nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return got, err
}

// TestShutdownDuringAClaimLosesNoTask checks that a worker told to stop while a
// claim is on its way to the database still runs, or gives back, what that
// claim took. Before, the claim ran on the stopping context: the rows it had
// leased were dropped by the worker and stayed "running" until their lease
// expired, their attempt counted (a task with MaxAttempts(1) ended dead without
// running).
func TestShutdownDuringAClaimLosesNoTask(t *testing.T) {
	ctx := context.Background()
	u := dialects()["sqlite"](t)
	inner := NewDB(open(t, u))
	id, err := sleepTask.Enqueue(ctx, sleepArgs{D: time.Millisecond}, Using(inner), Queue("cut"), MaxAttempts(1))
	if err != nil {
		t.Fatal(err)
	}
	wctx, stop := context.WithCancel(ctx)
	b := &lossyClaims{DBBackend: inner, cut: stop}
	w := &Worker{Backend: b, Queues: []string{"cut"}, PollInterval: 5 * time.Millisecond, Grace: time.Second}
	if err := w.Run(wctx); err != nil {
		t.Fatal(err)
	}
	in, err := inner.Info(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if in.Status == StatusRunning {
		t.Fatalf("the task claimed as the worker stopped was left running until its lease expires: %+v", in)
	}
	if in.Status != StatusSucceeded && !(in.Status == StatusQueued && in.Attempts == 0) {
		t.Errorf("the task claimed as the worker stopped: %+v", in)
	}
}
