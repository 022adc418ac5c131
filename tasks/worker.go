package tasks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/galvani-web/galvani"
)

// Worker runs the tasks of a Broker (DBBackend or RedisBackend): it claims due tasks of its queues, runs up
// to Concurrency at once, renews their leases while they run, and records each
// outcome (success, a retry after backoff, or the dead state). The zero values of
// its fields are usable defaults.
type Worker struct {
	// Backend holds the tasks.
	Backend Broker
	// Queues are the queues to take tasks from; none means DefaultQueue.
	Queues []string
	// Concurrency is how many tasks run at once; 0 means 4.
	Concurrency int
	// PollInterval is the wait between claims when no task is due; 0 means 1s.
	PollInterval time.Duration
	// Lease is how long a claim holds without renewal (renewed every third of
	// it); a task whose worker dies runs again after it. 0 means 30s; less
	// than minLease (30ms) counts as minLease, as leases are kept in
	// milliseconds.
	Lease time.Duration
	// Grace is how long a stopping worker lets running tasks finish before it
	// cancels their contexts and gives them back to their queue. 0 means 30s.
	Grace time.Duration
	// Tasks are the names of the tasks this worker claims; none means every
	// task registered in this process (Registered), those registered after Run
	// started included. Each must be registered. A worker never claims a task
	// whose name it does not know: in a rolling deploy, a task enqueued by newer
	// code under a new name waits, queued, for a worker that registers it,
	// instead of failing on an older one.
	Tasks []string
	// Logger receives a line per failure; nil means slog.Default().
	Logger *slog.Logger
}

// minLease is the shortest lease a Worker takes: a shorter one would be stored
// as 0 ms (taken back at once) and, under 3ns, panic the renewal ticker.
const minLease = 30 * time.Millisecond

func (w *Worker) defaults() (queues []string, conc int, poll, lease, grace time.Duration, log *slog.Logger) {
	queues, conc, poll, lease, grace, log = w.Queues, w.Concurrency, w.PollInterval, w.Lease, w.Grace, w.Logger
	if len(queues) == 0 {
		queues = []string{DefaultQueue}
	}
	if conc <= 0 {
		conc = 4
	}
	if poll <= 0 {
		poll = time.Second
	}
	if lease <= 0 {
		lease = 30 * time.Second
	} else if lease < minLease {
		lease = minLease
	}
	if grace <= 0 {
		grace = 30 * time.Second
	}
	if log == nil {
		log = slog.Default()
	}
	return
}

// Run works until ctx is cancelled, then stops claiming, waits up to Grace for the
// running tasks, cancels those still running and gives them back to their queue.
// It returns nil after a graceful stop.
func (w *Worker) Run(ctx context.Context) error {
	if w.Backend == nil {
		return errors.New("tasks: Worker needs a Backend")
	}
	queues, conc, poll, lease, grace, log := w.defaults()
	for _, name := range w.Tasks {
		if lookup(name) == nil {
			return fmt.Errorf("%w %q in Worker.Tasks (not registered in this program)", ErrUnknownTask, name)
		}
	}
	names, gen := w.names(0, nil)
	log.Info("tasks: worker started", "queues", queues, "tasks", names, "concurrency", conc)
	w.reportUnserved(ctx, queues, names, log)
	// tasks run on hard, which outlives ctx by the grace period
	hard, hardCancel := context.WithCancel(context.WithoutCancel(ctx))
	defer hardCancel()
	bg := context.WithoutCancel(ctx)

	var (
		mu      sync.Mutex
		running = map[*claimed]struct{}{}
		wg      sync.WaitGroup
		freed   = make(chan struct{}, conc)
	)
	var lastReap time.Time
	for ctx.Err() == nil {
		mu.Lock()
		free := conc - len(running)
		mu.Unlock()
		if g := registryGeneration(); g != gen && len(w.Tasks) == 0 {
			names, gen = w.names(gen, names)
			log.Info("tasks: worker serves newly registered tasks", "tasks", names)
		}
		if free > 0 {
			// expired leases are looked for a few times per lease, not per claim
			if time.Since(lastReap) >= min(lease/4, poll) {
				lastReap = time.Now()
				if _, err := w.Backend.reap(ctx); err != nil && ctx.Err() == nil {
					log.Warn("tasks: taking back expired leases", "err", err)
				}
			}
			// Not on ctx: a claim cut off by the stop could commit on the server
			// and lose its answer here, leaving its tasks leased to nobody. What
			// it takes runs (or is given back) within the grace period.
			var jobs []claimed
			var err error
			if len(names) > 0 {
				jobs, err = w.Backend.claim(bg, queues, names, free, lease)
			}
			if err != nil && ctx.Err() == nil {
				log.Warn("tasks: claiming", "err", err)
			}
			for i := range jobs {
				c := &jobs[i]
				mu.Lock()
				running[c] = struct{}{}
				mu.Unlock()
				wg.Add(1)
				go func() {
					defer wg.Done()
					w.run(hard, bg, c, lease, log)
					mu.Lock()
					delete(running, c)
					mu.Unlock()
					select {
					case freed <- struct{}{}:
					default:
					}
				}()
			}
			if len(jobs) == free {
				continue // more may be due: claim again when a slot frees
			}
		}
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
		case <-t.C:
		case <-freed:
		}
		t.Stop()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(grace):
	}
	hardCancel() // running tasks see their context cancelled and are released
	select {
	case <-done:
		return nil
	case <-time.After(5 * time.Second):
	}
	// tasks that ignore their context: give their rows back anyway
	mu.Lock()
	defer mu.Unlock()
	for c := range running {
		if _, err := w.Backend.release(bg, c); err != nil {
			log.Warn("tasks: releasing a task at shutdown", "id", c.id, "err", err)
		}
	}
	return fmt.Errorf("tasks: %d task(s) ignored their cancelled context at shutdown; released", len(running))
}

