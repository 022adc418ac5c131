package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	"github.com/galvani-web/galvani"
)

// Defaults used when neither the task nor the enqueue call says otherwise.
const (
	// DefaultQueue is the queue of a task that names none.
	DefaultQueue = "default"
	// DefaultMaxAttempts is how many times a failing task runs before it is dead.
	DefaultMaxAttempts = 3
	// DefaultTimeout is a run's time limit (its context's deadline).
	DefaultTimeout = 10 * time.Minute
	// DefaultBackoff is the wait before the first retry; each later retry waits
	// twice as long as the one before, up to DefaultMaxBackoff.
	DefaultBackoff = 5 * time.Second
	// DefaultMaxBackoff caps the wait between retries.
	DefaultMaxBackoff = time.Hour
)

// maxNameLen bounds task and queue names (the columns they are stored in).
const maxNameLen = 100

// Errors a caller can test for with errors.Is.
var (
	// ErrUnknownTask is the cause of a failed run whose task name no Register
	// call in this program knows.
	ErrUnknownTask = errors.New("tasks: unknown task")
	// ErrNoBackend is returned by Enqueue when no backend is given (Using),
	// carried by the context (WithBackend) or set as the default (SetDefault).
	ErrNoBackend = errors.New("tasks: no backend (tasks.SetDefault, tasks.WithBackend or tasks.Using)")
	// ErrNotFound is returned by Backend.Info for an id it does not hold.
	ErrNotFound = errors.New("tasks: no task with that id")
	// ErrInvalidOption is the cause of an Enqueue refused for a bad option
	// (an empty or overlong queue name, zero attempts, a negative timeout).
	ErrInvalidOption = errors.New("tasks: invalid option")
)

// ArgsError is the error of a run whose stored arguments do not decode into the
// task's argument type. It is permanent: the task is not retried.
type ArgsError struct {
	// Task is the task's name.
	Task string
	// Err is the JSON decoder's error.
	Err error
}

// Error implements error.
func (e *ArgsError) Error() string {
	return fmt.Sprintf("tasks: arguments of %q do not decode: %v", e.Task, e.Err)
}

// Unwrap returns the decoder's error.
func (e *ArgsError) Unwrap() error { return e.Err }

// permanentError marks an error after which retrying is pointless.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent wraps err so that the task fails at once, without the retries it has
// left (the task goes to the dead state). Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err (or an error it wraps) was made by Permanent
// or is an *ArgsError.
func IsPermanent(err error) bool {
	var p permanentError
	var a *ArgsError
	return errors.As(err, &p) || errors.As(err, &a)
}

// PanicError is the error of a run whose function panicked; the worker survives.
type PanicError struct {
	// Value is what the function panicked with.
	Value any
	// Stack is the goroutine's stack at the panic.
	Stack []byte
}

// Error implements error.
func (e *PanicError) Error() string { return fmt.Sprintf("tasks: task panicked: %v", e.Value) }

// options are a task's settings, from Register and then from Enqueue.
type options struct {
	queue       string
	priority    int
	runAt       time.Time
	delay       time.Duration
	maxAttempts int
	timeout     time.Duration
	backoff     time.Duration
	maxBackoff  time.Duration
	backend     Backend
	uniqueKey   string
	err         error
}

// Option changes how a task runs. Given to Register it is the task's default;
// given to Enqueue it applies to that call only.
type Option func(*options)

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidOption}, a...)...)
}

// Queue puts the task on the named queue (1 to 100 bytes); workers listen on the
// queues they are given.
func Queue(name string) Option {
	return func(o *options) {
		if name == "" || len(name) > maxNameLen {
			o.err = invalid("queue name %q must be 1 to %d bytes", name, maxNameLen)
			return
		}
		o.queue = name
	}
}

// Priority sets the task's priority: of the tasks due on a queue, those with the
// higher priority run first (then the oldest). The default is 0; negative values
// run after it.
func Priority(p int) Option { return func(o *options) { o.priority = p } }

// Delay makes the task due d after it is enqueued.
func Delay(d time.Duration) Option { return func(o *options) { o.delay, o.runAt = d, time.Time{} } }

// At makes the task due at t.
func At(t time.Time) Option { return func(o *options) { o.runAt, o.delay = t, 0 } }

// MaxAttempts sets how many times the task runs before a failure is final (the
// dead state). 1 means no retries.
func MaxAttempts(n int) Option {
	return func(o *options) {
		if n < 1 {
			o.err = invalid("MaxAttempts(%d): at least 1", n)
			return
		}
		o.maxAttempts = n
	}
}

// Timeout sets a run's time limit: the task's context is cancelled when it
// passes, and a run that returns after it counts as failed.
func Timeout(d time.Duration) Option {
	return func(o *options) {
		if d <= 0 {
			o.err = invalid("Timeout(%v): must be positive", d)
			return
		}
		o.timeout = d
	}
}

