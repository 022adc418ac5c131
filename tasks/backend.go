package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Status is where a task is in its life.
type Status string

// The statuses of a task.
const (
	// StatusQueued: waiting to be due or to be claimed (also between retries).
	StatusQueued Status = "queued"
	// StatusRunning: claimed by a worker that holds its lease.
	StatusRunning Status = "running"
	// StatusSucceeded: the function returned nil; Info.Result holds its result.
	StatusSucceeded Status = "succeeded"
	// StatusDead: the last attempt failed (or a permanent error); it will not
	// run again unless requeued. Info.LastError says why.
	StatusDead Status = "dead"
)

// Info is what a backend knows about one task.
type Info struct {
	// ID is what Enqueue returned.
	ID int64
	// Task is the registered name; Queue and Priority as enqueued.
	Task     string
	Queue    string
	Priority int
	// Status is where the task is.
	Status Status
	// Args are the JSON-encoded arguments.
	Args json.RawMessage
	// Attempts counts the runs begun, MaxAttempts bounds them.
	Attempts    int
	MaxAttempts int
	// RunAt is when it is (or was last) due.
	RunAt time.Time
	// Created and Finished (zero until it succeeds or dies).
	Created, Finished time.Time
	// Result is the JSON result of a task registered with RegisterResult.
	Result json.RawMessage
	// LastError is the error of the last failed attempt.
	LastError string
	// RequestID is the ID of the request that enqueued the task, or "".
	RequestID string

	uniqueKey string
}

// ResultOf decodes the result of a succeeded task.
func ResultOf[R any](info *Info) (R, error) {
	var r R
	if info.Status != StatusSucceeded {
		return r, fmt.Errorf("tasks: task %d is %s, not succeeded", info.ID, info.Status)
	}
	if len(info.Result) == 0 {
		return r, fmt.Errorf("tasks: task %d has no result", info.ID)
	}
	err := json.Unmarshal(info.Result, &r)
	return r, err
}

// Backend stores tasks. Immediate and DBBackend are the two in this package.
type Backend interface {
	// Enqueue stores (or, for Immediate, runs) the job and returns its id.
	Enqueue(ctx context.Context, j *Job) (int64, error)
	// Info returns the task with id, or an error matching ErrNotFound.
	Info(ctx context.Context, id int64) (*Info, error)
}

var defaultBackend atomic.Pointer[Backend]

// SetDefault makes b the backend of Enqueue calls that name none (App's Ready
// sets it from the settings). SetDefault(nil) removes it.
func SetDefault(b Backend) {
	if b == nil {
		defaultBackend.Store(nil)
		return
	}
	defaultBackend.Store(&b)
}

// Default returns the backend set with SetDefault, or nil.
func Default() Backend {
	if p := defaultBackend.Load(); p != nil {
		return *p
	}
	return nil
}

type ctxKey struct{}

// WithBackend returns ctx carrying b, which Enqueue uses before the default.
func WithBackend(ctx context.Context, b Backend) context.Context {
	return context.WithValue(ctx, ctxKey{}, b)
}

func backendFrom(ctx context.Context) Backend {
	if b, ok := ctx.Value(ctxKey{}).(Backend); ok && b != nil {
		return b
	}
	return Default()
}

// Get returns what the backend Enqueue would use (the context's or the default)
// knows about the task with id.
func Get(ctx context.Context, id int64) (*Info, error) {
	b := backendFrom(ctx)
	if b == nil {
		return nil, ErrNoBackend
	}
	return b.Info(ctx, id)
}

// Immediate is a backend that runs each task inline when it is enqueued, with its
// retries (without waiting out the backoff), and remembers the outcome for Info.
// Enqueue returns the id whatever the outcome; the task's error is in Info. It is
// for tests and development, like Django's ImmediateBackend and Celery's
// task_always_eager: Delay and At are ignored. The zero value is ready to use.
type Immediate struct {
	mu    sync.Mutex
	seq   int64
	infos map[int64]*Info
	// Keep bounds the remembered outcomes (the oldest are forgotten); 0 means 10,000.
	Keep int
}

// Enqueue implements Backend.
func (b *Immediate) Enqueue(ctx context.Context, j *Job) (int64, error) {
	now := time.Now()
	b.mu.Lock()
	if b.infos == nil {
		b.infos = map[int64]*Info{}
	}
	if j.UniqueKey != "" {
		for _, in := range b.infos {
			if in.uniqueKey == j.UniqueKey {
				b.mu.Unlock()
				return 0, ErrDuplicate
			}
		}
	}
	b.seq++
	id := b.seq
	keep := b.Keep
	if keep <= 0 {
		keep = 10000
	}
	delete(b.infos, id-int64(keep))
	b.mu.Unlock()
	info := &Info{ID: id, Task: j.Task, Queue: j.Queue, Priority: j.Priority, Status: StatusRunning,
		Args: json.RawMessage(j.Args), MaxAttempts: j.MaxAttempts, RunAt: now, Created: now, uniqueKey: j.UniqueKey,
		RequestID: j.RequestID}
	running := *info
	b.mu.Lock()
	b.infos[id] = &running
	b.mu.Unlock()
	for {
		info.Attempts++
		res, err := execute(context.WithoutCancel(ctx), j.Task, j.Args, j.Timeout, info.Attempts)
		if err == nil {
			info.Status, info.Result = StatusSucceeded, res
			break
		}
		info.LastError = err.Error()
		if IsPermanent(err) || info.Attempts >= j.MaxAttempts {
			info.Status = StatusDead
			break
		}
	}
	info.Finished = time.Now()
	b.mu.Lock()
	if _, kept := b.infos[id]; kept {
		b.infos[id] = info
	}
	b.mu.Unlock()
	return id, nil
}

// Info implements Backend.
func (b *Immediate) Info(ctx context.Context, id int64) (*Info, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	in, ok := b.infos[id]
	if !ok {
		return nil, fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	cp := *in
	return &cp, nil
}
