package auth

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestMemoryThrottleWindowAndBound(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	th := &MemoryThrottle{Limit: 2, Window: time.Minute, MaxKeys: 100, Now: clk.Now}
	for i := 0; i < 2; i++ {
		if w, _ := th.Attempt(ctx, "a"); w != 0 {
			t.Fatalf("attempt %d refused below the limit", i)
		}
	}
	if w, _ := th.Attempt(ctx, "a"); w != time.Minute {
		t.Fatalf("wait %v, want the rest of the window", w)
	}
	clk.Add(30 * time.Second)
	if w, _ := th.Attempt(ctx, "a"); w != 30*time.Second {
		t.Fatalf("wait %v after 30s", w)
	}
	// A released attempt (one that did not fail) is given back.
	th.Release(ctx, "a")
	if w, _ := th.Attempt(ctx, "a"); w != 0 {
		t.Fatal("a released attempt was not given back")
	}
	clk.Add(30 * time.Second)
	if w, _ := th.Attempt(ctx, "a"); w != 0 {
		t.Fatal("still throttled after the window")
	}
	// Memory stays bounded under a flood of distinct keys.
	for i := 0; i < 1000; i++ {
		clk.Add(time.Millisecond)
		th.Attempt(ctx, fmt.Sprint("flood-", i))
	}
	if n := th.Len(); n > 100 {
		t.Fatalf("%d keys tracked, MaxKeys 100", n)
	}
	// The newest keys survive pruning.
	th.Attempt(ctx, "flood-999")
	if w, _ := th.Attempt(ctx, "flood-999"); w == 0 {
		t.Fatal("a recent key was pruned")
	}
}

// Attempts are checked and counted in one step: of many parallel attempts on one
// key, exactly Limit go ahead, however they interleave.
func TestMemoryThrottleReservesAtomically(t *testing.T) {
	ctx := context.Background()
	th := NewMemoryThrottle(5, time.Hour)
	var allowed atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := 0; g < 40; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if w, _ := th.Attempt(ctx, "shared"); w == 0 {
				allowed.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	if n := allowed.Load(); n != 5 {
		t.Fatalf("%d of 40 parallel attempts went ahead, limit 5", n)
	}
	// Parallel releases and attempts keep the count exact.
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				th.Release(ctx, "many")
				th.Attempt(ctx, "many")
				th.Attempt(ctx, "many")
			}
		}()
	}
	wg.Wait()
	if w, _ := th.Attempt(ctx, "many"); w == 0 {
		t.Fatal("far more attempts than releases, yet under the limit of 5: a count was lost")
	}
}

func TestConsoleMailer(t *testing.T) {
	var buf bytes.Buffer
	m := &ConsoleMailer{W: &buf}
	err := m.Send(context.Background(), Message{From: "a@example.com", To: []string{"b@example.com"},
		Subject: "hi\r\nBcc: victim@example.com", Body: "line 1\nline 2"})
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "Subject: hi  Bcc: victim@example.com\n") || strings.Contains(out, "\nBcc:") || !strings.Contains(out, "line 1\nline 2") {
		t.Errorf("console output:\n%s", out)
	}
}
