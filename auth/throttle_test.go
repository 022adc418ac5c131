package auth

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestMemoryThrottleWindowAndBound(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	th := &MemoryThrottle{Limit: 2, Window: time.Minute, MaxKeys: 100, Now: clk.Now}
	th.Fail(ctx, "a")
	if w, _ := th.Wait(ctx, "a"); w != 0 {
		t.Fatal("throttled below the limit")
	}
	th.Fail(ctx, "a")
	if w, _ := th.Wait(ctx, "a"); w != time.Minute {
		t.Fatalf("wait %v, want the rest of the window", w)
	}
	clk.Add(30 * time.Second)
	if w, _ := th.Wait(ctx, "a"); w != 30*time.Second {
		t.Fatalf("wait %v after 30s", w)
	}
	clk.Add(30 * time.Second)
	if w, _ := th.Wait(ctx, "a"); w != 0 {
		t.Fatal("still throttled after the window")
	}
	// Memory stays bounded under a flood of distinct keys.
	for i := 0; i < 1000; i++ {
		clk.Add(time.Millisecond)
		th.Fail(ctx, fmt.Sprint("flood-", i))
	}
	if n := th.Len(); n > 100 {
		t.Fatalf("%d keys tracked, MaxKeys 100", n)
	}
	// The newest keys survive pruning.
	th.Fail(ctx, "flood-999")
	if w, _ := th.Wait(ctx, "flood-999"); w == 0 {
		t.Fatal("a recent key was pruned")
	}
}

func TestMemoryThrottleConcurrent(t *testing.T) {
	ctx := context.Background()
	th := NewMemoryThrottle(1000, time.Hour)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				th.Fail(ctx, "shared")
				th.Wait(ctx, "shared")
			}
		}()
	}
	wg.Wait()
	if w, _ := th.Wait(ctx, "shared"); w != 0 {
		t.Fatal("800 failures reached the limit of 1000")
	}
	th.Fail(ctx, "shared")
	for i := 0; i < 199; i++ {
		th.Fail(ctx, "shared")
	}
	if w, _ := th.Wait(ctx, "shared"); w == 0 {
		t.Fatal("1000 failures not throttled: a count was lost")
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
