package tasks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Schedule is a periodic task: a task, its arguments and a cron expression.
type Schedule struct {
	name string
	cron *Cron
	fire func(ctx context.Context, b Backend, key string) error
}

// Name identifies the schedule in the unique keys of its ticks: the task's name,
// the expression and a digest of the arguments.
func (s *Schedule) Name() string { return s.name }

// Cron returns the schedule's expression.
func (s *Schedule) Cron() *Cron { return s.cron }

var (
	schedulesMu sync.Mutex
	schedules   = map[string]*Schedule{}
)

// ErrDuplicateSchedule is returned by Every for a task, expression and arguments
// already scheduled.
var ErrDuplicateSchedule = errors.New("tasks: schedule already registered")

// Every schedules t to be enqueued with args at every tick of the cron expression
// spec (see ParseCron; UTC), and registers the schedule for Schedulers (and the
// worker command) that are given no list of their own. opts apply to each
// enqueued task. A bad expression is a *CronError.
func Every[A any](spec string, t *Task[A], args A, opts ...Option) (*Schedule, error) {
	s, err := NewSchedule(spec, t, args, opts...)
	if err != nil {
		return nil, err
	}
	schedulesMu.Lock()
	defer schedulesMu.Unlock()
	if _, dup := schedules[s.name]; dup {
		return nil, fmt.Errorf("%w: %s", ErrDuplicateSchedule, s.name)
	}
	schedules[s.name] = s
	return s, nil
}

// NewSchedule is Every without the registration, for a Scheduler's own list.
func NewSchedule[A any](spec string, t *Task[A], args A, opts ...Option) (*Schedule, error) {
	c, err := ParseCron(spec)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(args)
	if err != nil {
		return nil, fmt.Errorf("tasks: arguments of %q do not encode: %w", t.Name(), err)
	}
	sum := sha256.Sum256(raw)
	name := t.Name() + " " + c.String() + " " + hex.EncodeToString(sum[:6])
	return &Schedule{name: name, cron: c, fire: func(ctx context.Context, b Backend, key string) error {
		o := append(append([]Option{}, opts...), Using(b), Unique(key))
		_, err := t.Enqueue(ctx, args, o...)
		return err
	}}, nil
}

// Schedules returns the schedules registered with Every, by name.
func Schedules() []*Schedule {
	schedulesMu.Lock()
	defer schedulesMu.Unlock()
	out := make([]*Schedule, 0, len(schedules))
	for _, s := range schedules {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// Scheduler enqueues periodic tasks. Any number may run (one per worker
// process is normal): each tick of a schedule is enqueued with a unique key made
// of the schedule's name and the tick's time, so the backend stores it once and
// the other schedulers' attempts are ErrDuplicate.
type Scheduler struct {
	// Backend receives the tasks.
	Backend Backend
	// Schedules to run; nil means those registered with Every.
	Schedules []*Schedule
	// CatchUp is how late a tick may still be enqueued (a scheduler that was down
	// fires the latest missed tick within it, once). 0 means 1 minute.
	CatchUp time.Duration
	// Interval is the wait between checks; 0 means 1s.
	Interval time.Duration
	// Logger receives enqueue errors; nil means slog.Default().
	Logger *slog.Logger
}

// Tick enqueues, for each schedule, its latest tick at or before now and within
// CatchUp, unless the backend holds it already; it returns how many this call
// enqueued.
func (s *Scheduler) Tick(ctx context.Context, now time.Time) (int, error) {
	list := s.Schedules
	if list == nil {
		list = Schedules()
	}
	window := s.CatchUp
	if window <= 0 {
		window = time.Minute
	}
	fired := 0
	var errs []error
	for _, sc := range list {
		tick, ok := sc.cron.Prev(now, window)
		if !ok {
			continue
		}
		key := "cron:" + sc.name + ":" + strconv.FormatInt(tick.Unix(), 10)
		if len(key) > 200 {
			sum := sha256.Sum256([]byte(key))
			key = "cron:" + hex.EncodeToString(sum[:])
		}
		switch err := sc.fire(ctx, s.Backend, key); {
		case err == nil:
			fired++
		case errors.Is(err, ErrDuplicate):
		default:
			errs = append(errs, fmt.Errorf("schedule %s: %w", sc.name, err))
		}
	}
	return fired, errors.Join(errs...)
}

// Run calls Tick every Interval until ctx is cancelled.
func (s *Scheduler) Run(ctx context.Context) error {
	interval := s.Interval
	if interval <= 0 {
		interval = time.Second
	}
	log := s.Logger
	if log == nil {
		log = slog.Default()
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.Tick(ctx, time.Now()); err != nil && ctx.Err() == nil {
			log.Warn("tasks: scheduler", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
