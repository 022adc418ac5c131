package auth

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
)

// At most Slots functions run at once, whatever the number of callers; callers
// that find no slot in time get ErrBusy without running; a cancelled caller
// stops waiting.
func TestHashLimiter(t *testing.T) {
	l := NewHashLimiter(2, 200*time.Millisecond)
	var running, peak atomic.Int64
	var wg sync.WaitGroup
	var busy atomic.Int64
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := l.Do(context.Background(), func() error {
				n := running.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				time.Sleep(30 * time.Millisecond)
				running.Add(-1)
				return nil
			})
			if errors.Is(err, ErrBusy) {
				busy.Add(1)
			} else if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if p := peak.Load(); p != 2 {
		t.Errorf("peak concurrency %d, want 2", p)
	}
	// 20 callers × 30 ms on 2 slots is 300 ms of work: those beyond 200 ms of waiting gave up.
	if b := busy.Load(); b == 0 || b == 20 {
		t.Errorf("%d of 20 callers got ErrBusy, want some but not all", b)
	}

	// A cancelled context stops the wait; the function's error comes back.
	hold := make(chan struct{})
	for i := 0; i < 2; i++ {
		go l.Do(context.Background(), func() error { <-hold; return nil })
	}
	for len(l.slots) < 2 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Do(ctx, func() error { t.Error("ran without a slot"); return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait: %v", err)
	}
	close(hold)
	want := errors.New("from fn")
	if err := l.Do(context.Background(), func() error { return want }); err != want {
		t.Errorf("fn's error: %v", err)
	}
	if status := (interface{ HTTPStatus() int })(busyError{}).HTTPStatus(); status != 503 {
		t.Errorf("ErrBusy answers %d", status)
	}
}

// Beyond 64 waiters per slot, callers are refused at once instead of queueing.
func TestHashLimiterQueueBound(t *testing.T) {
	l := NewHashLimiter(1, time.Minute)
	hold := make(chan struct{})
	defer close(hold)
	go l.Do(context.Background(), func() error { <-hold; return nil })
	for len(l.slots) < 1 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := 0; i < 64; i++ {
		go l.Do(ctx, func() error { return nil })
	}
	for l.waiting.Load() < 64 {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	if err := l.Do(context.Background(), func() error { return nil }); !errors.Is(err, ErrBusy) {
		t.Fatalf("the 65th waiter: %v, want ErrBusy", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("refusing a full queue took %v", d)
	}
}

func TestHashConcurrencySizing(t *testing.T) {
	if got := HashMemory(Argon2Hasher{}); got != 64<<20 {
		t.Errorf("default Argon2id memory %d, want 64 MiB", got)
	}
	if got := HashMemory(Argon2Hasher{MemoryKiB: 19456}); got != 19456*1024 {
		t.Errorf("19 MiB Argon2id: %d", got)
	}
	if got := HashMemory(ScryptHasher{}); got != 16<<20 {
		t.Errorf("scrypt N=2^14 r=8: %d, want 16 MiB", got)
	}
	cores := runtime.GOMAXPROCS(0)
	if n := DefaultHashConcurrency(64 << 20); n < 1 || n > cores {
		t.Errorf("DefaultHashConcurrency(64 MiB) = %d with %d cores", n, cores)
	}
	if n := DefaultHashConcurrency(1 << 50); n != 1 {
		t.Errorf("a hash larger than memory: %d slots, want 1", n)
	}
	if memoryLimit() <= 0 {
		t.Log("memory limit unknown on this machine") // sizing then follows the cores alone
	}
}

// The "auth" settings section sets the Argon2id parameters of new hashes and
// the limiter's size and wait.
func TestHashSettings(t *testing.T) {
	saved := DefaultHashers
	t.Cleanup(func() { DefaultHashers = saved })
	DefaultHashers = Hashers{Argon2Hasher{Time: 1, MemoryKiB: 64, Threads: 1}, PBKDF2Hasher{Iterations: 1000}}
	e := newEnv(t, Options{}, func(s *galvani.Settings) {
		galvani.Section(s, "auth", Config{HashMemoryKiB: 128, HashTime: 2, MaxConcurrentHashes: 3, HashQueueTimeout: time.Second})
	})
	if a, ok := DefaultHashers[0].(Argon2Hasher); !ok || a.MemoryKiB != 128 || a.Time != 2 || a.Threads != 1 {
		t.Errorf("first hasher %#v", DefaultHashers[0])
	}
	if len(DefaultHashers) != 2 || saved[0].(Argon2Hasher).MemoryKiB == 128 {
		t.Error("the hashers list was not replaced as a copy")
	}
	enc, err := MakePassword("x-password")
	if err != nil || !NeedsRehash("argon2$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g") || NeedsRehash(enc) {
		t.Errorf("new hashes do not use the settings: %s %v", enc, err)
	}
	if l := e.m.HashLimiter(); l.Slots() != 3 || l.Wait() != time.Second {
		t.Errorf("limiter: %d slots, wait %v", l.Slots(), l.Wait())
	}
}