// Backoff sets the wait before the first retry (base) and the most any retry
// waits (max); the wait doubles after each failure, with up to 20% jitter.
func Backoff(base, max time.Duration) Option {
	return func(o *options) {
		if base <= 0 || max < base {
			o.err = invalid("Backoff(%v, %v): base must be positive and max at least base", base, max)
			return
		}
		o.backoff, o.maxBackoff = base, max
	}
}

// Using sends the task to b instead of the context's or the default backend.
func Using(b Backend) Option { return func(o *options) { o.backend = b } }

// Unique gives the task a key no other task in the backend may hold: an Enqueue
// with a key already stored adds nothing and returns ErrDuplicate. Periodic
// tasks use it to fire once per tick whatever the number of schedulers.
func Unique(key string) Option {
	return func(o *options) {
		if key == "" || len(key) > 200 {
			o.err = invalid("Unique key must be 1 to 200 bytes")
			return
		}
		o.uniqueKey = key
	}
}

// ErrDuplicate is returned by Enqueue when a task with the same Unique key exists.
var ErrDuplicate = errors.New("tasks: a task with this unique key exists")

// backoffFor returns the wait before the retry that follows the attempt-th failure.
func (o *options) backoffFor(attempt int) time.Duration {
	d := o.backoff
	for i := 1; i < attempt && d < o.maxBackoff; i++ {
		d *= 2
	}
	if d > o.maxBackoff {
		d = o.maxBackoff
	}
	if j := int64(d) / 5; j > 0 {
		d += time.Duration(rand.Int64N(j))
	}
	return d
}

// runner is what the registry keeps per task name.
type runner struct {
	name string
	run  func(ctx context.Context, args []byte) ([]byte, error)
	opts options
}

var (
	registryMu sync.RWMutex
	registry   = map[string]*runner{}
	// registryGen counts the registrations, so a worker knows when the names it
	// claims must be read again.
	registryGen uint64
)

func register(name string, run func(ctx context.Context, args []byte) ([]byte, error), opts []Option) *runner {
	if name == "" || len(name) > maxNameLen {
		panic(fmt.Sprintf("tasks: task name %q must be 1 to %d bytes", name, maxNameLen))
	}
	r := &runner{name: name, run: run, opts: options{queue: DefaultQueue, maxAttempts: DefaultMaxAttempts,
		timeout: DefaultTimeout, backoff: DefaultBackoff, maxBackoff: DefaultMaxBackoff}}
	for _, o := range opts {
		o(&r.opts)
	}
	if r.opts.err != nil {
		panic(fmt.Sprintf("tasks: Register(%q): %v", name, r.opts.err))
	}
	if r.opts.backend != nil || r.opts.uniqueKey != "" || !r.opts.runAt.IsZero() || r.opts.delay != 0 {
		panic(fmt.Sprintf("tasks: Register(%q): Using, Unique, At and Delay belong to Enqueue", name))
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[name]; dup {
		panic(fmt.Sprintf("tasks: task %q registered twice", name))
	}
	registry[name] = r
	registryGen++
	return r
}

func lookup(name string) *runner {
	registryMu.RLock()
	defer registryMu.RUnlock()
	return registry[name]
}

// Registered returns the names of the registered tasks, sorted.
func Registered() []string {
	names, _ := registered()
	return names
}

// registered returns Registered() and the registry's generation.
func registered() ([]string, uint64) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, registryGen
}

// registryGeneration returns the number of registrations so far.
func registryGeneration() uint64 {
	registryMu.RLock()
	defer registryMu.RUnlock()
	return registryGen
}

// Task is a registered task whose argument is an A. Make one with Register or
// RegisterResult, once, at package level.
type Task[A any] struct {
	r *runner
}

// Register registers fn as the task called name and returns it. The name is what
// the backend stores, so keep it stable across deployments. opts are the task's
// defaults (Queue, Priority, MaxAttempts, Timeout, Backoff). It panics when the
// name is empty or taken, like http.Handle: a programming error found at start-up.
func Register[A any](name string, fn func(ctx context.Context, args A) error, opts ...Option) *Task[A] {
	return RegisterResult(name, func(ctx context.Context, a A) (struct{}, error) {
		return struct{}{}, fn(ctx, a)
	}, opts...)
}

// RegisterResult is Register for a function with a result, which the backend
// keeps JSON-encoded beside the task's status (read it with ResultOf).
func RegisterResult[A, R any](name string, fn func(ctx context.Context, args A) (R, error), opts ...Option) *Task[A] {
	run := func(ctx context.Context, raw []byte) ([]byte, error) {
		var a A
		if err := json.Unmarshal(raw, &a); err != nil {
			return nil, &ArgsError{Task: name, Err: err}
		}
		res, err := fn(ctx, a)
		if err != nil {
			return nil, err
		}
		if _, none := any(res).(struct{}); none {
			return nil, nil
		}
		out, err := json.Marshal(res)
		if err != nil {
			return nil, Permanent(fmt.Errorf("tasks: result of %q does not encode: %w", name, err))
		}
		return out, nil
	}
	return &Task[A]{r: register(name, run, opts)}
}

