package tasks

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/migrate"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/tasks/migrations"
)

// Config is the "tasks" settings section.
type Config struct {
	// Backend is "database" (the default: the task table of Database),
	// "immediate" (tasks run inline), or a Redis URL (redis://host:6379/0,
	// rediss://... for TLS) with an optional key_prefix parameter. Env: TASKS_BACKEND.
	Backend string `env:"TASKS_BACKEND"`
	// Database names the database (Settings.Databases) of the task table.
	// Default "default". Env: TASKS_DATABASE.
	Database string `env:"TASKS_DATABASE"`

	mu      sync.Mutex
	backend Backend
}

// App is the tasks battery as an installable app: the Record model and its
// migration (app label "tasks"), the `worker` command, and, at start-up, the
// default backend (SetDefault) chosen by the "tasks" settings section:
//
//	app := galvani.New(settings, tasks.App, migrate.App)
var App galvani.AppConfig = app{}

type app struct{}

// Label implements galvani.AppConfig.
func (app) Label() string { return "tasks" }

// Models implements orm.ModelsProvider.
func (app) Models() []any { return []any{Record{}} }

// Migrations implements migrate.MigrationsProvider.
func (app) Migrations() []*migrate.Migration { return migrations.All }

// MigrationsDir implements migrate.MigrationsDirProvider.
func (app) MigrationsDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "migrations")
}

// Ready implements galvani.ReadyHook: it makes the configured backend the default
// and offers its counts to the installed Instrumenters.
func (app) Ready(a *galvani.App) error {
	b, err := backendFor(context.Background(), &a.Settings)
	if err != nil {
		return err
	}
	SetDefault(b)
	if cb, ok := b.(interface {
		Counts(context.Context) (map[Status]int64, error)
	}); ok {
		counts := func(ctx context.Context) (map[string]int64, error) {
			byStatus, err := cb.Counts(ctx)
			out := make(map[string]int64, len(byStatus))
			for st, n := range byStatus {
				out[string(st)] = n
			}
			return out, err
		}
		for _, ac := range a.Apps() {
			if in, ok := ac.(Instrumenter); ok {
				in.InstrumentTasks(a, counts)
			}
		}
	}
	return nil
}

// Instrumenter is implemented by installed apps that watch the task queue (the
// metrics battery): when the backend is the database or the Redis one, the tasks
// App's Ready calls InstrumentTasks with a function that counts the stored tasks
// by status ("queued" is the queue depth).
type Instrumenter interface {
	InstrumentTasks(app *galvani.App, counts func(ctx context.Context) (map[string]int64, error))
}

// backendFor opens, once per Settings value, the backend the settings choose.
func backendFor(ctx context.Context, s *galvani.Settings) (Backend, error) {
	cfg := galvani.Section(s, "tasks", Config{})
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	if cfg.backend != nil {
		return cfg.backend, nil
	}
	switch cfg.Backend {
	case "immediate":
		cfg.backend = &Immediate{}
	case "", "database":
		name := cfg.Database
		if name == "" {
			name = "default"
		}
		u, ok := s.Database(name)
		if !ok {
			u = galvani.DefaultDatabaseURL
			if name != "default" {
				return nil, fmt.Errorf("tasks: no database called %q in the settings (TASKS_DATABASE)", name)
			}
		}
		db, err := orm.OpenNamed(ctx, name, u)
		if err != nil {
			return nil, fmt.Errorf("tasks: %w", err)
		}
		cfg.backend = NewDB(db)
	default:
		if !strings.HasPrefix(cfg.Backend, "redis://") && !strings.HasPrefix(cfg.Backend, "rediss://") {
			return nil, fmt.Errorf("tasks: TASKS_BACKEND=%q is not database, immediate or a redis:// URL", cfg.Backend)
		}
		raw, prefix := cfg.Backend, ""
		if u, err := url.Parse(raw); err == nil {
			q := u.Query()
			prefix = q.Get("key_prefix")
			q.Del("key_prefix")
			u.RawQuery = q.Encode()
			raw = u.String()
		}
		opts, err := redis.ParseURL(raw)
		if err != nil {
			return nil, fmt.Errorf("tasks: TASKS_BACKEND: %w", err)
		}
		cfg.backend = NewRedis(redis.NewClient(opts), prefix)
	}
	return cfg.backend, nil
}

// Commands implements galvani.CommandsProvider: worker.
func (app) Commands() []*galvani.Command {
	return []*galvani.Command{{
		Name: "worker",
		Help: "run background tasks and periodic schedules until interrupted",
		Long: "worker claims due tasks of its queues from the database or Redis backend and runs them,\n" +
			"taking only tasks whose names this program registers (or those -tasks names): a task\n" +
			"under another name waits, queued, for a worker that knows it (rolling deploys).\n" +
			"and enqueues the ticks of periodic schedules (once per tick across all workers).\n" +
			"On SIGINT or SIGTERM it stops claiming, lets running tasks finish within -grace,\n" +
			"then cancels them and gives them back to their queue.",
		Args: galvani.MaxArgs(0),
		Flags: func(fs *flag.FlagSet) {
			fs.Int("concurrency", 4, "tasks run at once")
			fs.String("queues", DefaultQueue, "comma-separated queues to take tasks from")
			fs.String("tasks", "", "comma-separated task names to run (default: every task this program registers)")
			fs.Duration("grace", 30*time.Second, "time running tasks get to finish at shutdown")
			fs.Duration("poll", time.Second, "wait between claims when nothing is due")
			fs.Duration("lease", 30*time.Second, "claim duration without renewal (a dead worker's tasks run again after it)")
			fs.Bool("no-schedules", false, "do not enqueue periodic tasks from this worker")
		},
		Run: workerCommand,
	}}
}

// splitList splits a comma-separated flag value, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func workerCommand(ctx context.Context, inv *galvani.Invocation) error {
	b, err := backendFor(ctx, &inv.App.Settings)
	if err != nil {
		return err
	}
	db, ok := b.(Broker)
	if !ok {
		return galvani.UsageErrorf("the worker needs the database or Redis backend (TASKS_BACKEND=database or redis://...), not %T", b)
	}
	queues := splitList(inv.String("queues"))
	if len(queues) == 0 {
		return galvani.UsageErrorf("-queues names no queue")
	}
	names := splitList(inv.String("tasks"))
	for _, name := range names {
		if lookup(name) == nil {
			return galvani.UsageErrorf("-tasks: no task called %q is registered in this program", name)
		}
	}
	if inv.Int("concurrency") < 1 {
		return galvani.UsageErrorf("-concurrency must be at least 1")
	}
	w := &Worker{Backend: db, Queues: queues, Tasks: names, Concurrency: inv.Int("concurrency"),
		PollInterval: inv.Duration("poll"), Lease: inv.Duration("lease"), Grace: inv.Duration("grace")}
	if len(names) == 0 {
		names = Registered()
	}
	fmt.Fprintf(inv.Stdout, "worker: queues %s, concurrency %d; tasks: %s\n", strings.Join(queues, ","), w.Concurrency, strings.Join(names, ", "))
	var wg sync.WaitGroup
	if !inv.Bool("no-schedules") && len(Schedules()) > 0 {
		sc := &Scheduler{Backend: db}
		wg.Add(1)
		go func() { defer wg.Done(); _ = sc.Run(ctx) }()
	}
	err = w.Run(ctx)
	wg.Wait()
	fmt.Fprintln(inv.Stdout, "worker: stopped")
	return err
}