// names returns the task names the worker claims, sorted, and the registry
// generation they were read at: Tasks, or every registered name.
func (w *Worker) names(gen uint64, prev []string) ([]string, uint64) {
	if len(w.Tasks) > 0 {
		if prev != nil {
			return prev, gen
		}
		names := slices.Clone(w.Tasks)
		slices.Sort(names)
		return slices.Compact(names), gen
	}
	return registered()
}

// reportUnserved logs, at start, the due tasks of queues that wait under names
// this worker does not claim: left for a worker that registers them, they stay
// queued, and a name no deployed code registers (a task renamed or removed)
// would stay queued for ever. Only backends that can count them by name
// (both of this package's) are asked.
func (w *Worker) reportUnserved(ctx context.Context, queues, names []string, log *slog.Logger) {
	qb, ok := w.Backend.(interface {
		DueByTask(ctx context.Context, queues ...string) (map[string]int64, error)
	})
	if !ok {
		return
	}
	due, err := qb.DueByTask(ctx, queues...)
	if err != nil {
		log.Warn("tasks: counting due tasks by name", "err", err)
		return
	}
	for _, name := range names {
		delete(due, name)
	}
	if len(due) > 0 {
		log.Warn("tasks: due tasks wait under names this worker does not register; a worker whose code registers them will run them",
			"queues", queues, "waiting", due)
	}
}

// run executes one claimed task, renewing its lease meanwhile, and records the
// outcome.
func (w *Worker) run(hard, bg context.Context, c *claimed, lease time.Duration, log *slog.Logger) {
	ctx, cancel := context.WithCancel(hard)
	defer cancel()
	if c.requestID != "" {
		// The task's own log lines (with RequestIDLogHandler) and the worker's name
		// the request that enqueued it.
		ctx = galvani.WithRequestID(ctx, c.requestID)
		log = log.With("request_id", c.requestID)
	}
	stop := make(chan struct{})
	var hb sync.WaitGroup
	hb.Add(1)
	go func() {
		defer hb.Done()
		tk := time.NewTicker(lease / 3)
		defer tk.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tk.C:
				ok, err := w.Backend.renew(bg, c, lease)
				if err == nil && !ok {
					log.Warn("tasks: lease lost; cancelling the run", "id", c.id, "task", c.task)
					cancel()
					return
				}
			}
		}
	}()
	var res []byte
	var err error
	start := time.Now()
	if c.attempts > c.maxAttempts {
		err = Permanent(fmt.Errorf("tasks: attempt %d of %d", c.attempts, c.maxAttempts))
	} else {
		res, err = execute(ctx, c.task, c.args, c.timeout, c.attempts)
	}
	close(stop)
	hb.Wait()
	var ok bool
	var dbErr error
	switch {
	case err == nil:
		log.Debug("tasks: task succeeded", "id", c.id, "task", c.task, "attempt", c.attempts, "duration", time.Since(start))
		ok, dbErr = w.Backend.succeed(bg, c, res)
	case hard.Err() != nil:
		ok, dbErr = w.Backend.release(bg, c)
	default:
		log.Info("tasks: task failed", "id", c.id, "task", c.task, "attempt", c.attempts, "err", err)
		ok, dbErr = w.Backend.fail(bg, c, err)
	}
	if dbErr != nil {
		log.Error("tasks: recording an outcome", "id", c.id, "task", c.task, "err", dbErr)
	} else if !ok {
		log.Warn("tasks: outcome not recorded: the lease had expired and the task was taken back", "id", c.id, "task", c.task)
	}
}