// Name returns the task's registered name.
func (t *Task[A]) Name() string { return t.r.name }

// Job is a task ready for a backend: what Enqueue hands to Backend.Enqueue.
type Job struct {
	// Task is the registered name.
	Task string
	// Queue, Priority, MaxAttempts and Timeout are the task's settings.
	Queue       string
	Priority    int
	MaxAttempts int
	Timeout     time.Duration
	// Args are the JSON-encoded arguments.
	Args []byte
	// RunAt is when the task is due.
	RunAt time.Time
	// UniqueKey, when not empty, is a key no other stored task may have.
	UniqueKey string
	// RequestID is the ID of the request that enqueued the task
	// (galvani.RequestIDFromContext of Enqueue's ctx), "" outside one. The worker
	// puts it in the task's context and its log lines.
	RequestID string
}

// Enqueue encodes args and hands the task to the backend chosen by Using, else
// the one in ctx (WithBackend), else the default (SetDefault). It returns the
// task's id, for Status.
func (t *Task[A]) Enqueue(ctx context.Context, args A, opts ...Option) (int64, error) {
	job, b, err := t.job(ctx, args, opts)
	if err != nil {
		return 0, err
	}
	return b.Enqueue(ctx, job)
}

func (t *Task[A]) job(ctx context.Context, args A, opts []Option) (*Job, Backend, error) {
	o := t.r.opts
	for _, opt := range opts {
		opt(&o)
	}
	if o.err != nil {
		return nil, nil, o.err
	}
	raw, err := json.Marshal(args)
	if err != nil {
		return nil, nil, fmt.Errorf("tasks: arguments of %q do not encode: %w", t.r.name, err)
	}
	b := o.backend
	if b == nil {
		b = backendFrom(ctx)
	}
	if b == nil {
		return nil, nil, ErrNoBackend
	}
	runAt := o.runAt
	if runAt.IsZero() {
		runAt = time.Now().Add(o.delay)
	}
	return &Job{Task: t.r.name, Queue: o.queue, Priority: o.priority, MaxAttempts: o.maxAttempts,
		Timeout: o.timeout, Args: raw, RunAt: runAt, UniqueKey: o.uniqueKey, RequestID: galvani.RequestIDFromContext(ctx)}, b, nil
}

// OnCommitter is what EnqueueOnCommit needs from a database: orm's *DB has it.
type OnCommitter interface {
	OnCommit(ctx context.Context, fn func(ctx context.Context))
}

// EnqueueOnCommit enqueues the task after the transaction of db in ctx commits
// (at once when there is none), and not at all when it rolls back — Django's
// transaction.on_commit(lambda: task.enqueue(...)). Options are checked and the
// arguments encoded now, so such errors are returned; an error of the later
// Enqueue goes to onErr when it is not nil.
func (t *Task[A]) EnqueueOnCommit(ctx context.Context, db OnCommitter, args A, onErr func(error), opts ...Option) error {
	job, b, err := t.job(ctx, args, opts)
	if err != nil {
		return err
	}
	db.OnCommit(ctx, func(ctx context.Context) {
		if _, err := b.Enqueue(ctx, job); err != nil && onErr != nil {
			onErr(err)
		}
	})
	return nil
}

// execute runs one attempt of the task called name: the time limit applied,
// arguments decoded, panics recovered.
func execute(ctx context.Context, name string, args []byte, timeout time.Duration, attempt int) (result []byte, err error) {
	r := lookup(name)
	if r == nil {
		return nil, fmt.Errorf("%w %q (not registered in this program)", ErrUnknownTask, name)
	}
	if timeout <= 0 {
		timeout = r.opts.timeout
	}
	ctx, cancel := context.WithTimeout(context.WithValue(ctx, attemptKey{}, attempt), timeout)
	defer cancel()
	defer func() {
		if v := recover(); v != nil {
			result, err = nil, &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	result, err = r.run(ctx, args)
	if err == nil && ctx.Err() == context.DeadlineExceeded {
		err = fmt.Errorf("tasks: %q ran past its time limit of %v", name, timeout)
	}
	return result, err
}

// retryPolicy returns the backoff settings of the task called name (the
// defaults when it is unknown).
func retryPolicy(name string) options {
	if r := lookup(name); r != nil {
		return r.opts
	}
	return options{backoff: DefaultBackoff, maxBackoff: DefaultMaxBackoff}
}

type attemptKey struct{}

// Attempt returns which attempt of its task the run with ctx is: 1 for the first
// run, 2 for the first retry (Celery's request.retries + 1). It is 0 outside a task.
func Attempt(ctx context.Context) int {
	n, _ := ctx.Value(attemptKey{}).(int)
	return n
}
