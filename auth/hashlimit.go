package auth

import (
	"bufio"
	"context"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Config is the "auth" settings section: what password hashing may cost. The env
// tags name the environment variables that override each field (see
// galvani.Section).
//
// Each password hash, and each check of a password against an Argon2id hash,
// holds HashMemoryKiB KiB for its duration and keeps HashThreads cores busy;
// HashTime multiplies the time. MaxConcurrentHashes bounds how many run at once,
// so the memory the login path can take is about MaxConcurrentHashes ×
// HashMemoryKiB KiB, whatever the number of requests.
type Config struct {
	// HashMemoryKiB, HashTime and HashThreads are the Argon2id parameters of new
	// password hashes (RFC 9106): memory in KiB, passes, lanes. Zero keeps the
	// defaults: 65536 (64 MiB), 3, 4. When one is set, the first of DefaultHashers
	// (an Argon2Hasher) takes them at start-up; existing hashes are upgraded at
	// their owners' next login.
	HashMemoryKiB uint32 `env:"AUTH_HASH_MEMORY_KIB"`
	HashTime      uint32 `env:"AUTH_HASH_TIME"`
	HashThreads   uint8  `env:"AUTH_HASH_THREADS"`
	// MaxConcurrentHashes bounds the password checks and hashes that
	// Authenticate and the auth views run at once. Zero sizes it from the
	// machine: the number of cores (GOMAXPROCS), and no more hashes than fit in a
	// quarter of the memory limit (GOMEMLIMIT, else the cgroup's limit, else the
	// physical memory).
	MaxConcurrentHashes int `env:"AUTH_MAX_CONCURRENT_HASHES"`
	// HashQueueTimeout is how long a request waits for a free slot before it is
	// answered 503 Service Unavailable with Retry-After. Default 5 seconds.
	HashQueueTimeout time.Duration `env:"AUTH_HASH_QUEUE_TIMEOUT"`
}

// ErrBusy is returned by Authenticate (and HashLimiter.Do) when a password hash
// could not start in time: as many as the limiter allows were running, and the
// request's wait ran out or the queue was full. Returned from a handler it answers
// 503 Service Unavailable. No password was checked, so the login views do not
// count it as a failed attempt.
var ErrBusy error = busyError{}

type busyError struct{}

func (busyError) Error() string   { return "auth: too many password checks at once; try again shortly" }
func (busyError) HTTPStatus() int { return 503 }

// HashLimiter bounds how many password hashes run at once. Argon2id is
// memory-hard on purpose (64 MiB per hash by default), so without a bound every
// parallel login request costs that much memory: a few hundred take a server
// down. Requests beyond the bound queue for a slot for at most the limiter's wait,
// then get ErrBusy; at most 64 requests per slot wait at all, the rest get ErrBusy
// at once.
type HashLimiter struct {
	slots    chan struct{}
	wait     time.Duration
	waiting  atomic.Int64
	maxQueue int64
}

// NewHashLimiter returns a limiter running at most n hashes at once (at least 1),
// whose callers wait at most wait for a slot (a non-positive wait means 5 seconds).
func NewHashLimiter(n int, wait time.Duration) *HashLimiter {
	n = max(n, 1)
	if wait <= 0 {
		wait = 5 * time.Second
	}
	return &HashLimiter{slots: make(chan struct{}, n), wait: wait, maxQueue: 64 * int64(n)}
}

// Slots returns how many hashes may run at once.
func (l *HashLimiter) Slots() int { return cap(l.slots) }

// Wait returns how long a caller waits for a slot at most.
func (l *HashLimiter) Wait() time.Duration { return l.wait }

// Do runs fn in a slot: at once when one is free, else after waiting for one, up
// to the limiter's wait or the end of ctx. It returns ErrBusy (or ctx's error)
// without running fn when no slot came in time.
func (l *HashLimiter) Do(ctx context.Context, fn func() error) error {
	select {
	case l.slots <- struct{}{}:
	default:
		if l.waiting.Add(1) > l.maxQueue {
			l.waiting.Add(-1)
			return ErrBusy
		}
		t := time.NewTimer(l.wait)
		select {
		case l.slots <- struct{}{}:
			t.Stop()
			l.waiting.Add(-1)
		case <-t.C:
			l.waiting.Add(-1)
			return ErrBusy
		case <-ctx.Done():
			t.Stop()
			l.waiting.Add(-1)
			return ctx.Err()
		}
	}
	defer func() { <-l.slots }()
	return fn()
}

// HashMemory returns the memory one hash or check with h takes, in bytes: the
// Argon2 memory parameter, scrypt's 128·N·r, and 1 MiB for the others (PBKDF2
// and bcrypt need next to nothing; the MiB stands for the request around them).
func HashMemory(h PasswordHasher) int64 {
	switch h := h.(type) {
	case Argon2Hasher:
		_, m, _ := h.params()
		return int64(m) * 1024
	case ScryptHasher:
		n, r, p := h.params()
		return 128 * int64(n) * int64(r) * int64(p)
	}
	return 1 << 20
}

// DefaultHashConcurrency returns how many hashes of perHash bytes a HashLimiter
// should allow on this machine: the number of cores (GOMAXPROCS), and no more
// than fit in a quarter of the memory limit — GOMEMLIMIT when set, else the
// cgroup's memory limit, else the physical memory. It is at least 1.
func DefaultHashConcurrency(perHash int64) int {
	n := runtime.GOMAXPROCS(0)
	if mem := memoryLimit(); mem > 0 && perHash > 0 {
		n = min(n, int(mem/4/perHash))
	}
	return max(n, 1)
}

// memoryLimit returns the memory the process may use, or 0 when unknown.
func memoryLimit() int64 {
	if l := debug.SetMemoryLimit(-1); l > 0 && l < math.MaxInt64 {
		return l
	}
	for _, f := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		if b, err := os.ReadFile(f); err == nil {
			if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 && n < 1<<50 {
				return n
			}
		}
	}
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}
